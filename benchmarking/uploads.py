"""Files of values in three steps: check in full, confirm, then save in the background.

`upload_receive` stores the file and checks every row through the one path all data takes
(the kernel's `fileproblems.read_table`, `services.values_check`). A file with any problem
is `rejected` with every problem kept; a good one is `ready`, with a preview of what it
would change, worked out without writing. When its uploader confirms (`upload_confirm`), a
Celery job runs `upload_commit`, which saves the whole file in one transaction through
`services.values_import` and ends `committed` or `failed`; it is safe to run twice.

Progress while a large file is saved. The import is one transaction, so nothing it writes
to the database, the Upload row included, can be seen until it ends; a second connection
just for progress would need a second database alias, which the project does not have. So
the file is imported in chunks of `CHUNK_ROWS` rows, each through `values_import`, inside
one outer transaction (each chunk is a savepoint, and any failure rolls the whole file
back), and the rows done so far are written after each chunk to the Django cache, which is
outside the transaction: Redis in production, shared by the workers and the web servers, and
the local memory cache in a first run, where Celery runs the job inside the request anyway.
The progress endpoint reads the cache while the Upload row says `committing`; the row itself
gets the final figures when the job ends.

Who may see an upload is benchmarking's access module's rule (`access.access_upload`).
"""

from __future__ import annotations

import datetime
import io
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from benchmarking import services
from benchmarking.models import Metric, Source, Upload, UploadStatus
from benchmarking.periods import sort_periods
from selfreg.fileproblems import FileProblems, Problem, read_table
from selfreg.models import Council
from selfreg.progress import progress_fetch, progress_forget, progress_keep

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5000
# What one upload may hold: larger files are refused with a message before they are parsed,
# so one file cannot hold a worker for minutes or fill its memory.
MAX_ROWS = 250_000
MAX_INFLATED = 40 * 1024 * 1024
SUMMARY_LIST = 20  # how many councils, measures or periods a summary names


# --- pure helpers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeCounts:
    new: int
    changed: int
    unchanged: int


def change_counts(merged: pd.DataFrame) -> ChangeCounts:
    """New, changed and unchanged rows of a file merged with the values saved already.

    `merged` has the file's columns, `id` (NaN where nothing is saved) and the saved figures
    as `<field>_old`; the comparison is the one `services.values_import` makes.
    """
    is_new = merged["id"].isna().to_numpy()
    differs = np.zeros(len(merged), dtype=bool)
    for name in services.COMPARED_FIELDS:
        new, old = merged[name], merged[f"{name}_old"]
        same = (new == old) | (new.isna() & old.isna())
        differs |= ~same.to_numpy(dtype=bool)
    changed = int((~is_new & differs).sum())
    created = int(is_new.sum())
    return ChangeCounts(new=created, changed=changed, unchanged=len(merged) - created - changed)


def chunk_starts(total: int, size: int = CHUNK_ROWS) -> list[int]:
    """Where each chunk of a table of `total` rows starts."""
    return list(range(0, total, size))


def shift_problems(problems: list[Problem], start: int) -> list[Problem]:
    """Problems found in a chunk, with rows numbered as in the whole file.

    Row 0 is the file and row 1 its header: those stay as they are.
    """
    return [Problem(p.row + start if p.row >= 2 else p.row, p.column, p.message) for p in problems]


def problem_dicts(problems: list[Problem]) -> list[dict]:
    return [{"row": p.row, "column": p.column, "message": p.message} for p in problems]


def percent(done: int | None, total: int) -> int | None:
    if done is None or total <= 0:
        return None
    return max(0, min(100, int(100 * done / total)))


