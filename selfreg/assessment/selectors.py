"""Reads that span benchmarking and the self-assessment: the evidence behind a theme."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarking.dashboards import DashboardRow, council_dashboard
from benchmarking.groups import BY_MEASURE, Group
from benchmarking.models import Polarity
from selfreg.assessment.evidence import EvidenceCheck, judgement_check
from selfreg.assessment.models import SelfAssessment, ThemeAssessment


@dataclass
class CitedMetric:
    code: str
    row: DashboardRow | None  # None where the person may not see a value of it


def similar_group(assessment: SelfAssessment) -> Group:
    # Each cited measure against its own kind of similar councils (people, place, finance).
    return Group(f"{BY_MEASURE}:{assessment.council.gss_code}")


def dashboard_rows(user, assessment: SelfAssessment) -> dict[str, DashboardRow]:
    """The council's visible metrics against its similar councils, by metric code."""
    sections = council_dashboard(user, assessment.council, similar_group(assessment))
    return {row.metric.code: row for section in sections for row in section.rows}


def theme_evidence(
    theme_assessment: ThemeAssessment, rows: dict[str, DashboardRow]
) -> tuple[list[CitedMetric], EvidenceCheck | None]:
    """Each cited metric's latest visible value and band, and whether the judgement fits."""
    cited = [CitedMetric(code, rows.get(code)) for code in theme_assessment.metric_codes]
    framework = theme_assessment.assessment.framework
    if not theme_assessment.judgement or theme_assessment.judgement not in framework.level_codes:
        return cited, None
    check = judgement_check(
        level=framework.level_codes.index(theme_assessment.judgement),
        levels=len(framework.level_codes),
        bands=[_band(c.row) for c in cited],
    )
    return cited, check


def _band(row: DashboardRow | None) -> int | None:
    """A neutral metric has no better or worse quarter, so it says nothing of a judgement."""
    if row is None or row.metric.polarity == Polarity.NEUTRAL:
        return None
    return row.quartile_band
