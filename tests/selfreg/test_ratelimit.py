"""Counting anonymous writes: fixed windows in the cache, the address read as the API reads it."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from selfreg.ratelimit import Limit, client_address, limit_wait


@pytest.fixture(autouse=True)
def no_counts():
    cache.clear()
    yield
    cache.clear()


def test_a_limit_reads_as_count_per_seconds():
    assert Limit.parse("20/3600") == Limit(20, 3600)


def test_writes_past_the_limit_wait_until_the_window_ends():
    limit = Limit(2, 60)
    # 1000.5 s falls in the window from 960 to 1020.
    assert [limit_wait(key="k", limit=limit, now=1000.5) for _ in range(2)] == [0, 0]
    assert limit_wait(key="k", limit=limit, now=1000.5) == 19
    assert limit_wait(key="k", limit=limit, now=1019.9) == 1
    # A new window starts the count again; another key has its own.
    assert limit_wait(key="k", limit=limit, now=1020.0) == 0
    assert limit_wait(key="other", limit=limit, now=1000.5) == 0


def test_without_a_trusted_proxy_the_connecting_address_counts(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    request = RequestFactory().post(
        "/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert client_address(request) == "192.0.2.1"


def test_behind_one_proxy_the_address_it_forwards_counts(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = RequestFactory().post(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7"
    )
    # The client may write anything to the left; only the proxy's own entry is trusted.
    assert client_address(request) == "198.51.100.7"
