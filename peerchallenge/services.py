"""Writes for peer challenge: the pool, the lifecycle, matching runs, invitations, reports and
action plans. Each is one transaction, checks who may make it first, and records who and when.
"""

from __future__ import annotations

import datetime
import json
import logging
import secrets

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerchallenge import access as pc_access
from peerchallenge import exchange
from peerchallenge.models import (
    NOMINATION_DAYS,
    Action,
    ActionStatus,
    Challenge,
    ChallengeKind,
    ChallengeState,
    Control,
    FactualCorrection,
    FocusArea,
    MatchingRound,
    MatchingRun,
    MemberStatus,
    Nomination,
    NominationStatus,
    Party,
    Peer,
    PeerRole,
    PeerSector,
    Pin,
    PinKind,
    Report,
    ReportState,
    RoundState,
    RunKind,
    RunStatus,
    TeamMember,
    Transition,
    default_rules,
)
from selfreg.emails import email_send, portal_link
from selfreg.models import Role, RoleKind, User

logger = logging.getLogger(__name__)
S = ChallengeState
PROGRESS_TIMEOUT = 6 * 60 * 60


class Refused(ValueError):
    """A change refused for a reason the person can act on; nothing was written."""


# --- the pool ----------------------------------------------------------------------------------


def _clean_expertise(expertise: dict) -> dict:
    clean = {}
    for code, value in expertise.items():
        if code not in FocusArea.values:
            raise Refused(_("Unknown focus area: %(code)s") % {"code": code})
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise Refused(_("Expertise must be between 0 and 1."))
        if value:
            clean[code] = round(value, 2)
    return clean


def _clean_weeks(weeks) -> list[int]:
    result = sorted({int(w) for w in weeks})
    if any(w < 1 or w > 52 for w in result):
        raise Refused(_("Weeks are numbered 1 to 52."))
    return result


def _clean_periods(periods) -> list[list[str]]:
    clean = set()
    for start, end in periods:
        if end < start:
            raise Refused(_("The last day of a period must be on or after its first day."))
        if (end - start).days > 366:
            raise Refused(_("A period can be at most a year long."))
        clean.add((start.isoformat(), end.isoformat()))
    return [list(period) for period in sorted(clean)]


def _check_party(role: str, party: str) -> str:
    if role in (PeerRole.LEAD_MEMBER, PeerRole.MEMBER):
        if party not in Party.values:
            raise Refused(_("Choose the councillor's political party."))
        return party
    return ""


def peer_nominate(
    *,
    user,
    council,
    email: str,
    full_name: str,
    sector: str,
    role: str,
    party: str = "",
    organisation: str = "",
    base_url: str = "",
) -> Nomination:
    """A council's officer (or sector staff) invites a person to join the peer pool.

    Only the invitation is written and emailed: no account, role or profile is created or
    changed until the person accepts it (`nomination_answer`). The answer is the same
    whoever the address belongs to, so a nomination tells nobody who is in the pool.
    `base_url` is the portal's address the email's link starts with."""
    if not pc_access.can_nominate(user):
        raise PermissionError("Only council officers and sector staff nominate peers.")
    if not pc_access.nominating_councils(user).filter(pk=council.pk).exists():
        raise PermissionError("You can nominate peers only from your own council.")
    if sector not in PeerSector.values or role not in PeerRole.values:
        raise Refused(_("Choose the peer's sector and role."))
    party = _check_party(role, party)
    email = User.objects.normalize_email(email.strip()).lower()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        nomination = Nomination.objects.create(
            council=council,
            email=email,
            full_name=full_name.strip(),
            sector=sector,
            role=role,
            party=party,
            organisation=organisation.strip(),
            token_hash=Nomination.hash_token(token),
            nominated_by=user,
        )
        _email_nomination(nomination, token, base_url)
    return nomination


def _email_nomination(nomination: Nomination, token: str, base_url: str) -> None:
    path = reverse("peerchallenge:nomination_answer", args=[token])
    by = nomination.nominated_by
    email_send(
        subject=_("You have been nominated as a peer"),
        body=_(
            "%(by)s has nominated you to join the peer pool for %(council)s as a %(role)s.\n\n"
            "To accept or decline, open this link within %(days)s days: %(link)s\n\n"
            "Nothing changes for you unless you accept."
        )
        % {
            "by": (by.full_name or by.email) if by else _("Sector staff"),
            "council": nomination.council.name,
            "role": nomination.get_role_display().lower(),
            "days": NOMINATION_DAYS,
            "link": f"{base_url.rstrip('/')}{path}" if base_url else portal_link(path),
        },
        to=[nomination.email],
    )


