"""The measure catalogue and the data updates page: what they list, and that coverage counts
only what the reader may see."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from benchmarking.catalogue import coverage
from benchmarking.services import comparisons_recompute, dataset_import_record, metrics_import
from selfreg.models import Visibility
from tests.benchmarking.test_pages import NORTH_EAST, load

SCOTTISH = ["S12000033", "S12000034"]  # Aberdeen City, Aberdeenshire


def test_coverage_takes_periods_from_the_all_group_and_nations_from_regions():
    rows = [
        (1, "2019-20", "all", 4),
        (1, "2018-19", "all", 3),
        (1, "2020-21", "all", 0),  # nobody the reader can see: not a period of theirs
        (1, "2019-20", "region:north-east", 3),
        (1, "2019-20", "region:scotland", 1),
        (1, "2019-20", "type:UA", 4),
        (2, "2019-22", "all", 2),
        (2, "2019-22", "all", 5),  # the sector audience sees more of the same period
        (2, "2019-22", "region:scotland", 5),
    ]
    found = coverage(rows)
    assert (found[1].first, found[1].latest, found[1].councils) == ("2018-19", "2019-20", 4)
    assert found[1].nations == ["England", "Scotland"]
    assert (found[2].first, found[2].latest, found[2].councils) == ("2019-22", "2019-22", 5)
    assert found[2].nations == ["Scotland"]


@pytest.fixture
def catalogue(db):
    metrics_import(
        rows=[
            {
                "code": "waste-1",
                "title": "Household waste recycled",
                "element": "outcome",
                "unit": "%",
                "polarity": "higher_better",
                "theme": "Waste",
                "licence": "Open Government Licence v3.0",
                "definition": "Share of household waste sent for reuse, recycling or composting.",
                "comparator": "place",
            },
            {
                "code": "sat-1",
                "title": "Satisfaction with libraries",
                "element": "perception",
                "unit": "%",
                "polarity": "higher_better",
                "theme": "Culture and leisure",
            },
        ],
        dataset="demo-data",
    )
    load([(gss, "waste-1", "2019-20", 40 + n) for n, gss in enumerate(NORTH_EAST)])
    load([(gss, "waste-1", "2018-19", 30 + n) for n, gss in enumerate(NORTH_EAST[:3])])
    load([(gss, "sat-1", "2019-22", 60) for gss in SCOTTISH])
    # A figure Hartlepool keeps to itself, in a later period: nobody else may count it.
    load([("E06000001", "waste-1", "2020-21", 50)], visibility=Visibility.COUNCIL)
    comparisons_recompute()


def listing(client, **params):
    return client.get(reverse("benchmarking:measures"), params)


def test_catalogue_lists_each_measure_with_its_coverage(client, catalogue):
    response = listing(client)
    rows = {r.metric.code: r for r in response.context["page"].object_list}
    waste = rows["waste-1"]
    assert (waste.coverage.first, waste.coverage.latest, waste.coverage.councils) == (
        "2018-19",
        "2019-20",
        5,
    )
    assert waste.coverage.nations == ["England"]
    assert rows["sat-1"].coverage.nations == ["Scotland"]
    page = response.content.decode()
    assert "Share of household waste sent for reuse" in page
    assert "2018-19 to 2019-20" in page
    assert "2020-21" not in page


@pytest.mark.parametrize(
    "params, codes",
    [
        ({"theme": "Waste"}, {"waste-1"}),
        ({"element": "perception"}, {"sat-1"}),
        ({"nation": "Scotland"}, {"sat-1"}),
        ({"q": "LIBRAR"}, {"sat-1"}),
        ({"dataset": "demo-data", "nation": "England"}, {"waste-1"}),
        ({"theme": "No such theme"}, {"sat-1", "waste-1"}),  # an unknown choice is ignored
    ],
)
def test_catalogue_filters(client, catalogue, params, codes):
    found = {r.metric.code for r in listing(client, **params).context["page"].object_list}
    assert found == codes


def test_catalogue_csv_has_every_column_and_only_what_is_filtered(client, catalogue):
    response = listing(client, theme="Waste", format="csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["code"] for r in rows] == ["waste-1"]
    assert rows[0]["latest_period"] == "2019-20"
    assert rows[0]["councils_in_latest_period"] == "5"
    assert rows[0]["licence"] == "Open Government Licence v3.0"
    assert rows[0]["last_imported"] == ""


def test_the_council_sees_its_own_period_in_no_count(client_for, users, catalogue):
    """Coverage is counted from shared statistics, so even Hartlepool's own officer sees no
    council-only period there (its own figure shows on its dashboard)."""
    response = client_for(users["officer"]).get(reverse("benchmarking:measures"))
    rows = {r.metric.code: r for r in response.context["page"].object_list}
    assert rows["waste-1"].coverage.latest == "2019-20"


def test_data_updates_lists_datasets_with_their_import_dates(client, db):
    page = client.get(reverse("benchmarking:data_updates")).content.decode()
    assert "Scottish Local Government Benchmarking Framework" in page
    assert "Not imported" in page
    dataset_import_record(name="lgbf", fingerprint="x", metrics=108, values=35466)
    page = client.get(reverse("benchmarking:data_updates")).content.decode()
    assert timezone.now().strftime("%-d %B %Y") in page
    assert "35466" in page
    assert "?dataset=lgbf" in page


def test_old_figures_are_those_whose_period_ended_over_three_years_ago():
    from datetime import date

    from benchmarking.dashboards import is_old

    today = date(2026, 12, 4)
    assert is_old("2019-20", today)  # ended 31 March 2020
    assert is_old("2022-23", today)  # ended 31 March 2023
    assert is_old("2023-24", today) is False  # ended 31 March 2024, less than 3 years ago
    assert is_old("2023", today) is False
    assert is_old("not a period", today) is False
    assert is_old("2020-21", date(2024, 2, 29)) is False


def test_a_dashboard_groups_measures_by_theme_and_marks_old_figures(client, catalogue):
    from datetime import date

    response = client.get(reverse("benchmarking:council", args=["E06000001"]), {"group": "all"})
    page = response.content.decode()
    (section, themes) = response.context["tables"][0]
    assert [theme for theme, rows in themes] == ["Waste"]
    assert '<h3 class="govuk-heading-m">Waste</h3>' in page
    # Hartlepool's latest public figure is for 2019-20.
    old = date.today().year - 2020 >= 3
    assert ("More than 3 years old" in page) is old
