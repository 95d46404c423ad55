"""`make bench`: how fast values are imported and comparisons recomputed, on PostgreSQL.

A performance benchmark, not a test: it asserts nothing and prints ONE JSON line on stdout
(progress goes to stderr). Everything is measured in one run on one machine, so compare the
ratios it reports rather than seconds from different runs. BENCHMARKS.md explains each figure.

It creates its own database on the DATABASE_URL's server (``portal_bench`` by default), fills
it with synthetic councils (GSS codes E99xxxxxx, clearly marked as not real), synthetic
metrics and values, and drops it at the end, also on failure.
"""

from __future__ import annotations

import io
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, suppress
from unittest import mock

import numpy as np
import pandas as pd
import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.utils import timezone

from benchmarking import recompute, selectors, services
from benchmarking.models import (
    Audience,
    ComparisonStatistic,
    Element,
    Metric,
    Polarity,
    Source,
    Value,
)
from benchmarking.periods import parse_period
from scripts.bench.values_after import risk_inline, risk_on_workers, seed_real
from selfreg.models import Council, CouncilType, Nation, Visibility

REGIONS = [
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
]
# One metric in SECTOR_EVERY shares a quarter of its values with the sector only, so both
# audiences' code paths run and the sector statistics exist for those metric-periods.
SECTOR_EVERY = 10
SECTOR_SHARE = 0.25
LATEST_START_YEAR = 2024  # the latest period is the financial year 2024-25
COPY_CHUNK = 500_000
TARGETS = {
    "full_s": 30.0,
    "full_vs_pandas": 2.0,
    "full_rss_gb": 3.0,
    "incremental_s": 2.0,
    "incremental_small_s": 0.3,
    "workers_speedup": 1.6,
    "import_vs_ie": 20.0,
    "import_per_s": 100_000,
    "seed_s": 300.0,
    "risk_s": 60.0,
}


def log(message: str) -> None:
    stamp = time.strftime("%H:%M:%S")
    print(f"[bench {stamp}] {message}", file=sys.stderr, flush=True)


# --- measuring -------------------------------------------------------------------------------


class Memory:
    """Samples this process's resident memory in a thread; reports the peak per phase."""

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * self._page

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, self.rss())

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def reset(self) -> None:
        self.peak = self.rss()


