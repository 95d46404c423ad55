"""Writes to benchmarking: metrics, values and the comparisons computed from them."""

from __future__ import annotations

import csv
import datetime
import io
import secrets
import uuid
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from benchmarking import access, readcache
from benchmarking.context import (
    CONTEXT_VARIABLES,
    COUNCIL_TYPES,
    build_context,
    council_pools,
    read_sources,
)
from benchmarking.eras import Era, Lifetime, era_of, eras_for, period_day
from benchmarking.families import SIMILAR_COUNCILS_SOURCES, find_families, sources_fingerprint
from benchmarking.models import (
    Audience,
    Comparator,
    ComparisonStatistic,
    CouncilContext,
    DatasetImport,
    Element,
    Metric,
    PendingRecompute,
    Polarity,
    ReferenceValue,
    SavedComparison,
    SharingChoice,
    SimilarCouncil,
    SimilarityKind,
    Value,
)
from benchmarking.periods import PeriodError, parse_period
from benchmarking.recompute import RecomputeReport, comparisons_recompute  # noqa: F401
from benchmarking.validation import CouncilFacts, UsualRange, unusual_values, validate_values
from selfreg import access as kernel_access
from selfreg.fileproblems import FileProblems, Problem
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
RECOMPUTE_PENDING_TASK = "benchmarking.tasks.comparisons_recompute_pending_task"

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
    try:
        if not reader.fieldnames or not {"code", "title", "element"} <= set(reader.fieldnames):
            message = "The columns code, title and element are required."
            raise FileProblems([Problem(1, "", message)])
        unknown = set(reader.fieldnames) - set(METRIC_COLUMNS)
        if unknown:
            raise FileProblems([Problem(1, c, "This column is not recognised.") for c in unknown])
        return list(reader)
    except csv.Error:
        # A stray line break or NUL inside a cell, say: the rows cannot be told apart.
        row = reader.line_num or 1
        raise FileProblems([Problem(row, "", "This line cannot be read as CSV.")]) from None


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
        readcache.changed()  # measure pages show reference values
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
    # (metric id, period, council id) of every value written: whose groups to recompute.
    changes: set[tuple[int, str, int]] = field(default_factory=set)
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
        writable = access.writable_gss_codes(user)
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

        values_write(merged[is_new], merged[is_changed], common)
        touched = merged[is_new | is_changed]
        report.changes = set(
            zip(
                touched["metric_id"].tolist(),
                touched["period"].tolist(),
                touched["council_id"].tolist(),
                strict=True,
            )
        )
        report.pairs = {(metric, period) for metric, period, _council in report.changes}
        if recompute and report.changes:
            comparisons_recompute_queue(changes=report.changes)
    return report


NUMBER_FIELDS = ("value", "numerator", "denominator", "sample_size")
UPDATED_FIELDS = [*COMPARED_FIELDS, "source", "source_ref", "submitted_by", "updated_at"]
# The checked table's columns that a value takes as they are.
VALUE_COLUMNS = (
    "council_id",
    "metric_id",
    "period",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "sample_size",
    "note",
    "visibility",
)


def values_write(new: pd.DataFrame, changed: pd.DataFrame, common: dict) -> None:
    """Create the new rows and update the changed ones (which carry their `id`), each with a
    history row as django-simple-history records it: the value's fields, `+` or `~`, the
    submitter as history user, no change reason.

    On PostgreSQL the rows go to a temporary table by one COPY, then two set-based statements
    write values and history together; elsewhere simple-history's bulk helpers do it.
    """
    if not (new.empty and changed.empty):
        readcache.changed()
    if connection.vendor == "postgresql":
        _values_write_sql(new, changed, common)
    elif connection.vendor == "sqlite":
        _values_create_sqlite(new, common)
        _values_write_orm(new.iloc[:0], changed, common)
    else:
        _values_write_orm(new, changed, common)


def _values_write_orm(new: pd.DataFrame, changed: pd.DataFrame, common: dict) -> None:
    user = common["submitted_by"]
    created = [_value(row, common) for row in new.itertuples(index=False)]
    if created:
        bulk_create_with_history(created, Value, batch_size=BATCH, default_user=user)
    updated = [_value(row, common, pk=int(row.id)) for row in changed.itertuples(index=False)]
    if updated:
        bulk_update_with_history(
            updated, Value, UPDATED_FIELDS, batch_size=UPDATE_BATCH, default_user=user
        )


