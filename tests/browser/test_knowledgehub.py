"""Knowledge Hub journeys in Chromium, with axe (WCAG 2.2 AA) on every page visited: an
officer finds a case study by search, joins a community and posts, and reviews an offer; a
provider replies to a review; sector staff publish and moderate."""

import re

import pytest

from knowledgehub import services
from knowledgehub.models import CaseStudyState, Review, ReviewReply, ReviewStatus, Thread
from tests.browser.conftest import assert_accessible, sign_in
from tests.knowledgehub import helpers


@pytest.fixture(autouse=True)
def hub_themes(register_loaded):
    """A transactional test's flush empties the themes the migration loaded."""
    services.themes_load()


@pytest.fixture
def hub(users):
    staff = users["sector_staff"]
    published = helpers.case_study(
        staff,
        title="Priority-based budgeting with residents",
        summary="The council rebuilt its budget from zero.",
        body="Budgeting started from outcomes. <script>alert(1)</script>",
        state=CaseStudyState.PUBLISHED,
        staff=staff,
    )
    helpers.case_study(
        staff,
        title="Homelessness prevention",
        summary="Advisers in GP surgeries.",
        body="Housing clinics.",
        gss="E08000021",
        themes=[helpers.theme("housing")],
        state=CaseStudyState.PUBLISHED,
        staff=staff,
    )
    group = helpers.community(staff)
    provider = helpers.provider(users["provider"])
    offer = helpers.offer(users["provider"], provider)
    return {"case_study": published, "community": group, "provider": provider, "offer": offer}


PUBLIC_PAGES = ["/knowledge-hub/", "/knowledge-hub/search/", "/knowledge-hub/marketplace/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_hub_pages_are_accessible(page, hub, path):
    assert page.goto(path).status == 200
    assert_accessible(page)


def test_officer_finds_a_case_study_by_search(page, users, hub):
    sign_in(page, "officer@example.com")
    page.goto("/knowledge-hub/")
    assert_accessible(page)
    page.get_by_label("Search the library").fill("budgets")
    page.get_by_role("button", name="Search").click()
    assert_accessible(page)
    results = page.locator("main")
    assert "1 result" in results.inner_text()
    assert results.locator("mark").first.inner_text().lower().startswith("budget")
    page.get_by_label("Theme").select_option("housing")
    page.get_by_label("Search the library").fill("")
    page.get_by_role("button", name="Search").click()
    assert "Homelessness prevention" in page.locator("main").inner_text()
    page.get_by_label("Theme").select_option("")
    page.get_by_label("Search the library").fill("budgeting")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Priority-based budgeting with residents").click()
    assert page.locator("h1").inner_text() == "Priority-based budgeting with residents"
    # The script in the body is shown as text and never runs.
    assert "<script>alert(1)</script>" in page.locator("main").inner_text()
    assert_accessible(page)


def test_officer_writes_a_case_study_with_errors_then_sends_it_for_review(page, users):
    sign_in(page, "officer@example.com")
    page.goto("/knowledge-hub/case-studies/new/")
    assert_accessible(page)
    page.get_by_role("button", name="Save draft").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Title").fill("Shared legal services")
    page.get_by_label("Summary").fill("Three councils share one legal team.")
    page.get_by_label("The full story").fill("We merged **three** teams.")
    page.get_by_label("Governance and culture").check()
    page.get_by_role("button", name="Save draft").click()
    assert page.locator("h1").inner_text() == "Shared legal services"
    assert_accessible(page)
    page.get_by_role("button", name="Send for review").click()
    assert "Sent for review" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)


def test_officer_joins_a_community_and_posts(page, users, hub):
    sign_in(page, "officer@example.com")
    page.goto("/knowledge-hub/communities/")
    assert_accessible(page)
    page.get_by_role("link", name="Finance directors").click()
    assert_accessible(page)
    page.get_by_role("button", name="Join this community").click()
    assert "You have joined" in page.locator(".govuk-notification-banner").inner_text()
    page.get_by_role("link", name="Start a conversation").click()
    assert_accessible(page)
    page.get_by_label("Title").fill("Budget consultation tools")
    page.get_by_label("Message").fill("Which **simulator** did you use?")
    page.get_by_role("button", name="Start conversation").click()
    assert page.locator("h1").inner_text() == "Budget consultation tools"
    assert page.locator("strong", has_text="simulator").count() == 1
    assert_accessible(page)
    page.get_by_label("Your reply").fill("Following up with our own notes.")
    page.get_by_role("button", name="Post reply").click()
    assert "Reply posted" in page.locator(".govuk-notification-banner").inner_text()
    assert Thread.objects.get().posts.count() == 2
    assert_accessible(page)
    page.get_by_role("link", name="Finance directors").click()
    page.get_by_role("link", name="Members").click()
    assert str(users["officer"]) in page.locator("main").inner_text()
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name="Budget consultation tools").click()
    page.get_by_role("link", name="Report this post").first.click()
    assert_accessible(page)
    page.get_by_label("What is wrong with this post?").fill("Testing the report form")
    page.get_by_role("button", name="Report post").click()
    assert "moderators will look" in page.locator(".govuk-notification-banner").inner_text()


