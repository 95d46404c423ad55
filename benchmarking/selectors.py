"""Reads that span several models, returned as DataFrames for the pure modules."""

from __future__ import annotations

import functools
import json
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils.text import slugify

from benchmarking import access
from benchmarking.comparisons import POSITION_COLUMNS, STAT_COLUMNS, compare, position_records
from benchmarking.eras import Era, era_from_label, period_day, periods_to_eras
from benchmarking.families import (
    SIMILAR_COUNCILS_SOURCES,
    SIMILAR_PREFIXES,
    similar_label,
    sources_fingerprint,
)
from benchmarking.models import (
    Audience,
    ComparisonStatistic,
    CouncilContext,
    DatasetImport,
    Metric,
    ReferenceValue,
    SimilarCouncil,
    Value,
)
from benchmarking.periods import PeriodError, latest, previous_period, sort_periods
from selfreg.models import (
    Council,
    GroupingKind,
    GroupingMembership,
    MembershipStatus,
    Nation,
    Visibility,
)

COMPARED_COLUMNS = ["council_id", "metric_id", "period", "value", "visibility"]
COMPARED_TYPES = {
    "council_id": "int64",
    "metric_id": "int64",
    "period": str,
    "value": "float64",
    "visibility": str,
}


def compared_values(*, metric_ids=None, pairs=None) -> pd.DataFrame:
    """What the comparisons are computed from: council, metric, period, value and visibility
    of every value of these metrics (all periods), or of these (metric id, period) pairs.

    On PostgreSQL each value comes as PostgreSQL's own eight bytes, so it is the float the
    ORM reads, bit for bit: a council is found among its group's sorted values by equality.
    """
    query = Value.objects.all()
    periods = None
    if pairs is not None:
        pairs = {(int(m), str(p)) for m, p in pairs}
        metric_ids = sorted({m for m, _ in pairs})
        periods = sorted({p for _, p in pairs})
        query = query.filter(period__in=periods)
    if metric_ids is not None:
        metric_ids = [int(m) for m in metric_ids]
        query = query.filter(metric_id__in=metric_ids)
    if connection.vendor == "postgresql" and _read_in_parallel(metric_ids):
        frame = _compared_in_parallel(metric_ids, periods)
    elif connection.vendor == "postgresql":
        frame = _compared_packed(query, periods)
    else:
        rows = query.values_list(*COMPARED_COLUMNS)
        frame = pd.DataFrame.from_records(list(rows), columns=COMPARED_COLUMNS)
        frame["value"] = frame["value"].astype("float64")
    # The query returns every period of every metric asked for: keep only the pairs asked
    # for, unless that is all of them.
    if pairs is not None and len(frame) and len(pairs) < len(metric_ids) * len(periods):
        frame = frame[pair_in(frame, pairs)]
    return frame.reset_index(drop=True)


def pair_in(frame: pd.DataFrame, pairs) -> np.ndarray:
    """Which rows of a ``compared_values`` frame belong to one of these (metric id, period)
    pairs."""
    wanted = pd.MultiIndex.from_tuples(sorted({(int(m), str(p)) for m, p in pairs}))
    return pd.MultiIndex.from_frame(frame[["metric_id", "period"]]).isin(wanted)


# One row of ``_compared_packed``: fixed-width big-endian numbers, as PostgreSQL's
# int8send, int4send and float8send give them.
_PACKED_ROW = np.dtype(
    [
        ("council_id", ">i8"),
        ("metric_id", ">i8"),
        ("period", ">i4"),
        ("value", ">f8"),
        ("visibility", ">i4"),
    ]
)


#: A read of at least this many metrics (a return's recompute) is shared between
#: READ_CONNECTIONS connections: PostgreSQL packs one query's rows on one core, so each
#: connection packs its share on another. Only outside a transaction, where every connection
#: sees the same committed values. A full recompute reads smaller chunks, which it already
#: shares out between workers.
PARALLEL_READ_METRICS = 200
READ_CONNECTIONS = 2


def _read_in_parallel(metric_ids) -> bool:
    return (
        metric_ids is not None
        and len(metric_ids) >= PARALLEL_READ_METRICS
        and READ_CONNECTIONS > 1
        and not connection.in_atomic_block
    )


