"""Journeys as people make them: with the keyboard alone, on a 320 px wide screen, and a
councillor and a resident reading the benchmarks.

The other tools' own journeys live beside them (`test_peerchallenge.py`,
`test_earlywarning.py`, `test_knowledgehub.py`); uploading with an error, fixing it and
saving, and the self-assessment from draft to published are in `test_pages.py`.
"""

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import PASSWORD

# The GOV.UK focus state: a yellow (#ffdd00) background or outline on the focused element.
FOCUS_YELLOW = "rgb(255, 221, 0)"


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.tagName.toLowerCase(),
                text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim(),
                label: el.labels && el.labels.length ? el.labels[0].innerText.trim() : '',
                href: el.getAttribute('href') || '',
                marked: [style.backgroundColor, style.outlineColor, style.boxShadow].join(' '),
            };
        }"""
    )


def tab_to(page, text: str, href: str = "", limit: int = 150) -> dict:
    """Press Tab until the focused element's text or label starts with `text` (and, for a
    link, its address contains `href`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        named = now["text"].startswith(text) or now["label"].startswith(text)
        if named and href in now["href"]:
            return now
    raise AssertionError(f"Tab never reached {text!r}")


def test_keyboard_only_sign_in_and_read_a_councils_benchmarks(page, users, benchmarks):
    page.goto("/")
    # The first Tab reaches the skip link, which is visibly focused.
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to main content"
    assert FOCUS_YELLOW in skip["marked"]
    tab_to(page, "Sign in")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)

    tab_to(page, "Email address")
    page.keyboard.type("councillor@example.com")
    tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("button", name="Sign out").is_visible()

    page.goto("/benchmarking/")
    assert_accessible(page)
    tab_to(page, "Find a council's dashboard")
    page.keyboard.type("Hartlepool")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    link = tab_to(page, "Hartlepool", href="/councils/E06000001/")
    assert FOCUS_YELLOW in link["marked"]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Past the header by the skip link, then to the council's own benchmarking link.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    tab_to(page, "Benchmarking", href="/benchmarking/councils/E06000001/")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/benchmarking/councils/E06000001/" in page.url
    assert_accessible(page)

    tab_to(page, "Residents satisfied")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/benchmarking/metrics/sat/" in page.url
    assert "Hartlepool" in page.locator("main").inner_text()
    assert_accessible(page)


REFLOW_PAGES = [
    "/",
    "/councils/",
    "/councils/E06000001/",
    "/benchmarking/",
    "/benchmarking/councils/E06000001/?group=region",
    "/benchmarking/metrics/sat/?council=E06000001&group=region:north-east",
    "/benchmarking/compare/?metric_1=sat&metric_2=cost&councils=E06000001,E06000002",
    "/self-assessment/",
    "/peer-challenge/",
    "/knowledge-hub/",
    "/api/v1/docs/",
]


@pytest.mark.parametrize("path", REFLOW_PAGES)
def test_pages_reflow_at_320_px_without_sideways_scrolling(
    browser, live_server, register_loaded, benchmarks, path
):
    """WCAG 1.4.10: content reflows at 320 CSS px. Wide data tables may scroll inside their
    own region, but the page itself never does."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 320, "height": 640}, locale="en-GB"
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    assert page.goto(path).status == 200
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 321)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
    )
    assert width <= 320, f"{path} is {width} px wide at a 320 px viewport: {wide}"
    assert page.get_by_role("button", name="Menu").is_visible()
    assert_accessible(page)
    context.close()


def test_councillor_reads_the_dashboard_and_downloads_its_figures(page, users, benchmarks):
    sign_in(page, "councillor@example.com")
    page.goto("/benchmarking/councils/E06000001/")
    assert_accessible(page)
    page.goto("/benchmarking/councils/E06000001/?group=region")
    main = page.locator("main").inner_text()
    assert "Residents satisfied" in main
    assert "Cost per resident" in main
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").first.click()
    with open(download.value.path(), encoding="utf-8-sig") as saved:
        content = saved.read()
    assert content.splitlines()[0].startswith(("metric", "Metric", "council", "gss"))
    assert "sat" in content or "Residents satisfied" in content


def test_resident_reads_a_public_dashboard_without_signing_in(page, benchmarks):
    page.goto("/councils/E06000001/")
    assert_accessible(page)
    page.goto("/benchmarking/councils/E06000001/?group=region")
    assert "Residents satisfied" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Sign in").is_visible()
    assert_accessible(page)


def test_officer_uploads_a_figure_and_the_dashboard_compares_it(
    page, users, benchmarks, tmp_path, settings
):
    """Hartlepool's officer uploads a new figure through the pages; once saved, the
    dashboard places it against the group anew: from the worst quarter to the best."""
    settings.MEDIA_ROOT = tmp_path / "media"
    sign_in(page, "officer@example.com")
    page.goto("/benchmarking/councils/E06000001/?group=type")
    row = page.get_by_role("row").filter(has_text="Residents satisfied")
    assert "Worst quarter" in row.inner_text() and "22.0%" in row.inner_text()

    page.goto("/benchmarking/upload/")
    path = tmp_path / "return.csv"
    path.write_text("gss_code,metric_code,period,value\nE06000001,sat,2019-20,60\n")
    page.get_by_label("Upload a file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name="Confirm and save").click()
    assert "Values saved" in page.locator(".govuk-panel").inner_text()

    page.goto("/benchmarking/councils/E06000001/?group=type")
    row = page.get_by_role("row").filter(has_text="Residents satisfied")
    # The group's middle value moves from 22% to 32% with Hartlepool's new figure.
    assert "60.0%" in row.inner_text() and "Best quarter" in row.inner_text()
    assert "32.0%" in row.inner_text()
    assert_accessible(page)


def test_a_figure_the_council_keeps_to_itself_leaves_the_public_dashboard(
    page, browser, live_server, users, benchmarks
):
    """A resident reads Hartlepool's dashboard, which is then kept for every visitor; its
    officer, in a browser of their own, keeps residents' views to the council; the resident's
    next look no longer shows them, and the officer still sees them."""
    page.goto("/benchmarking/councils/E06000001/")
    page.reload()
    assert "Residents satisfied" in page.locator("main").inner_text()

    officer_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    officer = officer_context.new_page()
    sign_in(officer, "officer@example.com")
    officer.goto("/benchmarking/councils/E06000001/")
    officer.get_by_role("link", name="Choose who can see your council's figures").click()
    officer.locator("#id_perception_1").check()  # own council only
    officer.get_by_role("button", name="Save choices").click()
    assert "Your choices are saved" in officer.locator(".govuk-notification-banner").inner_text()

    page.reload()
    shown = page.locator("main").inner_text()
    assert "Residents satisfied" not in shown and "Cost per resident" in shown
    officer.goto("/benchmarking/councils/E06000001/")
    assert "Residents satisfied" in officer.locator("main").inner_text()
    officer_context.close()
