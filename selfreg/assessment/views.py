import math
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from benchmarking import access as benchmarking_access
from benchmarking.periods import period_sort_key
from selfreg import access, ratelimit
from selfreg.assessment import access as assessment_access
from selfreg.assessment.access import (
    access_assessment,
    access_assessment_for_moderation,
    access_assessment_for_reply,
    access_assessment_for_scrutiny,
    access_consultation,
)
from selfreg.assessment.forms import (
    AssessmentForm,
    ReplyForm,
    ResponseForm,
    ScrutinyAnswerForm,
    ScrutinyCommentForm,
    SurveyForm,
    ThemeForm,
)
from selfreg.assessment.models import (
    Agreement,
    AssessmentState,
    CitedFigure,
    ModerationStatus,
    SurveyQuestion,
)
from selfreg.assessment.selectors import dashboard_rows, theme_evidence
from selfreg.assessment.services import (
    NEEDS_JUDGEMENTS,
    SurveyProblems,
    assessment_create,
    assessment_move,
    consultation_replies_save,
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
from selfreg.pdf import printable
from selfreg.refusals import show_refusal


def index(request):
    codes = SurveyQuestion.objects.values("metric_code")
    with_results = benchmarking_access.visible_values(request.user, metric__code__in=codes)
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
    values = benchmarking_access.visible_values(
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
        with show_refusal(form, field="year"):
            assessment = assessment_create(
                user=request.user,
                council=council,
                year=form.cleaned_data["year"],
                framework=framework,
                optional_theme_codes=form.cleaned_data["optional_themes"],
            )
            messages.success(request, _("Self-assessment started."))
            return redirect(assessment.get_absolute_url())
    return render(
        request,
        "assessment/assessment_form.html",
        {"council": council, "form": form, "framework": framework},
        status=400 if form.errors else 200,
    )


@printable
def detail(request, gss_code, year):
    """The published assessment for everyone; the working copy for the council and sector."""
    assessment = access_assessment(request.user, gss_code, year)
    working = assessment_access.can_see_working(request.user, assessment)
    if assessment.consultation_is_open and not working:
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
            "can_reply": assessment_access.can_reply(request.user, assessment),
            "can_see_scrutiny": assessment_access.can_see_scrutiny(request.user, assessment),
            "transitions": assessment.transitions.select_related("by") if working else [],
            "responses": _shown_responses(assessment),
            "comments": assessment.scrutiny_comments.select_related("theme", "councillor")
            if assessment.is_public
            else [],
            "cited_figures": CitedFigure.objects.filter(
                theme_assessment__assessment=assessment
            ).select_related("theme_assessment__theme")
            if assessment.is_public
            else [],
        },
    )


def theme(request, gss_code, year, code):
    """One theme: what good looks like, the judgement, and the benchmark evidence cited.

    The council's officers edit it here while the assessment is not yet published.
    """
    assessment = access_assessment(request.user, gss_code, year)
    if assessment.consultation_is_open and not assessment_access.can_see_working(
        request.user, assessment
    ):
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
        with show_refusal(form):
            theme_save(user=request.user, theme_assessment=theme_assessment, **form.cleaned_data)
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
            "frozen": any(c.at_publication for c in cited),
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
    # Said before the click, too: which themes still need a judgement for this move.
    unjudged = assessment.unjudged_core_themes() if state in NEEDS_JUDGEMENTS else []
    if request.method == "POST":
        with show_refusal(None) as refusal:
            assessment_move(user=request.user, assessment=assessment, to_state=state)
            messages.success(
                request,
                _("Self-assessment moved to: %(state)s.") % {"state": AssessmentState(state).label},
            )
            return redirect(assessment.get_absolute_url())
        problem = str(refusal.error)
    return render(
        request,
        "assessment/transition_confirm.html",
        {
            "assessment": assessment,
            "council": assessment.council,
            "state": state,
            "state_label": AssessmentState(state).label,
            "problem": problem,
            "unjudged": unjudged,
        },
        status=400 if problem else 200,
    )


def _shown_responses(assessment):
    return assessment.responses.filter(status=ModerationStatus.SHOWN).select_related("theme")


def _by_theme(assessment, responses, replies=()):
    """Each theme with its shown responses, their count by answer, and the council's reply."""
    replies = {r.theme_id: r for r in replies}
    sections = []
    for ta in _themes(assessment):
        said = [r for r in responses if r.theme_id == ta.theme_id]
        sections.append(
            {
                "ta": ta,
                "responses": said,
                "counts": [
                    (label, sum(r.agreement == code for r in said))
                    for code, label in Agreement.choices
                ],
                "reply": replies.get(ta.theme_id),
            }
        )
    return sections


