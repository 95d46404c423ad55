from urllib.parse import urlencode

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fixed, Fluid, Layout, Size
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from benchmarking.models import Element
from benchmarking.periods import PeriodError, parse_period
from selfreg.forms import CouncilField, CouncilsField, Select
from selfreg.models import Visibility

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def plain_number(number: float) -> str:
    """A saved figure as someone would type it: 12 rather than 12.0."""
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def _codes(councils) -> list[str]:
    return [c.gss_code for c in councils]


class ComparisonGroupForm(forms.Form):
    """Which councils to compare a council with, read from the page's query string."""

    group = forms.ChoiceField(label=_("Compare with"), required=False, widget=forms.RadioSelect)
    councils = CouncilsField(label=_("Or compare with councils of your choice"), required=False)
    ranks = forms.BooleanField(label=_("Show ranks"), required=False)

    def __init__(self, *args, council, has_similar: bool, groupings, **kwargs):
        super().__init__(*args, **kwargs)
        self.council = council
        choices = []
        if has_similar:
            choices.append(
                ("similar", _("Its 15 most similar councils for each measure's kind of service"))
            )
            choices.append(("similar-overall", _("Its 15 most similar councils overall")))
        choices.append(("type", _("Councils of the same type (%s)") % council.get_kind_display()))
        area = council.region if council.nation == "England" else council.nation
        if area:
            choices.append(("region", _("Councils in %s") % area))
        choices.append(("all", _("All councils with figures")))
        choices += [(f"grouping:{g.slug}", g.name) for g in groupings]
        self.fields["group"].choices = choices
        self.default = choices[0][0]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.radios("group", legend_size=Size.SMALL, small=True),
            Field("councils"),
            Field.checkbox("ranks", small=True),
            Button("show", _("Show comparison"), css_class="govuk-button--secondary"),
        )

    def show_ranks(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("ranks"))

    def group_text(self) -> str:
        """The group in the form `groups.resolve_group` reads."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("councils"):
            return "custom:" + ",".join([self.council.gss_code, *_codes(data["councils"])])
        choice = data.get("group") or self.default
        if choice == "similar":
            return f"similar-by-measure:{self.council.gss_code}"
        if choice == "similar-overall":
            return f"similar:{self.council.gss_code}"
        if choice == "type":
            return f"type:{self.council.kind}"
        if choice == "region":
            area = self.council.region if self.council.nation == "England" else self.council.nation
            return f"region:{area}"
        return choice


class SharingForm(forms.Form):
    """One choice per element of who may see the council's figures."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for element, label in Element.choices:
            self.fields[element] = forms.ChoiceField(
                label=label,
                choices=Visibility.choices,
                initial=current.get(element, Visibility.PUBLIC),
                widget=forms.RadioSelect,
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *(Field.radios(element, legend_size=Size.MEDIUM) for element in Element.values),
            Button("submit", _("Save choices")),
        )


class CompareForm(forms.Form):
    """The compare tool: pick measures, councils (or a group) and periods."""

    metric_1 = forms.ChoiceField(label=_("First measure"), widget=Select)
    metric_2 = forms.ChoiceField(
        label=_("Second measure (optional)"), required=False, widget=Select
    )
    metric_3 = forms.ChoiceField(label=_("Third measure (optional)"), required=False, widget=Select)
    councils = CouncilsField(label=_("Councils"), required=False)
    group = forms.CharField(
        label=_("Or a group of councils"),
        help_text=_(
            "For example similar:E06000001, similar-people:E06000001, region:north-east, "
            "type:UA or all"
        ),
        required=False,
        max_length=200,
    )

    def __init__(self, *args, metrics, **kwargs):
        """``metrics``: each with its ``code``, ``title`` and ``element``."""
        super().__init__(*args, **kwargs)
        # Measures by title, in a group per element, as the catalogue has no other themes.
        by_element = {element: [] for element in Element.values}
        for m in sorted(metrics, key=lambda m: m.title.casefold()):
            by_element.setdefault(m.element, []).append((m.code, m.title))
        labels = dict(Element.choices)
        choices = [(labels.get(e, e), options) for e, options in by_element.items() if options]
        self.fields["metric_1"].choices = choices
        for name in ("metric_2", "metric_3"):
            self.fields[name].choices = [("", _("None")), *choices]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field("metric_1"),
            Field("metric_2"),
            Field("metric_3"),
            Field("councils"),
            Field.text("group", field_width=Fluid.ONE_HALF),
            Button("show", _("Compare")),
        )

    def clean(self):
        data = super().clean()
        if not data.get("councils") and not data.get("group"):
            raise forms.ValidationError(_("Choose councils or enter a group of councils."))
        return data

    def metric_codes(self) -> list[str]:
        codes = [self.cleaned_data.get(f"metric_{i}") for i in (1, 2, 3)]
        return list(dict.fromkeys(c for c in codes if c))

    def query(self) -> str:
        """The comparison as a query string, councils as codes separated by commas (one
        parameter, so a saved comparison keeps them all)."""
        data = {**self.cleaned_data, "councils": ",".join(_codes(self.cleaned_data["councils"]))}
        return urlencode({k: v for k, v in data.items() if v})

    def group_text(self) -> str:
        if self.cleaned_data.get("councils"):
            return "custom:" + ",".join(_codes(self.cleaned_data["councils"]))
        return self.cleaned_data["group"]


