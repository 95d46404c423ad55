"""A peer challenge walked from request to closed through the pages only, in Chromium: each
stage moved by the person it belongs to, the matcher run by a real Celery worker, axe on
every page. Only people (users, roles, the peer pool) are made by factories."""

import re

from playwright.sync_api import expect

from peerchallenge.models import Challenge, ChallengeState, MemberStatus, TeamMember
from tests.browser.conftest import assert_accessible, sign_in
from tests.peerchallenge.builders import make_pool

S = ChallengeState
ROLE_BOUNDS = {
    "Lead member peer": (1, 1),
    "Member peer": (1, 1),
    "Senior officer peer": (1, 2),
}


def banner(page) -> str:
    return page.locator(".govuk-notification-banner").inner_text()


def as_person(page, email):
    page.context.clear_cookies()
    sign_in(page, email)
    assert_accessible(page)


def open_challenge(page):
    """From the peer challenge home page to the Hartlepool challenge, by links."""
    page.goto("/peer-challenge/")
    assert_accessible(page)
    page.get_by_role("link", name="Your challenges").click()
    assert_accessible(page)
    page.get_by_role("link", name="Hartlepool").click()
    assert_accessible(page)


def stage_of(page) -> str:
    return page.locator("main .govuk-tag").first.inner_text()


def move(page, stage):
    page.get_by_role("button", name=f"Move to: {stage}").click()
    assert f"Moved to: {stage}." in banner(page)
    assert stage_of(page) == stage
    assert_accessible(page)


