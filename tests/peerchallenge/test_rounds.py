"""Matching rounds: a run in the background, its proposal, invitations and refills."""

import time

import pytest
from django.core.exceptions import PermissionDenied

from peerchallenge import matching, services
from peerchallenge.models import (
    Challenge,
    ChallengeState,
    MatchingRun,
    MemberStatus,
    Pin,
    PinKind,
    RunKind,
    RunStatus,
    TeamMember,
)
from peerchallenge.services.rounds import _progress_write
from selfreg.refusals import Refused
from tests.peerchallenge.builders import make_challenge, make_pool, make_round

S = ChallengeState


@pytest.fixture
def round_with_pool(db):
    matching_round = make_round()
    pool = make_pool()
    challenge = make_challenge(matching_round=matching_round)
    return matching_round, pool, challenge


@pytest.mark.django_db
def test_a_run_solves_the_round_and_proposes_teams(
    users, round_with_pool, django_capture_on_commit_callbacks
):
    matching_round, pool, challenge = round_with_pool
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(user=users["sector_staff"], matching_round=matching_round)
    run.refresh_from_db()
    assert run.status == RunStatus.SOLVED
    assert run.gap == 0 and run.objective == run.bound
    team = run.result["assignments"][str(challenge.pk)]
    assert len(team) == 4
    assert matching.check_solution(run.instance, run.result["assignments"]) == []
    chosen = run.explanations[str(challenge.pk)]["chosen"]
    assert {c["peer"] for c in chosen} == set(team)
    challenge.refresh_from_db()
    assert challenge.state == S.TEAM_PROPOSED
    assert challenge.transitions.last().by == users["sector_staff"]


@pytest.mark.django_db
def test_only_staff_run_and_a_second_run_of_a_finished_job_changes_nothing(
    users, round_with_pool, django_capture_on_commit_callbacks
):
    matching_round, _, _ = round_with_pool
    for role in ("officer", "peer"):
        with pytest.raises(PermissionDenied):
            services.run_start(user=users[role], matching_round=matching_round)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(user=users["sector_staff"], matching_round=matching_round)
    run.refresh_from_db()
    finished_at = run.finished_at
    again = services.run_execute(run_id=run.pk)
    assert again.status == RunStatus.SOLVED and again.finished_at == finished_at


