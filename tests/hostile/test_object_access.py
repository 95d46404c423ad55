"""Object-level access: what one council keeps to itself never reaches another council, by
URL guessing or by API filters, whoever asks.

Hartlepool holds a public, a sector-only and a council-only value. Every role asks for them
through every door that returns values: the API list (with each filter a client could try),
its CSV, the dashboard and its CSV, the metric page and the compare tool; and then every
page and API route of the portal, the manual entry page included.
"""

import pandas as pd
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from benchmarking.models import Value
from benchmarking.services import comparisons_recompute, metrics_import, values_import
from selfreg.models import Visibility
from selfreg.tokens import api_token_create
from tests import test_url_access as url_walk
from tests.conftest import ROLE_NAMES

pytestmark = pytest.mark.django_db

# The every-URL walk's fixtures: the objects its URLs point at.
footprint, placeholders = url_walk.footprint, url_walk.placeholders

# Distinctive figures, so a leak shows wherever it appears.
FIGURES = {Visibility.PUBLIC: 11.125, Visibility.SECTOR: 22.375, Visibility.COUNCIL: 33.625}
SEES = {
    "anonymous": {Visibility.PUBLIC},
    "peer": {Visibility.PUBLIC},
    "provider": {Visibility.PUBLIC},
    "political_lead": {Visibility.PUBLIC},
    "other_officer": {Visibility.PUBLIC, Visibility.SECTOR},
    "sector_staff": {Visibility.PUBLIC, Visibility.SECTOR},
    "officer": set(Visibility.values),
    "councillor": set(Visibility.values),
}
assert set(SEES) == set(ROLE_NAMES)


@pytest.fixture
def kept(db):
    metrics_import(
        rows=[
            {
                "code": f"m-{v}",
                "title": f"Measure {v}",
                "element": "outcome",
                "unit": "%",
                "polarity": "higher_better",
                "decimals": 3,  # pages show the figures whole, so a leak would show
            }
            for v in FIGURES
        ]
    )
    for visibility, figure in FIGURES.items():
        rows = [
            {
                "gss_code": gss,
                "metric_code": f"m-{visibility}",
                "period": "2021-22",
                "value": str(figure if gss == "E06000001" else 50 + n),
            }
            for n, gss in enumerate(["E06000001", "E06000002", "E06000003", "E06000004"])
        ]
        values_import(
            frame=pd.DataFrame(rows), source="test", visibility=visibility, recompute=False
        )
    comparisons_recompute()


def api_for(users, role) -> APIClient:
    client = APIClient()
    if users[role] is not None:
        _token, key = api_token_create(user=users[role])
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def leaked(text: str, role: str) -> set[str]:
    """The visibilities whose Hartlepool figure appears in the text but should not."""
    hidden = set(Visibility.values) - SEES[role]
    return {v for v in hidden if str(FIGURES[v]) in text}


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_api_filters_never_reach_values_kept_from_the_requester(kept, users, role):
    client = api_for(users, role)
    queries = [
        {},
        {"area": "E06000001"},
        {"area": "E06000001", "visibility": "council"},
        {"area": "E06000001", "visibility": "sector"},
        {"metric": "m-council,m-sector"},
        {"metric": "m-council", "period": "2021-22"},
        {"area": "E06000001", "format": "csv"},
        {"metric": "m-council", "period": "latest"},
    ]
    for query in queries:
        response = client.get(reverse("api_value_list"), query)
        assert response.status_code in (200, 400), (query, response.status_code)
        assert leaked(response.content.decode(), role) == set(), query
    # And what the requester may see is there: the walk above is not passing on emptiness.
    shown = client.get(reverse("api_value_list"), {"area": "E06000001"}).content.decode()
    assert {v for v in Visibility.values if str(FIGURES[v]) in shown} == SEES[role]
    for visibility in FIGURES:
        for group in ("all", "similar:E06000001", "custom:E06000001,E06000002"):
            response = client.get(
                reverse("api_comparison"),
                {"metric": f"m-{visibility}", "period": "2021-22", "group": group},
            )
            assert leaked(response.content.decode(), role) == set(), (visibility, group)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_pages_and_downloads_never_show_values_kept_from_the_reader(kept, users, client_for, role):
    client = client_for(users[role])
    dashboard = reverse("benchmarking:council", kwargs={"gss_code": "E06000001"})
    compare = (
        reverse("benchmarking:compare")
        + "?metric_1=m-council&metric_2=m-sector&councils=E06000001,E06000002"
    )
    # Each page, with the figures it shows to someone who may see them all.
    pages = {
        dashboard: set(FIGURES),
        dashboard + "?format=csv": set(FIGURES),
        dashboard + "?group=all": set(FIGURES),
        dashboard + "?q=measure": set(FIGURES),
        compare: {Visibility.COUNCIL, Visibility.SECTOR},
        compare + "&format=csv": {Visibility.COUNCIL, Visibility.SECTOR},
    }
    pages |= {
        reverse("benchmarking:metric", kwargs={"code": f"m-{v}"}) + "?council=E06000001": {v}
        for v in FIGURES
    }
    for page, figures in pages.items():
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        text = response.content.decode()
        assert leaked(text, role) == set(), page
        # And the figures the reader may see are there: the check above can see a leak.
        assert {v for v in figures if str(FIGURES[v]) in text} == figures & SEES[role], page


