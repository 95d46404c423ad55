"""An email for each event that needs someone to act, sent by a job once the change commits:
a peer invited onto a team, a review waiting for its provider's reply, consultation responses
to moderate, a councillor's scrutiny comment, an early-warning conversation opened to the
council (an alert assigned is tested with early warning)."""

import pytest
from django.core import mail
from django.urls import reverse

from earlywarning.services import alert_invite
from knowledgehub.services import review_moderate
from peerchallenge import services as pc_services
from peerchallenge.models import MemberStatus
from selfreg.assessment import services as assessment_services
from selfreg.assessment.models import Agreement, AssessmentState
from tests.earlywarning.test_alerts import make_alert
from tests.knowledgehub import helpers as hub
from tests.peerchallenge.builders import make_challenge, make_pool, make_round

pytestmark = pytest.mark.django_db


def sent_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_confirming_a_round_emails_each_invited_peer_a_link_to_answer(
    users, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_URL = "https://portal.example.org"
    matching_round = make_round()
    make_pool()
    challenge = make_challenge(matching_round=matching_round)
    staff = users["sector_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        run = pc_services.run_start(user=staff, matching_round=matching_round)
    run.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invited = pc_services.proposal_confirm(user=staff, run=run)
    members = list(challenge.members.select_related("peer__user"))
    assert invited == len(members) > 0
    assert all(m.status == MemberStatus.INVITED for m in members)
    for member in members:
        (message,) = sent_to(member.peer.user.email)
        assert "Hartlepool" in message.body
        link = reverse("peerchallenge:invitation_answer", args=[member.pk])
        assert f"https://portal.example.org{link}" in message.body
    assert len(mail.outbox) == len(members)


def test_publishing_a_review_emails_the_providers_people_once(
    users, django_capture_on_commit_callbacks
):
    owner, staff = users["provider"], users["sector_staff"]
    offer = hub.offer(owner, hub.provider(owner))
    review = hub.review(users["officer"], offer)
    with django_capture_on_commit_callbacks(execute=True):
        review_moderate(user=staff, review=review, publish=True)
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert "Hartlepool" in message.body
    assert reverse("knowledgehub:review_reply", args=[review.pk]) in message.body


def test_a_refused_review_emails_nobody(users, django_capture_on_commit_callbacks):
    owner = users["provider"]
    review = hub.review(users["officer"], hub.offer(owner, hub.provider(owner)))
    with django_capture_on_commit_callbacks(execute=True):
        review_moderate(user=users["sector_staff"], review=review, publish=False)
    assert mail.outbox == []


def test_officers_hear_of_the_first_response_waiting_for_moderation(
    users, make_assessment, django_capture_on_commit_callbacks
):
    assessment = make_assessment(state=AssessmentState.CONSULTATION)
    theme = assessment.themes().first()
    mail.outbox.clear()
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assessment_services.response_submit(
                assessment=assessment, theme=theme, agreement=Agreement.AGREE
            )
    (message,) = mail.outbox
    assert message.to == [users["officer"].email]  # Hartlepool's officer only
    assert reverse("assessment:moderation", args=["E06000001", "2025-26"]) in message.body
    # Once they are moderated, the next response is news again.
    for response in assessment.responses.all():
        assessment_services.response_moderate(
            user=users["officer"], response=response, status="shown"
        )
    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.response_submit(
            assessment=assessment, theme=theme, agreement=Agreement.DISAGREE
        )
    assert len(mail.outbox) == 2


def test_a_councillors_scrutiny_comment_emails_the_officers(
    users, make_assessment, django_capture_on_commit_callbacks
):
    assessment = make_assessment(state=AssessmentState.SCRUTINY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.scrutiny_comment_add(
            user=users["councillor"], assessment=assessment, text="Is this right?"
        )
    (message,) = mail.outbox
    assert message.to == [users["officer"].email]
    assert reverse("assessment:scrutiny", args=["E06000001", "2025-26"]) in message.body


def test_inviting_a_council_into_a_conversation_emails_its_officers_without_the_alert(
    users, hartlepool, django_capture_on_commit_callbacks
):
    alert = make_alert(hartlepool)
    staff = users["sector_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        alert_invite(user=staff, alert=alert)
    (message,) = mail.outbox
    assert message.to == [users["officer"].email]
    assert reverse("earlywarning:conversation", args=[alert.pk]) in message.body
    assert alert.summary not in message.body
    assert "elevated" not in message.body.lower()
    with django_capture_on_commit_callbacks(execute=True):
        alert_invite(user=staff, alert=alert)  # already invited: nothing sent again
    assert len(mail.outbox) == 1
