"""Recompute the stored comparisons: each group's statistics and its values in order.

A council's rank, percentile, band, change and significance are not stored: they are derived
on read from the group's sorted values (selectors.stored_positions). What is stored is one
row per (metric, period, group, audience), so a full recompute writes a few hundred thousand
rows where it once wrote tens of millions.

A full recompute goes through the metrics a chunk at a time: it reads one chunk's values,
computes, replaces that chunk's statistics in one transaction and lets the chunk go, so its
memory does not grow with the catalogue. The chunks are independent, so the Celery task
(benchmarking.tasks) runs them on whichever workers are free and finishes with
``comparisons_finish``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from benchmarking import readcache, selectors
from benchmarking.comparisons import STAT_COLUMNS, group_distributions
from benchmarking.models import COUNCIL_DTYPE, VALUE_DTYPE, Audience, ComparisonStatistic, Metric
from selfreg.models import Visibility

BATCH = 5000
#: Metrics per chunk of a full recompute. At 400 councils and 10 periods a chunk is about
#: 400,000 values: small enough to bound memory, big enough that each query pays off.
CHUNK_METRICS = 100


@dataclass
class RecomputeReport:
    statistics: int = 0
    values: int = 0  # group members' values kept in order, what positions are derived from

    def add(self, other: RecomputeReport) -> None:
        self.statistics += other.statistics
        self.values += other.values


def comparisons_recompute(
    *,
    pairs: list[tuple[int, str]] | None = None,
    metric_ids: list[int] | None = None,
    changed: dict[tuple[int, str], set[int]] | None = None,
) -> RecomputeReport:
    """Recompute stored comparisons: of some (metric id, period) pairs, of every period of
    some metrics, or (neither given) of everything, one chunk of metrics after another.

    ``changed`` says, for some of the pairs, the only councils whose values changed: those
    pairs are recomputed only in the groups that hold one of those councils, since no other
    group's values moved. The rest of the pairs are recomputed in every group.

    Safe to run twice: each affected metric-period (or metric) is replaced whole. A changed
    value moves only its own period's statistics: the change since the previous period is
    derived on read.
    """
    if pairs is not None:
        pairs = [(int(m), str(p)) for m, p in pairs]
        changed = changed or {}
        whole = [pair for pair in pairs if pair not in changed]
        partial = [pair for pair in pairs if pair in changed]
        report = RecomputeReport()
        if whole:
            report.add(_recompute(pairs=whole))
        if partial:
            councils = set().union(*(changed[pair] for pair in partial))
            report.add(_recompute(pairs=partial, councils=councils))
        return report
    if metric_ids is not None:
        return _recompute(metric_ids=[int(m) for m in metric_ids])
    report = RecomputeReport()
    members = selectors.group_members()
    for chunk in metric_chunks():
        report.add(_recompute(metric_ids=chunk, members=members))
    comparisons_finish()
    return report


def metric_chunks(size: int | None = None) -> list[list[int]]:
    """Every metric's id, in chunks of ``size`` (CHUNK_METRICS): a full recompute's units of
    work. Metrics without values are included, so their old statistics go too."""
    size = size or CHUNK_METRICS
    ids = list(Metric.objects.order_by("pk").values_list("pk", flat=True))
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def comparisons_finish() -> None:
    """After a full recompute: give the planner statistics of the rewritten table now, not
    when autovacuum next passes; without them it guesses one row per group and a dashboard's
    read scans every statistic."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ComparisonStatistic._meta.db_table}")


