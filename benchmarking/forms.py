from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout, Size
from django import forms
from django.utils.translation import gettext_lazy as _

from benchmarking.models import Element
from selfreg.models import Visibility


class ComparisonGroupForm(forms.Form):
    """Which councils to compare a council with, read from the page's query string."""

    group = forms.ChoiceField(label=_("Compare with"), required=False, widget=forms.RadioSelect)
    councils = forms.CharField(
        label=_("Or compare with councils of your choice"),
        help_text=_("GSS codes separated by commas, for example E06000002, E06000003"),
        required=False,
        max_length=2000,
    )
    ranks = forms.BooleanField(label=_("Show ranks"), required=False)

    def __init__(self, *args, council, has_similar: bool, groupings, **kwargs):
        super().__init__(*args, **kwargs)
        self.council = council
        choices = []
        if has_similar:
            choices.append(("similar", _("Its 15 most similar councils")))
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
            Field.text("councils"),
            Field.checkbox("ranks", small=True),
            Button("show", _("Show comparison"), css_class="govuk-button--secondary"),
        )

    def show_ranks(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("ranks"))

    def group_text(self) -> str:
        """The group in the form `groups.resolve_group` reads."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("councils"):
            return f"custom:{self.council.gss_code},{data['councils']}"
        choice = data.get("group") or self.default
        if choice == "similar":
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

    metric_1 = forms.ChoiceField(label=_("First measure"))
    metric_2 = forms.ChoiceField(label=_("Second measure (optional)"), required=False)
    metric_3 = forms.ChoiceField(label=_("Third measure (optional)"), required=False)
    councils = forms.CharField(
        label=_("Councils"),
        help_text=_("GSS codes separated by commas, for example E06000001, E06000002"),
        required=False,
        max_length=2000,
    )
    group = forms.CharField(
        label=_("Or a group of councils"),
        help_text=_("For example similar:E06000001, region:north-east, type:UA or all"),
        required=False,
        max_length=200,
    )

    def __init__(self, *args, metrics, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(m.code, f"{m.title} ({m.code})") for m in metrics]
        self.fields["metric_1"].choices = choices
        for name in ("metric_2", "metric_3"):
            self.fields[name].choices = [("", _("None"))] + choices
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field("metric_1"),
            Field("metric_2"),
            Field("metric_3"),
            Field.text("councils"),
            Field.text("group", field_width=Fluid.ONE_HALF),
            Button("show", _("Compare")),
        )

    def clean(self):
        data = super().clean()
        if not data.get("councils") and not data.get("group"):
            raise forms.ValidationError(_("Enter councils' GSS codes or a group of councils."))
        return data

    def metric_codes(self) -> list[str]:
        codes = [self.cleaned_data.get(f"metric_{i}") for i in (1, 2, 3)]
        return list(dict.fromkeys(c for c in codes if c))

    def group_text(self) -> str:
        if self.cleaned_data.get("councils"):
            return f"custom:{self.cleaned_data['councils']}"
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
