"""The real Redis: the cache, and Celery jobs carried by a real worker through the broker."""

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone

from selfreg.tasks import sessions_clear

pytestmark = pytest.mark.redis


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
