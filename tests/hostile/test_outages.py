"""Outages: Redis stops, a worker dies half-way, the database connection drops mid-request.

Each test stops the real thing: a private Redis server started for the test and killed, a
Celery worker process killed with SIGKILL in the middle of a save, a PostgreSQL backend
terminated while a request is writing.
"""

import contextlib
import datetime
import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from benchmarking import services as benchmarking_services
from benchmarking.models import (
    ComparisonStatistic,
    Metric,
    PendingRecompute,
    UploadStatus,
    Value,
)
from benchmarking.uploads import upload_confirm, upload_receive, uploads_requeue
from selfreg.cache import _LOCAL
from selfreg.celery import app
from selfreg.fileproblems import read_table
from selfreg.jobs import jobs_flush
from selfreg.models import Council, PendingJob
from tests.benchmarking.test_uploads import (
    HEADER,
    RowLock,
    csv_file,
    prepare_blocked_upload,
)

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def redis_server(port: int):
    """A private, throwaway Redis on `port`; stopped (SIGKILL) when the block ends."""
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=1)
    for _ in range(100):
        with contextlib.suppress(redis.RedisError):
            if client.ping():
                break
        time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def broker(url: str):
    """Celery's jobs go to `url` inside the block. Celery pools its broker connections per
    app, so the block gets pools of its own and the app's are put back untouched after."""
    keys = ("broker_url", "task_always_eager")
    previous = {k: app.conf[k] for k in keys}
    pools = app._pool, app.amqp._producer_pool
    app._pool, app.amqp._producer_pool = None, None
    app.conf.update(broker_url=url, task_always_eager=False)
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool, app.amqp._producer_pool = pools
        app.conf.update(previous)