class Phases:
    """Wall-clock seconds and peak memory of named phases, logged as they finish."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self.seconds: dict[str, float] = {}
        self.measured: dict[str, bool] = {}
        self.peak_gb: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str, measured: bool = True):
        log(f"{name} ...")
        self.memory.reset()
        start = time.perf_counter()
        yield
        elapsed = time.perf_counter() - start
        self.memory.peak = max(self.memory.peak, self.memory.rss())
        self.seconds[name] = elapsed
        self.measured[name] = measured
        self.peak_gb[name] = round(self.memory.peak / 2**30, 2)
        note = "" if measured else " (setup, not measured)"
        log(f"{name}: {elapsed:.2f} s, peak RSS {self.peak_gb[name]} GB{note}")


@contextmanager
def timed_calls(targets: list[tuple[object, str, str]], totals: dict[str, float]):
    """Wrap functions on modules so their cumulative seconds land in ``totals``."""
    patches = []
    for owner, attribute, label in targets:
        original = getattr(owner, attribute)
        totals.setdefault(label, 0.0)

        def wrapper(*args, _original=original, _label=label, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                totals[_label] += time.perf_counter() - start

        patches.append(mock.patch.object(owner, attribute, wrapper))
    for patch in patches:
        patch.start()
    try:
        yield totals
    finally:
        for patch in reversed(patches):
            patch.stop()


def rate(rows: int, seconds: float) -> float:
    return round(rows / seconds, 1) if seconds > 0 else float("inf")


def r(seconds: float, digits: int = 2) -> float:
    return round(seconds, digits)


# --- the synthetic dataset -------------------------------------------------------------------


class Synthetic:
    """A long file of values: metric-major, then period, then council, held as numpy arrays.

    Row ``i`` is metric ``i // (P*C)``, period ``(i // C) % P``, council ``i % C``. Values are
    rounded to two decimals, so ties happen as they do in real data; a quarter of the metrics
    are percentages with a sample size (so confidence intervals are computed).
    """

    def __init__(self, councils: int, metrics: int, periods: int, seed: int) -> None:
        self.c, self.m, self.p = councils, metrics, periods
        self.n = councils * metrics * periods
        rng = np.random.default_rng(seed)
        first = LATEST_START_YEAR - periods + 1
        self.labels = [f"{y}-{(y + 1) % 100:02d}" for y in range(first, LATEST_START_YEAR + 1)]
        self.periods = [parse_period(label) for label in self.labels]
        self.gss = [f"E99{i + 1:06d}" for i in range(councils)]
        self.codes = [f"BENCH{i + 1:05d}" for i in range(metrics)]
        self.percent = np.arange(metrics) % 4 == 0
        self.sector_metric = np.arange(metrics) % SECTOR_EVERY == SECTOR_EVERY - 1

        idx = np.arange(self.n, dtype=np.int64)
        self.metric_ix = (idx // (periods * councils)).astype(np.int32)
        self.period_ix = ((idx // councils) % periods).astype(np.int32)
        self.council_ix = (idx % councils).astype(np.int32)
        del idx
        centre = rng.uniform(20, 80, metrics)
        spread = rng.uniform(2, 15, metrics)
        council_effect = rng.normal(0, 1, councils)
        trend = rng.normal(0, 0.5, metrics)
        noise = rng.standard_normal(self.n)
        value = (
            centre[self.metric_ix]
            + spread[self.metric_ix] * (0.6 * council_effect[self.council_ix] + 0.8 * noise)
            + trend[self.metric_ix] * self.period_ix
        )
        del noise
        is_percent = self.percent[self.metric_ix]
        value = np.where(is_percent, np.clip(value, 0, 100), value)
        self.value = np.round(value, 2)
        sample = rng.integers(200, 2000, self.n).astype(np.float64)
        self.sample = np.where(is_percent, sample, np.nan)
        sector = self.sector_metric[self.metric_ix] & (rng.random(self.n) < SECTOR_SHARE)
        self.sector = sector

    def metric_rows(self) -> list[Metric]:
        polarities = [
            Polarity.HIGHER_BETTER,
            Polarity.LOWER_BETTER,
            Polarity.HIGHER_BETTER,
            Polarity.LOWER_BETTER,
            Polarity.NEUTRAL,
            Polarity.TARGET,
        ]
        elements = list(Element.values)
        rows = []
        for i, code in enumerate(self.codes):
            polarity = polarities[i % len(polarities)]
            rows.append(
                Metric(
                    code=code,
                    title=f"Synthetic benchmark metric {i + 1} (not a real measure)",
                    element=elements[i % len(elements)],
                    unit="%" if self.percent[i] else "£",
                    polarity=polarity,
                    target_value=50.0 if polarity == Polarity.TARGET else None,
                    dataset="bench",
                )
            )
        return rows

    def council_rows(self) -> list[Council]:
        return [
            Council(
                la_code=f"BENCH{i + 1:04d}",
                gss_code=gss,
                name=f"Synthetic council {i + 1:03d}",
                official_name=f"Synthetic benchmark council {i + 1:03d} (not a real council)",
                kind=CouncilType.UNITARY,
                nation=Nation.ENGLAND,
                region=REGIONS[i % len(REGIONS)],
            )
            for i, gss in enumerate(self.gss)
        ]

    def text_frame(self, rows: np.ndarray) -> pd.DataFrame:
        """Rows of the long file as an uploaded table has them: text cells."""
        sample = self.sample[rows]
        return pd.DataFrame(
            {
                "gss_code": np.asarray(self.gss, dtype=object)[self.council_ix[rows]],
                "metric_code": np.asarray(self.codes, dtype=object)[self.metric_ix[rows]],
                "period": np.asarray(self.labels, dtype=object)[self.period_ix[rows]],
                "value": self.value[rows].astype(str),
                "sample_size": np.where(np.isnan(sample), "", np.nan_to_num(sample).astype(str)),
            }
        ).astype(str)


# --- database lifecycle ----------------------------------------------------------------------


def server_connect(settings_dict: dict) -> psycopg.Connection:
    return psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        autocommit=True,
    )


def drop_database(server: dict, name: str) -> None:
    with server_connect(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the command -----------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Benchmark value import and comparison recompute on PostgreSQL against bare pandas and "
        "django-import-export; prints one JSON line. Uses and drops its own database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--councils", type=int, default=400)
        parser.add_argument("--metrics", type=int, default=2000)
        parser.add_argument("--periods", type=int, default=10)
        parser.add_argument(
            "--import-slice",
            type=int,
            default=200_000,
            help="Rows imported through values_import to measure the import rate.",
        )
        parser.add_argument(
            "--baseline-slice",
            type=int,
            default=10_000,
            help="Rows imported through django-import-export (and values_import) to compare.",
        )
        parser.add_argument(
            "--small-upload",
            type=int,
            default=100,
            help="Metrics in the realistic one-council return timed for incremental recompute.",
        )
        parser.add_argument(
            "--skip-comparisons",
            action="store_true",
            help="Measure the imports (and what follows them) only, not the comparisons.",
        )
        parser.add_argument(
            "--seed-real",
            action="store_true",
            help="Then run `manage.py seed` (the real register and datasets) on top, timed.",
        )
        parser.add_argument(
            "--risk-workers",
            type=int,
            default=0,
            help="Then time the early-warning recompute inline and on this many Celery workers.",
        )
        parser.add_argument("--seed", type=int, default=20240401)
        parser.add_argument("--database", default="portal_bench")
        parser.add_argument("--keep-db", action="store_true", help="Leave the database behind.")
        parser.add_argument(
            "--comparisons-only",
            action="store_true",
            help="Bulk load every value and measure only the comparisons (no import rates).",
        )
        parser.add_argument(
            "--skip-pandas",
            action="store_true",
            help="Leave out the bare pandas baseline: it holds every value and its groups in "
            "memory at once (about 19 GB at 40M values).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="Also time the full recompute on 1 and on this many Celery workers (0: skip).",
        )

    def handle(self, *args, **opts):
        db = connections["default"]
        if db.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL.")
        name = opts["database"]
        if not name.startswith("portal_bench"):
            raise CommandError("The benchmark database's name must start with portal_bench.")
        server = dict(db.settings_dict)
        if server["NAME"] == name:
            raise CommandError("Point DATABASE_URL at the server's usual database, not the bench.")
        signal.signal(signal.SIGTERM, _interrupt)

        log(f"creating database {name} on {server.get('HOST') or 'localhost'}")
        drop_database(server, name)
        with server_connect(server) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        started = time.perf_counter()
        memory = Memory()
        memory.start()
        try:
            db.close()
            db.settings_dict["NAME"] = name
            settings.DATABASES["default"]["NAME"] = name
            result = Bench(opts, Phases(memory)).run()
        finally:
            memory.stop()
            db.close()
            db.settings_dict["NAME"] = server["NAME"]
            settings.DATABASES["default"]["NAME"] = server["NAME"]
            if opts["keep_db"]:
                log(f"kept database {name}")
            else:
                drop_database(server, name)
                log(f"dropped database {name}")
        result["run_s"] = r(time.perf_counter() - started, 1)
        self.stdout.write(json.dumps(result, separators=(",", ":")))


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


class Bench:
    def __init__(self, opts: dict, phase: Phases) -> None:
        self.opts = opts
        self.phase = phase

    # The run, in order --------------------------------------------------------------------

    def run(self) -> dict:
        o, phase = self.opts, self.phase
        with phase("migrate", measured=False):
            call_command("migrate", verbosity=0, interactive=False)
        with phase("generate", measured=False):
            data = Synthetic(o["councils"], o["metrics"], o["periods"], o["seed"])
        self.data = data
        import_rows = 0 if o["comparisons_only"] else max(1, min(o["import_slice"], data.n))
        baseline_rows = max(1, min(o["baseline_slice"], import_rows))
        log(f"{data.n:,} values; import slice {import_rows:,}; baseline slice {baseline_rows:,}")

        with phase("setup_catalogue", measured=False):
            Council.objects.bulk_create(data.council_rows(), batch_size=1000)
            Metric.objects.bulk_create(data.metric_rows(), batch_size=1000)
            self.council_pk = dict(Council.objects.values_list("gss_code", "pk"))
            self.metric_pk = dict(Metric.objects.values_list("code", "pk"))
        # The import slice is held back from the bulk load: it is created by the measured
        # imports, after which the database holds the whole dataset.
        with phase("bulk_load", measured=False):
            self.copy_values(np.arange(import_rows, data.n))
        self.vacuum("vacuum_after_bulk_load", Value)

        result = {
            "benchmark": "make bench",
            "date": timezone.now().replace(microsecond=0).isoformat(),
            "machine": machine(),
            "scale": {
                "councils": data.c,
                "metrics": data.m,
                "periods": data.p,
                "values": data.n,
                "bulk_loaded_values": data.n - import_rows,
            },
        }
        if import_rows:
            result["import_export"] = self.import_export_baseline(np.arange(baseline_rows))
            result["import"] = self.import_rate(np.arange(import_rows), result["import_export"])
        self.check_count(data.n)
        # values_import takes one visibility per file: the imported slices are public.
        sector = Value.objects.filter(visibility=Visibility.SECTOR).count()
        result["scale"]["sector_only_values"] = sector
        self.vacuum("vacuum_after_imports", Value)
        if not o["skip_comparisons"]:
            self.comparisons(result)
        if o["seed_real"]:
            result["seed_real"] = seed_real(phase)
        if o["risk_workers"]:
            result["risk_inline"] = risk_inline(phase)
            result["risk_workers"] = risk_on_workers(
                phase, workers=o["risk_workers"], database=o["database"]
            )
        result["targets"] = targets(result)
        result["setup_s"] = {
            k: r(v, 1)
            for k, v in self.phase.seconds.items()
            if not self.phase.measured.get(k, True)
        }
        result["peak_rss_gb"] = self.phase.peak_gb
        return result

    def comparisons(self, result: dict) -> None:
        o, data = self.opts, self.data
        result["full_recompute"] = self.full_recompute()
        if not o["skip_pandas"]:
            result["pandas"] = self.pandas_baseline(result["full_recompute"])
        result["incremental"] = self.incremental(council=0, metrics=data.m)
        small = min(o["small_upload"], data.m)
        if small < data.m:
            # Five councils in turn; the breakdown is the median run's.
            runs = [self.incremental(council=1 + i, metrics=small) for i in range(5)]
            median = sorted(runs, key=lambda x: x["seconds"])[2]
            result["incremental_small"] = {**median, "runs_s": [x["seconds"] for x in runs]}

    # Setup ---------------------------------------------------------------------------------

    def copy_values(self, rows: np.ndarray) -> None:
        """Bulk load for setup, not measured: COPY straight into the values table."""
        d = self.data
        council_ids = np.array([self.council_pk[g] for g in d.gss], dtype=np.int64)
        metric_ids = np.array([self.metric_pk[c] for c in d.codes], dtype=np.int64)
        labels = np.asarray(d.labels, dtype=object)
        starts = np.asarray([p.start.isoformat() for p in d.periods], dtype=object)
        ends = np.asarray([p.end.isoformat() for p in d.periods], dtype=object)
        now = timezone.now().isoformat()
        columns = [
            "council_id",
            "metric_id",
            "period",
            "period_start",
            "period_end",
            "value",
            "sample_size",
            "note",
            "visibility",
            "source",
            "source_ref",
            "updated_at",
        ]
        sql = f"COPY {Value._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for begin in range(0, len(rows), COPY_CHUNK):
                chunk = rows[begin : begin + COPY_CHUNK]
                p = d.period_ix[chunk]
                frame = pd.DataFrame(
                    {
                        "council_id": council_ids[d.council_ix[chunk]],
                        "metric_id": metric_ids[d.metric_ix[chunk]],
                        "period": labels[p],
                        "period_start": starts[p],
                        "period_end": ends[p],
                        "value": d.value[chunk],
                        "sample_size": d.sample[chunk],
                        "note": "",
                        "visibility": np.where(
                            d.sector[chunk], Visibility.SECTOR.value, Visibility.PUBLIC.value
                        ),
                        "source": Source.DATASET.value,
                        "source_ref": "",
                        "updated_at": now,
                    }
                )
                copy.write(frame.to_csv(sep="\t", header=False, index=False, na_rep="\\N"))
                if begin // COPY_CHUNK % 4 == 3:
                    log(f"  copied {begin + len(chunk):,} of {len(rows):,}")

    def delete_values(self, rows: np.ndarray) -> None:
        """Remove rows of the file again (and their history), for the next measured import."""
        frame = self.data.text_frame(rows)
        keys = ["gss_code", "metric_code", "period"]
        candidates = pd.DataFrame.from_records(
            Value.objects.filter(
                council__gss_code__in=frame["gss_code"].unique().tolist(),
                metric__code__in=frame["metric_code"].unique().tolist(),
                period__in=frame["period"].unique().tolist(),
            ).values_list("pk", "council__gss_code", "metric__code", "period"),
            columns=["pk", *keys],
        )
        ids = candidates.merge(frame[keys], on=keys)["pk"].astype("int64").tolist()
        with connection.cursor() as cursor:
            # Plain DELETEs: the ORM would record the deletions in the history.
            for table in (Value.history.model._meta.db_table, Value._meta.db_table):
                cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])  # noqa: S608

    def vacuum(self, name: str, *models) -> None:
        """What autovacuum would have done by the time the next job runs (setup, not measured).

        Without it, a server with autovacuum off (as some shared ones are) plans the recompute's
        deletes on empty-table statistics.
        """
        with self.phase(name, measured=False), connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")

    def check_count(self, expected: int) -> None:
        count = Value.objects.count()
        if count != expected:
            raise CommandError(f"Expected {expected:,} values after the imports, found {count:,}.")

    # 1 and 2: import ------------------------------------------------------------------------

    def import_export_baseline(self, rows: np.ndarray) -> dict:
        import tablib

        frame = self.data.text_frame(rows)
        dataset = tablib.Dataset(
            *frame.itertuples(index=False, name=None), headers=list(frame.columns)
        )
        resource = value_resource()()
        with self.phase("import_export"):
            result = resource.import_data(dataset, dry_run=False, use_transactions=True)
        if result.has_errors() or result.has_validation_errors():
            raise CommandError(f"django-import-export reported errors: {result.totals}")
        ie_seconds = self.phase.seconds["import_export"]
        created = int(result.totals.get("new", 0))
        with self.phase("delete_baseline_slice", measured=False):
            self.delete_values(rows)
        with self.phase("import_same_slice"):
            report = services.values_import(frame=frame, source=Source.DATASET, recompute=False)
        ours = self.phase.seconds["import_same_slice"]
        with self.phase("delete_baseline_slice_again", measured=False):
            self.delete_values(rows)
        return {
            "rows": len(rows),
            "created": created,
            "seconds": r(ie_seconds),
            "rows_per_s": rate(len(rows), ie_seconds),
            "values_import_same_rows_s": r(ours),
            "values_import_same_rows_per_s": rate(report.created, ours),
            "ratio_same_rows": r(ie_seconds / ours, 1),
            "config": "ModelResource, FK widgets by gss_code/code, import_id_fields "
            "council+metric+period, skip_unchanged, history kept by save()",
        }

    def import_rate(self, rows: np.ndarray, baseline: dict) -> dict:
        frame = self.data.text_frame(rows)
        with self.phase("import"):
            report = services.values_import(frame=frame, source=Source.DATASET, recompute=False)
        seconds = self.phase.seconds["import"]
        per_s = rate(report.created, seconds)
        return {
            "rows": len(rows),
            "created": report.created,
            "seconds": r(seconds),
            "rows_per_s": per_s,
            "ratio_vs_import_export": r(per_s / baseline["rows_per_s"], 1),
            "path": "values_import(source=dataset, recompute=False): validation, merge, "
            "COPY to a temporary table, INSERT ... RETURNING into the history table",
        }

    # 3 and 4: full recompute and the pandas baseline ---------------------------------------

    def recompute(self, name: str, pairs=None, pending: bool = False) -> dict:
        """Time comparisons_recompute, split into reading, computing and writing: of these
        pairs, of everything, or (``pending``) of what waits, as a queued recompute does."""
        totals: dict[str, float] = {}
        wrapped = [
            (selectors, "compared_values", "read_values"),
            (selectors, "group_members", "read_groups"),
            (recompute, "group_distributions", "compare"),
            (recompute, "_delete_statistics", "delete_pairs"),
            (recompute, "_delete_metrics", "delete_metrics"),
            (recompute, "_insert_statistics", "insert"),
            (recompute, "comparisons_finish", "analyze"),
            (connections["default"], "commit", "commit"),
        ]
        with timed_calls(wrapped, totals), self.phase(name):
            if pending:
                report = pending_recompute()
            else:
                report = recompute.comparisons_recompute(pairs=pairs)
        total = self.phase.seconds[name]
        read = totals["read_values"] + totals["read_groups"]
        clear = totals["delete_pairs"] + totals["delete_metrics"]
        write = clear + totals["insert"] + totals["analyze"] + totals["commit"]
        return {
            "seconds": r(total),
            "read_s": r(read),
            "compute_s": r(total - read - write),
            "compare_s": r(totals["compare"]),
            "write_s": r(write),
            "delete_old_s": r(clear),
            "insert_statistics_s": r(totals["insert"]),
            "analyze_s": r(totals["analyze"]),
            "commit_s": r(totals["commit"]),
            "statistics": report.statistics,
            "values_in_order": report.values,
            "peak_rss_gb": self.phase.peak_gb[name],
        }

    def full_recompute(self) -> dict:
        first = self.recompute("full_recompute_into_empty_tables")
        self.vacuum("vacuum_after_first_recompute", ComparisonStatistic)
        # The headline: the nightly job's case, replacing every stored comparison.
        again = self.recompute("full_recompute")
        self.vacuum("vacuum_after_recompute", ComparisonStatistic)
        members = selectors.group_members()
        table = ComparisonStatistic._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            size = cursor.fetchone()[0]
        result = {
            **again,
            "groups": int(members["group"].nunique()),
            "group_memberships": len(members),
            "chunks": len(recompute.metric_chunks()),
            "chunk_metrics": recompute.CHUNK_METRICS,
            "statistics_by_audience": {
                a: ComparisonStatistic.objects.filter(audience=a).count() for a in Audience.values
            },
            "statistics_table_mb": round(size / 2**20, 1),
            "into_empty_tables": first,
        }
        workers = self.opts["workers"]
        if workers:
            runs = {n: self.on_workers(n) for n in sorted({1, workers})}
            result["celery"] = {
                **{f"workers_{n}": run for n, run in runs.items()},
                "speedup": r(runs[1]["seconds"] / runs[workers]["seconds"]),
                "inline_s": again["seconds"],
            }
        return result

    def on_workers(self, count: int) -> dict:
        """The full recompute queued as comparisons_recompute_task with ``count`` Celery
        worker processes (solo pool, one task at a time each) on the broker: from queueing to
        the closing step's result. The workers start, and answer a ping, before the clock."""
        import redis

        from benchmarking.tasks import comparisons_recompute_task
        from selfreg.celery import app

        if not settings.REDIS_URL:
            raise CommandError("Timing Celery workers needs REDIS_URL.")
        db = connections["default"].settings_dict
        url = os.environ.get("DATABASE_URL", "").rsplit("/", 1)[0] + f"/{db['NAME']}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DEBUG": "false",
        }
        name = f"celery_{count}_workers"
        stamp = time.strftime("%H%M%S")
        workers = [
            subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, "-m", "celery", "-A", "selfreg", "worker", "--pool=solo"]
                + ["--loglevel=warning", "--without-gossip", "--without-mingle"]
                + ["-n", f"bench{i}-{stamp}@%h"],
                env=env,
                stdout=sys.stderr,
                stderr=sys.stderr,
            )
            for i in range(count)
        ]
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = False
        try:
            app.control.purge()
            deadline = time.monotonic() + 120
            while len(app.control.ping(timeout=1.0)) < count:
                if time.monotonic() > deadline:
                    raise CommandError("The Celery workers did not start.")
            connections["default"].close()  # the workers write; this process only waits
            with self.phase(name):
                comparisons_recompute_task.delay().get(timeout=3600)
            peaks = [worker_peak_gb(w.pid) for w in workers]
        finally:
            app.conf.task_always_eager = eager
            for worker in workers:
                # Killed, not shut down: early warning's reassessment, queued when the
                # recompute ends, is not part of the benchmark.
                worker.kill()
                worker.wait()
            client = redis.Redis.from_url(settings.REDIS_URL)
            client.delete("celery", "unacked", "unacked_index")
        self.vacuum(f"vacuum_after_{name}", ComparisonStatistic)
        return {
            "seconds": r(self.phase.seconds[name]),
            "statistics": ComparisonStatistic.objects.count(),
            "worker_peak_rss_gb": peaks,
        }

    def pandas_baseline(self, ours: dict) -> dict:
        phase = self.phase
        with phase("pandas_read"):
            frame = bare_values_frame()
            members = selectors.group_members()
        with phase("pandas_compute"):
            stats = bare_pandas_statistics(frame, members)
        del frame
        agrees, compared = self.check_baseline(stats)
        read, compute = phase.seconds["pandas_read"], phase.seconds["pandas_compute"]
        end_to_end = read + compute
        return {
            "read_s": r(read),
            "compute_s": r(compute),
            "end_to_end_s": r(end_to_end),
            "statistics": len(stats),
            "ratio_full_recompute_vs_end_to_end": r(ours["seconds"] / end_to_end),
            "ratio_read_and_compute_vs_end_to_end": r(
                (ours["read_s"] + ours["compute_s"]) / end_to_end
            ),
            "ratio_compute_only": r(ours["compute_s"] / compute),
            "agrees_with_stored_statistics": agrees,
            "statistics_compared": compared,
            "read_route": "COPY ... TO STDOUT into pandas.read_csv, the recompute's columns",
        }

    def check_baseline(self, stats: pd.DataFrame) -> tuple[bool, int]:
        columns = ["metric_id", "period", "group", "audience", "n", "median"]
        columns += ["lower_quartile", "upper_quartile", "mean", "min", "max"]
        stored = pd.DataFrame.from_records(
            ComparisonStatistic.objects.values_list(*columns), columns=columns
        )
        both = stored.merge(
            stats, on=["metric_id", "period", "group", "audience"], suffixes=("", "_pd")
        )
        same = len(both) == len(stored) == len(stats)
        same = same and bool((both["n"] == both["n_pd"]).all())
        for column in ["median", "lower_quartile", "upper_quartile", "mean", "min", "max"]:
            a = both[column].to_numpy(dtype=float)
            b = both[f"{column}_pd"].to_numpy(dtype=float)
            same = same and bool(np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True))
        if not same:
            log(f"WARNING: pandas baseline and stored statistics differ ({len(both)} matched)")
        return same, len(both)

    # 5: incremental ------------------------------------------------------------------------

    def incremental(self, *, council: int, metrics: int) -> dict:
        d = self.data
        latest = d.p - 1
        metric_ix = np.arange(metrics)
        rows = (metric_ix * d.p + latest) * d.c + council
        frame = d.text_frame(rows)
        changed = np.round(d.value[rows] * 1.05 + 0.5, 2)
        # Percentages stay within 0-100, or the upload's check would refuse them.
        changed = np.where(d.percent[d.metric_ix[rows]], np.minimum(changed, 100), changed)
        frame["value"] = changed.astype(str)
        label = f"{metrics}_metrics_council_{council + 1}"
        # As an upload does: the values and what waits to be recomputed, in one transaction;
        # then the recompute of what waits, as the queued job runs it.
        with self.phase(f"upload_{label}"), transaction.atomic():
            report = services.values_import(frame=frame, source=Source.UPLOAD, recompute=False)
            services.comparisons_recompute_queue(changes=report.changes, now=False)
        timing = self.recompute(f"incremental_{label}", pending=True)
        return {
            "council": d.gss[council],
            "metric_periods": len(report.pairs),
            "values_changed": report.updated,
            "upload_import_s": r(self.phase.seconds[f"upload_{label}"]),
            **timing,
        }


