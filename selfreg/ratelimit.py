"""Counting anonymous writes per client address, in the cache.

Forms anyone may post (a consultation response) are limited by counting, in the cache, how
many each address and each target accepted in a fixed window. The address is read exactly
as the API's throttles read it (`REST_FRAMEWORK["NUM_PROXIES"]`): X-Forwarded-For is
trusted only from as many proxies as production puts in front, so a client cannot name
itself a new address. Counting is one atomic increment in Redis. If the cache does not
answer, the write is allowed: the limit guards against floods, and what it guards is
moderated anyway, so an outage must not lock residents out.
"""

from dataclasses import dataclass

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle


@dataclass(frozen=True)
class Limit:
    """At most `count` writes per `seconds`, counted in fixed windows."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Limit":
        """'10/3600' (count per seconds) as a Limit."""
        count, _sep, seconds = text.partition("/")
        return cls(int(count), int(seconds))


def client_address(request) -> str:
    """The client's address as the API throttles see it."""
    return BaseThrottle().get_ident(request) or "unknown"


def limit_wait(*, key: str, limit: Limit, now: float) -> int:
    """Count one write against `key`: 0 if it is within the limit for this window, otherwise
    the seconds until the window ends and writes are accepted again."""
    window = int(now // limit.seconds)
    cache_key = f"ratelimit:{key}:{window}"
    cache.add(cache_key, 0, timeout=limit.seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The key expired between add and incr: this write is the window's first.
        cache.add(cache_key, 1, timeout=limit.seconds)
        count = 1
    if count <= limit.count:
        return 0
    return max(1, int((window + 1) * limit.seconds - now))
