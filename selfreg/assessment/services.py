"""Writes for self-assessment: the resident survey, frameworks and the yearly cycle."""

from __future__ import annotations

import datetime

import pandas as pd
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from benchmarking.models import Metric, Source
from benchmarking.periods import FINANCIAL_YEAR, PeriodError, parse_period, period_sort_key
from benchmarking.services import values_delete, values_import
from selfreg import access
from selfreg.assessment import access as assessment_access
from selfreg.assessment.models import (
    Agreement,
    AssessmentState,
    CitedFigure,
    ConsultationReply,
    ConsultationResponse,
    Framework,
    ModerationStatus,
    ScrutinyComment,
    SelfAssessment,
    Survey,
    SurveyAnswerCount,
    SurveyMethod,
    SurveyQuestion,
    SurveyStatus,
    Theme,
    ThemeAssessment,
    Transition,
)
from selfreg.assessment.selectors import dashboard_rows
from selfreg.assessment.survey import Problem, QuestionSpec, satisfaction, survey_problems
from selfreg.emails import email_send, officer_addresses, portal_link
from selfreg.fileproblems import FileProblems
from selfreg.refusals import Refused


class SurveyProblems(ValueError):
    """The survey was refused whole; `problems` lists every reason, nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.message for p in problems))


def question_specs(questions) -> dict[str, QuestionSpec]:
    return {
        q.code: QuestionSpec(q.code, q.short_name, q.scale, frozenset(q.positive_answers))
        for q in questions
    }


def survey_record(
    *,
    user,
    council,
    period: str,
    fieldwork_start: datetime.date,
    fieldwork_end: datetime.date,
    method: str,
    sample_size: int,
    weighting_note: str = "",
    counts: dict[str, dict[str, int]],
) -> Survey:
    """Record (or re-record) a council's resident survey and write its results to benchmarking.

    Each question with counts becomes a `perception` value: % giving a positive answer, with
    the base (respondents excluding don't know) as its sample size. Recording again for the
    same council and year replaces the counts and updates the values, keeping their history;
    a question left out this time loses its value. Raises PermissionDenied if the user may not
    submit for the council and SurveyProblems listing every problem; either way nothing is
    written.
    """
    if not access.can_submit_for(user, council):
        raise PermissionDenied("You cannot record a survey for this council.")
    questions = {q.code: q for q in SurveyQuestion.objects.all()}
    counts = {code: {a: int(c) for a, c in answers.items()} for code, answers in counts.items()}
    counts = {code: answers for code, answers in counts.items() if any(answers.values())}
    problems = survey_problems(
        period=period,
        fieldwork_start=fieldwork_start,
        fieldwork_end=fieldwork_end,
        sample_size=sample_size,
        counts=counts,
        questions=question_specs(questions.values()),
        today=timezone.localdate(),
    )
    if method not in SurveyMethod.values:
        problems.append(Problem("method", _("Choose how the survey was done.")))
    if problems:
        raise SurveyProblems(problems)
    period = parse_period(period).label
    note = survey_note(fieldwork_start, fieldwork_end, method)
    rows = _survey_values(council, period, questions, counts, note=note)
    try:
        with transaction.atomic():
            survey, _created = Survey.objects.update_or_create(
                council=council,
                period=period,
                defaults={
                    "fieldwork_start": fieldwork_start,
                    "fieldwork_end": fieldwork_end,
                    "method": method,
                    "sample_size": sample_size,
                    "weighting_note": weighting_note,
                    "recorded_by": user,
                    "status": SurveyStatus.RECORDED,
                },
            )
            before = set(survey.counts.values_list("question__code", flat=True).distinct())
            _counts_replace(survey, questions, counts)
            values_import(
                frame=pd.DataFrame(rows),
                source=Source.FORM,
                user=user,
                source_ref=_("Resident survey"),
            )
            dropped = [questions[code].metric_code for code in before - set(counts)]
            # A question recorded last time but not this time no longer has a result.
            values_delete(council=survey.council, period=survey.period, metric_codes=dropped)
    except FileProblems as error:
        raise SurveyProblems([Problem("", p.message) for p in error.problems]) from error
    return survey


def _survey_values(council, period: str, questions: dict, counts: dict, *, note: str) -> list[dict]:
    """A value row for each question with counts: % giving a positive answer, with the base
    (respondents excluding don't know) as its sample size."""
    rows = []
    for code, answers in counts.items():
        question = questions[code]
        result = satisfaction(answers, set(question.positive_answers))
        rows.append(
            {
                "gss_code": council.gss_code,
                "metric_code": question.metric_code,
                "period": period,
                "value": result.percent,
                "sample_size": result.base,
                "note": note,
            }
        )
    return rows


def survey_note(start: datetime.date, end: datetime.date, method: str) -> str:
    """What a value's note says of the survey behind it."""
    dates = f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}"
    return _("Resident survey %(dates)s, %(method)s") % {
        "dates": dates,
        "method": str(SurveyMethod(method).label).lower(),
    }


def _counts_replace(survey: Survey, questions: dict, counts: dict) -> None:
    """Make the stored counts exactly `counts`: change, add and remove rows as needed."""
    stored = {(c.question.code, c.answer): c for c in survey.counts.select_related("question")}
    wanted = {
        (code, answer): count
        for code, answers in counts.items()
        for answer, count in answers.items()
        if count
    }
    for key, row in stored.items():
        if key not in wanted:
            row.delete()
        elif row.count != wanted[key]:
            row.count = wanted[key]
            row.save(update_fields=["count"])
    SurveyAnswerCount.objects.bulk_create(
        [
            SurveyAnswerCount(survey=survey, question=questions[code], answer=answer, count=count)
            for (code, answer), count in wanted.items()
            if (code, answer) not in stored
        ]
    )


# --- the self-assessment: frameworks and the yearly cycle -----------------------------------


def frameworks_load(*, frameworks: list[dict]) -> dict[str, int]:
    """Create or update framework versions from data (`data/framework_default.json`).

    Safe to rerun. A version no assessment uses is brought into line with the data; a version
    in use is frozen, so data that would change it is refused whole: publish a new version
    number instead.
    """
    problems = []
    for data in frameworks:
        existing = Framework.objects.filter(slug=data["slug"], version=data["version"]).first()
        if existing and existing.is_frozen and _framework_differs(existing, data):
            problems.append(
                f"{data['slug']} version {data['version']} is used by assessments and cannot "
                "change: give the changed framework a new version number."
            )
    if problems:
        raise Refused("\n".join(problems))
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        for data in frameworks:
            existing = Framework.objects.filter(slug=data["slug"], version=data["version"]).first()
            if existing and not _framework_differs(existing, data):
                counts["unchanged"] += 1
                continue
            framework, created = Framework.objects.update_or_create(
                slug=data["slug"],
                version=data["version"],
                defaults={
                    "name": data["name"],
                    "description": data.get("description", ""),
                    "published": data.get("published", True),
                    "scale": data["scale"],
                },
            )
            wanted = {t["code"] for t in data["themes"]}
            framework.themes.exclude(code__in=wanted).delete()
            for order, theme in enumerate(data["themes"], start=1):
                Theme.objects.update_or_create(
                    framework=framework,
                    code=theme["code"],
                    defaults={
                        "title": theme["title"],
                        "order": order,
                        "optional": theme.get("optional", False),
                        "prompts": "\n".join(theme["prompts"]),
                    },
                )
            counts["created" if created else "updated"] += 1
    return counts


def _framework_differs(framework: Framework, data: dict) -> bool:
    stored = {
        "name": framework.name,
        "description": framework.description,
        "published": framework.published,
        "scale": framework.scale,
        "themes": [
            (t.code, t.title, t.optional, t.prompt_list) for t in framework.themes.order_by("order")
        ],
    }
    given = {
        "name": data["name"],
        "description": data.get("description", ""),
        "published": data.get("published", True),
        "scale": data["scale"],
        "themes": [
            (t["code"], t["title"], t.get("optional", False), list(t["prompts"]))
            for t in data["themes"]
        ],
    }
    return stored != given


def framework_new_version(*, user, framework: Framework) -> Framework:
    """Copy a framework version, themes and scale, as the next unpublished version to edit."""
    if not assessment_access.can_manage_frameworks(user):
        raise PermissionDenied("Only sector staff make new framework versions.")
    with transaction.atomic():
        latest = (
            Framework.objects.select_for_update()
            .filter(slug=framework.slug)
            .order_by("-version")
            .first()
        )
        copy = Framework.objects.create(
            slug=framework.slug,
            name=framework.name,
            description=framework.description,
            version=latest.version + 1,
            published=False,
            scale=framework.scale,
        )
        bulk_create_with_history(
            [
                Theme(
                    framework=copy,
                    code=t.code,
                    title=t.title,
                    order=t.order,
                    optional=t.optional,
                    prompts=t.prompts,
                )
                for t in framework.themes.all()
            ],
            Theme,
        )
    return copy


def current_framework() -> Framework | None:
    """The newest published version of the newest framework: what a new assessment uses."""
    return Framework.objects.filter(published=True).order_by("-created_at", "-version").first()


def assessment_create(
    *,
    user,
    council,
    year: str,
    framework: Framework | None = None,
    optional_theme_codes: list[str] | tuple = (),
) -> SelfAssessment:
    """Start a council's self-assessment for a financial year, in draft, a blank per theme."""
    if not assessment_access.can_create(user, council):
        raise PermissionDenied("You cannot start a self-assessment for this council.")
    framework = framework or current_framework()
    if framework is None or not framework.published:
        raise Refused(_("There is no published framework to assess against yet."))
    try:
        period = parse_period(year)
    except PeriodError as error:
        raise Refused(str(error)) from error
    if period.kind != FINANCIAL_YEAR:
        raise Refused(_("Enter a financial year, for example 2025-26."))
    year = period.label
    if SelfAssessment.objects.filter(council=council, year=year).exists():
        raise Refused(
            _("%(council)s already has a self-assessment for %(year)s.")
            % {"council": council.name, "year": year}
        )
    optional = list(framework.themes.filter(optional=True, code__in=optional_theme_codes))
    unknown = set(optional_theme_codes) - {t.code for t in optional}
    if unknown:
        raise Refused(
            _("These are not optional themes of the framework: %(codes)s")
            % {"codes": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        assessment = SelfAssessment.objects.create(
            council=council, year=year, framework=framework, created_by=user
        )
        assessment.optional_themes.set(optional)
        bulk_create_with_history(
            [ThemeAssessment(assessment=assessment, theme=t) for t in assessment.themes()],
            ThemeAssessment,
            default_user=user if getattr(user, "is_authenticated", False) else None,
        )
        Transition.objects.create(
            assessment=assessment, from_state="", to_state=AssessmentState.DRAFT, by=user
        )
    return assessment


def theme_save(
    *,
    user,
    theme_assessment: ThemeAssessment,
    judgement: str,
    narrative: str,
    evidence: str,
    metric_codes: list[str],
) -> ThemeAssessment:
    """Save a theme's draft judgement. Refused once the assessment is published."""
    assessment = theme_assessment.assessment
    if not assessment_access.can_edit(user, assessment):
        if not assessment.is_editable:
            raise Refused(_("A published self-assessment cannot be changed."))
        raise PermissionDenied("Only the council's officers change its self-assessment.")
    if judgement and judgement not in assessment.framework.level_codes:
        raise Refused(_("Choose a judgement from the scale."))
    codes = list(dict.fromkeys(c.strip() for c in metric_codes if c.strip()))
    known = set(Metric.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Refused(
            _("No benchmarking metric has the code %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    with transaction.atomic():
        locked = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
        if not locked.is_editable:
            raise Refused(_("A published self-assessment cannot be changed."))
        theme_assessment.judgement = judgement
        theme_assessment.narrative = narrative
        theme_assessment.evidence = evidence
        theme_assessment.metric_codes = codes
        theme_assessment.updated_by = user
        theme_assessment.save()
    return theme_assessment


# What the council must have done before each move, in words for the refusal.
NEEDS_JUDGEMENTS = {
    AssessmentState.CONSULTATION: gettext_lazy(
        "Give a judgement for every core theme before opening the consultation: %(themes)s"
    ),
    AssessmentState.PUBLISHED: gettext_lazy(
        "Give a judgement for every core theme before publishing: %(themes)s"
    ),
}


def assessment_move(*, user, assessment: SelfAssessment, to_state: str) -> SelfAssessment:
    """Move an assessment one step along its cycle, recording who did it.

    Opening the consultation and publishing need every core theme judged: residents are asked
    whether they agree with a judgement, so there must be one. Publishing records each cited
    measure's figure as the public reads it then, and archives the council's earlier
    published assessments.
    """
    if not assessment_access.can_move(user, assessment, to_state):
        raise PermissionDenied("You cannot move this self-assessment to that stage.")
    if to_state in NEEDS_JUDGEMENTS:
        unjudged = assessment.unjudged_core_themes()
        if unjudged:
            raise Refused(str(NEEDS_JUDGEMENTS[to_state]) % {"themes": "; ".join(unjudged)})
    with transaction.atomic():
        locked = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.state != assessment.state:
            raise Refused(_("Someone else has moved this self-assessment on."))
        from_state = locked.state
        locked.state = to_state
        if to_state == AssessmentState.PUBLISHED:
            locked.published_at = timezone.now()
            _archive_earlier(user=user, assessment=locked)
            _cited_figures_record(assessment=locked)
        locked.save()
        Transition.objects.create(
            assessment=locked, from_state=from_state, to_state=to_state, by=user
        )
    assessment.refresh_from_db()
    return assessment


def _cited_figures_record(*, assessment: SelfAssessment) -> None:
    """Freeze each cited measure's figure, as anyone could read it, beside the judgement.

    A published assessment is public, so the figures are those the public sees: a measure
    the council shares only with the sector is recorded as having no public figure.
    """
    themes = list(assessment.theme_assessments.all())
    codes = {code for ta in themes for code in ta.metric_codes}
    rows = dashboard_rows(AnonymousUser(), assessment, metric_codes=codes) if codes else {}
    metrics = {m.code: m for m in Metric.objects.filter(code__in=codes)}
    figures = []
    for ta in themes:
        for order, code in enumerate(ta.metric_codes):
            row = rows.get(code)
            metric = row.metric if row else metrics.get(code)
            figures.append(
                CitedFigure(
                    theme_assessment=ta,
                    order=order,
                    metric_code=code,
                    title=metric.title if metric else code,
                    unit=metric.unit if metric else "",
                    period=row.period if row else "",
                    value=row.value if row else None,
                    band="" if row is None or row.band is None else str(row.band),
                    change=row.change if row else None,
                )
            )
    CitedFigure.objects.filter(theme_assessment__assessment=assessment).delete()
    CitedFigure.objects.bulk_create(figures)


def _archive_earlier(*, user, assessment: SelfAssessment) -> None:
    earlier = SelfAssessment.objects.select_for_update().filter(
        council=assessment.council, state=AssessmentState.PUBLISHED
    )
    for old in earlier:
        if period_sort_key(old.year) >= period_sort_key(assessment.year):
            continue
        old.state = AssessmentState.ARCHIVED
        old.save(update_fields=["state"])
        Transition.objects.create(
            assessment=old,
            from_state=AssessmentState.PUBLISHED,
            to_state=AssessmentState.ARCHIVED,
            by=user,
        )


def response_submit(
    *, assessment: SelfAssessment, theme: Theme, agreement: str, comment: str = "", name: str = ""
) -> ConsultationResponse:
    """A resident's response to one theme; anyone may respond while consultation is open."""
    if not assessment_access.can_respond(None, assessment):
        raise Refused(_("This consultation is not open."))
    if not assessment.themes().filter(pk=theme.pk).exists():
        raise Refused(_("Choose a theme of this self-assessment."))
    if agreement not in Agreement.values:
        raise Refused(_("Choose whether you agree."))
    with transaction.atomic():
        # Officers hear of the first response waiting for them, not of every one after it.
        first_waiting = not assessment.responses.filter(status=ModerationStatus.PENDING).exists()
        response = ConsultationResponse.objects.create(
            assessment=assessment,
            theme=theme,
            agreement=agreement,
            comment=comment.strip(),
            name=name.strip(),
        )
        if first_waiting:
            _email_officers(
                assessment,
                subject=_("Consultation responses are waiting for moderation"),
                text=_(
                    "Residents have responded to the consultation on %(council)s's "
                    "self-assessment %(year)s. Responses show only once an officer has "
                    "moderated them."
                ),
                page="assessment:moderation",
            )
    return response


def _email_officers(assessment: SelfAssessment, *, subject: str, text: str, page: str) -> None:
    """Email the council's officers that something waits for them on a page of its assessment."""
    council = assessment.council
    link = portal_link(reverse(page, args=[council.gss_code, assessment.year]))
    email_send(
        subject=subject,
        body=f"{text % {'council': council.name, 'year': assessment.year}}\n\n{link}",
        to=officer_addresses(council),
    )


def response_moderate(*, user, response: ConsultationResponse, status: str):
    """Show or hide a response; only shown responses are published."""
    if not assessment_access.can_moderate(user, response.assessment):
        raise PermissionDenied("Only the council's officers and sector staff moderate.")
    if not response.assessment.is_editable:
        raise Refused(_("A published self-assessment cannot be changed."))
    if status not in (ModerationStatus.SHOWN, ModerationStatus.HIDDEN):
        raise Refused(_("Choose whether to show or hide the response."))
    with transaction.atomic():
        response.status = status
        response.moderated_by = user
        response.moderated_at = timezone.now()
        response.save()
    return response


def consultation_replies_save(
    *, user, assessment: SelfAssessment, replies: dict[str, str]
) -> list[ConsultationReply]:
    """Save the council's "you said, we did" replies, by theme code; a blank reply removes one.

    Only the council's officers, between the consultation closing and publication.
    """
    if not assessment_access.can_reply(user, assessment):
        raise PermissionDenied("Only the council's officers reply, during scrutiny.")
    themes = {t.code: t for t in assessment.themes()}
    unknown = sorted(set(replies) - set(themes))
    if unknown:
        raise Refused(
            _("These are not themes of this self-assessment: %(codes)s")
            % {"codes": ", ".join(unknown)}
        )
    with transaction.atomic():
        locked = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
        if not assessment_access.can_reply(user, locked):
            raise Refused(_("Replies can only be changed while in scrutiny."))
        saved = []
        for code, text in replies.items():
            text = text.strip()
            if not text:
                ConsultationReply.objects.filter(assessment=locked, theme=themes[code]).delete()
                continue
            reply, _created = ConsultationReply.objects.update_or_create(
                assessment=locked,
                theme=themes[code],
                defaults={"text": text, "written_by": user},
            )
            saved.append(reply)
    return saved


def scrutiny_comment_add(
    *, user, assessment: SelfAssessment, text: str, theme: Theme | None = None
) -> ScrutinyComment:
    """A councillor of the council challenges the assessment while it is in scrutiny."""
    if not assessment_access.can_comment(user, assessment):
        raise PermissionDenied("Only the council's councillors comment, during scrutiny.")
    if not text.strip():
        raise Refused(_("Enter your comment."))
    if theme is not None and not assessment.themes().filter(pk=theme.pk).exists():
        raise Refused(_("Choose a theme of this self-assessment."))
    with transaction.atomic():
        comment = ScrutinyComment.objects.create(
            assessment=assessment, theme=theme, councillor=user, text=text.strip()
        )
        _email_officers(
            assessment,
            subject=_("A councillor has commented on the self-assessment"),
            text=_(
                "A councillor has challenged %(council)s's self-assessment %(year)s in "
                "scrutiny. The council's officers answer it on the scrutiny page."
            ),
            page="assessment:scrutiny",
        )
    return comment


def scrutiny_comment_answer(*, user, comment: ScrutinyComment, response: str) -> ScrutinyComment:
    """The council's officers answer a councillor's comment while scrutiny is open."""
    if not assessment_access.can_answer(user, comment):
        raise PermissionDenied("Only the council's officers answer, during scrutiny.")
    if not response.strip():
        raise Refused(_("Enter the council's response."))
    with transaction.atomic():
        comment.response = response.strip()
        comment.responded_by = user
        comment.responded_at = timezone.now()
        comment.save()
    return comment