def _values_create_sqlite(new: pd.DataFrame, common: dict) -> None:
    """The new rows by one INSERT run over them (executemany), then their history rows by one
    INSERT ... SELECT, as the PostgreSQL path does: building a model instance and compiling
    every field of every row (simple-history's bulk helpers) took most of a dataset's import.
    Ids only grow on SQLite (AUTOINCREMENT), so the rows above the largest id before the
    insert are exactly the new ones."""
    if new.empty:
        return
    table = Value._meta.db_table
    history = Value.history.model
    tracked = [f.column for f in history.tracked_fields]
    user = common["submitted_by"]
    stamp = connection.ops.adapt_datetimefield_value(common["updated_at"])
    columns = [Value._meta.get_field(name).column for name in VALUE_COLUMNS]
    columns += ["source", "source_ref", "submitted_by_id", "updated_at"]
    cells = [new[name].tolist() for name in ("council_id", "metric_id", "period")]
    for name in ("period_start", "period_end"):
        field = Value._meta.get_field(name)
        cells.append([field.get_db_prep_save(day, connection) for day in new[name]])
    cells += [[_none(v) for v in new[name].tolist()] for name in NUMBER_FIELDS]
    cells += [new["note"].tolist(), new["visibility"].tolist()]
    fixed = (common["source"], common["source_ref"], user.pk if user else None, stamp)
    rows = [(*row, *fixed) for row in zip(*cells, strict=True)]
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        last = cursor.fetchone()[0]
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
            rows,
        )
        cursor.execute(
            f"INSERT INTO {history._meta.db_table} ({', '.join(tracked)}, history_date, "  # noqa: S608
            "history_change_reason, history_type, history_user_id) "
            f"SELECT {', '.join(tracked)}, %s, NULL, '+', %s FROM {table} WHERE id > %s "
            "ORDER BY id",
            [stamp, user.pk if user else None, last],
        )


def _values_write_sql(new: pd.DataFrame, changed: pd.DataFrame, common: dict) -> None:
    if new.empty and changed.empty:
        return
    value_table = Value._meta.db_table
    history = Value.history.model
    tracked = [f.column for f in history.tracked_fields]
    columns = [Value._meta.get_field(name).column for name in VALUE_COLUMNS]
    rows = pd.concat([new.assign(id=pd.NA), changed], ignore_index=True)
    rows = rows[["id", *VALUE_COLUMNS]].astype({"id": "Int64"})
    user = common["submitted_by"]
    params = {
        "source": common["source"],
        "source_ref": common["source_ref"],
        "user": user.pk if user is not None else None,
        "now": common["updated_at"],
    }
    stamp = {"source": "%(source)s", "source_ref": "%(source_ref)s"}
    stamp |= {"submitted_by_id": "%(user)s", "updated_at": "%(now)s"}
    history_sql = (
        f"INSERT INTO {history._meta.db_table} ({', '.join(tracked)}, history_date, "  # noqa: S608
        "history_change_reason, history_type, history_user_id) "
        f"SELECT {', '.join(tracked)}, %(now)s, NULL, %(kind)s, %(user)s FROM written"
    )
    with connection.cursor() as cursor:
        # Dropped at commit; a second import in the same transaction starts afresh.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.value_import")
        cursor.execute(
            "CREATE TEMPORARY TABLE value_import ON COMMIT DROP AS "  # noqa: S608
            f"SELECT id, {', '.join(columns)} FROM {value_table} WITH NO DATA"
        )
        with cursor.cursor.copy(
            f"COPY value_import (id, {', '.join(columns)}) FROM STDIN "
            "(FORMAT csv, FORCE_NOT_NULL (period, note, visibility))"
        ) as copy:
            for start in range(0, len(rows), COPY_CHUNK):
                copy.write(rows.iloc[start : start + COPY_CHUNK].to_csv(header=False, index=False))
        cursor.execute(
            f"WITH written AS (INSERT INTO {value_table} "  # noqa: S608
            f"({', '.join(columns)}, {', '.join(stamp)}) "
            f"SELECT {', '.join(columns)}, {', '.join(stamp.values())} FROM value_import "
            f"WHERE id IS NULL RETURNING *) {history_sql}",
            {**params, "kind": "+"},
        )
        updates = [Value._meta.get_field(name).column for name in COMPARED_FIELDS]
        assignments = [f"{c} = i.{c}" for c in updates]
        assignments += [f"{c} = {v}" for c, v in stamp.items()]
        cursor.execute(
            f"WITH written AS (UPDATE {value_table} v SET {', '.join(assignments)} "  # noqa: S608
            "FROM value_import i WHERE i.id IS NOT NULL AND v.id = i.id RETURNING v.*) "
            f"{history_sql}",
            {**params, "kind": "~"},
        )


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
    if not kernel_access.can_choose_sharing(user, council):
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
            comparisons_recompute_queue(
                changes={(v.metric_id, v.period, council.pk) for v in moving}
            )
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


