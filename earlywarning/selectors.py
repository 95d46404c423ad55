"""Reads for the risk assessment: the portal's data as the plain tables the pure modules take.

Only values that the sector may see (public or shared with the sector) are read: a figure a
council keeps to itself never feeds an assessment that sector staff read.
"""

from __future__ import annotations

from array import array
from math import nan as NAN

import numpy as np
import pandas as pd

from benchmarking.families import similar_label
from benchmarking.models import Metric, SimilarCouncil, SimilarityKind, Value
from earlywarning import resilience, rules, thresholds
from earlywarning.models import CorporateEvent, InspectionResult, RecordedSignal, SignalType
from earlywarning.risk import CouncilInfo
from earlywarning.scoring import Signal, TypeInfo
from selfreg.models import UPPER_TIER, Council, CouncilType, Visibility

SOCIAL_CARE_KINDS = UPPER_TIER - {CouncilType.NORTHERN_IRISH}


def has_social_care(council: Council) -> bool:
    return council.kind in SOCIAL_CARE_KINDS


def councils(gss_codes=None, *, former: bool = False) -> list[CouncilInfo]:
    """Current councils with a GSS code (or those listed), as the assessment needs them; with
    `former`, abolished councils too, each with its life in the register, for replays."""
    query = Council.objects.with_gss().exclude(
        kind__in=[CouncilType.COMBINED, CouncilType.STRATEGIC]
    )
    if not former:
        query = query.current()
    if gss_codes is not None:
        query = query.filter(gss_code__in=list(gss_codes))
    return [
        CouncilInfo(
            c.gss_code,
            c.name,
            c.kind in SOCIAL_CARE_KINDS,
            c.region,
            start_date=c.start_date,
            end_date=c.end_date,
            kind=c.kind,
        )
        for c in query.order_by("name")
    ]


def signal_types() -> dict[str, TypeInfo]:
    return {
        t.code: TypeInfo(
            code=t.code,
            name=t.name,
            domain=t.domain,
            weight=t.default_weight,
            half_life_months=t.half_life_months,
            category=t.category,
            social_care_only=t.social_care_only,
        )
        for t in SignalType.objects.all()
    }


def values_table(of_councils=None) -> pd.DataFrame:
    """Every value the sector may see (of these councils, by id, if given), with its metric's
    attributes, one row each.

    Built column by column, with one shared object for each text or date that repeats (a
    council's code, a metric's title, a period), so eight million values take about a
    gigabyte rather than the many that a tuple per row would.
    """
    metrics = {
        row["pk"]: row
        for row in Metric.objects.values(
            "pk",
            "code",
            "title",
            "element",
            "polarity",
            "target_value",
            "unit",
            "dataset",
            "source",
        )
    }
    gss_codes = dict(Council.objects.values_list("pk", "gss_code"))
    shared: dict = {}
    council_ids, metric_ids, periods, starts, ends = [], [], [], [], []
    figures = {name: array("d") for name in ("value", "numerator", "denominator")}
    rows = Value.objects.filter(visibility__in=[Visibility.PUBLIC, Visibility.SECTOR])
    if of_councils is not None:
        rows = rows.filter(council_id__in=list(of_councils))
    rows = rows.values_list(
        "council_id",
        "metric_id",
        "period",
        "period_start",
        "period_end",
        "value",
        "numerator",
        "denominator",
    )
    for council_id, metric_id, period, start, end, value, numerator, denominator in rows.iterator(
        chunk_size=20000
    ):
        council_ids.append(council_id)
        metric_ids.append(metric_id)
        periods.append(shared.setdefault(period, period))
        starts.append(shared.setdefault(start, start))
        ends.append(shared.setdefault(end, end))
        figures["value"].append(value)
        figures["numerator"].append(NAN if numerator is None else numerator)
        figures["denominator"].append(NAN if denominator is None else denominator)
    known_on = {}
    for metric_id, end in set(zip(metric_ids, ends, strict=True)):
        dataset = metrics[metric_id]["dataset"]
        if (end, dataset) not in known_on:
            known_on[end, dataset] = thresholds.value_known_on(end, dataset)

    def of_metric(key: str) -> list:
        return [metrics[m][key] for m in metric_ids]

    columns = {
        "gss_code": [gss_codes[c] for c in council_ids],
        "metric": of_metric("code"),
        "title": of_metric("title"),
        "element": of_metric("element"),
        "polarity": of_metric("polarity"),
        "target": of_metric("target_value"),
        "unit": of_metric("unit"),
        "dataset": of_metric("dataset"),
        "period": periods,
        "period_start": starts,
        "period_end": ends,
        "known_on": [
            known_on[end, metrics[m]["dataset"]] for m, end in zip(metric_ids, ends, strict=True)
        ],
        **{name: np.frombuffer(numbers, dtype="float64") for name, numbers in figures.items()},
        "source": of_metric("source"),
    }
    return pd.DataFrame({name: columns[name] for name in rules.VALUE_COLUMNS})