def pending_recompute() -> recompute.RecomputeReport:
    """``services.comparisons_recompute_pending``, keeping the recompute's report."""
    reports = []
    real = services.comparisons_recompute

    def keep(**kwargs):
        reports.append(real(**kwargs))
        return reports[-1]

    services.comparisons_recompute = keep
    try:
        services.comparisons_recompute_pending()
    finally:
        services.comparisons_recompute = real
    return reports[0] if reports else recompute.RecomputeReport()


def value_resource():
    """The django-import-export resource for values, as a typical project would write it."""
    from import_export import fields, resources, widgets

    class ValueResource(resources.ModelResource):
        council = fields.Field(
            attribute="council",
            column_name="gss_code",
            widget=widgets.ForeignKeyWidget(Council, field="gss_code"),
        )
        metric = fields.Field(
            attribute="metric",
            column_name="metric_code",
            widget=widgets.ForeignKeyWidget(Metric, field="code"),
        )

        class Meta:
            model = Value
            fields = ("council", "metric", "period", "value", "sample_size")
            import_id_fields = ("council", "metric", "period")
            skip_unchanged = True

        def before_save_instance(self, instance, row, **kwargs):
            instance.set_period(instance.period)
            instance.source = Source.DATASET

    return ValueResource


def bare_values_frame() -> pd.DataFrame:
    """The columns the recompute reads (selectors.compared_values), the fastest plain way."""
    columns = ", ".join(selectors.COMPARED_COLUMNS)
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        sql = f"COPY (SELECT {columns} FROM {Value._meta.db_table}) TO STDOUT"  # noqa: S608
        with cursor.cursor.copy(sql) as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    frame = pd.read_csv(
        buffer,
        sep="\t",
        names=selectors.COMPARED_COLUMNS,
        keep_default_na=False,
        dtype={"period": str, "visibility": str},
    )
    return frame


