"""The open data API, /api/v1/: reads by every role, token writes, CSV, schema and throttling."""

import csv
import io

import pandas as pd
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from benchmarking.models import Source, Value
from benchmarking.services import (
    comparisons_recompute,
    metrics_import,
    references_import,
    similar_councils_save,
    values_import,
)
from selfreg.models import Council, CouncilType, Nation, Visibility
from selfreg.tokens import api_token_create
from tests.conftest import ROLE_NAMES

pytestmark = pytest.mark.django_db

HARTLEPOOL, MIDDLESBROUGH, REDCAR, STOCKTON, DARLINGTON = (
    "E06000001",
    "E06000002",
    "E06000003",
    "E06000004",
    "E06000005",
)
NORTH_EAST = [HARTLEPOOL, MIDDLESBROUGH, REDCAR, STOCKTON, DARLINGTON]
HALTON = "E06000006"  # North West
ALLERDALE = "E07000026"  # abolished 1 April 2023
SECTOR_ROLES = {"officer", "councillor", "other_officer", "sector_staff"}


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counts live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(users):
    """An API client for a role, authenticated by token as a real client would be."""

    def client_for(role: str) -> APIClient:
        client = APIClient()
        user = users[role]
        if user is not None:
            _token, key = api_token_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return client_for


def metric(code: str, polarity: str = "higher_better", unit: str = "%", dataset: str = "") -> None:
    row = {"code": code, "title": f"Measure {code}", "element": "outcome", "polarity": polarity}
    metrics_import(rows=[{**row, "unit": unit}], dataset=dataset)


def load(rows: list[tuple], visibility: str = Visibility.PUBLIC) -> None:
    """Rows of (gss_code, metric_code, period, value[, sample_size]) as a trusted import."""
    frame = pd.DataFrame(
        [
            {
                "gss_code": r[0],
                "metric_code": r[1],
                "period": r[2],
                "value": str(r[3]),
                "sample_size": str(r[4]) if len(r) > 4 else "",
            }
            for r in rows
        ],
        dtype=str,
    )
    values_import(frame=frame, source=Source.UPLOAD, visibility=visibility, recompute=False)


@pytest.fixture
def bench(db):
    """M1: five North East unitaries score 10, 20, 30, 40, 50 in 2019-20 (5 less in 2018-19);
    Halton's 60 is shared with the sector only. M2: Hartlepool's own-council-only figure."""
    metric("M1")
    metric("M2", polarity="lower_better", unit="£")
    load([(gss, "M1", "2019-20", 10 * (i + 1)) for i, gss in enumerate(NORTH_EAST)])
    load([(gss, "M1", "2018-19", 10 * (i + 1) - 5) for i, gss in enumerate(NORTH_EAST)])
    load([(HALTON, "M1", "2019-20", 60)], visibility=Visibility.SECTOR)
    load([(HARTLEPOOL, "M2", "2019-20", 7)], visibility=Visibility.COUNCIL)
    load([(DARLINGTON, "M2", "2019-20", 9)])
    comparisons_recompute()


def get(client, name, params=None, **kwargs):
    return client.get(reverse(name, kwargs=kwargs), params or {})


def comparison(client, **params):
    return get(client, "api_comparison", params)


def by_gss(rows):
    return {row["gss_code"]: row for row in rows}


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


# --- councils --------------------------------------------------------------------------------


def test_council_detail_has_the_contracted_fields(api):
    response = get(api("anonymous"), "api_council_detail", gss_code="e06000001")
    assert response.status_code == 200
    data = response.json()
    assert list(data) == [
        "gss_code",
        "name",
        "official_name",
        "type",
        "type_name",
        "nation",
        "region",
        "county_gss_code",
        "population",
        "area_km2",
        "start_date",
        "end_date",
        "successors",
    ]
    assert (data["gss_code"], data["name"], data["type"]) == (HARTLEPOOL, "Hartlepool", "UA")
    assert data["type_name"] == "Unitary authority"
    assert (data["nation"], data["region"], data["county_gss_code"]) == (
        "England",
        "North East",
        None,
    )


def test_abolished_council_shows_end_and_successors(api):
    data = get(api("anonymous"), "api_council_detail", gss_code=ALLERDALE).json()
    allerdale = Council.objects.get(gss_code=ALLERDALE)
    assert data["end_date"] == "2023-04-01"
    assert data["successors"] == sorted(
        allerdale.successors.exclude(gss_code=None).values_list("gss_code", flat=True)
    )
    assert data["successors"]
    assert data["county_gss_code"] == allerdale.county.gss_code


