"""Joining the peer pool in Chromium: an officer nominates someone new, who accepts through
the emailed link, chooses a password, and gives dates and named levels in their profile.
axe runs on every page."""

import re

from django.core import mail

from peerchallenge.models import Peer
from tests.browser.conftest import assert_accessible, sign_in

PASSWORD = "a long walk by the sea"


def test_a_nominated_person_joins_the_pool_and_keeps_their_profile(page, users):
    sign_in(page, "officer@example.com")
    page.goto("/peer-challenge/")
    page.get_by_role("link", name="Nominate a peer").click()
    assert_accessible(page)
    page.get_by_label("Home council").select_option(label="Hartlepool")
    page.get_by_label("Full name").fill("Robin Newpeer")
    page.get_by_label("Email address").fill("robin.newpeer@example.com")
    page.get_by_label("Council", exact=True).check()
    page.get_by_label("Peer role").select_option(label="Senior officer peer")
    page.get_by_role("button", name="Nominate peer").click()
    assert (
        "We have emailed Robin Newpeer" in page.locator(".govuk-notification-banner").inner_text()
    )
    assert_accessible(page)
    assert not Peer.objects.filter(user__email="robin.newpeer@example.com").exists()

    link = re.search(r"https?://\S+/peer-challenge/nominations/\S+/", mail.outbox[-1].body)[0]
    page.context.clear_cookies()
    page.goto(link)
    assert "Your nomination as a peer" in page.locator("h1").inner_text()
    assert_accessible(page)
    page.get_by_label("Yes, I accept").check()
    page.get_by_role("button", name="Send answer").click()  # no password yet
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Send answer").click()
    assert "Welcome to the peer pool" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)

    # The profile asks for dates and named levels.
    page.get_by_label("Days you offer this year").fill("8")
    page.locator("#id_away_from_0").fill("2")
    page.locator("#id_away_from_1").fill("8")
    page.locator("#id_away_from_2").fill("2027")
    page.locator("#id_away_to_0").fill("1")
    page.locator("#id_away_to_1").fill("8")
    page.locator("#id_away_to_2").fill("2027")
    page.get_by_role("button", name="Save profile").click()  # the last day before the first
    assert (
        "The last day must be the same as or after the first"
        in page.locator(".govuk-error-summary").inner_text()
    )
    assert_accessible(page)
    page.locator("#id_away_to_0").fill("13")
    finance = page.get_by_role("group", name="Financial planning and management")
    finance.get_by_label("Expert", exact=True).check()
    page.get_by_role("group", name="Housing").get_by_label("Some knowledge").check()
    page.get_by_role("button", name="Save profile").click()
    assert "Your profile has been saved." in page.locator(".govuk-notification-banner").inner_text()
    main = page.locator("main").inner_text()
    assert "2 August 2027 to 13 August 2027" in main
    assert "Some knowledge" in main and "Expert" in main
    assert_accessible(page)
    peer = Peer.objects.get(user__email="robin.newpeer@example.com")
    assert peer.unavailable_periods == [["2027-08-02", "2027-08-13"]]
    assert peer.expertise == {"financial-planning": 1.0, "housing": 0.33}

    # Signing in again works with the password chosen through the invitation.
    page.context.clear_cookies()
    sign_in(page, "robin.newpeer@example.com", PASSWORD)
    page.goto("/peer-challenge/peers/me/")
    assert page.locator("h1").inner_text() == "Your peer profile"
    assert_accessible(page)
