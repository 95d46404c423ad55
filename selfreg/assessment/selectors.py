"""Reads that span benchmarking and the self-assessment: the evidence behind a theme."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarking.dashboards import DashboardRow, council_dashboard
from benchmarking.groups import BY_MEASURE, Group
from benchmarking.models import Metric, Polarity
from selfreg.assessment.evidence import EvidenceCheck, judgement_check
from selfreg.assessment.models import CitedFigure, SelfAssessment, ThemeAssessment


@dataclass
class CitedMetric:
    code: str
    row: DashboardRow | None  # today's figure; None where the person may not see a value of it
    at_publication: CitedFigure | None = None  # the figure recorded when it was published


def similar_group(assessment: SelfAssessment) -> Group:
    # Each cited measure against its own kind of similar councils (people, place, finance).
    return Group(f"{BY_MEASURE}:{assessment.council.gss_code}")


def dashboard_rows(user, assessment: SelfAssessment, metric_codes=None) -> dict[str, DashboardRow]:
    """The council's visible metrics (only `metric_codes`, when given) against its similar
    councils, by metric code."""
    metric_ids = None
    if metric_codes is not None:
        metric_ids = list(Metric.objects.filter(code__in=metric_codes).values_list("pk", flat=True))
    sections = council_dashboard(
        user, assessment.council, similar_group(assessment), metric_ids=metric_ids
    )
    return {row.metric.code: row for section in sections for row in section.rows}


def theme_evidence(
    theme_assessment: ThemeAssessment, rows: dict[str, DashboardRow]
) -> tuple[list[CitedMetric], EvidenceCheck | None]:
    """Each cited metric's latest visible value and band and, once published, its figure at
    publication; and whether the judgement fits the evidence it was made on (the figures at
    publication where they were recorded, today's otherwise)."""
    figures = {f.metric_code: f for f in theme_assessment.cited_figures.all()}
    cited = [
        CitedMetric(code, rows.get(code), figures.get(code))
        for code in theme_assessment.metric_codes
    ]
    framework = theme_assessment.assessment.framework
    if not theme_assessment.judgement or theme_assessment.judgement not in framework.level_codes:
        return cited, None
    check = judgement_check(
        level=framework.level_codes.index(theme_assessment.judgement),
        levels=len(framework.level_codes),
        bands=[_band(c, frozen=bool(figures)) for c in cited],
    )
    return cited, check


def _band(cited: CitedMetric, *, frozen: bool) -> int | None:
    """A neutral metric has no better or worse quarter, so it says nothing of a judgement."""
    if frozen:
        return cited.at_publication.quartile_band if cited.at_publication else None
    row = cited.row
    if row is None or row.metric.polarity == Polarity.NEUTRAL:
        return None
    return row.quartile_band