@pytest.mark.django_db
def test_pins_and_exclusions_shape_the_next_run(
    users, round_with_pool, django_capture_on_commit_callbacks
):
    matching_round, pool, challenge = round_with_pool
    staff = users["sector_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        first = services.run_start(user=staff, matching_round=matching_round)
    first.refresh_from_db()
    chosen = first.result["assignments"][str(challenge.pk)]
    left_out = next(p for p in pool if str(p.pk) not in chosen and p.role == "senior_officer")
    dropped = next(p for p in pool if str(p.pk) in chosen and p.role == "senior_officer")
    challenge.refresh_from_db()
    services.pin_set(user=staff, challenge=challenge, peer=left_out, kind=PinKind.PIN)
    services.pin_set(user=staff, challenge=challenge, peer=dropped, kind=PinKind.EXCLUDE)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.run_start(user=staff, matching_round=matching_round)
    second.refresh_from_db()
    team = second.result["assignments"][str(challenge.pk)]
    assert str(left_out.pk) in team and str(dropped.pk) not in team
    assert second.objective <= first.objective
    services.pin_set(user=staff, challenge=challenge, peer=left_out, kind=None)
    assert not Pin.objects.filter(peer=left_out).exists()


@pytest.mark.django_db
def test_an_unstaffable_challenge_says_why_and_the_others_are_staffed(
    users, round_with_pool, django_capture_on_commit_callbacks
):
    matching_round, _, staffed = round_with_pool
    # Conservative-run Derby needs a Conservative lead member peer; the pool has none.
    derby = make_challenge("E06000015", matching_round=matching_round, control="Con")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(user=users["sector_staff"], matching_round=matching_round)
    run.refresh_from_db()
    assert run.result["assignments"].get(str(staffed.pk))
    assert str(derby.pk) in run.result["unstaffed"]
    lead = run.result["diagnostics"][str(derby.pk)]["lead_member"]
    assert lead["eligible"] == 0 and lead["removed_by"]
    derby.refresh_from_db()
    assert derby.state == S.SCOPING


@pytest.mark.django_db
def test_an_invalid_round_fails_with_a_plain_message_and_changes_nothing(
    users, round_with_pool, django_capture_on_commit_callbacks
):
    matching_round, _, challenge = round_with_pool
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(user=users["sector_staff"], matching_round=matching_round)
    run.refresh_from_db()
    broken = MatchingRun.objects.create(
        round=matching_round, instance={**run.instance, "peers": "none"}, started_by=None
    )
    services.run_execute(run_id=broken.pk)
    broken.refresh_from_db()
    assert broken.status == RunStatus.FAILED
    assert broken.error_message.startswith("The round cannot be matched")


def confirm_round(users, matching_round, capture):
    with capture(execute=True):
        run = services.run_start(user=users["sector_staff"], matching_round=matching_round)
    run.refresh_from_db()
    services.proposal_confirm(user=users["sector_staff"], run=run)
    return run


@pytest.mark.django_db
def test_confirming_invites_the_team_and_acceptances_confirm_it(
    users, round_with_pool, django_capture_on_commit_callbacks
):
    matching_round, pool, challenge = round_with_pool
    run = confirm_round(users, matching_round, django_capture_on_commit_callbacks)
    challenge.refresh_from_db()
    assert challenge.state == S.INVITATIONS
    members = list(challenge.members.select_related("peer__user"))
    assert {str(m.peer_id) for m in members} == set(run.result["assignments"][str(challenge.pk)])
    assert all(m.status == MemberStatus.INVITED and m.score for m in members)
    with pytest.raises(Refused):
        services.proposal_confirm(user=users["sector_staff"], run=run)
    with pytest.raises(PermissionDenied):  # only the invited peer answers
        services.invitation_answer(user=users["sector_staff"], member=members[0], accept=True)
    for member in members:
        services.invitation_answer(user=member.peer.user, member=member, accept=True)
    challenge.refresh_from_db()
    assert challenge.state == S.TEAM_CONFIRMED
    assert challenge.transitions.last().by == members[-1].peer.user


@pytest.mark.django_db
def test_a_decline_refills_the_place_keeping_the_accepted_peers(
    users, round_with_pool, django_capture_on_commit_callbacks
):
    matching_round, pool, challenge = round_with_pool
    confirm_round(users, matching_round, django_capture_on_commit_callbacks)
    challenge.refresh_from_db()
    members = list(challenge.members.select_related("peer__user"))
    decliner = next(m for m in members if m.role == "senior_officer")
    others = [m for m in members if m != decliner]
    for member in others:
        services.invitation_answer(user=member.peer.user, member=member, accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_answer(
            user=decliner.peer.user, member=decliner, accept=False, reason="Away"
        )
    refill = MatchingRun.objects.get(kind=RunKind.REFILL, challenge=challenge)
    assert refill.status == RunStatus.CONFIRMED
    assert str(decliner.peer_id) in refill.excluded[str(challenge.pk)]
    assert {str(m.peer_id) for m in others} <= set(refill.pinned[str(challenge.pk)])
    new = TeamMember.objects.get(challenge=challenge, status=MemberStatus.INVITED)
    assert new.peer_id not in {m.peer_id for m in members}
    assert new.role == "senior_officer"
    services.invitation_answer(user=new.peer.user, member=new, accept=True)
    challenge.refresh_from_db()
    assert challenge.state == S.TEAM_CONFIRMED
    assert challenge.members.filter(status=MemberStatus.ACCEPTED).count() == 4


@pytest.mark.django_db
def test_progress_is_read_from_the_cache_while_a_run_is_running(users, round_with_pool):
    matching_round, _, _ = round_with_pool
    run = MatchingRun.objects.create(round=matching_round, status=RunStatus.RUNNING)
    _progress_write(run.pk, matching.Progress(1200, 1300, 0.077, 2.0))
    assert services.progress_read(run.pk) == {
        "objective": 1200,
        "bound": 1300,
        "gap": 0.077,
        "seconds": 2.0,
    }


@pytest.mark.django_db(transaction=True)
def test_a_round_runs_on_a_real_celery_worker(celery_worker, users):
    matching_round = make_round()
    make_pool()
    challenge = make_challenge(matching_round=matching_round)
    run = services.run_start(user=users["sector_staff"], matching_round=matching_round)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.finished:
            break
        time.sleep(0.2)
    assert run.status == RunStatus.SOLVED
    assert len(run.result["assignments"][str(challenge.pk)]) == 4
    assert Challenge.objects.get(pk=challenge.pk).state == S.TEAM_PROPOSED


@pytest.mark.django_db
def test_a_solution_made_elsewhere_is_applied_only_if_it_keeps_every_rule(
    users, round_with_pool, django_capture_on_commit_callbacks
):
    matching_round, pool, challenge = round_with_pool
    staff = users["sector_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        solved = services.run_start(user=staff, matching_round=matching_round)
    solved.refresh_from_db()
    team = solved.result["assignments"][str(challenge.pk)]
    openreview = {str(challenge.pk): [{"user": p, "aggregate_score": 0.5} for p in team]}
    short = {"assignments": {str(challenge.pk): team[:2]}}
    with pytest.raises(Refused, match="breaks the round's rules"):
        services.run_import(user=staff, matching_round=matching_round, data=short)
    with pytest.raises(Refused, match="not in the round"):
        services.run_import(user=staff, matching_round=matching_round, data={"999": team})
    with pytest.raises(PermissionDenied):
        services.run_import(user=users["officer"], matching_round=matching_round, data=openreview)
    imported = services.run_import(user=staff, matching_round=matching_round, data=openreview)
    assert imported.status == RunStatus.SOLVED and imported.objective == solved.objective
    assert imported.bound is None
    assert {c["peer"] for c in imported.explanations[str(challenge.pk)]["chosen"]} == set(team)
    assert services.proposal_confirm(user=staff, run=imported) == 4


@pytest.mark.django_db
def test_staff_refill_open_places_after_a_refill_found_nobody(
    users, round_with_pool, django_capture_on_commit_callbacks
):
    matching_round, pool, challenge = round_with_pool
    confirm_round(users, matching_round, django_capture_on_commit_callbacks)
    challenge.refresh_from_db()
    staff = users["sector_staff"]
    with pytest.raises(Refused, match="Every place"):
        services.refill_request(user=staff, challenge=challenge)
    member = challenge.members.get(role="member")
    # Keep the other member peer off the team too: the refill then finds nobody.
    other = next(p for p in pool if p.role == "member" and p.pk != member.peer_id)
    services.pin_set(user=staff, challenge=challenge, peer=other, kind=PinKind.EXCLUDE)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_answer(user=member.peer.user, member=member, accept=False)
    failed = MatchingRun.objects.get(kind=RunKind.REFILL)
    assert failed.status == RunStatus.SOLVED and str(challenge.pk) in failed.result["unstaffed"]
    services.pin_set(user=staff, challenge=challenge, peer=other, kind=None)
    with pytest.raises(PermissionDenied):
        services.refill_request(user=users["officer"], challenge=challenge)
    with django_capture_on_commit_callbacks(execute=True):
        services.refill_request(user=staff, challenge=challenge)
    assert challenge.members.get(peer=other).status == MemberStatus.INVITED