def test_closed_group_request_is_approved_by_a_moderator(page, users, hub):
    group = helpers.community(users["sector_staff"], kind="closed", name="Chief executives")
    sign_in(page, "officer@example.com")
    page.goto(group.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("button", name="Ask to join").click()
    assert "A moderator will decide" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "sector_staff@example.com")
    page.goto(group.get_absolute_url())
    page.get_by_role("link", name="Moderate this community").click()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Approve")).click()
    assert "is now a member" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)


def test_officer_reviews_an_offer(page, users, hub):
    sign_in(page, "officer@example.com")
    page.goto("/knowledge-hub/marketplace/")
    page.get_by_role("link", name="Budget challenge sessions").click()
    assert_accessible(page)
    page.get_by_role("link", name="Review this offer").click()
    assert_accessible(page)
    page.get_by_role("button", name="Send review").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    for group, rating in [("Overall", "4"), ("Quality", "5"), ("Value for money", "3"),
                          ("Impact", "4")]:  # fmt: skip
        page.get_by_role("group", name=group).get_by_label(rating, exact=True).check()
    page.get_by_label("Your comments").fill("Well run <script>alert(1)</script>")
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2025")
    page.get_by_role("button", name="Send review").click()
    assert "once sector staff have checked it" in page.locator("main").inner_text()
    assert "Awaiting moderation" in page.locator("main").inner_text()
    assert_accessible(page)
    review = Review.objects.get()
    assert (review.rating, review.quality, review.value, review.impact) == (4, 5, 3, 4)
    assert review.council.gss_code == "E06000001"


def test_staff_moderate_and_publish(page, users, hub):
    helpers.review(users["officer"], hub["offer"], comment="Great sessions")
    in_review = helpers.case_study(users["officer"], state=CaseStudyState.IN_REVIEW)
    sign_in(page, "sector_staff@example.com")
    page.goto("/knowledge-hub/moderation/")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"^Publish\s+the review from Hartlepool")).click()
    assert Review.objects.get().status == ReviewStatus.PUBLISHED
    assert_accessible(page)
    page.get_by_role("link", name=in_review.title).click()
    assert_accessible(page)
    page.get_by_label("Publish it").check()
    page.get_by_role("button", name="Record decision").click()
    assert "Published" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    page.goto("/knowledge-hub/communities/new/")
    assert_accessible(page)


def test_provider_replies_to_a_review(page, users, hub):
    helpers.review(
        users["officer"], hub["offer"], comment="Useful", staff=users["sector_staff"], rating=3
    )
    sign_in(page, "provider@example.com")
    page.goto("/knowledge-hub/marketplace/")
    assert_accessible(page)
    page.get_by_role("link", name="Budget challenge sessions").first.click()
    assert "3 out of 5" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm the engagement").click()
    assert "Verified engagement" in page.locator("main").inner_text()
    page.get_by_role("link", name="Reply to Hartlepool").click()
    assert_accessible(page)
    page.get_by_label("Your reply").fill("Thank you; we have shortened the sessions.")
    page.get_by_role("button", name="Send reply").click()
    main = page.locator("main").inner_text()
    assert "Reply from Improvement Partners" in main
    assert "we have shortened the sessions" in main
    assert ReviewReply.objects.count() == 1
    assert page.get_by_role("link", name="Reply to Hartlepool").count() == 0
    assert_accessible(page)
    page.goto(hub["provider"].get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Add an offer").click()
    assert_accessible(page)


def tab_to(page, text: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text or label contains `text`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; return (e.innerText || '') + ' ' +"
            " (e.labels && e.labels[0] ? e.labels[0].innerText : ''); }"
        )
        if text in focused:
            return
    raise AssertionError(f"Tab never reached {text!r}")


def test_keyboard_only_provider_reply(page, users, hub):
    """The provider's reply journey with the keyboard alone: no clicks."""
    helpers.review(users["officer"], hub["offer"], comment="Good", staff=users["sector_staff"])
    sign_in(page, "provider@example.com")
    page.goto(hub["offer"].get_absolute_url())
    tab_to(page, "Reply")
    page.keyboard.press("Enter")
    page.wait_for_url("**/reply/")
    assert_accessible(page)
    tab_to(page, "Your reply")
    page.keyboard.type("Thank you for the kind words.")
    tab_to(page, "Send reply")
    page.keyboard.press("Enter")
    page.wait_for_url("**/offers/*/")
    assert "Thank you for the kind words." in page.locator("main").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/knowledge-hub/", "/knowledge-hub/marketplace/", "OFFER"])
def test_hub_pages_fit_a_320_pixel_screen(browser, live_server, hub, users, path):
    helpers.review(users["officer"], hub["offer"], comment="Good", staff=users["sector_staff"])
    context = browser.new_context(base_url=live_server.url, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(hub["offer"].get_absolute_url() if path == "OFFER" else path)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320
    context.close()
