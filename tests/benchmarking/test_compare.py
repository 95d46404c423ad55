import pytest
from django.urls import reverse

from benchmarking.models import SavedComparison
from benchmarking.services import metrics_import, values_import
from benchmarking.validation import read_table

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
    assert context["lines"].table[0]["period"] == "2018-19"
    assert len(context["scatter"].table) == 3
    assert context["scatter_period"] == "2019-20"
    page = response.content.decode()
    assert 'data-chart="chart-lines"' in page and 'data-chart="chart-scatter"' in page


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