def bare_pandas_statistics(frame: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The same statistics by plain groupby, per audience as the recompute defines them."""
    keys = ["metric_id", "period", "group"]
    results = []
    for audience in Audience.values:
        visible = frame[frame["visibility"].isin(selectors.audience_filter(audience))]
        if audience == Audience.SECTOR:
            sector = visible.loc[visible["visibility"] == Visibility.SECTOR, keys[:2]]
            visible = visible.merge(sector.drop_duplicates(), on=keys[:2])
        if visible.empty:
            continue
        expanded = selectors.members_join(visible, members)
        grouped = expanded.groupby(keys, sort=False)["value"]
        quartiles = grouped.quantile([0.25, 0.5, 0.75]).unstack()
        quartiles.columns = ["lower_quartile", "median", "upper_quartile"]
        summary = grouped.agg(["mean", "min", "max", "count"]).rename(columns={"count": "n"})
        stats = summary.join(quartiles).reset_index()
        stats["audience"] = audience
        results.append(stats)
    return pd.concat(results, ignore_index=True)


def machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    load = None
    with suppress(OSError):
        load = round(os.getloadavg()[0], 2)
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(memory / 2**30, 1),
        "postgresql": version,
        "autovacuum": autovacuum,
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "load_avg_1m_at_start": load,
    }


def worker_peak_gb(pid: int) -> float | None:
    """A process's peak resident memory so far (VmHWM), in GB."""
    with suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) * 1024 / 2**30, 2)
    return None


