"""Give each pytest-xdist worker its own Redis database, so parallel tests never share a
cache, a rate-limit count or a Celery queue.

Loaded as a plugin (``-p tests.redis_per_worker``, as ``make test-fast`` does), so it runs
before pytest-django sets Django up and the settings read ``REDIS_URL``. Worker ``gwN`` uses the
database N after the one ``REDIS_URL`` names (wrapping round Redis's 16); a run without
xdist keeps ``REDIS_URL`` as it is.
"""

import os
import re

DATABASES = 16  # Redis's default number of databases


def worker_redis_url(url: str, worker: str) -> str:
    """``url`` moved to the database ``worker`` ("gw3") is given."""
    match = re.fullmatch(r"(?P<base>redis://[^/]*)(?:/(?P<db>\d+))?(?P<rest>\?.*)?", url)
    number = re.fullmatch(r"gw(\d+)", worker)
    if not match or not number:
        return url
    db = (int(match["db"] or 0) + int(number[1])) % DATABASES
    return f"{match['base']}/{db}{match['rest'] or ''}"


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = worker_redis_url(os.environ["REDIS_URL"], _worker)