def values_delete(*, council: Council, period: str, metric_codes: list[str]) -> int:
    """Delete a council's values of these metrics for one period, each kept in the history,
    and queue the recompute of what they were compared in. Returns how many went."""
    stale = list(
        Value.objects.filter(council=council, period=period, metric__code__in=metric_codes)
    )
    for value in stale:
        value.delete()  # one at a time, so that each deletion is kept in the history
    comparisons_recompute_queue(changes={(v.metric_id, v.period, council.pk) for v in stale})
    return len(stale)


#: A metric-period changed for more councils than this at once is recomputed in every group.
COUNCILS_PER_CHANGE = 10


def comparisons_recompute_queue(*, pairs=(), changes=(), now: bool = True) -> None:
    """Ask for comparisons to be recomputed: every group of these (metric id, period)
    ``pairs``, and, of these (metric id, period, council id) ``changes``, the groups that hold
    the council (its values changed; no other council's did).

    The one way every change asks for a recompute. Each is recorded as a `PendingRecompute`
    row in the caller's transaction, so it is kept even when the queue is down; then, once
    the change commits and if `now`, a recompute of everything pending is queued to start
    `RECOMPUTE_DELAY_S` later, so changes arriving together share one recompute. With `now`
    off they wait for the next such recompute (the seed runs one at its end).
    """
    councils_of = councils_by_pair(changes)
    # A change of many councils at once (a dataset) touches most groups anyway.
    whole = set(pairs) | {
        pair for pair, councils in councils_of.items() if len(councils) > COUNCILS_PER_CHANGE
    }
    pending = [PendingRecompute(metric_id=m, period=p) for m, p in sorted(whole)]
    pending += [
        PendingRecompute(metric_id=m, period=p, council_id=c)
        for (m, p), councils in sorted(councils_of.items())
        if (m, p) not in whole
        for c in sorted(councils)
    ]
    if not pending:
        return
    readcache.changed()
    # A change already taken by a running recompute is cleared of its claim: it changed again.
    PendingRecompute.objects.bulk_create(
        pending,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["metric", "period", "council"],
        update_fields=["claim", "claimed_at"],
    )
    if now:
        job_enqueue(RECOMPUTE_PENDING_TASK, countdown=settings.RECOMPUTE_DELAY_S)


def councils_by_pair(changes) -> dict[tuple[int, str], set]:
    """(metric id, period, council id) changes as the councils changed in each metric-period."""
    councils: dict[tuple[int, str], set] = {}
    for metric, period, council in changes:
        councils.setdefault((metric, period), set()).add(council)
    return councils


def _claim_expires() -> datetime.timedelta:
    """A job is delivered again only once the broker takes its worker for dead (the
    visibility timeout, longer than any task may run); its claim expires well before that,
    so the job's second delivery finds the rows free. Should the first run still be alive,
    both runs recompute the same rows, which is harmless."""
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    return datetime.timedelta(seconds=timeout / 2)


def comparisons_recompute_pending() -> list[tuple[int, str]]:
    """Recompute the comparisons of every pending metric-period, in one go, and clear them.

    Safe to run twice and side by side: each run claims the rows no other run holds (or
    whose run has been gone longer than a task may last) and deletes only those rows that
    kept its claim. If the recompute fails the claim is released for the next run.
    """
    claim, now = uuid.uuid4(), timezone.now()
    with transaction.atomic():
        free = PendingRecompute.objects.filter(
            Q(claim__isnull=True) | Q(claimed_at__lt=now - _claim_expires())
        ).select_for_update(skip_locked=True)
        ids = list(free.values_list("pk", flat=True))
        PendingRecompute.objects.filter(pk__in=ids).update(claim=claim, claimed_at=now)
    mine = PendingRecompute.objects.filter(claim=claim)
    rows = list(mine.values_list("metric_id", "period", "council_id"))
    pairs = sorted({(metric, period) for metric, period, _council in rows})
    if not pairs:
        return pairs
    # A row without a council asks for every group of its metric-period.
    changed = councils_by_pair(rows)
    changed = {pair: councils for pair, councils in changed.items() if None not in councils}
    try:
        comparisons_recompute(pairs=pairs, changed=changed)
    except BaseException:
        mine.update(claim=None, claimed_at=None)
        raise
    mine.delete()
    return pairs


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


# --- similar councils ------------------------------------------------------------------------


