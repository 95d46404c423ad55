"""The real Redis: the cache, and Celery jobs carried by a real worker through the broker."""

import os
from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone

from selfreg.celery import app
from selfreg.tasks import sessions_clear

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def redis_url():
    """Under CI a missing Redis fails the run: these tests must never be silently skipped."""
    url = settings.REDIS_URL
    reason = "REDIS_URL is not set" if not url else None
    if url:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except redis.RedisError as error:
            reason = f"Redis at {url} does not answer: {error}"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return url


@pytest.fixture
def celery_worker(redis_url, register_loaded):
    """A worker thread with its own database connection, so the test data must be committed."""
    keys = ("broker_url", "result_backend", "task_always_eager")
    previous = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=redis_url,
        result_backend=redis_url,
        task_always_eager=False,
    )
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(previous)


def test_cache_is_redis(redis_url):
    assert "RedisCache" in settings.CACHES["default"]["BACKEND"]
    cache.set("portal-test-key", {"n": 42}, timeout=30)
    assert cache.get("portal-test-key") == {"n": 42}
    raw = redis.Redis.from_url(redis_url)
    assert any(b"portal-test-key" in key for key in raw.keys("*portal-test-key*"))
    cache.delete("portal-test-key")


def test_task_runs_on_a_real_worker_through_redis(celery_worker):
    expired = SessionStore()
    expired["x"] = 1
    expired.set_expiry(timezone.now() - timedelta(days=1))
    expired.save()
    live = SessionStore()
    live["x"] = 1
    live.save()

    result = sessions_clear.delay()
    result.get(timeout=30)

    assert result.successful()
    keys = set(Session.objects.values_list("session_key", flat=True))
    assert expired.session_key not in keys
    assert live.session_key in keys