def test_unknown_council_is_404(api):
    response = get(api("anonymous"), "api_council_detail", gss_code="E99999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "No council has that code."}


def test_council_filters(api):
    client = api("anonymous")
    everyone = get(client, "api_council_list").json()
    assert everyone["count"] == Council.objects.with_gss().count()

    ua = get(client, "api_council_list", {"type": "ua"}).json()
    assert ua["count"] == Council.objects.with_gss().filter(kind=CouncilType.UNITARY).count()
    assert {c["type"] for c in ua["results"]} == {"UA"}

    wales = get(client, "api_council_list", {"nation": "wales"}).json()["results"]
    assert wales and {c["nation"] for c in wales} == {Nation.WALES}

    by_slug = get(client, "api_council_list", {"region": "north-east"}).json()
    by_code = get(client, "api_council_list", {"region": "E12000001"}).json()
    by_name = get(client, "api_council_list", {"region": "North East"}).json()
    assert by_slug == by_code == by_name
    assert {c["region"] for c in by_slug["results"]} == {"North East"}
    assert HARTLEPOOL in by_gss(by_slug["results"])

    current = get(client, "api_council_list", {"current": "true", "limit": 1000}).json()
    former = get(client, "api_council_list", {"current": "false", "limit": 1000}).json()
    assert current["count"] + former["count"] == everyone["count"]
    assert ALLERDALE in by_gss(former["results"])
    assert ALLERDALE not in by_gss(current["results"])
    assert all(c["end_date"] for c in former["results"])


@pytest.mark.parametrize(
    "params",
    [{"type": "XYZ"}, {"nation": "Atlantis"}, {"region": "nowhere"}, {"current": "maybe"}],
)
def test_bad_council_filters_are_400(api, params):
    response = get(api("anonymous"), "api_council_list", params)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_councils_csv_is_every_council_unpaginated(api):
    response = get(api("anonymous"), "api_council_list", {"format": "csv", "type": "UA"})
    rows = read_csv(response)
    assert rows[0] == [
        "gss_code",
        "name",
        "official_name",
        "type",
        "type_name",
        "nation",
        "region",
        "county_gss_code",
        "population",
        "area_km2",
        "start_date",
        "end_date",
        "successors",
    ]
    assert len(rows) - 1 == Council.objects.with_gss().filter(kind="UA").count()
    assert 'filename="councils.csv"' in response["Content-Disposition"]


def test_similar_councils(api):
    similar_councils_save(
        neighbours=pd.DataFrame(
            {
                "gss_code": [HARTLEPOOL, HARTLEPOOL],
                "neighbour_gss_code": [MIDDLESBROUGH, REDCAR],
                "rank": [1, 2],
                "distance": [0.5, 0.75],
                "coverage": [1.0, 0.9],
                "share_density": [0.1, 0.5],
                "share_population": [0.3, 0.2],
                "share_pct_over_65": [0.2, 0.1],
                "share_deprivation_score": [0.4, 0.2],
            }
        )
    )
    response = get(api("anonymous"), "api_council_similar", gss_code=HARTLEPOOL)
    rows = response.json()["results"]
    assert [r["gss_code"] for r in rows] == [MIDDLESBROUGH, REDCAR]
    first = rows[0]
    assert list(first) == [
        "rank",
        "gss_code",
        "name",
        "distance",
        "coverage",
        "closest_variables",
        "kind",
        "valid_from",
        "valid_to",
        "shares",
    ]
    assert (first["rank"], first["name"], first["distance"]) == (1, "Middlesbrough", 0.5)
    assert first["kind"] == "overall"  # a table without a kind column is the overall set
    assert first["valid_from"] is None and first["valid_to"] is None  # today's era
    assert first["closest_variables"] == ["density", "pct_over_65", "population"]
    assert first["shares"]["deprivation_score"] == 0.4

    table = read_csv(
        get(api("anonymous"), "api_council_similar", {"format": "csv"}, gss_code=HARTLEPOOL)
    )
    assert table[0][:6] == ["rank", "gss_code", "name", "distance", "coverage", "closest_variables"]
    assert "shares.density" in table[0]
    assert table[1][5] == "density;pct_over_65;population"
    assert get(api("anonymous"), "api_council_similar", gss_code="E99999999").status_code == 404


# --- metrics ---------------------------------------------------------------------------------


def test_metric_list_and_filters(api, bench):
    metric("C1", dataset="lgbf")
    client = api("anonymous")
    codes = [m["code"] for m in get(client, "api_metric_list").json()["results"]]
    assert set(codes) == {"M1", "M2", "C1"}
    assert [
        m["code"] for m in get(client, "api_metric_list", {"dataset": "lgbf"}).json()["results"]
    ] == ["C1"]
    assert get(client, "api_metric_list", {"element": "cost"}).json()["count"] == 0
    assert get(client, "api_metric_list", {"element": "nonsense"}).status_code == 400


def test_metric_detail_lists_periods_the_requester_may_see(api, bench):
    load([(HALTON, "M1", "2020-21", 1)], visibility=Visibility.SECTOR)
    public = get(api("anonymous"), "api_metric_detail", code="M1").json()
    assert public["code"] == "M1" and public["polarity"] == "higher_better"
    assert {"title", "element", "unit", "definition", "dataset", "target_value"} <= set(public)
    assert public["periods"] == ["2018-19", "2019-20"]
    sector = get(api("sector_staff"), "api_metric_detail", code="M1").json()
    assert sector["periods"] == ["2018-19", "2019-20", "2020-21"]
    # Hartlepool's own M2 figure is council-only; Darlington's is public in the same period.
    load([(HARTLEPOOL, "M2", "2017-18", 3)], visibility=Visibility.COUNCIL)
    assert get(api("anonymous"), "api_metric_detail", code="M2").json()["periods"] == ["2019-20"]
    assert get(api("officer"), "api_metric_detail", code="M2").json()["periods"] == [
        "2017-18",
        "2019-20",
    ]
    response = get(api("anonymous"), "api_metric_detail", code="NOPE")
    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"]


def test_metric_detail_gives_the_england_reference_figures_oldest_first(api, bench):
    references_import(
        rows=[
            {"metric_code": "M1", "period": "2019-20", "area_code": "E92000001",
             "area_name": "England", "value": "7.5", "lower": "7.4", "upper": "7.6"},
            {"metric_code": "M1", "period": "2018-19", "area_code": "E92000001",
             "area_name": "England", "value": "7.1"},
        ],
        metric_codes=["M1"],
    )  # fmt: skip
    body = get(api("anonymous"), "api_metric_detail", code="M1").json()
    assert body["references"] == [
        {"period": "2018-19", "area_code": "E92000001", "area_name": "England", "value": 7.1,
         "lower": None, "upper": None},
        {"period": "2019-20", "area_code": "E92000001", "area_name": "England", "value": 7.5,
         "lower": 7.4, "upper": 7.6},
    ]  # fmt: skip
    assert get(api("anonymous"), "api_metric_detail", code="M2").json()["references"] == []


# --- values: reading -------------------------------------------------------------------------


def test_value_fields(api, bench):
    response = get(
        api("anonymous"),
        "api_value_list",
        {"metric": "M1", "period": "2019-20", "area": HARTLEPOOL},
    )
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert list(row) == [
        "gss_code",
        "council",
        "metric",
        "period",
        "value",
        "numerator",
        "denominator",
        "sample_size",
        "note",
        "visibility",
        "updated_at",
    ]
    assert (row["gss_code"], row["council"], row["metric"], row["period"]) == (
        HARTLEPOOL,
        "Hartlepool",
        "M1",
        "2019-20",
    )
    assert (row["value"], row["numerator"], row["visibility"]) == (10.0, None, "public")


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_values_respect_visibility(api, bench, role):
    rows = get(api(role), "api_value_list", {"period": "2019-20"}).json()["results"]
    seen = {(r["gss_code"], r["metric"]) for r in rows}
    assert {(gss, "M1") for gss in NORTH_EAST} | {(DARLINGTON, "M2")} <= seen
    assert ((HALTON, "M1") in seen) is (role in SECTOR_ROLES)
    assert ((HARTLEPOOL, "M2") in seen) is (role in {"officer", "councillor"})


def test_values_filters_by_several_areas_and_periods(api, bench):
    rows = get(
        api("anonymous"),
        "api_value_list",
        {"metric": "M1", "area": f"{DARLINGTON}, {HARTLEPOOL}", "period": "2018-19,2019-20"},
    ).json()["results"]
    # Ordered by period, oldest first, then by council name.
    assert [(r["period"], r["council"]) for r in rows] == [
        ("2018-19", "Darlington"),
        ("2018-19", "Hartlepool"),
        ("2019-20", "Darlington"),
        ("2019-20", "Hartlepool"),
    ]


def test_latest_periods(api, bench):
    load([(HARTLEPOOL, "M1", "2017-18", 1), (HARTLEPOOL, "M1", "2016-17", 2)])
    client = api("anonymous")
    latest = get(client, "api_value_list", {"metric": "M1", "period": "latest"}).json()
    assert {r["period"] for r in latest["results"]} == {"2019-20"}
    assert latest["count"] == 5  # Halton's sector-only figure is not for the public
    two = get(client, "api_value_list", {"metric": "M1", "period": "latest:2"}).json()["results"]
    assert {r["period"] for r in two} == {"2018-19", "2019-20"}
    # Latest is the metric's latest: a council without a figure then gets nothing.
    only_hartlepool = get(
        client, "api_value_list", {"metric": "M1", "period": "latest:3", "area": HARTLEPOOL}
    ).json()["results"]
    assert [r["period"] for r in only_hartlepool] == ["2017-18", "2018-19", "2019-20"]
    # Latest follows what the requester may see: sector-only 2020-21 counts for the sector.
    load([(HALTON, "M1", "2020-21", 70)], visibility=Visibility.SECTOR)
    public = get(client, "api_value_list", {"metric": "M1", "period": "latest"}).json()
    sector = get(api("sector_staff"), "api_value_list", {"metric": "M1", "period": "latest"})
    assert {r["period"] for r in public["results"]} == {"2019-20"}
    assert [r["period"] for r in sector.json()["results"]] == ["2020-21"]


def test_latest_is_per_metric(api, bench):
    rows = get(api("anonymous"), "api_value_list", {"period": "latest"}).json()["results"]
    assert {(r["metric"], r["period"]) for r in rows} == {("M1", "2019-20"), ("M2", "2019-20")}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"metric": "NOPE"}, 404),
        ({"area": "E99999999"}, 404),
        ({"period": "2019-2020"}, 400),
        ({"period": "latest:0"}, 400),
        ({"period": "latest:x"}, 400),
        ({"period": "latestish"}, 400),
    ],
)
def test_bad_value_parameters(api, bench, params, status):
    response = get(api("anonymous"), "api_value_list", params)
    assert response.status_code == status
    assert response.json()["detail"]


