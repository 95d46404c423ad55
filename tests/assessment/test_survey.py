"""The survey arithmetic and checks: pure, no database."""

import datetime

import pytest

from selfreg.assessment.survey import (
    DONT_KNOW,
    SCALES,
    QuestionSpec,
    Result,
    check_survey,
    interval,
    satisfaction,
    scale_answers,
    survey_problems,
)
from selfreg.stats import wilson_interval

TODAY = datetime.date(2025, 6, 1)
POSITIVE = {"very_satisfied", "fairly_satisfied"}
AREA = QuestionSpec("sat-area", "Satisfaction with the local area", "satisfaction", POSITIVE)
SAFE = QuestionSpec(
    "safe-dark", "Feeling safe after dark", "safety", frozenset({"very_safe", "fairly_safe"})
)
QUESTIONS = {q.code: q for q in (AREA, SAFE)}

# 1,000 people; 50 said don't know, so the base is 950 and 650 of them were satisfied.
AREA_COUNTS = {
    "very_satisfied": 300,
    "fairly_satisfied": 350,
    "neither": 150,
    "fairly_dissatisfied": 100,
    "very_dissatisfied": 50,
    DONT_KNOW: 50,
}


def survey(**changes):
    arguments = {
        "period": "2024-25",
        "fieldwork_start": datetime.date(2024, 9, 2),
        "fieldwork_end": datetime.date(2024, 9, 30),
        "sample_size": 1000,
        "counts": {"sat-area": AREA_COUNTS},
        "questions": QUESTIONS,
        "today": TODAY,
    }
    return {**arguments, **changes}


# --- satisfaction ----------------------------------------------------------------------------


def test_hand_checked_example():
    """650 satisfied of 950 who gave a view: 68.4%, Wilson 95% interval 65.4% to 71.3%.

    By hand, with z = 1.96, p = 650/950 = 0.68421 and n = 950:
    centre = (p + z²/2n) / (1 + z²/n) = 0.68623 / 1.00404 = 0.68347;
    half-width = z √(p(1-p)/n + z²/4n²) / (1 + z²/n) = 0.029628 / 1.00404 = 0.029509;
    so 0.65396 to 0.71298.
    """
    result = satisfaction(AREA_COUNTS, POSITIVE, DONT_KNOW)
    assert result.base == 950
    assert result.percent == pytest.approx(68.421, abs=0.001)
    assert result.low == pytest.approx(65.396, abs=0.001)
    assert result.high == pytest.approx(71.298, abs=0.001)


def test_matches_the_worked_example_in_the_comparison_method_note():
    """docs/method/comparison-statistics.md: 60% of 100 people gives 50.2% to 69.1%."""
    result = satisfaction({"a": 60, "b": 40}, {"a"}, DONT_KNOW)
    assert (round(result.low, 1), round(result.high, 1)) == (50.2, 69.1)


def test_reuses_the_comparisons_wilson_interval():
    result = satisfaction(AREA_COUNTS, POSITIVE, DONT_KNOW)
    low, high = wilson_interval(650 / 950, 950)
    assert (result.low, result.high) == (pytest.approx(low * 100), pytest.approx(high * 100))


def test_dont_know_is_left_out_of_the_base():
    without = satisfaction({**AREA_COUNTS, DONT_KNOW: 0}, POSITIVE, DONT_KNOW)
    with_many = satisfaction({**AREA_COUNTS, DONT_KNOW: 5000}, POSITIVE, DONT_KNOW)
    assert without == with_many
    assert without.base == 950


def test_the_dont_know_answer_is_a_parameter():
    result = satisfaction({"yes": 3, "no": 1, "unsure": 6}, {"yes"}, dont_know="unsure")
    assert (result.percent, result.base) == (75.0, 4)


def test_neither_counts_against():
    result = satisfaction({"very_satisfied": 1, "neither": 1}, POSITIVE, DONT_KNOW)
    assert result.percent == 50.0


