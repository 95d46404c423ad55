"""Each person signs in and lands on their own work, in Chromium with axe on every page: an
officer, a councillor, a peer, a provider and sector staff each see what waits for them and
follow it; a published report's PDF link downloads a PDF with the council's name in it."""

import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from pypdf import PdfReader

from earlywarning.services import alert_assign
from peerchallenge.models import Action, ChallengeState, MemberStatus, ReportState
from selfreg.assessment import services as assessment_services
from selfreg.assessment.models import Agreement, Framework
from tests.browser.conftest import assert_accessible, sign_in
from tests.earlywarning.test_alerts import make_alert
from tests.knowledgehub import helpers as hub
from tests.peerchallenge.builders import (
    add_member,
    add_report,
    make_challenge,
    make_peer,
    make_round,
)


@pytest.fixture
def waiting_work(users, hartlepool, darlington):
    """Something waiting for each role: Hartlepool's consultation with a response to
    moderate, its peer challenge being scoped and a conversation it is invited to; an
    invitation for the peer; a published review for the provider to answer; an alert
    assigned to sector staff and an open matching round."""
    cache.clear()
    call_command("load_frameworks", stdout=io.StringIO())
    officer = users["officer"]
    assessment = assessment_services.assessment_create(
        user=officer,
        council=hartlepool,
        year="2025-26",
        framework=Framework.objects.get(slug="corporate-peer-challenge", version=1),
    )
    for ta in assessment.theme_assessments.all():
        assessment_services.theme_save(
            user=officer,
            theme_assessment=ta,
            judgement="good",
            narrative="We do this well.",
            evidence="",
            metric_codes=[],
        )
    assessment_services.assessment_move(
        user=officer, assessment=assessment, to_state="consultation"
    )
    assessment_services.response_submit(
        assessment=assessment, theme=assessment.themes().first(), agreement=Agreement.AGREE
    )
    make_challenge(state=ChallengeState.SCOPING)
    conversation = make_alert(hartlepool, invited=True)
    peer = make_peer("E08000003", user=users["peer"])
    invitation = add_member(
        make_challenge("E06000005", state=ChallengeState.INVITATIONS),
        peer,
        status=MemberStatus.INVITED,
    )
    offer = hub.offer(users["provider"], hub.provider(users["provider"]))
    review = hub.review(officer, offer, staff=users["sector_staff"])
    assigned = make_alert(darlington)
    alert_assign(user=users["sector_staff"], alert=assigned, assignee=users["sector_staff"])
    make_round()
    return {
        "conversation": conversation,
        "invitation": invitation,
        "review": review,
        "assigned": assigned,
    }


def home(page, email):
    sign_in(page, email)
    assert page.locator("h1").inner_text() == "Your work"
    assert_accessible(page)
    return page.locator("main")


def test_each_role_lands_on_its_waiting_work_and_follows_it(page, users, waiting_work):
    main = home(page, "officer@example.com")
    assert "Hartlepool" in main.inner_text()
    assert "Open for consultation" in main.inner_text()
    assert "Scoping" in main.inner_text()
    main.get_by_role("link", name="1 response waiting for moderation").click()
    assert "Moderate" in page.locator("h1").inner_text()
    assert_accessible(page)
    page.goto("/")
    page.get_by_role("link", name="Conversation with sector staff").click()
    assert page.url.endswith(f"/early-warning/conversations/{waiting_work['conversation'].pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    main = home(page, "councillor@example.com")
    assert "Open consultation" in main.inner_text()
    assert "waiting for moderation" not in main.inner_text()
    assert "Conversation with sector staff" not in main.inner_text()
    main.get_by_role("link", name="Your council's dashboard").click()
    assert "Hartlepool" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Sign out").click()

    main = home(page, "peer@example.com")
    assert "Invitations to join a peer challenge team" in main.inner_text()
    main.get_by_role("link", name=re.compile("Darlington")).click()
    assert page.url.endswith(f"/peer-challenge/invitations/{waiting_work['invitation'].pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    main = home(page, "provider@example.com")
    assert "Reviews waiting for your reply" in main.inner_text()
    main.get_by_role("link", name=re.compile("Hartlepool on")).click()
    assert page.url.endswith(f"/reviews/{waiting_work['review'].pk}/reply/")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    main = home(page, "sector_staff@example.com")
    text = main.inner_text()
    assert "Early-warning alerts assigned to you" in text
    assert "All 2 open alerts" in text
    assert "Open matching rounds" in text
    assert "Round 2027" in text
    main.get_by_role("link", name="Darlington").click()
    assert page.url.endswith(f"/early-warning/alerts/{waiting_work['assigned'].pk}/")


def test_a_published_report_prints_and_its_pdf_link_downloads_a_pdf(page, register_loaded):
    challenge = make_challenge(state=ChallengeState.ACTION_PLAN)
    add_report(challenge, state=ReportState.PUBLISHED, summary="A clear ambition.")
    Action.objects.create(
        challenge=challenge,
        recommendation="Do one thing",
        action="Did it",
        owner="Chief executive",
        due="2026-01-31",
        status="done",
    )
    cache.clear()
    page.goto(f"/peer-challenge/reports/{challenge.pk}/")
    assert_accessible(page)
    # Printed from the browser: the content and where it came from, without the navigation.
    page.emulate_media(media="print")
    assert page.locator(".app-print-attribution").is_visible()
    assert not page.locator(".govuk-template__header").is_visible()
    assert not page.get_by_role("link", name="Download this page as a PDF").is_visible()
    page.emulate_media(media="screen")
    assert not page.locator(".app-print-attribution").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this page as a PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as saved:
        reader = PdfReader(saved)
        text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Hartlepool" in text
    assert "1 of 1 actions done (100%)" in text
    assert "Open Government Licence v3.0" in text
