"""Writes to benchmarking: metrics, values and the comparisons computed from them."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from benchmarking import pgcopy, selectors
from benchmarking.comparisons import compare
from benchmarking.context import CONTEXT_VARIABLES, build_context, council_pools, read_sources
from benchmarking.families import find_families
from benchmarking.models import (
    Audience,
    Comparator,
    ComparisonPosition,
    ComparisonStatistic,
    CouncilContext,
    DatasetImport,
    Element,
    Metric,
    Polarity,
    ReferenceValue,
    SavedComparison,
    SharingChoice,
    SimilarCouncil,
    SimilarityKind,
    Value,
)
from benchmarking.periods import PeriodError, parse_period, previous_period
from benchmarking.validation import (
    CouncilFacts,
    FileProblems,
    Problem,
    UsualRange,
    unusual_values,
    validate_values,
)
from selfreg import access
from selfreg.jobs import job_enqueue
from selfreg.models import Council, Visibility

METRIC_COLUMNS = (
    "code",
    "title",
    "element",
    "unit",
    "polarity",
    "target_value",
    "decimals",
    "definition",
    "source",
    "numerator_label",
    "denominator_label",
    "frequency",
    "context_note",
    "sdl_reference",
    "theme",
    "licence",
    "attribution",
    "comparator",
    "unit_limits",
)
COMPARED_FIELDS = ("value", "numerator", "denominator", "sample_size", "note", "visibility")
BATCH = 5000
# Updates build a CASE per field over the whole batch; smaller batches are much faster.
UPDATE_BATCH = 500
RECOMPUTE_TASK = "benchmarking.tasks.comparisons_recompute_task"
COPY_CHUNK = 1_000_000  # rows encoded and sent at a time: bounds the memory of a big COPY


# --- metrics ---------------------------------------------------------------------------------


@dataclass
class MetricReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def metric_rows_check(rows: list[dict]) -> list[dict]:
    """Validate catalogue rows (code, title, element required); raise FileProblems."""
    problems: list[Problem] = []
    clean: list[dict] = []
    seen: dict[str, int] = {}
    elements, polarities = set(Element.values), set(Polarity.values)
    comparators = set(Comparator.values)
    for index, raw in enumerate(rows):
        line = index + 2
        row = {k: _text(raw.get(k)) for k in METRIC_COLUMNS}
        for column in ("code", "title", "element"):
            if not row[column]:
                problems.append(Problem(line, column, "This is required."))
        if row["code"]:
            if row["code"] in seen:
                problems.append(Problem(line, "code", f"Repeats row {seen[row['code']]}."))
            seen.setdefault(row["code"], line)
            try:
                Metric._meta.get_field("code").run_validators(row["code"])
            except Exception:  # noqa: BLE001 - a ValidationError; the message is ours
                problems.append(Problem(line, "code", "Use letters, digits and & _ . - only."))
        if row["comparator"] and row["comparator"] not in comparators:
            problems.append(
                Problem(line, "comparator", f"Use one of {', '.join(sorted(comparators))}.")
            )
        if row["element"] and row["element"] not in elements:
            problems.append(Problem(line, "element", f"Use one of {', '.join(sorted(elements))}."))
        polarity = row["polarity"] or Polarity.NEUTRAL
        if polarity not in polarities:
            problems.append(
                Problem(line, "polarity", f"Use one of {', '.join(sorted(polarities))}.")
            )
        target = _optional_number(row["target_value"], line, "target_value", problems)
        if polarity == Polarity.TARGET and target is None:
            problems.append(Problem(line, "target_value", "A target metric needs a target."))
        decimals = _optional_number(row["decimals"], line, "decimals", problems)
        flags = {"": None, "true": True, "yes": True, "1": True, "false": False, "no": False}
        flags["0"] = False
        if row["unit_limits"].lower() not in flags:
            problems.append(Problem(line, "unit_limits", "Use true or false."))
        numbers = ("target_value", "decimals", "unit_limits")
        clean.append(
            {
                **{k: row[k] for k in METRIC_COLUMNS if k not in numbers},
                "polarity": polarity,
                "target_value": target,
                "decimals": int(decimals) if decimals is not None else 1,
                # Blank: a new measure keeps to its unit's limits; a saved one is unchanged.
                "unit_limits": flags.get(row["unit_limits"].lower()),
            }
        )
    if problems:
        raise FileProblems(problems)
    return clean


def _text(cell) -> str:
    """A cell as trimmed text; None and NaN are blank, 0 stays "0"."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ""
    return str(cell).strip()


