"""Writes for matching rounds and runs: a round, its rules, challenges and pins; starting,
running, importing and confirming a run; refills after a decline, and the invitations runs make.
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerchallenge import access as pc_access
from peerchallenge import exchange
from peerchallenge.models import (
    Challenge,
    ChallengeState,
    MatchingRound,
    MatchingRun,
    MemberStatus,
    Peer,
    Pin,
    PinKind,
    RoundState,
    RunKind,
    RunStatus,
    TeamMember,
    default_rules,
)
from peerchallenge.services.lifecycle import _set_state
from selfreg.emails import email_send, portal_link
from selfreg.progress import progress_fetch, progress_forget, progress_keep
from selfreg.refusals import Refused

logger = logging.getLogger(__name__)
S = ChallengeState


def round_create(*, user, name: str, year: int, time_limit: int = 60) -> MatchingRound:
    pc_access.require_matching(user)
    if not name.strip():
        raise Refused(_("Name the round."))
    return MatchingRound.objects.create(
        name=name.strip(), year=year, time_limit=time_limit, created_by=user, rules=default_rules()
    )


def round_rules_save(*, user, matching_round: MatchingRound, rules: dict) -> MatchingRound:
    """Sector staff set the round's rules (the exchange format's switches and values)."""
    pc_access.require_matching(user)
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
    pc_access.require_matching(user)
    if challenge.state != S.SCOPING or not challenge.is_scoped:
        raise Refused(_("Only a scoped challenge can join a round."))
    if challenge.on_site_from.year != matching_round.year:
        raise Refused(_("The challenge's dates fall outside the round's year."))
    _round_set(challenge, matching_round, user=user)
    return challenge


def round_remove(*, user, matching_round: MatchingRound, challenge: Challenge) -> None:
    pc_access.require_matching(user)
    if challenge.round_id != matching_round.pk or challenge.state != S.SCOPING:
        raise Refused(_("Only a challenge not yet proposed can leave the round."))
    _round_set(challenge, None, user=user)


def _round_set(challenge: Challenge, matching_round: MatchingRound | None, *, user) -> None:
    """Put the challenge into the round (or, given None, out of any), kept in its history."""
    with transaction.atomic():
        challenge.round = matching_round
        challenge._history_user = user
        challenge.save(update_fields=["round"])


def pin_set(*, user, challenge: Challenge, peer: Peer, kind: str | None) -> None:
    """Fix a peer onto a team, keep them off it, or (kind None) clear either."""
    pc_access.require_matching(user)
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
    pc_access.require_matching(user)
    if matching_round.runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists():
        raise Refused(_("The matcher is already running for this round."))
    try:
        instance, pinned, excluded = exchange.round_instance(matching_round)
    except ValueError as error:
        raise Refused(str(error)) from error
    if not instance["challenges"]:
        raise Refused(_("Add scoped challenges to the round first."))
    return _run_queue(
        round=matching_round,
        kind=RunKind.ROUND,
        instance=instance,
        pinned=pinned,
        excluded=excluded,
        started_by=user,
    )


def refill_start(*, challenge: Challenge, user) -> MatchingRun | None:
    """After a decline: re-run the matcher for this challenge alone, with the peers who have
    accepted (or not yet answered) fixed and everyone who declined kept off."""
    if challenge.round_id is None:
        return None
    instance, pinned, excluded = exchange.build_instance(
        [challenge], rules=challenge.round.rules, year=challenge.round.year
    )
    return _run_queue(
        round=challenge.round,
        kind=RunKind.REFILL,
        challenge=challenge,
        instance=instance,
        pinned=pinned,
        excluded=excluded,
        started_by=user,
    )


def refill_request(*, user, challenge: Challenge) -> MatchingRun:
    """Sector staff ask the matcher again for a team's open places (after changing pins, say,
    when a refill found nobody)."""
    pc_access.require_matching(user)
    if challenge.state != S.INVITATIONS:
        raise Refused(_("Places are refilled only while invitations are out."))
    standing = challenge.members.exclude(status=MemberStatus.DECLINED).count()
    if standing >= (challenge.team_size or 0):
        raise Refused(_("Every place on the team has a peer invited or accepted."))
    run = refill_start(challenge=challenge, user=user)
    if run is None:
        raise Refused(_("The challenge is not in a matching round."))
    return run


def _run_queue(**fields) -> MatchingRun:
    """A new run, queued for the worker once it is saved."""
    with transaction.atomic():
        run = MatchingRun.objects.create(**fields)
        transaction.on_commit(lambda: _enqueue(run.pk))
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
    """Report the best answer so far."""
    best = {
        "objective": getattr(progress, "objective", None),
        "bound": getattr(progress, "bound", None),
        "gap": getattr(progress, "gap", None),
        "seconds": getattr(progress, "seconds", None),
    }
    progress_keep(progress_key(run_id), best, job=f"run {run_id}")


def progress_read(run_id: int) -> dict:
    return progress_fetch(progress_key(run_id), job=f"run {run_id}")


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
            if isinstance(error, Refused | ValueError)
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
        progress_forget(progress_key(run_id), job=f"run {run_id}")
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
    pc_access.require_matching(user)
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
        raise PermissionDenied("Only the invited peer answers, while the invitation is open.")
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

    pc_access.require_matching(user)
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
