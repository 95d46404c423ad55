import re

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from benchmarking.models import Metric
from knowledgehub.filetypes import ALLOWED_EXTENSIONS, MAX_BYTES
from knowledgehub.models import (
    CaseStudyKind,
    CommunityKind,
    DeliveryMode,
    PriceBand,
    ProviderKind,
    Theme,
)
from selfreg.forms import CouncilField, CouncilsField, GovukDateField
from selfreg.models import Council, CouncilType

MARKDOWN_HELP = _(
    "You can use Markdown: **bold**, *italic*, [link text](https://example.org), "
    "lists starting with - . HTML is shown as text."
)
RATING_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


def _codes(text: str) -> list[str]:
    return [code for code in re.split(r"[\s,;]+", text.strip()) if code]


def _helper(*fields, button: str):
    helper = FormHelper()
    helper.layout = Layout(*fields, Button("save", button))
    return helper


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


class CaseStudyForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is it?"),
        choices=CaseStudyKind.choices,
        initial=CaseStudyKind.CASE_STUDY,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Enter a title")}
    )
    summary = forms.CharField(
        label=_("Summary"),
        help_text=_("Two or three sentences: what the council did and what changed."),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Enter a summary")},
    )
    body = forms.CharField(
        label=_("The full story"),
        help_text=MARKDOWN_HELP,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": _("Enter the full story")},
    )
    outcomes = forms.CharField(
        label=_("Outcomes achieved (optional)"),
        help_text=MARKDOWN_HELP,
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
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


class CommunityForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=150, error_messages={"required": _("Enter a name")}
    )
    description = forms.CharField(
        label=_("What the group is for"),
        help_text=MARKDOWN_HELP,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Describe what the group is for")},
    )
    kind = forms.ChoiceField(
        label=_("Who may join?"),
        choices=CommunityKind.choices,
        initial=CommunityKind.OPEN,
        widget=forms.RadioSelect,
    )
    theme = forms.ModelChoiceField(
        label=_("Theme (optional)"),
        queryset=Theme.objects.all(),
        required=False,
        empty_label=_("No particular theme"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("name"),
            Field.textarea("description", rows=5),
            Field.radios("kind", legend_size=Size.SMALL),
            Field.select("theme"),
            button=_("Create community"),
        )


class ThreadForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Enter a title")}
    )
    body = forms.CharField(
        label=_("Message"),
        help_text=MARKDOWN_HELP,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Enter a message")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("title"), Field.textarea("body", rows=8), button=_("Start conversation")
        )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        help_text=MARKDOWN_HELP,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Enter your reply")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("body", rows=6), button=_("Post reply"))


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this post?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what is wrong with the post")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("reason", rows=4), button=_("Report post"))


class ProviderForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=150, error_messages={"required": _("Enter a name")}
    )
    kind = forms.ChoiceField(
        label=_("Kind of provider"), choices=ProviderKind.choices, widget=forms.RadioSelect
    )
    council_code = CouncilField(label=_("Council (only for a council)"), required=False)
    description = forms.CharField(
        label=_("About the provider"),
        help_text=MARKDOWN_HELP,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Describe the provider")},
    )
    website = forms.URLField(
        label=_("Website (optional)"),
        required=False,
        max_length=300,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a web address starting http:// or https://")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("name"),
            Field.radios("kind", legend_size=Size.SMALL),
            Field("council_code"),
            Field.textarea("description", rows=5),
            Field.text("website"),
            button=_("List provider"),
        )

    def clean_website(self):
        url = self.cleaned_data["website"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter a web address starting http:// or https://"))
        return url

    def clean(self):
        data = super().clean()
        data["council"] = None
        if data.get("kind") == ProviderKind.COUNCIL:
            council = data.get("council_code")
            if council is None and "council_code" not in self.errors:
                self.add_error("council_code", _("Choose the council"))
            data["council"] = council
        return data


class OfferForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Enter a title")}
    )
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.all(),
        empty_label=_("Choose a theme"),
        error_messages={"required": _("Choose a theme")},
    )
    description = forms.CharField(
        label=_("What it is"),
        help_text=MARKDOWN_HELP,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Say what the offer is")},
    )
    delivery_mode = forms.ChoiceField(
        label=_("How is it delivered?"), choices=DeliveryMode.choices, widget=forms.RadioSelect
    )
    typical_duration = forms.CharField(
        label=_("Typical duration"),
        help_text=_("For example, 3 days over 6 weeks"),
        max_length=100,
        error_messages={"required": _("Enter the typical duration")},
    )
    price_band = forms.ChoiceField(
        label=_("Price band"), choices=PriceBand.choices, widget=forms.RadioSelect
    )
    suits = forms.CharField(
        label=_("Who it suits"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say who the offer suits")},
    )
    is_active = forms.BooleanField(
        label=_("Listed in the marketplace"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("title"),
            Field.select("theme"),
            Field.textarea("description", rows=6),
            Field.radios("delivery_mode", legend_size=Size.SMALL, inline=True),
            Field.text("typical_duration"),
            Field.radios("price_band", legend_size=Size.SMALL),
            Field.textarea("suits", rows=3),
            Field.checkbox("is_active"),
            button=_("Save offer"),
        )


def _rating(label):
    return forms.TypedChoiceField(
        label=label,
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a rating from 1 to 5 for %(what)s") % {"what": label}
        },
    )


class ReviewForm(forms.Form):
    council = forms.ModelChoiceField(
        label=_("Which council are you reviewing for?"),
        queryset=Council.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    rating = _rating(_("Overall"))
    quality = _rating(_("Quality"))
    value = _rating(_("Value for money"))
    impact = _rating(_("Impact"))
    comment = forms.CharField(
        label=_("Your comments"),
        help_text=_("What went well, what did not, and what difference it made."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Enter your comments")},
    )
    engaged_on = GovukDateField(
        label=_("When did your council use it?"),
        help_text=_("For example, 27 3 2025"),
        message=_("Enter the day, month and year your council used it"),
    )

    def __init__(self, *args, councils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = councils
        if len(councils) == 1 and not self.initial.get("council"):
            self.fields["council"].initial = councils[0].pk
        self.helper = _helper(
            Field.radios("council", legend_size=Size.SMALL),
            Field.radios("rating", legend_size=Size.SMALL, inline=True),
            Field.radios("quality", legend_size=Size.SMALL, inline=True),
            Field.radios("value", legend_size=Size.SMALL, inline=True),
            Field.radios("impact", legend_size=Size.SMALL, inline=True),
            Field.textarea("comment", rows=6),
            Field("engaged_on"),
            button=_("Send review"),
        )

    def clean_engaged_on(self):
        engaged_on = self.cleaned_data["engaged_on"]
        if engaged_on > timezone.localdate():
            raise forms.ValidationError(_("The date must be today or in the past"))
        return engaged_on


class ReviewReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        help_text=_("You can reply once. The reply is shown under the review."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter your reply")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("body", rows=5), button=_("Send reply"))


class MarketplaceFilterForm(forms.Form):
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    price_band = forms.ChoiceField(
        label=_("Price band"),
        required=False,
        choices=[("", _("Any price"))] + list(PriceBand.choices),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", _("Any theme"))] + list(
            Theme.objects.values_list("slug", "name")
        )
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.select("theme"), Field.select("price_band"), Button("filter", _("Filter"))
        )
