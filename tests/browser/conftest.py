"""Browser tests: Playwright drives the operating system's Chromium against a live server."""

import os
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Playwright's sync API runs an event loop in this thread; the Django calls the tests make
# around it are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make test`, which installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, register_loaded):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.console_errors = []

    def record(message):
        # A page answered with 400 or 404 on purpose logs its own status; anything else counts.
        own_status = message.text.startswith("Failed to load resource") and (
            message.location.get("url") == page.url
        )
        if message.type == "error" and not own_status:
            page.console_errors.append(message.text)

    page.on("console", record)
    yield page
    context.close()


def totp_code(device) -> str:
    """The code the person's authenticator app shows now, computed with the library's TOTP
    function from the device's secret. A code is accepted once: if this time step's code
    has been used, the next step's (which the portal accepts too) is given; if that has been
    used as well (a journey signing the same person in again and again), the next step is
    waited for, as a person would wait for their app to show a new code."""
    from django_otp.oath import totp

    device.refresh_from_db()
    while True:
        elapsed = time.time() - device.t0
        step_now = int(elapsed // device.step)
        if device.last_t <= step_now:
            break
        time.sleep(device.step - elapsed % device.step + 0.05)
    drift = 1 if step_now <= device.last_t else 0
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=drift):06d}"


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the page; where the account has an authenticator app, give its code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto("/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/account/two-factor/code/" in page.url:
        device = TOTPDevice.objects.get(user__email=email, confirmed=True)
        page.get_by_label("Code from your authenticator app").fill(totp_code(device))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()


def assert_accessible(page) -> None:
    """axe finds no WCAG 2.2 AA violation, and the page logged no error (CSP included)."""
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    violations = [
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})"
        for v in results.response["violations"]
    ]
    assert violations == [], f"{page.url}\n" + "\n".join(violations)
    assert page.console_errors == [], f"{page.url}: {page.console_errors}"


BENCHMARK_COUNCILS = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"]


@pytest.fixture
def benchmarks(transactional_db, register_loaded):
    """Two measures for five North East councils over three years, compared."""
    from benchmarking.services import comparisons_recompute, metrics_import, values_import
    from selfreg.fileproblems import read_table

    metrics_import(
        rows=[
            {
                "code": "sat",
                "title": "Residents satisfied",
                "element": "perception",
                "unit": "%",
                "polarity": "higher_better",
            },
            {
                "code": "cost",
                "title": "Cost per resident",
                "element": "cost",
                "unit": "£",
                "polarity": "lower_better",
            },
        ]
    )
    text = "gss_code,metric_code,period,value\n" + "".join(
        f"{gss},{code},{period},{10 * n + i}\n"
        for n, gss in enumerate(BENCHMARK_COUNCILS)
        for code in ("sat", "cost")
        for i, period in enumerate(["2017-18", "2018-19", "2019-20"])
    )
    values_import(frame=read_table(text.encode(), "v.csv"), source="upload", recompute=False)
    comparisons_recompute()
