"""Reads for the risk assessment: the portal's data as the plain tables the pure modules take.

Only values that the sector may see (public or shared with the sector) are read: a figure a
council keeps to itself never feeds an assessment that sector staff read.
"""

from __future__ import annotations

import pandas as pd

from benchmarking.models import Metric, SimilarCouncil, Value
from earlywarning import rules, thresholds
from earlywarning.models import CorporateEvent, InspectionResult, RecordedSignal, SignalType
from earlywarning.risk import CouncilInfo
from earlywarning.scoring import Signal, TypeInfo
from selfreg.models import UPPER_TIER, Council, CouncilType, Visibility

SOCIAL_CARE_KINDS = UPPER_TIER - {CouncilType.NORTHERN_IRISH}


def has_social_care(council: Council) -> bool:
    return council.kind in SOCIAL_CARE_KINDS


def councils(gss_codes=None) -> list[CouncilInfo]:
    """Current councils with a GSS code (or those listed), as the assessment needs them."""
    query = (
        Council.objects.with_gss()
        .current()
        .exclude(kind__in=[CouncilType.COMBINED, CouncilType.STRATEGIC])
    )
    if gss_codes is not None:
        query = query.filter(gss_code__in=list(gss_codes))
    return [
        CouncilInfo(c.gss_code, c.name, c.kind in SOCIAL_CARE_KINDS, c.region)
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


def values_table() -> pd.DataFrame:
    metrics = {
        m.pk: m
        for m in Metric.objects.only(
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
    rows = Value.objects.filter(visibility__in=[Visibility.PUBLIC, Visibility.SECTOR]).values_list(
        "council__gss_code",
        "metric_id",
        "period",
        "period_start",
        "period_end",
        "value",
        "numerator",
        "denominator",
    )
    records = []
    for gss, metric_id, period, start, end, value, numerator, denominator in rows.iterator(
        chunk_size=20000
    ):
        metric = metrics[metric_id]
        records.append(
            (
                gss,
                metric.code,
                metric.title,
                metric.element,
                metric.polarity,
                metric.target_value,
                metric.unit,
                metric.dataset,
                period,
                start,
                end,
                thresholds.value_known_on(end, metric.dataset),
                value,
                numerator,
                denominator,
                metric.source,
            )
        )
    return pd.DataFrame.from_records(records, columns=list(rules.VALUE_COLUMNS))


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


def similar_map() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for council, neighbour in SimilarCouncil.objects.order_by("council", "rank").values_list(
        "council__gss_code", "neighbour__gss_code"
    ):
        if council and neighbour:
            found.setdefault(council, []).append(neighbour)
    return found


def rule_inputs() -> rules.Inputs:
    return rules.Inputs(
        values=values_table(),
        inspections=inspections_table(),
        corporate=corporate_table(),
        similar=similar_map(),
        social_care={c.gss_code: c.social_care for c in councils()},
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