def _email_invitation(member: TeamMember) -> None:
    """Tell a peer they are invited onto a team, once the invitation commits."""
    challenge = member.challenge
    on_site = challenge.on_site_from
    email_send(
        subject=_("You are invited to join a peer challenge team"),
        body=_(
            "You are invited to join the team of the %(kind)s at %(council)s as a %(role)s, "
            "for %(days)s days on site from %(date)s.\n\n"
            "Accept or decline here: %(link)s"
        )
        % {
            "kind": challenge.get_kind_display().lower(),
            "council": challenge.host.name,
            "role": member.get_role_display().lower(),
            "days": member.days,
            "date": f"{on_site:%-d %B %Y}" if on_site else _("a date to be agreed"),
            "link": portal_link(reverse("peerchallenge:invitation_answer", args=[member.pk])),
        },
        to=[member.peer.user.email],
    )


def nomination_answer(
    *,
    nomination: Nomination,
    accept: bool,
    user=None,
    full_name: str = "",
    password: str = "",
) -> Peer | None:
    """The nominated person answers. Someone with an account answers signed in as it; someone
    without one sets their password here. Accepting gives them the peer role and a profile
    to complete (or keeps the profile they have); declining changes nothing else."""
    if user is not None and user.email.lower() != nomination.email:
        raise PermissionDenied("This nomination is for another email address.")
    if accept and user is None:
        if User.objects.filter(email__iexact=nomination.email).exists():
            raise Refused(_("You already have an account. Sign in to answer."))
        if not full_name.strip():
            raise Refused(_("Enter your full name."))
        if not password:
            raise Refused(_("Choose a password."))
    with transaction.atomic():
        locked = Nomination.objects.select_for_update().get(pk=nomination.pk)
        if locked.status != NominationStatus.PENDING:
            raise Refused(_("This nomination has been answered already."))
        locked.answered_at = timezone.now()
        if not accept:
            locked.status = NominationStatus.DECLINED
            locked.save(update_fields=["status", "answered_at"])
            return None
        if user is None:
            user = User.objects.create_user(
                email=locked.email, full_name=full_name.strip(), password=password
            )
        peer = Peer.objects.filter(user=user).first()
        if peer is None:
            Role.objects.get_or_create(user=user, kind=RoleKind.PEER, council=None)
            peer = Peer.objects.create(
                user=user,
                council=locked.council,
                sector=locked.sector,
                role=locked.role,
                party=locked.party,
                organisation=locked.organisation,
                nominated_by=locked.nominated_by,
            )
        locked.status = NominationStatus.ACCEPTED
        locked.peer = peer
        locked.save(update_fields=["status", "answered_at", "peer"])
    nomination.refresh_from_db()
    return peer


def peer_profile_save(
    *,
    user,
    peer: Peer,
    expertise: dict,
    days_offered: int,
    unavailable_periods,
    conflicts,
    party: str = "",
    organisation: str = "",
) -> Peer:
    """A peer keeps their own expertise, days, the dates they cannot take part (pairs of
    first and last day) and declared conflicts."""
    if peer.user_id != user.pk:
        raise PermissionError("Only the peer keeps their own profile.")
    if days_offered < 0 or days_offered > 60:
        raise Refused(_("Offer between 0 and 60 days."))
    clean = _clean_expertise(expertise)
    periods = _clean_periods(unavailable_periods)
    party = _check_party(peer.role, party)
    with transaction.atomic():
        peer.expertise = clean
        peer.days_offered = days_offered
        peer.unavailable_periods = periods
        peer.party = party
        peer.organisation = organisation.strip()
        peer._history_user = user
        peer.save()
        peer.conflicts.set(conflicts)
    return peer


def peer_accredit(*, user, peer: Peer, accredited: bool) -> Peer:
    """Sector staff approve (or withdraw) a peer's accreditation, recording who and when."""
    if not pc_access.can_manage_pool(user):
        raise PermissionError("Only sector staff approve accreditation.")
    with transaction.atomic():
        peer.accredited = accredited
        peer.accredited_on = timezone.localdate() if accredited else None
        peer.accredited_by = user if accredited else None
        peer._history_user = user
        peer.save()
    return peer


