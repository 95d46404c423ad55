import pytest
from django.urls import reverse

from benchmarking.models import SavedComparison
from benchmarking.services import metrics_import, values_import
from selfreg.fileproblems import read_table

URL = reverse("benchmarking:compare")
COUNCILS = ["E06000001", "E06000002", "E06000003"]


@pytest.fixture
def data(db):
    metrics_import(
        rows=[
            {"code": "a", "title": "Measure A", "element": "outcome", "unit": "%"},
            {"code": "b", "title": "Measure B", "element": "cost", "unit": "£"},
        ]
    )
    text = "gss_code,metric_code,period,value\n" + "".join(
        f"{gss},{code},{period},{n * 10 + i}\n"
        for n, gss in enumerate(COUNCILS)
        for code in ("a", "b")
        for i, period in enumerate(["2018-19", "2019-20"])
    )
    text += "E06000004,a,2019-20,99\n"
    values_import(frame=read_table(text.encode(), "v.csv"), source="upload", visibility="public")


def test_table_lines_and_scatter_for_chosen_councils(client, data):
    response = client.get(URL, {"metric_1": "a", "metric_2": "b", "councils": ",".join(COUNCILS)})
    assert response.status_code == 200
    context = response.context
    names = [c.name for c in context["councils"]]
    assert names == sorted(names)
    assert {c.gss_code for c in context["councils"]} == set(COUNCILS)
    assert len(context["rows"]) == 6  # 3 councils × 2 periods
    assert context["periods"] == ["2018-19", "2019-20"]
    assert context["line_charts"][0]["chart"].table[0]["period"] == "2018-19"
    assert len(context["scatter"].table) == 3
    assert context["scatter_period"] == "2019-20"
    page = response.content.decode()
    assert 'data-chart="chart-lines-1"' in page and 'data-chart="chart-scatter"' in page
    # The charts come first, then the table.
    assert page.index('data-chart="chart-lines-1"') < page.index("Figures by council and period")


def test_group_and_csv(client, data):
    response = client.get(URL, {"metric_1": "a", "group": "region:north-east", "format": "csv"})
    lines = response.content.decode().splitlines()
    assert lines[0] == "gss_code,council,period,a"
    assert "E06000004,Stockton-on-Tees,2019-20,99.0" in lines


def test_needs_councils_or_group_and_a_known_group(client, data):
    response = client.get(URL, {"metric_1": "a"})
    assert "Choose councils or enter a group of councils." in response.content.decode()
    response = client.get(URL, {"metric_1": "a", "group": "region:atlantis"})
    assert "No region is called" in response.content.decode()


def test_save_and_share_by_link(client_for, users, data):
    client = client_for(users["councillor"])
    query = "metric_1=a&councils=E06000001%2CE06000002"
    response = client.post(
        reverse("benchmarking:compare_save"), {"name": "Tees two", "query": query}
    )
    saved = SavedComparison.objects.get()
    assert response.url == reverse("benchmarking:compare_saved", args=[saved.slug])
    assert saved.query == {"metric_1": "a", "councils": "E06000001,E06000002"}
    shared = client_for(None).get(response.url)
    assert shared.context["saved"] == saved
    assert len(shared.context["rows"]) == 4
    assert "Tees two" in shared.content.decode()


def add(text):
    values_import(
        frame=read_table(("gss_code,metric_code,period,value\n" + text).encode(), "v.csv"),
        source="upload",
        visibility="public",
    )


def test_single_years_and_three_year_spans_never_share_a_line(client, data):
    add("".join(f"{gss},a,2016-19,{n}\n" for n, gss in enumerate(COUNCILS)))
    response = client.get(URL, {"metric_1": "a", "councils": ",".join(COUNCILS)})
    line_charts = response.context["line_charts"]
    assert [line["kind"] for line in line_charts] == ["Financial years", "Periods of 3 years"]
    years, spans = (line["chart"] for line in line_charts)
    assert {tuple(trace["x"]) for trace in spans.figure["data"]} == {("2016-19",)}
    assert {tuple(trace["x"]) for trace in years.figure["data"]} == {("2018-19", "2019-20")}
    page = response.content.decode()
    assert "each kind has its own chart" in page
    assert "too few to show a trend" in years.summary
    # The table keeps every period.
    assert {r["period"] for r in response.context["rows"]} == {"2016-19", "2018-19", "2019-20"}


def test_every_council_is_drawn_or_named_as_not_drawn_or_without_figures(client, data):
    many = [f"E0600000{i}" for i in range(1, 10)] + ["E06000010", "E06000011"]
    add("".join(f"{gss},a,2019-20,{n}\n" for n, gss in enumerate(many[:10])))
    response = client.get(URL, {"metric_1": "a", "councils": ",".join(many)})
    context = response.context
    chart = context["line_charts"][0]["chart"]
    drawn = [trace["name"] for trace in chart.figure["data"]]
    assert len(drawn) == 8
    named = set(drawn) | set(context["not_drawn"]) | set(context["no_figures"])
    assert named == {c.name for c in context["councils"]}
    assert len(context["not_drawn"]) == 2 and len(context["no_figures"]) == 1
    page = response.content.decode()
    assert "Not drawn, to keep the chart readable: " + ", ".join(context["not_drawn"]) in page
    assert context["no_figures"][0] in page and "No figures you can see for Measure A" in page
    styles = {(t["line"]["color"], t["marker"]["symbol"]) for t in chart.figure["data"]}
    assert len({c for c, _ in styles}) == len({s for _, s in styles}) == 8


def test_a_group_too_big_to_show_says_how_many_are_not_shown(client, data):
    response = client.get(URL, {"metric_1": "a", "group": "all"})
    context = response.context
    assert context["hidden_count"] > 0
    page = response.content.decode()
    assert f"{context['hidden_count']} more councils in the group are not shown" in page


def test_measures_are_offered_by_title_in_a_group_per_element(client, data):
    page = client.get(URL).content.decode()
    assert '<optgroup label="Outcomes and performance">' in page
    assert '<option value="a">Measure A</option>' in page
    assert "Measure A (a)" not in page


def test_the_councils_chosen_are_kept_in_the_csv_link_and_the_saved_comparison(
    client_for, users, data
):
    client = client_for(users["councillor"])
    response = client.get(URL + f"?metric_1=a&councils={COUNCILS[0]}&councils={COUNCILS[1]}")
    query = response.context["query"]
    assert "councils=E06000001%2CE06000002" in query
    client.post(reverse("benchmarking:compare_save"), {"name": "Two", "query": query})
    saved = SavedComparison.objects.get()
    shared = client_for(None).get(reverse("benchmarking:compare_saved", args=[saved.slug]))
    assert len(shared.context["rows"]) == 4
