"""The resident perception survey: answer scales, % satisfied and its interval, and the checks.

Pure: no database and no request. The question set itself is data
(`selfreg/assessment/data/survey_questions.csv`); what is here is what a question refers to
(its answer scale) and the arithmetic, so that a council can check every figure by hand
(`docs/method/resident-survey.md`).

The rule for "% satisfied" (or % agreeing, % informed, % safe): the number giving one of the
two positive answers, divided by everyone who answered the question except those who said
"don't know", times 100. The 95% interval is the Wilson score interval on that base, the
same one the comparisons use.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from benchmarking.periods import FINANCIAL_YEAR, PeriodError, parse_period
from selfreg.stats import wilson_interval

DONT_KNOW = "dont_know"

# Each scale: its answers in the order a questionnaire lists them, most positive first.
# The codes are stored with every count, so they must never change once used.
SCALES: dict[str, tuple[tuple[str, str], ...]] = {
    "satisfaction": (
        ("very_satisfied", _("Very satisfied")),
        ("fairly_satisfied", _("Fairly satisfied")),
        ("neither", _("Neither satisfied nor dissatisfied")),
        ("fairly_dissatisfied", _("Fairly dissatisfied")),
        ("very_dissatisfied", _("Very dissatisfied")),
        (DONT_KNOW, _("Don't know")),
    ),
    "agreement": (
        ("strongly_agree", _("Strongly agree")),
        ("tend_to_agree", _("Tend to agree")),
        ("neither", _("Neither agree nor disagree")),
        ("tend_to_disagree", _("Tend to disagree")),
        ("strongly_disagree", _("Strongly disagree")),
        (DONT_KNOW, _("Don't know")),
    ),
    "informed": (
        ("very_well_informed", _("Very well informed")),
        ("fairly_well_informed", _("Fairly well informed")),
        ("neither", _("Neither well informed nor poorly informed")),
        ("not_very_well_informed", _("Not very well informed")),
        ("not_informed_at_all", _("Not well informed at all")),
        (DONT_KNOW, _("Don't know")),
    ),
    "trust": (
        ("great_deal", _("A great deal")),
        ("fair_amount", _("A fair amount")),
        ("neither", _("Neither trust nor distrust")),
        ("not_very_much", _("Not very much")),
        ("not_at_all", _("Not at all")),
        (DONT_KNOW, _("Don't know")),
    ),
    "safety": (
        ("very_safe", _("Very safe")),
        ("fairly_safe", _("Fairly safe")),
        ("neither", _("Neither safe nor unsafe")),
        ("fairly_unsafe", _("Fairly unsafe")),
        ("very_unsafe", _("Very unsafe")),
        (DONT_KNOW, _("Don't know")),
    ),
}


def scale_answers(scale: str) -> list[str]:
    """The answer codes of a scale, in questionnaire order."""
    return [code for code, _label in SCALES[scale]]


@dataclass(frozen=True)
class QuestionSpec:
    """What the checks need to know of a question: its scale and its positive answers."""

    code: str
    name: str  # a short name for messages, such as "Feeling safe after dark"
    scale: str
    positive: frozenset[str]


@dataclass(frozen=True)
class Result:
    """% giving a positive answer, its 95% interval, and the base it is out of.

    `percent`, `low` and `high` are None when the base is 0 (everyone said don't know).
    """

    percent: float | None
    low: float | None
    high: float | None
    base: int


def interval(percent: float, base: float) -> tuple[float | None, float | None]:
    """The 95% Wilson interval, in percentage points, around a percentage out of `base`."""
    low, high = wilson_interval(percent / 100, base)
    low, high = float(low), float(high)
    if math.isnan(low) or math.isnan(high):
        return None, None
    return low * 100, high * 100


def satisfaction(counts: Mapping[str, int], positive: set, dont_know: str = DONT_KNOW) -> Result:
    """% of respondents giving a positive answer, excluding those who answered don't know."""
    base = sum(count for answer, count in counts.items() if answer != dont_know)
    if base <= 0:
        return Result(None, None, None, max(base, 0))
    favourable = sum(count for answer, count in counts.items() if answer in positive)
    percent = 100 * favourable / base
    low, high = interval(percent, base)
    return Result(percent, low, high, base)


@dataclass(frozen=True)
class Problem:
    """A reason a survey is refused. `field` says what it is about: a form field name, a
    question code (with `answer` for one count), or "" for the survey as a whole."""

    field: str
    message: str
    answer: str = ""

    def __str__(self) -> str:
        return self.message


def survey_problems(
    *,
    period: str,
    fieldwork_start: datetime.date | None,
    fieldwork_end: datetime.date | None,
    sample_size: int | None,
    counts: Mapping[str, Mapping[str, int]],
    questions: Mapping[str, QuestionSpec],
    today: datetime.date,
) -> list[Problem]:
    """Every reason the survey cannot be recorded, each tied to what it is about."""
    parsed, problems = _period_problems(period)
    problems += _fieldwork_problems(fieldwork_start, fieldwork_end, parsed, today)
    if sample_size is None:
        problems.append(Problem("sample_size", _("Enter the number of people who took part.")))
    elif sample_size < 1:
        message = _("The number of people who took part must be 1 or more.")
        problems.append(Problem("sample_size", str(message)))
    answered_any = False
    for code, answers in counts.items():
        question = questions.get(code)
        if question is None:
            message = _("There is no survey question with the code '%(code)s'.") % {"code": code}
            problems.append(Problem("", str(message)))
            continue
        found, answered = _question_problems(code, answers, question, sample_size)
        problems += found
        answered_any = answered_any or answered > 0
    if not answered_any and not any(p.field in counts for p in problems):
        problems.append(Problem("", _("Enter the counts of answers for at least one question.")))
    return problems


def _period_problems(period: str):
    """The survey's year as parsed (None unless it is a financial year), and its problems."""
    try:
        parsed = parse_period(period)
    except PeriodError as error:
        return None, [Problem("period", str(error))]
    if parsed.kind != FINANCIAL_YEAR:
        message = _("Enter the financial year of the fieldwork, for example 2024-25.")
        return None, [Problem("period", str(message))]
    return parsed, []


def _fieldwork_problems(start, end, parsed, today: datetime.date) -> list[Problem]:
    """The fieldwork dates: given, not in the future, in order, and ending in the year."""
    problems: list[Problem] = []

    def add(field: str, message) -> None:
        problems.append(Problem(field, str(message)))

    if start is None:
        add("fieldwork_start", _("Enter the date the fieldwork started."))
    elif start > today:
        add("fieldwork_start", _("The date the fieldwork started must be today or in the past."))
    if end is None:
        add("fieldwork_end", _("Enter the date the fieldwork ended."))
    elif end > today:
        add("fieldwork_end", _("The date the fieldwork ended must be today or in the past."))
    if start and end and end < start:
        add("fieldwork_end", _("The fieldwork must end on or after the day it started."))
    if parsed and end and not parsed.start <= end <= parsed.end:
        add(
            "period",
            _("The fieldwork ended on %(end)s, which is not in %(period)s.")
            % {"end": _day(end), "period": parsed.label},
        )
    return problems


def _question_problems(
    code: str, answers: Mapping[str, int], question: QuestionSpec, sample_size: int | None
) -> tuple[list[Problem], int]:
    """One question's counts: answers its scale has, none negative, no more than the people
    who took part, and a percentage that can be worked out. Also how many answered."""
    problems: list[Problem] = []

    def add(message, answer: str = "") -> None:
        problems.append(Problem(code, str(message), answer))

    allowed = scale_answers(question.scale)
    for answer, count in answers.items():
        if answer not in allowed:
            add(
                _("%(question)s has no answer '%(answer)s'.")
                % {"question": question.name, "answer": answer}
            )
        elif count < 0:
            add(
                _("%(question)s: the count for '%(answer)s' cannot be negative.")
                % {"question": question.name, "answer": _label(question.scale, answer)},
                answer,
            )
    valid = {a: c for a, c in answers.items() if a in allowed and c >= 0}
    answered = sum(valid.values())
    if answered == 0:
        return problems, 0
    if sample_size is not None and sample_size >= 1 and answered > sample_size:
        add(
            _(
                "%(question)s: the counts add up to %(answered)s, which is %(over)s "
                "more than the %(sample)s people who took part."
            )
            % {
                "question": question.name,
                "answered": f"{answered:,}",
                "over": f"{answered - sample_size:,}",
                "sample": f"{sample_size:,}",
            }
        )
    result = satisfaction(valid, set(question.positive))
    if result.percent is None:
        add(
            _(
                "%(question)s: everyone who answered said don't know, "
                "so no percentage can be worked out."
            )
            % {"question": question.name}
        )
    elif result.percent > 100:
        add(
            _("%(question)s: the percentage works out at %(percent)s, which is over 100%%.")
            % {"question": question.name, "percent": f"{result.percent:.1f}%"}
        )
    return problems, answered


def check_survey(**kwargs) -> list[str]:
    """Every reason the survey cannot be recorded, in plain words; empty if it is fine.

    Takes the same keyword arguments as `survey_problems`.
    """
    return [problem.message for problem in survey_problems(**kwargs)]


def _label(scale: str, answer: str) -> str:
    return str(dict(SCALES[scale]).get(answer, answer))


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"
