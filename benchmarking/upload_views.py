"""Submitting values: upload a file (check, confirm, save in the background) or type them in.

Who may do what is decided in `benchmarking.uploads` (built on `selfreg.access`); the views
only ask.
"""

import pandas as pd
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from benchmarking import access, uploads
from benchmarking.forms import EntryChoiceForm, UploadForm, ValuesEntryForm
from benchmarking.models import Element, Metric, SharingChoice, Source, UploadStatus
from benchmarking.services import UnusualValues, values_import
from benchmarking.validation import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from selfreg import access as kernel_access
from selfreg.csvfiles import csv_response
from selfreg.fileproblems import FileProblems
from selfreg.models import Visibility

HISTORY_PAGE = 50


# --- uploads ---------------------------------------------------------------------------------


@login_required
def upload_start(request):
    access.access_uploader(request.user)
    councils = kernel_access.submittable_councils(request.user).with_gss()
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = uploads.upload_receive(
            user=request.user,
            file=form.cleaned_data["file"],
            visibility=form.cleaned_data["visibility"],
        )
        return redirect("benchmarking:upload_detail", upload_id=upload.pk)
    context = {"form": form, "councils": councils[:5], "council_count": councils.count()}
    status = 400 if form.errors else 200
    return render(request, "benchmarking/uploads/start.html", context, status=status)


def upload_template(request):
    """An empty file with the columns an upload takes, to fill in and upload."""
    return csv_response([], "values-template.csv", header=[*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS])


def measure_codes(request):
    """Every measure in the catalogue, for the metric_code column of an upload (public, as
    the catalogue is)."""
    elements = dict(Element.choices)
    rows = [
        {
            "metric_code": code,
            "title": title,
            "element": str(elements.get(element, element)),
            "unit": unit,
        }
        for code, title, element, unit in Metric.objects.order_by("element", "title").values_list(
            "code", "title", "element", "unit"
        )
    ]
    return csv_response(
        rows, "measure-codes.csv", header=["metric_code", "title", "element", "unit"]
    )


@login_required
def upload_detail(request, upload_id):
    upload = access.access_upload(request.user, upload_id)
    return render(
        request,
        "benchmarking/uploads/detail.html",
        {
            "upload": upload,
            "progress": uploads.upload_progress(upload=upload),
            "can_confirm": upload.uploaded_by_id == request.user.pk,
            "summary": upload.summary,
            "keep_days": uploads.UNSAVED_FILE_DAYS,
        },
    )


@login_required
@require_POST
def upload_confirm(request, upload_id):
    upload = access.access_upload_for_confirm(request.user, upload_id)
    unconfirmed = uploads.needs_unusual_confirmed(upload) and not request.POST.get("unusual")
    if upload.status == UploadStatus.READY and unconfirmed:
        messages.error(
            request,
            _("Check the values far outside their usual range, then confirm they are right."),
        )
    elif upload.status == UploadStatus.READY:
        if not uploads.upload_confirm(upload_id=upload.pk):
            messages.info(request, _("This file has already been confirmed."))
    elif upload.status in (UploadStatus.COMMITTING, UploadStatus.COMMITTED):
        messages.info(request, _("This file has already been confirmed."))
    else:
        messages.error(request, _("This file cannot be saved. Upload a corrected file."))
    return redirect("benchmarking:upload_detail", upload_id=upload.pk)


@login_required
def upload_progress(request, upload_id):
    upload = access.access_upload(request.user, upload_id)
    response = JsonResponse(uploads.upload_progress(upload=upload))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def upload_history(request):
    access.access_uploader(request.user)
    page = Paginator(access.visible_uploads(request.user), HISTORY_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "benchmarking/uploads/history.html",
        {
            "page": page,
            "everyone": kernel_access.is_sector_staff(request.user),
        },
    )


# --- typing values in ------------------------------------------------------------------------


@login_required
def values_entry(request):
    access.access_uploader(request.user)
    councils = kernel_access.submittable_councils(request.user).with_gss().order_by("name")
    data = request.POST if request.method == "POST" else request.GET
    choice = EntryChoiceForm(
        data if {"council", "period", "element"} & set(data) else None, councils=councils
    )
    if not choice.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(
            request, "benchmarking/uploads/entry_choose.html", {"form": choice}, status=status
        )
    council = choice.cleaned_data["council"]
    period = choice.cleaned_data["period"]
    element = choice.cleaned_data["element"]
    metrics = list(Metric.objects.of_element(element).order_by("title", "code"))
    # Only what the person may see: sector staff may correct a council's figures but not
    # read the ones it keeps to itself.
    saved = {
        v.metric_id: v
        for v in access.visible_values(
            request.user, council=council, period=period, metric__in=metrics
        )
    }
    sharing = SharingChoice.objects.filter(council=council, element=element).first()
    form = ValuesEntryForm(
        request.POST if request.method == "POST" else None,
        metrics=metrics,
        saved=saved,
        sharing=sharing,
        initial={"council": council.pk, "period": period, "element": element},
    )
    if request.method == "POST" and form.is_valid():
        rows = form.rows(council.gss_code, period)
        if not rows:
            form.add_error(None, _("Enter at least one value."))
        else:
            try:
                report = values_import(
                    frame=pd.DataFrame(rows).drop(columns="field"),
                    source=Source.FORM,
                    visibility=form.cleaned_data.get("visibility", Visibility.PUBLIC),
                    user=request.user,
                    source_ref=_("Web form"),
                    unusual_confirmed=form.cleaned_data["unusual"],
                )
            except UnusualValues as error:
                form.ask_to_confirm_unusual(error.problems, rows)
            except FileProblems as error:
                form.add_problems(error.problems, rows)
            else:
                messages.success(
                    request,
                    _(
                        "Values saved for %(council)s, %(period)s: %(new)s new, "
                        "%(changed)s changed, %(same)s unchanged."
                    )
                    % {
                        "council": council.name,
                        "period": period,
                        "new": report.created,
                        "changed": report.updated,
                        "same": report.unchanged,
                    },
                )
                return redirect(f"{reverse('benchmarking:values_entry')}?{choice.query()}")
    return render(
        request,
        "benchmarking/uploads/entry.html",
        {
            "form": form,
            "council": council,
            "period": period,
            "element": Element(element).label,
            "sharing": sharing,
            "metrics": metrics,
        },
        status=400 if form.errors else 200,
    )
