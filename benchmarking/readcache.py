"""Reads that many people share, worked out once and kept until the figures change.

What someone may see depends only on whether they are in the sector and which councils'
own figures they may see (`access.reader_of`): everyone not signed in sees what every other
such person sees, and every officer of one council what the others see. So the reads that
cost most (a council's dashboard, a stored comparison, the compare tool's tables) are worked
out once for each such set of readers and kept in the cache (Redis) under a key that holds
it. Whole pages are kept too, for visitors who are not signed in (`shared_page`).

Each key also holds a generation number. Anything that changes what those reads are worked
out from (values and their visibility, stored statistics, measures, councils, groups) calls
`changed()`, which raises the generation at once and again when its transaction commits: no
one is served a read worked out before a change that has committed. The services that write
in bulk call it; model signals (benchmarking.signals) catch every save and delete made one
row at a time. Entries expire after `TIMEOUT` in any case, and keys hold a fingerprint of
the code, so a new release never reads what an older one kept.

"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import get_language

from benchmarking import access
from selfreg.cache import UNAVAILABLE, ResilientRedisCache

APP = Path(__file__).resolve().parent
TEMPLATES = Path(settings.BASE_DIR) / "templates"
GENERATION_KEY = "benchmarking:shared-reads:generation"
TIMEOUT = 600  # seconds: a bound on staleness should a change ever not call `changed()`
PAGE_TIMEOUT = 120  # whole pages are bigger and their addresses many: kept less long
MESSAGES_COOKIE = CookieStorage.cookie_name
_MISSING = object()


def shared[T](user, name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned for an earlier reader who may see the same figures,
    when nothing has changed since. ``parts`` are what the result depends on besides the
    figures and the reader: the council, group, measure, page..."""
    store = _store()
    if store is None:
        return compute()
    try:
        key = _key(store, name, (access.reader_of(user), parts))
        found = store.get(key, _MISSING)
    except UNAVAILABLE:
        return compute()
    if found is not _MISSING:
        return found
    result = compute()
    with suppress(*UNAVAILABLE):
        store.set(key, result, TIMEOUT)
    return result


def shared_page(*params: str):
    """A view whose whole response is kept for visitors who are not signed in and carry no
    session, when asked with no parameters but these: each is answered from the cache
    until the figures change, without running the view. Answers that set a cookie, or are
    not 200, or are printed, are not kept."""
    allowed = frozenset(params)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            store = _store()
            if store is None or not _page_shareable(request, allowed):
                return view(request, *args, **kwargs)
            try:
                address = (request.scheme, request.get_host(), request.path)
                key = _key(store, "page", (address, sorted(request.GET.lists())))
                found = store.get(key)
            except UNAVAILABLE:
                return view(request, *args, **kwargs)
            if found is not None:
                content, headers = found
                return HttpResponse(content, headers=headers)
            response = view(request, *args, **kwargs)
            if _response_shareable(request, response):
                kept = (response.content, dict(response.items()))
                with suppress(*UNAVAILABLE):
                    store.set(key, kept, PAGE_TIMEOUT)
            return response

        return wrapped

    return decorator


def _page_shareable(request, allowed: frozenset) -> bool:
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and not getattr(request, "printing", False)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and set(request.GET) <= allowed
    )


def _response_shareable(request, response) -> bool:
    session = getattr(request, "session", None)
    messages = getattr(request, "_messages", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # the page holds a form's token
        and not (session is not None and session.modified)
        and not getattr(messages, "added_new", False)
    )


def changed() -> None:
    """Say the figures changed: now, and again once the caller's transaction commits (once
    however many changes it holds), so that nothing read in between, still the old figures,
    is kept under the new generation."""
    forget()
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        func is forget for _savepoints, func, *_robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(forget)


def forget() -> None:
    """Serve nothing kept so far."""
    store = _store()
    if store is None:
        return
    try:
        store.incr(GENERATION_KEY)
    except ValueError:  # not there: the cache was emptied
        with suppress(*UNAVAILABLE):
            store.add(GENERATION_KEY, _first_generation(), timeout=None)
    except UNAVAILABLE:
        pass  # nothing is read from the cache while it does not answer


def generation(store=None) -> int:
    """The current generation; raises one of UNAVAILABLE while the cache does not answer."""
    store = store or _store()
    found = store.get(GENERATION_KEY)
    if found is None:
        store.add(GENERATION_KEY, _first_generation(), timeout=None)
        found = store.get(GENERATION_KEY, 0)
    return int(found)


def _store():
    """The cache every process shares, or None. Redis is used without the stand-in each
    process keeps in its own memory while Redis does not answer (selfreg.cache), and a cache
    of one process's memory (no REDIS_URL) is not used: a copy kept in one process would not
    hear of a change made in another. So nothing is kept or read without a Redis answering."""
    backend = caches["default"]
    if isinstance(backend, ResilientRedisCache):
        return super(ResilientRedisCache, backend)
    return backend if isinstance(backend, RedisCache) else None


def _first_generation() -> int:
    """Microseconds since 1970: should the number be lost while entries kept under it are
    not, it starts again above every number used before rather than at one of them."""
    return time.time_ns() // 1000


def _key(store, name: str, parts: tuple) -> str:
    # The day and language too: texts say when a figure is old, and are translated.
    text = repr((name, parts, date.today().isoformat(), get_language()))
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return f"benchmarking:shared-reads:{_code()}:{generation(store)}:{name}:{digest}"


@functools.cache
def _code() -> str:
    """A fingerprint of the code and templates that work out what is kept: a new release
    never reads what the one before kept, in whatever shape that was."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted([*APP.glob("*.py"), *TEMPLATES.rglob("*.html")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()
