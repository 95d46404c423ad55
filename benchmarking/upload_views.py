"""Submitting values: upload a file (check, confirm, save in the background) or type them in.

Who may do what is decided in `benchmarking.uploads` (built on `selfreg.access`); the views
only ask. The forms live here because they belong to these pages alone.
"""

from urllib.parse import urlencode

import pandas as pd
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fixed, Layout, Size
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from benchmarking import uploads
from benchmarking.models import Element, Metric, SharingChoice, Source, UploadStatus, Value
from benchmarking.periods import PeriodError, parse_period
from benchmarking.services import values_import
from benchmarking.validation import FileProblems
from selfreg import access
from selfreg.models import Visibility

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
HISTORY_PAGE = 50


# --- forms -----------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Upload a file"),
        help_text=gettext_lazy(
            "A CSV or XLSX file, up to 50 MB, with the columns gss_code, metric_code, period "
            "and value, and optionally numerator, denominator, sample_size and note."
        ),
        error_messages={"required": gettext_lazy("Choose a file to upload.")},
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Who can see these values?"),
        help_text=gettext_lazy(
            "Where a council has chosen who sees an element of its data, its choice is used."
        ),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose who can see these values.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("file"),
            Field.radios("visibility", legend_size=Size.SMALL),
            Button("submit", gettext_lazy("Upload and check")),
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("The selected file must be a CSV or XLSX file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The selected file must be smaller than 50 MB."))
        return upload


class CouncilChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.gss_code})"


class EntryChoiceForm(forms.Form):
    """Step one of typing values in: which council, period and element."""

    council = CouncilChoiceField(
        label=gettext_lazy("Council"), queryset=None, empty_label=gettext_lazy("Choose a council")
    )
    period = forms.CharField(
        label=gettext_lazy("Period"),
        help_text=gettext_lazy(
            "A financial year such as 2023-24, a quarter such as 2023-24 Q1, a calendar year "
            "such as 2023, or several financial years such as 2021-24."
        ),
        max_length=20,
    )
    element = forms.ChoiceField(
        label=gettext_lazy("Which measures?"), choices=Element.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, councils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = councils
        self.fields["council"].error_messages["required"] = _("Choose a council.")
        self.fields["council"].error_messages["invalid_choice"] = _(
            "Choose a council you can submit values for."
        )
        self.fields["period"].error_messages["required"] = _("Enter the period.")
        self.fields["element"].error_messages["required"] = _("Choose which measures to enter.")
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field("council"),
            Field.text("period", field_width=Fixed.TEN),
            Field.radios("element", legend_size=Size.SMALL),
            Button("continue", gettext_lazy("Continue")),
        )

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"].strip()).label
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from None

    def query(self) -> str:
        data = self.cleaned_data
        return urlencode(
            {"council": data["council"].pk, "period": data["period"], "element": data["element"]}
        )


class ValuesEntryForm(forms.Form):
    """Step two: one box per measure of the element; blank boxes are skipped."""

    council = forms.CharField(widget=forms.HiddenInput)
    period = forms.CharField(widget=forms.HiddenInput)
    element = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, metrics, saved, sharing, **kwargs):
        super().__init__(*args, **kwargs)
        self.metrics = {f"metric_{m.pk}": m for m in metrics}
        layout = []
        if sharing is None:
            self.fields["visibility"] = forms.ChoiceField(
                label=_("Who can see these values?"),
                choices=Visibility.choices,
                initial=Visibility.PUBLIC,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose who can see these values.")},
            )
            layout.append(Field.radios("visibility", legend_size=Size.SMALL))
        for name, metric in self.metrics.items():
            label = f"{metric.title} ({metric.unit})" if metric.unit else metric.title
            value = saved.get(metric.pk)
            hint = _("Code %(code)s.") % {"code": metric.code}
            if value is not None:
                hint += " " + _("Saved now: %(value)s.") % {"value": plain_number(value.value)}
            self.fields[name] = forms.CharField(
                label=label,
                help_text=hint,
                required=False,
                max_length=40,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
            )
            layout.append(Field.text(name, field_width=Fixed.TEN))
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "council", "period", "element", *layout, Button("save", _("Save values"))
        )

    def rows(self, gss_code: str, period: str) -> list[dict]:
        """The boxes filled in, as rows of a file."""
        return [
            {
                "field": name,
                "gss_code": gss_code,
                "metric_code": metric.code,
                "period": period,
                "value": self.cleaned_data[name].strip(),
            }
            for name, metric in self.metrics.items()
            if self.cleaned_data.get(name, "").strip()
        ]

    def add_problems(self, problems, rows: list[dict]) -> None:
        """Show the checks' problems against the boxes they are about."""
        general = []
        for problem in problems:
            if problem.column == "value" and 2 <= problem.row < len(rows) + 2:
                name = rows[problem.row - 2]["field"]
                title = self.metrics[name].title
                self.add_error(
                    name, _("%(title)s: %(problem)s") % {"title": title, "problem": problem.message}
                )
            elif problem.message not in general:
                general.append(problem.message)
        for message in general:
            self.add_error(None, message)


def plain_number(number: float) -> str:
    """A saved figure as someone would type it: 12 rather than 12.0."""
    return str(int(number)) if float(number).is_integer() else repr(float(number))


# --- uploads ---------------------------------------------------------------------------------


@login_required
def upload_start(request):
    uploads.access_uploader(request.user)
    councils = access.submittable_councils(request.user).with_gss()
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


@login_required
def upload_detail(request, upload_id):
    upload = uploads.access_upload(request.user, upload_id)
    return render(
        request,
        "benchmarking/uploads/detail.html",
        {
            "upload": upload,
            "progress": uploads.upload_progress(upload=upload),
            "can_confirm": upload.uploaded_by_id == request.user.pk,
            "summary": upload.summary,
        },
    )


@login_required
@require_POST
def upload_confirm(request, upload_id):
    upload = uploads.access_upload_for_confirm(request.user, upload_id)
    if upload.status == UploadStatus.READY:
        if not uploads.upload_confirm(upload_id=upload.pk):
            messages.info(request, _("This file has already been confirmed."))
    elif upload.status in (UploadStatus.COMMITTING, UploadStatus.COMMITTED):
        messages.info(request, _("This file has already been confirmed."))
    else:
        messages.error(request, _("This file cannot be saved. Upload a corrected file."))
    return redirect("benchmarking:upload_detail", upload_id=upload.pk)


@login_required
def upload_progress(request, upload_id):
    upload = uploads.access_upload(request.user, upload_id)
    response = JsonResponse(uploads.upload_progress(upload=upload))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def upload_history(request):
    uploads.access_uploader(request.user)
    page = Paginator(uploads.visible_uploads(request.user), HISTORY_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "benchmarking/uploads/history.html",
        {
            "page": page,
            "everyone": access.is_sector_staff(request.user),
        },
    )


# --- typing values in ------------------------------------------------------------------------


@login_required
def values_entry(request):
    uploads.access_uploader(request.user)
    councils = access.submittable_councils(request.user).with_gss().order_by("name")
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
    saved = {
        v.metric_id: v
        for v in Value.objects.filter(council=council, period=period, metric__in=metrics)
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
                )
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
