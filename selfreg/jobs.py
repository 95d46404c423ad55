"""Queueing background jobs so that a change never fails, or is lost, because of the queue.

`job_enqueue` queues a Celery task once the current transaction has committed. Queueing
gives up within a second when the broker does not answer (see the broker settings); the job
is then kept in the database as a `PendingJob` (an outbox), and `jobs_flush`, run by the
beat schedule every minute, hands the kept jobs to the queue once it answers again. Nothing
here raises into the request: the change itself is already saved when the job is queued.

Tasks queued this way must be safe to run twice, as every task of the portal is.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
from contextlib import contextmanager
from functools import partial

from django.db import transaction

from selfreg.models import PendingJob

logger = logging.getLogger(__name__)

FLUSH_BATCH = 200
_coalescing = threading.local()
# A job kept this many times without reaching the queue is left for a person to look at.
GIVE_UP_AFTER = 1000


def task(name: str):
    """The Celery task of this dotted name (`app.tasks.task_name`), its module imported."""
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def job_enqueue(task_name: str, /, *, countdown: float | None = None, **kwargs) -> None:
    """Queue the named task with these keyword arguments once the transaction commits, to
    start `countdown` seconds later (a job kept in the outbox starts when it is flushed)."""
    transaction.on_commit(partial(job_send, task_name, kwargs, countdown), robust=True)


@contextmanager
def jobs_coalesced():
    """Hold the jobs queued inside this block and send each distinct one (task and
    arguments) once at its end: a long load that makes many changes (the seed) then runs
    one recompute of each kind instead of one per change. Jobs that the sent jobs queue in
    turn join those held, so a job already sent is not sent again. Jobs of rolled-back
    changes are dropped, as usual."""
    if getattr(_coalescing, "jobs", None) is not None:
        yield
        return
    _coalescing.jobs = {}
    try:
        yield
        sent = set()
        while waiting := [key for key in _coalescing.jobs if key not in sent]:
            for key in waiting:
                sent.add(key)
                if key in _coalescing.jobs:  # not dropped by a job sent before it
                    _send(key[0], _coalescing.jobs[key])
    finally:
        _coalescing.jobs = None


def job_done(task_name: str, /, **kwargs) -> None:
    """The caller has just done this job's work itself (task and arguments alike): in a
    `jobs_coalesced` block, a copy held and not yet sent is dropped, as sending it would only
    do the same work again. Outside such a block, or once sent, nothing changes."""
    held = getattr(_coalescing, "jobs", None)
    if held is not None:
        held.pop((task_name, json.dumps(kwargs, sort_keys=True)), None)


def job_send(task_name: str, kwargs: dict, countdown: float | None = None) -> bool:
    """Hand a job to the queue now (or, in a `jobs_coalesced` block, hold it until its end);
    keep it in the outbox if the queue does not take it."""
    held = getattr(_coalescing, "jobs", None)
    if held is not None:
        held.setdefault((task_name, json.dumps(kwargs, sort_keys=True)), kwargs)
        return True
    return _send(task_name, kwargs, countdown)


def _send(task_name: str, kwargs: dict, countdown: float | None = None) -> bool:
    try:
        task(task_name).apply_async(kwargs=kwargs, countdown=countdown)
    except Exception as error:  # noqa: BLE001 - any failure to queue keeps the job
        logger.warning("Could not queue %s; kept to queue later: %s", task_name, error)
        PendingJob.objects.create(task=task_name, kwargs=kwargs, last_error=str(error)[:2000])
        return False
    return True


def jobs_flush(*, batch: int = FLUSH_BATCH) -> int:
    """Queue the kept jobs, oldest first; stop at the first the queue refuses.

    Returns how many were queued. Rows are locked while they are sent, so two runs at once
    do not queue a job twice.
    """
    queued = 0
    with transaction.atomic():
        pending = list(
            PendingJob.objects.filter(attempts__lt=GIVE_UP_AFTER)
            .select_for_update(skip_locked=True)
            .order_by("pk")[:batch]
        )
        for job in pending:
            try:
                task(job.task).apply_async(kwargs=job.kwargs)
            except Exception as error:  # noqa: BLE001 - the queue is still down
                PendingJob.objects.filter(pk=job.pk).update(
                    attempts=job.attempts + 1, last_error=str(error)[:2000]
                )
                logger.warning("Kept jobs still cannot be queued: %s", error)
                break
            job.delete()
            queued += 1
    return queued