def _optional_number(text: str, line: int, column: str, problems: list[Problem]):
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        problems.append(Problem(line, column, f"'{text}' is not a number."))
        return None


def metrics_import(*, rows: list[dict], dataset: str = "") -> MetricReport:
    """Create or update catalogue entries; columns left blank keep their current value."""
    clean = metric_rows_check(rows)
    report = MetricReport()
    with transaction.atomic():
        existing = {m.code: m for m in Metric.objects.filter(code__in=[r["code"] for r in clean])}
        for row in clean:
            metric = existing.get(row["code"])
            if dataset:
                row["dataset"] = dataset
            if metric is None:
                Metric.objects.create(**{k: v for k, v in row.items() if v is not None})
                report.created.append(row["code"])
                continue
            changed = {
                k: v
                for k, v in row.items()
                if v not in ("", None) and getattr(metric, k) != v and k != "code"
            }
            if not changed:
                report.unchanged += 1
                continue
            for name, value in changed.items():
                setattr(metric, name, value)
            metric.save()
            report.updated.append(row["code"])
    return report


def metrics_read_csv(content: bytes) -> list[dict]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblems([Problem(0, "", "The file is not UTF-8 text.")]) from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"code", "title", "element"} <= set(reader.fieldnames):
        raise FileProblems([Problem(1, "", "The columns code, title and element are required.")])
    unknown = set(reader.fieldnames) - set(METRIC_COLUMNS)
    if unknown:
        raise FileProblems([Problem(1, c, "This column is not recognised.") for c in unknown])
    return list(reader)


def dataset_import_record(
    *, name: str, fingerprint: str, published: str = "", metrics: int = 0, values: int = 0
) -> DatasetImport:
    """Note that a dataset was imported whole, with the fingerprint of what was read."""
    record, _ = DatasetImport.objects.update_or_create(
        name=name,
        defaults={
            "fingerprint": fingerprint,
            "imported_at": timezone.now(),
            "published": published,
            "metrics": metrics,
            "values": values,
        },
    )
    return record


# --- reference figures -----------------------------------------------------------------------

REFERENCE_COLUMNS = ("metric_code", "period", "area_code", "area_name", "value", "lower", "upper")


@dataclass
class ReferenceReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


def references_import(*, rows: list[dict], metric_codes: list[str]) -> ReferenceReport:
    """Make the reference figures (England's, say) of these metrics exactly `rows`.

    Every row is checked before anything is written (FileProblems names each problem); then,
    in one transaction, new figures are created, changed ones updated and those no longer
    given deleted. Only the metrics named in `metric_codes` are touched.
    """
    metrics = dict(Metric.objects.filter(code__in=metric_codes).values_list("code", "pk"))
    problems: list[Problem] = []
    clean: dict[tuple[int, str, str], dict] = {}
    for index, raw in enumerate(rows):
        line = index + 2
        row = {k: _text(raw.get(k)) for k in REFERENCE_COLUMNS}
        for column in ("metric_code", "period", "area_code", "area_name", "value"):
            if not row[column]:
                problems.append(Problem(line, column, "This is required."))
        if row["metric_code"] and row["metric_code"] not in metrics:
            problems.append(Problem(line, "metric_code", "Not a metric of this dataset."))
        try:
            period = parse_period(row["period"]).label if row["period"] else ""
        except PeriodError as error:
            problems.append(Problem(line, "period", str(error)))
            period = ""
        numbers = {
            c: _optional_number(row[c], line, c, problems) for c in ("value", "lower", "upper")
        }
        for column, number in numbers.items():
            if number is not None and not np.isfinite(number):
                problems.append(Problem(line, column, f"'{row[column]}' is not a number."))
        if None not in (numbers["lower"], numbers["upper"]) and numbers["lower"] > numbers["upper"]:
            problems.append(Problem(line, "lower", "The lower limit is above the upper limit."))
        key = (metrics.get(row["metric_code"]), period, row["area_code"])
        if key in clean:
            problems.append(Problem(line, "period", "This metric, period and area repeat."))
        clean[key] = {"area_name": row["area_name"][:100], **numbers}
    if problems:
        raise FileProblems(problems[:100])
    report = ReferenceReport()
    with transaction.atomic():
        existing = {
            (r.metric_id, r.period, r.area_code): r
            for r in ReferenceValue.objects.filter(metric_id__in=metrics.values())
        }
        gone = [r.pk for key, r in existing.items() if key not in clean]
        report.deleted = ReferenceValue.objects.filter(pk__in=gone).delete()[0] if gone else 0
        new, changed = [], []
        for (metric_id, period, area), fields in clean.items():
            old = existing.get((metric_id, period, area))
            if old is None:
                new.append(
                    ReferenceValue(metric_id=metric_id, period=period, area_code=area, **fields)
                )
            elif any(getattr(old, k) != v for k, v in fields.items()):
                for name, value in fields.items():
                    setattr(old, name, value)
                changed.append(old)
            else:
                report.unchanged += 1
        ReferenceValue.objects.bulk_create(new, batch_size=BATCH)
        ReferenceValue.objects.bulk_update(
            changed, ["area_name", "value", "lower", "upper"], batch_size=UPDATE_BATCH
        )
        report.created, report.updated = len(new), len(changed)
    return report


