"""The council dashboard and metric pages: what they show, to whom, in how many queries."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from benchmarking import dashboards
from benchmarking.services import comparisons_recompute, metrics_import, values_import
from selfreg.fileproblems import read_table
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


def test_dashboard_rows_say_band_count_median_and_change_in_words(client, data):
    page = dashboard(client, group="region", ranks="on").content.decode()
    row = page[page.index("Measure 0</a>") :]
    row = row[: row.index("</tr>")]
    assert "Higher is better" in row
    assert '<strong class="govuk-tag govuk-tag--orange">Worst quarter</strong>' in row
    assert "ranked 5 of 5 councils" in row
    assert "25.0%" in row and "15.0% to 35.0%" in row  # the median and middle half
    assert "Better (+5.0 points)" in row
    assert 'aria-label="Measure 0 from 2018-19 to 2019-20: 2 periods"' in row


def test_find_a_measure_by_name_or_code(client, data):
    response = dashboard(client, group="region", q="measure 2")
    page = response.content.decode()
    assert [r.metric.code for s in response.context["sections"] for r in s.rows] == ["m2"]
    assert "1 measure matches “measure 2”." in page
    assert 'name="group" value="region"' in page  # the search keeps the comparison
    response = dashboard(client, group="region", q="M3")
    assert [r.metric.code for s in response.context["sections"] for r in s.rows] == ["m3"]
    response = dashboard(client, q="nothing like it")
    assert response.context["sections"] == []
    assert "0 measures match “nothing like it”." in response.content.decode()
    lines = dashboard(client, q="measure 2", format="csv").content.decode().splitlines()
    assert len(lines) == 2 and ",m2," in lines[1]


def test_a_big_dashboard_shows_one_part_a_page_at_a_time(client, data, monkeypatch):
    monkeypatch.setattr(dashboards, "ALL_ON_ONE_PAGE", 3)
    monkeypatch.setattr(dashboards, "PAGE_ROWS", 1)
    response = dashboard(client, group="region")
    page = response.content.decode()
    # Four measures: the first part (perception) shows; the others are links with counts.
    assert [s.element for s in response.context["sections"]] == ["perception"]
    assert "4 measures: choose which part to show." in page
    assert '<strong aria-current="page">Resident perception (1)</strong>' in page
    assert "group=region&amp;element=outcome" in page and "Outcomes and performance (2)" in page
    response = dashboard(client, group="region", element="outcome", page="2")
    assert [r.metric.code for s in response.context["sections"] for r in s.rows] == ["m3"]
    page = response.content.decode()
    assert "2 of 2" in page and "group=region&amp;element=outcome&amp;page=1" in page
    # An unknown part falls back to the first; the CSV still holds every measure.
    response = dashboard(client, group="region", element="nope")
    assert [s.element for s in response.context["sections"]] == ["perception"]
    assert len(dashboard(client, group="region", format="csv").content.splitlines()) == 5


def test_custom_group_is_compared_now(client, data):
    response = dashboard(client, councils="E06000002, E06000003")
    row = response.context["sections"][0].rows[0]
    assert row.n == 3 and row.median == 15
    assert response.context["group"].label == "custom:E06000001,E06000002,E06000003"
    response = dashboard(client, councils="E06000002, NOPE")
    assert "No council has the code NOPE" in response.content.decode()


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
    assert "vendor/plotly-basic.min.js" in page
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


def test_a_group_of_fewer_than_five_has_no_band_and_no_middle_half_and_says_why(client, data):
    # Hartlepool with two other councils: three councils with figures.
    response = dashboard(client, councils="E06000002, E06000003")
    row = response.context["sections"][0].rows[0]
    assert row.n == 3 and row.median == 15
    assert row.quartile_band is None and row.lower_quartile is None
    assert row.band == dashboards.TOO_FEW
    page = response.content.decode()
    cells = page[page.index("Measure 0</a>") :]
    cells = cells[: cells.index("</tr>")]
    assert "fewer than 5 councils in the group have a figure" in cells
    assert "15.0%" in cells and "% to " not in cells  # the median, but no middle half
    assert "Best quarter" not in page and "Worst quarter" not in page
    csv = dashboard(client, councils="E06000002, E06000003", format="csv").content.decode()
    header, first = csv.splitlines()[:2]
    assert "band_note" in header
    assert "fewer than 5 councils in the group have a figure" in first


def test_metric_page_of_a_small_group_draws_no_middle_half_and_says_why(client, data):
    response = client.get(
        reverse("benchmarking:metric", args=["m0"]),
        {"council": "E06000001", "group": "custom:E06000001,E06000002"},
    )
    distribution = response.context["distribution"]
    assert not [s for s in distribution.figure["layout"].get("shapes", []) if s["type"] == "rect"]
    assert "quarter" not in distribution.summary.split(".")[0]
    assert "Fewer than 5 councils have a figure" in distribution.summary
    assert "Fewer than 5 councils have a figure" in response.content.decode()


def test_a_group_of_five_keeps_its_band_and_middle_half(client, data):
    row = dashboard(client, group="region").context["sections"][0].rows[0]
    assert row.band == 4 and row.lower_quartile == 15


def test_metric_page_offers_the_groups_councils_by_name_to_show_on_the_chart(client, data):
    url = reverse("benchmarking:metric", args=["m0"])
    params = {"council": "E06000001", "group": "region:north-east", "period": "2019-20"}
    page = client.get(url, params).content.decode()
    assert '<select class="govuk-select" id="id_show" name="show" multiple' in page
    assert '<option value="E06000002">Stockton-on-Tees</option>' not in page
    assert '<option value="E06000004">Stockton-on-Tees</option>' in page
    response = client.get(f"{url}?{urlencode(params)}&show=E06000002&show=E06000004")
    shown = {row["gss_code"] for row in response.context["distribution"].table}
    assert shown == {"E06000001", "E06000002", "E06000004"}
    assert '<option value="E06000004" selected>Stockton-on-Tees</option>' in (
        response.content.decode()
    )
