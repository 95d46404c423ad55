import datetime

from celery import chord, shared_task
from django.conf import settings
from django.utils import timezone

from benchmarking.tasks import comparisons_recompute_pending_task, comparisons_recompute_task
from earlywarning import services
from selfreg.jobs import job_send

# Benchmarking's tasks that announce changed values when they finish: named by the tasks
# themselves, so a renamed task cannot leave this behind.
COMPARISONS_TASKS = (comparisons_recompute_task.name, comparisons_recompute_pending_task.name)
LIMITS = {
    "time_limit": 30 * 60,
    "soft_time_limit": 25 * 60,
    "autoretry_for": (ConnectionError,),
    "retry_backoff": True,
    "max_retries": 3,
}


@shared_task(**LIMITS)
def risk_recompute_task() -> dict:
    """Recompute and store today's risk assessment of every council; safe to run twice.

    The councils are split into chunks (`RISK_CHUNK_COUNCILS` each), assessed by as many
    tasks side by side as there are workers, and a last task tidies up once all are done.
    Without a broker (eager Celery) the chunks run here, one after another.
    """
    as_of = timezone.localdate()
    chunks = services.risk_chunks(settings.RISK_CHUNK_COUNCILS)
    header = [risk_recompute_chunk_task.s(as_of.isoformat(), chunk) for chunk in chunks]
    finish = risk_recompute_finish_task.s(as_of.isoformat())
    result = chord(header)(finish)
    summary = {"as_of": as_of.isoformat(), "chunks": len(chunks), "result_id": result.id}
    if result.ready():  # eager: everything ran already
        summary |= result.get(disable_sync_subtasks=False)
    return summary


@shared_task(**LIMITS)
def risk_recompute_chunk_task(as_of: str, gss_codes: list[str]) -> dict:
    """Assess and store these councils on `as_of`, opening their alerts; safe to run twice."""
    report = services.risk_recompute(
        as_of=datetime.date.fromisoformat(as_of), gss_codes=list(gss_codes)
    )
    return {
        "assessed": sorted(report.results),
        "saved": report.saved,
        "alerts_opened": len(report.alerts_opened),
    }


@shared_task(**LIMITS)
def risk_recompute_finish_task(chunks: list[dict], as_of: str) -> dict:
    """The chunks are done: drop the day's rows of councils none of them assessed."""
    assessed = [gss for chunk in chunks for gss in chunk["assessed"]]
    removed = services.risk_recompute_finish(
        as_of=datetime.date.fromisoformat(as_of), assessed=assessed
    )
    return {
        "as_of": as_of,
        "saved": sum(chunk["saved"] for chunk in chunks),
        "alerts_opened": sum(chunk["alerts_opened"] for chunk in chunks),
        "removed": removed,
    }


def after_comparisons(sender=None, state=None, retval=None, **kwargs) -> None:
    """Values changed and their comparisons were recomputed: reassess risk (connected to
    Celery's task_postrun in apps.py, because benchmarking may not import early warning).
    A run that found nothing waiting to recompute changed nothing, so asks for nothing."""
    if getattr(sender, "name", "") not in COMPARISONS_TASKS or state not in (None, "SUCCESS"):
        return
    if isinstance(retval, dict) and retval.get("pairs") == 0:
        return
    job_send(risk_recompute_task.name, {})
