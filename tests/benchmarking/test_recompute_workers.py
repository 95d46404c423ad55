"""The full recompute split over Celery workers: chunks of metrics, then one closing step."""

import threading
import time

import pandas as pd
import pytest
from celery.signals import task_postrun
from django.db import transaction

from benchmarking import recompute, selectors
from benchmarking.models import ComparisonStatistic, Metric
from benchmarking.services import metrics_import, values_import
from benchmarking.tasks import comparisons_recompute_task
from tests.conftest import HARTLEPOOL

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

COUNCILS = [HARTLEPOOL, "E06000002", "E06000003", "E06000004", "E06000005", "E06000006"]


def stored() -> list[tuple]:
    return sorted(
        ComparisonStatistic.objects.values_list(
            "metric__code", "period", "group", "audience", "n", "median", "sorted_values"
        )
    )


def test_full_recompute_runs_in_chunks_on_a_worker_and_says_done_once(celery_worker, monkeypatch):
    """Queued with a worker, a full recompute runs one task per chunk of metrics and then
    the closing step; what it stores equals the inline recompute, and the task early warning
    listens for succeeds once, after every chunk."""
    metrics_import(
        rows=[{"code": f"m{i}", "title": f"M {i}", "element": "outcome"} for i in range(5)]
    )
    rows = [
        {"gss_code": gss, "metric_code": f"m{i}", "period": period, "value": str(i * 7 + j + k)}
        for i in range(5)
        for j, gss in enumerate(COUNCILS)
        for k, period in enumerate(["2018-19", "2019-20"])
    ]
    values_import(frame=pd.DataFrame(rows), source="upload", recompute=False)
    recompute.comparisons_recompute()
    inline = stored()
    ComparisonStatistic.objects.all().delete()
    monkeypatch.setattr(recompute, "CHUNK_METRICS", 2)  # 3 chunks: 2, 2 and 1 metrics
    seen = []

    def record(sender=None, state=None, kwargs=None, **_):
        seen.append((sender.name, state, tuple(sorted((kwargs or {}).items()))))

    task_postrun.connect(record, weak=False)
    try:
        result = comparisons_recompute_task.delay()
        assert result.get(timeout=60) == {"finished": True}
        # The result is stored just before the worker sends task_postrun.
        deadline = time.monotonic() + 10
        finished = ("benchmarking.tasks.comparisons_recompute_task", "SUCCESS")
        while time.monotonic() < deadline and finished not in [s[:2] for s in seen]:
            time.sleep(0.05)
    finally:
        task_postrun.disconnect(record)
    assert stored() == inline
    chunks = [s for s in seen if s[0] == "benchmarking.tasks.comparisons_chunk_task"]
    assert len(chunks) == 3 and all(state == "SUCCESS" for _, state, _ in chunks)
    done = [s for s in seen if s[0] == "benchmarking.tasks.comparisons_recompute_task"]
    assert [state for _, state, _ in done] == ["IGNORED", "SUCCESS"]
    assert seen.index(done[-1]) > max(seen.index(c) for c in chunks)


def test_inline_without_a_broker_recomputes_everything_at_once(register_loaded):
    """With jobs run inline (make run), the task recomputes every chunk itself."""
    metrics_import(rows=[{"code": "m0", "title": "M 0", "element": "outcome"}])
    rows = [
        {"gss_code": gss, "metric_code": "m0", "period": "2019-20", "value": str(j)}
        for j, gss in enumerate(COUNCILS)
    ]
    values_import(frame=pd.DataFrame(rows), source="upload", recompute=False)
    outcome = comparisons_recompute_task.delay().get()
    assert outcome["statistics"] == ComparisonStatistic.objects.count() > 0
    assert outcome["values"] == sum(ComparisonStatistic.objects.values_list("n", flat=True))


def test_a_read_of_many_metrics_is_shared_between_connections(register_loaded, monkeypatch):
    """Outside a transaction, the values of many metrics are read in shares, each on a
    connection and thread of its own, and come back the same as read on one; inside a
    transaction they are read on its own connection, which sees what it has not committed."""
    metrics_import(
        rows=[{"code": f"m{i}", "title": f"M {i}", "element": "outcome"} for i in range(6)]
    )
    rows = [
        {"gss_code": gss, "metric_code": f"m{i}", "period": "2019-20", "value": str(i * 3 + j)}
        for i in range(6)
        for j, gss in enumerate(COUNCILS)
    ]
    values_import(frame=pd.DataFrame(rows), source="upload", recompute=False)
    pairs = [(pk, "2019-20") for pk in Metric.objects.values_list("pk", flat=True)]
    monkeypatch.setattr(selectors, "READ_CONNECTIONS", 1)
    alone = sorted(selectors.compared_values(pairs=pairs).itertuples(index=False))

    threads = set()
    real = selectors._compared_packed

    def spy(query, periods=None):
        threads.add(threading.get_ident())
        return real(query, periods)

    monkeypatch.setattr(selectors, "_compared_packed", spy)
    monkeypatch.setattr(selectors, "READ_CONNECTIONS", 3)
    monkeypatch.setattr(selectors, "PARALLEL_READ_METRICS", 2)
    shared = sorted(selectors.compared_values(pairs=pairs).itertuples(index=False))
    assert len(alone) == 36 and shared == alone
    assert len(threads) == 3 and threading.get_ident() not in threads

    threads.clear()
    with transaction.atomic():
        extra = [{"gss_code": COUNCILS[0], "metric_code": "m0", "period": "2020-21", "value": "5"}]
        values_import(frame=pd.DataFrame(extra), source="upload", recompute=False)
        seen = selectors.compared_values(pairs=[*pairs, (pairs[0][0], "2020-21")])
    assert len(seen) == 37 and threads == {threading.get_ident()}
