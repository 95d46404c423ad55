"""Recompute the stored comparisons: group statistics from the values, set-wise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction

from benchmarking import pgcopy, selectors
from benchmarking.comparisons import compare
from benchmarking.models import Audience, ComparisonPosition, ComparisonStatistic, Value
from benchmarking.periods import PeriodError, previous_period
from selfreg.models import Visibility

BATCH = 5000
COPY_CHUNK = 1_000_000  # rows encoded and sent at a time: bounds the memory of a big COPY


def _none(value):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


# --- comparisons -----------------------------------------------------------------------------


@dataclass
class RecomputeReport:
    statistics: int = 0
    positions: int = 0


def comparisons_recompute(*, pairs: list[tuple[int, str]] | None = None) -> RecomputeReport:
    """Recompute stored comparisons, all of them or those of some (metric id, period) pairs.

    A changed value moves its own period's statistics and the next period's "change", so
    both are recomputed. Safe to run twice: each affected metric-period is replaced whole.
    """
    if pairs is None:
        frame = selectors.values_frame()
        targets = frame[["metric_id", "period"]].drop_duplicates()
    else:
        frame, targets = _incremental_frame(pairs)
    report = RecomputeReport()
    members = selectors.group_members()
    results = []
    for audience in Audience.values:
        visible = frame[frame["visibility"].isin(selectors.audience_filter(audience))]
        if audience == Audience.SECTOR:
            # Where nothing is shared with the sector only, its figures equal the public ones.
            sector_pairs = visible.loc[
                visible["visibility"] == Visibility.SECTOR, ["metric_id", "period"]
            ]
            visible = visible.merge(sector_pairs.drop_duplicates(), on=["metric_id", "period"])
        if visible.empty:
            continue
        expanded = visible.merge(members, on="council_id").rename(
            columns={"metric_id": "metric", "council_id": "gss_code"}
        )
        stats, positions = compare(expanded)
        keep = targets.rename(columns={"metric_id": "metric"})
        stats = stats.merge(keep, on=["metric", "period"])
        positions = positions.merge(keep, on=["metric", "period"])
        results.append((audience, stats, positions))
    full_rebuild = pairs is None and connection.vendor == "postgresql"
    with transaction.atomic():
        if full_rebuild:
            _truncate_comparisons()
            dropped = _positions_indexes_drop()
        else:
            _delete_statistics(targets)
        for audience, stats, positions in results:
            s, p = _save_comparisons(audience, stats, positions)
            report.statistics += s
            report.positions += p
        if full_rebuild:
            _positions_indexes_restore(*dropped)
    if full_rebuild:
        _analyze_comparisons()
    return report


def _analyze_comparisons() -> None:
    """Give the planner statistics of the rebuilt tables now, not when autovacuum next passes:
    without them it guesses one row per group and a dashboard's read scans every statistic."""
    names = [ComparisonStatistic._meta.db_table, ComparisonPosition._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(names)}")


def _truncate_comparisons() -> None:
    """Empty both tables at once: the nightly rebuild replaces every row.

    TRUNCATE holds an exclusive lock until the commit, so pages reading comparisons wait
    for the rebuild rather than see it half done; it runs at night (selfreg.schedules).
    """
    names = [ComparisonPosition._meta.db_table, ComparisonStatistic._meta.db_table]
    with connection.cursor() as cursor:
        # Deferred foreign-key checks of earlier writes in this transaction must run first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(names)}")


def _positions_indexes_drop() -> tuple[list, list]:
    """Drop the positions table's indexes and unique constraint; return their definitions.

    Building an index over millions of rows after the load is several times faster than
    keeping it up to date row by row. The definitions are read from the database, so the
    same indexes and constraint come back exactly as the migrations made them; in a
    transaction, a failure rolls the drop back too.
    """
    table = ComparisonPosition._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
            "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    return constraints, indexes


def _positions_indexes_restore(constraints: list, indexes: list) -> None:
    table = ComparisonPosition._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