def size_check(content: bytes, filename: str) -> None:
    """Refuse, before it is parsed, a file bigger than one upload may be: more than
    `MAX_ROWS` lines of CSV, or a workbook that unpacks to more than `MAX_INFLATED` bytes."""
    name = filename.lower()
    if name.endswith(".csv") and content.count(b"\n") > MAX_ROWS + 1:
        message = _(
            "The file has more than %(rows)s rows. Split it into files of up to %(rows)s "
            "rows each and upload them one by one."
        ) % {"rows": f"{MAX_ROWS:,}"}
        raise FileProblems([Problem(0, "", message)])
    if name.endswith(".xlsx"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                inflated = sum(member.file_size for member in archive.infolist())
        except zipfile.BadZipFile:
            return  # read_table says what is wrong with it
        if inflated > MAX_INFLATED:
            message = _(
                "The workbook is too large to check once unpacked (over %(mb)s MB). Save it "
                "as CSV UTF-8, or split it into smaller workbooks."
            ) % {"mb": MAX_INFLATED // 2**20}
            raise FileProblems([Problem(0, "", message)])


def check_failure_message(error: BaseException) -> str:
    """Why a file could not be checked, in plain words; the traceback goes to the log."""
    if isinstance(error, UploadCannotBeSaved):
        return str(error)
    if _is_time_limit(error):
        return _(
            "Checking the file took too long and was stopped. Nothing from it has been saved. "
            "Split it into smaller files and upload them one by one."
        )
    return _(
        "The file could not be checked. Nothing from it has been saved. Upload it again; "
        "if it happens again, contact the portal team."
    )


class UploadCannotBeSaved(Exception):
    """A reason, in plain words, why a confirmed upload cannot be saved."""


def failure_message(error: BaseException) -> str:
    """What went wrong, in plain words for the uploader; the traceback goes to the log."""
    nothing = _("Nothing from the file has been saved.")
    if isinstance(error, UploadCannotBeSaved):
        return " ".join([str(error), nothing])
    if isinstance(error, FileProblems):
        return " ".join(
            [
                _("The file no longer passes the checks, so it was not saved."),
                nothing,
                _("Fix the problems listed below, then upload the file again."),
            ]
        )
    if _is_time_limit(error):
        return " ".join(
            [
                _("Saving the file took too long and was stopped."),
                nothing,
                _("Try again, or split the file into smaller files."),
            ]
        )
    if isinstance(error, OSError):
        return " ".join(
            [_("The stored copy of the file could not be read."), nothing, _("Upload it again.")]
        )
    if isinstance(error, DatabaseError):
        return " ".join(
            [
                _("The database could not save the values."),
                nothing,
                _("Try again later. If it happens again, contact the portal team."),
            ]
        )
    return " ".join(
        [
            _("Something went wrong while saving the file."),
            nothing,
            _("Try again later. If it happens again, contact the portal team."),
        ]
    )


def _is_time_limit(error: BaseException) -> bool:
    from celery.exceptions import SoftTimeLimitExceeded

    return isinstance(error, SoftTimeLimitExceeded)


# --- receiving and checking ------------------------------------------------------------------


def upload_receive(*, user, file, visibility: str) -> Upload:
    """Store the file and queue its check (`upload_check`, in the background); the upload is
    `checking` until the check ends `rejected` or `ready`. Nothing is written to the values."""
    upload = Upload.objects.create(
        file=file,
        original_name=Path(file.name).name[:255],
        uploaded_by=user,
        visibility=visibility,
        status=UploadStatus.CHECKING,
    )
    upload_id = upload.pk
    transaction.on_commit(lambda: _enqueue(upload_id))
    return upload


def upload_check(*, upload_id: int) -> Upload | None:
    """Check every row of a received file; it ends `rejected` (with every problem), `ready`
    (with a preview of what it would change) or, if the check itself fails, `failed` with a
    plain reason. Run twice, the second run does nothing."""
    with transaction.atomic():
        upload = (
            Upload.objects.select_for_update(of=("self",))
            .select_related("uploaded_by")
            .filter(pk=upload_id, status=UploadStatus.CHECKING)
            .first()
        )
        if upload is None:
            return Upload.objects.filter(pk=upload_id).first()
        frame = None
        try:
            _progress_write(upload.pk, phase="checking", done=0, total=0)
            if upload.uploaded_by is None:
                raise UploadCannotBeSaved(_("The account that uploaded the file no longer exists."))
            frame = _read_stored(upload)
            clean = services.values_check(frame=frame, user=upload.uploaded_by)
            upload.summary = upload_preview(clean=clean, visibility=upload.visibility)
            # Values far outside their measure's usual range: the uploader confirms them.
            upload.summary["unusual"] = problem_dicts(services.values_unusual(clean))
        except FileProblems as error:
            upload.status = UploadStatus.REJECTED
            upload.problems = problem_dicts(error.problems)
            upload.row_count = 0 if frame is None else len(frame)
        except Exception as error:
            logger.exception("Upload %s could not be checked", upload_id)
            upload.status = UploadStatus.FAILED
            upload.error_message = check_failure_message(error)
        else:
            upload.status = UploadStatus.READY
            upload.row_count = len(clean)
        upload.save()
    _progress_forget(upload_id)
    return upload


def upload_preview(*, clean: pd.DataFrame, visibility: str) -> dict:
    """What a checked file would change, worked out without writing anything.

    The values already saved, and the visibility each row would take (the stricter of the
    uploader's and the council's own sharing choice), are read as `values_import` reads
    them; saving checks that the visibility is still what this preview says.
    """
    existing = services.existing_values(clean)
    merged = clean.merge(
        existing, on=["council_id", "metric_id", "period"], how="left", suffixes=("", "_old")
    )
    merged["visibility"] = services.visibility_by_choice(merged, visibility)
    counts = change_counts(merged)
    council_ids = clean["council_id"].unique().tolist()
    metric_ids = clean["metric_id"].unique().tolist()
    periods = sort_periods(clean["period"].unique().tolist())
    councils = Council.objects.filter(pk__in=council_ids).order_by("name")
    metrics = Metric.objects.filter(pk__in=metric_ids).order_by("code")
    return {
        "council_count": len(council_ids),
        "councils": list(councils.values_list("name", flat=True)[:SUMMARY_LIST]),
        "metric_count": len(metric_ids),
        "metrics": list(metrics.values_list("code", flat=True)[:SUMMARY_LIST]),
        "period_count": len(periods),
        "periods": periods[:SUMMARY_LIST],
        "new": counts.new,
        "changed": counts.changed,
        "unchanged": counts.unchanged,
        "visibility": services.visibility_counts(merged["visibility"]),
    }


def _read_stored(upload: Upload) -> pd.DataFrame:
    with upload.file.open("rb") as stored:
        content = stored.read()
    size_check(content, upload.original_name)
    return read_table(content, upload.original_name)


# --- confirming and saving -------------------------------------------------------------------


def needs_unusual_confirmed(upload: Upload) -> bool:
    """The preview listed values far outside their usual range: saving needs them confirmed."""
    return bool((upload.summary or {}).get("unusual"))


def upload_confirm(*, upload_id: int) -> bool:
    """Queue a ready upload to be saved; False if it is not ready (confirmed already, say)."""
    with transaction.atomic():
        claimed = (
            Upload.objects.filter(pk=upload_id, status=UploadStatus.READY)
            .select_for_update()
            .first()
        )
        if claimed is None:
            return False
        claimed.status = UploadStatus.COMMITTING
        claimed.progress = 0
        claimed.total = claimed.row_count
        claimed.error_message = ""
        claimed.queued_at = None
        claimed.attempts = 0
        claimed.save(
            update_fields=["status", "progress", "total", "error_message", "queued_at", "attempts"]
        )
        transaction.on_commit(lambda: _enqueue(upload_id))
    return True


def _enqueue(upload_id: int) -> None:
    """Hand an upload's next job (its check, or its save once confirmed) to the queue."""
    from benchmarking.tasks import upload_check_task, upload_commit_task

    status = Upload.objects.filter(pk=upload_id).values_list("status", flat=True).first()
    task = {UploadStatus.CHECKING: upload_check_task, UploadStatus.COMMITTING: upload_commit_task}
    if status not in task:
        return
    try:
        task[status].delay(upload_id)
    except Exception:
        # No broker: the upload stays waiting; `uploads_requeue` hands it to the queue once
        # the broker answers again. Nothing is lost and nobody uploads or confirms again.
        logger.exception("Could not queue upload %s; it waits for the queue", upload_id)
        return
    Upload.objects.filter(pk=upload_id).update(queued_at=timezone.now(), attempts=F("attempts") + 1)


# A job queued longer ago than it may run was lost with its worker (the time limits are in
# benchmarking.tasks). After MAX_ATTEMPTS lost jobs the upload is failed with a reason
# rather than queued for ever: a file that kills its worker would otherwise never end.
STALE_AFTER = {
    UploadStatus.CHECKING: datetime.timedelta(minutes=15),
    UploadStatus.COMMITTING: datetime.timedelta(minutes=70),
}
MAX_ATTEMPTS = 3


def uploads_requeue(*, stale_after: datetime.timedelta | None = None) -> list[int]:
    """The watchdog: queue again every upload being checked or saved whose job never reached
    the queue or was lost with its worker, and fail, with a reason, one whose job was lost
    `MAX_ATTEMPTS` times. Returns the ids queued again. Safe to run at any time: a check or
    a save that runs twice does its work once."""
    now = timezone.now()
    waiting = Q()
    for status, after in STALE_AFTER.items():
        cutoff = now - (after if stale_after is None else stale_after)
        waiting |= Q(status=status) & (Q(queued_at__isnull=True) | Q(queued_at__lte=cutoff))
    requeued = []
    for upload in Upload.objects.filter(waiting).only("pk", "status", "queued_at", "attempts"):
        if upload.queued_at is not None and upload.attempts >= MAX_ATTEMPTS:
            _give_up(upload)
            continue
        _enqueue(upload.pk)
        requeued.append(upload.pk)
    return requeued


def _give_up(upload: Upload) -> None:
    if upload.status == UploadStatus.CHECKING:
        message = _(
            "Checking the file stopped %(n)s times without finishing, so it was given up. "
            "Nothing from it has been saved. Split it into smaller files and upload them."
        )
    else:
        message = _(
            "Saving the file stopped %(n)s times without finishing, so it was given up. "
            "Nothing from it has been saved. Split it into smaller files and upload them."
        )
    logger.error("Upload %s given up after %s lost jobs", upload.pk, upload.attempts)
    Upload.objects.filter(pk=upload.pk, status=upload.status).update(
        status=UploadStatus.FAILED, error_message=message % {"n": upload.attempts}
    )


def upload_commit(*, upload_id: int) -> Upload | None:
    """Save a confirmed upload whole, or not at all; run twice, the second run does nothing.

    The Upload row is locked for the whole job, so a second run (a redelivered task) waits
    and then finds it saved. Any error leaves the values as they were and the upload
    `failed` with a plain message; the exception itself is logged.
    """
    try:
        with transaction.atomic():
            upload = (
                Upload.objects.select_for_update(of=("self",))
                .select_related("uploaded_by")
                .filter(pk=upload_id)
                .first()
            )
            if upload is None:
                logger.warning("Upload %s does not exist: nothing to save", upload_id)
                return None
            if upload.status not in (UploadStatus.READY, UploadStatus.COMMITTING):
                return upload
            _import_whole(upload)
    except Exception as error:
        logger.exception("Upload %s could not be saved", upload_id)
        problems = error.problems if isinstance(error, FileProblems) else []
        Upload.objects.filter(pk=upload_id).exclude(status=UploadStatus.COMMITTED).update(
            status=UploadStatus.FAILED,
            error_message=failure_message(error),
            problems=problem_dicts(problems),
        )
        upload = Upload.objects.filter(pk=upload_id).first()
    finally:
        _progress_forget(upload_id)
    return upload


def _import_whole(upload: Upload) -> None:
    """The import itself, inside the caller's transaction; progress goes to the cache."""
    user = upload.uploaded_by
    if user is None:
        raise UploadCannotBeSaved(_("The account that uploaded the file no longer exists."))
    _progress_write(upload.pk, phase="reading", done=0, total=upload.total)
    frame = _read_stored(upload)
    total = len(frame)
    created = updated = unchanged = 0
    changes: set[tuple[int, str, int]] = set()
    shown: dict[str, int] = {}
    for start in chunk_starts(total):
        _progress_write(upload.pk, phase="writing", done=start, total=total)
        try:
            report = services.values_import(
                frame=frame.iloc[start : start + CHUNK_ROWS],
                source=Source.UPLOAD,
                visibility=upload.visibility,
                user=user,
                source_ref=upload.original_name,
                recompute=False,
                # Confirmed on the preview, which listed any unusual values.
                unusual_confirmed=True,
            )
        except FileProblems as error:
            raise FileProblems(shift_problems(error.problems, start)) from error
        created += report.created
        updated += report.updated
        unchanged += report.unchanged
        changes |= report.changes
        for visibility, count in report.visibility.items():
            shown[visibility] = shown.get(visibility, 0) + count
    promised = upload.summary.get("visibility")
    if promised is not None and shown != promised:
        raise UploadCannotBeSaved(
            _(
                "Who could see these values has changed since the file was checked, because "
                "a council changed what it shares. Upload the file again to check who will "
                "see them."
            )
        )
    _progress_write(upload.pk, phase="finishing", done=total, total=total)
    upload.status = UploadStatus.COMMITTED
    upload.progress = upload.total = total
    upload.created_count, upload.updated_count, upload.unchanged_count = (
        created,
        updated,
        unchanged,
    )
    upload.problems = []
    upload.error_message = ""
    upload.committed_at = timezone.now()
    upload.save()
    services.comparisons_recompute_queue(changes=changes)


# --- files no longer needed ------------------------------------------------------------------

# A file that was rejected, or could not be saved, is kept this long for its uploader to look
# back at, then deleted; the upload's record and its list of problems stay.
UNSAVED_FILE_DAYS = 30


def uploads_files_delete(*, days: int = UNSAVED_FILE_DAYS) -> int:
    """Delete the stored files of uploads rejected or failed more than `days` days ago;
    returns how many. Safe to run at any time: a file already gone is skipped."""
    cutoff = timezone.now() - datetime.timedelta(days=days)
    old = Upload.objects.filter(
        status__in=(UploadStatus.REJECTED, UploadStatus.FAILED), created_at__lt=cutoff
    ).exclude(file="")
    deleted = 0
    for upload in old.only("pk", "file"):
        upload.file.delete(save=False)
        Upload.objects.filter(pk=upload.pk).update(file="")
        deleted += 1
    return deleted


# --- progress --------------------------------------------------------------------------------


def progress_key(upload_id: int) -> str:
    return f"benchmarking:upload-progress:{upload_id}"


def _progress_write(upload_id: int, *, phase: str, done: int, total: int) -> None:
    progress = {"phase": phase, "done": done, "total": total}
    progress_keep(progress_key(upload_id), progress, job=f"upload {upload_id}")


def _progress_forget(upload_id: int) -> None:
    progress_forget(progress_key(upload_id), job=f"upload {upload_id}")


def _progress_read(upload_id: int) -> dict:
    return progress_fetch(progress_key(upload_id), job=f"upload {upload_id}")


def upload_progress(*, upload: Upload) -> dict:
    """Where an upload has got to, for its page and the JSON its page polls."""
    finished = upload.status not in (UploadStatus.COMMITTING, UploadStatus.CHECKING)
    done: int | None
    total = upload.total or upload.row_count
    if upload.status in (UploadStatus.COMMITTING, UploadStatus.CHECKING):
        reported = _progress_read(upload.pk)
        phase = reported.get("phase", "waiting")
        done = reported.get("done") if phase in ("writing", "finishing") else None
        total = reported.get("total") or total
    elif upload.status == UploadStatus.COMMITTED:
        phase, done = "done", upload.progress
    else:
        phase, done = upload.status, None
    messages = {
        "waiting": _("Waiting to start. Other files may be being saved first."),
        "reading": _("Reading the file."),
        "checking": _("Checking every row of the file."),
        "writing": _("%(done)s of %(total)s rows saved.")
        % {"done": f"{done or 0:,}", "total": f"{total:,}"},
        "finishing": _("All %(total)s rows written. Finishing off.") % {"total": f"{total:,}"},
        "done": _("All %(total)s rows saved.") % {"total": f"{total:,}"},
    }
    return {
        "status": upload.status,
        "label": str(UploadStatus(upload.status).label),
        "phase": phase,
        "done": done,
        "total": total,
        "percent": percent(done, total),
        "finished": finished,
        "message": messages.get(phase, str(UploadStatus(upload.status).label)),
    }
