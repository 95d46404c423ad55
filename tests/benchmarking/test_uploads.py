"""Uploads in three steps (check, confirm, save in the background) and values typed in.

Everything goes through the real services and views: files are stored under a temporary
MEDIA_ROOT, Celery runs eagerly unless a test starts a real worker on Redis, and a failure
between checking and saving is made by changing the catalogue, as could happen for real.
"""

import datetime
import json
import os
import threading
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from benchmarking.models import Metric, SharingChoice, Upload, UploadStatus, Value
from benchmarking.services import comparisons_recompute, metrics_import, values_import
from benchmarking.uploads import (
    CHUNK_ROWS,
    ChangeCounts,
    chunk_starts,
    failure_message,
    percent,
    progress_key,
    shift_problems,
    upload_check,
    upload_commit,
    upload_confirm,
    upload_receive,
    uploads_files_delete,
    uploads_requeue,
)
from selfreg.celery import app
from selfreg.fileproblems import FileProblems, Problem, read_table
from selfreg.models import Council, Role
from tests.conftest import DARLINGTON, HARTLEPOOL, ROLE_NAMES

HEADER = "gss_code,metric_code,period,value\n"
START = reverse("benchmarking:upload")
HISTORY = reverse("benchmarking:upload_history")
ENTRY = reverse("benchmarking:values_entry")
MAY_SUBMIT = {"officer", "other_officer", "sector_staff"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def eager():
    """Jobs run in the request, as in a first run; a test with a worker turns this off."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def metrics(db):
    metrics_import(
        rows=[
            {"code": "sat", "title": "Satisfied", "element": "perception", "unit": "%"},
            {"code": "trust", "title": "Trust the council", "element": "perception"},
            {"code": "cost", "title": "Cost per resident", "element": "cost", "unit": "£"},
        ]
    )


def receive(**kwargs) -> Upload:
    """Store a file and check it, as its background job does once the upload commits."""
    upload = upload_receive(**kwargs)
    upload_check(upload_id=upload.pk)
    upload.refresh_from_db()
    return upload


def csv_file(text: str, name: str = "values.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def detail_url(upload) -> str:
    return reverse("benchmarking:upload_detail", kwargs={"upload_id": upload.pk})


def confirm_url(upload) -> str:
    return reverse("benchmarking:upload_confirm", kwargs={"upload_id": upload.pk})


def progress_url(upload) -> str:
    return reverse("benchmarking:upload_progress", kwargs={"upload_id": upload.pk})


def history_count() -> int:
    return Value.history.count()


# --- pure helpers ----------------------------------------------------------------------------


def test_chunks_cover_every_row_once():
    assert chunk_starts(0) == []
    assert chunk_starts(1) == [0]
    assert chunk_starts(CHUNK_ROWS) == [0]
    assert chunk_starts(2 * CHUNK_ROWS + 1) == [0, CHUNK_ROWS, 2 * CHUNK_ROWS]


def test_problems_in_a_chunk_are_numbered_as_in_the_file():
    found = [Problem(0, "", "file"), Problem(1, "x", "header"), Problem(2, "value", "bad")]
    assert shift_problems(found, 5000) == [
        Problem(0, "", "file"),
        Problem(1, "x", "header"),
        Problem(5002, "value", "bad"),
    ]


def test_percent_is_whole_and_bounded():
    assert percent(None, 10) is None
    assert percent(5, 0) is None
    assert percent(1, 3) == 33
    assert percent(12, 10) == 100


def test_failure_messages_are_plain_words():
    for error in [FileProblems([Problem(2, "value", "x")]), OSError("disk"), RuntimeError("x")]:
        message = failure_message(error)
        assert "Nothing from the file has been saved." in message
        assert "Traceback" not in message and "Error" not in message


# --- services --------------------------------------------------------------------------------


def test_a_file_with_errors_is_rejected_whole_with_every_problem(users, metrics):
    body = HEADER + "E06000001,sat,2019-20,5\nE06000005,sat,2019-20,x\nE06000001,nope,2019,1\n"
    upload = receive(user=users["officer"], file=csv_file(body), visibility="public")
    assert upload.status == UploadStatus.REJECTED
    assert upload.row_count == 3
    assert {(p["row"], p["column"], p["message"]) for p in upload.problems} == {
        (3, "gss_code", "You cannot submit data for 'E06000005'."),
        (3, "value", "'x' is not a number. Write it with digits, such as 1234.5 or 1,234.5."),
        (4, "metric_code", "No metric has the code 'nope'."),
    }
    assert Value.objects.count() == 0
    assert os.path.exists(upload.file.path)
    assert upload_confirm(upload_id=upload.pk) is False


def test_an_unreadable_file_is_rejected(users, metrics):
    upload = receive(
        user=users["sector_staff"], file=csv_file("", "empty.csv"), visibility="public"
    )
    assert upload.status == UploadStatus.REJECTED
    assert upload.problems[0]["row"] == 0


def test_a_good_file_is_ready_with_a_preview_and_nothing_is_written(
    users, metrics, django_capture_on_commit_callbacks
):
    officer = users["officer"]
    saved = HEADER + "E06000001,sat,2018-19,5\nE06000001,sat,2019-20,6\n"
    values_import(frame=read_table(saved.encode(), "v.csv"), source="upload", user=officer)
    before = history_count()
    body = HEADER + (
        "E06000001,sat,2018-19,5\n"  # unchanged
        "E06000001,sat,2019-20,7\n"  # changed
        "E06000001,cost,2019-20,100\n"  # new
    )
    upload = receive(user=officer, file=csv_file(body), visibility="public")
    assert upload.status == UploadStatus.READY
    assert upload.summary == {
        "council_count": 1,
        "councils": ["Hartlepool"],
        "metric_count": 2,
        "metrics": ["cost", "sat"],
        "period_count": 2,
        "periods": ["2018-19", "2019-20"],
        "new": 1,
        "changed": 1,
        "unchanged": 1,
        "unusual": [],
        "visibility": {"public": 3},
    }
    assert history_count() == before
    assert Value.objects.get(metric__code="sat", period="2019-20").value == 6

    with django_capture_on_commit_callbacks(execute=True):
        assert upload_confirm(upload_id=upload.pk) is True
    upload.refresh_from_db()
    assert upload.status == UploadStatus.COMMITTED
    counts = ChangeCounts(upload.created_count, upload.updated_count, upload.unchanged_count)
    assert counts == ChangeCounts(new=1, changed=1, unchanged=1)
    assert (upload.progress, upload.total) == (3, 3)
    assert upload.committed_at is not None
    value = Value.objects.get(metric__code="sat", period="2019-20")
    assert (value.value, value.source, value.source_ref) == (7, "upload", "values.csv")


def test_the_preview_follows_a_councils_sharing_choice(users, metrics):
    officer = users["officer"]
    SharingChoice.objects.create(
        council=Council.objects.get(gss_code=HARTLEPOOL), element="perception", visibility="council"
    )
    body = HEADER + "E06000001,sat,2019-20,5\n"
    values_import(frame=read_table(body.encode(), "v.csv"), source="upload", user=officer)
    assert Value.objects.get().visibility == "council"
    # Uploaded as public, but the council's own choice wins: nothing would change.
    upload = receive(user=officer, file=csv_file(body), visibility="public")
    assert (upload.summary["new"], upload.summary["changed"], upload.summary["unchanged"]) == (
        0,
        0,
        1,
    )


def test_own_council_only_is_kept_where_the_council_shares_the_element_publicly(
    client_for, users, metrics, hartlepool, django_capture_on_commit_callbacks
):
    """The preview says "Own council only", so that is what is stored, even though the
    council shares perception publicly; the anonymous API never returns the value."""
    SharingChoice.objects.create(council=hartlepool, element="perception", visibility="public")
    client = client_for(users["officer"])
    body = HEADER + "E06000001,sat,2019-20,41.5\nE06000001,cost,2019-20,12.5\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"file": csv_file(body), "visibility": "council"})
    upload = Upload.objects.get()
    assert response.url == detail_url(upload)
    page = client.get(detail_url(upload)).content.decode()
    who = page.split('id="who-sees">')[1].split("</dd>")[0]
    assert who == "Own council only"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(upload))
    assert set(Value.objects.values_list("visibility", flat=True)) == {"council"}
    api = client_for(None).get(reverse("api_value_list"), {"area": "E06000001"})
    assert "41.5" not in api.content.decode()


def test_the_preview_shows_where_a_councils_choice_keeps_rows_from_more_people(
    client_for, users, metrics, hartlepool, django_capture_on_commit_callbacks
):
    SharingChoice.objects.create(council=hartlepool, element="perception", visibility="sector")
    client = client_for(users["officer"])
    body = HEADER + "E06000001,sat,2019-20,5\nE06000001,cost,2019-20,12.5\n"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(START, {"file": csv_file(body), "visibility": "public"})
    upload = Upload.objects.get()
    assert upload.summary["visibility"] == {"sector": 1, "public": 1}
    page = client.get(detail_url(upload)).content.decode()
    assert "Councils and sector staff: 1 row" in page and "Public: 1 row" in page
    assert "its choice is kept" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(upload))
    stored = dict(Value.objects.values_list("metric__code", "visibility"))
    assert stored == {"sat": "sector", "cost": "public"}


def test_an_upload_whose_visibility_changed_after_the_preview_is_not_saved(
    users, metrics, hartlepool, django_capture_on_commit_callbacks
):
    """Sharing chosen between the check and the confirmation would store something other
    than the preview said, so nothing is saved and the uploader is told why."""
    body = HEADER + "E06000001,sat,2019-20,5\n"
    upload = receive(user=users["officer"], file=csv_file(body), visibility="public")
    assert upload.summary["visibility"] == {"public": 1}
    SharingChoice.objects.create(council=hartlepool, element="perception", visibility="council")
    with django_capture_on_commit_callbacks(execute=True):
        upload_confirm(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert "changed since the file was checked" in upload.error_message
    assert Value.objects.count() == 0


def test_committing_twice_changes_nothing_the_second_time(
    users, metrics, django_capture_on_commit_callbacks
):
    body = HEADER + "E06000001,sat,2019-20,5\n"
    upload = receive(user=users["officer"], file=csv_file(body), visibility="sector")
    with django_capture_on_commit_callbacks(execute=True):
        upload_confirm(upload_id=upload.pk)
    before = (history_count(), Upload.objects.get(pk=upload.pk).committed_at)
    again = upload_commit(upload_id=upload.pk)
    assert again.status == UploadStatus.COMMITTED
    assert (history_count(), again.committed_at) == before
    assert upload_confirm(upload_id=upload.pk) is False
    assert upload_commit(upload_id=987654321) is None


def test_a_failure_while_saving_ends_failed_with_a_plain_message_and_nothing_written(
    users, metrics, django_capture_on_commit_callbacks
):
    body = HEADER + "E06000001,cost,2019-20,100\nE06000001,sat,2019-20,5\n"
    upload = receive(user=users["officer"], file=csv_file(body), visibility="public")
    assert upload.status == UploadStatus.READY
    # Between the check and the save, someone removes one of the file's measures.
    Metric.objects.filter(code="sat").delete()
    with django_capture_on_commit_callbacks(execute=True):
        upload_confirm(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert upload.error_message.startswith("The file no longer passes the checks")
    assert "Nothing from the file has been saved." in upload.error_message
    assert "Traceback" not in upload.error_message
    assert upload.problems == [
        {"row": 3, "column": "metric_code", "message": "No metric has the code 'sat'."}
    ]
    assert Value.objects.count() == 0
    assert cache.get(progress_key(upload.pk)) is None
    # A failed upload stays failed: running the job again does nothing.
    assert upload_commit(upload_id=upload.pk).status == UploadStatus.FAILED
    assert Value.objects.count() == 0


def test_losing_the_right_to_submit_before_saving_fails_the_upload(
    users, metrics, django_capture_on_commit_callbacks
):
    officer = users["officer"]
    upload = receive(
        user=officer, file=csv_file(HEADER + "E06000001,sat,2019-20,5\n"), visibility="public"
    )
    Role.objects.filter(user=officer).delete()
    with django_capture_on_commit_callbacks(execute=True):
        upload_confirm(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert upload.problems[0]["message"] == "You cannot submit data for 'E06000001'."
    assert Value.objects.count() == 0


# --- large files -----------------------------------------------------------------------------

PERIODS = ["2016-17", "2017-18", "2018-19", "2019-20"]
BIG_METRICS = [f"m{i:02d}" for i in range(10)]


def councils_for_big_file(n: int = 300) -> list[str]:
    """GSS codes of councils that existed from 2016-17 to 2019-20."""
    codes = [
        gss
        for gss, start, end in Council.objects.with_gss()
        .order_by("gss_code")
        .values_list("gss_code", "start_date", "end_date")
        if (start is None or start <= datetime.date(2017, 3, 31))
        and (end is None or end > datetime.date(2019, 4, 1))
    ]
    assert len(codes) >= n
    return codes[:n]


def big_file() -> tuple[str, list[str]]:
    """12,000 rows, three chunks: ten measures by 300 councils by four periods."""
    metrics_import(
        rows=[{"code": c, "title": f"Measure {c}", "element": "outcome"} for c in BIG_METRICS]
    )
    codes = councils_for_big_file()
    lines = [
        f"{gss},{metric},{period},{n % 97}\n"
        for n, (metric, gss, period) in enumerate(
            (m, g, p) for m in BIG_METRICS for g in codes for p in PERIODS
        )
    ]
    return HEADER + "".join(lines), codes


def test_a_large_file_is_saved_in_chunks_all_or_nothing(users, django_capture_on_commit_callbacks):
    body, _codes = big_file()
    staff = users["sector_staff"]
    upload = receive(user=staff, file=csv_file(body, "big.csv"), visibility="public")
    assert (upload.status, upload.row_count) == (UploadStatus.READY, 12000)
    # The last measure's rows are all in the third chunk; remove it before saving.
    Metric.objects.filter(code=BIG_METRICS[-1]).delete()
    with django_capture_on_commit_callbacks(execute=True):
        upload_confirm(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert len(upload.problems) == 1000  # the checks list at most 1,000 problems
    assert upload.problems[0]["row"] == 9 * 1200 + 2  # as the file numbers it, not the chunk
    assert Value.objects.count() == 0  # the first two chunks were rolled back too


class RowLock:
    """Hold a lock on one value from another connection, so a save stops when it gets there."""

    def __init__(self, value_id: int):
        self.value_id = value_id
        self.locked = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        try:
            with transaction.atomic():
                Value.objects.select_for_update().get(pk=self.value_id)
                self.locked.set()
                self.release.wait(timeout=120)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.locked.wait(timeout=30)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=30)


def poll(client, url, until, timeout=60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        data = json.loads(client.get(url).content)
        if until(data) or time.monotonic() > deadline:
            return data
        time.sleep(0.05)


def prepare_blocked_upload(users) -> tuple[Upload, Value]:
    """A ready 12,000-row upload one of whose rows in the second chunk changes a saved value."""
    body, codes = big_file()
    row = CHUNK_ROWS + 2000  # in the second chunk
    metric, gss, period = BIG_METRICS[row // 1200], codes[(row % 1200) // 4], PERIODS[row % 4]
    values_import(
        frame=read_table(f"{HEADER}{gss},{metric},{period},-1\n".encode(), "v.csv"),
        source="upload",
        recompute=False,
    )
    upload = receive(
        user=users["sector_staff"], file=csv_file(body, "big.csv"), visibility="public"
    )
    assert upload.status == UploadStatus.READY
    assert upload.summary["changed"] == 1
    return upload, Value.objects.get()


def test_progress_is_reported_while_a_large_file_is_saved(register_loaded, users, client_for):
    upload, blocked = prepare_blocked_upload(users)
    client = client_for(users["sector_staff"])
    errors = []

    def confirm():  # as the confirm view does; eagerly, the job runs in this thread
        try:
            upload_confirm(upload_id=upload.pk)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
        finally:
            connection.close()

    with RowLock(blocked.pk):
        saver = threading.Thread(target=confirm, daemon=True)
        saver.start()
        data = poll(client, progress_url(upload), lambda d: d["done"] == CHUNK_ROWS)
        assert data["status"] == "committing"
        assert (data["done"], data["total"], data["percent"]) == (CHUNK_ROWS, 12000, 41)
        assert data["message"] == "5,000 of 12,000 rows saved."
        assert data["finished"] is False
        page = client.get(detail_url(upload)).content.decode()
        assert 'value="5000"' in page and "Refresh this page" in page
        assert "js/upload-progress.js" in page
        # The first chunk is written but cannot be seen until the whole file is saved.
        assert Value.objects.count() == 1
    saver.join(timeout=120)
    assert errors == []
    upload.refresh_from_db()
    assert upload.status == UploadStatus.COMMITTED
    assert (upload.created_count, upload.updated_count) == (11999, 1)
    assert Value.objects.count() == 12000
    data = json.loads(client.get(progress_url(upload)).content)
    assert (data["finished"], data["done"], data["percent"]) == (True, 12000, 100)


@pytest.mark.redis
def test_progress_goes_through_redis_from_a_worker(celery_worker, users, client_for):
    assert "RedisCache" in settings.CACHES["default"]["BACKEND"]
    upload, blocked = prepare_blocked_upload(users)
    client = client_for(users["sector_staff"])
    with RowLock(blocked.pk):
        response = client.post(confirm_url(upload))
        assert response.status_code == 302
        data = poll(client, progress_url(upload), lambda d: d["done"] == CHUNK_ROWS)
        assert (data["status"], data["done"]) == ("committing", CHUNK_ROWS)
        assert celery_worker.exists(cache.make_key(progress_key(upload.pk)))
    data = poll(client, progress_url(upload), lambda d: d["finished"], timeout=120)
    assert (data["status"], data["done"]) == ("committed", 12000)
    assert Value.objects.count() == 12000
    # The worker forgets the progress just after its transaction commits.
    key = cache.make_key(progress_key(upload.pk))
    deadline = time.monotonic() + 10
    while celery_worker.exists(key) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not celery_worker.exists(key)


# --- views -----------------------------------------------------------------------------------


def test_reject_fix_confirm_and_see_the_history(
    client_for, users, metrics, django_capture_on_commit_callbacks
):
    client = client_for(users["officer"])
    assert "Upload and check" in client.get(START).content.decode()

    bad = HEADER + "E06000001,sat,2019-20,five\nE06000005,sat,2019-20,4\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"file": csv_file(bad, "bad.csv"), "visibility": "public"})
    rejected = Upload.objects.get(original_name="bad.csv")
    assert response.status_code == 302 and response.url == detail_url(rejected)
    page = client.get(response.url).content.decode()
    assert "There are 2 problems with bad.csv" in page
    assert "Nothing from the file has been saved." in page
    assert "&#x27;five&#x27; is not a number." in page
    assert "You cannot submit data for &#x27;E06000005&#x27;." in page
    assert "Confirm and save" not in page
    assert Value.objects.count() == 0

    good = HEADER + "E06000001,sat,2019-20,5\nE06000001,trust,2019-20,40\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"file": csv_file(good, "good.csv"), "visibility": "sector"})
    ready = Upload.objects.get(original_name="good.csv")
    page = client.get(response.url).content.decode()
    assert "Check what your file will change" in page
    assert "Confirm and save" in page
    assert Value.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url(ready))
    assert response.status_code == 302 and response.url == detail_url(ready)
    page = client.get(response.url).content.decode()
    assert "Values saved" in page
    assert "js/upload-progress.js" not in page
    ready.refresh_from_db()
    assert (ready.status, ready.created_count, ready.updated_count) == ("committed", 2, 0)
    assert set(Value.objects.values_list("visibility", "source", "submitted_by")) == {
        ("sector", "upload", users["officer"].pk)
    }
    data = client.get(progress_url(ready)).json()
    assert (data["finished"], data["done"], data["total"]) == (True, 2, 2)

    before = history_count()
    response = client.post(confirm_url(ready), follow=True)
    assert "This file has already been confirmed." in response.content.decode()
    assert history_count() == before

    page = client.get(HISTORY).content.decode()
    assert page.index("good.csv") < page.index("bad.csv")  # newest first
    assert "Rejected" in page and "Saved" in page
    assert detail_url(rejected) in page and detail_url(ready) in page


def test_the_wrong_kind_of_file_is_a_form_error(client_for, users, metrics):
    response = client_for(users["sector_staff"]).post(
        START, {"file": csv_file("x", "values.pdf"), "visibility": "public"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The selected file must be a CSV or XLSX file." in page
    assert "Error: Submit values" in page
    assert Upload.objects.count() == 0


def test_a_rejected_file_cannot_be_confirmed(
    client_for, users, metrics, django_capture_on_commit_callbacks
):
    client = client_for(users["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            START, {"file": csv_file(HEADER + "E06000001,sat,x,1\n"), "visibility": "public"}
        )
    upload = Upload.objects.get()
    response = client.post(confirm_url(upload), follow=True)
    assert "This file cannot be saved." in response.content.decode()
    assert Upload.objects.get().status == UploadStatus.REJECTED


def test_history_is_your_own_and_sector_staff_see_everyones(client_for, users, metrics):
    receive(user=users["officer"], file=csv_file(HEADER, "mine.csv"), visibility="public")
    receive(user=users["other_officer"], file=csv_file(HEADER, "theirs.csv"), visibility="public")
    page = client_for(users["officer"]).get(HISTORY).content.decode()
    assert "mine.csv" in page and "theirs.csv" not in page
    page = client_for(users["sector_staff"]).get(HISTORY).content.decode()
    assert "mine.csv" in page and "theirs.csv" in page


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_who_may_open_the_pages(client_for, users, role):
    client = client_for(users[role])
    for url in (START, HISTORY, ENTRY):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and response.url.startswith(reverse("login"))
        else:
            assert response.status_code == (200 if role in MAY_SUBMIT else 403), url


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_who_may_see_and_confirm_an_officers_upload(client_for, users, metrics, role):
    upload = receive(
        user=users["officer"],
        file=csv_file(HEADER + "E06000001,sat,2019-20,5\n"),
        visibility="public",
    )
    expected_view = {
        "anonymous": "login",
        "officer": 200,
        "sector_staff": 200,
        "other_officer": 404,
    }.get(role, 403)
    expected_confirm = {"anonymous": "login", "officer": 302, "other_officer": 404}.get(role, 403)
    client = client_for(users[role])
    for url in (detail_url(upload), progress_url(upload)):
        response = client.get(url)
        if expected_view == "login":
            assert response.status_code == 302 and response.url.startswith(reverse("login"))
        else:
            assert response.status_code == expected_view
    assert client.get(confirm_url(upload)).status_code == (302 if role == "anonymous" else 405)
    response = client.post(confirm_url(upload))  # the job itself waits for a commit
    if expected_confirm == "login":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected_confirm
    expected_status = "committing" if role == "officer" else "ready"
    assert Upload.objects.get().status == expected_status


def test_a_missing_upload_is_not_found(client_for, users):
    client = client_for(users["sector_staff"])
    for name in ("upload_detail", "upload_progress"):
        url = reverse(f"benchmarking:{name}", kwargs={"upload_id": 999999})
        assert client.get(url).status_code == 404


def test_sector_staff_see_but_do_not_confirm_an_officers_upload(client_for, users, metrics):
    upload = receive(
        user=users["officer"],
        file=csv_file(HEADER + "E06000001,sat,2019-20,5\n"),
        visibility="public",
    )
    page = client_for(users["sector_staff"]).get(detail_url(upload)).content.decode()
    assert "Confirm and save" not in page
    assert "Only the person who uploaded this file can confirm it" in page


def test_an_officer_uploads_for_their_own_council_only(
    client_for, users, metrics, django_capture_on_commit_callbacks
):
    client = client_for(users["officer"])
    body = HEADER + f"{DARLINGTON},sat,2019-20,5\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"file": csv_file(body), "visibility": "public"})
    page = client.get(response.url).content.decode()
    assert "You cannot submit data for &#x27;E06000005&#x27;." in page
    assert Upload.objects.get().status == UploadStatus.REJECTED


# --- checked in the background, within limits, never stuck ---------------------------------


def test_the_request_stores_the_file_and_the_check_runs_after_it(client_for, users, metrics):
    """Posting a file only stores it: the page says it is being checked, and nothing is
    checked inside the request (its job is queued when the upload commits)."""
    client = client_for(users["officer"])
    body = HEADER + "E06000001,sat,2019-20,5\n"
    response = client.post(START, {"file": csv_file(body), "visibility": "public"})
    upload = Upload.objects.get()
    assert response.url == detail_url(upload)
    assert upload.status == UploadStatus.CHECKING
    page = client.get(detail_url(upload)).content.decode()
    assert "Checking your file" in page and "data-upload-progress" in page
    assert client.get(progress_url(upload)).json()["finished"] is False
    upload_check(upload_id=upload.pk)  # what the job does
    upload.refresh_from_db()
    assert upload.status == UploadStatus.READY
    assert client.get(progress_url(upload)).json()["finished"] is True
    assert upload_check(upload_id=upload.pk).status == UploadStatus.READY  # run twice: no-op


def test_a_file_with_too_many_rows_is_refused_before_it_is_read(users, metrics, monkeypatch):
    monkeypatch.setattr("benchmarking.uploads.MAX_ROWS", 3)
    body = HEADER + "E06000001,sat,2019-20,5\n" * 4
    upload = receive(user=users["officer"], file=csv_file(body), visibility="public")
    assert upload.status == UploadStatus.REJECTED
    assert upload.problems[0]["message"] == (
        "The file has more than 3 rows. Split it into files of up to 3 rows each and upload "
        "them one by one."
    )
    assert Value.objects.count() == 0


def test_a_workbook_that_unpacks_too_large_is_refused(users, metrics):
    from tests.hostile.test_importers import xlsx_bomb

    bomb = SimpleUploadedFile("bomb.xlsx", xlsx_bomb(800_000))  # about 45 MB of XML
    upload = receive(user=users["officer"], file=bomb, visibility="public")
    assert upload.status == UploadStatus.REJECTED
    assert "too large to check once unpacked (over 40 MB)" in upload.problems[0]["message"]


def test_the_watchdog_requeues_a_lost_check_and_gives_up_after_three(
    users, metrics, django_capture_on_commit_callbacks
):
    """An upload left `checking` by a killed worker is checked again; one whose job is lost
    three times is failed with a reason, never left stuck."""
    body = HEADER + "E06000001,sat,2019-20,5\n"
    upload = upload_receive(user=users["officer"], file=csv_file(body), visibility="public")
    # Its job was handed to a worker that died: queued long ago, still checking.
    long_ago = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    Upload.objects.filter(pk=upload.pk).update(queued_at=long_ago, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert uploads_requeue() == [upload.pk]  # eager here: the check runs at once
    upload.refresh_from_db()
    assert (upload.status, upload.attempts) == (UploadStatus.READY, 2)

    stuck = upload_receive(user=users["officer"], file=csv_file(body), visibility="public")
    Upload.objects.filter(pk=stuck.pk).update(queued_at=long_ago, attempts=3)
    assert uploads_requeue() == []
    stuck.refresh_from_db()
    assert stuck.status == UploadStatus.FAILED
    assert stuck.error_message.startswith("Checking the file stopped 3 times")


def test_files_of_rejected_and_failed_uploads_are_deleted_after_30_days(client_for, users, metrics):
    """The page says how long the file is kept; after that the file goes and the record of
    the upload, with its problems, stays. A file still to be confirmed is kept."""
    bad = receive(
        user=users["officer"], file=csv_file(HEADER + "E06000001,sat,x,1\n"), visibility="public"
    )
    good = receive(
        user=users["officer"],
        file=csv_file(HEADER + "E06000001,sat,2019-20,1\n"),
        visibility="public",
    )
    page = client_for(users["officer"]).get(detail_url(bad)).content.decode()
    assert "deletes its copy of this file 30 days after it was uploaded" in page
    path = bad.file.path
    assert uploads_files_delete() == 0  # too recent
    Upload.objects.update(created_at=timezone.now() - datetime.timedelta(days=31))
    assert uploads_files_delete() == 1
    assert not os.path.exists(path)
    bad.refresh_from_db()
    assert (bad.file.name, bad.status, len(bad.problems)) == ("", UploadStatus.REJECTED, 1)
    good.refresh_from_db()
    assert os.path.exists(good.file.path)
    assert uploads_files_delete() == 0  # run again: nothing left to do
    assert client_for(users["officer"]).get(detail_url(bad)).status_code == 200


# --- typing values in ------------------------------------------------------------------------


def entry_query(council, period="2019-20", element="perception") -> dict:
    return {"council": council.pk, "period": period, "element": element, "visibility": "public"}


def test_enter_values_by_hand(client_for, users, metrics, hartlepool):
    client = client_for(users["officer"])
    page = client.get(ENTRY).content.decode()
    assert ">Hartlepool</option>" in page and "Darlington" not in page

    page = client.get(ENTRY, entry_query(hartlepool, period=" 2019-20 ")).content.decode()
    assert "Enter values for Hartlepool, 2019-20" in page
    assert "Satisfied (%)" in page and "Trust the council" in page
    assert "Cost per resident" not in page

    data = {**entry_query(hartlepool), "visibility": "sector", f"metric_{sat().pk}": "61.5"}
    data[f"metric_{trust().pk}"] = ""  # blank: skipped
    response = client.post(ENTRY, data)
    assert response.status_code == 302
    assert response.url == f"{ENTRY}?council={hartlepool.pk}&period=2019-20&element=perception"
    value = Value.objects.get()
    assert (value.metric.code, value.value, value.source, value.visibility) == (
        "sat",
        61.5,
        "form",
        "sector",
    )
    assert value.submitted_by == users["officer"]
    page = client.get(response.url).content.decode()
    assert "Values saved for Hartlepool, 2019-20: 1 new, 0 changed, 0 unchanged." in page
    assert "Saved now: 61.5." in page

    # The same figure again changes nothing; a new one is a correction.
    client.post(ENTRY, data)
    assert Value.objects.get().history.count() == 1
    client.post(ENTRY, {**data, f"metric_{sat().pk}": "62"})
    assert Value.objects.get().value == 62
    assert Value.objects.get().history.count() == 2
    # A percentage over 100 is refused, by the box it was typed in.
    refused = client.post(ENTRY, {**data, f"metric_{sat().pk}": "1,062"})
    assert refused.status_code == 400
    assert "Satisfied: &#x27;1,062&#x27; is over 100, but this measure is a percentage." in (
        refused.content.decode()
    )
    assert Value.objects.get().value == 62


def sat():
    return Metric.objects.get(code="sat")


def trust():
    return Metric.objects.get(code="trust")


def test_entry_errors_are_shown_and_nothing_is_written(client_for, users, metrics, hartlepool):
    client = client_for(users["officer"])
    response = client.get(ENTRY, entry_query(hartlepool, period="2019/20"))
    page = response.content.decode()
    assert "Error: Enter values" in page
    assert "govuk-error-summary" in page and "Use 2019, 2019-20, 2019-20 Q1 or 2019-22." in page

    response = client.post(ENTRY, {**entry_query(hartlepool), f"metric_{sat().pk}": "lots"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Satisfied: &#x27;lots&#x27; is not a number." in page
    assert f'href="#id_metric_{sat().pk}"' in page

    response = client.post(ENTRY, entry_query(hartlepool))
    assert "Enter at least one value." in response.content.decode()

    response = client.post(ENTRY, {**entry_query(hartlepool), "visibility": ""})
    assert "Choose who can see these values." in response.content.decode()

    response = client.post(
        ENTRY, {**entry_query(hartlepool, period="2003-04"), f"metric_{sat().pk}": "5"}
    )
    assert "&#x27;E06000001&#x27; did not exist in 2003-04." in response.content.decode()
    assert Value.objects.count() == 0


def test_an_officer_enters_values_for_their_own_council_only(
    client_for, users, metrics, darlington
):
    client = client_for(users["officer"])
    response = client.post(ENTRY, {**entry_query(darlington), f"metric_{sat().pk}": "5"})
    assert response.status_code == 400
    assert "Choose a council you can submit values for." in response.content.decode()
    assert Value.objects.count() == 0


def test_sector_staff_enter_values_for_any_council(client_for, users, metrics, darlington):
    client = client_for(users["sector_staff"])
    data = {**entry_query(darlington), "visibility": "public", f"metric_{sat().pk}": "5"}
    assert client.post(ENTRY, data).status_code == 302
    assert Value.objects.get().council == darlington


def test_a_councils_sharing_choice_replaces_the_visibility_question(
    client_for, users, metrics, hartlepool
):
    SharingChoice.objects.create(council=hartlepool, element="perception", visibility="council")
    client = client_for(users["officer"])
    page = client.get(ENTRY, entry_query(hartlepool)).content.decode()
    assert "Who can see these values?" not in page
    assert "Hartlepool has chosen who sees these figures: Own council only." in page
    client.post(ENTRY, {**entry_query(hartlepool), f"metric_{sat().pk}": "5"})
    assert Value.objects.get().visibility == "council"


def spread_of_costs():
    """Eight councils' public costs in 2018-19, quartiles 20 and 40: far out is above 100."""
    gss = Council.objects.with_gss().order_by("gss_code").values_list("gss_code", flat=True)
    rows = [
        f"{g},cost,2018-19,{v}\n"
        for g, v in zip(gss[10:18], [10, 20, 20, 30, 30, 40, 40, 50], strict=True)
    ]
    values_import(frame=read_table((HEADER + "".join(rows)).encode(), "v.csv"), source="upload")
    comparisons_recompute()


def test_an_upload_with_unusual_values_is_saved_only_once_they_are_confirmed(
    client_for, users, metrics, django_capture_on_commit_callbacks
):
    spread_of_costs()
    client = client_for(users["officer"])
    body = HEADER + "E06000001,cost,2019-20,5000\nE06000001,cost,2020-21,30\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"file": csv_file(body, "odd.csv"), "visibility": "public"})
    upload = Upload.objects.get(original_name="odd.csv")
    page = client.get(response.url).content.decode()
    assert "1 value is far outside its measure's usual range." in page
    assert "5,000 is far outside this measure&#x27;s usual range" in page
    assert "between 20 and 40" in page
    assert 'name="unusual"' in page

    # Confirming without ticking the box saves nothing.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url(upload), follow=True)
    assert "then confirm they are right" in response.content.decode()
    upload.refresh_from_db()
    assert upload.status == UploadStatus.READY
    assert not Value.objects.filter(council__gss_code="E06000001").exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(upload), {"unusual": "yes"})
    upload.refresh_from_db()
    assert (upload.status, upload.created_count) == (UploadStatus.COMMITTED, 2)
    assert Value.objects.get(council__gss_code="E06000001", period="2019-20").value == 5000


