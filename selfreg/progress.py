"""The progress of a long background job, kept in the cache for the page that polls it.

Progress is only shown, never relied on: a cache that does not answer must not stop the job
or the page, so every failure here is logged and passed over (a read then finds nothing).
"""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

#: Longer than the time limit of any job that reports its progress.
PROGRESS_TIMEOUT = 6 * 60 * 60


def progress_keep(key: str, progress: dict, *, job: str) -> None:
    """Keep ``progress`` under ``key``; ``job`` names the job in the log (``upload 12``)."""
    try:
        cache.set(key, progress, timeout=PROGRESS_TIMEOUT)
    except Exception:
        logger.warning("Could not report progress of %s", job, exc_info=True)


def progress_fetch(key: str, *, job: str) -> dict:
    """The progress kept under ``key``, or an empty dict when there is none or no cache."""
    try:
        return cache.get(key) or {}
    except Exception:
        logger.warning("Could not read progress of %s", job, exc_info=True)
        return {}


def progress_forget(key: str, *, job: str) -> None:
    try:
        cache.delete(key)
    except Exception:
        logger.warning("Could not clear progress of %s", job, exc_info=True)
