"""The measure catalogue as a person uses it: filter, read a definition, open a measure."""

from tests.browser.conftest import assert_accessible


def test_find_a_measure_in_the_catalogue_and_open_it(page, benchmarks):
    page.goto("/benchmarking/")
    page.get_by_role("link", name="Measures", exact=True).click()
    assert page.locator("h1").inner_text() == "Measures"
    assert "2 measures" in page.get_by_role("status").inner_text()
    assert_accessible(page)

    page.get_by_label("Element").select_option(label="Productivity and unit cost")
    page.get_by_role("button", name="Filter").click()
    assert "1 measure" in page.get_by_role("status").inner_text()
    table = page.locator("table.app-catalogue-table")
    assert "Cost per resident" in table.inner_text()
    assert "2017-18 to 2019-20" in table.inner_text()
    assert "Residents satisfied" not in table.inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Cost per resident").click()
    assert page.locator("h1").inner_text() == "Cost per resident"

    page.goto("/benchmarking/measures/")
    page.get_by_role("link", name="When each dataset was published and last updated").click()
    assert page.locator("h1").inner_text() == "Data updates"
    assert_accessible(page)
