"""Peer challenge in Chromium: staff run a round and confirm it, peers answer, a decline is
refilled, and the published report is public. axe runs on every page visited."""

import datetime

from peerchallenge.models import (
    Action,
    ChallengeState,
    MatchingRun,
    MemberStatus,
    ReportState,
    RunStatus,
    TeamMember,
)
from tests.browser.conftest import assert_accessible, sign_in
from tests.peerchallenge.builders import (
    add_report,
    make_challenge,
    make_peer,
    make_pool,
    make_round,
)

TEMPLATE = {
    "lead_member": [1, 1],
    "member": [1, 1],
    "chief_exec": [1, 1],
    "senior_officer": [1, 2],
}


def visit(page, path):
    response = page.goto(path)
    assert response.status == 200, path
    assert_accessible(page)


def test_staff_match_a_round_peers_answer_and_a_decline_is_refilled(page, users):
    make_pool()
    # The only chief executive peer in the pool: every team needs one.
    make_peer("E08000007", "chief_exec", user=users["peer"])
    challenge = make_challenge(team_size=5, template=TEMPLATE)

    sign_in(page, "sector_staff@example.com")
    visit(page, "/peer-challenge/")
    page.get_by_role("link", name="Matching rounds").click()
    assert_accessible(page)
    page.get_by_role("button", name="Create round").click()  # empty: errors shown
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Name of the round").fill("Spring 2027")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Create round").click()
    assert page.locator("h1").inner_text() == "Spring 2027"
    assert_accessible(page)
    page.get_by_role("button", name="Add to round").click()
    assert challenge.host.name in page.locator("table").first.inner_text()
    assert_accessible(page)

    page.get_by_role("button", name="Run the matcher").click()
    page.wait_for_load_state()
    assert "Proposed team and why" in page.locator("main").inner_text()
    assert "proven best" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_text("Why others were not chosen").first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Check the teams before sending invitations").click()
    assert "5 peers will be invited" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Send the invitations").click()
    assert "invitations sent" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    visit(page, challenge.get_absolute_url())
    assert page.locator("main").inner_text().count("Invited") == 5

    # The demo peer accepts.
    page.context.clear_cookies()
    sign_in(page, "peer@example.com")
    visit(page, "/peer-challenge/invitations/")
    page.get_by_role("link", name=challenge.host.name).click()
    assert_accessible(page)
    page.get_by_label("Yes, I accept").check()
    page.get_by_role("button", name="Send answer").click()
    assert "You have accepted" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)

    # A senior officer peer declines; the matcher refills the place.
    decliner = TeamMember.objects.filter(challenge=challenge, role="senior_officer").first()
    page.context.clear_cookies()
    sign_in(page, decliner.peer.user.email)
    visit(page, f"/peer-challenge/invitations/{decliner.pk}/")
    page.get_by_label("No, I decline").check()
    page.get_by_label("Reason for declining (optional)").fill("On leave that week")
    page.get_by_role("button", name="Send answer").click()
    assert "another peer will be asked" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    decliner.refresh_from_db()
    assert decliner.status == MemberStatus.DECLINED
    invited = TeamMember.objects.filter(challenge=challenge, status=MemberStatus.INVITED)
    assert invited.count() == 4  # three still to answer and the replacement
    replacement = invited.exclude(invited_by__isnull=False).get()
    assert replacement.role == "senior_officer" and replacement.peer_id != decliner.peer_id

    page.context.clear_cookies()
    sign_in(page, "sector_staff@example.com")
    visit(page, challenge.get_absolute_url())
    assert "Declined" in page.locator("main").inner_text()
    refill = MatchingRun.objects.get(kind="refill", challenge=challenge)
    visit(page, refill.get_absolute_url())


def test_a_running_matcher_shows_its_progress(page, users):
    matching_round = make_round()
    run = MatchingRun.objects.create(round=matching_round, status=RunStatus.RUNNING)
    sign_in(page, "sector_staff@example.com")
    visit(page, run.get_absolute_url())
    assert page.locator("progress").count() == 1
    assert "Looking for a first complete assignment" in page.locator("main").inner_text()
    visit(page, f"/peer-challenge/rounds/{matching_round.pk}/import/")
    page.get_by_role("button", name="Check and apply").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    visit(page, f"/peer-challenge/rounds/{matching_round.pk}/rules/")
    visit(page, f"/peer-challenge/rounds/{matching_round.pk}/")
    visit(page, "/peer-challenge/peers/")
    visit(page, "/peer-challenge/ledger/")


def test_the_published_report_and_plan_are_public_and_accessible(page, users):
    challenge = make_challenge(
        "E06000005", ChallengeState.ACTION_PLAN, on_site=datetime.date(2025, 10, 6)
    )
    add_report(challenge, state=ReportState.PUBLISHED, summary="A clear ambition for the place.")
    Action.objects.create(
        challenge=challenge,
        recommendation="Do one thing",
        action="Did it",
        owner="Chief executive",
        due=datetime.date(2026, 1, 31),
        status="done",
    )
    visit(page, "/peer-challenge/")
    page.get_by_role("link", name="Darlington").click()
    assert "A clear ambition for the place." in page.locator("main").inner_text()
    assert "1 of 1 actions done" in page.locator("main").inner_text()
    assert_accessible(page)


def test_officer_asks_for_a_challenge_and_sees_the_ledger(page, users):
    sign_in(page, "officer@example.com")
    visit(page, "/peer-challenge/challenges/new/")
    page.get_by_role("button", name="Ask for a peer challenge").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Council").select_option(label="Hartlepool")
    page.get_by_label("Corporate peer challenge").check()
    page.get_by_label("Financial planning and management").check()
    page.get_by_role("button", name="Ask for a peer challenge").click()
    assert "Your request has been sent" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    visit(page, "/peer-challenge/ledger/")
    visit(page, "/peer-challenge/peers/nominate/")
