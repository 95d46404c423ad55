"""Email with DEBUG off: read from the environment, sent by a background job through a real
SMTP server (aiosmtpd on a free port), and never the reason a request fails.

The test settings run with DEBUG off and Celery eager, so a job queued on commit runs just
after the change commits, as it would in a worker.
"""

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from django.conf import settings as django_settings
from django.urls import reverse

from earlywarning.models import Alert
from selfreg.jobs import jobs_flush
from selfreg.models import PendingJob
from tests.earlywarning.test_alerts import make_alert
from tests.hostile.test_outages import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


class Collect(Sink):
    """Keeps every message the server accepts."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 OK"


@contextlib.contextmanager
def smtp_server(port: int):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler.received
    finally:
        controller.stop()


def use_smtp(settings, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }


def assign(client, alert, assignee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("earlywarning:alert_assign", args=[alert.pk]), {"assignee": assignee.pk}
        )


def test_the_mail_server_is_read_from_the_environment():
    """EMAIL_URL names the server; without it, DEBUG off means SMTP on this machine."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.MAILERS))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "selfreg.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x",
        "EMAIL_URL": "smtp+tls://portal:secret@mail.example.org:587",
    }
    env.pop("EMAIL_BACKEND", None)
    found = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, check=True
    )
    options = json.loads(found.stdout)["default"]["OPTIONS"]
    assert (options["host"], options["port"], options["use_tls"]) == ("mail.example.org", 587, True)
    assert (options["username"], options["password"]) == ("portal", "secret")
    del env["EMAIL_URL"]
    found = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, check=True
    )
    options = json.loads(found.stdout)["default"]["OPTIONS"]
    assert (options["host"], options["port"]) == ("localhost", 25)


def test_assigning_an_alert_emails_the_assignee_through_smtp(
    settings, users, client_for, hartlepool, django_capture_on_commit_callbacks
):
    assert django_settings.DEBUG is False
    port = free_port()
    use_smtp(settings, port)
    alert = make_alert(hartlepool)
    staff = users["sector_staff"]
    with smtp_server(port) as received:
        response = assign(client_for(staff), alert, staff, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert [envelope.rcpt_tos for envelope in received] == [[staff.email]]
    assert b"Hartlepool" in received[0].content


def test_a_mail_server_that_is_down_does_not_fail_the_request_and_the_email_follows(
    settings, users, client_for, hartlepool, django_capture_on_commit_callbacks
):
    """The assignment is saved and the page answers; the email is kept, and sent once the
    mail server answers again."""
    port = free_port()  # nothing listens there yet
    use_smtp(settings, port)
    alert = make_alert(hartlepool)
    staff = users["sector_staff"]
    response = assign(client_for(staff), alert, staff, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Alert.objects.get(pk=alert.pk).assignee == staff
    kept = PendingJob.objects.get()
    assert kept.task == "selfreg.tasks.email_send_task"
    assert kept.kwargs["to"] == [staff.email]

    with smtp_server(port) as received:
        assert jobs_flush() == 1
    assert [envelope.rcpt_tos for envelope in received] == [[staff.email]]
    assert not PendingJob.objects.exists()
