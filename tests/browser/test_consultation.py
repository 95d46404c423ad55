"""A consultation from the first click to the last, through the pages only.

The officer opens it (after being told which theme still needs a judgement), a resident finds
it from the home page and answers, the officer moderates and moves the assessment on, a
councillor reads what residents said, the officer replies ("you said, we did"), and the
resident finds the closed consultation again with the council's reply, before and after
publication. axe runs on every page on the way.
"""

import io

from django.core.cache import cache
from django.core.management import call_command

from tests.browser.conftest import assert_accessible, sign_in

BASE = "/self-assessment/councils/E06000001/"
CORE = {
    "local-priorities": "Local priorities and outcomes",
    "leadership": "Organisational and place leadership",
    "governance-culture": "Governance and culture",
    "financial-planning": "Financial planning and management",
    "capacity-improvement": "Capacity for improvement",
}
CONSULTATION_LINK = "Hartlepool: self-assessment 2025-26, open for consultation"


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def move_on(page, stage):
    page.goto(f"{BASE}2025-26/")
    page.get_by_role("button", name=f"Move to: {stage}").click()
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()


def test_a_consultation_found_answered_closed_and_replied_to(page, users):
    call_command("load_frameworks", stdout=io.StringIO())
    cache.clear()  # response counts from earlier runs

    # The officer starts the assessment and judges four of the five core themes.
    sign_in(page, "officer@example.com")
    page.goto(BASE)
    page.get_by_role("button", name="Start a self-assessment").click()
    page.get_by_label("Financial year").fill("2025-26")
    page.get_by_role("button", name="Start self-assessment").click()
    for code in list(CORE)[:4]:
        page.goto(f"{BASE}2025-26/themes/{code}/")
        page.get_by_label("Good", exact=True).check()
        page.get_by_label("Narrative").fill(f"Narrative for {code}.")
        page.get_by_role("button", name="Save draft").click()

    # Opening the consultation is refused, naming the theme left.
    page.get_by_role("button", name="Move to: Open for consultation").click()
    assert "Not judged yet: Capacity for improvement" in page.locator("#unjudged").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "before opening the consultation: Capacity for improvement" in summary
    assert_accessible(page)
    page.goto(f"{BASE}2025-26/themes/capacity-improvement/")
    page.get_by_label("Adequate", exact=True).check()
    page.get_by_role("button", name="Save draft").click()
    move_on(page, "Open for consultation")
    assert "Open for consultation" in page.locator("main .govuk-tag").first.inner_text()
    sign_out(page)

    # A resident finds it from the home page and answers.
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name=CONSULTATION_LINK).click()
    assert "Have your say" in page.locator("h1").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Respond").click()
    page.get_by_label("Governance and culture").check()
    page.get_by_label("Disagree", exact=True).check()
    page.get_by_label("Your comment (optional)").fill("Council meetings should be in the evening.")
    page.get_by_role("button", name="Send response").click()
    assert page.locator(".govuk-panel__title").inner_text() == "Response sent"
    consultation_url = page.get_by_role("link", name="Back to the consultation").get_attribute(
        "href"
    )

    # The council's page lists it too.
    page.goto("/councils/E06000001/")
    assert page.get_by_role("link", name=CONSULTATION_LINK).is_visible()
    assert_accessible(page)

    # The officer shows the response and moves the assessment on to scrutiny.
    sign_in(page, "officer@example.com")
    page.goto(f"{BASE}2025-26/")
    page.get_by_role("link", name="Moderate consultation responses").click()
    page.get_by_role("button", name="Show").click()
    move_on(page, "In scrutiny")
    sign_out(page)

    # The home page no longer offers it; the public page says what stage it is at.
    page.goto("/")
    assert page.get_by_role("link", name=CONSULTATION_LINK).count() == 0
    page.goto("/councils/E06000001/")
    page.locator("main").get_by_role("link", name="Self-assessment", exact=True).click()
    assert "In scrutiny" in page.locator("#assessments").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Self-assessment 2025-26").click()
    assert "This self-assessment is in scrutiny" in page.locator("#stage-note").inner_text()
    assert_accessible(page)

    # A councillor reads what residents said while scrutinising.
    sign_in(page, "councillor@example.com")
    page.goto(f"{BASE}2025-26/scrutiny/")
    residents = page.locator("main").inner_text()
    assert "What residents said in the consultation" in residents
    assert "Council meetings should be in the evening." in residents
    assert_accessible(page)
    sign_out(page)

    # The officer replies: you said, we did.
    sign_in(page, "officer@example.com")
    page.goto(f"{BASE}2025-26/")
    page.get_by_role("link", name="Reply to what people said (you said, we did)").click()
    assert_accessible(page)
    page.get_by_label("Governance and culture").fill(
        "From April, full council meets at 6pm and is streamed."
    )
    page.get_by_role("button", name="Save replies").click()
    assert "Replies saved" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    sign_out(page)

    # The resident goes back to the page they answered on: closed, with the reply.
    page.goto(consultation_url)
    assert page.locator("#consultation-status").inner_text() == "Closed"
    text = page.locator("main").inner_text()
    assert "Council meetings should be in the evening." in text
    assert "From April, full council meets at 6pm and is streamed." in text
    assert page.get_by_role("button", name="Respond").count() == 0
    assert_accessible(page)

    # Published: the consultation is still there, with the reply.
    sign_in(page, "officer@example.com")
    move_on(page, "Published")
    assert "Published" in page.locator("main .govuk-tag").first.inner_text()
    sign_out(page)
    page.goto(f"{BASE}2025-26/")
    page.get_by_role(
        "link", name="The consultation: what people said and what the council did"
    ).click()
    text = page.locator("main").inner_text()
    assert "The self-assessment has been published." in text
    assert "From April, full council meets at 6pm and is streamed." in text
    assert_accessible(page)
