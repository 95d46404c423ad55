"""A worker killed in the middle of the job a write queued: the job is run again, once, by the
next worker, and its effect is there.

Every write that queues work is made through its page or the API, on a real Redis; a real
Celery worker process takes the job and is held half-way (a table lock it waits on, or a mail
server that does not answer), then killed with SIGKILL. Jobs are acknowledged only when they
end, so the broker hands the job to the next worker once `CELERY_REDELIVER_AFTER` has passed
(two hours in production; two seconds here).
"""

import asyncio
import contextlib
import signal
import threading
import time

import psycopg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from django.db import connection
from django.urls import reverse

from benchmarking import services as benchmarking_services
from benchmarking.models import ComparisonStatistic
from earlywarning.models import RiskAssessment
from knowledgehub.models import Post
from selfreg.fileproblems import read_table
from tests.benchmarking.test_uploads import HEADER
from tests.earlywarning.test_alerts import make_alert
from tests.hostile.test_outages import (
    backend_waiting_on_lock,
    broker,
    free_port,
    redis_server,
    use_redis_cache,
    worker_process,
    write_api_values,
    write_reply,
    write_signal,
)

pytestmark = pytest.mark.redis

REDELIVER_AFTER = "2"


class Mailbox(Sink):
    """A mail server that keeps what it accepts; told to, it holds the next message unanswered
    until released, then refuses it."""

    def __init__(self):
        self.received = []
        self.stall_next = False
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.stall_next:
            self.stall_next = False
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 120)
            return "451 Try again later"
        self.received.append(envelope)
        return "250 OK"


@contextlib.contextmanager
def mail_server():
    port = free_port()
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        mailbox.release.set()
        controller.stop()


@contextlib.contextmanager
def table_locked(model):
    """Another connection holds `model`'s table, so a job touching it waits there."""
    dsn = "host={HOST} port={PORT} user={USER} dbname={NAME}".format(**connection.settings_dict)
    with psycopg.connect(dsn) as holder:
        holder.execute(f'LOCK TABLE "{model._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
        yield lambda: backend_waiting_on_lock()
        holder.rollback()


@contextlib.contextmanager
def mail_stalled(mailbox):
    mailbox.stall_next = True
    yield mailbox.stalled.is_set
    mailbox.release.set()


def write_sharing_with_the_sector(client_for, users, hartlepool):
    response = client_for(users["officer"]).post(
        reverse("benchmarking:sharing", args=["E06000001"]),
        {"perception": "sector", "cost": "public", "outcome": "public"},
    )
    return response, "benchmarking.tasks.comparisons_recompute_pending_task"


def write_assignment(client_for, users, hartlepool):
    alert = make_alert(hartlepool)
    staff = users["sector_staff"]
    response = client_for(staff).post(
        reverse("earlywarning:alert_assign", args=[alert.pk]), {"assignee": staff.pk}
    )
    return response, "selfreg.tasks.email_send_task"


def statistics_exist(users, mailbox):
    return ComparisonStatistic.objects.exists()


def risk_assessed(users, mailbox):
    return RiskAssessment.objects.exists()


def follower_emailed(users, mailbox):
    return [envelope.rcpt_tos for envelope in mailbox.received] == [[users["officer"].email]]


def assignee_emailed(users, mailbox):
    return [envelope.rcpt_tos for envelope in mailbox.received] == [[users["sector_staff"].email]]


def locked(model):
    return lambda mailbox: table_locked(model)


CASES = {
    "sharing change": (
        write_sharing_with_the_sector,
        locked(ComparisonStatistic),
        statistics_exist,
    ),
    "API values": (write_api_values, locked(ComparisonStatistic), statistics_exist),
    "signal recorded": (write_signal, locked(RiskAssessment), risk_assessed),
    "thread reply": (write_reply, locked(Post), follower_emailed),
    "alert assigned": (write_assignment, mail_stalled, assignee_emailed),
}


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.parametrize("case", list(CASES))
def test_a_job_whose_worker_is_killed_half_way_is_run_again_by_the_next_worker(
    case, transactional_db, register_loaded, users, client_for, hartlepool, settings, metrics
):
    write, hold, effect = CASES[case]
    text = HEADER + "E06000001,sat,2019-20,55\nE06000001,cost,2019-20,12\n"
    benchmarking_services.values_import(
        frame=read_table(text.encode(), "v.csv"), source="test", recompute=False
    )
    with mail_server() as (mail_port, mailbox), redis_server(free_port()) as url, broker(url):
        use_redis_cache(settings, url)
        environment = {
            "CELERY_REDELIVER_AFTER": REDELIVER_AFTER,
            "EMAIL_URL": f"smtp://127.0.0.1:{mail_port}",
        }
        response, _task = write(client_for, users, hartlepool)
        assert response.status_code in (201, 302), response.content[:500]
        with hold(mailbox) as job_is_held:
            first = worker_process(url, **environment)
            try:
                assert wait_for(job_is_held, 90), "the worker never reached the job"
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=30)
            finally:
                if first.poll() is None:
                    first.kill()
        assert not effect(users, mailbox)  # the killed worker finished nothing

        second = worker_process(url, **environment)
        try:
            assert wait_for(lambda: effect(users, mailbox), 120)
        finally:
            second.kill()
            second.wait(timeout=30)
