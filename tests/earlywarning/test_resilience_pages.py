"""The financial resilience page and its CSV: open to everyone, built from published figures
only (sector-only figures for sector staff alone), linked from an English council's
dashboard."""

import csv
import io

import pytest
from django.urls import reverse

from benchmarking.models import Metric, SimilarCouncil, SimilarityKind, Source, Value
from selfreg.models import Council, Visibility

HARTLEPOOL = "E06000001"
NEIGHBOURS = ["E06000002", "E06000003", "E06000004", "E06000005", "E06000006"]
YEARS = ["2013-14", "2014-15", "2015-16", "2016-17", "2017-18"]


def put(gss, code, period, value, visibility=Visibility.PUBLIC):
    metric = Metric.objects.get_or_create(
        code=code,
        defaults={"title": code, "element": "cost", "unit": "%", "dataset": "england-rs"},
    )[0]
    v = Value(
        council=Council.objects.get(gss_code=gss),
        metric=metric,
        value=value,
        source=Source.DATASET,
        source_ref="england-rs",
        visibility=visibility,
    )
    v.set_period(period)
    v.save()


@pytest.fixture
def finance(db, hartlepool):
    """Hartlepool's reserves fall from 14% to 6% of spending; five similar councils hold
    10% to 30%. Hartlepool's debt ratio is shared with the sector only."""
    for rank, other in enumerate(NEIGHBOURS, start=1):
        SimilarCouncil.objects.create(
            council=hartlepool,
            neighbour=Council.objects.get(gss_code=other),
            kind=SimilarityKind.FINANCE,
            rank=rank,
            distance=rank,
        )
    for i, period in enumerate(YEARS):
        put(HARTLEPOOL, "fin-reserves-to-nre", period, 14 - 2 * i)
        for j, other in enumerate(NEIGHBOURS):
            put(other, "fin-reserves-to-nre", period, 10 + 5 * j)
            put(other, "fin-debt-to-nre", period, 100 + 10 * j)
    put(HARTLEPOOL, "fin-debt-to-nre", "2017-18", 987.6, visibility=Visibility.SECTOR)


def page(client, gss=HARTLEPOOL):
    return client.get(reverse("earlywarning:resilience", args=[gss]))


def test_anyone_reads_levels_trends_and_position_among_similar_councils(client, finance):
    response = page(client)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Usable reserves as a share of net revenue expenditure" in text
    # 2017-18: 6%, 6 points lower than 3 years before (12%); the 5-year change needs
    # 2012-13, which is not there.
    assert "6.0%" in text
    assert "-6.0 points" in text
    assert "20.0%" in text  # the similar councils' median
    assert "0%" in text  # no similar council has a lower figure
    # What the loaded data cannot give is said, not left out.
    assert "loads only their sum" in text
    assert 'data-chart="chart-reserves-to-nre"' in text
    # Public figures only: the sector-only debt ratio is not on the public page.
    assert "987.6" not in text
    # The risk band stays with sector staff.
    assert "Risk assessment" not in text and "elevated" not in text.lower()


def test_sector_staff_also_read_figures_shared_with_the_sector(client_for, users, finance):
    response = client_for(users["sector_staff"]).get(
        reverse("earlywarning:resilience", args=[HARTLEPOOL])
    )
    assert "987.6%" in response.content.decode()
    officer = client_for(users["officer"]).get(
        reverse("earlywarning:resilience", args=[HARTLEPOOL])
    )
    assert "987.6" not in officer.content.decode()


def test_csv_holds_every_year_of_every_indicator_the_reader_may_see(client, finance):
    response = client.get(reverse("earlywarning:resilience_csv", args=[HARTLEPOOL]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    reserves = [r for r in rows if r["indicator"] == "reserves-to-nre"]
    assert [r["period"] for r in reserves] == YEARS
    latest = reserves[-1]
    assert float(latest["value"]) == 6.0
    assert float(latest["change_3y"]) == -6.0
    assert float(latest["group_median"]) == 20.0
    assert int(float(latest["group_n"])) == 5
    assert not [r for r in rows if r["indicator"] == "debt-to-nre"]


def test_a_council_without_finance_figures_says_so(client, finance):
    text = page(client, "E06000005").content.decode()
    assert "There are no published finance figures for this council" not in text
    # Darlington has no similar councils stored: it is compared with councils of its type.
    assert "compared with every council of its type" in text
    text = page(client, "S12000033").content.decode()
    assert "There are no published finance figures for this council" in text


def test_an_unknown_council_is_not_found(client, db):
    assert page(client, "E99999999").status_code == 404


def test_the_dashboard_of_an_english_council_links_to_the_page(client, finance):
    url = reverse("earlywarning:resilience", args=[HARTLEPOOL])
    dashboard = client.get(reverse("benchmarking:council", args=[HARTLEPOOL]))
    assert url in dashboard.content.decode()
    scottish = client.get(reverse("benchmarking:council", args=["S12000033"]))
    assert "financial-resilience" not in scottish.content.decode()