def _recompute(
    *,
    pairs: list[tuple[int, str]] | None = None,
    metric_ids: list[int] | None = None,
    members: pd.DataFrame | None = None,
    councils: set[int] | None = None,
) -> RecomputeReport:
    """Recompute these pairs (or metrics); with ``councils``, only the groups that hold one."""
    frame = selectors.compared_values(metric_ids=metric_ids, pairs=pairs)
    report = RecomputeReport()
    if councils is not None:
        # Sector statistics are kept only where something is shared with the sector alone:
        # where that has just begun or ended, every group's sector statistics come or go.
        toggled = _sector_toggled(frame, pairs)
        if toggled:
            report.add(_recompute(pairs=sorted(toggled)))
            pairs = [pair for pair in pairs if pair not in toggled]
            frame = frame[~selectors.pair_in(frame, toggled)]
            if not pairs:
                return report
    if members is None:
        periods = None if pairs is None else sorted({period for _metric, period in pairs})
        members = selectors.group_members(periods)
    groups = None
    if councils is not None:
        groups = sorted(members.loc[members["council_id"].isin(councils), "group"].unique())
        if not groups:
            return report  # the councils are in no group: no comparison moves
        members = members[members["group"].isin(groups)]
    results = [(audience, _distributions(frame, audience, members)) for audience in Audience]
    with transaction.atomic():
        readcache.changed()
        if pairs is not None:
            _delete_statistics(pairs, groups)
        else:
            _delete_metrics(metric_ids)
        for audience, stored in results:
            report.statistics += _insert_statistics(audience, stored)
            report.values += int(stored["n"].sum()) if len(stored) else 0
    return report


def _sector_toggled(frame: pd.DataFrame, pairs: list[tuple[int, str]]) -> set[tuple[int, str]]:
    """The pairs that hold values shared with the sector alone and have no stored sector
    statistics, or the other way round."""
    shared = frame.loc[frame["visibility"] == Visibility.SECTOR, ["metric_id", "period"]]
    now = set(shared.drop_duplicates().itertuples(index=False, name=None))
    stored = set(
        ComparisonStatistic.objects.filter(
            audience=Audience.SECTOR,
            metric_id__in=sorted({metric for metric, _period in pairs}),
            period__in=sorted({period for _metric, period in pairs}),
        )
        .values_list("metric_id", "period")
        .distinct()
    )
    return (now ^ stored) & set(pairs)


def _distributions(frame: pd.DataFrame, audience: str, members: pd.DataFrame) -> pd.DataFrame:
    """The groups' statistics and sorted values over what counts in this audience."""
    visible = frame[frame["visibility"].isin(selectors.audience_filter(audience))]
    if audience == Audience.SECTOR:
        # Where nothing is shared with the sector only, its figures equal the public ones.
        shared = visible["visibility"] == Visibility.SECTOR
        sector_pairs = visible.loc[shared, ["metric_id", "period"]].drop_duplicates()
        visible = visible.merge(sector_pairs, on=["metric_id", "period"])
    if visible.empty:
        return pd.DataFrame(columns=["metric", "period", "group", *STAT_COLUMNS])
    # Each council's value once, with the groups beside it: group_distributions picks every
    # group's values out of a (metric-period x council) table instead of joining each value
    # to each of its council's groups (a council is in 3 to 8 groups). A similar group's
    # members depend on the period's register era, so the periods go era by era.
    renamed = {"metric_id": "metric", "council_id": "gss_code"}
    values = visible[["council_id", "metric_id", "period", "value"]]
    parts = [
        group_distributions(
            era_values.rename(columns=renamed),
            era_members.rename(columns={"council_id": "gss_code"}),
        )
        for era_values, era_members in selectors.members_by_era(values, members)
    ]
    return pd.concat(parts, ignore_index=True)


def _delete_metrics(metric_ids: list[int]) -> None:
    """Remove every stored comparison of these metrics."""
    ComparisonStatistic.objects.filter(metric_id__in=metric_ids).delete()