def consultation(request, gss_code, year):
    """The public consultation: the draft judgements and moderated responses while it is open;
    once closed, the responses shown and what the council did about them."""
    assessment = access_consultation(request.user, gss_code, year)
    replies = [] if assessment.consultation_is_open else assessment.consultation_replies.all()
    return render(
        request,
        "assessment/consultation.html",
        {
            "assessment": assessment,
            "council": assessment.council,
            "sections": _by_theme(assessment, list(_shown_responses(assessment)), replies),
            "can_reply": assessment_access.can_reply(request.user, assessment),
        },
    )


@login_required
def consultation_replies(request, gss_code, year):
    """You said, we did: the council's officers reply to what residents said, theme by theme."""
    assessment = access_assessment_for_reply(request.user, gss_code, year)
    sections = _by_theme(
        assessment, list(_shown_responses(assessment)), assessment.consultation_replies.all()
    )
    form = ReplyForm(_posted(request), sections=sections)
    if request.method == "POST" and form.is_valid():
        with show_refusal(form):
            consultation_replies_save(
                user=request.user, assessment=assessment, replies=form.replies()
            )
            messages.success(request, _("Replies saved. They show on the consultation page."))
            return redirect("assessment:consultation", gss_code=gss_code, year=year)
    return render(
        request,
        "assessment/consultation_replies.html",
        {
            "assessment": assessment,
            "council": assessment.council,
            "sections": sections,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def _too_many_responses(request, assessment) -> str:
    """Why a response cannot be accepted now, or "" if it can.

    Counted per client address first, so that one sender does not use up the consultation's
    allowance for everyone else.
    """
    now = time.time()
    address = ratelimit.client_address(request)
    minutes = _wait_minutes(f"respond:address:{address}", settings.RESPONSE_LIMIT_PER_ADDRESS, now)
    if minutes:
        return ngettext(
            "You have sent a lot of responses in a short time. Your response has not been "
            "sent. Try again in %(minutes)d minute.",
            "You have sent a lot of responses in a short time. Your response has not been "
            "sent. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
    key = f"respond:consultation:{assessment.pk}"
    minutes = _wait_minutes(key, settings.RESPONSE_LIMIT_PER_CONSULTATION, now)
    if minutes:
        return ngettext(
            "This consultation has had a lot of responses in the last few minutes. Your "
            "response has not been sent. Try again in %(minutes)d minute.",
            "This consultation has had a lot of responses in the last few minutes. Your "
            "response has not been sent. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
    return ""


def _wait_minutes(key: str, limit: str, now: float) -> int:
    """Whole minutes until one more is allowed under ``limit`` (a setting's text), counted
    under ``key``; 0 when it is allowed now."""
    wait = ratelimit.limit_wait(key=key, limit=ratelimit.Limit.parse(limit), now=now)
    return math.ceil(wait / 60) if wait else 0


def respond(request, gss_code, year):
    """Anyone may respond while the consultation is open; nothing shows until moderated."""
    assessment = access_assessment(request.user, gss_code, year)
    if not assessment_access.can_respond(request.user, assessment):
        raise Http404(_("This self-assessment is not open for consultation."))
    themes = [ta.theme for ta in _themes(assessment)]
    form = ResponseForm(_posted(request), themes=themes)
    limited = ""
    if request.method == "POST" and form.is_valid():
        limited = _too_many_responses(request, assessment)
        if limited:
            form.add_error(None, limited)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with show_refusal(form):
            response_submit(
                assessment=assessment,
                theme=next(t for t in themes if t.code == data["theme"]),
                agreement=data["agreement"],
                comment=data["comment"],
                name=data["name"],
            )
            return render(
                request,
                "assessment/respond_done.html",
                {"assessment": assessment, "council": assessment.council},
            )
    return render(
        request,
        "assessment/respond_form.html",
        {"assessment": assessment, "council": assessment.council, "form": form},
        status=429 if limited else 400 if form.errors else 200,
    )


@login_required
def moderation(request, gss_code, year):
    """Responses waiting to be shown or hidden; only shown ones are published."""
    assessment = access_assessment_for_moderation(request.user, gss_code, year)
    if request.method == "POST":
        chosen = request.POST.get("response", "")
        # Only a whole number can name a response: anything else names none.
        response = (
            assessment.responses.filter(pk=int(chosen)).first()
            if chosen.isascii() and chosen.isdigit()
            else None
        )
        if response is None:
            raise Http404(_("No such response."))
        with show_refusal(request):
            response_moderate(
                user=request.user, response=response, status=request.POST.get("status", "")
            )
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
            with show_refusal(form, field="text"):
                scrutiny_comment_add(
                    user=request.user,
                    assessment=assessment,
                    text=form.cleaned_data["text"],
                    theme=chosen,
                )
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
            # What residents said, for the councillors scrutinising the judgements.
            "sections": _by_theme(assessment, list(_shown_responses(assessment))),
            "not_shown": assessment.responses.exclude(status=ModerationStatus.SHOWN).count(),
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