def _compared_in_parallel(metric_ids: list[int], periods: list[str] | None) -> pd.DataFrame:
    """``_compared_packed`` of the metrics in shares, each read in a thread of its own on a
    connection of its own, closed when it is done."""

    def share(ids: list[int]) -> pd.DataFrame:
        try:
            query = Value.objects.filter(metric_id__in=ids)
            if periods is not None:
                query = query.filter(period__in=periods)
            return _compared_packed(query, periods)
        finally:
            connection.close()  # this thread's own connection

    shares = [[int(m) for m in part] for part in np.array_split(metric_ids, READ_CONNECTIONS)]
    with ThreadPoolExecutor(max_workers=READ_CONNECTIONS) as pool:
        frames = list(pool.map(share, shares))
    return pd.concat(frames, ignore_index=True)


def _compared_packed(query, periods: list[str] | None = None) -> pd.DataFrame:
    """``compared_values``'s rows on PostgreSQL, packed by the server into one byte string.

    A COPY sends one message per row, and reading them costs Python a call each: at 400,000
    rows that took longer than computing every statistic. Here PostgreSQL packs each row as
    fixed-width numbers (the period and visibility as their position in a list) and joins
    them, and numpy reads the result as one array. ``periods`` lists every period the query
    can return, where the caller knows them; otherwise one more query finds them.
    """
    if periods is None:
        periods = sorted(query.order_by().values_list("period", flat=True).distinct())
    visibilities = list(Visibility.values)
    inner, params = query.order_by().values_list(*COMPARED_COLUMNS).query.sql_with_params()
    # Positions count from 1; 0 stands for a visibility the list does not have (none yet).
    row = (
        "int8send(q.council_id::int8) || int8send(q.metric_id::int8) "
        "|| int4send(array_position(%s::text[], q.period::text)) || float8send(q.value) "
        "|| int4send(coalesce(array_position(%s::text[], q.visibility::text), 0))"
    )
    sql = f"SELECT string_agg({row}, ''::bytea) FROM ({inner}) q"  # noqa: S608
    # Only the ORM's own SQL for the query is formatted in; the lists are parameters.
    with connection.cursor() as cursor:
        cursor.execute(sql, [periods, visibilities, *params])
        packed = cursor.fetchone()[0] or b""
    rows = np.frombuffer(packed, _PACKED_ROW)
    return pd.DataFrame(
        {
            "council_id": rows["council_id"].astype("int64"),
            "metric_id": rows["metric_id"].astype("int64"),
            "period": _labels(periods, rows["period"] - 1),
            "value": rows["value"].astype("float64"),
            "visibility": _labels(["", *visibilities], rows["visibility"]),
        }
    )


def _labels(names: list[str], codes: np.ndarray) -> pd.Series:
    """Codes as their names, kept categorical: a text object for each of 800,000 values took
    a fifth of a return's recompute, and the statistics are the same either way."""
    return pd.Series(pd.Categorical.from_codes(codes, categories=names))


def region_group(council: Council) -> str:
    area = council.region if council.nation == Nation.ENGLAND else council.nation
    return f"region:{slugify(area)}" if area else ""


def group_members(periods: list[str] | None = None) -> pd.DataFrame:
    """Every stored comparison group and its councils: one row per (group, council_id, era).

    Groups: `all`; `type:<type code>`; `region:<region slug>` (nation outside England);
    `grouping:<slug>` for every area grouping; `similar:<gss>` for a council and its
    similar councils, and `similar-<kind>:<gss>` for those in the people, place and finance
    sets. A similar group has members per register era (``era``, an ``Era.label``: the
    similar councils chosen among the councils of that time); other groups hold the same
    councils whatever the period (``era`` None). ``members_join`` joins values to them.
    With ``periods``, the similar groups only of the eras those periods compare in.
    """
    rows: list[tuple[str, int]] = []
    for council in Council.objects.with_gss().only("pk", "kind", "region", "nation"):
        rows.append(("all", council.pk))
        rows.append((f"type:{council.kind}", council.pk))
        region = region_group(council)
        if region:
            rows.append((region, council.pk))
    # Region groupings hold exactly the region groups' councils: store those once.
    memberships = GroupingMembership.objects.filter(status=MembershipStatus.MEMBER).exclude(
        grouping__kind=GroupingKind.REGION
    )
    rows += [
        (f"grouping:{slug}", council_id)
        for slug, council_id in memberships.values_list("grouping__slug", "council_id")
    ]
    frame = pd.DataFrame(rows, columns=["group", "council_id"]).assign(era=None)
    # In no order: the model's ordering sorts by council name, through a join.
    similar = SimilarCouncil.objects.order_by()
    if periods is not None:
        similar = similar.filter(_eras_of(periods))
    return pd.concat([frame, _similar_members(similar)]).drop_duplicates(ignore_index=True)


