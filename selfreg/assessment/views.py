from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Fieldset, Fixed, Layout, Size
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from benchmarking import selectors
from benchmarking.periods import period_sort_key
from selfreg import access
from selfreg.assessment import access as assessment_access
from selfreg.assessment.access import (
    access_assessment,
    access_assessment_for_moderation,
    access_assessment_for_scrutiny,
)
from selfreg.assessment.forms import (
    AssessmentForm,
    ResponseForm,
    ScrutinyAnswerForm,
    ScrutinyCommentForm,
    ThemeForm,
)
from selfreg.assessment.models import (
    AssessmentState,
    ModerationStatus,
    SurveyMethod,
    SurveyQuestion,
)
from selfreg.assessment.selectors import dashboard_rows, theme_evidence
from selfreg.assessment.services import (
    AssessmentRefused,
    SurveyProblems,
    assessment_create,
    assessment_move,
    current_framework,
    response_moderate,
    response_submit,
    scrutiny_comment_add,
    scrutiny_comment_answer,
    survey_record,
    theme_save,
)
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


# --- the self-assessment cycle ---------------------------------------------------------------


def _posted(request):
    """The posted data, or None for a GET: an empty POST is still a submission to check."""
    return request.POST if request.method == "POST" else None


def _themes(assessment):
    """Its theme judgements in framework order, themes loaded."""
    return list(
        assessment.theme_assessments.select_related("theme").order_by("theme__order", "theme__code")
    )


def overview(request, gss_code):
    """Every year's self-assessment of a council that this person may see."""
    council = access.access_council_by_gss(request.user, gss_code)
    assessments = [
        a
        for a in council.self_assessments.select_related("framework").order_by("-year")
        if assessment_access.can_see(request.user, a)
    ]
    return render(
        request,
        "assessment/overview.html",
        {
            "council": council,
            "assessments": assessments,
            "can_create": assessment_access.can_create(request.user, council),
        },
    )


@login_required
def assessment_new(request, gss_code):
    council = access.access_council_by_gss(request.user, gss_code)
    if not assessment_access.can_create(request.user, council):
        raise PermissionDenied(_("Only the council's officers and sector staff can start one."))
    framework = current_framework()
    if framework is None:
        raise Http404(_("No framework has been published yet."))
    form = AssessmentForm(_posted(request), framework=framework)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = assessment_create(
                user=request.user,
                council=council,
                year=form.cleaned_data["year"],
                framework=framework,
                optional_theme_codes=form.cleaned_data["optional_themes"],
            )
        except AssessmentRefused as error:
            form.add_error("year", str(error))
        else:
            messages.success(request, _("Self-assessment started."))
            return redirect(assessment.get_absolute_url())
    return render(
        request,
        "assessment/assessment_form.html",
        {"council": council, "form": form, "framework": framework},
        status=400 if form.errors else 200,
    )


def detail(request, gss_code, year):
    """The published assessment for everyone; the working copy for the council and sector."""
    assessment = access_assessment(request.user, gss_code, year)
    working = assessment_access.can_see_working(request.user, assessment)
    if not assessment.is_public and not working:
        return redirect("assessment:consultation", gss_code=gss_code, year=year)
    next_state = assessment.next_state
    return render(
        request,
        "assessment/detail.html",
        {
            "assessment": assessment,
            "council": assessment.council,
            "themes": _themes(assessment),
            "working": working and not assessment.is_public,
            "can_edit": assessment_access.can_edit(request.user, assessment),
            "next_state": next_state,
            "next_label": AssessmentState(next_state).label if next_state else "",
            "can_move": bool(next_state)
            and assessment_access.can_move(request.user, assessment, next_state),
            "can_moderate": assessment_access.can_moderate(request.user, assessment),
            "can_see_scrutiny": assessment_access.can_see_scrutiny(request.user, assessment),
            "transitions": assessment.transitions.select_related("by") if working else [],
            "responses": assessment.responses.filter(status=ModerationStatus.SHOWN).select_related(
                "theme"
            ),
            "comments": assessment.scrutiny_comments.select_related("theme", "councillor")
            if assessment.is_public
            else [],
        },
    )


