"""The per-service sets of similar councils, stored and used: groups, the measure's default on
the dashboard, measure page and API, early warning, and the "Councils like …" page."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from benchmarking.groups import GroupNotFound, describe_group, resolve_group
from benchmarking.models import ComparisonStatistic, CouncilContext, SimilarCouncil
from benchmarking.selectors import comparison_councils
from benchmarking.services import comparisons_recompute, metrics_import, values_import
from benchmarking.tasks import similar_councils_recompute_task
from earlywarning import selectors as ew_selectors
from selfreg.fileproblems import read_table
from selfreg.models import Council
from selfreg.schedules import BEAT_SCHEDULE

HARTLEPOOL = "E06000001"
PEOPLE, PLACE, FINANCE, OTHER = "lgbf-CHN99", "lgbf-ENV99", "fin-test", "other-test"


@pytest.fixture(scope="module")
def stored(django_db_setup, django_db_blocker):
    """Every set computed from the real context once, four measures with a value for every
    English upper-tier council, compared; rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("similar_councils", "--compute", stderr=io.StringIO())
        metrics_import(
            rows=[
                {"code": code, "title": title, "element": "outcome", "polarity": "higher_better"}
                for code, title in [
                    (PEOPLE, "Pupils' attainment"),
                    (PLACE, "Waste recycled"),
                    (FINANCE, "Reserves"),
                    (OTHER, "Something else"),
                ]
            ]
        )
        councils = Council.objects.current().filter(
            nation="England", kind__in=["UA", "MD", "LBO", "CTY", "CC"]
        )
        codes = sorted(councils.values_list("gss_code", flat=True))
        text = "gss_code,metric_code,period,value\n" + "".join(
            f"{gss},{code},2024-25,{(i * 7 + j) % 97}\n"
            for i, gss in enumerate(codes)
            for j, code in enumerate([PEOPLE, PLACE, FINANCE, OTHER])
        )
        values_import(frame=read_table(text.encode(), "v.csv"), source="upload", recompute=False)
        comparisons_recompute()
        connection.check_constraints()
        yield
        transaction.set_rollback(True)


def members(label: str) -> set[str]:
    statistic = ComparisonStatistic.objects.get(
        group=label, metric__code=OTHER, period="2024-25", audience="public"
    )
    return {p["gss_code"] for p in comparison_councils(statistic)}


def neighbours(kind: str, gss: str = HARTLEPOOL) -> set[str]:
    return set(
        SimilarCouncil.objects.filter(council__gss_code=gss, kind=kind).values_list(
            "neighbour__gss_code", flat=True
        )
    )


def test_every_set_is_stored_with_the_context_it_came_from(stored, db):
    for kind in ("overall", "people", "place", "finance"):
        assert len(neighbours(kind)) == 15
    assert neighbours("people") != neighbours("place")
    assert CouncilContext.objects.count() == 382
    context = CouncilContext.objects.get(council__gss_code=HARTLEPOOL)
    assert context.pool == "England: upper-tier and unitary councils"
    assert context.figures["population"] == 93836
    # Northern Ireland has no figures for the people set.
    assert not SimilarCouncil.objects.filter(council__nation="Northern Ireland", kind="people")


def test_each_set_is_a_stored_comparison_group(stored, db):
    assert members(f"similar:{HARTLEPOOL}") == {HARTLEPOOL} | neighbours("overall")
    for kind in ("people", "place", "finance"):
        assert members(f"similar-{kind}:{HARTLEPOOL}") == {HARTLEPOOL} | neighbours(kind)


def test_group_names_resolve_and_read_in_words(stored, db):
    assert resolve_group(None, "similar-people:e06000001").label == "similar-people:E06000001"
    assert resolve_group(None, "similar-by-measure:E06000001").label == (
        "similar-by-measure:E06000001"
    )
    with pytest.raises(GroupNotFound, match="No council has the code"):
        resolve_group(None, "similar-place:E99999999")
    assert describe_group(resolve_group(None, f"similar-place:{HARTLEPOOL}")) == (
        "Hartlepool and its most similar councils for place services"
    )
    assert describe_group(resolve_group(None, f"similar:{HARTLEPOOL}")) == (
        "Hartlepool and its most similar councils"
    )


@pytest.mark.parametrize(
    ("code", "label"),
    [
        (PEOPLE, f"similar-people:{HARTLEPOOL}"),
        (PLACE, f"similar-place:{HARTLEPOOL}"),
        (FINANCE, f"similar-finance:{HARTLEPOOL}"),
        (OTHER, f"similar:{HARTLEPOOL}"),
    ],
)
def test_measure_page_compares_with_the_measure_set_by_default(stored, db, client, code, label):
    response = client.get(reverse("benchmarking:metric", args=[code]), {"council": HARTLEPOOL})
    assert response.status_code == 200
    assert response.context["group"].label == label
    assert response.context["comparison"].statistics["n"] == 16
    page = response.content.decode()
    assert reverse("benchmarking:similar", args=[HARTLEPOOL]) in page
    # Asking for the overall set still gives it.
    chosen = client.get(
        reverse("benchmarking:metric", args=[code]),
        {"council": HARTLEPOOL, "group": f"similar:{HARTLEPOOL}"},
    )
    assert chosen.context["group"].label == f"similar:{HARTLEPOOL}"