# --- the lifecycle ------------------------------------------------------------------------------


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
        raise PermissionError("Only the council's officers and sector staff ask for it.")
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
        raise PermissionError("Only sector staff scope a challenge, before invitations.")
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
        raise PermissionError("You cannot move this challenge to that stage.")
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


# --- reports and action plans -------------------------------------------------------------------


def report_save(
    *, user, challenge: Challenge, summary: str, findings: str, recommendations: str
) -> Report:
    """Sector staff write the team's report; a published report is never changed."""
    report = Report.objects.filter(challenge=challenge).first()
    if report is not None and report.is_published:
        raise Refused(_("A published report cannot be changed."))
    if not pc_access.can_write_report(user, challenge):
        raise PermissionError("Only sector staff write the report, before it is published.")
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
        raise PermissionError("Only the council's officers correct facts, before publication.")
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
        raise PermissionError("Only the council's officers and sector staff keep the plan.")
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


# --- rounds and runs ----------------------------------------------------------------------------


def round_create(*, user, name: str, year: int, time_limit: int = 60) -> MatchingRound:
    if not pc_access.can_run_matching(user):
        raise PermissionError("Matching is for sector staff.")
    if not name.strip():
        raise Refused(_("Name the round."))
    return MatchingRound.objects.create(
        name=name.strip(), year=year, time_limit=time_limit, created_by=user, rules=default_rules()
    )


def round_rules_save(*, user, matching_round: MatchingRound, rules: dict) -> MatchingRound:
    """Sector staff set the round's rules (the exchange format's switches and values)."""
    if not pc_access.can_run_matching(user):
        raise PermissionError("Matching is for sector staff.")
    known = default_rules()
    unknown = set(rules) - set(known)
    if unknown:
        raise Refused(_("Unknown rules: %(rules)s") % {"rules": ", ".join(sorted(unknown))})
    merged = {**known, **matching_round.rules, **rules}
    if merged["max_same_party"] < 1 or merged["min_parties"] < 1:
        raise Refused(_("At least one councillor of a party must be allowed on a team."))
    if not 0 <= merged["reciprocity_weight"] <= 1:
        raise Refused(_("The reciprocity weight is between 0 and 1."))
    with transaction.atomic():
        matching_round.rules = merged
        matching_round._history_user = user
        matching_round.save(update_fields=["rules"])
    return matching_round


def round_add(*, user, matching_round: MatchingRound, challenge: Challenge) -> Challenge:
    """Put a scoped challenge into a round. It leaves any other round it was in."""
    if not pc_access.can_run_matching(user):
        raise PermissionError("Matching is for sector staff.")
    if challenge.state != S.SCOPING or not challenge.is_scoped:
        raise Refused(_("Only a scoped challenge can join a round."))
    if challenge.on_site_from.year != matching_round.year:
        raise Refused(_("The challenge's dates fall outside the round's year."))
    with transaction.atomic():
        challenge.round = matching_round
        challenge._history_user = user
        challenge.save(update_fields=["round"])
    return challenge


def round_remove(*, user, matching_round: MatchingRound, challenge: Challenge) -> None:
    if not pc_access.can_run_matching(user):
        raise PermissionError("Matching is for sector staff.")
    if challenge.round_id != matching_round.pk or challenge.state != S.SCOPING:
        raise Refused(_("Only a challenge not yet proposed can leave the round."))
    with transaction.atomic():
        challenge.round = None
        challenge._history_user = user
        challenge.save(update_fields=["round"])


def pin_set(*, user, challenge: Challenge, peer: Peer, kind: str | None) -> None:
    """Fix a peer onto a team, keep them off it, or (kind None) clear either."""
    if not pc_access.can_run_matching(user):
        raise PermissionError("Matching is for sector staff.")
    if challenge.state not in (S.SCOPING, S.TEAM_PROPOSED, S.INVITATIONS):
        raise Refused(_("Pins apply only until the team is confirmed."))
    with transaction.atomic():
        Pin.objects.filter(challenge=challenge, peer=peer).delete()
        if kind is not None:
            if kind not in PinKind.values:
                raise Refused(_("Choose whether to pin or exclude the peer."))
            if kind == PinKind.PIN and not peer.accredited:
                raise Refused(_("Only an accredited peer can be pinned onto a team."))
            Pin.objects.create(challenge=challenge, peer=peer, kind=kind, by=user)


