"""A Redis cache that the portal can live without.

The cache holds what can be worked out again: throttle counts, job progress, memoised reads.
If Redis stops answering, reads and writes go to this process's own memory instead (each
logged), so pages go on rendering from the database instead of failing, and what must be
counted (the API throttle) is still counted, per process, rather than let through.
Connections give up after a second rather than hanging a request.
"""

import logging

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


# While Redis does not answer, each process keeps its cache in its own memory (shared by its
# threads: local-memory caches of one name share their store).
_LOCAL = LocMemCache("resilient-redis-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def _tolerant(method_name: str):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(ResilientRedisCache, self), method_name)(*args, **kwargs)
        except UNAVAILABLE as error:
            logger.warning("Cache unavailable for %s: %s", method_name, error)
            return getattr(_LOCAL, method_name)(*args, **kwargs)

    method.__name__ = method_name
    return method


class ResilientRedisCache(RedisCache):
    get = _tolerant("get")
    get_many = _tolerant("get_many")
    has_key = _tolerant("has_key")
    set = _tolerant("set")
    set_many = _tolerant("set_many")
    add = _tolerant("add")
    touch = _tolerant("touch")
    delete = _tolerant("delete")
    delete_many = _tolerant("delete_many")
    clear = _tolerant("clear")

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as error:
            logger.warning("Cache unavailable for incr: %s", error)
            try:
                return _LOCAL.incr(key, delta, version)
            except ValueError:
                _LOCAL.set(key, delta, version=version)
                return delta