def test_a_peer_challenge_goes_from_request_to_closed_through_the_pages(page, users, celery_worker):
    pool = make_pool()

    # The council's officer asks for a challenge.
    as_person(page, "officer@example.com")
    page.goto("/peer-challenge/")
    page.get_by_role("link", name="Ask for a peer challenge").click()
    assert_accessible(page)
    page.get_by_label("Council").select_option(label="Hartlepool")
    page.get_by_label("Corporate peer challenge").check()
    page.get_by_label("Financial planning and management").check()
    page.get_by_label("Organisational and place leadership").check()
    page.get_by_role("button", name="Ask for a peer challenge").click()
    assert "Your request has been sent" in banner(page)
    assert "Sector staff agree the scope with the council." in page.locator("main").inner_text()
    assert page.get_by_role("button", name=re.compile("^Move to")).count() == 0
    assert_accessible(page)
    challenge = Challenge.objects.get(host__gss_code="E06000001")
    assert challenge.state == S.REQUESTED

    # Sector staff scope it from its page.
    as_person(page, "sector_staff@example.com")
    open_challenge(page)
    page.get_by_role("link", name="Scope the challenge").click()
    assert_accessible(page)
    page.get_by_label("Day", exact=True).fill("8")
    page.get_by_label("Month", exact=True).fill("3")
    page.get_by_label("Year", exact=True).fill("2027")
    page.get_by_label("Days on site").fill("3")
    page.get_by_label("Team size").fill("4")
    page.get_by_label("Political control of the host council").select_option(label="Labour")
    page.get_by_label("The lead member peer comes from the host's ruling party").check()
    for role, (fewest, most) in ROLE_BOUNDS.items():
        page.get_by_label(f"{role}: fewest", exact=True).fill(str(fewest))
        page.get_by_label(f"{role}: most", exact=True).fill(str(most))
    page.get_by_role("button", name="Save scope").click()
    assert "Scope saved." in banner(page)
    assert stage_of(page) == "Scoping"
    assert_accessible(page)

    # Staff gather it into a round, run the matcher on the worker, check and confirm.
    page.goto("/peer-challenge/")
    page.get_by_role("link", name="Matching rounds").click()
    page.get_by_label("Name of the round").fill("Spring 2027")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Create round").click()
    assert_accessible(page)
    page.get_by_role("button", name="Add to round").click()
    assert "added" in banner(page)
    assert_accessible(page)
    page.get_by_role("button", name="Run the matcher").click()
    expect(page.get_by_text("Proposed team and why")).to_be_visible(timeout=90_000)
    main = page.locator("main").inner_text()
    assert "Score says how well a peer fits a challenge" in main
    assert "Gap says how far this answer could be from the best possible" in main
    assert "Team balance: the rules this team must keep" in main
    assert_accessible(page)
    page.get_by_role("button", name="Check the teams before sending invitations").click()
    assert "4 peers will be invited" in page.locator("main").inner_text()
    assert_accessible(page)
    challenge.refresh_from_db()
    assert challenge.state == S.TEAM_PROPOSED and not challenge.members.exists()
    page.get_by_role("button", name="Send the invitations").click()
    assert "4 invitations sent" in banner(page)
    assert_accessible(page)

    # Each invited peer accepts from their invitations page; the last confirms the team.
    invited = TeamMember.objects.filter(challenge=challenge).select_related("peer__user")
    assert {m.peer for m in invited} <= set(pool) and invited.count() == 4
    for member in invited:
        as_person(page, member.peer.user.email)
        page.goto("/peer-challenge/")
        page.get_by_role("link", name="Your invitations").click()
        assert_accessible(page)
        page.get_by_role("link", name="Hartlepool").click()
        assert_accessible(page)
        page.get_by_label("Yes, I accept").check()
        page.get_by_role("button", name="Send answer").click()
        assert "You have accepted" in banner(page)
        assert_accessible(page)
    assert set(invited.values_list("status", flat=True)) == {MemberStatus.ACCEPTED}

    # Staff record the visit and the feedback, and write the report.
    as_person(page, "sector_staff@example.com")
    open_challenge(page)
    assert stage_of(page) == "Team confirmed"
    move(page, "On site")
    move(page, "Feedback")
    page.get_by_role("link", name="Write the report").click()
    assert_accessible(page)
    page.get_by_label("Summary").fill("A council with a clear ambition for its place.")
    page.get_by_label("Recommendations").fill("Publish a medium-term financial plan")
    page.get_by_role("button", name="Save draft report").click()
    assert "Draft report saved." in banner(page)
    assert_accessible(page)

    # The council's officer corrects a fact in the draft.
    as_person(page, "officer@example.com")
    open_challenge(page)
    page.get_by_role("link", name="Correct a fact in the draft report").click()
    assert_accessible(page)
    page.get_by_label("What is factually wrong, and what is right?").fill(
        "The council has 36 councillors, not 33."
    )
    page.get_by_role("button", name="Send correction").click()
    assert "Your correction has been sent" in banner(page)
    assert page.get_by_role("button", name=re.compile("^Move to")).count() == 0
    assert_accessible(page)

    # Staff publish the report.
    as_person(page, "sector_staff@example.com")
    open_challenge(page)
    move(page, "Report published")

    # The officer writes the action plan, publishes it and reports at the check-in.
    as_person(page, "officer@example.com")
    open_challenge(page)
    page.get_by_role("link", name="Add an action to the plan").click()
    assert_accessible(page)
    page.get_by_label("Recommendation").fill("Publish a medium-term financial plan")
    page.get_by_label("Action").fill("Cabinet agrees a three-year plan")
    page.get_by_label("Owner").fill("Director of finance")
    page.get_by_label("Day", exact=True).fill("30")
    page.get_by_label("Month", exact=True).fill("9")
    page.get_by_label("Year", exact=True).fill("2027")
    page.get_by_role("button", name="Save action").click()
    assert "Action saved." in banner(page)
    assert "Cabinet agrees a three-year plan" in page.locator("main").inner_text()
    assert_accessible(page)
    open_challenge(page)
    move(page, "Action plan")
    move(page, "Six-month check-in")

    # Staff hold the progress review and close the challenge.
    as_person(page, "sector_staff@example.com")
    open_challenge(page)
    move(page, "Progress review")
    move(page, "Closed")
    assert page.get_by_role("button", name=re.compile("^Move to")).count() == 0

    challenge.refresh_from_db()
    assert challenge.state == S.CLOSED
    moved_by = [(t.to_state, t.by.email if t.by else None) for t in challenge.transitions.all()]
    staff, officer = "sector_staff@example.com", "officer@example.com"
    assert moved_by[:3] == [
        (S.REQUESTED, officer),
        (S.SCOPING, staff),
        (S.TEAM_PROPOSED, staff),
    ]
    assert moved_by[3:] == [
        (S.INVITATIONS, staff),
        (S.TEAM_CONFIRMED, invited.last().peer.user.email),
        (S.ON_SITE, staff),
        (S.FEEDBACK, staff),
        (S.REPORT_PUBLISHED, staff),
        (S.ACTION_PLAN, officer),
        (S.CHECK_IN, officer),
        (S.PROGRESS_REVIEW, staff),
        (S.CLOSED, staff),
    ]

    # Anyone reads the published report and plan.
    page.context.clear_cookies()
    page.goto("/peer-challenge/")
    assert_accessible(page)
    page.get_by_role("link", name="Hartlepool").click()
    main = page.locator("main").inner_text()
    assert "A council with a clear ambition for its place." in main
    assert "Cabinet agrees a three-year plan" in main
    assert_accessible(page)
