import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from benchmarking.models import Value
from benchmarking.services import metrics_import

URL = reverse("benchmarking:upload")


@pytest.fixture
def metric(db):
    metrics_import(rows=[{"code": "sat", "title": "Satisfied", "element": "perception"}])


def csv_file(text: str, name: str = "values.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_bad_file_is_rejected_whole_with_every_problem(client_for, users, metric):
    client = client_for(users["officer"])
    body = "gss_code,metric_code,period,value\nE06000001,sat,2019-20,5\nE06000002,sat,2019-20,x\n"
    response = client.post(URL, {"file": csv_file(body), "visibility": "public"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There are 2 problems with values.csv" in page
    assert "You cannot submit data for &#x27;E06000002&#x27;." in page
    assert "&#x27;x&#x27; is not a number." in page
    assert Value.objects.count() == 0


def test_good_file_is_saved_and_reported(client_for, users, metric):
    client = client_for(users["officer"])
    body = "gss_code,metric_code,period,value\nE06000001,sat,2019-20,5\n"
    response = client.post(URL, {"file": csv_file(body), "visibility": "sector"})
    assert response.status_code == 200
    assert "Values saved" in response.content.decode()
    value = Value.objects.get()
    assert (value.visibility, value.submitted_by, value.source) == (
        "sector",
        users["officer"],
        "upload",
    )
    response = client.post(URL, {"file": csv_file(body), "visibility": "sector"})
    assert response.context["report"].unchanged == 1


def test_wrong_file_type_is_a_form_error(client_for, users, metric):
    response = client_for(users["sector_staff"]).post(
        URL, {"file": csv_file("x", "values.pdf"), "visibility": "public"}
    )
    assert "The selected file must be a CSV or XLSX file." in response.content.decode()
