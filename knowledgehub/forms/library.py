"""Forms of the good-practice library: search, a case study, an attachment, the review decision."""

import re

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.utils.translation import gettext_lazy as _

from benchmarking.models import Metric
from knowledgehub.filetypes import ALLOWED_EXTENSIONS, MAX_BYTES
from knowledgehub.forms import MARKDOWN_HELP, _helper
from knowledgehub.models import (
    CaseStudy,
    Theme,
)
from selfreg.forms import CouncilsField
from selfreg.models import Council, CouncilType


def _codes(text: str) -> list[str]:
    return [code for code in re.split(r"[\s,;]+", text.strip()) if code]


class SearchForm(forms.Form):
    """The library's search and filters (GET)."""

    q = forms.CharField(label=_("Search the library"), required=False, max_length=200)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    council_type = forms.ChoiceField(
        label=_("Type of council"),
        required=False,
        choices=[("", _("Any type"))] + list(CouncilType.choices),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", _("Any theme"))] + list(
            Theme.objects.values_list("slug", "name")
        )
        regions = (
            Council.objects.exclude(region="")
            .order_by("region")
            .values_list("region", flat=True)
            .distinct()
        )
        self.fields["region"].choices = [("", _("Any region"))] + [(r, r) for r in regions]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.text("q"),
            Field.select("theme"),
            Field.select("council_type"),
            Field.select("region"),
            Button("search", _("Search")),
        )


class CaseStudyForm(forms.ModelForm):
    council_codes = CouncilsField(
        label=_("Councils involved"),
        error_messages={"required": _("Choose at least one council")},
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one theme")},
    )
    metric_codes = forms.CharField(
        label=_("Benchmark measures that show the effect (optional)"),
        help_text=_("Codes of measures in the benchmarking catalogue, separated by commas"),
        max_length=500,
        required=False,
    )

    class Meta:
        model = CaseStudy
        fields = [
            "kind",
            "title",
            "summary",
            "body",
            "outcomes",
            "council_codes",
            "themes",
            "metric_codes",
        ]
        labels = {
            "kind": _("What is it?"),
            "title": _("Title"),
            "summary": _("Summary"),
            "body": _("The full story"),
            "outcomes": _("Outcomes achieved (optional)"),
        }
        help_texts = {
            "summary": _("Two or three sentences: what the council did and what changed."),
            "body": MARKDOWN_HELP,
            "outcomes": MARKDOWN_HELP,
        }
        widgets = {
            "kind": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 12}),
            "outcomes": forms.Textarea(attrs={"rows": 5}),
        }
        error_messages = {
            "title": {"required": _("Enter a title")},
            "summary": {"required": _("Enter a summary")},
            "body": {"required": _("Enter the full story")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("kind", legend_size=Size.SMALL, inline=True),
            Field.text("title"),
            Field.textarea("summary", rows=3),
            Field.textarea("body", rows=12),
            Field.textarea("outcomes", rows=5),
            Field("council_codes"),
            Field.checkboxes("themes", legend_size=Size.SMALL, small=True),
            Field.text("metric_codes"),
            button=_("Save draft"),
        )

    def clean_metric_codes(self):
        codes = _codes(self.cleaned_data["metric_codes"])
        metrics = list(Metric.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {m.code for m in metrics})
        if missing:
            raise forms.ValidationError(
                _("No benchmark measure has the code %(codes)s") % {"codes": ", ".join(missing)}
            )
        return metrics


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Upload a file"),
        help_text=_(
            "PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, CSV or text; "
            "smaller than %(size)s MB"
        )
        % {"size": MAX_BYTES // (1024 * 1024)},
        error_messages={"required": _("Choose a file to upload")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(ALLOWED_EXTENSIONS)
        self.helper = _helper(Field("file"), button=_("Upload file"))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("publish", _("Publish it")), ("return", _("Return it to its authors"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to publish it")},
    )
    note = forms.CharField(
        label=_("Note to the authors (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("decision", legend_size=Size.SMALL),
            Field.textarea("note", rows=3),
            button=_("Record decision"),
        )