def test_everyone_positive_gives_100_with_an_interval_below():
    result = satisfaction({"very_satisfied": 20}, POSITIVE, DONT_KNOW)
    assert result.percent == 100.0
    assert result.high == pytest.approx(100.0)
    assert 80 < result.low < 100


def test_no_one_positive_gives_0_with_an_interval_above():
    result = satisfaction({"very_dissatisfied": 20}, POSITIVE, DONT_KNOW)
    assert result.percent == 0.0
    assert result.low == pytest.approx(0.0, abs=1e-12)
    assert 0 < result.high < 20


@pytest.mark.parametrize("counts", [{}, {DONT_KNOW: 12}, {"very_satisfied": 0}])
def test_no_base_gives_no_figure(counts):
    assert satisfaction(counts, POSITIVE, DONT_KNOW) == Result(None, None, None, 0)


def test_interval_needs_a_base():
    assert interval(50.0, 0) == (None, None)
    low, high = interval(50.0, 100)
    assert low < 50 < high


def test_a_bigger_sample_gives_a_narrower_interval():
    small = satisfaction({"very_satisfied": 6, "neither": 4}, POSITIVE, DONT_KNOW)
    large = satisfaction({"very_satisfied": 600, "neither": 400}, POSITIVE, DONT_KNOW)
    assert small.percent == large.percent == 60.0
    assert large.high - large.low < small.high - small.low


def test_every_scale_has_five_answers_and_dont_know():
    for scale in SCALES:
        answers = scale_answers(scale)
        assert len(answers) == 6
        assert answers[-1] == DONT_KNOW
        assert len(set(answers)) == 6


# --- check_survey ----------------------------------------------------------------------------


def test_a_good_survey_has_no_problems():
    assert check_survey(**survey()) == []


def test_counts_may_add_up_to_fewer_than_took_part():
    """Not everyone answers every question."""
    assert check_survey(**survey(sample_size=1200)) == []


def test_counts_over_the_sample_name_the_question_and_by_how_much():
    problems = check_survey(**survey(sample_size=940))
    assert problems == [
        "Satisfaction with the local area: the counts add up to 1,000, which is 60 more "
        "than the 940 people who took part."
    ]


def test_counts_equal_to_the_sample_are_fine():
    assert check_survey(**survey(sample_size=1000)) == []


def test_each_question_is_checked_on_its_own():
    counts = {"sat-area": AREA_COUNTS, "safe-dark": {"very_safe": 900, "fairly_safe": 200}}
    problems = survey_problems(**survey(counts=counts))
    assert [(p.field, p.message) for p in problems] == [
        (
            "safe-dark",
            "Feeling safe after dark: the counts add up to 1,100, which is 100 more than the "
            "1,000 people who took part.",
        )
    ]


def test_negative_counts_are_refused():
    problems = survey_problems(**survey(counts={"sat-area": {**AREA_COUNTS, "neither": -5}}))
    assert [(p.field, p.answer, p.message) for p in problems] == [
        (
            "sat-area",
            "neither",
            "Satisfaction with the local area: the count for 'Neither satisfied nor "
            "dissatisfied' cannot be negative.",
        )
    ]


def test_fieldwork_cannot_end_before_it_starts():
    problems = check_survey(
        **survey(
            fieldwork_start=datetime.date(2024, 9, 30), fieldwork_end=datetime.date(2024, 9, 2)
        )
    )
    assert problems == ["The fieldwork must end on or after the day it started."]


def test_fieldwork_may_be_one_day():
    day = datetime.date(2024, 9, 2)
    assert check_survey(**survey(fieldwork_start=day, fieldwork_end=day)) == []


def test_dates_in_the_future_are_refused():
    problems = check_survey(
        **survey(
            period="2025-26",
            fieldwork_start=datetime.date(2025, 6, 2),
            fieldwork_end=datetime.date(2025, 6, 30),
        )
    )
    assert problems == [
        "The date the fieldwork started must be today or in the past.",
        "The date the fieldwork ended must be today or in the past.",
    ]


