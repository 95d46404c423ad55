"""Peer challenge pages: the journey from request to confirmed team through the web."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from peerchallenge import access as pc_access
from peerchallenge import matching
from peerchallenge.models import (
    Action,
    Challenge,
    ChallengeState,
    MatchingRound,
    MatchingRun,
    MemberStatus,
    Peer,
    ReportState,
    RunStatus,
)
from tests.peerchallenge.builders import (
    add_member,
    add_report,
    make_challenge,
    make_peer,
    make_pool,
)

S = ChallengeState
pytestmark = pytest.mark.django_db
SCOPE = {
    "focus_areas": ["financial-planning", "leadership"],
    "on_site_from_0": "8",
    "on_site_from_1": "3",
    "on_site_from_2": "2027",
    "days": "3",
    "team_size": "4",
    "host_control": "Lab",
    "lead_member_same_party": "on",
    **{f"{b}_{r}": "0" for r in ("chief_exec", "business", "voluntary") for b in ("min", "max")},
    "min_lead_member": "1",
    "max_lead_member": "1",
    "min_member": "1",
    "max_member": "1",
    "min_senior_officer": "1",
    "max_senior_officer": "2",
}


def test_request_scope_round_run_and_confirm_through_the_web(
    client_for, users, hartlepool, django_capture_on_commit_callbacks
):
    pool = make_pool()
    officer = client_for(users["officer"])
    response = officer.post(
        reverse("peerchallenge:challenge_request"),
        {
            "council": hartlepool.pk,
            "kind": "corporate",
            "focus_areas": ["financial-planning", "leadership"],
            "preferred_weeks": "10, 12-13",
        },
    )
    challenge = Challenge.objects.get(host=hartlepool)
    assert response.status_code == 302 and response.url == challenge.get_absolute_url()
    assert challenge.preferred_weeks == [10, 12, 13]

    staff = client_for(users["sector_staff"])
    staff.post(reverse("peerchallenge:challenge_move", args=[challenge.pk, "scoping"]))
    scope = {
        "focus_areas": ["financial-planning", "leadership"],
        "on_site_from_0": "8",
        "on_site_from_1": "3",
        "on_site_from_2": "2027",
        "days": "3",
        "team_size": "4",
        "host_control": "Lab",
        "lead_member_same_party": "on",
        **{
            f"{b}_{r}": "0" for r in ("chief_exec", "business", "voluntary") for b in ("min", "max")
        },
        "min_lead_member": "1",
        "max_lead_member": "1",
        "min_member": "1",
        "max_member": "1",
        "min_senior_officer": "1",
        "max_senior_officer": "2",
    }
    response = staff.post(reverse("peerchallenge:challenge_scope", args=[challenge.pk]), scope)
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.is_scoped and challenge.role_template["senior_officer"] == [1, 2]

    staff.post(
        reverse("peerchallenge:round_list"), {"name": "Spring", "year": "2027", "time_limit": "30"}
    )
    matching_round = MatchingRound.objects.get(name="Spring")
    staff.post(
        reverse("peerchallenge:round_add", args=[matching_round.pk]), {"challenge": challenge.pk}
    )
    export = staff.get(reverse("peerchallenge:round_export", args=[matching_round.pk]))
    document = json.loads(export.content)
    assert export["Content-Disposition"].startswith("attachment")
    assert matching.validate_instance(document) == []
    assert len(document["peers"]) == len(pool)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("peerchallenge:run_start", args=[matching_round.pk]))
    run = MatchingRun.objects.get(round=matching_round)
    assert response.url == run.get_absolute_url()
    page = staff.get(run.get_absolute_url())
    html = page.content.decode()
    assert "Proposed team and why" in html and "Proven bound" in html
    assert "proven best" in html
    assert "Check the teams before sending invitations" in html
    progress = staff.get(reverse("peerchallenge:run_progress", args=[run.pk])).json()
    assert progress["finished"] is True and progress["status"] == RunStatus.SOLVED

    check = staff.get(reverse("peerchallenge:run_confirm", args=[run.pk]))
    assert check.status_code == 200 and "4 peers will be invited" in check.text
    challenge.refresh_from_db()
    assert challenge.state == S.TEAM_PROPOSED and not challenge.members.exists()
    staff.post(reverse("peerchallenge:run_confirm", args=[run.pk]))
    challenge.refresh_from_db()
    assert challenge.state == S.INVITATIONS
    assert challenge.members.filter(status=MemberStatus.INVITED).count() == 4


def test_the_invited_peer_answers_on_their_invitation_page(client_for, users):
    peer = make_peer("E08000007", "chief_exec", user=users["peer"])
    challenge = make_challenge(state=S.INVITATIONS, team_size=1, template={"chief_exec": [1, 1]})
    member = add_member(challenge, peer, MemberStatus.INVITED)
    client = client_for(users["peer"])
    listing = client.get(reverse("peerchallenge:invitation_list")).content.decode()
    assert "Waiting for your answer" in listing
    url = reverse("peerchallenge:invitation_answer", args=[member.pk])
    response = client.post(url, {})
    assert (
        response.status_code == 400
        and "Choose whether you accept or decline" in response.content.decode()
    )
    response = client.post(url, {"answer": "accept"})
    assert response.status_code == 302
    member.refresh_from_db()
    challenge.refresh_from_db()
    assert member.status == MemberStatus.ACCEPTED and challenge.state == S.TEAM_CONFIRMED
    assert client.post(url, {"answer": "decline"}).status_code == 403


def test_the_published_report_and_action_plan_are_public(client_for, users):
    challenge = make_challenge(state=S.ACTION_PLAN)
    add_report(challenge, state=ReportState.PUBLISHED, summary="A clear ambition.")
    Action.objects.create(
        challenge=challenge,
        recommendation="Do one thing",
        action="Did it",
        owner="Chief executive",
        due="2026-01-31",
        status="done",
    )
    Action.objects.create(
        challenge=challenge,
        recommendation="Do another",
        action="Doing it",
        owner="Director",
        due="2027-06-30",
        status="in_progress",
    )
    client = client_for(None)
    index = client.get(reverse("peerchallenge:index")).content.decode()
    assert "Hartlepool" in index and "1 of 2" in index
    html = client.get(reverse("peerchallenge:report", args=[challenge.pk])).content.decode()
    assert "A clear ambition." in html
    assert "1 of 2 actions done (50%); 1 in progress." in html
    assert "Change" not in html  # the public cannot change the plan


def test_a_draft_report_is_not_public(client_for, users):
    challenge = make_challenge(state=S.FEEDBACK)
    add_report(challenge, summary="Draft words")
    assert (
        client_for(None).get(reverse("peerchallenge:report", args=[challenge.pk])).status_code
        == 404
    )
    assert (
        client_for(users["other_officer"])
        .get(reverse("peerchallenge:report", args=[challenge.pk]))
        .status_code
        == 404
    )
    officer_view = client_for(users["officer"]).get(
        reverse("peerchallenge:report", args=[challenge.pk])
    )
    assert "Draft: not published" in officer_view.content.decode()


def test_the_ledger_shows_staff_everything_and_a_council_itself(client_for, users):
    visited = make_challenge("E06000005", S.CLOSED, on_site=datetime.date(2025, 10, 6))
    add_member(visited, make_peer("E06000001", "member", "Lab"))
    add_member(visited, make_peer("E10000016", "member", "Con"))
    staff = client_for(users["sector_staff"]).get(reverse("peerchallenge:ledger_csv"))
    rows = list(csv.DictReader(io.StringIO(staff.content.decode())))
    assert {(r["council"], r["days_given"], r["days_received"]) for r in rows} == {
        ("Darlington", "0", "6"),
        ("Hartlepool", "3", "0"),
        ("Kent", "3", "0"),
    }
    html = client_for(users["sector_staff"]).get(reverse("peerchallenge:ledger")).content.decode()
    assert "Councils receiving much more than they give" in html
    own = client_for(users["officer"]).get(reverse("peerchallenge:ledger_csv")).content.decode()
    assert [r["council"] for r in csv.DictReader(io.StringIO(own))] == ["Hartlepool"]


def test_bad_scope_is_refused_whole_with_every_problem(client_for, users):
    challenge = make_challenge(state=S.SCOPING, scoped=False)
    response = client_for(users["sector_staff"]).post(
        reverse("peerchallenge:challenge_scope", args=[challenge.pk]),
        {
            "focus_areas": ["housing"],
            "days": "3",
            "team_size": "2",
            "host_control": "Lab",
            "min_member": "3",
            "max_member": "1",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the first day on site" in html
    assert "The most must be at least the fewest" in html
    challenge.refresh_from_db()
    assert not challenge.is_scoped


def test_a_solution_file_is_checked_and_applied_through_the_web(
    client_for, users, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.peerchallenge.builders import make_round

    matching_round = make_round()
    make_pool()
    challenge = make_challenge(matching_round=matching_round)
    staff = client_for(users["sector_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("peerchallenge:run_start", args=[matching_round.pk]))
    team = MatchingRun.objects.get().result["assignments"][str(challenge.pk)]
    url = reverse("peerchallenge:round_import", args=[matching_round.pk])
    bad = staff.post(url, {"file": SimpleUploadedFile("s.json", b"not json")})
    assert bad.status_code == 400 and "The file must be JSON" in bad.content.decode()
    body = json.dumps({"assignments": {str(challenge.pk): team}}).encode()
    response = staff.post(url, {"file": SimpleUploadedFile("s.json", body)})
    run = MatchingRun.objects.latest("pk")
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    page = staff.get(run.get_absolute_url()).content.decode()
    assert "this solution was made elsewhere" in page
    assert "Check the teams before sending invitations" in page


def test_adding_nothing_to_a_round_says_so(client_for, users):
    from tests.peerchallenge.builders import make_round

    matching_round = make_round()
    staff = client_for(users["sector_staff"])
    url = reverse("peerchallenge:round_add", args=[matching_round.pk])
    response = staff.post(url, {"challenge": "not-a-number"}, follow=True)
    assert "Choose a challenge to add." in response.content.decode()
    unscoped = make_challenge(state=S.SCOPING, scoped=False)
    response = staff.post(url, {"challenge": unscoped.pk}, follow=True)
    assert "Only a scoped challenge can join a round." in response.content.decode()
    assert not matching_round.challenges.exists()


def test_staff_set_the_rounds_rules_and_the_export_carries_them(client_for, users):
    from tests.peerchallenge.builders import make_round

    matching_round = make_round()
    make_pool()
    make_challenge(matching_round=matching_round)
    staff = client_for(users["sector_staff"])
    url = reverse("peerchallenge:round_rules", args=[matching_round.pk])
    rules = {
        "conflict_neighbours": "on",
        "conflict_same_grouping": "on",
        "recent_review_years": "2",
        "max_same_party": "1",
        "min_parties": "2",
        "reciprocity_weight": "0.5",
    }
    assert staff.post(url, {**rules, "reciprocity_weight": "3"}).status_code == 400
    assert staff.post(url, rules).status_code == 302
    matching_round.refresh_from_db()
    assert matching_round.rules["conflict_same_grouping"] is True
    assert matching_round.rules["one_peer_per_council"] is False
    assert matching_round.rules["score_scale"] == 1000
    export = json.loads(
        staff.get(reverse("peerchallenge:round_export", args=[matching_round.pk])).content
    )
    assert export["rules"] == matching_round.rules
    assert matching.validate_instance(export) == []


MANUAL = sorted((a, b) for a, b in pc_access.MOVES if a in pc_access.MANUAL_MOVES)


@pytest.mark.parametrize(("from_state", "to_state"), MANUAL, ids=[a for a, _ in MANUAL])
def test_each_stage_offers_its_next_move_on_the_page_to_whom_it_belongs(
    client_for, users, from_state, to_state
):
    """The challenge's page shows the one button that moves it on, to the person that move
    belongs to, and the button moves it."""
    from tests.peerchallenge.test_lifecycle import prepared

    challenge = prepared(from_state)
    who = pc_access.MOVES[(from_state, to_state)]
    mover = users["officer"] if "host_officer" in who else users["sector_staff"]
    label = f"Move to: {ChallengeState(to_state).label}"
    page = client_for(mover).get(challenge.get_absolute_url())
    assert label in page.content.decode()
    if mover != users["sector_staff"] and "staff" in who:
        assert label in client_for(users["sector_staff"]).get(challenge.get_absolute_url()).text
    if "host_officer" not in who:
        assert label not in client_for(users["officer"]).get(challenge.get_absolute_url()).text
    response = client_for(mover).post(
        reverse("peerchallenge:challenge_move", args=[challenge.pk, to_state]), {"note": "Done"}
    )
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.state == to_state


def test_staff_scope_a_request_from_its_page_and_it_moves_to_scoping(client_for, users):
    """A new request is scoped by sector staff from its own page; saving the scope moves it
    on. Its council is told what happens next."""
    challenge = make_challenge(state=S.REQUESTED, scoped=False)
    staff = client_for(users["sector_staff"])
    page = staff.get(challenge.get_absolute_url()).content.decode()
    scope_url = reverse("peerchallenge:challenge_scope", args=[challenge.pk])
    assert scope_url in page
    assert staff.get(scope_url).status_code == 200
    response = staff.post(scope_url, SCOPE)
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.state == S.SCOPING and challenge.is_scoped
    assert challenge.transitions.last().by == users["sector_staff"]
    officer_page = client_for(users["officer"]).get(challenge.get_absolute_url()).text
    assert "Sector staff add the challenge to a matching round" in officer_page
    assert "Move to:" not in officer_page


def test_the_run_page_explains_score_and_gap_and_shows_each_teams_balance(
    client_for, users, django_capture_on_commit_callbacks
):
    """Staff read what score and gap mean, and each proposed peer's role, party and home
    council with the balance rules the team keeps, on the run page and on the check page."""
    from peerchallenge import services
    from tests.peerchallenge.builders import make_round

    make_pool()
    matching_round = make_round()
    challenge = make_challenge(matching_round=matching_round)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(user=users["sector_staff"], matching_round=matching_round)
    staff = client_for(users["sector_staff"])
    html = staff.get(run.get_absolute_url()).text
    assert "<strong>Score</strong> says how well a peer fits a challenge" in html
    assert "<strong>Gap</strong> says how far this answer could be from the best" in html
    run.refresh_from_db()
    team = run.result["assignments"][str(challenge.pk)]
    peers = {p.pk: p for p in Peer.objects.filter(pk__in=[int(p) for p in team])}
    check = staff.get(reverse("peerchallenge:run_confirm", args=[run.pk])).text
    for page in (html, check):
        assert "Team balance: the rules this team must keep" in page
        assert "Councillors: at most 2 of one party" in page
        assert "Lead member peer from the host&#x27;s ruling party (Labour)" in page
        assert "At most one peer from any one council" in page
        assert "govuk-tag--red" not in page  # the matcher keeps every rule
        for peer in peers.values():
            assert peer.council.name in page
            if peer.party:
                assert peer.get_party_display() in page


def test_team_checks_flag_a_team_that_breaks_a_balance_rule(users):
    """A team made elsewhere with two Labour councillors, a Labour lead member for a
    Conservative host and two peers from one council shows each broken rule."""
    from peerchallenge.selectors import team_checks

    challenge = make_challenge(control="Con")
    team = [
        make_peer("E08000003", "lead_member", "Lab"),
        make_peer("E08000003", "member", "Lab"),
        make_peer("E06000001", "senior_officer"),
    ]
    rules = {"max_same_party": 1, "min_parties": 2, "one_peer_per_council": True}
    broken = {c["rule"]: c["team"] for c in team_checks(challenge, team, rules) if not c["ok"]}
    assert broken == {
        "Councillors: at most 1 of one party": "Labour 2",
        "Councillors: at least 2 parties": "Labour 2",
        "Lead member peer from the host's ruling party (Conservative)": "Labour",
        "At most one peer from any one council": "2 councils for 3 peers",
        "No peer from the host council": "Hartlepool, Manchester",
    }
