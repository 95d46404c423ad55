"""A member of the public goes from an English council's dashboard to its financial
resilience page, reads a chart and the same figures as a table, with axe on each page."""

import pytest

from benchmarking.models import Metric, SimilarCouncil, SimilarityKind, Source, Value
from selfreg.models import Council
from tests.browser.conftest import assert_accessible

HARTLEPOOL = "E06000001"
NEIGHBOURS = ["E06000002", "E06000003", "E06000004", "E06000005", "E06000006"]
YEARS = ["2013-14", "2014-15", "2015-16", "2016-17", "2017-18"]


@pytest.fixture
def finance(transactional_db, register_loaded):
    hartlepool = Council.objects.get(gss_code=HARTLEPOOL)
    for rank, other in enumerate(NEIGHBOURS, start=1):
        SimilarCouncil.objects.create(
            council=hartlepool,
            neighbour=Council.objects.get(gss_code=other),
            kind=SimilarityKind.FINANCE,
            rank=rank,
            distance=rank,
        )
    metric = Metric.objects.create(
        code="fin-reserves-to-nre",
        title="Usable reserves as a share of net revenue expenditure",
        element="cost",
        unit="%",
        dataset="england-rs",
    )
    for i, period in enumerate(YEARS):
        for j, gss in enumerate([HARTLEPOOL, *NEIGHBOURS]):
            value = Value(
                council=Council.objects.get(gss_code=gss),
                metric=metric,
                value=14 - 2 * i if gss == HARTLEPOOL else 10 + 5 * j,
                source=Source.DATASET,
                source_ref="england-rs",
            )
            value.set_period(period)
            value.save()


def test_from_the_dashboard_to_financial_resilience_chart_and_table(page, finance):
    page.goto(f"/benchmarking/councils/{HARTLEPOOL}/")
    assert_accessible(page)
    page.get_by_role("link", name="Financial resilience: reserves, debt and spending").click()
    page.wait_for_load_state()
    main = page.locator("main")
    assert main.get_by_role("heading", level=1).inner_text() == "Financial resilience"
    latest = main.get_by_role("table", name="Latest figures")
    row = latest.get_by_role("row").filter(
        has_text="Usable reserves as a share of net revenue expenditure"
    )
    assert "6.0%" in row.inner_text()
    assert "-6.0 points" in row.inner_text()
    row.get_by_role("link").click()
    chart = page.locator('[data-chart="chart-reserves-to-nre"]')
    chart.locator(".main-svg").first.wait_for()
    figures = page.locator("details").filter(has=page.locator("table")).first
    figures.get_by_text("Show the figures as a table").click()
    table = figures.get_by_role("table")
    assert "2017-18" in table.inner_text()
    assert "20.0%" in table.inner_text()  # the similar councils' median
    assert (
        figures.get_by_role("link", name="Download these figures (CSV)")
        .get_attribute("href")
        .endswith("/financial-resilience.csv")
    )
    assert_accessible(page)
