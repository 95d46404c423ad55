"""Forms for the self-assessment cycle: they validate input; services act on it."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Fieldset, Fixed, Layout, Size
from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from selfreg.assessment.models import Agreement, SurveyMethod
from selfreg.forms import GovukDateField


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


class ReplyForm(forms.Form):
    """One "we did" box per theme, filled with the council's current reply."""

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.codes = []
        for section in sections:
            theme = section["ta"].theme
            said = ", ".join(f"{count} {str(label).lower()}" for label, count in section["counts"])
            name = f"reply__{theme.code}"
            self.codes.append((name, theme.code))
            self.fields[name] = forms.CharField(
                label=theme.title,
                help_text=gettext("Responses shown: %(said)s") % {"said": said},
                required=False,
                max_length=10000,
                initial=section["reply"].text if section["reply"] else "",
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *[Field.textarea(name, rows=4, label_size=Size.SMALL) for name, _code in self.codes],
            Button("save", _("Save replies")),
        )

    def replies(self) -> dict[str, str]:
        """The replies by theme code; a blank one removes the theme's reply."""
        return {code: self.cleaned_data[name] for name, code in self.codes}


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


class SurveyDateField(GovukDateField):
    def __init__(self, *, what, **kwargs):
        message = _("Enter the day, month and year %(what)s") % {"what": what}
        super().__init__(message=message, **kwargs)


def count_field_name(code: str, answer: str) -> str:
    return f"count__{code}__{answer}"


class SurveyForm(forms.Form):
    """A resident survey: how it was done, then the counts of answers to each question."""

    period = forms.CharField(
        label=_("Financial year of the fieldwork"),
        help_text=_("For example, 2024-25"),
        max_length=20,
        error_messages={"required": _("Enter the financial year of the fieldwork")},
    )
    fieldwork_start = SurveyDateField(
        label=_("When did the fieldwork start?"),
        help_text=_("For example, 2 9 2024"),
        what=_("the fieldwork started"),
    )
    fieldwork_end = SurveyDateField(
        label=_("When did the fieldwork end?"),
        help_text=_("For example, 30 9 2024"),
        what=_("the fieldwork ended"),
    )
    method = forms.ChoiceField(
        label=_("How was the survey done?"),
        choices=SurveyMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the survey was done")},
    )
    sample_size = forms.IntegerField(
        label=_("How many people took part?"),
        help_text=_("The number of completed questionnaires, before any weighting"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": _("Enter how many people took part"),
            "invalid": _("Enter how many people took part as a whole number"),
        },
    )
    weighting_note = forms.CharField(
        label=_("How were the results weighted? (optional)"),
        help_text=_(
            "For example, weighted by age, sex and ward to the mid-year population estimates"
        ),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, questions, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        fieldsets = []
        for question in self.questions:
            names = []
            for answer, label in question.answers:
                name = count_field_name(question.code, answer)
                self.fields[name] = forms.IntegerField(
                    label=label,
                    required=False,
                    widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
                    error_messages={
                        "invalid": gettext(
                            "%(question)s: enter the count for '%(answer)s' as a number"
                        )
                        % {"question": question.short_name, "answer": label}
                    },
                )
                names.append(Field.text(name, field_width=Fixed.FIVE))
            fieldsets.append(
                Fieldset(
                    *names,
                    legend=question.text_for(council),
                    legend_size=Size.SMALL,
                    css_class="govuk-!-margin-bottom-6",
                )
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("period", field_width=Fixed.TEN),
            Field("fieldwork_start"),
            Field("fieldwork_end"),
            Field.radios("method", legend_size=Size.SMALL),
            Field.text("sample_size", field_width=Fixed.TEN),
            Field.textarea("weighting_note", rows=3),
            HTML(
                format_html(
                    '<h2 class="govuk-heading-m">{}</h2>', gettext("Answers to each question")
                )
            ),
            *fieldsets,
            Button("save", gettext("Record survey")),
        )

    def counts(self) -> dict[str, dict[str, int]]:
        """The counts entered, by question code and answer; blank boxes count as 0."""
        return {
            question.code: {
                answer: self.cleaned_data.get(count_field_name(question.code, answer)) or 0
                for answer, _label in question.answers
            }
            for question in self.questions
        }

    def add_problems(self, problems) -> None:
        """Show each of the service's problems against the box it is about."""
        codes = {q.code: q for q in self.questions}
        for problem in problems:
            if problem.field in self.fields:
                self.add_error(problem.field, problem.message)
            elif problem.field in codes:
                question = codes[problem.field]
                answer = problem.answer or question.answers[0][0]
                self.add_error(count_field_name(question.code, answer), problem.message)
            else:
                self.add_error(None, problem.message)