def _incremental_frame(pairs: list[tuple[int, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    metric_ids = sorted({int(m) for m, _ in pairs})
    periods = {p for _, p in pairs}
    known = set(
        Value.objects.filter(metric_id__in=metric_ids).values_list("period", flat=True).distinct()
    )
    following = {p for p in known if _previous(p) in periods}
    wanted = periods | following
    needed = wanted | {_previous(p) for p in wanted} - {None}
    frame = selectors.values_frame(metric_ids=metric_ids, periods=needed)
    targets = frame.loc[frame["period"].isin(wanted), ["metric_id", "period"]].drop_duplicates()
    # A pair whose last value was deleted still needs its old statistics removed.
    asked = pd.DataFrame(sorted(pairs), columns=["metric_id", "period"]).astype(
        {"metric_id": "int64"}
    )
    targets = pd.concat([targets, asked]).drop_duplicates()
    return frame, targets


def _previous(label: str) -> str | None:
    try:
        return previous_period(label)
    except PeriodError:
        return None


def _delete_statistics(targets: pd.DataFrame) -> None:
    """Remove the stored comparisons of these (metric id, period) pairs."""
    if targets.empty:
        return
    if connection.vendor != "postgresql":
        for metric_id, periods in targets.groupby("metric_id")["period"]:
            ComparisonStatistic.objects.filter(
                metric_id=metric_id, period__in=list(periods)
            ).delete()
        return
    # One statement per table, joined to the pairs, instead of a query per metric. Only the
    # models' own table names are formatted in; the pairs are parameters.
    stats = ComparisonStatistic._meta.db_table
    positions = ComparisonPosition._meta.db_table
    pairs = "SELECT * FROM unnest(%s::bigint[], %s::text[]) AS t(metric_id, period)"
    params = [targets["metric_id"].astype(int).tolist(), targets["period"].astype(str).tolist()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {positions} p USING {stats} s, ({pairs}) t "  # noqa: S608
            "WHERE p.statistic_id = s.id AND s.metric_id = t.metric_id AND s.period = t.period",
            params,
        )
        cursor.execute(
            f"DELETE FROM {stats} s USING ({pairs}) t "  # noqa: S608
            "WHERE s.metric_id = t.metric_id AND s.period = t.period",
            params,
        )


def _save_comparisons(
    audience: str, stats: pd.DataFrame, positions: pd.DataFrame
) -> tuple[int, int]:
    if stats.empty:
        return 0, 0
    ids = _insert_statistics(audience, stats)
    positions = positions.merge(ids, on=["metric", "period", "group"])
    columns = ["statistic_id", "council_id", *selectors.POSITION_FIELDS]
    table = pd.DataFrame(
        {
            "statistic_id": positions["statistic_id"].astype("int64"),
            "council_id": positions["gss_code"].astype("int64"),
            **{c: positions[c] for c in columns[2:]},
        }
    )
    _bulk_insert(ComparisonPosition, columns, table)
    return len(ids), len(table)


def _insert_statistics(audience: str, stats: pd.DataFrame) -> pd.DataFrame:
    """Insert group statistics; return (metric, period, group, statistic_id) for each."""
    if connection.vendor == "postgresql":
        # One INSERT from arrays, returning the new ids: bulk_create compiles every field of
        # every row in Python, which took longer than computing the statistics.
        table = ComparisonStatistic._meta.db_table
        quote = connection.ops.quote_name
        numbers = [
            stats[c].astype(object).where(stats[c].notna(), None).tolist()
            for c in selectors.STATISTIC_FIELDS
        ]
        # Only the model's own table and column names are formatted in.
        sql = (
            f"INSERT INTO {quote(table)} (metric_id, period, {quote('group')}, audience, "  # noqa: S608
            f"{', '.join(quote(c) for c in selectors.STATISTIC_FIELDS)}, computed_at) "
            "SELECT t.*, now() FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], "
            "%s::integer[], %s::float8[], %s::float8[], %s::float8[], %s::float8[], "
            "%s::float8[], %s::float8[]) AS t "
            f"RETURNING metric_id, period, {quote('group')}, id"
        )
        params = [
            stats["metric"].astype(int).tolist(),
            stats["period"].astype(str).tolist(),
            stats["group"].astype(str).tolist(),
            [audience] * len(stats),
            stats["n"].astype(int).tolist(),
            *numbers[1:],
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            returned = cursor.fetchall()
        return pd.DataFrame(returned, columns=["metric", "period", "group", "statistic_id"])
    created = ComparisonStatistic.objects.bulk_create(
        [
            ComparisonStatistic(
                metric_id=int(row.metric),
                period=row.period,
                group=row.group,
                audience=audience,
                **{c: _none(getattr(row, c)) for c in selectors.STATISTIC_FIELDS},
            )
            for row in stats.itertuples(index=False)
        ],
        batch_size=BATCH,
    )
    return pd.DataFrame(
        [(o.metric_id, o.period, o.group, o.pk) for o in created],
        columns=["metric", "period", "group", "statistic_id"],
    )


def _bulk_insert(model, columns: list[str], table: pd.DataFrame) -> None:
    """Insert many rows: binary COPY built with numpy on PostgreSQL, bulk_create elsewhere."""
    if table.empty:
        return
    if connection.vendor == "postgresql":
        fields = [model._meta.get_field(c) for c in columns]
        names = ", ".join(f.column for f in fields)
        sql = f"COPY {model._meta.db_table} ({names}) FROM STDIN (FORMAT BINARY)"
        types = [f.db_type(connection) for f in fields]
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.write(pgcopy.HEADER)
            for start in range(0, len(table), COPY_CHUNK):
                copy.write(
                    pgcopy.binary_rows(table[columns].iloc[start : start + COPY_CHUNK], types)
                )
            copy.write(pgcopy.TRAILER)
        return
    records = table.astype(object).where(table.notna(), None).itertuples(index=False, name=None)
    model.objects.bulk_create(
        (model(**dict(zip(columns, record, strict=True))) for record in records), batch_size=BATCH
    )
