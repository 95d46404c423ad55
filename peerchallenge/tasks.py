from celery import shared_task


@shared_task(time_limit=20 * 60, soft_time_limit=15 * 60, acks_late=True)
def run_matching_task(run_id: int) -> str:
    """Solve a queued matching run; the service makes a second run (a redelivery) do nothing."""
    from peerchallenge.services import run_execute

    run = run_execute(run_id=int(run_id))
    return run.status if run is not None else "missing"