def run_start(*, user, matching_round: MatchingRound) -> MatchingRun:
    """Build the round's instance and queue the matcher on it."""
    if not pc_access.can_run_matching(user):
        raise PermissionError("Matching is for sector staff.")
    if matching_round.runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists():
        raise Refused(_("The matcher is already running for this round."))
    try:
        instance, pinned, excluded = exchange.round_instance(matching_round)
    except ValueError as error:
        raise Refused(str(error)) from error
    if not instance["challenges"]:
        raise Refused(_("Add scoped challenges to the round first."))
    with transaction.atomic():
        run = MatchingRun.objects.create(
            round=matching_round,
            kind=RunKind.ROUND,
            instance=instance,
            pinned=pinned,
            excluded=excluded,
            started_by=user,
        )
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def refill_start(*, challenge: Challenge, user) -> MatchingRun | None:
    """After a decline: re-run the matcher for this challenge alone, with the peers who have
    accepted (or not yet answered) fixed and everyone who declined kept off."""
    if challenge.round_id is None:
        return None
    instance, pinned, excluded = exchange.build_instance(
        [challenge], rules=challenge.round.rules, year=challenge.round.year
    )
    with transaction.atomic():
        run = MatchingRun.objects.create(
            round=challenge.round,
            kind=RunKind.REFILL,
            challenge=challenge,
            instance=instance,
            pinned=pinned,
            excluded=excluded,
            started_by=user,
        )
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def refill_request(*, user, challenge: Challenge) -> MatchingRun:
    """Sector staff ask the matcher again for a team's open places (after changing pins, say,
    when a refill found nobody)."""
    if not pc_access.can_run_matching(user):
        raise PermissionError("Matching is for sector staff.")
    if challenge.state != S.INVITATIONS:
        raise Refused(_("Places are refilled only while invitations are out."))
    standing = challenge.members.exclude(status=MemberStatus.DECLINED).count()
    if standing >= (challenge.team_size or 0):
        raise Refused(_("Every place on the team has a peer invited or accepted."))
    run = refill_start(challenge=challenge, user=user)
    if run is None:
        raise Refused(_("The challenge is not in a matching round."))
    return run


def _enqueue(run_id: int) -> None:
    from peerchallenge.tasks import run_matching_task

    try:
        run_matching_task.delay(run_id)
    except Exception:
        logger.exception("Could not queue matching run %s", run_id)
        MatchingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED,
            error_message=_("The portal could not start the matcher. Try again in a minute."),
            finished_at=timezone.now(),
        )


def progress_key(run_id: int) -> str:
    return f"peerchallenge:run-progress:{run_id}"


def _progress_write(run_id: int, progress) -> None:
    """Report the best answer so far; a cache that does not answer must not stop the run."""
    try:
        cache.set(
            progress_key(run_id),
            {
                "objective": getattr(progress, "objective", None),
                "bound": getattr(progress, "bound", None),
                "gap": getattr(progress, "gap", None),
                "seconds": getattr(progress, "seconds", None),
            },
            timeout=PROGRESS_TIMEOUT,
        )
    except Exception:
        logger.warning("Could not report progress of run %s", run_id, exc_info=True)


def progress_read(run_id: int) -> dict:
    try:
        return cache.get(progress_key(run_id)) or {}
    except Exception:
        logger.warning("Could not read progress of run %s", run_id, exc_info=True)
        return {}


def _result_dict(result) -> dict:
    data = result.to_json() if hasattr(result, "to_json") else dict(result)
    if isinstance(data, str):
        data = json.loads(data)
    return data


