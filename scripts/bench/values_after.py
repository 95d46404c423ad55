"""`make bench`'s last parts, on the database the benchmark built: seeding the real data on
top of the synthetic values, and the early-warning recompute inline and on Celery workers."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time

from celery.result import AsyncResult
from django.conf import settings
from django.core.management import call_command

from earlywarning.models import RiskAssessment
from selfreg.celery import app

STEP = re.compile(r"^== (?P<step>.+)$|^\s+\((?P<seconds>[\d.]+) s\)$")


def seed_real(phase) -> dict:
    """`manage.py seed` (register, similar councils, every dataset, one recompute of what they
    changed, risk, demo content) on top of the values already there; seconds by step."""
    out = io.StringIO()
    debug = settings.DEBUG
    settings.DEBUG = True  # the demo content's accounts are made only with DEBUG on
    try:
        with phase("seed_real"):
            call_command("seed", stdout=out, stderr=out)
    finally:
        settings.DEBUG = debug
        sys.stderr.write(out.getvalue())
    steps, current = {}, None
    for line in out.getvalue().splitlines():
        match = STEP.match(line)
        if match and match["step"]:
            current = match["step"]
        elif match and current:
            steps[current] = float(match["seconds"])
    return {
        "seconds": round(phase.seconds["seed_real"], 1),
        "steps_s": steps,
        "peak_rss_gb": phase.peak_gb["seed_real"],
    }


def risk_inline(phase) -> dict:
    """The risk task under eager Celery: every chunk one after another in this process."""
    from earlywarning.tasks import risk_recompute_task

    with phase("risk_inline"):
        result = risk_recompute_task.apply().get()
    return {
        "seconds": round(phase.seconds["risk_inline"], 1),
        "chunks": result["chunks"],
        "councils": result["saved"],
        "chunk_councils": settings.RISK_CHUNK_COUNCILS,
        "peak_rss_gb": phase.peak_gb["risk_inline"],
    }


def risk_on_workers(phase, *, workers: int, database: str) -> dict:
    """The same task through Redis, its chunks run by `workers` Celery worker processes
    (one task at a time each) started here against the benchmark's database."""
    from earlywarning.tasks import risk_recompute_task

    redis = os.environ.get("REDIS_URL") or settings.REDIS_URL
    if not redis:
        return {"skipped": "no REDIS_URL"}
    url = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{url['USER']}@{url['HOST']}:{url['PORT']}/{database}",
        "REDIS_URL": redis,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    eager = app.conf.task_always_eager
    app.conf.update(task_always_eager=False, broker_url=redis, result_backend=redis)
    app.control.purge()  # jobs left in this Redis database by earlier runs
    command = [sys.executable, "-m", "celery", "-A", "selfreg", "worker", "-P", "solo"]
    command += ["--without-gossip", "--without-mingle", "-l", "WARNING"]
    name = f"bench{os.getpid()}"
    started = [
        subprocess.Popen([*command, "-n", f"{name}-{i}@%h"], env=env)  # noqa: S603 - fixed command
        for i in range(workers)
    ]
    try:
        time.sleep(10)  # the workers start up and connect
        RiskAssessment.objects.all().delete()
        with phase(f"risk_{workers}_workers"):
            summary = risk_recompute_task.delay().get(timeout=3600)
            result = AsyncResult(summary["result_id"], app=app).get(timeout=3600)
    finally:
        app.conf.update(task_always_eager=eager)
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=60)
    seconds = phase.seconds[f"risk_{workers}_workers"]
    return {"seconds": round(seconds, 1), "workers": workers, **result}
