"""Values checked against their unit and their usual range, in the browser: an upload with a
percentage over 100 is refused; an upload and a typed value far outside the usual range are
saved only once the officer confirms them."""

from tests.browser.conftest import assert_accessible, sign_in


def test_values_outside_their_unit_are_refused_and_unusual_ones_confirmed(
    page, users, benchmarks, tmp_path, settings
):
    from benchmarking.models import Value

    settings.MEDIA_ROOT = tmp_path / "media"
    header = "gss_code,metric_code,period,value\n"
    sign_in(page, "officer@example.com")

    def upload(name: str, body: str) -> None:
        page.goto("/benchmarking/upload/")
        path = tmp_path / name
        path.write_text(header + body)
        page.get_by_label("Upload a file").set_input_files(str(path))
        page.get_by_role("button", name="Upload and check").click()

    upload("percent.csv", "E06000001,sat,2020-21,120\n")
    assert (
        "There is 1 problem with percent.csv" in page.locator(".govuk-error-summary").inner_text()
    )
    assert (
        "'120' is over 100, but this measure is a percentage."
        in page.locator("#problems").inner_text()
    )
    assert_accessible(page)

    # The five councils' costs lie between about 10 and 50: 5,000 is far outside.
    upload("odd.csv", "E06000001,cost,2020-21,5000\n")
    assert page.locator("h1").inner_text() == "Check what your file will change"
    assert "5,000 is far outside this measure's usual range" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm and save").click()
    assert "then confirm they are right" in page.locator("main").inner_text()
    assert not Value.objects.filter(period="2020-21").exists()
    page.get_by_label("I have checked the values far outside the usual range").check()
    page.get_by_role("button", name="Confirm and save").click()
    assert "Values saved" in page.locator(".govuk-panel").inner_text()
    assert Value.objects.get(period="2020-21", metric__code="cost").value == 5000
    assert_accessible(page)

    page.goto("/benchmarking/values/new/")
    page.get_by_label("Council").select_option(label="Hartlepool")
    page.get_by_label("Period").fill("2021-22")
    page.get_by_label("Productivity and unit cost").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Cost per resident (£)").fill("9000")
    page.get_by_role("button", name="Save values").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "9,000 is far outside this measure's usual range" in summary
    assert_accessible(page)
    page.get_by_label("I have checked the values far outside the usual range").check()
    page.get_by_role("button", name="Save values").click()
    assert (
        "Values saved for Hartlepool, 2021-22"
        in page.locator(".govuk-notification-banner").inner_text()
    )
    assert Value.objects.get(period="2021-22", metric__code="cost").value == 9000
