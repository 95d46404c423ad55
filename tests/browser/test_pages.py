"""Every page built so far opens in Chromium, works, and is clean under axe (WCAG 2.2 AA)."""

import pytest

from benchmarking import readcache
from selfreg import services
from tests.browser.conftest import assert_accessible, sign_in

PUBLIC_PAGES = [
    "/",
    "/councils/",
    "/councils/?q=durham&include_former=on",
    "/councils/E06000001/",
    "/councils/E10000016/",
    "/councils/E07000026/",
    "/groupings/",
    "/groupings/region-north-east/",
    "/accessibility/",
    "/sign-in/",
    "/self-assessment/",
    "/benchmarking/",
    "/peer-challenge/",
    "/knowledge-hub/",
    "/councils/E99999999/",
    "/api/v1/docs/",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_is_accessible(page, path):
    response = page.goto(path)
    assert response.status == (404 if "E99999999" in path else 200)
    assert page.locator("h1").count() == 1
    # GOV.UK Frontend's JavaScript started (the module set its body class).
    assert "govuk-frontend-supported" in page.locator("body").get_attribute("class")
    assert_accessible(page)


def test_sign_in_errors_are_accessible(page, users):
    sign_in(page, "officer@example.com", "wrong-password")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)


def test_officer_journey_creates_grouping_and_invites(page, users, darlington):
    sign_in(page, "officer@example.com")
    page.goto("/account/")
    assert "Council officer" in page.locator("main").inner_text()
    assert_accessible(page)

    page.goto("/groupings/new/")
    page.get_by_role("button", name="Create grouping").click()
    assert page.locator(".govuk-error-message").count() >= 1
    assert_accessible(page)

    page.get_by_label("Name of the grouping").fill("Tees Valley partners")
    page.get_by_role("button", name="Create grouping").click()
    assert page.locator("h1").inner_text() == "Tees Valley partners"
    assert "Grouping created" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)

    page.get_by_label("Council to invite").select_option(label="Darlington")
    page.get_by_role("button", name="Send invitation").click()
    assert "Darlington has been invited" in page.locator("main").inner_text()


def test_officer_chooses_what_the_council_shares(page, users):
    sign_in(page, "officer@example.com")
    page.goto("/benchmarking/councils/E06000001/sharing/")
    assert_accessible(page)
    page.locator("#id_perception_1").check()  # own council only
    page.get_by_role("button", name="Save choices").click()
    assert "Your choices are saved" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)


def test_invited_officer_accepts(page, users, hartlepool, darlington):
    grouping = services.grouping_create(user=users["officer"], owner=hartlepool, name="Tees")
    services.grouping_invite(user=users["officer"], grouping=grouping, council=darlington)
    sign_in(page, "other_officer@example.com")
    page.goto("/account/")
    assert_accessible(page)
    page.get_by_role("button", name="Accept Tees").click()
    assert "You have joined Tees" in page.locator("main").inner_text()


def test_sector_staff_pages_are_accessible(page, users):
    sign_in(page, "sector_staff@example.com")
    for path in ["/early-warning/", "/groupings/new/"]:
        assert page.goto(path).status == 200
        assert_accessible(page)


def test_find_a_measure_and_move_between_parts_of_a_big_dashboard(page, benchmarks, monkeypatch):
    page.goto("/benchmarking/councils/E06000001/?group=region")
    page.get_by_label("Find a measure").fill("cost")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=cost**")
    assert "group=region" in page.url  # the comparison chosen is kept
    assert page.get_by_role("status").inner_text().startswith("1 measure matches “cost”.")
    assert page.locator("tbody tr").count() == 1
    assert_accessible(page)

    monkeypatch.setattr("benchmarking.dashboards.ALL_ON_ONE_PAGE", 1)
    readcache.forget()  # as a new release's code does: the page kept before is not sent
    page.goto("/benchmarking/councils/E06000001/?group=region")
    parts = page.get_by_role("navigation", name="Parts of the dashboard")
    assert "Resident perception (1)" in parts.locator("[aria-current=page]").inner_text()
    parts.get_by_role("link", name="Productivity and unit cost (1)").click()
    page.wait_for_url("**element=cost**")
    assert page.locator("tbody tr th").inner_text().startswith("Cost per resident")
    assert_accessible(page)


def test_mobile_menu_toggles(browser, live_server, register_loaded):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto("/")
    toggle = page.get_by_role("button", name="Menu")
    assert toggle.is_visible()
    menu_link = page.locator("#navigation").get_by_role("link", name="Benchmarking")
    assert not menu_link.is_visible()
    toggle.click()
    assert menu_link.is_visible()
    context.close()


