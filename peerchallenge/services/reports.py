"""Writes for reports and action plans: the draft report, the host's factual corrections before
publication and the council's action plan after it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from peerchallenge import access as pc_access
from peerchallenge.models import (
    Action,
    ActionStatus,
    Challenge,
    FactualCorrection,
    Report,
)
from selfreg.refusals import Refused


def report_save(
    *, user, challenge: Challenge, summary: str, findings: str, recommendations: str
) -> Report:
    """Sector staff write the team's report; a published report is never changed."""
    report = Report.objects.filter(challenge=challenge).first()
    if report is not None and report.is_published:
        raise Refused(_("A published report cannot be changed."))
    if not pc_access.can_write_report(user, challenge):
        raise PermissionDenied("Only sector staff write the report, before it is published.")
    if not summary.strip():
        raise Refused(_("Enter the report's summary."))
    with transaction.atomic():
        report = report or Report(challenge=challenge)
        report.summary = summary.strip()
        report.findings = findings.strip()
        report.recommendations = recommendations.strip()
        report.updated_by = user
        report._history_user = user
        report.save()
    return report


def correction_add(*, user, challenge: Challenge, text: str) -> FactualCorrection:
    """The host council's officers point out a factual error before publication."""
    if not pc_access.can_correct_facts(user, challenge):
        raise PermissionDenied("Only the council's officers correct facts, before publication.")
    if not text.strip():
        raise Refused(_("Say what is factually wrong and what is right."))
    with transaction.atomic():
        return FactualCorrection.objects.create(report=challenge.report, text=text.strip(), by=user)


def action_save(
    *,
    user,
    challenge: Challenge,
    action: Action | None = None,
    recommendation: str,
    text: str,
    owner: str,
    due: datetime.date,
    status: str,
) -> Action:
    """Add or update an action of the council's plan."""
    if not pc_access.can_edit_actions(user, challenge):
        raise PermissionDenied("Only the council's officers and sector staff keep the plan.")
    if status not in ActionStatus.values:
        raise Refused(_("Choose the action's status."))
    if not (text.strip() and owner.strip() and recommendation.strip()):
        raise Refused(_("Enter the recommendation, the action and its owner."))
    with transaction.atomic():
        action = action or Action(challenge=challenge)
        action.recommendation = recommendation.strip()
        action.action = text.strip()
        action.owner = owner.strip()
        action.due = due
        action.status = status
        action.updated_by = user
        action._history_user = user
        action.save()
    return action
