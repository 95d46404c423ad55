import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from benchmarking.models import SharingChoice, Value
from benchmarking.services import metrics_import, sharing_set, values_import
from selfreg.fileproblems import read_table
from selfreg.models import Visibility


@pytest.fixture
def values(db):
    metrics_import(
        rows=[
            {"code": "sat", "title": "Satisfied", "element": "perception"},
            {"code": "cost", "title": "Cost", "element": "cost"},
        ]
    )
    text = "gss_code,metric_code,period,value\n" + "".join(
        f"{gss},{code},2019-20,{n}\n"
        for n, gss in enumerate(["E06000001", "E06000002", "E06000003"])
        for code in ("sat", "cost")
    )
    values_import(frame=read_table(text.encode(), "v.csv"), source="upload")


def test_a_choice_moves_existing_values_of_that_element_only(values, users, hartlepool):
    moved = sharing_set(
        user=users["officer"], council=hartlepool, element="perception", visibility="council"
    )
    assert moved == 1
    mine = dict(Value.objects.filter(council=hartlepool).values_list("metric__code", "visibility"))
    assert mine == {"sat": "council", "cost": "public"}
    value = Value.objects.get(council=hartlepool, metric__code="sat")
    assert [h.visibility for h in value.history.order_by("history_date")] == ["public", "council"]


def test_new_values_follow_the_councils_choice(values, users, hartlepool):
    sharing_set(
        user=users["officer"], council=hartlepool, element="perception", visibility="sector"
    )
    text = "gss_code,metric_code,period,value\nE06000001,sat,2020-21,5\nE06000002,sat,2020-21,6\n"
    values_import(frame=read_table(text.encode(), "v.csv"), source="upload")
    got = dict(
        Value.objects.filter(period="2020-21").values_list("council__gss_code", "visibility")
    )
    assert got == {"E06000001": Visibility.SECTOR, "E06000002": Visibility.PUBLIC}


def test_only_the_councils_officers_choose(values, users, hartlepool):
    for role in ("sector_staff", "councillor", "other_officer", "peer", "provider"):
        with pytest.raises(PermissionDenied):
            sharing_set(user=users[role], council=hartlepool, element="cost", visibility="council")
    assert not SharingChoice.objects.exists()


def test_sharing_page_saves_and_public_pages_honour_it(client_for, values, users, hartlepool):
    client = client_for(users["officer"])
    url = reverse("benchmarking:sharing", args=["E06000001"])
    response = client.post(
        url, {"perception": "council", "cost": "public", "outcome": "public"}, follow=True
    )
    assert "1 figures changed who can see them" in response.content.decode()
    public = client_for(None).get(reverse("benchmarking:council", args=["E06000001"]))
    shown = {row.metric.code for s in public.context["sections"] for row in s.rows}
    assert shown == {"cost"}
    api = client_for(None).get("/api/v1/values/", {"area": "E06000001"}).json()
    assert {v["metric"] for v in api["results"]} == {"cost"}
