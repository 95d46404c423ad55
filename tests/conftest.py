"""Shared fixtures. The test database holds the real council register, loaded once."""

import io
import os
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management import call_command

from benchmarking import readcache
from selfreg.models import RoleKind
from tests.factories import RoleFactory, UserFactory, council

HARTLEPOOL = "E06000001"
DARLINGTON = "E06000005"
PASSWORD = "correct-horse-battery"

# Every role the portal knows, plus anonymous visitors, for tests that walk them all.
ROLE_NAMES = [
    "anonymous",
    "officer",
    "councillor",
    "other_officer",
    "sector_staff",
    "peer",
    "provider",
    "political_lead",
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_councils", stdout=io.StringIO())


def _empties_the_database(item) -> bool:
    """Whether the test ends by emptying every table: a transactional test, or one on a live
    server (which runs transactional)."""
    marker = item.get_closest_marker("django_db")
    return (
        "transactional_db" in item.fixturenames
        or "live_server" in item.fixturenames
        or bool(marker and marker.kwargs.get("transaction"))
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that emptied the database, the register is loaded again at once, so the
    tests after it find it whatever order they run in (pytest-xdist's work stealing hands a
    worker that has run transactional tests the ordinary tests another has left)."""
    result = yield
    if nextitem is not None and _empties_the_database(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            call_command("load_councils", stdout=io.StringIO())
    return result


@pytest.fixture
def register_loaded(transactional_db):
    """Transactional tests (a live server, a worker thread) end by emptying every table;
    the next one loads the register again."""
    from selfreg.models import Council

    if not Council.objects.exists():
        call_command("load_councils", stdout=io.StringIO())


def make_user(role: str):
    """A user holding one role; officers and councillors belong to Hartlepool."""
    if role == "anonymous":
        return None
    user = UserFactory(email=f"{role}@example.com")
    if role == "officer":
        RoleFactory(user=user, kind=RoleKind.OFFICER, council=council(HARTLEPOOL))
    elif role == "councillor":
        RoleFactory(user=user, kind=RoleKind.COUNCILLOR, council=council(HARTLEPOOL))
    elif role == "other_officer":
        RoleFactory(user=user, kind=RoleKind.OFFICER, council=council(DARLINGTON))
    else:
        RoleFactory(user=user, kind=role, council=None)
    if role == "sector_staff":
        two_factor_device(user)
    return user


@pytest.fixture
def users(db):
    return {role: make_user(role) for role in ROLE_NAMES}


@pytest.fixture
def hartlepool(db):
    return council(HARTLEPOOL)


@pytest.fixture
def darlington(db):
    return council(DARLINGTON)


def two_factor_device(user):
    """The user's authenticator app (a confirmed TOTP device), set up if they have none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def sign_in_fully(client, user):
    """Sign the test client in as this user, past the second factor where it is required
    (`selfreg.access.needs_two_factor`), as a person who gave the code would be."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from selfreg import access

    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if access.needs_two_factor(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = two_factor_device(user).persistent_id
        session.save()
    return client


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user (or anonymous for None), past the second
    factor where it is required."""

    def signed_in(user):
        client.logout()
        if user is not None:
            sign_in_fully(client, user)
        return client

    return signed_in


@pytest.fixture
def data_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Real hashing is deliberately slow; tests only need it to be a hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_shared_reads_from_other_tests():
    """Each test's figures are its own: no public read kept from another test is served."""
    readcache.forget()


@pytest.fixture(scope="session")
def redis_url():
    """The real Redis. Under CI a missing one fails the run: these tests must never be
    silently skipped."""
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
    """A Celery worker thread on the real Redis broker. It has its own database connection,
    so the test's data must be committed (a transactional test). Yields a Redis client."""
    from celery.contrib.testing.worker import start_worker

    from selfreg.celery import app

    keys = ("broker_url", "result_backend", "task_always_eager")
    previous = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield redis.Redis.from_url(redis_url)
    finally:
        app.conf.update(previous)