def _eras_of(periods: list[str]) -> Q:
    """Similar councils of the eras these periods compare in (``members_by_era``'s rule)."""
    spans = SimilarCouncil.objects.order_by().values_list("valid_from", "valid_to").distinct()
    labels = {Era(start, end).label for start, end in spans}
    wanted = set(periods_to_eras(periods, labels).values())
    chosen = Q(pk__in=[])
    for era in map(era_from_label, sorted(wanted)):
        chosen |= Q(valid_from=era.valid_from, valid_to=era.valid_to)
    return chosen


def _similar_members(similar) -> pd.DataFrame:
    """The similar groups' members: each council with itself and its similar councils, per
    set and era. Labels are made once per distinct council, set and era, not per row: there
    are over a hundred thousand rows."""
    gss = dict(Council.objects.with_gss().values_list("pk", "gss_code"))
    columns = ["council_id", "kind", "valid_from", "valid_to", "neighbour_id"]
    similar = pd.DataFrame.from_records(similar.values_list(*columns), columns=columns)
    similar = similar[similar["council_id"].isin(gss.keys())]
    if similar.empty:
        return pd.DataFrame(columns=["group", "council_id", "era"])
    era = pd.Series(
        list(zip(_days(similar["valid_from"]), _days(similar["valid_to"]), strict=True))
    )
    era_labels = {span: Era(*span).label for span in set(era)}
    owners = similar[["council_id", "kind"]].drop_duplicates()
    group_labels = {
        (c, k): similar_label(k, gss[c]) for c, k in owners.itertuples(index=False, name=None)
    }
    group = pd.Series(list(zip(similar["council_id"], similar["kind"], strict=True)))
    members = pd.DataFrame(
        {
            "group": group.map(group_labels),
            "council_id": similar["council_id"].to_numpy(),
            "era": era.map(era_labels),
        }
    )
    own = members.drop_duplicates()
    neighbours = members.assign(council_id=similar["neighbour_id"].to_numpy())
    return pd.concat([own, neighbours], ignore_index=True)


def _days(column: pd.Series) -> list:
    """A column of dates as the register's days, None where open."""
    return [day if isinstance(day, date) else None for day in column.tolist()]


def members_by_era(values: pd.DataFrame, members: pd.DataFrame) -> list[tuple]:
    """``values`` split by the register era of their period, each part with the members its
    groups have then: groups without eras always, similar groups of that era (today's for a
    period whose era is not worked out yet). Eras in order, "" (none) first."""
    shared = members[members["era"].isna()].drop(columns="era")
    by_era = members[members["era"].notna()]
    # Each distinct period's era once, not each value's: there are hundreds of thousands.
    codes, periods = pd.factorize(values["period"])
    eras = periods_to_eras(periods, by_era["era"].unique())
    labels = sorted({eras.get(period, "") for period in periods})
    era_of_period = np.array([labels.index(eras.get(period, "")) for period in periods])
    era_of_value = era_of_period[codes] if len(labels) > 1 else None
    return [
        (
            values if era_of_value is None else values[era_of_value == i],
            pd.concat([shared, by_era[by_era["era"] == era].drop(columns="era")]),
        )
        for i, era in enumerate(labels)
    ]