# --- values ----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    pairs: set[tuple[int, str]] = field(default_factory=set)
    # How many rows took each visibility, strictest first.
    visibility: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.created + self.updated


def council_facts() -> dict[str, CouncilFacts]:
    return {
        gss: CouncilFacts(pk, start, end)
        for pk, gss, start, end in Council.objects.with_gss().values_list(
            "pk", "gss_code", "start_date", "end_date"
        )
    }


def values_check(*, frame: pd.DataFrame, user=None) -> pd.DataFrame:
    """Validate a whole table of values for this user; raise FileProblems, write nothing.

    A user of None means a trusted command-line import, which may write for any council.
    """
    writable = None
    if user is not None:
        writable = set(
            access.submittable_councils(user).with_gss().values_list("gss_code", flat=True)
        )
    metrics = {}
    limits = {}
    for metric in Metric.objects.only("pk", "code", "unit", "unit_limits"):
        metrics[metric.code] = metric.pk
        if metric.limits is not None:
            limits[metric.code] = metric.limits
    return validate_values(
        frame,
        councils=council_facts(),
        metrics=metrics,
        writable=writable,
        limits=limits,
        today=timezone.localdate(),
    )


class UnusualValues(FileProblems):
    """Values far outside their measure's usual range, not yet confirmed by the person
    submitting them; `problems` lists each, and nothing was written."""


MIN_FIGURES_FOR_RANGE = 5  # fewer councils than this in a period say little about its spread


def usual_ranges(metric_ids) -> dict[int, UsualRange]:
    """Each measure's usual range from its published statistics: the lowest lower quartile
    and the highest upper quartile of all councils' public figures over its periods. Read
    from the stored comparisons, so no figure a council keeps to itself is used or shown."""
    rows = (
        ComparisonStatistic.objects.filter(
            metric_id__in=list(metric_ids),
            group="all",
            audience=Audience.PUBLIC,
            n__gte=MIN_FIGURES_FOR_RANGE,
            lower_quartile__isnull=False,
            upper_quartile__isnull=False,
        )
        .values("metric_id")
        .annotate(low=Min("lower_quartile"), high=Max("upper_quartile"))
    )
    return {row["metric_id"]: UsualRange(row["low"], row["high"]) for row in rows}


def values_unusual(clean: pd.DataFrame) -> list[Problem]:
    """Rows of a checked table far outside their measure's usual range (see
    `validation.unusual_values`), for the person submitting them to confirm."""
    return unusual_values(clean, usual_ranges(clean["metric_id"].unique().tolist()))


def values_import(
    *,
    frame: pd.DataFrame,
    source: str,
    visibility: str = Visibility.PUBLIC,
    user=None,
    source_ref: str = "",
    recompute: bool = True,
    unusual_confirmed: bool = False,
) -> ImportReport:
    """Check, then create or update values in one transaction, keeping their history.

    A person's values far outside their measure's usual range raise UnusualValues, and
    nothing is written, until they confirm them (`unusual_confirmed`). Trusted imports
    (no user: published datasets, the command line) are not asked.

    An identical re-import changes nothing. Comparisons for the metric-periods that changed
    are recomputed in the background once the transaction has committed.
    """
    clean = values_check(frame=frame, user=user)
    if user is not None and not unusual_confirmed and (unusual := values_unusual(clean)):
        raise UnusualValues(unusual)
    report = ImportReport()
    with transaction.atomic():
        existing = existing_values(clean)
        merged = clean.merge(
            existing, on=["council_id", "metric_id", "period"], how="left", suffixes=("", "_old")
        )
        merged["visibility"] = visibility_by_choice(merged, visibility)
        report.visibility = visibility_counts(merged["visibility"])
        is_new = merged["id"].isna().to_numpy()
        differs = np.zeros(len(merged), dtype=bool)
        for name in COMPARED_FIELDS:
            new, old = merged[name], merged[f"{name}_old"]
            same = (new == old) | (new.isna() & old.isna())
            differs |= ~same.to_numpy(dtype=bool)
        is_changed = ~is_new & differs
        report.created = int(is_new.sum())
        report.updated = int(is_changed.sum())
        report.unchanged = len(merged) - report.created - report.updated
        common = {
            "source": source,
            "source_ref": source_ref[:200],
            "submitted_by": user if user is not None and user.is_authenticated else None,
            "updated_at": timezone.now(),
        }

        history_user = common["submitted_by"]
        new_objects = [_value(row, common) for row in merged[is_new].itertuples(index=False)]
        if new_objects:
            bulk_create_with_history(
                new_objects, Value, batch_size=BATCH, default_user=history_user
            )
        changed_objects = [
            _value(row, common, pk=int(row.id))
            for row in merged[is_changed].itertuples(index=False)
        ]
        if changed_objects:
            bulk_update_with_history(
                changed_objects,
                Value,
                [*COMPARED_FIELDS, "source", "source_ref", "submitted_by", "updated_at"],
                batch_size=UPDATE_BATCH,
                default_user=history_user,
            )
        touched = merged[is_new | is_changed]
        report.pairs = set(
            zip(touched["metric_id"].tolist(), touched["period"].tolist(), strict=True)
        )
        if recompute and report.pairs:
            pairs = sorted(report.pairs)
            _enqueue_recompute(pairs)
    return report


