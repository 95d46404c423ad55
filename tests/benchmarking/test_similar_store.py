import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from benchmarking.models import ComparisonStatistic, SimilarCouncil
from benchmarking.selectors import comparison_councils
from benchmarking.services import comparisons_recompute, metrics_import, values_import
from selfreg.fileproblems import read_table
from selfreg.models import Council


@pytest.fixture(scope="module")
def computed(django_db_setup, django_db_blocker):
    """The sets computed from the real context once for the module (the slow part), rolled
    back after it; each test's own writes roll back to this."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("similar_councils", "--compute", stderr=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def similar(computed, db):
    pass


def test_every_current_council_with_context_gets_fifteen_neighbours_of_its_tier(similar):
    hartlepool = Council.objects.get(gss_code="E06000001")
    neighbours = list(hartlepool.neighbours.of_kind("overall").select_related("neighbour"))
    assert [n.rank for n in neighbours] == list(range(1, 16))
    assert all(n.neighbour.tier == "upper" and n.neighbour.nation == "England" for n in neighbours)
    assert neighbours[0].distance <= neighbours[-1].distance
    maidstone = Council.objects.get(gss_code="E07000110")
    assert {n.neighbour.kind for n in maidstone.neighbours.select_related("neighbour")} == {"NMD"}
    scotland = SimilarCouncil.objects.filter(council__nation="Scotland")
    assert scotland.filter(kind="overall").count() == 32 * 15
    assert scotland.count() == 4 * 32 * 15  # overall, people, place and finance


def test_command_prints_json(similar):
    out = io.StringIO()
    call_command("similar_councils", "E06000001", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["gss_code"] == "E06000001"
    assert len(data["similar"]) == 15
    assert len(data["similar"][0]["closest_variables"]) == 3
    with pytest.raises(CommandError, match="No council has the code"):
        call_command("similar_councils", "E99999999")


def test_similar_group_is_the_council_and_its_neighbours(similar):
    metrics_import(rows=[{"code": "m", "title": "M", "element": "outcome"}])
    councils = Council.objects.current().with_gss().filter(nation="England")
    codes = councils.exclude(kind__in=["COMB", "SRA"]).values_list("gss_code", flat=True)
    text = "gss_code,metric_code,period,value\n" + "".join(
        f"{gss},m,2024-25,{i}\n" for i, gss in enumerate(codes)
    )
    values_import(frame=read_table(text.encode(), "v.csv"), source="upload", recompute=False)
    comparisons_recompute()
    stat = ComparisonStatistic.objects.get(group="similar:E06000001", audience="public")
    assert stat.n == 16
    members = {p["gss_code"] for p in comparison_councils(stat)}
    expected = {"E06000001"} | set(
        SimilarCouncil.objects.filter(council__gss_code="E06000001", kind="overall").values_list(
            "neighbour__gss_code", flat=True
        )
    )
    assert members == expected