def test_dashboard_and_metric_page_draw_charts_accessibly(page, benchmarks):
    page.goto("/benchmarking/councils/E06000001/?group=region")
    assert page.locator("svg.app-sparkline").count() == 2
    assert_accessible(page)

    page.goto("/benchmarking/metrics/sat/?council=E06000001&group=region:north-east")
    page.wait_for_selector("[data-chart='chart-distribution'] .main-svg")
    page.wait_for_selector("[data-chart='chart-history'] .main-svg")
    page.get_by_text("Show the figures as a table").first.click()
    assert "Hartlepool" in page.locator("table").first.inner_text()
    assert_accessible(page)

    page.goto(
        "/benchmarking/compare/?metric_1=sat&metric_2=cost&councils=E06000001,E06000002,E06000003"
    )
    page.wait_for_selector("[data-chart='chart-lines-1'] .main-svg")
    page.wait_for_selector("[data-chart='chart-scatter'] .main-svg")
    assert_accessible(page)


def test_officer_upload_is_checked_confirmed_and_saved_with_progress(
    page, users, hartlepool, tmp_path, settings
):
    from benchmarking.models import Upload, UploadStatus, Value
    from benchmarking.services import metrics_import
    from benchmarking.uploads import upload_commit

    settings.MEDIA_ROOT = tmp_path / "media"
    metrics_import(
        rows=[{"code": "sat", "title": "Satisfied", "element": "perception", "unit": "%"}]
    )
    header = "gss_code,metric_code,period,value\n"
    sign_in(page, "officer@example.com")
    page.goto("/benchmarking/upload/")
    assert_accessible(page)

    def upload(name: str, body: str) -> None:
        path = tmp_path / name
        path.write_text(header + body)
        page.get_by_label("Upload a file").set_input_files(str(path))
        page.get_by_role("button", name="Upload and check").click()

    upload("bad.csv", "E06000001,sat,2019-20,five\nE06000005,sat,2019-20,4\n")
    assert "There are 2 problems with bad.csv" in page.locator(".govuk-error-summary").inner_text()
    problems = page.locator("#problems").inner_text()
    assert "'five' is not a number." in problems
    assert "You cannot submit data for 'E06000005'." in problems
    assert_accessible(page)

    page.get_by_role("button", name="Upload a corrected file").click()
    upload("good.csv", "E06000001,sat,2019-20,5\n")
    assert page.locator("h1").inner_text() == "Check what your file will change"
    assert Value.objects.count() == 0
    assert_accessible(page)
    page.get_by_role("button", name="Confirm and save").click()
    # Celery runs eagerly here, so the file is saved by the time the page comes back.
    assert "Values saved" in page.locator(".govuk-panel").inner_text()
    assert "1" in page.locator("#counts").inner_text()
    assert Value.objects.get().value == 5
    assert_accessible(page)

    page.get_by_role("link", name="See all your uploads").click()
    assert page.locator("#uploads tbody tr").count() == 2
    assert_accessible(page)

    # A file still being saved by a worker: its page polls, then shows the result.
    page.goto("/benchmarking/upload/")
    upload("correction.csv", "E06000001,sat,2019-20,6\n")
    waiting = Upload.objects.get(original_name="correction.csv")
    Upload.objects.filter(pk=waiting.pk).update(status=UploadStatus.COMMITTING, total=1)
    page.reload()
    assert page.locator("h1").inner_text() == "Saving your file"
    assert page.get_by_label("Rows saved").count() == 1
    assert_accessible(page)
    upload_commit(upload_id=waiting.pk)
    page.wait_for_selector(".govuk-panel--confirmation", timeout=10_000)
    assert Value.objects.get().value == 6
    assert_accessible(page)

    page.goto("/benchmarking/values/new/")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Council").select_option(label="Hartlepool")
    page.get_by_label("Period").fill("2020-21")
    page.get_by_label("Resident perception").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Satisfied (%)").fill("lots")
    page.get_by_role("button", name="Save values").click()
    assert "'lots' is not a number." in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Satisfied (%)").fill("7")
    page.get_by_role("button", name="Save values").click()
    assert (
        "Values saved for Hartlepool, 2020-21"
        in page.locator(".govuk-notification-banner").inner_text()
    )
    assert_accessible(page)