def test_abolished_council_values_stay_valid(api, bench):
    load([(ALLERDALE, "M1", "2019-20", 35)])
    comparisons_recompute()
    rows = get(api("anonymous"), "api_value_list", {"metric": "M1", "area": ALLERDALE}).json()[
        "results"
    ]
    assert [(r["gss_code"], r["council"], r["period"], r["value"]) for r in rows] == [
        (ALLERDALE, "Allerdale", "2019-20", 35.0)
    ]
    data = comparison(api("anonymous"), metric="M1", period="2019-20", group="all").json()
    assert ALLERDALE in by_gss(data["councils"])
    assert data["statistics"]["n"] == 6


def test_values_csv(api, bench):
    response = get(api("anonymous"), "api_value_list", {"metric": "M1", "format": "csv"})
    rows = read_csv(response)
    assert rows[0] == [
        "gss_code",
        "council",
        "metric",
        "period",
        "value",
        "numerator",
        "denominator",
        "sample_size",
        "note",
        "visibility",
        "updated_at",
    ]
    assert len(rows) == 1 + 10
    assert rows[1][:5] == [DARLINGTON, "Darlington", "M1", "2018-19", "45.0"]


def test_values_csv_is_not_paginated(api, bench):
    json_page = get(api("anonymous"), "api_value_list", {"metric": "M1", "limit": 2}).json()
    assert len(json_page["results"]) == 2 and json_page["count"] == 10
    table = read_csv(
        get(api("anonymous"), "api_value_list", {"metric": "M1", "limit": 2, "format": "csv"})
    )
    assert len(table) == 1 + 10


