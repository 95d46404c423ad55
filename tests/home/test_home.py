"""The signed-in home page: each person's councils and the work waiting for them, read
through each tool's access rules, so nobody sees there what they may not see elsewhere."""

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse

from earlywarning.services import alert_assign
from knowledgehub import services as hub_services
from peerchallenge.models import ChallengeState, MemberStatus
from selfreg.assessment import services as assessment_services
from selfreg.assessment.models import Agreement, AssessmentState
from selfreg.models import Role, RoleKind
from tests.earlywarning.test_alerts import make_alert
from tests.factories import UserFactory
from tests.knowledgehub import helpers as hub
from tests.peerchallenge.builders import add_member, make_challenge, make_peer, make_round

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def home_text(client_for, user) -> str:
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def consultation(make_assessment):
    """Hartlepool's self-assessment open for consultation, with one response to moderate."""
    assessment = make_assessment(state=AssessmentState.CONSULTATION)
    assessment_services.response_submit(
        assessment=assessment,
        theme=assessment.themes().first(),
        agreement=Agreement.AGREE,
        comment="Good.",
    )
    return assessment


def test_a_visitor_keeps_the_public_home_page(client_for):
    text = home_text(client_for, None)
    assert "Your work" not in text
    assert "Sign in" in text


def test_an_officer_sees_their_council_and_what_waits_in_each_tool(
    client_for, users, hartlepool, consultation
):
    make_challenge(state=ChallengeState.SCOPING)
    conversation = make_alert(hartlepool, invited=True)
    make_alert(hartlepool)  # not invited: never shown to the council
    text = home_text(client_for, users["officer"])
    assert "Your work" in text
    assert "Hartlepool" in text
    assert reverse("benchmarking:council", args=["E06000001"]) in text
    assert "Open for consultation" in text
    assert "1 response waiting for moderation" in text
    assert reverse("assessment:moderation", args=["E06000001", "2025-26"]) in text
    assert "Scoping" in text
    assert reverse("earlywarning:conversation", args=[conversation.pk]) in text
    assert text.count("/early-warning/") == 1


def test_a_councillor_sees_the_consultation_but_not_moderation_or_conversations(
    client_for, users, hartlepool, consultation
):
    make_alert(hartlepool, invited=True)
    text = home_text(client_for, users["councillor"])
    assert "Open for consultation" in text
    assert "waiting for moderation" not in text
    assert reverse("assessment:consultation", args=["E06000001", "2025-26"]) in text
    assert "/early-warning/" not in text


def test_a_councillor_is_asked_for_comments_and_an_officer_to_answer_them_in_scrutiny(
    client_for, users, make_assessment
):
    assessment = make_assessment(state=AssessmentState.SCRUTINY)
    assessment_services.scrutiny_comment_add(
        user=users["councillor"], assessment=assessment, text="Why so good?"
    )
    assert "Comment on the self-assessment" in home_text(client_for, users["councillor"])
    assert "1 councillor&#x27;s comment to answer" in home_text(client_for, users["officer"])


def test_another_council_sees_nothing_of_hartlepools_work(
    client_for, users, hartlepool, make_assessment
):
    make_assessment()  # a draft: Hartlepool's own
    make_challenge(state=ChallengeState.REQUESTED)
    make_alert(hartlepool, invited=True)
    text = home_text(client_for, users["other_officer"])
    assert "Darlington" in text
    assert "/E06000001/" not in text
    assert "None started yet" in text
    assert "/early-warning/" not in text


def test_a_peer_sees_the_invitations_they_can_still_answer(client_for, users):
    user = users["peer"]
    peer = make_peer("E08000003", user=user)
    waiting = make_challenge("E06000005", state=ChallengeState.INVITATIONS)
    answered = make_challenge("E06000004", state=ChallengeState.INVITATIONS)
    invitation = add_member(waiting, peer, status=MemberStatus.INVITED)
    add_member(answered, peer, status=MemberStatus.DECLINED)
    text = home_text(client_for, user)
    assert "Invitations to join a peer challenge team" in text
    assert reverse("peerchallenge:invitation_answer", args=[invitation.pk]) in text
    assert "Darlington" in text
    assert "Stockton" not in text


def test_a_peer_without_invitations_is_told_so(client_for, users):
    make_peer("E08000003", user=users["peer"])
    assert "No invitations are waiting for your answer." in home_text(client_for, users["peer"])


def test_a_provider_sees_published_reviews_without_a_reply(client_for, users):
    owner, staff = users["provider"], users["sector_staff"]
    provider = hub.provider(owner)
    offer = hub.offer(owner, provider)
    review = hub.review(users["officer"], offer, staff=staff)
    hub.review(users["other_officer"], offer, gss="E06000005")  # not yet published
    text = home_text(client_for, owner)
    assert reverse("knowledgehub:review_reply", args=[review.pk]) in text
    assert "Darlington" not in text
    hub_services.review_reply(user=owner, review=review, body="Thank you.")
    assert "No review is waiting for your reply." in home_text(client_for, owner)
    # Someone else with the provider role does not run this provider.
    other = UserFactory(email="other-provider@example.com")
    Role.objects.create(user=other, kind=RoleKind.PROVIDER)
    assert "/review" not in home_text(client_for, other)


def test_sector_staff_see_their_alerts_open_rounds_and_reviews_to_moderate(
    client_for, users, hartlepool, darlington
):
    staff = users["sector_staff"]
    mine = make_alert(hartlepool)
    alert_assign(user=staff, alert=mine, assignee=staff)
    make_alert(darlington)
    matching_round = make_round()
    provider = hub.provider(users["provider"])
    hub.review(users["officer"], hub.offer(users["provider"], provider))
    text = home_text(client_for, staff)
    assert reverse("earlywarning:alert", args=[mine.pk]) in text
    assert "All 2 open alerts" in text
    assert matching_round.get_absolute_url() in text
    assert "Reviews waiting for moderation" in text
    # None of it reaches anyone else.
    for role in ("officer", "peer", "provider", "political_lead"):
        text = home_text(client_for, users[role])
        assert "/early-warning/alerts/" not in text
        assert matching_round.get_absolute_url() not in text
        assert "Reviews waiting for moderation" not in text


def test_the_kernel_imports_no_tool_for_the_home_page():
    """The tools register what they show; selfreg/home.py imports none of them."""
    tree = ast.parse((ROOT / "selfreg/home.py").read_text())
    modules = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    tools = ("benchmarking", "peerchallenge", "earlywarning", "knowledgehub", "selfreg.assessment")
    assert not [m for m in modules if m and m.startswith(tools)]


def test_a_political_lead_is_offered_to_record_intelligence_and_reads_none(client_for, users):
    text = home_text(client_for, users["political_lead"])
    assert reverse("earlywarning:record_start") in text
    assert "/early-warning/alerts/" not in text


def test_a_long_list_shows_the_first_ten_and_counts_them_all(client_for, users, hartlepool):
    staff = users["sector_staff"]
    for _ in range(12):
        alert_assign(user=staff, alert=make_alert(hartlepool), assignee=staff)
    text = home_text(client_for, staff)
    assert len(re.findall(r"/early-warning/alerts/\d+/", text)) == 10
    assert '<span class="govuk-tag">12</span>' in text
    assert "All 12 open alerts" in text