def test_officer_records_a_resident_survey(page, users):
    import io

    from django.core.management import call_command

    call_command("load_survey_questions", stdout=io.StringIO())
    sign_in(page, "officer@example.com")
    page.goto("/self-assessment/")
    page.get_by_role("link", name="Resident surveys: Hartlepool").click()
    assert page.locator("h1").inner_text() == "Resident surveys"
    assert_accessible(page)

    page.get_by_role("button", name="Record a survey").click()
    assert_accessible(page)
    page.get_by_label("Financial year of the fieldwork").fill("2024-25")
    for prefix, (day, month, year) in {
        "fieldwork_start": ("2", "9", "2024"),
        "fieldwork_end": ("30", "9", "2024"),
    }.items():
        page.locator(f"#id_{prefix}_0").fill(day)
        page.locator(f"#id_{prefix}_1").fill(month)
        page.locator(f"#id_{prefix}_2").fill(year)
    page.get_by_label("Online").check()
    page.get_by_label("How many people took part?").fill("900")
    counts = {
        "very_satisfied": 300,
        "fairly_satisfied": 350,
        "neither": 150,
        "fairly_dissatisfied": 100,
        "very_dissatisfied": 50,
        "dont_know": 50,
    }
    for answer, count in counts.items():
        page.locator(f"#id_count__sat-area__{answer}").fill(str(count))
    page.get_by_role("button", name="Record survey").click()

    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "the counts add up to 1,000, which is 100 more than the 900 people" in summary
    assert_accessible(page)

    page.get_by_label("How many people took part?").fill("1000")
    page.get_by_role("button", name="Record survey").click()
    assert "Survey recorded for Hartlepool, 2024-25" in (
        page.locator(".govuk-notification-banner").inner_text()
    )
    results = page.locator("table").first.inner_text()
    assert "68.4%" in results
    assert "65.4% to 71.3%" in results
    assert_accessible(page)


def test_council_self_assessment_from_draft_to_published(page, users):
    import io

    from django.core.cache import cache
    from django.core.management import call_command

    from selfreg.assessment.models import SelfAssessment

    call_command("load_frameworks", stdout=io.StringIO())
    cache.clear()  # consultation responses are counted there
    base = "/self-assessment/councils/E06000001/"

    def sign_out():
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()

    sign_in(page, "officer@example.com")
    page.goto(base)
    assert_accessible(page)
    page.get_by_role("button", name="Start a self-assessment").click()
    page.get_by_label("Financial year").fill("2025")
    page.get_by_role("button", name="Start self-assessment").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Financial year").fill("2025-26")
    page.get_by_label("Community safety").check()
    page.get_by_role("button", name="Start self-assessment").click()
    assert page.locator("h1").inner_text() == "Self-assessment 2025-26"
    assert_accessible(page)

    for code in [
        "local-priorities",
        "leadership",
        "governance-culture",
        "financial-planning",
        "capacity-improvement",
    ]:
        page.goto(f"{base}2025-26/themes/{code}/")
        page.get_by_label("Good", exact=True).check()
        page.get_by_label("Narrative").fill(f"Narrative for {code}.")
        page.get_by_role("button", name="Save draft").click()
    assert "Draft saved" in page.locator(".govuk-notification-banner").inner_text()
    page.get_by_role("link", name="Change Organisational and place leadership").click()
    assert_accessible(page)
    page.goto(f"{base}2025-26/")

    page.get_by_role("button", name="Move to: Open for consultation").click()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    sign_out()

    page.goto(f"{base}2025-26/consultation/")
    assert_accessible(page)
    page.get_by_role("button", name="Respond").click()
    page.get_by_role("button", name="Send response").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Governance and culture").check()
    page.get_by_label("Partly agree", exact=True).check()
    page.get_by_label("Your comment (optional)").fill("Meetings should be in the evening.")
    page.get_by_role("button", name="Send response").click()
    assert page.locator(".govuk-panel__title").inner_text() == "Response sent"
    assert_accessible(page)

    sign_in(page, "officer@example.com")
    page.goto(f"{base}2025-26/moderation/")
    assert_accessible(page)
    page.get_by_role("button", name="Show").click()
    assert "Shown" in page.locator("#moderation").inner_text()
    page.goto(f"{base}2025-26/")
    page.get_by_role("button", name="Move to: In scrutiny").click()
    page.get_by_role("button", name="Confirm").click()
    sign_out()

    sign_in(page, "councillor@example.com")
    page.goto(f"{base}2025-26/scrutiny/")
    assert_accessible(page)
    page.get_by_label("Your comment").fill("Is the budget gap really closed?")
    page.get_by_role("button", name="Add comment").click()
    assert "Comment added" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    sign_out()

    sign_in(page, "officer@example.com")
    page.goto(f"{base}2025-26/scrutiny/")
    page.get_by_label("The council's response").fill("Yes: see the outturn report.")
    page.get_by_role("button", name="Save response").click()
    assert_accessible(page)
    page.goto(f"{base}2025-26/")
    page.get_by_role("button", name="Move to: Published").click()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    assert "Published" in page.locator("main .govuk-tag").first.inner_text()
    assert SelfAssessment.objects.get().state == "published"
    sign_out()

    page.goto(f"{base}2025-26/")
    text = page.locator("main").inner_text()
    assert "Meetings should be in the evening." in text
    assert "Is the budget gap really closed?" in text
    assert "Yes: see the outturn report." in text
    assert_accessible(page)


