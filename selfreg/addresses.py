"""The address a request really came from, for sign-in lock-out and the API throttle.

Behind a proxy every request arrives from the proxy's address. `NUM_PROXIES` (in the REST
framework settings, read from the environment) says how many proxies production puts in
front; only that many entries of X-Forwarded-For, counted from the right, are trusted, so a
client cannot name itself a new address by sending the header itself. With 0, the connecting
address is used and the header ignored.
"""

from rest_framework.throttling import BaseThrottle


def client_address(request) -> str:
    """The client's address as the API throttle works it out (one rule for both)."""
    return BaseThrottle().get_ident(request)