# From the fewest readers to the most: where two choices differ, the first of them wins.
STRICTEST_FIRST = (Visibility.COUNCIL, Visibility.SECTOR, Visibility.PUBLIC)


def stricter(first: str, second: str) -> str:
    """Of two visibilities, the one fewer people may see."""
    return min(first, second, key=STRICTEST_FIRST.index)


def visibility_by_choice(frame: pd.DataFrame, chosen: str) -> pd.Series:
    """Each row's visibility: the stricter of the submitter's choice and the council's own
    sharing choice for the metric's element, if it made one.

    Neither can publish what the other keeps back: a council that shares an element
    publicly still keeps an officer's figure marked "own council only" to itself, and a
    council that keeps an element to itself is not overruled by whoever submits its data.
    """
    choices = {
        (council_id, element): visibility
        for council_id, element, visibility in SharingChoice.objects.filter(
            council_id__in=frame["council_id"].unique().tolist()
        ).values_list("council_id", "element", "visibility")
    }
    if not choices:
        return pd.Series(chosen, index=frame.index)
    elements = dict(Metric.objects.values_list("pk", "element"))
    keys = zip(frame["council_id"], frame["metric_id"].map(elements), strict=True)
    return pd.Series(
        [stricter(chosen, choices.get(key, chosen)) for key in keys], index=frame.index
    )


def visibility_counts(visibility: pd.Series) -> dict[str, int]:
    """How many rows take each visibility, strictest first, leaving out those none take."""
    counts = visibility.value_counts()
    return {v.value: int(counts[v]) for v in STRICTEST_FIRST if counts.get(v, 0)}


def sharing_set(*, user, council: Council, element: str, visibility: str) -> int:
    """Record a council's choice for one element and apply it to the values it already has.

    Returns how many values moved. Their comparisons are recomputed after the commit.
    """
    if not access.can_choose_sharing(user, council):
        raise PermissionDenied("Only the council's own officers choose what it shares.")
    with transaction.atomic():
        SharingChoice.objects.update_or_create(
            council=council,
            element=element,
            defaults={"visibility": visibility, "changed_by": user},
        )
        moving = list(
            Value.objects.filter(council=council, metric__element=element).exclude(
                visibility=visibility
            )
        )
        for value in moving:
            value.visibility = visibility
        if moving:
            bulk_update_with_history(
                moving, Value, ["visibility"], batch_size=BATCH, default_user=user
            )
            pairs = sorted({(v.metric_id, v.period) for v in moving})
            _enqueue_recompute(pairs)
    return len(moving)


def _value(row, common: dict, pk: int | None = None) -> Value:
    """A Value from a row of the checked table (and, to update one, its id)."""
    return Value(
        pk=pk,
        council_id=row.council_id,
        metric_id=row.metric_id,
        period=row.period,
        period_start=row.period_start,
        period_end=row.period_end,
        value=row.value,
        numerator=_none(row.numerator),
        denominator=_none(row.denominator),
        sample_size=_none(row.sample_size),
        note=row.note,
        visibility=row.visibility,
        **common,
    )


def _enqueue_recompute(pairs: list[tuple[int, str]]) -> None:
    """Recompute these pairs' comparisons once the change commits (kept if the queue is down)."""
    job_enqueue(RECOMPUTE_TASK, pairs=[list(p) for p in pairs])


