"""Writes for a challenge's lifecycle: the request, the agreed scope and each move to the next
stage, every move recorded as a `Transition`.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerchallenge import access as pc_access
from peerchallenge.models import (
    Challenge,
    ChallengeKind,
    ChallengeState,
    Control,
    FocusArea,
    MemberStatus,
    PeerRole,
    Report,
    ReportState,
    Transition,
)
from peerchallenge.services.pool import _clean_weeks
from selfreg.refusals import Refused

S = ChallengeState


def _record(challenge: Challenge, from_state: str, to_state: str, user, note: str = "") -> None:
    Transition.objects.create(
        challenge=challenge, from_state=from_state, to_state=to_state, by=user, note=note
    )


def _set_state(challenge: Challenge, to_state: str, user, note: str = "") -> None:
    from_state = challenge.state
    challenge.state = to_state
    challenge._history_user = user
    challenge.save(update_fields=["state"])
    _record(challenge, from_state, to_state, user, note)


def challenge_request(
    *,
    user,
    host,
    kind: str,
    focus_areas: list[str],
    preferred_weeks=(),
    note: str = "",
) -> Challenge:
    """A council asks for a peer challenge."""
    if not pc_access.can_request_for(user, host):
        raise PermissionDenied("Only the council's officers and sector staff ask for it.")
    if kind not in ChallengeKind.values:
        raise Refused(_("Choose the type of challenge."))
    if not focus_areas or any(f not in FocusArea.values for f in focus_areas):
        raise Refused(_("Choose at least one focus area."))
    weeks = _clean_weeks(preferred_weeks)
    with transaction.atomic():
        challenge = Challenge.objects.create(
            host=host,
            kind=kind,
            focus_areas=[f for f in FocusArea.values if f in focus_areas],
            preferred_weeks=weeks,
            request_note=note.strip(),
            requested_by=user,
        )
        _record(challenge, "", S.REQUESTED, user)
    return challenge


def template_problems(team_size: int, template: dict) -> list[str]:
    """Why a role template cannot make a team of this size (empty if it can)."""
    problems = []
    if team_size < 1:
        problems.append(_("A team needs at least one peer."))
    for role, bounds in template.items():
        if role not in PeerRole.values:
            problems.append(_("Unknown role: %(role)s") % {"role": role})
            continue
        low, high = bounds
        if low < 0 or high < low:
            problems.append(
                _("%(role)s: the most must be at least the fewest.")
                % {"role": PeerRole(role).label}
            )
    lows = sum(b[0] for b in template.values())
    highs = sum(b[1] for b in template.values())
    if lows > team_size:
        problems.append(_("The fewest of each role add up to more than the team size."))
    if highs < team_size:
        problems.append(_("The most of each role add up to less than the team size."))
    return problems


def challenge_scope(
    *,
    user,
    challenge: Challenge,
    focus_areas: list[str],
    on_site_from: datetime.date,
    days: int,
    team_size: int,
    role_template: dict,
    lead_member_same_party: bool,
    host_control: str,
) -> Challenge:
    """Record what sector staff and the council agreed: focus, dates, team and roles. The
    first scope of a request moves it to "scoping", ready for a matching round."""
    if not pc_access.can_scope(user, challenge):
        raise PermissionDenied("Only sector staff scope a challenge, before invitations.")
    if not focus_areas or any(f not in FocusArea.values for f in focus_areas):
        raise Refused(_("Choose at least one focus area."))
    if host_control not in Control.values:
        raise Refused(_("Choose the host council's political control."))
    if not 1 <= days <= 10:
        raise Refused(_("A challenge lasts 1 to 10 days on site."))
    template = {r: [int(b[0]), int(b[1])] for r, b in role_template.items() if int(b[1]) > 0}
    problems = template_problems(team_size, template)
    if problems:
        raise Refused(" ".join(problems))
    with transaction.atomic():
        challenge.focus_areas = [f for f in FocusArea.values if f in focus_areas]
        challenge.on_site_from = on_site_from
        challenge.days = days
        challenge.team_size = team_size
        challenge.role_template = template
        challenge.lead_member_same_party = lead_member_same_party
        challenge.host_control = host_control
        challenge._history_user = user
        challenge.save()
        if challenge.state == S.REQUESTED:
            _set_state(challenge, S.SCOPING, user, _("Scope agreed"))
    return challenge


def challenge_move(*, user, challenge: Challenge, to_state: str, note: str = "") -> Challenge:
    """Move a challenge one step along its lifecycle, by the person that step belongs to."""
    if not pc_access.can_move(user, challenge, to_state):
        raise PermissionDenied("You cannot move this challenge to that stage.")
    report = Report.objects.filter(challenge=challenge).first()
    if to_state == S.TEAM_CONFIRMED:
        accepted = challenge.members.filter(status=MemberStatus.ACCEPTED).count()
        if challenge.members.filter(status=MemberStatus.INVITED).exists() or (
            accepted != challenge.team_size
        ):
            raise Refused(_("Every place on the team must be accepted first."))
    if to_state == S.REPORT_PUBLISHED and report is None:
        raise Refused(_("Write the report before publishing it."))
    if to_state == S.ACTION_PLAN and not challenge.actions.exists():
        raise Refused(_("Add at least one action to the plan first."))
    with transaction.atomic():
        locked = Challenge.objects.select_for_update().get(pk=challenge.pk)
        if locked.state != challenge.state:
            raise Refused(_("Someone else has moved this challenge on."))
        _set_state(locked, to_state, user, note.strip())
        if to_state == S.REPORT_PUBLISHED:
            report.state = ReportState.PUBLISHED
            report.published_at = timezone.now()
            report._history_user = user
            report.save()
    challenge.refresh_from_db()
    return challenge
