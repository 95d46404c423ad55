"""Every periodic job of the portal, in one place.

Each entry says why it runs when it does. Jobs are idempotent, so a missed or doubled run
does no harm.
"""

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {
    # Work out similar councils again at 02:15, before the comparisons that use them: a
    # council added to or retired from the register, or new context files, change them. The
    # comparisons are recomputed at once only if some council's similar councils changed.
    "recompute-similar-councils": {
        "task": "benchmarking.tasks.similar_councils_recompute_task",
        "schedule": crontab(hour=2, minute=15),
    },
    # Recompute every comparison at 02:30, when few people use the portal: it repairs anything
    # an interrupted incremental recompute left behind. Idempotent.
    "recompute-comparisons": {
        "task": "benchmarking.tasks.comparisons_recompute_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Every minute, queue again any confirmed upload that could not reach the queue (the
    # broker was down when it was confirmed) or whose worker died. Cheap: one small query.
    "requeue-waiting-uploads": {
        "task": "benchmarking.tasks.uploads_requeue_task",
        "schedule": 60.0,
    },
    # Every minute, queue the jobs kept in the database while the broker was down (a
    # recompute after a change, an email), so follow-on work is late at worst, never lost.
    # Cheap: one small query when nothing waits.
    "queue-kept-jobs": {
        "task": "selfreg.tasks.jobs_flush_task",
        "schedule": 60.0,
    },
    # Reassess every council's early-warning risk at 03:00, after the comparisons: signals
    # age by the day, so the bands move even when no data changes. Idempotent.
    "recompute-risk": {
        "task": "earlywarning.tasks.risk_recompute_task",
        "schedule": crontab(hour=3, minute=0),
    },
    # Delete, at 03:30, the files of uploads rejected or not saved over 30 days ago
    # (benchmarking.uploads.UNSAVED_FILE_DAYS): nothing needs them, and each may hold
    # council figures. The uploads' records and problems stay. Idempotent.
    "delete-unsaved-upload-files": {
        "task": "benchmarking.tasks.uploads_files_delete_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # Clear expired sessions at 03:15, after the overnight jobs and before people sign in.
    "clear-expired-sessions": {
        "task": "selfreg.tasks.sessions_clear",
        "schedule": crontab(hour=3, minute=15),
    },
}
