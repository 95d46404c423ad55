"""The lifecycle: every move, who may make it, what it needs, and the record it leaves."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from peerchallenge import access as pc_access
from peerchallenge import services
from peerchallenge.models import (
    Action,
    ActionStatus,
    Challenge,
    ChallengeState,
    MemberStatus,
    Peer,
    Report,
    ReportState,
)
from selfreg.refusals import Refused
from tests.factories import council
from tests.peerchallenge.builders import add_member, add_report, make_challenge, make_peer

S = ChallengeState
pytestmark = pytest.mark.django_db


def prepared(from_state: str) -> Challenge:
    """A Hartlepool challenge at `from_state` with what its next move needs."""
    challenge = make_challenge(state=from_state, team_size=1, template={"chief_exec": [1, 1]})
    if from_state == S.INVITATIONS:
        add_member(challenge, make_peer("E08000007", "chief_exec"))
    if from_state == S.FEEDBACK:
        add_report(challenge)
    if from_state == S.REPORT_PUBLISHED:
        add_report(challenge, state=ReportState.PUBLISHED)
        Action.objects.create(
            challenge=challenge,
            recommendation="r",
            action="a",
            owner="o",
            due=datetime.date(2027, 1, 1),
        )
    return challenge


MOVES = sorted(pc_access.MOVES.items())


@pytest.mark.parametrize(("move", "who"), MOVES, ids=[f"{a}-{b}" for (a, b), _ in MOVES])
@pytest.mark.parametrize("role", ["officer", "councillor", "other_officer", "sector_staff", "peer"])
def test_each_move_is_made_only_by_whom_it_belongs_to(users, move, who, role):
    from_state, to_state = move
    challenge = prepared(from_state)
    allowed = (role == "sector_staff" and "staff" in who) or (
        role == "officer" and "host_officer" in who
    )
    if allowed:
        services.challenge_move(user=users[role], challenge=challenge, to_state=to_state)
        challenge.refresh_from_db()
        assert challenge.state == to_state
        last = challenge.transitions.last()
        assert (last.from_state, last.to_state, last.by) == (from_state, to_state, users[role])
        assert last.at is not None
    else:
        with pytest.raises(PermissionDenied):
            services.challenge_move(user=users[role], challenge=challenge, to_state=to_state)
        challenge.refresh_from_db()
        assert challenge.state == from_state
        assert not challenge.transitions.exists()


@pytest.mark.parametrize("to_state", [S.TEAM_PROPOSED, S.ON_SITE, S.CLOSED, S.REQUESTED])
def test_no_step_can_be_skipped_or_undone(users, to_state):
    challenge = prepared(S.SCOPING if to_state != S.TEAM_PROPOSED else S.REQUESTED)
    with pytest.raises(PermissionDenied):
        services.challenge_move(user=users["sector_staff"], challenge=challenge, to_state=to_state)


def test_team_is_confirmed_only_when_every_place_is_accepted(users):
    challenge = make_challenge(state=S.INVITATIONS, team_size=2)
    add_member(challenge, make_peer("E06000014"))
    add_member(challenge, make_peer("E06000023"), MemberStatus.INVITED)
    with pytest.raises(Refused):
        services.challenge_move(
            user=users["sector_staff"], challenge=challenge, to_state=S.TEAM_CONFIRMED
        )


def test_publishing_needs_a_report_and_the_action_plan_needs_an_action(users):
    feedback = make_challenge(state=S.FEEDBACK)
    with pytest.raises(Refused):
        services.challenge_move(
            user=users["sector_staff"], challenge=feedback, to_state=S.REPORT_PUBLISHED
        )
    published = make_challenge(state=S.REPORT_PUBLISHED)
    with pytest.raises(Refused):
        services.challenge_move(user=users["officer"], challenge=published, to_state=S.ACTION_PLAN)


def test_a_request_is_made_by_the_councils_officers_or_sector_staff(users, hartlepool):
    made = services.challenge_request(
        user=users["officer"],
        host=hartlepool,
        kind="corporate",
        focus_areas=["housing", "leadership"],
        preferred_weeks=[12, 10],
    )
    assert made.state == S.REQUESTED
    assert made.focus_areas == ["leadership", "housing"]  # in the format's order
    assert made.preferred_weeks == [10, 12]
    assert list(made.transitions.values_list("to_state", "by")) == [
        (S.REQUESTED, users["officer"].pk)
    ]
    services.challenge_request(
        user=users["sector_staff"], host=hartlepool, kind="finance", focus_areas=["housing"]
    )
    for role in ("councillor", "other_officer", "peer", "provider"):
        with pytest.raises(PermissionDenied):
            services.challenge_request(
                user=users[role], host=hartlepool, kind="corporate", focus_areas=["housing"]
            )
    with pytest.raises(Refused):
        services.challenge_request(
            user=users["officer"], host=hartlepool, kind="corporate", focus_areas=[]
        )


def test_scoping_checks_the_role_template_against_the_team_size(users):
    challenge = make_challenge(state=S.SCOPING, scoped=False)
    scope = {
        "user": users["sector_staff"],
        "challenge": challenge,
        "focus_areas": ["housing"],
        "on_site_from": datetime.date(2027, 3, 8),
        "days": 3,
        "lead_member_same_party": True,
        "host_control": "Lab",
    }
    with pytest.raises(Refused, match="more than the team size"):
        services.challenge_scope(
            team_size=2, role_template={"lead_member": [1, 1], "member": [2, 2]}, **scope
        )
    with pytest.raises(Refused, match="less than the team size"):
        services.challenge_scope(team_size=5, role_template={"member": [1, 2]}, **scope)
    with pytest.raises(PermissionDenied):
        services.challenge_scope(
            team_size=2, role_template={"member": [2, 2]}, **{**scope, "user": users["officer"]}
        )
    services.challenge_scope(
        team_size=3, role_template={"lead_member": [1, 1], "member": [0, 2]}, **scope
    )
    challenge.refresh_from_db()
    assert challenge.is_scoped and challenge.week == 10


def test_the_council_corrects_facts_only_before_publication(users):
    challenge = make_challenge(state=S.FEEDBACK)
    add_report(challenge)
    services.correction_add(user=users["officer"], challenge=challenge, text="We have 92 staff.")
    assert challenge.report.corrections.get().by == users["officer"]
    for role in ("councillor", "other_officer", "sector_staff", "peer"):
        with pytest.raises(PermissionDenied):
            services.correction_add(user=users[role], challenge=challenge, text="x")
    services.challenge_move(
        user=users["sector_staff"], challenge=challenge, to_state=S.REPORT_PUBLISHED
    )
    with pytest.raises(PermissionDenied):
        services.correction_add(user=users["officer"], challenge=challenge, text="Too late")


def test_a_published_report_is_immutable(users):
    challenge = make_challenge(state=S.FEEDBACK)
    services.report_save(
        user=users["sector_staff"],
        challenge=challenge,
        summary="First draft",
        findings="",
        recommendations="One\nTwo",
    )
    services.report_save(
        user=users["sector_staff"],
        challenge=challenge,
        summary="Second draft",
        findings="Found",
        recommendations="One\nTwo",
    )
    services.challenge_move(
        user=users["sector_staff"], challenge=challenge, to_state=S.REPORT_PUBLISHED
    )
    report = Report.objects.get(challenge=challenge)
    assert report.state == ReportState.PUBLISHED and report.published_at is not None
    assert report.recommendation_list() == ["One", "Two"]
    for role in ("sector_staff", "officer"):
        with pytest.raises(Refused, match="published report cannot be changed"):
            services.report_save(
                user=users[role],
                challenge=challenge,
                summary="Rewritten",
                findings="",
                recommendations="",
            )
    report.refresh_from_db()
    assert report.summary == "Second draft"


def test_the_report_is_written_by_sector_staff_only_at_feedback(users):
    on_site = make_challenge(state=S.ON_SITE)
    with pytest.raises(PermissionDenied):
        services.report_save(
            user=users["sector_staff"],
            challenge=on_site,
            summary="x",
            findings="",
            recommendations="",
        )
    feedback = make_challenge(state=S.FEEDBACK)
    with pytest.raises(PermissionDenied):
        services.report_save(
            user=users["officer"], challenge=feedback, summary="x", findings="", recommendations=""
        )


def test_the_action_plan_is_kept_by_the_council_until_closed(users):
    challenge = make_challenge(state=S.REPORT_PUBLISHED)
    fields = {
        "recommendation": "Fix the budget",
        "text": "Set a three-year plan",
        "owner": "Director of resources",
        "due": datetime.date(2027, 3, 31),
        "status": ActionStatus.IN_PROGRESS,
    }
    action = services.action_save(user=users["officer"], challenge=challenge, **fields)
    services.action_save(
        user=users["sector_staff"],
        challenge=challenge,
        action=action,
        **{**fields, "status": ActionStatus.DONE},
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.updated_by == users["sector_staff"]
    for role in ("councillor", "other_officer", "peer"):
        with pytest.raises(PermissionDenied):
            services.action_save(user=users[role], challenge=challenge, **fields)
    challenge.state = S.CLOSED
    challenge.save()
    with pytest.raises(PermissionDenied):
        services.action_save(user=users["officer"], challenge=challenge, **fields)


def test_officers_nominate_from_their_council_and_staff_accredit(users, hartlepool, darlington):
    nomination = services.peer_nominate(
        user=users["officer"],
        council=hartlepool,
        email="New.Peer@Example.com",
        full_name="New Peer",
        sector="council",
        role="member",
        party="Lab",
    )
    assert nomination.email == "new.peer@example.com" and not Peer.objects.exists()
    peer = services.nomination_answer(
        nomination=nomination, accept=True, full_name="New Peer", password="a long password"
    )
    assert not peer.accredited and peer.user.roles.filter(kind="peer").exists()
    assert (peer.council, peer.role, peer.party) == (hartlepool, "member", "Lab")
    with pytest.raises(PermissionDenied):
        services.peer_nominate(
            user=users["officer"],
            council=darlington,
            email="x@example.com",
            full_name="X",
            sector="council",
            role="senior_officer",
        )
    with pytest.raises(Refused):
        services.peer_nominate(
            user=users["sector_staff"],
            council=darlington,
            email="y@example.com",
            full_name="Y",
            sector="council",
            role="member",
        )  # a councillor needs a party
    for role in ("officer", "peer"):
        with pytest.raises(PermissionDenied):
            services.peer_accredit(user=users[role], peer=peer, accredited=True)
    services.peer_accredit(user=users["sector_staff"], peer=peer, accredited=True)
    peer.refresh_from_db()
    assert peer.accredited and peer.accredited_by == users["sector_staff"]
    assert peer.accredited_on is not None


def test_a_peer_keeps_only_their_own_profile(users):
    peer = make_peer("E08000007", "chief_exec", user=users["peer"])
    services.peer_profile_save(
        user=users["peer"],
        peer=peer,
        expertise={"housing": 0.5, "climate": 0},
        days_offered=8,
        unavailable_periods=[
            (datetime.date(2027, 8, 2), datetime.date(2027, 8, 6)),
            (datetime.date(2027, 2, 1), datetime.date(2027, 2, 1)),
        ],
        conflicts=[council("E06000001")],
    )
    peer = Peer.objects.get(pk=peer.pk)
    assert peer.expertise == {"housing": 0.5}
    assert peer.unavailable_periods == [
        ["2027-02-01", "2027-02-01"],
        ["2027-08-02", "2027-08-06"],
    ]
    assert [c.gss_code for c in peer.conflicts.all()] == ["E06000001"]
    with pytest.raises(PermissionDenied):
        services.peer_profile_save(
            user=users["sector_staff"],
            peer=peer,
            expertise={},
            days_offered=1,
            unavailable_periods=[],
            conflicts=[],
        )
    with pytest.raises(Refused):
        services.peer_profile_save(
            user=users["peer"],
            peer=peer,
            expertise={"housing": 1.5},
            days_offered=1,
            unavailable_periods=[],
            conflicts=[],
        )
