from celery import shared_task

from knowledgehub import services


@shared_task(
    time_limit=5 * 60,
    soft_time_limit=4 * 60,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def notify_followers(post_id: int) -> int:
    """Email the followers of a thread about one new reply; a second run sends nothing."""
    return services.post_notify(post_id=int(post_id))