def inspections_table() -> pd.DataFrame:
    undated = thresholds.data_dates()
    rows = []
    for result in InspectionResult.objects.select_related("council"):
        known = result.published_on
        if known is None and result.regime in undated:
            known = undated[result.regime].known_from
        rows.append(
            (
                result.council.gss_code,
                result.regime,
                result.judgement,
                result.concern,
                result.published_on,
                known,
            )
        )
    return pd.DataFrame.from_records(rows, columns=list(rules.INSPECTION_COLUMNS))


def corporate_table() -> pd.DataFrame:
    rows = CorporateEvent.objects.values_list(
        "council__gss_code", "kind", "occurred_on", "description"
    )
    return pd.DataFrame.from_records(list(rows), columns=list(rules.CORPORATE_COLUMNS))


def similar_kind() -> str:
    """The financial rules compare councils with their finance set of similar councils
    (docs/method/similar-councils.md), or the overall set where none is stored."""
    finance = SimilarCouncil.objects.current().of_kind(SimilarityKind.FINANCE).exists()
    return SimilarityKind.FINANCE if finance else SimilarityKind.OVERALL


def similar_map(kind: str = SimilarityKind.OVERALL) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    rows = SimilarCouncil.objects.current().of_kind(kind).order_by("council", "rank")
    for council, neighbour in rows.values_list("council__gss_code", "neighbour__gss_code"):
        if council and neighbour:
            found.setdefault(council, []).append(neighbour)
    return found


def rule_inputs(gss_codes=None) -> rules.Inputs:
    """What the rules read: everything, or (given GSS codes) what the rules about those
    councils read: their own figures and their similar councils'."""
    kind = similar_kind()
    similar = similar_map(kind)
    council_ids = None
    if gss_codes is not None:
        wanted = set(gss_codes)
        wanted |= {n for gss in gss_codes for n in similar.get(gss, [])}
        council_ids = Council.objects.filter(gss_code__in=wanted).values_list("pk", flat=True)
    return rules.Inputs(
        values=values_table(council_ids),
        inspections=inspections_table(),
        corporate=corporate_table(),
        similar=similar,
        social_care={c.gss_code: c.social_care for c in councils()},
        similar_prefix=similar_label(kind, "").rstrip(":"),
    )


def recorded_signals() -> dict[str, list[Signal]]:
    found: dict[str, list[Signal]] = {}
    for signal in RecordedSignal.objects.select_related("signal_type", "council"):
        found.setdefault(signal.council.gss_code, []).append(
            Signal(
                code=signal.signal_type.code,
                observed_on=signal.observed_on,
                severity=signal.severity,
                explanation=f"{signal.signal_type.name}: {signal.evidence}",
                rule="recorded by sector staff or a peer",
                data_date=signal.observed_on.isoformat(),
                source=signal.source_url or "recorded in the portal",
                critical=signal.critical,
            )
        )
    return found


RESILIENCE_METRICS = sorted(
    {i.metric for i in resilience.INDICATORS if i.metric}
    | {"fin-usable-reserves", "fin-reserves-change", "fin-trading-surplus-per-head", "fin-nre"}
)


def resilience_inputs(council: Council, visibilities: list[str]) -> tuple[pd.DataFrame, list, bool]:
    """The finance values the resilience page reads, at the visibilities given (from
    `access.resilience_visibilities`), for the council and its finance-similar councils (the
    overall set where no finance set is stored; every council of its type where it has no
    similar councils stored), and those councils' codes."""
    kind = similar_kind()
    neighbours = list(
        SimilarCouncil.objects.current()
        .of_kind(kind)
        .filter(council=council)
        .order_by("rank")
        .values_list("neighbour__gss_code", flat=True)
    )
    by_type = not neighbours
    if by_type:
        # A council with no stored set (one abolished before the sets were worked out) is
        # compared with every council of its type, as the back-test does.
        neighbours = list(
            Council.objects.with_gss()
            .filter(kind=council.kind)
            .exclude(pk=council.pk)
            .values_list("gss_code", flat=True)
        )
    rows = Value.objects.filter(
        visibility__in=visibilities,
        metric__code__in=RESILIENCE_METRICS,
        council__gss_code__in=[council.gss_code, *neighbours],
    ).values_list("council__gss_code", "metric__code", "period", "period_end", "value", "numerator")
    frame = pd.DataFrame.from_records(
        list(rows),
        columns=["gss_code", "metric", "period", "period_end", "value", "numerator"],
    )
    frame["value"] = frame["value"].astype("float64")
    frame["numerator"] = frame["numerator"].astype("float64")
    frame["known_on"] = frame["period_end"]
    return frame, neighbours, by_type