def test_sector_staff_records_an_early_warning_signal(page, users):
    """Sector staff record a signal, fixing an error first, and see it on the council page."""
    import io

    from django.core.management import call_command

    from earlywarning.models import RecordedSignal

    call_command("load_signal_types", stdout=io.StringIO())
    sign_in(page, "sector_staff@example.com")
    page.goto("/early-warning/")
    assert_accessible(page)
    page.get_by_label("Council", exact=True).select_option(label="Hartlepool")
    page.get_by_role("button", name="Find council").click()
    assert "No signals have been recorded" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Record a signal").click()
    assert_accessible(page)

    kind = page.get_by_label("What kind of signal is it?")
    kind.select_option(label="Poor member/officer relations")
    page.get_by_role("button", name="Record signal").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert "Enter the evidence for the signal" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2025")
    page.get_by_label("3: high").check()
    page.get_by_label("Evidence").fill("Leader and chief executive no longer meet.")
    page.get_by_role("button", name="Record signal").click()
    assert (
        "Signal recorded for Hartlepool" in page.locator(".govuk-notification-banner").inner_text()
    )
    main = page.locator("main").inner_text()
    assert "Leader and chief executive no longer meet." in main
    assert "3 March 2025" in main
    assert_accessible(page)
    assert RecordedSignal.objects.get().recorded_by == users["sector_staff"]


def test_reader_follows_compared_with_to_councils_like_hartlepool(page, benchmarks):
    """From the dashboard's "compared with" sentence to the page that says why each set of
    similar councils is alike, its chart drawn, and on to one of those councils."""
    from benchmarking.services import similar_councils_recompute

    similar_councils_recompute()
    page.goto("/benchmarking/councils/E06000001/")
    inset = page.locator(".govuk-inset-text")
    assert "for each measure's kind of service" in inset.inner_text()
    inset.get_by_role("link", name="Why these councils are similar").click()
    page.wait_for_url("**/benchmarking/councils/E06000001/similar/")
    assert page.locator("h1").inner_text() == "Councils like Hartlepool"
    page.wait_for_selector("[data-chart='chart-people'] .main-svg")
    page.wait_for_selector("[data-chart='chart-overall'] .main-svg")
    people = page.locator("#people")
    assert people.inner_text() == "People services"
    page.get_by_role("link", name="Place services", exact=True).click()
    page.wait_for_url("**#place")
    assert "These councils are closest to Hartlepool on:" in page.locator("main").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Middlesbrough").first.click()
    page.wait_for_url("**/benchmarking/councils/E06000002/")
    assert page.locator("h1").inner_text() == "Middlesbrough"


def test_compare_tool_with_mixed_periods_draws_a_chart_per_kind_then_the_table(page, benchmarks):
    """Single years and a three-year span of one measure: chosen through the form by titles
    and council names, each kind of period gets its own chart (a line never joins a year to
    a span), every council is named, the charts come before the table, axe finds nothing."""
    from benchmarking.services import values_import
    from selfreg.fileproblems import read_table

    span = "gss_code,metric_code,period,value\nE06000001,sat,2017-20,40\nE06000002,sat,2017-20,45\n"
    values_import(frame=read_table(span.encode(), "v.csv"), source="upload", recompute=False)

    page.goto("/benchmarking/")
    page.get_by_role("link", name="Compare councils").first.click()
    assert_accessible(page)
    page.get_by_label("First measure").select_option(label="Residents satisfied")
    page.get_by_label("Councils", exact=True).select_option(
        label=["Darlington", "Hartlepool", "Middlesbrough"]
    )
    page.get_by_role("button", name="Compare").click()
    page.wait_for_selector("[data-chart='chart-lines-1'] .main-svg")
    page.wait_for_selector("[data-chart='chart-lines-2'] .main-svg")
    main = page.locator("main")
    assert main.get_by_role("heading", name="Financial years").is_visible()
    assert main.get_by_role("heading", name="Periods of 3 years").is_visible()
    assert "each kind has its own chart" in main.inner_text()
    years = page.locator("[data-chart='chart-lines-1']")
    spans = page.locator("[data-chart='chart-lines-2']")
    for name in ("Darlington", "Hartlepool", "Middlesbrough"):
        assert name in years.locator(".legend").text_content()
    assert "2017-20" not in years.locator(".xaxislayer-above").text_content()
    assert spans.locator(".xaxislayer-above").text_content().strip() == "2017-20"
    assert "Middlesbrough" in spans.locator("xpath=ancestor::figure").inner_text()
    table = page.locator("table", has_text="Figures by council and period")
    assert page.evaluate(
        "([chart, table]) => !!(chart.compareDocumentPosition(table) & 4)",
        [years.element_handle(), table.element_handle()],
    )
    assert "2017-20" in table.inner_text()
    assert_accessible(page)
