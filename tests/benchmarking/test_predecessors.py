"""A council formed from others shows, on its measure pages, the figures its predecessors
published: each as published, labelled, never added together, and only what the reader may see."""

import re

import pytest
from django.urls import reverse

from benchmarking.services import metrics_import
from selfreg.models import Visibility
from tests.benchmarking.test_pages import load

DORSET = "E06000059"
EAST_DORSET, WEST_DORSET, NORTH_DORSET = "E07000049", "E07000052", "E07000050"


def history_load():
    """Dorset's own 2020-21 figure, and what three of the districts it replaced published
    before it began; North Dorset's kept to the council."""
    metrics_import(
        rows=[
            {
                "code": "m0",
                "title": "Measure 0",
                "element": "outcome",
                "unit": "%",
                "polarity": "higher_better",
            }
        ]
    )
    load([(DORSET, "m0", "2020-21", 50), (EAST_DORSET, "m0", "2017-18", 41.5)])
    load([(WEST_DORSET, "m0", "2017-18", 37.2), (WEST_DORSET, "m0", "2016-17", 36)])
    load([(NORTH_DORSET, "m0", "2017-18", 12.8)], visibility=Visibility.COUNCIL)


@pytest.fixture
def history(db):
    history_load()


def predecessor_table(html: str) -> str:
    found = re.search(r'id="predecessors".*?</table>', html, re.S)
    return found.group(0) if found else ""


def page(client, council=DORSET):
    response = client.get(reverse("benchmarking:metric", args=["m0"]), {"council": council})
    assert response.status_code == 200
    return response.content.decode()


def test_the_successor_shows_each_predecessors_figures_as_published(history, client):
    table = predecessor_table(page(client))
    assert "East Dorset" in table and "West Dorset" in table
    for figure in ("41.5", "37.2", "36"):
        assert figure in table
    assert "78.7" not in table  # 41.5 + 37.2: never added together
    assert "not added together" in page(client)
    # Periods in order, each predecessor in its own column.
    assert table.index("2016-17") < table.index("2017-18")


def test_a_predecessors_council_only_figure_is_not_shown_to_others(history, client_for, users):
    for role in (None, "sector_staff", "officer"):
        table = predecessor_table(page(client_for(users[role] if role else None)))
        assert "North Dorset" not in table and "12.8" not in table


def test_a_council_that_replaced_no_one_has_no_predecessor_section(history, client):
    assert predecessor_table(page(client, council="E06000001")) == ""


def test_the_successors_dashboard_links_to_the_councils_it_replaced(history, client):
    response = client.get(reverse("benchmarking:council", args=[DORSET]))
    html = response.content.decode()
    assert "This council began in April 2019" in html
    assert reverse("benchmarking:council", args=[EAST_DORSET]) in html
