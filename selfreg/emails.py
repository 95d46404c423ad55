"""Email, sent by background jobs: a request never waits for a mail server or fails with it.

`email_send` queues one email to be sent once the current transaction commits (through
`selfreg.jobs`, so a broker that is down keeps it for later); the task retries with a
growing delay while the mail server does not answer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from selfreg.jobs import job_enqueue
from selfreg.models import Role, RoleKind

TASK = "selfreg.tasks.email_send_task"


def email_send(*, subject: str, body: str, to: list[str]) -> None:
    """Send this email to these addresses, each on its own, after the commit."""
    for address in dict.fromkeys(a for a in to if a):
        job_enqueue(TASK, subject=subject, body=body, to=[address])


def email_deliver(*, subject: str, body: str, to: list[str]) -> int:
    """Hand one email to the mail server now (from the task); raise if it is not taken."""
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=to)


def portal_link(path: str) -> str:
    """A page's whole address for an email: `PORTAL_URL` then the path."""
    return f"{settings.PORTAL_URL.rstrip('/')}{path}"


def officer_addresses(council) -> list[str]:
    """The email addresses of the council's active officers, who act for it."""
    return list(
        Role.objects.filter(kind=RoleKind.OFFICER, council=council, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