def test_fieldwork_ending_today_is_fine():
    assert (
        check_survey(
            **survey(
                period="2025-26",
                fieldwork_start=datetime.date(2025, 5, 1),
                fieldwork_end=TODAY,
            )
        )
        == []
    )


def test_missing_dates_are_refused():
    problems = check_survey(**survey(fieldwork_start=None, fieldwork_end=None))
    assert problems == [
        "Enter the date the fieldwork started.",
        "Enter the date the fieldwork ended.",
    ]


@pytest.mark.parametrize("period", ["2024", "2024-25 Q2", "2023-26"])
def test_the_period_must_be_a_financial_year(period):
    problems = survey_problems(**survey(period=period))
    assert [p.field for p in problems] == ["period"]
    assert "financial year" in problems[0].message


def test_a_period_that_is_not_a_period_says_why():
    problems = check_survey(**survey(period="last year"))
    assert problems == ["'last year' is not a recognised period label. " + EXAMPLES]


EXAMPLES = "Use 2019, 2019-20, 2019-20 Q1 or 2019-22."


def test_the_fieldwork_must_end_in_the_financial_year():
    problems = check_survey(**survey(period="2023-24"))
    assert problems == ["The fieldwork ended on 30 September 2024, which is not in 2023-24."]


@pytest.mark.parametrize("sample_size", [0, -3])
def test_the_sample_must_be_at_least_one(sample_size):
    problems = check_survey(**survey(sample_size=sample_size))
    assert problems == ["The number of people who took part must be 1 or more."]


def test_a_missing_sample_size_is_refused():
    assert check_survey(**survey(sample_size=None)) == ["Enter the number of people who took part."]


def test_unknown_questions_and_answers_are_refused():
    problems = check_survey(
        **survey(counts={"sat-area": {**AREA_COUNTS, "delighted": 3}, "parking": {"yes": 1}})
    )
    assert problems == [
        "Satisfaction with the local area has no answer 'delighted'.",
        "There is no survey question with the code 'parking'.",
    ]


def test_a_question_answered_only_dont_know_gives_no_percentage():
    problems = check_survey(**survey(counts={"sat-area": {DONT_KNOW: 40}}))
    assert problems == [
        "Satisfaction with the local area: everyone who answered said don't know, so no "
        "percentage can be worked out."
    ]


def test_a_percentage_over_100_is_refused():
    """A question set that wrongly counted don't know as positive would go over 100%."""
    wrong = QuestionSpec(
        "sat-area",
        "Satisfaction with the local area",
        "satisfaction",
        frozenset({"very_satisfied", DONT_KNOW}),
    )
    counts = {"sat-area": {"very_satisfied": 10, DONT_KNOW: 90}}
    problems = check_survey(**survey(questions={"sat-area": wrong}, counts=counts))
    assert problems == [
        "Satisfaction with the local area: the percentage works out at 1000.0%, which is over 100%."
    ]


def test_a_survey_with_no_counts_is_refused():
    assert check_survey(**survey(counts={})) == [
        "Enter the counts of answers for at least one question."
    ]
    assert check_survey(**survey(counts={"sat-area": dict.fromkeys(AREA_COUNTS, 0)})) == [
        "Enter the counts of answers for at least one question."
    ]


def test_every_problem_is_listed_at_once():
    problems = survey_problems(
        **survey(
            period="2024",
            fieldwork_start=datetime.date(2025, 7, 1),
            fieldwork_end=datetime.date(2025, 6, 30),
            sample_size=100,
            counts={"sat-area": {**AREA_COUNTS, "neither": -1}},
        )
    )
    assert [p.field for p in problems] == [
        "period",
        "fieldwork_start",
        "fieldwork_end",
        "fieldwork_end",
        "sat-area",
        "sat-area",
    ]
