"""Forms for the self-assessment cycle: they validate input; services act on it."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fixed, Layout, Size
from django import forms
from django.utils.translation import gettext_lazy as _

from selfreg.assessment.models import Agreement


class AssessmentForm(forms.Form):
    year = forms.CharField(
        label=_("Financial year"),
        help_text=_("For example, 2025-26"),
        max_length=20,
        error_messages={"required": _("Enter the financial year")},
    )
    optional_themes = forms.MultipleChoiceField(
        label=_("Optional themes to add"),
        help_text=_("The five core themes are always included. Select all that apply."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, framework, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["optional_themes"].choices = [
            (t.code, t.title) for t in framework.themes.filter(optional=True)
        ]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("year", field_width=Fixed.TEN),
            Field.checkboxes("optional_themes", legend_size=Size.SMALL),
            Button("save", _("Start self-assessment")),
        )


class ThemeForm(forms.Form):
    judgement = forms.ChoiceField(label=_("Judgement"), required=False, widget=forms.RadioSelect)
    narrative = forms.CharField(
        label=_("Narrative"),
        help_text=_("How well the council does against what good looks like, and why"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        help_text=_("Reports, inspections, surveys and other evidence behind the judgement"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    metric_codes = forms.CharField(
        label=_("Benchmarking metrics cited (optional)"),
        help_text=_("Metric codes separated by commas, as shown in benchmarking"),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, framework, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["judgement"].choices = [
            (level["code"], level["label"]) for level in framework.scale
        ]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("judgement", legend_size=Size.MEDIUM),
            Field.textarea("narrative", rows=8),
            Field.textarea("evidence", rows=5),
            Field.text("metric_codes"),
            Button("save", _("Save draft")),
        )

    def clean_metric_codes(self) -> list[str]:
        text = self.cleaned_data["metric_codes"]
        return [code.strip() for code in text.replace("\n", ",").split(",") if code.strip()]


class ResponseForm(forms.Form):
    theme = forms.ChoiceField(
        label=_("Which theme is your response about?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the theme your response is about")},
    )
    agreement = forms.ChoiceField(
        label=_("Do you agree with the council's judgement?"),
        choices=Agreement.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you agree with the judgement")},
    )
    comment = forms.CharField(
        label=_("Your comment (optional)"),
        help_text=_("Do not include personal information about yourself or anyone else"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        help_text=_("Leave blank to respond anonymously"),
        required=False,
        max_length=100,
    )

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [(t.code, t.title) for t in themes]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("theme", legend_size=Size.SMALL),
            Field.radios("agreement", legend_size=Size.SMALL, inline=True),
            Field.textarea("comment", rows=5),
            Field.text("name", field_width=Fixed.TWENTY),
            Button("save", _("Send response")),
        )


class ScrutinyCommentForm(forms.Form):
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    text = forms.CharField(
        label=_("Your comment"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter your comment")},
    )

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", _("The whole self-assessment"))] + [
            (t.code, t.title) for t in themes
        ]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("theme"),
            Field.textarea("text", rows=5),
            Button("save", _("Add comment")),
        )


class ScrutinyAnswerForm(forms.Form):
    response = forms.CharField(
        label=_("The council's response"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Enter the council's response")},
    )
