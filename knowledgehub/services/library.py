"""Writes for the good-practice library: case studies from draft through review to
publication, and their attachments.
"""

from pathlib import Path

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from knowledgehub import access, search
from knowledgehub.filetypes import FileRefused, sniff
from knowledgehub.models import (
    Attachment,
    CaseStudy,
    CaseStudyState,
)
from knowledgehub.services.common import _require
from selfreg.refusals import Refused, refuse_invalid


def _index(case_study: CaseStudy) -> None:
    if connection.vendor == "postgresql":
        CaseStudy.objects.filter(pk=case_study.pk).update(search_vector=search.document_vector())


CASE_STUDY_FIELDS = ["title", "summary", "body", "outcomes", "kind"]


def case_study_save(
    *,
    user,
    case_study: CaseStudy | None = None,
    title: str,
    summary: str,
    body: str,
    outcomes: str = "",
    kind: str = "case_study",
    councils,
    themes,
    metrics=(),
) -> CaseStudy:
    """Create a draft case study, or change a draft."""
    councils = list(councils)
    if case_study is None:
        _require(access.can_write_case_study(user), "You cannot write case studies.")
        case_study = CaseStudy(author=user)
    else:
        _require(access.can_edit_case_study(user, case_study), "Only a draft can be changed.")
    if not councils:
        raise Refused("Name at least one council.", field="councils")
    if not access.councils_for_case_study(user, councils):
        raise Refused("Include at least one council you work for.", field="councils")
    case_study.title = title.strip()
    case_study.summary = summary.strip()
    case_study.body = body.strip()
    case_study.outcomes = outcomes.strip()
    case_study.kind = kind
    refuse_invalid(case_study, exclude=["author", "reviewed_by", "search_vector"])
    with transaction.atomic():
        if case_study.pk is None:
            case_study.save()
        else:
            case_study.save(update_fields=[*CASE_STUDY_FIELDS, "updated_at"])
        case_study.councils.set(councils)
        case_study.themes.set(themes)
        case_study.metrics.set(metrics)
        _index(case_study)
    return case_study


def case_study_submit(*, user, case_study: CaseStudy) -> CaseStudy:
    """Send a draft to sector staff for review."""
    _require(access.can_edit_case_study(user, case_study), "Only a draft can be sent for review.")
    with transaction.atomic():
        case_study.state = CaseStudyState.IN_REVIEW
        case_study.save(update_fields=["state", "updated_at"])
    return case_study


def case_study_decide(*, user, case_study: CaseStudy, publish: bool, note: str = "") -> CaseStudy:
    """Sector staff publish a case study in review, or return it to its authors as a draft."""
    _require(access.can_publish(user), "Only sector staff publish case studies.")
    if case_study.state != CaseStudyState.IN_REVIEW:
        raise Refused("Only a case study in review can be published or returned.")
    with transaction.atomic():
        case_study.reviewed_by = user
        case_study.review_note = note.strip()
        if publish:
            case_study.state = CaseStudyState.PUBLISHED
            case_study.published_at = timezone.now()
        else:
            case_study.state = CaseStudyState.DRAFT
        # Named fields only: the stored search document is written by _index alone.
        case_study.save(
            update_fields=["reviewed_by", "review_note", "state", "published_at", "updated_at"]
        )
    return case_study


def attachment_add(*, user, case_study: CaseStudy, upload) -> Attachment:
    """Check the whole file by its content, then store it."""
    _require(access.can_edit_case_study(user, case_study), "Only a draft can take attachments.")
    name = Path(upload.name or "").name[:200]
    if upload.size is not None and upload.size > 10 * 1024 * 1024:
        raise Refused("The file must be smaller than 10 MB.", field="file")
    content = upload.read()
    try:
        sniffed = sniff(content, name)
    except FileRefused as error:
        raise Refused(str(error), field="file") from None
    with transaction.atomic():
        attachment = Attachment(
            case_study=case_study,
            name=name,
            content_type=sniffed.content_type,
            size=len(content),
            uploaded_by=user,
        )
        # The stored name is ours; the uploader's name is only shown.
        attachment.file.save(f"{case_study.pk}.{sniffed.kind}", ContentFile(content), save=False)
        attachment.save()
    return attachment