def theme(request, gss_code, year, code):
    """One theme: what good looks like, the judgement, and the benchmark evidence cited.

    The council's officers edit it here while the assessment is not yet published.
    """
    assessment = access_assessment(request.user, gss_code, year)
    if not assessment.is_public and not assessment_access.can_see_working(request.user, assessment):
        return redirect("assessment:consultation", gss_code=gss_code, year=year)
    theme_assessment = (
        assessment.theme_assessments.select_related("theme").filter(theme__code=code).first()
    )
    if theme_assessment is None:
        raise Http404(_("This self-assessment has no theme with that code."))
    can_edit = assessment_access.can_edit(request.user, assessment)
    form = None
    if can_edit:
        initial = {
            "judgement": theme_assessment.judgement,
            "narrative": theme_assessment.narrative,
            "evidence": theme_assessment.evidence,
            "metric_codes": ", ".join(theme_assessment.metric_codes),
        }
        form = ThemeForm(_posted(request), initial=initial, framework=assessment.framework)
    elif request.method == "POST":
        raise PermissionDenied(_("Only the council's officers can change its self-assessment."))
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            theme_save(user=request.user, theme_assessment=theme_assessment, **form.cleaned_data)
        except AssessmentRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Draft saved for %(theme)s.") % {"theme": theme_assessment.theme.title},
            )
            return redirect(assessment.get_absolute_url())
    cited, check = theme_evidence(theme_assessment, dashboard_rows(request.user, assessment))
    return render(
        request,
        "assessment/theme.html",
        {
            "assessment": assessment,
            "council": assessment.council,
            "theme_assessment": theme_assessment,
            "theme": theme_assessment.theme,
            "judgement_label": assessment.framework.level_label(theme_assessment.judgement),
            "form": form,
            "cited": cited,
            "check": check,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def transition(request, gss_code, year, state):
    """Confirm, then move the assessment one step on."""
    assessment = access_assessment(request.user, gss_code, year)
    if state not in AssessmentState.values or not assessment_access.can_move(
        request.user, assessment, state
    ):
        raise PermissionDenied(_("You cannot move this self-assessment to that stage."))
    problem = ""
    if request.method == "POST":
        try:
            assessment_move(user=request.user, assessment=assessment, to_state=state)
        except AssessmentRefused as error:
            problem = str(error)
        else:
            messages.success(
                request,
                _("Self-assessment moved to: %(state)s.") % {"state": AssessmentState(state).label},
            )
            return redirect(assessment.get_absolute_url())
    return render(
        request,
        "assessment/transition_confirm.html",
        {
            "assessment": assessment,
            "council": assessment.council,
            "state": state,
            "state_label": AssessmentState(state).label,
            "problem": problem,
        },
        status=400 if problem else 200,
    )


def consultation(request, gss_code, year):
    """The public consultation: the council's draft judgements and moderated comments."""
    assessment = access_assessment(request.user, gss_code, year)
    if assessment.state != AssessmentState.CONSULTATION:
        raise Http404(_("This self-assessment is not open for consultation."))
    return render(
        request,
        "assessment/consultation.html",
        {
            "assessment": assessment,
            "council": assessment.council,
            "themes": _themes(assessment),
            "responses": assessment.responses.filter(status=ModerationStatus.SHOWN).select_related(
                "theme"
            ),
        },
    )


def respond(request, gss_code, year):
    """Anyone may respond while the consultation is open; nothing shows until moderated."""
    assessment = access_assessment(request.user, gss_code, year)
    if not assessment_access.can_respond(request.user, assessment):
        raise Http404(_("This self-assessment is not open for consultation."))
    themes = [ta.theme for ta in _themes(assessment)]
    form = ResponseForm(_posted(request), themes=themes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            response_submit(
                assessment=assessment,
                theme=next(t for t in themes if t.code == data["theme"]),
                agreement=data["agreement"],
                comment=data["comment"],
                name=data["name"],
            )
        except AssessmentRefused as error:
            form.add_error(None, str(error))
        else:
            return render(
                request,
                "assessment/respond_done.html",
                {"assessment": assessment, "council": assessment.council},
            )
    return render(
        request,
        "assessment/respond_form.html",
        {"assessment": assessment, "council": assessment.council, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def moderation(request, gss_code, year):
    """Responses waiting to be shown or hidden; only shown ones are published."""
    assessment = access_assessment_for_moderation(request.user, gss_code, year)
    if request.method == "POST":
        response = assessment.responses.filter(pk=request.POST.get("response")).first()
        if response is None:
            raise Http404(_("No such response."))
        try:
            response_moderate(
                user=request.user, response=response, status=request.POST.get("status", "")
            )
        except AssessmentRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Response %(status)s.") % {"status": response.get_status_display().lower()},
            )
        return redirect("assessment:moderation", gss_code=gss_code, year=year)
    return render(
        request,
        "assessment/moderation.html",
        {
            "assessment": assessment,
            "council": assessment.council,
            "responses": assessment.responses.select_related("theme", "moderated_by"),
            "can_change": assessment.is_editable,
        },
    )


@login_required
def scrutiny(request, gss_code, year):
    """Councillors of the council challenge the assessment; its officers answer."""
    assessment = access_assessment_for_scrutiny(request.user, gss_code, year)
    themes = [ta.theme for ta in _themes(assessment)]
    can_comment = assessment_access.can_comment(request.user, assessment)
    form = ScrutinyCommentForm(_posted(request), themes=themes) if can_comment else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only the council's councillors comment, during scrutiny."))
        if form.is_valid():
            chosen = next((t for t in themes if t.code == form.cleaned_data["theme"]), None)
            try:
                scrutiny_comment_add(
                    user=request.user,
                    assessment=assessment,
                    text=form.cleaned_data["text"],
                    theme=chosen,
                )
            except AssessmentRefused as error:
                form.add_error("text", str(error))
            else:
                messages.success(request, _("Comment added."))
                return redirect("assessment:scrutiny", gss_code=gss_code, year=year)
    comments = [
        {
            "comment": c,
            "can_answer": assessment_access.can_answer(request.user, c),
        }
        for c in assessment.scrutiny_comments.select_related("theme", "councillor", "responded_by")
    ]
    return render(
        request,
        "assessment/scrutiny.html",
        {
            "assessment": assessment,
            "council": assessment.council,
            "form": form,
            "comments": comments,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def scrutiny_answer(request, gss_code, year, comment_id):
    assessment = access_assessment_for_scrutiny(request.user, gss_code, year)
    comment = assessment_access.access_comment_for_answer(request.user, assessment, comment_id)
    form = ScrutinyAnswerForm(request.POST)
    if form.is_valid():
        scrutiny_comment_answer(
            user=request.user, comment=comment, response=form.cleaned_data["response"]
        )
        messages.success(request, _("Response saved."))
    else:
        messages.error(request, _("Enter the council's response."))
    return redirect("assessment:scrutiny", gss_code=gss_code, year=year)