def _none(value):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def existing_values(clean: pd.DataFrame) -> pd.DataFrame:
    columns = ["id", "council_id", "metric_id", "period", *COMPARED_FIELDS]
    query = Value.objects.filter(
        metric_id__in=clean["metric_id"].unique().tolist(),
        period__in=clean["period"].unique().tolist(),
        council_id__in=clean["council_id"].unique().tolist(),
    ).values_list(*columns)
    existing = pd.DataFrame.from_records(query, columns=columns)
    renamed = {name: f"{name}_old" for name in COMPARED_FIELDS}
    existing = existing.rename(columns=renamed)
    for name in ("value", "numerator", "denominator", "sample_size"):
        existing[f"{name}_old"] = pd.to_numeric(existing[f"{name}_old"]).astype("float64")
    existing["council_id"] = existing["council_id"].astype("int64")
    existing["metric_id"] = existing["metric_id"].astype("int64")
    return existing


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


# --- similar councils ------------------------------------------------------------------------


def similar_councils_save(*, neighbours: pd.DataFrame, context: pd.DataFrame | None = None) -> int:
    """Replace the stored similar councils with a freshly computed table.

    A ``kind`` column says which similarity set each row belongs to (overall if absent).
    ``context`` (from ``context.build_context``), when given, replaces the stored context
    figures the explanation page reads, in the same transaction.
    """
    ids = dict(Council.objects.with_gss().values_list("gss_code", "pk"))
    share_columns = [c for c in neighbours.columns if c.startswith("share_")]
    objects = [
        SimilarCouncil(
            council_id=ids[row["gss_code"]],
            neighbour_id=ids[row["neighbour_gss_code"]],
            kind=row.get("kind") or SimilarityKind.OVERALL,
            rank=int(row["rank"]),
            distance=float(row["distance"]),
            coverage=float(row.get("coverage", 1.0)),
            shares={
                c.removeprefix("share_"): round(float(row[c]), 4)
                for c in share_columns
                if pd.notna(row[c])
            },
        )
        for row in neighbours.to_dict("records")
        if row["gss_code"] in ids and row["neighbour_gss_code"] in ids
    ]
    before = set(SimilarCouncil.objects.values_list("council_id", "kind", "neighbour_id"))
    with transaction.atomic():
        SimilarCouncil.objects.all().delete()
        SimilarCouncil.objects.bulk_create(objects, batch_size=BATCH)
        if context is not None:
            _council_context_replace(context, ids)
        if before != {(o.council_id, o.kind, o.neighbour_id) for o in objects}:
            # The similar:<gss> comparison groups changed, so every comparison may have.
            job_enqueue(RECOMPUTE_TASK)
    return len(objects)


def similar_councils_recompute(*, data_dir=None) -> int:
    """Work out every set of similar councils again from the register in the database and the
    context files, and store them (a no-op for comparisons if nothing changed)."""
    context = build_context(**read_sources(data_dir or settings.BASE_DIR / "data"))
    # The register in the database decides which councils exist today.
    current = set(Council.objects.current().with_gss().values_list("gss_code", flat=True))
    context = context[context.index.isin(current)]
    return similar_councils_save(neighbours=find_families(context), context=context)


def _council_context_replace(context: pd.DataFrame, ids: dict[str, int]) -> None:
    pools = council_pools(context)
    variables = [v for v in CONTEXT_VARIABLES if v in context.columns]
    CouncilContext.objects.all().delete()
    CouncilContext.objects.bulk_create(
        (
            CouncilContext(
                council_id=ids[gss],
                pool=pools[gss],
                figures={v: float(row[v]) for v in variables if pd.notna(row[v])},
            )
            for gss, row in context.iterrows()
            if gss in ids
        ),
        batch_size=BATCH,
    )


def _enqueue_full_recompute() -> None:
    from benchmarking.tasks import comparisons_recompute_task

    comparisons_recompute_task.delay()


def comparison_save(*, user, name: str, query: dict) -> SavedComparison:
    """Keep a compare-tool view under a name, with a short unguessable link to share."""
    allowed = {"metric_1", "metric_2", "metric_3", "councils", "group"}
    clean = {k: str(v)[:2000] for k, v in query.items() if k in allowed and v}
    for _attempt in range(5):
        slug = secrets.token_urlsafe(6)
        if not SavedComparison.objects.filter(slug=slug).exists():
            return SavedComparison.objects.create(
                slug=slug, name=name, query=clean, created_by=user
            )
    raise RuntimeError("Could not find a free link for the comparison.")