def use_redis_cache(settings, url: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "selfreg.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }


def wait_until_saved(upload, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        upload.refresh_from_db()
        if upload.status != UploadStatus.COMMITTING:
            return
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- Redis down ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_render_while_redis_is_down(settings, client_for, users, metrics):
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    use_redis_cache(settings, url)
    pages = [
        reverse("home"),
        reverse("benchmarking:council", kwargs={"gss_code": "E06000001"}),
        reverse("benchmarking:compare"),
        reverse("api_council_list"),  # throttled: its counts live in the cache
        reverse("api_metric_list"),
    ]
    with broker(url):
        for role in ("anonymous", "officer"):
            client = client_for(users[role])
            for page in pages:
                assert client.get(page).status_code == 200, (role, page)


@pytest.mark.django_db
def test_nothing_is_kept_for_readers_while_redis_is_down(settings, client_for, users, metrics):
    """Each process's stand-in memory would not hear of a change made in another process,
    so shared reads and pages are worked out afresh each time until Redis is back."""
    use_redis_cache(settings, f"redis://127.0.0.1:{free_port()}/0")
    url = reverse("benchmarking:council", kwargs={"gss_code": "E06000001"})
    for role in ("anonymous", "officer", "anonymous"):
        page = client_for(users[role]).get(url)
        assert page.status_code == 200 and page.context is not None, role
    assert not [key for key in _LOCAL._cache if "shared-reads" in key]


@pytest.mark.redis
def test_an_upload_confirmed_while_redis_is_down_is_saved_once_it_is_back(
    transactional_db, register_loaded, users, client_for, settings, metrics
):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    use_redis_cache(settings, url)
    body = HEADER + "E06000001,sat,2019-20,55\nE06000001,sat,2020-21,56\n"
    upload = upload_receive(user=users["officer"], file=csv_file(body), visibility="public")
    client = client_for(users["officer"])
    detail = reverse("benchmarking:upload_detail", kwargs={"upload_id": upload.pk})
    confirm = reverse("benchmarking:upload_confirm", kwargs={"upload_id": upload.pk})
    with broker(url):
        assert client.post(confirm).status_code == 302
        upload.refresh_from_db()
        assert (upload.status, upload.queued_at) == (UploadStatus.COMMITTING, None)
        page = client.get(detail)
        assert page.status_code == 200
        assert "Waiting to start" in page.content.decode()
        assert Value.objects.count() == 0

        with redis_server(port), start_worker(app, pool="solo", perform_ping_check=False):
            assert uploads_requeue() == [upload.pk]  # what the beat schedule runs each minute
            wait_until_saved(upload)
    assert upload.status == UploadStatus.COMMITTED
    assert upload.queued_at is not None
    assert Value.objects.count() == 2
    assert uploads_requeue() == []


# --- a worker killed half-way -------------------------------------------------------------------


def worker_process(redis_url: str, **environment: str) -> subprocess.Popen:
    """A real Celery worker in its own process, on this test's database and `redis_url`."""
    database = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **environment,
    }
    command = [sys.executable, "-m", "celery", "-A", "selfreg", "worker", "--pool=solo"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def backend_waiting_on_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.redis
def test_a_worker_killed_half_way_leaves_nothing_and_the_save_runs_again_cleanly(
    transactional_db, register_loaded, users, settings, metrics
):
    port = free_port()
    with redis_server(port) as url, broker(url):
        use_redis_cache(settings, url)
        upload, blocked = prepare_blocked_upload(users)
        before = list(Value.objects.values_list("pk", "value"))
        worker = worker_process(url)
        try:
            with RowLock(blocked.pk):
                assert upload_confirm(upload_id=upload.pk)
                # The worker has written the first chunk and waits on the locked row.
                deadline = time.monotonic() + 90
                while not backend_waiting_on_lock() and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert backend_waiting_on_lock()
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
        # Its transaction died with it: nothing of the 12,000 rows was kept.
        assert list(Value.objects.values_list("pk", "value")) == before
        upload.refresh_from_db()
        assert upload.status == UploadStatus.COMMITTING

        with start_worker(app, pool="solo", perform_ping_check=False):
            assert uploads_requeue(stale_after=datetime.timedelta(0)) == [upload.pk]
            wait_until_saved(upload)
    assert upload.status == UploadStatus.COMMITTED
    assert (upload.created_count, upload.updated_count) == (11999, 1)
    assert Value.objects.count() == 12000


@pytest.mark.redis
def test_a_worker_killed_while_checking_leaves_the_upload_to_the_watchdog(
    transactional_db, register_loaded, users, settings, metrics
):
    """The check runs in a worker; killed half-way, the upload stays `checking` until the
    watchdog queues it again, and then it is checked once, cleanly."""
    port = free_port()
    with redis_server(port) as url, broker(url):
        use_redis_cache(settings, url)
        body = HEADER + "E06000001,sat,2019-20,55\n"
        upload = upload_receive(user=users["officer"], file=csv_file(body), visibility="public")
        upload.refresh_from_db()
        assert (upload.status, upload.attempts) == (UploadStatus.CHECKING, 1)  # queued
        dsn = "host={HOST} port={PORT} user={USER} dbname={NAME}".format(**connection.settings_dict)
        with psycopg.connect(dsn) as holder:
            # Hold the upload's row, so the worker's check stops as it starts.
            holder.execute(
                "SELECT id FROM benchmarking_upload WHERE id = %s FOR UPDATE", [upload.pk]
            )
            worker = worker_process(url)
            try:
                deadline = time.monotonic() + 90
                while not backend_waiting_on_lock() and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert backend_waiting_on_lock()
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=30)
            finally:
                if worker.poll() is None:
                    worker.kill()
            holder.rollback()
        upload.refresh_from_db()
        assert upload.status == UploadStatus.CHECKING
        with start_worker(app, pool="solo", perform_ping_check=False):
            assert uploads_requeue(stale_after=datetime.timedelta(0)) == [upload.pk]
            deadline = time.monotonic() + 60
            while upload.status == UploadStatus.CHECKING and time.monotonic() < deadline:
                time.sleep(0.1)
                upload.refresh_from_db()
    assert upload.status == UploadStatus.READY
    assert upload.summary["new"] == 1


# --- the database connection dropped mid-request ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_gives_a_clean_error_page_and_writes_nothing(
    register_loaded,
    users,
    client_for,
    metrics,
    monkeypatch,
):
    client = client_for(users["officer"])
    client.raise_request_exception = False
    original = benchmarking_services._values_write_sql

    def drop_connection_then_write(*args, **kwargs):
        pid = connection.connection.info.backend_pid
        dsn = "host={HOST} port={PORT} user={USER} dbname={NAME}".format(**connection.settings_dict)
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return original(*args, **kwargs)

    monkeypatch.setattr(benchmarking_services, "_values_write_sql", drop_connection_then_write)
    sat, trust = Metric.objects.get(code="sat"), Metric.objects.get(code="trust")
    hartlepool = Council.objects.get(gss_code="E06000001")
    response = client.post(
        reverse("benchmarking:values_entry"),
        {
            "council": hartlepool.pk,
            "period": "2019-20",
            "element": "perception",
            "visibility": "public",
            f"metric_{sat.pk}": "55",
            f"metric_{trust.pk}": "61",
        },
    )
    connection.close()
    assert response.status_code == 500
    page = response.content.decode()
    assert "Traceback" not in page
    assert "Sorry, there is a problem with the service" in page
    assert Value.objects.count() == 0


# --- every write that queues work, while Redis is down -------------------------------------------


def write_sharing(client_for, users, hartlepool):
    response = client_for(users["officer"]).post(
        reverse("benchmarking:sharing", args=["E06000001"]),
        {"perception": "council", "cost": "public", "outcome": "public"},
    )
    assert Value.objects.get(metric__code="sat").visibility == "council"
    return response, "benchmarking.tasks.comparisons_recompute_pending_task"


