from celery import shared_task

from benchmarking.tasks import comparisons_recompute_task
from earlywarning import services
from selfreg.jobs import job_send


@shared_task(
    time_limit=30 * 60,
    soft_time_limit=25 * 60,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=3,
)
def risk_recompute_task() -> dict:
    """Recompute and store today's risk assessment of every council; safe to run twice."""
    report = services.risk_recompute()
    return {
        "as_of": report.as_of.isoformat(),
        "saved": report.saved,
        "alerts_opened": len(report.alerts_opened),
    }


def after_comparisons(sender=None, state=None, **kwargs) -> None:
    """Values changed and their comparisons were recomputed: reassess risk (connected to
    Celery's task_postrun in apps.py, because benchmarking may not import early warning)."""
    # The names come from the tasks themselves, so a renamed task cannot leave this behind.
    if getattr(sender, "name", "") == comparisons_recompute_task.name and (
        state in (None, "SUCCESS")
    ):
        job_send(risk_recompute_task.name, {})
