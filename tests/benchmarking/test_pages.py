"""The council dashboard and metric pages: what they show, to whom, in how many queries."""

import pytest
from django.urls import reverse

from benchmarking.services import comparisons_recompute, metrics_import, values_import
from benchmarking.validation import read_table
from selfreg.models import Visibility

NORTH_EAST = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"]


def load(rows, visibility=Visibility.PUBLIC):
    text = "gss_code,metric_code,period,value\n" + "".join(
        f"{g},{m},{p},{v}\n" for g, m, p, v in rows
    )
    values_import(
        frame=read_table(text.encode(), "v.csv"),
        source="upload",
        visibility=visibility,
        recompute=False,
    )


@pytest.fixture
def data(db):
    metrics_import(
        rows=[
            {
                "code": f"m{i}",
                "title": f"Measure {i}",
                "element": element,
                "unit": "%",
                "polarity": "higher_better",
            }
            for i, element in enumerate(["perception", "cost", "outcome", "outcome"])
        ]
    )
    rows = []
    for i in range(4):
        for n, gss in enumerate(NORTH_EAST):
            rows += [(gss, f"m{i}", "2018-19", 10 * n), (gss, f"m{i}", "2019-20", 10 * n + 5)]
    load(rows)
    load([("E06000001", "m0", "2020-21", 99)], visibility=Visibility.COUNCIL)
    comparisons_recompute()


def dashboard(client, **params):
    return client.get(reverse("benchmarking:council", args=["E06000001"]), params)


def test_dashboard_shows_each_element_with_band_median_and_change(client, data):
    response = dashboard(client, group="region")
    page = response.content.decode()
    assert response.status_code == 200
    for heading in (
        "Resident perception",
        "Productivity and unit cost",
        "Outcomes and performance",
    ):
        assert heading in page
    sections = response.context["sections"]
    row = sections[0].rows[0]
    # Hartlepool: 5 against 5, 15, 25, 35, 45 in 2019-20; 0 the year before.
    assert (row.period, row.value, row.median, row.lower_quartile) == ("2019-20", 5, 25, 15)
    assert row.quartile_band == 4 and row.band_words == "Worst quarter"
    assert row.direction == "better" and row.change == 5
    assert row.series == [("2018-19", 0), ("2019-20", 5)]
    assert "<svg" in page and 'role="img"' in page


def test_council_only_values_are_shown_to_the_council_alone(client_for, users, data):
    row = dashboard(client_for(None)).context["sections"][0].rows[0]
    assert row.period == "2019-20"
    row = dashboard(client_for(users["officer"])).context["sections"][0].rows[0]
    assert (row.period, row.value) == ("2020-21", 99)
    row = dashboard(client_for(users["other_officer"])).context["sections"][0].rows[0]
    assert row.period == "2019-20"


def test_dashboard_query_count_does_not_grow_with_metrics(
    client, data, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12) as few:
        dashboard(client, group="region")
    metrics_import(
        rows=[{"code": f"x{i}", "title": f"Extra {i}", "element": "outcome"} for i in range(30)]
    )
    load([(gss, f"x{i}", "2019-20", n) for i in range(30) for n, gss in enumerate(NORTH_EAST)])
    comparisons_recompute()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = dashboard(client, group="region")
    assert sum(len(s.rows) for s in response.context["sections"]) == 34


def test_custom_group_is_compared_now(client, data):
    response = dashboard(client, councils="E06000002, E06000003")
    row = response.context["sections"][0].rows[0]
    assert row.n == 3 and row.median == 15
    assert response.context["group"].label == "custom:E06000001,E06000002,E06000003"
    response = dashboard(client, councils="E06000002, NOPE")
    assert "No council has the code(s) NOPE" in response.content.decode()


def test_dashboard_csv(client, data):
    response = dashboard(client, group="all", format="csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("council,group,element,metric,title")
    assert len(lines) == 5


def test_metric_page_draws_the_group_and_the_council_over_time(client, data):
    response = client.get(
        reverse("benchmarking:metric", args=["m0"]), {"council": "E06000001", "group": "all"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-chart="chart-distribution"' in page and 'id="chart-distribution"' in page
    assert 'data-chart="chart-history"' in page
    assert "vendor/plotly.min.js" in page
    assert "format=csv" in page
    distribution = response.context["distribution"]
    assert len(distribution.table) == 5
    assert response.context["history"].table


def test_metric_page_unknown_metric_is_404(client, db):
    assert client.get(reverse("benchmarking:metric", args=["nope"])).status_code == 404


def test_metric_page_period_switch_and_bad_group(client, data):
    response = client.get(
        reverse("benchmarking:metric", args=["m0"]), {"period": "2018-19", "group": "type:ZZ"}
    )
    assert response.context["period"] == "2018-19"
    assert "No council type has the code" in response.content.decode()


def test_ranks_only_on_request(client, data):
    assert "ranked" not in dashboard(client, group="region").content.decode()
    page = dashboard(client, group="region", ranks="on").content.decode()
    assert "ranked 5 of 5 councils" in page


def test_metric_page_shows_some_councils_over_the_whole_groups_statistics(client, data):
    response = client.get(
        reverse("benchmarking:metric", args=["m0"]),
        {
            "council": "E06000001",
            "group": "region:north-east",
            "show": "E06000002",
            "period": "2019-20",
        },
    )
    shown = {row["gss_code"] for row in response.context["distribution"].table}
    assert shown == {"E06000001", "E06000002"}
    assert response.context["comparison"].statistics["n"] == 5
    assert response.context["own_value"].value == 5