def run_execute(*, run_id: int) -> MatchingRun | None:
    """Solve a queued run and save what it found. A second run of a finished job does
    nothing. Challenges of a round run whose team is complete move to "team proposed"; a
    refill invites the peers it adds."""
    from peerchallenge import matching

    claimed = MatchingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING
    )
    run = MatchingRun.objects.select_related("round", "challenge", "started_by").filter(pk=run_id)
    run = run.first()
    if run is None or not claimed:
        return run
    try:
        problems = matching.validate_instance(run.instance)
        if problems:
            raise Refused(_("The round cannot be matched: ") + "; ".join(problems[:10]))
        result = matching.solve(
            run.instance,
            time_limit=run.round.time_limit,
            pinned=run.pinned,
            excluded=run.excluded,
            on_progress=lambda progress: _progress_write(run_id, progress),
        )
        data = _result_dict(result)
        assignments = {str(k): [str(p) for p in v] for k, v in result.assignments.items()}
        explanations = {
            cid: matching.explain(run.instance, result, cid)
            for cid in assignments
            if assignments[cid]
        }
        with transaction.atomic():
            run.status = RunStatus.SOLVED
            run.result = {
                "assignments": assignments,
                "unstaffed": {str(k): v for k, v in (result.unstaffed or {}).items()},
                "diagnostics": data.get("diagnostics", result.diagnostics),
            }
            run.explanations = explanations
            run.objective = result.objective
            run.bound = result.bound
            run.gap = result.gap
            run.solver_status = str(result.status)[:40]
            run.seconds = result.seconds
            run.finished_at = timezone.now()
            run.save()
            if run.kind == RunKind.ROUND:
                _propose(run, assignments)
            else:
                _refill_invite(run, assignments)
    except Exception as error:
        logger.exception("Matching run %s failed", run_id)
        # The matcher's own ValueErrors name the pin or rule at fault in plain words.
        message = (
            str(error)
            if isinstance(error, ValueError)
            else _(
                "The matcher stopped with an error. Nothing has changed. Try again, and if it "
                "happens again contact the portal team."
            )
        )
        MatchingRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, error_message=message, finished_at=timezone.now()
        )
        run.refresh_from_db()
    finally:
        try:
            cache.delete(progress_key(run_id))
        except Exception:
            logger.warning("Could not clear progress of run %s", run_id, exc_info=True)
    return run


def _propose(run: MatchingRun, assignments: dict) -> None:
    for challenge in Challenge.objects.filter(pk__in=[int(c) for c in assignments]):
        if assignments.get(str(challenge.pk)) and challenge.state == S.SCOPING:
            _set_state(challenge, S.TEAM_PROPOSED, run.started_by, _("Proposed by the matcher"))


def _explanation_for(run: MatchingRun, challenge_id: str, peer_id: str) -> dict:
    chosen = run.explanations.get(challenge_id, {}).get("chosen", [])
    return next((c for c in chosen if str(c.get("peer")) == peer_id), {})


def _invite(run: MatchingRun, challenge: Challenge, peer_ids: list[str], user) -> int:
    chosen = Peer.objects.filter(pk__in=[int(p) for p in peer_ids]).select_related("user")
    peers = {str(p.pk): p for p in chosen}
    have = set(challenge.members.values_list("peer_id", flat=True))
    created = 0
    for peer_id in peer_ids:
        peer = peers[peer_id]
        if peer.pk in have:
            continue
        explanation = _explanation_for(run, str(challenge.pk), peer_id)
        member = TeamMember.objects.create(
            challenge=challenge,
            peer=peer,
            role=peer.role,
            days=challenge.days,
            score=explanation.get("score"),
            explanation=explanation,
            invited_by=user,
        )
        _email_invitation(member)
        created += 1
    return created


def _refill_invite(run: MatchingRun, assignments: dict) -> None:
    challenge = Challenge.objects.select_for_update().get(pk=run.challenge_id)
    if challenge.state != S.INVITATIONS:
        return
    peer_ids = assignments.get(str(challenge.pk), [])
    if peer_ids:
        # Invited by the matcher itself, not by the peer whose decline started the run.
        _invite(run, challenge, peer_ids, None)
        run.status = RunStatus.CONFIRMED
        run.save(update_fields=["status"])


