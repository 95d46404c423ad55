from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Fieldset, Fixed, Layout, Size
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from benchmarking import selectors
from benchmarking.periods import period_sort_key
from selfreg import access
from selfreg.assessment.models import SurveyMethod, SurveyQuestion
from selfreg.assessment.services import SurveyProblems, survey_record
from selfreg.assessment.survey import interval
from selfreg.models import Council, RoleKind


def index(request):
    codes = SurveyQuestion.objects.values("metric_code")
    with_results = selectors.visible_values(request.user, metric__code__in=codes)
    return render(
        request,
        "assessment/index.html",
        {
            "own_councils": Council.objects.filter(
                pk__in=access.council_ids(request.user, {RoleKind.OFFICER})
            ).order_by("name"),
            "result_councils": Council.objects.filter(
                pk__in=with_results.values("council_id"), resident_surveys__isnull=False
            )
            .distinct()
            .order_by("name"),
        },
    )


# --- resident survey -------------------------------------------------------------------------


class SurveyDateField(DateInputField):
    """A GOV.UK date input whose messages name the date they are about."""

    def __init__(self, *, what, **kwargs):
        super().__init__(**kwargs)
        message = gettext_lazy("Enter the day, month and year %(what)s") % {"what": what}
        self.error_messages.update(required=message, incomplete=message)
        for field in self.fields:
            field.error_messages["incomplete"] = message
            field.validators[0].message = gettext_lazy("Enter the date in numbers")

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except forms.ValidationError:
            raise forms.ValidationError(gettext_lazy("Enter a real date")) from None


def count_field_name(code: str, answer: str) -> str:
    return f"count__{code}__{answer}"


class SurveyForm(forms.Form):
    """A resident survey: how it was done, then the counts of answers to each question."""

    period = forms.CharField(
        label=gettext_lazy("Financial year of the fieldwork"),
        help_text=gettext_lazy("For example, 2024-25"),
        max_length=20,
        error_messages={"required": gettext_lazy("Enter the financial year of the fieldwork")},
    )
    fieldwork_start = SurveyDateField(
        label=gettext_lazy("When did the fieldwork start?"),
        help_text=gettext_lazy("For example, 2 9 2024"),
        what=gettext_lazy("the fieldwork started"),
    )
    fieldwork_end = SurveyDateField(
        label=gettext_lazy("When did the fieldwork end?"),
        help_text=gettext_lazy("For example, 30 9 2024"),
        what=gettext_lazy("the fieldwork ended"),
    )
    method = forms.ChoiceField(
        label=gettext_lazy("How was the survey done?"),
        choices=SurveyMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how the survey was done")},
    )
    sample_size = forms.IntegerField(
        label=gettext_lazy("How many people took part?"),
        help_text=gettext_lazy("The number of completed questionnaires, before any weighting"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": gettext_lazy("Enter how many people took part"),
            "invalid": gettext_lazy("Enter how many people took part as a whole number"),
        },
    )
    weighting_note = forms.CharField(
        label=gettext_lazy("How were the results weighted? (optional)"),
        help_text=gettext_lazy(
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
                        "invalid": _("%(question)s: enter the count for '%(answer)s' as a number")
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
            HTML(format_html('<h2 class="govuk-heading-m">{}</h2>', _("Answers to each question"))),
            *fieldsets,
            Button("save", _("Record survey")),
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


@login_required
def survey_new(request, gss_code):
    council = access.access_council_for_submit(request.user, gss_code)
    questions = SurveyQuestion.objects.all()
    form = SurveyForm(request.POST or None, questions=questions, council=council)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = survey_record(
                user=request.user,
                council=council,
                period=data["period"],
                fieldwork_start=data["fieldwork_start"],
                fieldwork_end=data["fieldwork_end"],
                method=data["method"],
                sample_size=data["sample_size"],
                weighting_note=data["weighting_note"],
                counts=form.counts(),
            )
        except SurveyProblems as error:
            form.add_problems(error.problems)
        else:
            messages.success(
                request,
                _("Survey recorded for %(council)s, %(period)s.")
                % {"council": council.name, "period": survey.period},
            )
            return redirect("assessment:survey_list", gss_code=council.gss_code)
    return render(
        request,
        "assessment/survey_form.html",
        {"council": council, "form": form, "questions": questions},
        status=400 if form.errors else 200,
    )


def survey_list(request, gss_code):
    """The council's survey results, read back from benchmarking as this person may see them."""
    council = access.access_council_by_gss(request.user, gss_code)
    questions = list(SurveyQuestion.objects.all())
    by_metric = {q.metric_code: q for q in questions}
    surveys = {s.period: s for s in council.resident_surveys.all()}
    values = selectors.visible_values(
        request.user,
        council=council,
        metric__code__in=list(by_metric),
        period__in=list(surveys),
    ).values_list("metric__code", "period", "value", "sample_size")
    results: dict[str, list[dict]] = {}
    for metric_code, period, value, base in values:
        low, high = interval(value, base) if base else (None, None)
        results.setdefault(period, []).append(
            {
                "question": by_metric[metric_code],
                "text": by_metric[metric_code].text_for(council),
                "percent": value,
                "low": low,
                "high": high,
                "base": int(base) if base else None,
            }
        )
    shown = [
        {
            "survey": surveys[period],
            "rows": sorted(rows, key=lambda r: r["question"].position),
        }
        for period, rows in sorted(
            results.items(), key=lambda item: period_sort_key(item[0]), reverse=True
        )
    ]
    return render(
        request,
        "assessment/survey_list.html",
        {
            "council": council,
            "surveys": shown,
            "can_record": access.can_submit_for(request.user, council),
        },
    )