def members_join(values: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Each value with every group its council belongs to for the value's period: the join
    that ``members_by_era`` spares the recompute, for a plain pandas computation to check."""
    parts = [part.merge(own, on="council_id") for part, own in members_by_era(values, members)]
    return pd.concat(parts, ignore_index=True)


@dataclass
class Comparison:
    audience: str
    period: str
    statistics: dict
    councils: list[dict]


# What is stored of a comparison: the pure module's columns, and each council's change.
STATISTIC_FIELDS = STAT_COLUMNS
POSITION_FIELDS = [*POSITION_COLUMNS, "change"]


def comparison_read(user, metric: Metric, period: str, group) -> Comparison:
    """A metric's comparison in a group for one period (or "latest"), as the user may see it.

    Stored groups are read from what `recompute.comparisons_recompute` wrote: the sector's
    figures for users in the sector where they differ, the public's otherwise; each council's
    position is derived from the group's stored values. Custom groups are computed now over
    the values the user may see. Raises LookupError when there is none.
    """
    if group.is_custom:
        return _custom_comparison(user, metric, period, group)
    statistics = ComparisonStatistic.objects.filter(
        metric=metric, group=group.label, audience__in=access.audiences_of(user)
    )
    if period.lower() == "latest":
        labels = list(statistics.values_list("period", flat=True).distinct())
        if not labels:
            raise _not_found(metric, group)
        period = latest(labels)[0]
    found = {s.audience: s for s in statistics.filter(period=period)}
    statistic = found.get(Audience.SECTOR) or found.get(Audience.PUBLIC)
    if statistic is None:
        raise _not_found(metric, group, period)
    stats = {name: getattr(statistic, name) for name in STATISTIC_FIELDS}
    return Comparison(statistic.audience, period, stats, comparison_councils(statistic, metric))


def comparison_councils(statistic: ComparisonStatistic, metric: Metric | None = None) -> list:
    """Every council's position in a stored comparison, by name: the position's fields with
    the council's GSS code and name (three queries)."""
    metric = metric or statistic.metric
    facts = audience_values(statistic.audience, metric_id=metric.pk, period=statistic.period)
    placed = stored_positions(statistic, metric, facts)
    councils = (
        Council.objects.filter(pk__in=list(placed))
        .order_by("name", "gss_code")
        .values_list("pk", "gss_code", "name")
    )
    return [{**placed[pk], "gss_code": gss, "name": name} for pk, gss, name in councils]


def audience_values(audience: str, **filters) -> dict[tuple[int, int, str], tuple]:
    """(value, sample size) by (council id, metric id, period) for the values that count in an
    audience's comparisons, this period and the previous one: what a position is derived from."""
    period = filters.pop("period")
    periods = [period, _previous(period)]
    rows = Value.objects.filter(
        visibility__in=audience_filter(audience), period__in=[p for p in periods if p], **filters
    ).values_list("council_id", "metric_id", "period", "value", "sample_size")
    return {(c, m, p): (value, sample) for c, m, p, value, sample in rows}


def stored_positions(
    statistic: ComparisonStatistic, metric: Metric, facts: dict, council_ids=None
) -> dict[int, dict]:
    """Each council's position in a stored comparison, by council id: every council of the
    group, or only those of ``council_ids``. Derived from the group's stored sorted values
    (``comparisons.positions_in_group``); ``facts`` are ``audience_values`` of the statistic's
    audience, for each council's sample size and previous value."""
    ids = statistic.councils_in_order()
    values = statistic.values_in_order()
    if council_ids is None:
        chosen = np.arange(len(ids))
    else:
        chosen = np.flatnonzero(np.isin(ids, list(council_ids)))
    if not len(chosen):
        return {}
    previous = _previous(statistic.period)
    wanted = [int(c) for c in ids[chosen]]
    key = (metric.pk, statistic.period)
    records = position_records(
        values,
        values[chosen],
        polarity=metric.polarity,
        target_value=_float(metric.target_value),
        scale=_float(metric.scale),
        sample_size=[facts.get((c, *key), (None, None))[1] for c in wanted],
        previous_value=[facts.get((c, metric.pk, previous), (None, None))[0] for c in wanted],
    )
    return {
        council: {name: row[name] for name in POSITION_FIELDS}
        for council, row in zip(wanted, records, strict=True)
    }


def _float(value) -> float:
    return np.nan if value is None else float(value)


def _previous(period: str) -> str | None:
    try:
        return previous_period(period)
    except PeriodError:
        return None


def _not_found(metric: Metric, group, period: str | None = None) -> LookupError:
    when = f" in {period}" if period else ""
    return LookupError(f"There is no comparison of {metric.code} for {group.label}{when}.")


def _custom_comparison(user, metric: Metric, period: str, group) -> Comparison:
    visible = access.visible_values(user, metric=metric, council_id__in=group.council_ids)
    if period.lower() == "latest":
        labels = list(visible.values_list("period", flat=True).distinct())
        if not labels:
            raise _not_found(metric, group)
        period = latest(labels)[0]
    columns = ["gss_code", "name", "period", "value", "sample_size"]
    rows = visible.filter(period__in=[period, previous_period(period)]).values_list(
        "council__gss_code", "council__name", "period", "value", "sample_size"
    )
    frame = pd.DataFrame.from_records(list(rows), columns=columns)
    if not (frame["period"] == period).any():
        raise _not_found(metric, group, period)
    names = dict(zip(frame["gss_code"], frame["name"], strict=True))
    frame = frame.drop(columns="name").assign(
        metric=metric.code,
        group=group.label,
        polarity=metric.polarity,
        target_value=metric.target_value if metric.target_value is not None else np.nan,
        scale=metric.scale if metric.scale is not None else np.nan,
    )
    frame["value"] = frame["value"].astype("float64")
    frame["sample_size"] = pd.to_numeric(frame["sample_size"]).astype("float64")
    stats, positions = compare(frame)
    stats_row = stats[stats["period"] == period].iloc[0]
    positions = positions[positions["period"] == period]
    statistics = {name: plain(stats_row[name]) for name in STATISTIC_FIELDS}
    councils = [
        {
            **{name: plain(row[name]) for name in POSITION_FIELDS},
            "gss_code": row["gss_code"],
            "name": names[row["gss_code"]],
        }
        for row in positions.to_dict("records")
    ]
    return Comparison("custom", period, statistics, councils)


def plain(value):
    """A cell as a plain value: numpy scalars unwrapped, NaN and NA as None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def audience_filter(audience: str) -> list[str]:
    """The visibilities whose values count in an audience's statistics."""
    if audience == "public":
        return [Visibility.PUBLIC]
    return [Visibility.PUBLIC, Visibility.SECTOR]


def predecessor_history(user, metric: Metric, council: Council) -> dict | None:
    """The figures of the councils this one replaced (and theirs before them), each as that
    council published it, one row per period; never added together.

    None when the council replaced no one or none of them has a figure the user may see.
    """
    predecessors, seen = [], {council.pk}
    found = list(council.predecessors.all())
    while found:
        earlier = found.pop(0)
        if earlier.pk not in seen:
            seen.add(earlier.pk)
            predecessors.append(earlier)
            found.extend(earlier.predecessors.all())
    figures = access.visible_values(user, metric=metric, council__in=predecessors).values_list(
        "council_id", "period", "value"
    )
    by_period: dict[str, dict[int, float]] = {}
    for council_id, period, value in figures:
        by_period.setdefault(period, {})[council_id] = value
    shown = [c for c in predecessors if any(c.pk in row for row in by_period.values())]
    if not shown:
        return None
    shown.sort(key=lambda c: c.name)
    rows = [
        {"period": period, "values": [by_period[period].get(c.pk) for c in shown]}
        for period in sort_periods(by_period)
    ]
    return {"councils": shown, "rows": rows}


def group_history(user, metric: Metric, group) -> list[dict]:
    """The group's median and quartiles for every period, oldest first (stored groups only)."""
    if group.is_custom:
        return []
    audiences = access.audiences_of(user)
    found: dict[str, dict] = {}
    rows = ComparisonStatistic.objects.filter(
        metric=metric, group=group.label, audience__in=audiences
    ).values("period", "audience", "n", "median", "lower_quartile", "upper_quartile")
    for row in rows:
        if row["period"] in found and row["audience"] != Audience.SECTOR:
            continue
        found[row["period"]] = row
    return [found[p] for p in sort_periods(found)]


def group_councils(group, period: str | None = None) -> list[Council]:
    """The councils of a group, by name (one query; stored groups as group_members builds).

    A similar group holds the similar councils of the period's register era (today's when no
    period is given)."""
    kind, _sep, argument = group.label.partition(":")
    councils = Council.objects.with_gss()
    if group.is_custom:
        councils = councils.filter(pk__in=group.council_ids)
    elif kind == "type":
        councils = councils.current().filter(kind=argument)
    elif kind == "region":
        councils = [c for c in councils.current() if region_group(c) == group.label]
        return sorted(councils, key=lambda c: c.name)
    elif kind in SIMILAR_PREFIXES:
        chosen = SimilarCouncil.objects.filter(
            council__gss_code=argument, kind=SIMILAR_PREFIXES[kind]
        )
        day = period_day(period) if period else None
        chosen = chosen.as_of(day)
        councils = councils.filter(Q(gss_code=argument) | Q(pk__in=chosen.values("neighbour_id")))
    elif kind == "grouping":
        councils = councils.filter(
            grouping_memberships__grouping__slug=argument,
            grouping_memberships__status=MembershipStatus.MEMBER,
        )
    else:
        councils = councils.current().exclude(kind__in=["COMB", "SRA"])
    return list(councils.order_by("name"))


def catalogue_statistics(user) -> list[tuple[int, str, str, int]]:
    """(metric id, period, group, n) for the `all` and region groups, in the audiences the
    user may read: what the measure catalogue counts its coverage from."""
    audiences = access.audiences_of(user)
    return list(
        ComparisonStatistic.objects.filter(audience__in=audiences)
        .filter(Q(group="all") | Q(group__startswith="region:"))
        .values_list("metric_id", "period", "group", "n")
    )


MAPS_DIR = Path(settings.BASE_DIR) / "data" / "maps"
HEX_LAYOUTS = {
    "districts": "uk-local-authority-districts-2023.hexjson",
    "upper-tier": "uk-upper-tier-local-authorities.hexjson",
}


@functools.cache
def hex_layouts() -> dict[str, dict]:
    """The HexJSON layouts the measure pages draw maps on, read once per process."""
    return {
        name: json.loads((MAPS_DIR / file).read_text(encoding="utf-8"))
        for name, file in HEX_LAYOUTS.items()
    }


def reference_values(metric: Metric, period: str) -> list[ReferenceValue]:
    """The figures for whole nations (England, say) that the source gives for this period."""
    return list(ReferenceValue.objects.filter(metric=metric, period=period))


def similar_councils_current(data_dir: str | Path) -> bool:
    """Whether similar councils are stored and were worked out from the register and context
    files now in `data_dir`: the files' fingerprint is the one recorded when they were."""
    record = DatasetImport.objects.filter(name=SIMILAR_COUNCILS_SOURCES).first()
    return (
        record is not None
        and record.fingerprint == sources_fingerprint(data_dir)
        and SimilarCouncil.objects.exists()
    )


def similar_sets(council: Council) -> tuple[dict[str, list[SimilarCouncil]], pd.DataFrame]:
    """A council's similar councils by set, nearest first, among today's councils, and the
    stored context figures of every council in its pool (GSS code by variable): two queries."""
    by_kind: dict[str, list[SimilarCouncil]] = {}
    rows = SimilarCouncil.objects.current().filter(council=council).select_related("neighbour")
    for row in rows.order_by("kind", "rank"):
        by_kind.setdefault(row.kind, []).append(row)
    own = CouncilContext.objects.filter(council=council).values_list("pool", flat=True)
    figures = CouncilContext.objects.filter(pool__in=own).values_list(
        "council__gss_code", "figures"
    )
    frame = pd.DataFrame.from_dict(dict(figures), orient="index", dtype="float64")
    return by_kind, frame


def reference_history(metric: Metric, area_code: str = "E92000001") -> list[dict]:
    """England's own figure for each period the source gives one (none for other measures)."""
    rows = ReferenceValue.objects.filter(metric=metric, area_code=area_code)
    return [{"period": r.period, "value": r.value} for r in rows]