def test_an_upload_with_a_value_outside_its_unit_is_refused(
    client_for, users, metrics, django_capture_on_commit_callbacks
):
    client = client_for(users["officer"])
    body = HEADER + "E06000001,sat,2019-20,12345.678\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"file": csv_file(body, "pct.csv"), "visibility": "public"})
    page = client.get(response.url).content.decode()
    assert "There is 1 problem with pct.csv" in page
    assert "&#x27;12345.678&#x27; is over 100, but this measure is a percentage." in page
    assert Upload.objects.get(original_name="pct.csv").status == UploadStatus.REJECTED


def test_entry_form_asks_to_confirm_an_unusual_value_then_saves_it(
    client_for, users, metrics, hartlepool
):
    spread_of_costs()
    client = client_for(users["officer"])
    cost = Metric.objects.get(code="cost")
    data = {**entry_query(hartlepool, element="cost"), f"metric_{cost.pk}": "5000"}
    response = client.post(ENTRY, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Cost per resident: 5,000 is far outside this measure&#x27;s usual range" in page
    assert 'name="unusual"' in page
    assert not Value.objects.filter(council=hartlepool).exists()

    response = client.post(ENTRY, {**data, "unusual": "on"})
    assert response.status_code == 302
    assert Value.objects.get(council=hartlepool).value == 5000


# --- the template file and the list of measure codes -----------------------------------------


def test_the_upload_page_links_a_template_and_the_measure_codes(client_for, users, metrics):
    page = client_for(users["officer"]).get(START).content.decode()
    assert reverse("benchmarking:upload_template") in page
    assert reverse("benchmarking:measure_codes") in page
    assert "Download a template file (CSV)" in page
    assert "Download the list of measure codes (CSV)" in page


def test_the_template_has_the_columns_an_upload_takes_and_uploads_as_it_is_filled_in(
    client_for, users, metrics, django_capture_on_commit_callbacks
):
    client = client_for(users["officer"])
    response = client.get(reverse("benchmarking:upload_template"))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="values-template.csv"' in response["Content-Disposition"]
    header = response.content.decode().strip()
    assert header == "gss_code,metric_code,period,value,numerator,denominator,sample_size,note"
    filled = header + f"\r\n{HARTLEPOOL},sat,2023-24,55,,,,\r\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"file": csv_file(filled), "visibility": "public"})
    upload = Upload.objects.get()
    assert response.status_code == 302 and upload.status == UploadStatus.READY


def test_the_measure_codes_list_every_measure_with_title_element_and_unit(client, metrics):
    response = client.get(reverse("benchmarking:measure_codes"))
    assert 'filename="measure-codes.csv"' in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[0] == "metric_code,title,element,unit"
    assert sorted(lines[1:]) == [
        "cost,Cost per resident,Productivity and unit cost,£",
        "sat,Satisfied,Resident perception,%",
        "trust,Trust the council,Resident perception,",
    ]
