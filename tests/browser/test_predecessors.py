"""A reader of a council formed from others goes from its dashboard to a measure, finds the
figures of the councils it replaced under its own, and follows one of them to that council's
view of the measure."""

import pytest

from tests.benchmarking.test_predecessors import DORSET, EAST_DORSET, history_load
from tests.browser.conftest import assert_accessible


@pytest.fixture
def history(transactional_db, register_loaded):
    history_load()


def test_from_the_successors_dashboard_to_a_predecessors_figures(page, history):
    page.goto(f"/benchmarking/councils/{DORSET}/")
    main = page.locator("main")
    assert "This council began in April 2019" in main.inner_text()
    assert_accessible(page)

    main.get_by_role("link", name="Measure 0").first.click()
    page.wait_for_load_state()
    table = page.get_by_role("table", name="Measure 0: figures of the councils replaced")
    text = table.inner_text()
    assert "East Dorset" in text and "West Dorset" in text
    assert "41.5" in text and "37.2" in text
    assert "78.7" not in text  # never added together
    assert "North Dorset" not in text  # its figure is kept to the council
    assert_accessible(page)

    table.get_by_role("link", name="East Dorset").click()
    page.wait_for_load_state()
    assert f"council={EAST_DORSET}" in page.url
    # The same measure, now for East Dorset: its own figure, among the councils of its day.
    assert page.locator("h1").inner_text() == "Measure 0"
    assert "East Dorset" in page.locator("main").inner_text()
    assert_accessible(page)