def proposal_confirm(*, user, run: MatchingRun) -> int:
    """Sector staff accept a run's proposed teams: each proposed peer is invited and each
    challenge moves to "invitations sent". Returns how many invitations were made."""
    if not pc_access.can_run_matching(user):
        raise PermissionError("Matching is for sector staff.")
    if run.kind != RunKind.ROUND or run.status != RunStatus.SOLVED:
        raise Refused(_("Only a solved run that has not been confirmed can be confirmed."))
    if run.round.latest_run() != run:
        raise Refused(_("A newer run has replaced this one. Confirm the newest run."))
    created = 0
    with transaction.atomic():
        for challenge_id, peer_ids in run.result.get("assignments", {}).items():
            challenge = Challenge.objects.select_for_update().get(pk=int(challenge_id))
            if challenge.state != S.TEAM_PROPOSED or not peer_ids:
                continue
            created += _invite(run, challenge, peer_ids, user)
            _set_state(challenge, S.INVITATIONS, user, _("Proposed team confirmed"))
        run.status = RunStatus.CONFIRMED
        run.save(update_fields=["status"])
        matching_round = run.round
        if not matching_round.challenges.filter(state__in=[S.SCOPING, S.TEAM_PROPOSED]).exists():
            matching_round.state = RoundState.CONFIRMED
            matching_round.save(update_fields=["state"])
    return created


def invitation_answer(*, user, member: TeamMember, accept: bool, reason: str = "") -> TeamMember:
    """The invited peer accepts or declines. A decline re-runs the matcher for the place;
    the last acceptance confirms the team."""
    if not pc_access.can_answer(user, member):
        raise PermissionError("Only the invited peer answers, while the invitation is open.")
    with transaction.atomic():
        challenge = Challenge.objects.select_for_update().get(pk=member.challenge_id)
        member.status = MemberStatus.ACCEPTED if accept else MemberStatus.DECLINED
        member.answered_at = timezone.now()
        member.decline_reason = "" if accept else reason.strip()
        member._history_user = user
        member.save()
        if accept:
            accepted = challenge.members.filter(status=MemberStatus.ACCEPTED).count()
            waiting = challenge.members.filter(status=MemberStatus.INVITED).exists()
            if accepted == challenge.team_size and not waiting:
                _set_state(challenge, S.TEAM_CONFIRMED, user, _("Every place accepted"))
        else:
            refill_start(challenge=challenge, user=user)
    return member


def run_import(*, user, matching_round: MatchingRound, data) -> MatchingRun:
    """Apply a solution made elsewhere (our format or openreview-matcher's) to the round as
    the round's latest run, once it keeps every rule, pin and exclusion. Its bound is unknown,
    so it carries none; it is confirmed like any other run."""
    from peerchallenge import matching

    if not pc_access.can_run_matching(user):
        raise PermissionError("Matching is for sector staff.")
    try:
        assignments = exchange.assignments_from_solution(data)
        instance, pinned, excluded = exchange.round_instance(matching_round)
    except ValueError as error:
        raise Refused(str(error)) from error
    known = {c["id"] for c in instance["challenges"]}
    problems = [
        _("Challenge %(id)s is not in the round, or is past matching.") % {"id": cid}
        for cid in assignments
        if cid not in known
    ]
    if not problems:
        problems = matching.check_solution(instance, assignments)
    for cid, peers in pinned.items():
        missing = set(peers) - set(assignments.get(cid, []))
        if missing:
            problems.append(
                _("Challenge %(id)s leaves out pinned peers %(peers)s.")
                % {"id": cid, "peers": ", ".join(sorted(missing, key=int))}
            )
    for cid, peers in excluded.items():
        present = set(peers) & set(assignments.get(cid, []))
        if present:
            problems.append(
                _("Challenge %(id)s includes excluded peers %(peers)s.")
                % {"id": cid, "peers": ", ".join(sorted(present, key=int))}
            )
    if problems:
        raise Refused(_("The solution breaks the round's rules: ") + " ".join(problems[:10]))
    objective = sum(matching.score(instance, p, c) for c, ps in assignments.items() for p in ps)
    result = matching.Result(
        assignments=assignments,
        objective=objective,
        bound=float(objective),
        gap=0.0,
        status="imported",
        seconds=0.0,
    )
    explanations = {
        cid: matching.explain(instance, result, cid) for cid, ps in assignments.items() if ps
    }
    with transaction.atomic():
        run = MatchingRun.objects.create(
            round=matching_round,
            kind=RunKind.ROUND,
            status=RunStatus.SOLVED,
            instance=instance,
            pinned=pinned,
            excluded=excluded,
            result={"assignments": assignments, "unstaffed": {}, "diagnostics": {}},
            explanations=explanations,
            objective=objective,
            solver_status="imported",
            seconds=0.0,
            started_by=user,
            finished_at=timezone.now(),
        )
        _propose(run, assignments)
    return run