@pytest.mark.parametrize("name", ["api_value_list", "api_council_list", "api_metric_list"])
def test_a_huge_limit_is_capped_not_a_server_error(api, bench, name):
    response = get(api("anonymous"), name, {"limit": "99999999999999999999", "offset": "1"})
    assert response.status_code == 200
    assert len(response.json()["results"]) <= 5000
    # Past the end: an empty page, not an error.
    response = get(api("anonymous"), name, {"offset": "99999999999999999999"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_empty_csv_still_has_its_header(api, db):
    rows = read_csv(get(api("anonymous"), "api_value_list", {"format": "csv"}))
    assert rows == [
        [
            "gss_code",
            "council",
            "metric",
            "period",
            "value",
            "numerator",
            "denominator",
            "sample_size",
            "note",
            "visibility",
            "updated_at",
        ]
    ]


def test_csv_neutralises_formulas_in_text(api, bench):
    frame = pd.DataFrame(
        [
            {
                "gss_code": DARLINGTON,
                "metric_code": "M2",  # in £: may be negative
                "period": "2017-18",
                "value": "-3",
                "note": '=HYPERLINK("http://x")',
            }
        ],
        dtype=str,
    )
    values_import(frame=frame, source=Source.UPLOAD, recompute=False)
    rows = read_csv(get(api("anonymous"), "api_value_list", {"period": "2017-18", "format": "csv"}))
    note = rows[0].index("note")
    assert rows[1][note] == '\'=HYPERLINK("http://x")'
    assert rows[1][rows[0].index("value")] == "-3.0"


# --- values: writing -------------------------------------------------------------------------


def post(client, body, **params):
    url = reverse("api_value_list")
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(url, body, format="json")


def own_row(period="2020-21", value=12.5, **extra):
    return {"gss_code": HARTLEPOOL, "metric_code": "M1", "period": period, "value": value, **extra}


def test_officer_posts_own_council_then_reposts_idempotently(api, bench, users):
    body = [own_row(sample_size=200, note="Survey"), own_row("2021-22", "13")]
    first = post(api("officer"), body)
    assert first.status_code == 201
    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0}
    value = Value.objects.get(council__gss_code=HARTLEPOOL, metric__code="M1", period="2020-21")
    assert (value.value, value.sample_size, value.note) == (12.5, 200, "Survey")
    assert (value.source, value.source_ref, value.submitted_by) == (
        Source.API,
        "api",
        users["officer"],
    )
    assert value.visibility == Visibility.PUBLIC

    again = post(api("officer"), body)
    assert again.status_code == 200
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}

    changed = post(api("officer"), [own_row(value=14)])
    assert changed.status_code == 201
    assert changed.json() == {"created": 0, "updated": 1, "unchanged": 0}


def test_officer_cannot_post_for_another_council_and_nothing_is_written(api, bench):
    before = Value.objects.count()
    body = [own_row(), {**own_row(), "gss_code": DARLINGTON}]
    response = post(api("officer"), body)
    assert response.status_code == 400
    data = response.json()
    assert "nothing was written" in data["detail"]
    assert data["problems"] == [
        {"row": 2, "column": "gss_code", "message": "You cannot submit data for 'E06000005'."}
    ]
    assert Value.objects.count() == before


def test_every_problem_is_listed(api, bench):
    body = [
        own_row(period="2019-2020"),
        own_row(value="lots"),
        {**own_row(), "metric_code": "NOPE", "colour": "red"},
    ]
    problems = post(api("sector_staff"), body).json()["problems"]
    assert {(p["row"], p["column"]) for p in problems} == {
        (0, "colour"),
        (1, "period"),
        (2, "value"),
        (3, "metric_code"),
    }