def similar_councils_save(*, neighbours: pd.DataFrame, context: pd.DataFrame | None = None) -> int:
    """Replace the stored similar councils with a freshly computed table.

    A ``kind`` column says which similarity set each row belongs to (overall if absent);
    ``valid_from`` and ``valid_to`` columns say which register era (today's if absent).
    ``context`` (from ``context.build_context``, today's councils), when given, replaces the
    stored context figures the explanation page reads, in the same transaction.
    """
    ids = dict(Council.objects.with_gss().values_list("gss_code", "pk"))
    share_columns = [c for c in neighbours.columns if c.startswith("share_")]
    objects = [
        SimilarCouncil(
            council_id=ids[row["gss_code"]],
            neighbour_id=ids[row["neighbour_gss_code"]],
            kind=row.get("kind") or SimilarityKind.OVERALL,
            valid_from=_day_or_none(row.get("valid_from")),
            valid_to=_day_or_none(row.get("valid_to")),
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
    before = set(
        SimilarCouncil.objects.values_list("council_id", "kind", "valid_from", "neighbour_id")
    )
    with transaction.atomic():
        readcache.changed()  # pages name each council's similar councils
        SimilarCouncil.objects.all().delete()
        SimilarCouncil.objects.bulk_create(objects, batch_size=BATCH)
        if context is not None:
            _council_context_replace(context, ids)
        comparisons_recompute_queue(pairs=_similar_groups_pairs(before, objects))
    return len(objects)


def _similar_groups_pairs(before: set[tuple], objects: list[SimilarCouncil]):
    """The metric-periods whose comparisons move when the similar councils change from
    `before` to `objects`: every group of similar councils that changed is recomputed
    wherever one of its members, old or new, has a value."""
    after = {(o.council_id, o.kind, o.valid_from, o.neighbour_id) for o in objects}
    changed = {(council, kind, era) for council, kind, era, _ in before ^ after}
    members = {c for c, _, _ in changed}
    members |= {n for c, k, e, n in before | after if (c, k, e) in changed}
    if not members:
        return []
    return (
        Value.objects.filter(council_id__in=members).values_list("metric_id", "period").distinct()
    )


def similar_councils_recompute(*, data_dir=None) -> int:
    """Work out every set of similar councils again from the register in the database and the
    context files, and store them (a no-op for comparisons if nothing changed).

    Today's sets are chosen among today's councils; each earlier register era that holds a
    period with values gets its own sets, chosen among the councils of that era
    (benchmarking/eras.py), so a comparison of 2012 uses 2012's councils. The fingerprint of
    the files read is recorded beside the datasets' import records, so that unchanged files are
    recognised (`selectors.similar_councils_current`).
    """
    data_dir = data_dir or settings.BASE_DIR / "data"
    fingerprint = sources_fingerprint(data_dir)
    sources = read_sources(data_dir)
    context = build_context(**sources)
    # The register in the database decides which councils exist today.
    current = set(Council.objects.current().with_gss().values_list("gss_code", flat=True))
    context = context[context.index.isin(current)]
    lifetimes = [
        Lifetime(gss, start, end)
        for gss, start, end in Council.objects.with_gss()
        .filter(kind__in=COUNCIL_TYPES)
        .values_list("gss_code", "start_date", "end_date")
    ]
    today = era_of(timezone.localdate(), lifetimes)
    tables = [find_families(context).assign(valid_from=today.valid_from, valid_to=None)]
    for era, codes in _past_eras(lifetimes, today).items():
        past = build_context(**sources, codes=codes, spending_year=_spending_year(era))
        tables.append(find_families(past).assign(valid_from=era.valid_from, valid_to=era.valid_to))
    with transaction.atomic():
        count = similar_councils_save(
            neighbours=pd.concat(tables, ignore_index=True), context=context
        )
        dataset_import_record(name=SIMILAR_COUNCILS_SOURCES, fingerprint=fingerprint)
    return count


def _past_eras(lifetimes: list[Lifetime], today: Era) -> dict[Era, list[str]]:
    """The register eras before today's that hold a period some value is for."""
    periods = Value.objects.values_list("period", flat=True).distinct()
    days = [period_day(p) for p in periods]
    before = [d for d in days if d and (today.valid_from is None or d < today.valid_from)]
    return eras_for(before, lifetimes)


def _spending_year(era: Era) -> str:
    """The core spending power column (financial year ending in that year, 2012 to 2021) of
    the era's last financial year."""
    last = era.valid_to - datetime.timedelta(days=1) if era.valid_to else timezone.localdate()
    year = last.year + (1 if last.month >= 4 else 0)
    return str(min(max(year, 2012), 2021))


def _day_or_none(value) -> datetime.date | None:
    return None if value is None or pd.isna(value) else value


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
