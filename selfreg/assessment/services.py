"""Writes for self-assessment: recording a resident survey and its results."""

from __future__ import annotations

import datetime

import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benchmarking.models import Source, Value
from benchmarking.periods import parse_period
from benchmarking.services import values_import
from benchmarking.validation import FileProblems
from selfreg import access
from selfreg.assessment.models import (
    Survey,
    SurveyAnswerCount,
    SurveyMethod,
    SurveyQuestion,
    SurveyStatus,
)
from selfreg.assessment.survey import Problem, QuestionSpec, satisfaction, survey_problems


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
    a question left out this time loses its value. Raises PermissionError if the user may not
    submit for the council and SurveyProblems listing every problem; either way nothing is
    written.
    """
    if not access.can_submit_for(user, council):
        raise PermissionError("You cannot record a survey for this council.")
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
                "note": survey_note(fieldwork_start, fieldwork_end, method),
            }
        )
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
            _values_remove(survey, dropped)
    except FileProblems as error:
        raise SurveyProblems([Problem("", p.message) for p in error.problems]) from error
    return survey


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


def _values_remove(survey: Survey, metric_codes: list[str]) -> None:
    """A question recorded last time but not this time no longer has a result."""
    if not metric_codes:
        return
    stale = list(
        Value.objects.filter(
            council=survey.council, period=survey.period, metric__code__in=metric_codes
        )
    )
    for value in stale:
        value.delete()  # one at a time, so that each deletion is kept in the history
    if stale:
        pairs = sorted({(v.metric_id, v.period) for v in stale})
        transaction.on_commit(lambda: _recompute(pairs))


def _recompute(pairs: list[tuple[int, str]]) -> None:
    from benchmarking.tasks import comparisons_recompute_task

    comparisons_recompute_task.delay(pairs=[list(p) for p in pairs])
