from smtplib import SMTPException

from celery import shared_task
from django.core.management import call_command


@shared_task(time_limit=300, soft_time_limit=240)
def sessions_clear() -> None:
    call_command("clearsessions")


@shared_task(time_limit=120, soft_time_limit=100)
def jobs_flush_task() -> int:
    """Queue the jobs kept while the broker was down (see the schedule)."""
    from selfreg.jobs import jobs_flush

    return jobs_flush()


@shared_task(
    time_limit=120,
    soft_time_limit=100,
    autoretry_for=(OSError, SMTPException),
    retry_backoff=30,
    retry_backoff_max=60 * 60,
    max_retries=10,
)
def email_send_task(subject: str, body: str, to: list[str]) -> int:
    """Send one email; retried for about a day while the mail server does not take it."""
    from selfreg.emails import email_deliver

    return email_deliver(subject=subject, body=body, to=to)
