"""Accounts through the pages only: sign-up with a confirmed address, a role asked for and
decided, password reset, two-factor sign-in, and an API token made, used and revoked."""

import base64
import json
import re
import urllib.error
import urllib.request

import pytest
from django.core import mail
from django.core.cache import cache
from django_otp.oath import totp

from selfreg.models import Role, RoleKind
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import DARLINGTON, HARTLEPOOL, PASSWORD, two_factor_device
from tests.factories import RoleFactory, UserFactory, council

NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture(autouse=True)
def fresh_limits():
    """The sign-up and reset limits count in the cache; each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


def last_link() -> str:
    return re.search(r"https?://\S+", mail.outbox[-1].body)[0]


def click(page, role, name):
    page.get_by_role(role, name=name).click()
    page.wait_for_load_state()


def sign_out(page):
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_load_state()


def council_admin(email: str, gss: str):
    person = UserFactory(email=email)
    RoleFactory(user=person, kind=RoleKind.COUNCIL_ADMIN, council=council(gss))
    two_factor_device(person)
    return person


def ask_for_role(page, council_name: str, role_label: str):
    page.goto("/account/")
    click(page, "link", "Ask for a role at a council")
    assert_accessible(page)
    page.get_by_label("Council", exact=True).select_option(label=council_name)
    page.get_by_label(role_label, exact=True).check()
    page.get_by_label("Job title").fill("Performance analyst")
    click(page, "button", "Send the request")
    assert "Your request has been sent" in page.locator(".govuk-notification-banner").inner_text()


def decide(page, decision: str):
    page.goto("/account/")
    click(page, "link", re.compile("waiting for your decision"))
    assert_accessible(page)
    click(page, "link", re.compile("Nia New"))
    assert_accessible(page)
    click(page, "button", decision)
    assert_accessible(page)


def test_sign_up_confirm_and_a_role_approved_by_the_council_admin_and_by_staff(page, users):
    council_admin("ha.admin@example.com", HARTLEPOOL)
    council_admin("da.admin@example.com", DARLINGTON)
    page.goto("/sign-in/")
    click(page, "link", "Create an account")
    assert_accessible(page)
    click(page, "button", "Create account")  # nothing filled in
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Nia New")
    page.get_by_label("Email address").fill("nia@example.com")
    page.get_by_label("Create a password").fill(PASSWORD)
    click(page, "button", "Create account")
    assert page.locator("h1").inner_text() == "Check your email"
    assert_accessible(page)

    page.goto(last_link())
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "Your email address is confirmed" in banner
    sign_in(page, "nia@example.com")
    page.goto("/account/")
    ask_for_role(page, "Hartlepool", "Council officer")
    assert "Waiting for a decision" in page.locator("main").inner_text()
    assert_accessible(page)
    sign_out(page)
    # The email to Hartlepool's officer-administrator links to the request.
    assert mail.outbox[-1].to == ["ha.admin@example.com"]
    request_link = re.search(r"https?://\S+/account/roles/requests/\d+/", mail.outbox[-1].body)[0]

    # The officer-administrator of another council does not see it, and is refused it.
    sign_in(page, "da.admin@example.com")
    page.goto("/account/")
    assert "0 requests for roles are waiting" in page.locator("main").inner_text()
    response = page.goto(request_link)
    assert response.status == 403
    assert_accessible(page)
    sign_out(page)

    sign_in(page, "ha.admin@example.com")
    decide(page, "Approve")
    assert "Approved" in page.locator(".govuk-notification-banner").inner_text()
    sign_out(page)
    assert Role.objects.filter(user__email="nia@example.com", kind=RoleKind.OFFICER).exists()

    sign_in(page, "nia@example.com")
    page.goto("/account/")
    assert "Council officer, Hartlepool" in page.locator("main").inner_text()
    # Sector staff decide requests to be a council's officer-administrator.
    ask_for_role(page, "Darlington", "Council officer-administrator")
    sign_out(page)
    sign_in(page, "sector_staff@example.com")
    decide(page, "Approve")
    sign_out(page)
    assert Role.objects.filter(
        user__email="nia@example.com", kind=RoleKind.COUNCIL_ADMIN, council__gss_code=DARLINGTON
    ).exists()


def test_password_reset_by_email(page, users):
    page.goto("/sign-in/")
    click(page, "link", "Forgotten your password?")
    assert_accessible(page)
    page.get_by_label("Email address").fill("officer@example.com")
    click(page, "button", "Send the link")
    assert page.locator("h1").inner_text() == "Check your email"
    assert_accessible(page)
    page.goto(last_link())
    assert page.locator("h1").inner_text() == "Choose a new password"
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm the new password").fill(NEW_PASSWORD)
    click(page, "button", "Change password")
    assert page.locator("h1").inner_text() == "Your password has been changed"
    assert_accessible(page)
    sign_in(page, "officer@example.com", NEW_PASSWORD)
    page.goto("/account/")
    assert "Signed in as officer@example.com" in page.locator("main").inner_text()


def test_staff_set_up_two_factor_before_early_warning_then_sign_in_with_a_code(page, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below does not hold up the right
    staff = UserFactory(email="new.staff@example.com")
    RoleFactory(user=staff, kind=RoleKind.SECTOR_STAFF, council=None)
    sign_in(page, "new.staff@example.com")
    page.goto("/early-warning/")
    assert "/account/two-factor/" in page.url
    assert page.locator("h1").inner_text() == "Set up two-factor sign-in"
    assert_accessible(page)

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret)
    page.get_by_label("Code from your authenticator app").fill("000000")
    click(page, "button", "Turn on two-factor sign-in")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Code from your authenticator app").fill(f"{totp(key):06d}")
    click(page, "button", "Turn on two-factor sign-in")
    assert page.url.endswith("/early-warning/")
    assert_accessible(page)
    sign_out(page)

    # Signing in again asks for the code, computed from the same secret.
    page.goto("/sign-in/")
    page.get_by_label("Email address").fill("new.staff@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    click(page, "button", "Sign in")
    assert page.locator("h1").inner_text() == "Enter the code from your authenticator app"
    assert_accessible(page)
    page.goto("/early-warning/")
    assert "/account/two-factor/code/" in page.url
    # The code just used is not accepted again: the app's next code is.
    page.get_by_label("Code from your authenticator app").fill(f"{totp(key, drift=1):06d}")
    click(page, "button", "Continue")
    assert page.url.endswith("/early-warning/")


def post_values(base_url: str, key: str, rows: list) -> int:
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        f"{base_url}/api/v1/values/",
        data=json.dumps(rows).encode(),
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_an_api_token_is_made_used_and_revoked(page, live_server, users, benchmarks):
    sign_in(page, "officer@example.com")
    page.goto("/account/")
    click(page, "link", "Manage API tokens")
    assert_accessible(page)
    page.get_by_label("Name").fill("Finance upload script")
    page.get_by_label("Read data, and submit data for Hartlepool").check()
    click(page, "button", "Create token")
    key = page.locator("#new-token").inner_text().strip()
    assert_accessible(page)
    assert "Never" in page.locator("table").inner_text()

    row = {"gss_code": HARTLEPOOL, "metric_code": "sat", "period": "2020-21", "value": "21"}
    assert post_values(live_server.url, key, [row]) == 201
    other = {**row, "gss_code": DARLINGTON}
    assert post_values(live_server.url, key, [other]) == 400  # outside the token's scope
    page.goto("/account/api-tokens/")
    assert "Never" not in page.locator("table").inner_text()  # the time of last use

    click(page, "button", "Revoke Finance upload script")
    assert "revoked" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    assert post_values(live_server.url, key, [row]) == 401
