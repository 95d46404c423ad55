"""The demo: a round ready to match, the demo peer in the pool, a published report."""

import io

import pytest

from peerchallenge import demo, services
from peerchallenge.models import (
    Challenge,
    ChallengeState,
    MatchingRound,
    MemberStatus,
    Peer,
    Report,
    RunStatus,
)
from selfreg.demo import demo_seed
from selfreg.models import User
from tests.conftest import sign_in_fully

pytestmark = pytest.mark.django_db


def test_the_demo_round_matches_and_the_demo_peer_is_invited(django_capture_on_commit_callbacks):
    demo_seed(password="demo-password")
    out = io.StringIO()
    demo.seed(stdout=out)
    demo.seed(stdout=out)  # idempotent
    assert Peer.objects.count() == len(demo.PEERS)
    matching_round = MatchingRound.objects.get(name=demo.ROUND_NAME)
    assert matching_round.challenges.count() == 3
    hartlepool = matching_round.challenges.get(host__gss_code="E06000001")
    assert hartlepool.requested_by.email == "officer@example.com"
    completed = Challenge.objects.get(host__gss_code=demo.COMPLETED_HOST)
    assert completed.state == ChallengeState.ACTION_PLAN
    report = Report.objects.get(challenge=completed)
    assert report.is_published and report.published_at.date().isoformat() == "2026-01-20"
    assert completed.transitions.first().at.date().isoformat() == "2025-03-03"
    assert completed.actions.count() == 3

    staff = User.objects.get(email="staff@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(user=staff, matching_round=matching_round)
    run.refresh_from_db()
    assert run.status == RunStatus.SOLVED and run.result["unstaffed"] == {}
    services.proposal_confirm(user=staff, run=run)
    peer = Peer.objects.get(user__email="peer@example.com")
    assert peer.memberships.filter(status=MemberStatus.INVITED).exists()


def test_the_demo_darlington_challenge_moves_on_from_its_action_plan(client):
    """Sector staff open the completed demo challenge and see the button to its next stage,
    and pressing it moves it on (it used to be stuck at "Action plan")."""
    demo_seed(password="demo-password")
    demo.seed(stdout=io.StringIO())
    completed = Challenge.objects.get(host__gss_code=demo.COMPLETED_HOST)
    sign_in_fully(client, User.objects.get(email="staff@example.com"))
    assert "Move to: Six-month check-in" in client.get(completed.get_absolute_url()).text
    client.post(f"/peer-challenge/challenges/{completed.pk}/move/check_in/")
    completed.refresh_from_db()
    assert completed.state == ChallengeState.CHECK_IN


def test_demo_people_sign_in_with_the_demo_password(settings):
    """The demo password is hashed once and shared by the demo users and the demo peers:
    each of them signs in with it, and with nothing else."""
    settings.DEMO_PASSWORD = "demo-password"
    demo_seed(password="demo-password")
    demo.seed(stdout=io.StringIO())
    people = User.objects.filter(
        email__in=["officer@example.com", "admin@example.com", demo.PEERS[-1][0]]
    )
    assert people.count() == 3
    for person in people:
        assert person.check_password("demo-password")
        assert not person.check_password("another-password")
