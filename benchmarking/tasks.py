from celery import chord, shared_task

from benchmarking import recompute, services

# Every task that recomputes comparisons runs under the same time limits and is tried again
# the same way after a ConnectionError: a full recompute is chunks of one such task.
RECOMPUTE_LIMITS = {
    "time_limit": 30 * 60,
    "soft_time_limit": 25 * 60,
    "autoretry_for": (ConnectionError,),
    "retry_backoff": True,
    "max_retries": 3,
}


@shared_task(bind=True, **RECOMPUTE_LIMITS)
def comparisons_recompute_task(self, pairs: list[list] | None = None, finish: bool = False):
    """Recompute comparisons; pairs are [metric id, period] lists, or None for everything.

    Everything is split into chunks of metrics, one task each, run by whichever workers are
    free; then this task runs again with ``finish`` to close the recompute. Early warning
    listens for this task's success (earlywarning.tasks.after_comparisons), so it hears once,
    when every chunk is done: the first run hands over to the chunks (Celery's ``replace``)
    rather than succeeding. Without a broker (CELERY_TASK_ALWAYS_EAGER) it all runs here.
    """
    if finish:
        recompute.comparisons_finish()
        return {"finished": True}
    if pairs is None and not (self.request.is_eager or self.app.conf.task_always_eager):
        chunks = recompute.metric_chunks()
        if len(chunks) > 1:
            header = [comparisons_chunk_task.si(metric_ids=chunk) for chunk in chunks]
            raise self.replace(chord(header, comparisons_recompute_task.si(finish=True)))
    report = recompute.comparisons_recompute(
        pairs=[(int(m), str(p)) for m, p in pairs] if pairs is not None else None
    )
    return {"statistics": report.statistics, "values": report.values}


@shared_task(**RECOMPUTE_LIMITS)
def comparisons_chunk_task(metric_ids: list[int]) -> dict:
    """Recompute every comparison of these metrics: one chunk of a full recompute."""
    report = recompute.comparisons_recompute(metric_ids=[int(m) for m in metric_ids])
    return {"statistics": report.statistics, "values": report.values}


@shared_task(**RECOMPUTE_LIMITS)
def comparisons_recompute_pending_task() -> dict:
    """Recompute every metric-period waiting for it, in one go (see the pending rows)."""
    return {"pairs": len(services.comparisons_recompute_pending())}


@shared_task(time_limit=10 * 60, soft_time_limit=8 * 60)
def similar_councils_recompute_task() -> int:
    """Similar councils from today's register and context files (see the schedule)."""
    return services.similar_councils_recompute()


@shared_task(time_limit=65 * 60, soft_time_limit=60 * 60, acks_late=True)
def upload_commit_task(upload_id: int) -> str:
    """Save a confirmed upload; the service makes a second run (a redelivery) do nothing."""
    from benchmarking.uploads import upload_commit

    upload = upload_commit(upload_id=int(upload_id))
    return upload.status if upload is not None else "missing"


@shared_task(time_limit=12 * 60, soft_time_limit=10 * 60, acks_late=True)
def upload_check_task(upload_id: int) -> str:
    """Check a received upload; a second run (a redelivery) finds it checked and does nothing."""
    from benchmarking.uploads import upload_check

    upload = upload_check(upload_id=int(upload_id))
    return upload.status if upload is not None else "missing"


@shared_task
def uploads_requeue_task() -> list[int]:
    """The uploads watchdog: queue again, or fail with a reason, any upload whose check or
    save is waiting for the queue or was lost with its worker (see the schedule)."""
    from benchmarking.uploads import uploads_requeue

    return uploads_requeue()


@shared_task(time_limit=10 * 60, soft_time_limit=8 * 60)
def uploads_files_delete_task() -> int:
    """Delete the files of old rejected and failed uploads (see the schedule)."""
    from benchmarking.uploads import uploads_files_delete

    return uploads_files_delete()