def test_anonymous_post_is_401(api, bench):
    response = post(api("anonymous"), [own_row()])
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_bad_token_is_401(api, bench):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert post(client, [own_row()]).status_code == 401


@pytest.mark.parametrize("role", ["councillor", "peer", "provider"])
def test_post_without_submit_rights_is_403(api, bench, role):
    before = Value.objects.count()
    response = post(api(role), [own_row()])
    assert response.status_code == 403
    assert Value.objects.count() == before


def test_sector_staff_post_for_any_council_with_visibility(api, bench):
    body = {"visibility": "sector", "rows": [{**own_row(), "gss_code": HALTON}]}
    response = post(api("sector_staff"), body)
    assert response.status_code == 201
    value = Value.objects.get(council__gss_code=HALTON, period="2020-21")
    assert value.visibility == Visibility.SECTOR


def test_visibility_as_a_query_parameter(api, bench):
    assert post(api("officer"), [own_row()], visibility="council").status_code == 201
    assert Value.objects.get(period="2020-21").visibility == Visibility.COUNCIL
    response = post(api("officer"), [own_row()], visibility="secret")
    assert response.status_code == 400
    assert response.json()["problems"][0]["column"] == "visibility"


def test_post_a_csv_file(api, bench):
    content = (
        f'gss_code,metric_code,period,value,sample_size\n{HARTLEPOOL},M1,2020-21,34.5,"1,080"\n'
    ).encode()
    upload = io.BytesIO(content)
    upload.name = "values.csv"
    response = api("officer").post(
        reverse("api_value_list"), {"file": upload, "visibility": "sector"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    value = Value.objects.get(period="2020-21")
    assert (value.value, value.sample_size, value.visibility) == (34.5, 1080, "sector")


def test_post_a_raw_csv_body(api, bench):
    content = f"gss_code,metric_code,period,value\n{DARLINGTON},M1,2020-21,4\n"
    response = api("officer").post(reverse("api_value_list"), content, content_type="text/csv")
    assert response.status_code == 400
    # CSV rows are numbered as a spreadsheet shows them: the header is row 1.
    assert response.json()["problems"] == [
        {"row": 2, "column": "gss_code", "message": "You cannot submit data for 'E06000005'."}
    ]
    response = api("other_officer").post(
        reverse("api_value_list"), content, content_type="text/csv"
    )
    assert response.status_code == 201


@pytest.mark.parametrize("body", [[], {}, {"rows": "nope"}, {"rows": [], "visibility": 5}])
def test_malformed_submissions_are_400(api, bench, body):
    response = post(api("officer"), body)
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize("depth", [11, 100_000])
def test_deeply_nested_json_is_400_and_writes_nothing(api, bench, depth):
    body = "[" * depth + "]" * depth
    response = api("officer").post(reverse("api_value_list"), body, content_type="application/json")
    assert response.status_code == 400
    assert "nests more than 10 levels" in response.json()["detail"]
    assert not Value.objects.filter(period="2020-21").exists()


def test_rows_that_are_not_objects_are_numbered_by_position(api, bench):
    response = post(api("officer"), [own_row(), "a row", 3])
    assert response.status_code == 400
    assert [(p["row"], p["message"]) for p in response.json()["problems"]] == [
        (2, "Each row must be a JSON object."),
        (3, "Each row must be a JSON object."),
    ]


def test_keys_that_differ_only_in_case_or_spaces_are_one_column_named_twice(api, bench):
    row = {**own_row(), "Note ": "a", "note": "b"}
    response = post(api("officer"), [row])
    assert response.status_code == 400
    assert response.json()["problems"] == [
        {"row": 0, "column": "note", "message": "This column appears more than once."}
    ]
    assert not Value.objects.filter(period="2020-21").exists()


def test_visibility_of_an_object_submission(api, bench):
    response = post(api("officer"), {"rows": [own_row()], "visibility": 5})
    assert response.status_code == 400
    assert response.json()["problems"] == [
        {"row": 0, "column": "visibility", "message": "Use one of council, sector, public."}
    ]


def test_oversized_body_is_413_before_parsing(api, bench, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    response = post(api("officer"), [own_row(note="x" * 300)])
    assert response.status_code == 413
    assert not Value.objects.filter(period="2020-21").exists()


def test_session_post_needs_csrf(users, bench):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["officer"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("api_value_list"), [own_row()], format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- comparisons -----------------------------------------------------------------------------


def test_statistics_by_hand(api, bench):
    response = comparison(api("anonymous"), metric="M1", period="2019-20", group="all")
    assert response.status_code == 200
    data = response.json()
    assert (data["metric"], data["period"], data["group"], data["audience"]) == (
        "M1",
        "2019-20",
        "all",
        "public",
    )
    # Sorted 10, 20, 30, 40, 50: QUARTILE.INC positions 1, 2 and 3 of 0..4.
    assert data["statistics"] == {
        "n": 5,
        "median": 30.0,
        "lower_quartile": 20.0,
        "upper_quartile": 40.0,
        "mean": 30.0,
        "min": 10.0,
        "max": 50.0,
        "no_quartiles_reason": None,
    }
    # By name, never as a league table.
    assert [c["name"] for c in data["councils"]] == [
        "Darlington",
        "Hartlepool",
        "Middlesbrough",
        "Redcar and Cleveland",
        "Stockton-on-Tees",
    ]
    councils = by_gss(data["councils"])
    assert list(councils[HARTLEPOOL]) == [
        "gss_code",
        "name",
        "value",
        "percentile",
        "quartile_band",
        "rank",
        "change",
        "ci_low",
        "ci_high",
        "significant",
    ]
    hartlepool, darlington, redcar = councils[HARTLEPOOL], councils[DARLINGTON], councils[REDCAR]
    assert (hartlepool["value"], hartlepool["percentile"], hartlepool["rank"]) == (10.0, 0.0, 5)
    assert (darlington["percentile"], darlington["rank"], darlington["quartile_band"]) == (
        100.0,
        1,
        1,
    )
    assert (redcar["percentile"], redcar["quartile_band"]) == (50.0, 2)
    assert hartlepool["quartile_band"] == 4
    assert {c["change"] for c in data["councils"]} == {5.0}
    assert hartlepool["ci_low"] is None and hartlepool["significant"] is None


def test_order_by_rank(api, bench):
    data = comparison(
        api("anonymous"), metric="M1", period="2019-20", group="all", order="rank"
    ).json()
    assert [c["rank"] for c in data["councils"]] == [1, 2, 3, 4, 5]
    assert data["councils"][0]["gss_code"] == DARLINGTON
    bad = comparison(api("anonymous"), metric="M1", period="2019-20", group="all", order="value")
    assert bad.status_code == 400


def test_confidence_intervals_from_sample_sizes(api, db):
    metric("P1")
    load([(gss, "P1", "2019-20", 10 * (i + 1), 100) for i, gss in enumerate(NORTH_EAST)])
    comparisons_recompute()
    data = comparison(api("anonymous"), metric="P1", period="2019-20", group="all").json()
    hartlepool = by_gss(data["councils"])[HARTLEPOOL]
    # Wilson interval for 10% of 100 people: 5.52% to 17.44%; the median, 30%, is outside.
    assert hartlepool["ci_low"] == pytest.approx(5.52, abs=0.01)
    assert hartlepool["ci_high"] == pytest.approx(17.44, abs=0.01)
    assert hartlepool["significant"] is True
    assert by_gss(data["councils"])[REDCAR]["significant"] is False


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_comparison_audience_by_role(api, bench, role):
    data = comparison(api(role), metric="M1", period="2019-20", group="all").json()
    in_sector = role in SECTOR_ROLES
    assert data["audience"] == ("sector" if in_sector else "public")
    assert (HALTON in by_gss(data["councils"])) is in_sector
    assert data["statistics"]["n"] == (6 if in_sector else 5)
    assert data["statistics"]["median"] == (35.0 if in_sector else 30.0)


def test_sector_users_get_public_figures_where_nothing_is_sector_only(api, bench):
    load([(gss, "M1", "2017-18", 1) for gss in NORTH_EAST])
    comparisons_recompute()
    data = comparison(api("sector_staff"), metric="M1", period="2017-18", group="all").json()
    assert data["audience"] == "public"
    assert data["statistics"]["n"] == 5


@pytest.mark.parametrize(
    ("group", "label"),
    [
        ("type:ua", "type:UA"),
        ("region:north-east", "region:north-east"),
        ("region:E12000001", "region:north-east"),
        ("region:North East", "region:north-east"),
        ("grouping:region-north-east", "region:north-east"),
    ],
)
def test_stored_groups(api, bench, group, label):
    data = comparison(api("anonymous"), metric="M1", period="2019-20", group=group).json()
    assert data["group"] == label
    assert set(by_gss(data["councils"])) == set(NORTH_EAST)
    assert data["statistics"]["median"] == 30.0


def test_region_groups_for_nations(api, db):
    metric("W1")
    welsh = list(
        Council.objects.current().filter(nation=Nation.WALES).values_list("gss_code", flat=True)
    )[:3]
    load([(gss, "W1", "2019-20", i) for i, gss in enumerate(welsh)])
    comparisons_recompute()
    data = comparison(api("anonymous"), metric="W1", period="2019-20", group="region:Wales").json()
    assert data["group"] == "region:wales"
    assert set(by_gss(data["councils"])) == set(welsh)


def test_similar_group(api, bench):
    similar_councils_save(
        neighbours=pd.DataFrame(
            {
                "gss_code": [HARTLEPOOL] * 2,
                "neighbour_gss_code": [MIDDLESBROUGH, REDCAR],
                "rank": [1, 2],
                "distance": [0.1, 0.2],
            }
        )
    )
    comparisons_recompute()
    data = comparison(
        api("anonymous"), metric="M1", period="2019-20", group="similar:e06000001"
    ).json()
    assert data["group"] == f"similar:{HARTLEPOOL}"
    assert set(by_gss(data["councils"])) == {HARTLEPOOL, MIDDLESBROUGH, REDCAR}
    assert data["statistics"]["median"] == 20.0


def test_custom_group_is_computed_now(api, bench):
    group = f"custom:{REDCAR},{HARTLEPOOL},{MIDDLESBROUGH}"
    data = comparison(api("anonymous"), metric="M1", period="2019-20", group=group).json()
    assert data["group"] == f"custom:{HARTLEPOOL},{MIDDLESBROUGH},{REDCAR}"
    assert data["audience"] == "custom"
    # Three councils are too few for quartiles and bands: the reason says so.
    assert data["statistics"] == {
        "n": 3,
        "median": 20.0,
        "lower_quartile": None,
        "upper_quartile": None,
        "mean": 20.0,
        "min": 10.0,
        "max": 30.0,
        "no_quartiles_reason": (
            "Fewer than 5 councils have a figure, too few to give quarters or a middle half."
        ),
    }
    councils = by_gss(data["councils"])
    assert [c["name"] for c in data["councils"]] == [
        "Hartlepool",
        "Middlesbrough",
        "Redcar and Cleveland",
    ]
    assert (councils[REDCAR]["rank"], councils[REDCAR]["quartile_band"]) == (1, None)
    assert {c["quartile_band"] for c in data["councils"]} == {None}
    assert councils[MIDDLESBROUGH]["percentile"] == 50.0
    assert {c["change"] for c in data["councils"]} == {5.0}
    latest = comparison(api("anonymous"), metric="M1", period="latest", group=group).json()
    assert latest["period"] == "2019-20"


def test_custom_group_uses_what_the_requester_may_see(api, bench):
    group = f"custom:{HARTLEPOOL},{DARLINGTON}"
    public = comparison(api("anonymous"), metric="M2", period="2019-20", group=group).json()
    assert public["statistics"]["n"] == 1
    own = comparison(api("officer"), metric="M2", period="2019-20", group=group).json()
    assert own["statistics"]["n"] == 2
    assert by_gss(own["councils"])[HARTLEPOOL]["rank"] == 1  # lower is better
    other = comparison(api("other_officer"), metric="M2", period="2019-20", group=group).json()
    assert set(by_gss(other["councils"])) == {DARLINGTON}


def test_latest_period_with_a_stored_statistic(api, bench):
    load([(HALTON, "M1", "2020-21", 70)])  # a later period, but none in the North East
    comparisons_recompute()
    client = api("anonymous")
    ne = comparison(client, metric="M1", period="latest", group="region:north-east").json()
    assert ne["period"] == "2019-20"
    everyone = comparison(client, metric="M1", period="latest", group="all").json()
    assert everyone["period"] == "2020-21"


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({}, 400, "metric, period, group"),
        ({"metric": "M1"}, 400, "period, group"),
        ({"metric": "M1", "period": "2019-20"}, 400, "Missing parameter: group"),
        ({"metric": "NOPE", "period": "2019-20", "group": "all"}, 404, "NOPE"),
        ({"metric": "M1", "period": "2005-06", "group": "all"}, 404, "2005-06"),
        ({"metric": "M1", "period": "2019-2020", "group": "all"}, 400, "two digits"),
        ({"metric": "M1", "period": "2019-20", "group": "type:XX"}, 404, "XX"),
        ({"metric": "M1", "period": "2019-20", "group": "region:atlantis"}, 404, "atlantis"),
        ({"metric": "M1", "period": "2019-20", "group": "grouping:nope"}, 404, "grouping"),
        ({"metric": "M1", "period": "2019-20", "group": "similar:E99999999"}, 404, "code"),
        ({"metric": "M1", "period": "2019-20", "group": "similar:E06000002"}, 404, "similar"),
        ({"metric": "M1", "period": "2019-20", "group": "custom:E99999999"}, 404, "E99999999"),
        ({"metric": "M1", "period": "2019-20", "group": "custom:"}, 404, "custom"),
        ({"metric": "M1", "period": "2019-20", "group": "league"}, 404, "Unknown group"),
        ({"metric": "M1", "period": "latest", "group": "type:CTY"}, 404, "type:CTY"),
    ],
)
def test_comparison_errors(api, bench, params, status, words):
    response = comparison(api("anonymous"), **params)
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_comparison_csv(api, bench):
    response = comparison(
        api("anonymous"), metric="M1", period="2019-20", group="region:north-east", format="csv"
    )
    rows = read_csv(response)
    assert rows[0] == [
        "metric",
        "period",
        "group",
        "audience",
        "statistics.n",
        "statistics.median",
        "statistics.lower_quartile",
        "statistics.upper_quartile",
        "statistics.mean",
        "statistics.min",
        "statistics.max",
        "statistics.no_quartiles_reason",
        "gss_code",
        "name",
        "value",
        "percentile",
        "quartile_band",
        "rank",
        "change",
        "ci_low",
        "ci_high",
        "significant",
    ]
    assert len(rows) == 1 + 5
    assert rows[1][:14] == [
        "M1",
        "2019-20",
        "region:north-east",
        "public",
        "5",
        "30.0",
        "20.0",
        "40.0",
        "30.0",
        "10.0",
        "50.0",
        "",
        DARLINGTON,
        "Darlington",
    ]
    assert (
        'filename="comparison-m1-2019-20-region-north-east.csv"'
        in (response["Content-Disposition"])
    )


def test_comparison_error_as_csv(api, bench):
    response = comparison(
        api("anonymous"), metric="NOPE", period="2019-20", group="all", format="csv"
    )
    assert response.status_code == 404
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["detail"], ["No metric has the code 'NOPE'."]]


def councils_in_2018_to_2020(n: int) -> list[str]:
    existing = (
        Council.objects.with_gss()
        .current(on=pd.Timestamp("2018-04-01").date())
        .current(on=pd.Timestamp("2020-03-31").date())
        .order_by("gss_code")
    )
    return list(existing.values_list("gss_code", flat=True)[:n])


@pytest.mark.parametrize("role", ["anonymous", "sector_staff"])
def test_comparison_queries_do_not_grow_with_councils(api, db, role, django_assert_max_num_queries):
    metric("Q1", unit="score")
    few, many = councils_in_2018_to_2020(5), councils_in_2018_to_2020(200)
    client = api(role)
    cases = [
        (group, period)
        for group in ("all", "type:UA", "region:north-east", "custom")
        for period in ("2019-20", "latest")
    ]

    def load_and_count(gss_codes: list[str]) -> dict:
        load([(gss, "Q1", "2019-20", i, 50) for i, gss in enumerate(gss_codes)])
        load([(gss, "Q1", "2018-19", i + 1, 50) for i, gss in enumerate(gss_codes)])
        comparisons_recompute()
        counted = {}
        for group, period in cases:
            name = f"custom:{','.join(gss_codes)}" if group == "custom" else group
            with CaptureQueriesContext(connection) as queries:
                response = comparison(client, metric="Q1", period=period, group=name)
            assert response.status_code == 200, response.json()
            counted[group, period] = (len(queries), response.json()["statistics"]["n"])
        return counted

    small = load_and_count(few)
    assert small["all", "2019-20"][1] == 5
    load_and_count(many)
    assert Value.objects.filter(period="2019-20").count() == 200
    for group, period in cases:
        name = f"custom:{','.join(many)}" if group == "custom" else group
        with django_assert_max_num_queries(small[group, period][0]):
            response = comparison(client, metric="Q1", period=period, group=name)
        assert response.json()["statistics"]["n"] >= small[group, period][1]
    assert (
        comparison(client, metric="Q1", period="latest", group="all").json()["statistics"]["n"]
        == 200
    )


# --- schema, throttling and the URL table ----------------------------------------------------

API_PATHS = [
    "/api/v1/councils/",
    "/api/v1/councils/{gss_code}/",
    "/api/v1/councils/{gss_code}/similar/",
    "/api/v1/metrics/",
    "/api/v1/metrics/{code}/",
    "/api/v1/values/",
    "/api/v1/comparisons/",
]


def test_schema_lists_every_endpoint(api):
    response = api("anonymous").get(reverse("api_schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert set(API_PATHS) <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/values/"]) >= {"get", "post"}
    comparison_200 = schema["paths"]["/api/v1/comparisons/"]["get"]["responses"]["200"]
    assert "text/csv" in comparison_200["content"]
    names = {p["name"] for p in schema["paths"]["/api/v1/comparisons/"]["get"]["parameters"]}
    assert {"metric", "period", "group", "order", "format"} <= names


def test_schema_validates_without_warnings():
    # --fail-on-warn turns every drf-spectacular warning (an unannotated field, say) into an
    # error; --validate checks the result against the OpenAPI 3 JSON schema.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_api_views_are_throttled(api, bench, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/min", raising=False)
    client = api("anonymous")
    statuses = [get(client, "api_metric_list").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_client_cannot_escape_the_throttle_by_naming_another_address(api, bench, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/min", raising=False)
    client = api("anonymous")
    url = reverse("api_metric_list")
    statuses = [
        client.get(url, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_api_url_with_data_is_200(api, bench, role):
    client = api(role)
    for name, kwargs, params in [
        ("api_metric_detail", {"code": "M1"}, {}),
        ("api_comparison", {}, {"metric": "M1", "period": "2019-20", "group": "all"}),
    ]:
        assert get(client, name, params, **kwargs).status_code == 200


def test_an_unusual_value_is_refused_until_the_submission_confirms_it(api, bench):
    metric("W", unit="£")
    gss = councils_in_2018_to_2020(18)[10:]
    load(
        [(g, "W", "2018-19", v) for g, v in zip(gss, [10, 20, 20, 30, 30, 40, 40, 50], strict=True)]
    )
    comparisons_recompute()
    row = {"gss_code": HARTLEPOOL, "metric_code": "W", "period": "2019-20", "value": 5000}
    refused = post(api("officer"), [row])
    assert refused.status_code == 400
    body = refused.json()
    assert "confirm_unusual=true" in body["detail"]
    assert body["problems"][0]["row"] == 1
    assert "5,000 is far outside this measure's usual range" in body["problems"][0]["message"]
    assert not Value.objects.filter(metric__code="W", council__gss_code=HARTLEPOOL).exists()

    assert post(api("officer"), {"rows": [row], "confirm_unusual": True}).status_code == 201
    row["period"] = "2020-21"
    assert post(api("officer"), [row], confirm_unusual="true").status_code == 201
    assert post(api("officer"), [row], confirm_unusual="maybe").status_code == 400


def test_a_percentage_over_100_is_refused_by_the_api(api, bench):
    response = post(api("officer"), [own_row(value=100.5)])
    assert response.status_code == 400
    assert response.json()["problems"] == [
        {
            "row": 1,
            "column": "value",
            "message": "'100.5' is over 100, but this measure is a percentage.",
        }
    ]