@pytest.mark.parametrize("role", ["other_officer", "peer", "provider", "councillor"])
def test_no_one_writes_another_councils_values_through_the_api(kept, users, role):
    before = list(Value.objects.order_by("pk").values_list("pk", "value", "visibility"))
    response = api_for(users, role).post(
        reverse("api_value_list"),
        [{"gss_code": "E06000001", "metric_code": "m-council", "period": "2021-22", "value": 99}],
        format="json",
    )
    assert response.status_code in (400, 403)
    assert list(Value.objects.order_by("pk").values_list("pk", "value", "visibility")) == before


def every_page(placeholders, council_id: int) -> list[str]:
    """Every GET URL of the portal, pointed at Hartlepool and its planted measures."""
    # The entry page and the pages that take a council, period and element in the query.
    query = f"?council={council_id}&period=2021-22&element=outcome"
    urls = []
    for name, (kwargs, _expected) in sorted(url_walk.ALL_GETS.items()):
        kwargs = url_walk.resolve(kwargs, placeholders)
        if kwargs.get("code") == "NO-SUCH-METRIC":
            urls += [reverse(name, kwargs={**kwargs, "code": f"m-{v}"}) for v in FIGURES]
        else:
            urls.append(reverse(name, kwargs=kwargs))
    return [url + query for url in urls] + urls


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_no_page_or_api_route_shows_values_kept_from_the_reader(
    kept, users, client_for, placeholders, hartlepool, role
):
    """Every page and API route, the manual entry page included, with every role: a planted
    council-only or sector-only figure appears only to those who may see it."""
    client = client_for(users[role])
    api = api_for(users, role)
    for url in every_page(placeholders, hartlepool.pk):
        response = (api if url.startswith("/api/") else client).get(url)
        assert response.status_code < 500, (url, response.status_code)
        assert leaked(response.content.decode(), role) == set(), url


@pytest.mark.parametrize("role", ["officer", "sector_staff", "other_officer"])
def test_entry_page_shows_saved_values_only_to_those_who_may_see_them(
    kept, users, client_for, hartlepool, role
):
    """Sector staff may type in Hartlepool's figures, but "Saved now" shows only the ones
    they may read; Hartlepool's officer sees all three; another council's officer none."""
    response = client_for(users[role]).get(
        reverse("benchmarking:values_entry"),
        {"council": hartlepool.pk, "period": "2021-22", "element": "outcome"},
    )
    text = response.content.decode()
    shown = {v for v in FIGURES if f"Saved now: {FIGURES[v]}" in text}
    assert response.status_code == 200
    # Another council's officer cannot choose Hartlepool, so is asked to choose again.
    assert shown == (set() if role == "other_officer" else SEES[role])