def test_dashboard_reads_each_measure_in_its_own_set(stored, db, client):
    response = client.get(reverse("benchmarking:council", args=[HARTLEPOOL]))
    assert response.context["group"].label == f"similar-by-measure:{HARTLEPOOL}"
    rows = {row.metric.code: row for s in response.context["sections"] for row in s.rows}
    for code, label in [
        (PEOPLE, f"similar-people:{HARTLEPOOL}"),
        (PLACE, f"similar-place:{HARTLEPOOL}"),
        (FINANCE, f"similar-finance:{HARTLEPOOL}"),
        (OTHER, f"similar:{HARTLEPOOL}"),
    ]:
        statistic = ComparisonStatistic.objects.get(
            group=label, metric__code=code, period="2024-25", audience="public"
        )
        assert (rows[code].n, rows[code].median) == (statistic.n, statistic.median)
    # The sets' medians differ, so the rows really come from different groups.
    medians = {
        ComparisonStatistic.objects.get(
            group=f"similar-{kind}:{HARTLEPOOL}", metric__code=PEOPLE, audience="public"
        ).median
        for kind in ("people", "place", "finance")
    }
    assert len(medians) > 1
    assert "Why these councils are similar" in response.content.decode()
    overall = client.get(
        reverse("benchmarking:council", args=[HARTLEPOOL]), {"group": "similar-overall"}
    )
    assert overall.context["group"].label == f"similar:{HARTLEPOOL}"


def test_api_gives_each_set_and_the_measure_default(stored, db, client):
    url = reverse("api_council_similar", args=[HARTLEPOOL])
    people = client.get(url, {"kind": "people"}).json()["results"]
    assert [r["kind"] for r in people] == ["people"] * 15
    assert {r["gss_code"] for r in people} == neighbours("people")
    assert client.get(url).json()["results"][0]["kind"] == "overall"  # as before
    assert client.get(url, {"kind": "all"}).json()["count"] == 60
    assert client.get(url, {"kind": "nonsense"}).status_code == 400
    csv_text = client.get(url, {"kind": "place", "format": "csv"}).content.decode()
    header, first = csv_text.splitlines()[:2]
    assert "kind" in header.split(",") and ",place," in first

    comparison = client.get(
        reverse("api_comparison"),
        {"metric": FINANCE, "period": "2024-25", "group": f"similar-by-measure:{HARTLEPOOL}"},
    ).json()
    assert comparison["group"] == f"similar-finance:{HARTLEPOOL}"
    metric = client.get(reverse("api_metric_detail", args=[PLACE])).json()
    assert metric["similar_set"] == "place"


def test_early_warning_compares_finances_with_the_finance_set(stored, db):
    assert ew_selectors.similar_kind() == "finance"
    inputs = ew_selectors.rule_inputs()
    assert inputs.similar_prefix == "similar-finance"
    assert set(inputs.similar[HARTLEPOOL]) == neighbours("finance")


def test_councils_like_page_explains_each_set(stored, db, client, django_assert_max_num_queries):
    url = reverse("benchmarking:similar", args=[HARTLEPOOL])
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Councils like Hartlepool" in page
    assert [s["kind"] for s in response.context["sections"]] == [
        "people",
        "place",
        "finance",
        "overall",
    ]
    people = response.context["sections"][0]
    assert len(people["councils"]) == 15
    assert len(people["nearest"]) == 3 and people["furthest"]
    assert "These councils are closest to Hartlepool on:" in page
    assert "Middlesbrough" in page
    assert people["chart"].figure["data"][1]["name"] == "Hartlepool"
    assert "kind=people&amp;format=csv" in page
    assert "vendor/plotly-basic.min.js" in page  # the charts are drawn
    assert client.get(reverse("benchmarking:similar", args=["E99999999"])).status_code == 404


def test_nightly_job_follows_the_register(stored, db):
    """A council retired from the register drops out of every set when the job runs again;
    the job runs before the nightly comparisons that use the sets."""
    Council.objects.filter(gss_code=HARTLEPOOL).update(end_date=datetime.date(2020, 3, 31))
    similar_councils_recompute_task()
    assert not SimilarCouncil.objects.filter(council__gss_code=HARTLEPOOL).exists()
    assert not SimilarCouncil.objects.filter(neighbour__gss_code=HARTLEPOOL).exists()
    assert SimilarCouncil.objects.filter(council__gss_code="E06000002").count() == 60
    similar = BEAT_SCHEDULE["recompute-similar-councils"]["schedule"]
    comparisons = BEAT_SCHEDULE["recompute-comparisons"]["schedule"]
    assert sorted(similar.hour) == sorted(comparisons.hour) == [2]
    assert min(similar.minute) < min(comparisons.minute)


def test_compare_tool_takes_the_first_measure_set(stored, db, client):
    response = client.get(
        reverse("benchmarking:compare"),
        {"metric_1": PLACE, "metric_2": PEOPLE, "group": f"similar-by-measure:{HARTLEPOOL}"},
    )
    assert response.status_code == 200
    shown = {c.gss_code for c in response.context["councils"]}
    assert shown == {HARTLEPOOL} | neighbours("place")