def write_api_values(client_for, users, hartlepool):
    from rest_framework.test import APIClient

    from selfreg.tokens import api_token_create

    api = APIClient()
    _token, key = api_token_create(user=users["officer"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post(
        reverse("api_value_list"),
        [{"gss_code": "E06000001", "metric_code": "sat", "period": "2020-21", "value": 61}],
        format="json",
    )
    assert Value.objects.filter(period="2020-21").count() == 1
    return response, "benchmarking.tasks.comparisons_recompute_pending_task"


def write_signal(client_for, users, hartlepool):
    from earlywarning.models import RecordedSignal, SignalType

    call_command("load_signal_types", stdout=io.StringIO())
    today = datetime.date.today()
    response = client_for(users["sector_staff"]).post(
        reverse("earlywarning:record", args=["E06000001"]),
        {
            "signal_type": SignalType.objects.get(code="financial-distress").pk,
            "observed_on_0": today.day,
            "observed_on_1": today.month,
            "observed_on_2": today.year,
            "severity": "2",
            "evidence": "The section 151 officer resigned.",
        },
    )
    assert RecordedSignal.objects.count() == 1
    return response, "earlywarning.tasks.risk_recompute_task"


def write_reply(client_for, users, hartlepool):
    from knowledgehub import services as hub
    from knowledgehub.models import Post

    group = hub.community_create(
        user=users["sector_staff"], name="Finance", description="Finance.", kind="open"
    )
    hub.community_join(user=users["officer"], community=group)
    hub.community_join(user=users["councillor"], community=group)
    thread = hub.thread_start(user=users["officer"], community=group, title="Tips", body="Any?")
    PendingJob.objects.all().delete()  # starting the thread queued its own job
    response = client_for(users["councillor"]).post(
        thread.get_absolute_url(), {"body": "Use route software."}
    )
    assert Post.objects.filter(body="Use route software.").exists()
    return response, "knowledgehub.tasks.notify_followers"


@pytest.mark.django_db
@pytest.mark.parametrize("write", [write_sharing, write_api_values, write_signal, write_reply])
def test_a_write_that_queues_work_succeeds_and_keeps_the_job_while_redis_is_down(
    write, settings, client_for, users, metrics, hartlepool, django_capture_on_commit_callbacks
):
    """The change is saved and the person gets their answer, not a 500; the follow-on job is
    kept in the database to be queued when Redis answers again."""
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    use_redis_cache(settings, url)
    text = HEADER + "E06000001,sat,2019-20,55\nE06000001,cost,2019-20,12\n"
    benchmarking_services.values_import(
        frame=read_table(text.encode(), "v.csv"), source="test", recompute=False
    )
    with broker(url), django_capture_on_commit_callbacks(execute=True):
        response, task = write(client_for, users, hartlepool)
    assert response.status_code in (201, 302), response.content[:500]
    assert list(PendingJob.objects.values_list("task", flat=True)) == [task]
    if task.startswith("benchmarking."):
        # What to recompute is kept with the change itself, whatever becomes of the job.
        assert PendingRecompute.objects.exists()


@pytest.mark.redis
def test_a_job_kept_while_redis_was_down_runs_when_it_is_back(
    transactional_db, register_loaded, users, client_for, settings, metrics
):
    """A sharing change made while Redis is down: the comparisons it needs are recomputed
    once Redis is back and the beat schedule's flush queues the kept job."""
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    use_redis_cache(settings, url)
    text = HEADER + "".join(
        f"{gss},sat,2019-20,{50 + n}\n" for n, gss in enumerate(["E06000001", "E06000002"])
    )
    benchmarking_services.values_import(
        frame=read_table(text.encode(), "v.csv"), source="test", recompute=False
    )
    with broker(url):
        client = client_for(users["officer"])
        response = client.post(
            reverse("benchmarking:sharing", args=["E06000001"]),
            {"perception": "sector", "cost": "public", "outcome": "public"},
        )
        assert response.status_code == 302
        assert PendingJob.objects.count() == 1
        assert PendingRecompute.objects.exists()
        assert not ComparisonStatistic.objects.exists()
        with redis_server(port), start_worker(app, pool="solo", perform_ping_check=False):
            assert jobs_flush() == 1
            deadline = time.monotonic() + 60
            while PendingRecompute.objects.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
    assert not PendingJob.objects.exists()
    assert ComparisonStatistic.objects.filter(audience="sector").exists()
    assert not PendingRecompute.objects.exists()


# --- the API without Redis ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_anonymous_api_throttle_holds_without_redis(settings, client, monkeypatch):
    """Throttle counts live in Redis; without it each process counts for itself rather than
    letting every request through."""
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "5/min", "user": None})
    use_redis_cache(settings, f"redis://127.0.0.1:{free_port()}/0")
    cache.clear()  # this process's own counts, left by earlier tests without Redis
    answers = [client.get(reverse("api_metric_list")).status_code for _ in range(7)]
    assert answers == [200] * 5 + [429] * 2


@pytest.mark.django_db
def test_api_errors_are_json(client, monkeypatch):
    """An unknown address under /api/ and an error inside the API answer JSON, not a page."""
    missing = client.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/json")
    assert missing.json()["detail"]

    from benchmarking import api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api.MetricList, "get_queryset", broken)
    client.raise_request_exception = False
    failed = client.get(reverse("api_metric_list"))
    assert failed.status_code == 500
    assert failed["Content-Type"].startswith("application/json")
    assert "boom" not in failed.content.decode() and failed.json()["detail"]
