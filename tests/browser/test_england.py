"""An English upper-tier council's dashboard and measure pages on real LAIT figures: measures
grouped by theme, a hex map of the group, and England's own figure beside the median."""

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command

from benchmarking.datasets import england_lait
from tests.browser.conftest import assert_accessible

DATA = Path(__file__).resolve().parents[2] / "data"
# The North East's upper-tier councils, and England.
NORTH_EAST = [
    "E06000001",
    "E06000002",
    "E06000003",
    "E06000004",
    "E06000005",
    "E06000047",
    "E06000057",
    "E08000021",
    "E08000022",
    "E08000023",
    "E08000024",
    "E08000037",
]
ENGLAND = "E92000001"


@pytest.fixture
def lait(transactional_db, register_loaded, tmp_path):
    """Real LAIT figures for the North East, imported as `make seed` imports the whole file."""
    (tmp_path / "councils").mkdir()
    shutil.copy(DATA / "councils" / "uk_local_authorities.csv", tmp_path / "councils")
    frame = pd.read_csv(DATA / england_lait.LAIT, dtype=str, keep_default_na=False)
    frame = frame[frame["gss_code"].isin([*NORTH_EAST, ENGLAND])]
    (tmp_path / england_lait.LAIT).parent.mkdir(parents=True)
    frame.to_csv(tmp_path / england_lait.LAIT, index=False)
    call_command(
        "import_dataset", "england-lait", "--data-dir", str(tmp_path), stdout=io.StringIO()
    )


def test_an_upper_tier_dashboard_by_theme_then_a_measure_with_its_map(page, lait):
    page.goto("/benchmarking/councils/E06000001/?group=region:north-east")
    main = page.locator("main")
    # Children's services has unit costs and outcomes: a heading in each element.
    assert main.get_by_role("heading", name="Children's services", exact=True).count() == 2
    assert main.get_by_role("heading", name="Education", exact=True).count() == 1
    assert_accessible(page)

    # The first measure under Education, its page with the map of the North East.
    education = main.get_by_role("heading", name="Education", exact=True)
    education.locator("xpath=following::table[1]//a").first.click()
    page.wait_for_selector("[data-chart='chart-map'] .main-svg")
    text = main.inner_text()
    assert "England as a whole:" in text
    assert "Hartlepool is outlined in black" in text
    assert "England's own figure is the dotted line." in text
    page.locator("[data-chart='chart-map']").scroll_into_view_if_needed()
    page.get_by_text("Show the figures as a table").nth(1).click()
    assert "Middlesbrough" in page.locator("table").nth(1).inner_text()
    assert_accessible(page)