def _delete_statistics(pairs: list[tuple[int, str]], groups: list[str] | None = None) -> None:
    """Remove the stored comparisons of these (metric id, period) pairs: in every group, or
    only in these ``groups``."""
    if not pairs:
        return
    if connection.vendor != "postgresql":
        by_metric: dict[int, list[str]] = {}
        for metric_id, period in pairs:
            by_metric.setdefault(metric_id, []).append(period)
        in_groups = {} if groups is None else {"group__in": groups}
        for metric_id, periods in by_metric.items():
            ComparisonStatistic.objects.filter(
                metric_id=metric_id, period__in=periods, **in_groups
            ).delete()
        return
    # One statement joined to the pairs, instead of a query per metric. Only the model's own
    # table name is formatted in; the pairs and groups are parameters.
    table = ComparisonStatistic._meta.db_table
    in_groups = "" if groups is None else ' AND s."group" = ANY(%s::text[])'
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} s USING unnest(%s::bigint[], %s::text[]) "  # noqa: S608
            "AS t(metric_id, period) WHERE s.metric_id = t.metric_id AND s.period = t.period"
            + in_groups,
            [[m for m, _ in pairs], [p for _, p in pairs], *([] if groups is None else [groups])],
        )


STATISTIC_COLUMNS = [
    "metric_id",
    "period",
    "group",
    "audience",
    *STAT_COLUMNS,
    "sorted_values",
    "council_ids",
    "computed_at",
]


# PostgreSQL's types of STATISTIC_COLUMNS, for a binary COPY: the server then takes the packed
# arrays as they are, where text COPY made it unescape every byte of them.
COPY_TYPES = [
    "int8",
    "text",
    "text",
    "text",
    "int4",
    *["float8"] * 6,
    "bytea",
    "bytea",
    "timestamptz",
]


def _insert_statistics(audience: str, stored: pd.DataFrame) -> int:
    """Insert one audience's group statistics with their sorted values; return how many."""
    if stored.empty:
        return 0
    now = timezone.now()
    columns = {
        "metric_id": stored["metric"].astype("int64").tolist(),
        "period": stored["period"].astype(str).tolist(),
        "group": stored["group"].astype(str).tolist(),
        "audience": [str(audience)] * len(stored),
        "n": stored["n"].astype("int64").tolist(),
        **{c: _floats(stored[c]) for c in STAT_COLUMNS[1:]},
        "sorted_values": [v.astype(VALUE_DTYPE).tobytes() for v in stored["values"]],
        "council_ids": [c.astype(COUNCIL_DTYPE).tobytes() for c in stored["councils"]],
        "computed_at": [now] * len(stored),
    }
    if connection.vendor == "postgresql":
        # Binary COPY: bulk_create compiles every field of every row in Python, which took
        # longer than computing the statistics. Only the model's own names are formatted in.
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in STATISTIC_COLUMNS)
        sql = (
            f"COPY {quote(ComparisonStatistic._meta.db_table)} ({names}) FROM STDIN (FORMAT binary)"
        )
        rows = zip(*(columns[c] for c in STATISTIC_COLUMNS), strict=True)
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.set_types(COPY_TYPES)
            for row in rows:
                copy.write_row(row)
    else:
        # One INSERT run over the rows (executemany), for the same reason. The cells are
        # what bulk_create sends SQLite: numbers, bytes, and the one time in its stored form.
        columns["computed_at"] = [connection.ops.adapt_datetimefield_value(now)] * len(stored)
        _insert_executemany(list(zip(*(columns[c] for c in STATISTIC_COLUMNS), strict=True)))
    return len(stored)


def _insert_executemany(rows: list[tuple]) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in STATISTIC_COLUMNS)
    marks = ", ".join(["%s"] * len(STATISTIC_COLUMNS))
    table = quote(ComparisonStatistic._meta.db_table)
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def _floats(column: pd.Series) -> list:
    # NaN is the only value unequal to itself; tolist() gives Python floats in one call,
    # where np.isnan on each numpy scalar cost as much as computing the statistics.
    values = column.to_numpy(dtype="float64", na_value=np.nan).tolist()
    return [None if v != v else v for v in values]
