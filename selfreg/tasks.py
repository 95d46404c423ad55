from celery import shared_task
from django.core.management import call_command


@shared_task(time_limit=300, soft_time_limit=240)
def sessions_clear() -> None:
    call_command("clearsessions")