class SaveComparisonForm(forms.Form):
    name = forms.CharField(label=_("Name this comparison"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Button("save", _("Save and get a link"), css_class="govuk-button--secondary"),
        )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Upload a file"),
        help_text=_(
            "A CSV or XLSX file, up to 50 MB, with the columns gss_code, metric_code, period "
            "and value, and optionally numerator, denominator, sample_size and note."
        ),
        error_messages={"required": _("Choose a file to upload.")},
    )
    visibility = forms.ChoiceField(
        label=_("Who can see these values?"),
        help_text=_(
            "Where a council has chosen who sees an element of its data, its choice is used."
        ),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who can see these values.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("file"),
            Field.radios("visibility", legend_size=Size.SMALL),
            Button("submit", _("Upload and check")),
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(gettext("The selected file must be a CSV or XLSX file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(gettext("The selected file must be smaller than 50 MB."))
        return upload


class EntryChoiceForm(forms.Form):
    """Step one of typing values in: which council, period and element."""

    council = CouncilField(label=_("Council"), to_field_name=None)
    period = forms.CharField(
        label=_("Period"),
        help_text=_(
            "A financial year such as 2023-24, a quarter such as 2023-24 Q1, a calendar year "
            "such as 2023, or several financial years such as 2021-24."
        ),
        max_length=20,
    )
    element = forms.ChoiceField(
        label=_("Which measures?"), choices=Element.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, councils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = councils
        self.fields["council"].error_messages["required"] = gettext("Choose a council.")
        self.fields["council"].error_messages["invalid_choice"] = gettext(
            "Choose a council you can submit values for."
        )
        self.fields["period"].error_messages["required"] = gettext("Enter the period.")
        self.fields["element"].error_messages["required"] = gettext(
            "Choose which measures to enter."
        )
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field("council"),
            Field.text("period", field_width=Fixed.TEN),
            Field.radios("element", legend_size=Size.SMALL),
            Button("continue", _("Continue")),
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
                label=gettext("Who can see these values?"),
                choices=Visibility.choices,
                initial=Visibility.PUBLIC,
                widget=forms.RadioSelect,
                error_messages={"required": gettext("Choose who can see these values.")},
            )
            layout.append(Field.radios("visibility", legend_size=Size.SMALL))
        for name, metric in self.metrics.items():
            label = f"{metric.title} ({metric.unit})" if metric.unit else metric.title
            value = saved.get(metric.pk)
            hint = gettext("Code %(code)s.") % {"code": metric.code}
            if value is not None:
                hint += " " + gettext("Saved now: %(value)s.") % {
                    "value": plain_number(value.value)
                }
            self.fields[name] = forms.CharField(
                label=label,
                help_text=hint,
                required=False,
                max_length=40,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
            )
            layout.append(Field.text(name, field_width=Fixed.TEN))
        self.fields["unusual"] = forms.BooleanField(
            label=gettext(
                "I have checked the values far outside the usual range and they are right"
            ),
            required=False,
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "council", "period", "element", *layout, Button("save", gettext("Save values"))
        )

    def ask_to_confirm_unusual(self, problems, rows: list[dict]) -> None:
        """Values far outside their usual range: say which, and offer the box to confirm
        them, ticked on the next try to save them as they are."""
        self.add_problems(problems, rows)
        self.helper.layout.insert(len(self.helper.layout) - 1, Field.checkbox("unusual"))

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
                    name,
                    gettext("%(title)s: %(problem)s")
                    % {"title": title, "problem": problem.message},
                )
            elif problem.message not in general:
                general.append(problem.message)
        for message in general:
            self.add_error(None, message)


class CatalogueFilterForm(forms.Form):
    """The measure catalogue's filters; every one optional."""

    NATIONS = ("England", "Scotland", "Wales")

    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    element = forms.ChoiceField(label=_("Element"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    dataset = forms.ChoiceField(label=_("Source"), required=False)
    nation = forms.ChoiceField(label=_("Councils with figures in"), required=False)

    def __init__(self, *args, themes=(), datasets=(), **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", _("Any"))]
        self.fields["element"].choices = anything + list(Element.choices)
        self.fields["theme"].choices = anything + [(t, t) for t in themes]
        self.fields["dataset"].choices = anything + list(datasets)
        self.fields["nation"].choices = anything + [(n, n) for n in self.NATIONS]
