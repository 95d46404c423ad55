"""The portal's own settings, served for `make loadtest` with one change: the API's throttle.

All the simulated users come from 127.0.0.1, so the real rates (120 anonymous requests a minute
per address) would answer most API requests with 429 and the test would measure the throttle.
The throttle classes still run on every API request, against the same Redis cache, with rates
no simulated user reaches.
"""

from selfreg.settings import *  # noqa: F403
from selfreg.settings import REST_FRAMEWORK

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "1000000/min", "user": "1000000/min"},
}