def targets(result: dict) -> dict:
    found = {}
    if "import" in result:
        found["import_ge_20x_import_export"] = (
            result["import"]["ratio_vs_import_export"] >= TARGETS["import_vs_ie"]
        )
        found["import_ge_100000_per_s"] = result["import"]["rows_per_s"] >= TARGETS["import_per_s"]
    if "seed_real" in result:
        found["seed_real_le_5_min"] = result["seed_real"]["seconds"] <= TARGETS["seed_s"]
    if "risk_inline" in result:
        fastest = min(result["risk_inline"]["seconds"], result["risk_workers"].get("seconds", 1e9))
        found["risk_le_60s"] = fastest <= TARGETS["risk_s"]
    if "full_recompute" not in result:
        return found
    full = result["full_recompute"]
    ratio = result.get("pandas", {}).get("ratio_full_recompute_vs_end_to_end")
    incremental = result["incremental"]["seconds"]
    small = result.get("incremental_small", {}).get("seconds")
    speedup = full.get("celery", {}).get("speedup")
    return {
        **found,
        "full_recompute_le_30s": full["seconds"] <= TARGETS["full_s"],
        "full_recompute_within_2x_pandas": None
        if ratio is None
        else ratio <= TARGETS["full_vs_pandas"],
        "full_recompute_peak_rss_le_3gb": full["peak_rss_gb"] <= TARGETS["full_rss_gb"],
        "two_workers_ge_1_6x_one": None
        if speedup is None
        else speedup >= TARGETS["workers_speedup"],
        "incremental_le_2s": incremental <= TARGETS["incremental_s"],
        "incremental_small_le_0_3s": None
        if small is None
        else small <= TARGETS["incremental_small_s"],
    }
