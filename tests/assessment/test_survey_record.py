"""Recording a resident survey: the question set, the service, and its pages."""

import datetime
import io
import re

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from benchmarking.models import (
    ComparisonStatistic,
    Element,
    Metric,
    SharingChoice,
    Source,
    Value,
)
from benchmarking.selectors import comparison_councils
from benchmarking.services import comparisons_recompute, values_import
from selfreg.assessment.models import Survey, SurveyAnswerCount, SurveyQuestion, WordingStatus
from selfreg.assessment.services import SurveyProblems, survey_record
from selfreg.models import Visibility
from tests.conftest import HARTLEPOOL, ROLE_NAMES

pytestmark = pytest.mark.django_db

AREA = {
    "very_satisfied": 300,
    "fairly_satisfied": 350,
    "neither": 150,
    "fairly_dissatisfied": 100,
    "very_dissatisfied": 50,
    "dont_know": 50,
}
SAFE = {"very_safe": 400, "fairly_safe": 300, "fairly_unsafe": 200, "dont_know": 100}


@pytest.fixture
def questions(db):
    call_command("load_survey_questions", stdout=io.StringIO())
    return {q.code: q for q in SurveyQuestion.objects.all()}


def record(user, council, **changes):
    arguments = {
        "user": user,
        "council": council,
        "period": "2024-25",
        "fieldwork_start": datetime.date(2024, 9, 2),
        "fieldwork_end": datetime.date(2024, 9, 30),
        "method": "online",
        "sample_size": 1000,
        "weighting_note": "Weighted by age and sex.",
        "counts": {"sat-area": AREA, "safe-dark": SAFE},
    }
    return survey_record(**{**arguments, **changes})


# --- the question set ------------------------------------------------------------------------


def test_loading_questions_creates_them_and_their_perception_metrics(questions):
    assert set(questions) == {
        "sat-area",
        "sat-council",
        "vfm",
        "informed",
        "acts-on-concerns",
        "trust",
        "safe-dark",
    }
    metrics = Metric.objects.filter(code__in=[q.metric_code for q in questions.values()])
    assert metrics.count() == 7
    for metric in metrics:
        assert (metric.element, metric.unit, metric.polarity, metric.decimals) == (
            Element.PERCEPTION,
            "%",
            "higher_better",
            1,
        )
        assert metric.definition.startswith(
            "% of respondents giving one of the two positive answers, excluding those who "
            "answered don't know."
        )
        assert metric.source == "Council's own resident survey recorded in the portal"


def test_the_two_standard_questions_keep_their_standard_wording(questions):
    standard = {q.code: q.text for q in questions.values() if q.wording_status == "standard"}
    assert standard == {
        "sat-area": "Overall, how satisfied or dissatisfied are you with your local area as a "
        "place to live?",
        "sat-council": "Overall, how satisfied or dissatisfied are you with the way [council] "
        "runs things?",
    }
    assert all(
        q.wording_status == WordingStatus.PORTAL
        for code, q in questions.items()
        if code not in standard
    )


def test_loading_questions_again_changes_nothing(questions):
    out = io.StringIO()
    call_command("load_survey_questions", stdout=out)
    assert "Metrics: 0 created, 0 updated, 7 unchanged." in out.getvalue()
    assert SurveyQuestion.objects.count() == 7
    assert all(m.history.count() == 1 for m in Metric.objects.all())


def test_a_bad_question_file_loads_nothing(tmp_path, db):
    from django.core.management.base import CommandError

    path = tmp_path / "q.csv"
    path.write_text(
        "code,short_name,text,scale,positive_answers,wording_status,metric_code,metric_title\n"
        "x,X,Text?,satisfaction,very_satisfied|dont_know,standard,resident-x,X\n"
    )
    with pytest.raises(CommandError, match="positive_answers"):
        call_command("load_survey_questions", str(path), stdout=io.StringIO())
    assert not SurveyQuestion.objects.exists()
    assert not Metric.objects.exists()


# --- the service -----------------------------------------------------------------------------


def test_recording_writes_the_counts_and_the_perception_values(questions, users, hartlepool):
    survey = record(users["officer"], hartlepool)
    assert survey.recorded_by == users["officer"]
    assert survey.status == "recorded"
    assert SurveyAnswerCount.objects.filter(survey=survey).count() == 10
    values = {v.metric.code: v for v in Value.objects.select_related("metric")}
    assert set(values) == {"resident-sat-area", "resident-safe-dark"}
    area = values["resident-sat-area"]
    assert area.value == pytest.approx(100 * 650 / 950)
    assert area.sample_size == 950
    assert area.period == "2024-25"
    assert area.source == Source.FORM
    assert area.submitted_by == users["officer"]
    assert area.visibility == Visibility.PUBLIC
    assert area.note == "Resident survey 2 September 2024 to 30 September 2024, online"
    assert values["resident-safe-dark"].value == pytest.approx(100 * 700 / 900)
    assert values["resident-safe-dark"].sample_size == 900


def test_results_appear_on_the_council_dashboard_with_an_interval(
    questions, users, hartlepool, client
):
    record(users["officer"], hartlepool)
    # Four other councils' figures, so that Hartlepool has a group median to differ from.
    rows = [
        {
            "gss_code": gss,
            "metric_code": "resident-sat-area",
            "period": "2024-25",
            "value": 50 + i,
            "sample_size": 500,
        }
        for i, gss in enumerate(["E06000002", "E06000003", "E06000004", "E06000005"])
    ]
    values_import(frame=pd.DataFrame(rows), source=Source.UPLOAD, recompute=False)
    comparisons_recompute()

    response = client.get(f"/benchmarking/councils/{HARTLEPOOL}/")
    assert response.status_code == 200
    perception = [s for s in response.context["sections"] if s.element == Element.PERCEPTION]
    assert {r.metric.code for r in perception[0].rows} == {
        "resident-safe-dark",
        "resident-sat-area",
    }
    statistic = ComparisonStatistic.objects.get(
        metric__code="resident-sat-area", group="all", audience="public"
    )
    [position] = [p for p in comparison_councils(statistic) if p["gss_code"] == HARTLEPOOL]
    assert position["ci_low"] == pytest.approx(65.396, abs=0.001)
    assert position["ci_high"] == pytest.approx(71.298, abs=0.001)
    assert position["significant"] is True  # the median, 52%, is well below 65.4%


def test_a_refused_survey_writes_nothing_and_lists_every_problem(questions, users, hartlepool):
    with pytest.raises(SurveyProblems) as raised:
        record(
            users["officer"],
            hartlepool,
            sample_size=900,
            fieldwork_end=datetime.date(2024, 8, 1),
            method="carrier pigeon",
        )
    assert [str(p) for p in raised.value.problems] == [
        "The fieldwork must end on or after the day it started.",
        "Satisfaction with the local area: the counts add up to 1,000, which is 100 more "
        "than the 900 people who took part.",
        "Feeling safe after dark: the counts add up to 1,000, which is 100 more than the 900 "
        "people who took part.",
        "Choose how the survey was done.",
    ]
    assert isinstance(raised.value, ValueError)
    assert not Survey.objects.exists()
    assert not SurveyAnswerCount.objects.exists()
    assert not Value.objects.exists()


def test_a_survey_refused_by_benchmarking_writes_nothing(questions, users, hartlepool):
    """Hartlepool's current register entry starts in 2005: benchmarking refuses 2003-04."""
    with pytest.raises(SurveyProblems, match="did not exist in 2003-04"):
        record(
            users["officer"],
            hartlepool,
            period="2003-04",
            fieldwork_start=datetime.date(2003, 9, 1),
            fieldwork_end=datetime.date(2003, 9, 30),
        )
    assert not Survey.objects.exists()
    assert not SurveyAnswerCount.objects.exists()
    assert not Value.objects.exists()


@pytest.mark.parametrize("role", ["councillor", "other_officer", "peer", "provider"])
def test_only_officers_and_sector_staff_may_record(questions, users, hartlepool, role):
    with pytest.raises(PermissionDenied):
        record(users[role], hartlepool)
    assert not Survey.objects.exists()
    assert not Value.objects.exists()


def test_sector_staff_may_record_for_any_council(questions, users, darlington):
    record(users["sector_staff"], darlington)
    assert Value.objects.filter(council=darlington).count() == 2


def test_recording_again_replaces_the_counts_and_keeps_history(questions, users, hartlepool):
    record(users["officer"], hartlepool)
    survey = record(
        users["sector_staff"],
        hartlepool,
        sample_size=1100,
        counts={"sat-area": {**AREA, "very_satisfied": 400}},
    )
    assert Survey.objects.count() == 1
    assert survey.history.count() == 2
    assert survey.sample_size == 1100
    counts = dict(survey.counts.filter(question__code="sat-area").values_list("answer", "count"))
    assert counts == {**AREA, "very_satisfied": 400}
    assert not survey.counts.filter(question__code="safe-dark").exists()
    area = Value.objects.get(metric__code="resident-sat-area")
    assert area.value == pytest.approx(100 * 750 / 1050)
    assert area.sample_size == 1050
    assert [h.value for h in area.history.order_by("history_date")] == [
        pytest.approx(100 * 650 / 950),
        pytest.approx(100 * 750 / 1050),
    ]
    # The question left out this time no longer has a result, and its removal is on record.
    assert not Value.objects.filter(metric__code="resident-safe-dark").exists()
    assert Value.history.filter(metric__code="resident-safe-dark", history_type="-").exists()


def test_recording_the_same_survey_twice_changes_no_value(questions, users, hartlepool):
    record(users["officer"], hartlepool)
    record(users["officer"], hartlepool)
    assert all(v.history.count() == 1 for v in Value.objects.all())


def test_the_councils_sharing_choice_applies(questions, users, hartlepool):
    SharingChoice.objects.create(
        council=hartlepool, element=Element.PERCEPTION, visibility=Visibility.COUNCIL
    )
    record(users["officer"], hartlepool)
    assert set(Value.objects.values_list("visibility", flat=True)) == {Visibility.COUNCIL}


# --- the pages -------------------------------------------------------------------------------

NEW = reverse("assessment:survey_new", args=[HARTLEPOOL])
LIST = reverse("assessment:survey_list", args=[HARTLEPOOL])
FORM_ALLOWED = {
    "anonymous": "login",
    "officer": 200,
    "councillor": 403,
    "other_officer": 403,
    "sector_staff": 200,
    "peer": 403,
    "provider": 403,
    "political_lead": 403,
}


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_who_may_open_the_survey_form(questions, users, client_for, role):
    response = client_for(users[role]).get(NEW)
    if FORM_ALLOWED[role] == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == FORM_ALLOWED[role]


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_who_may_post_a_survey(questions, users, client_for, role):
    response = client_for(users[role]).post(NEW, form_data())
    expected = FORM_ALLOWED[role]
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    elif expected == 200:
        assert response.status_code == 302
        assert response.url == LIST
    else:
        assert response.status_code == 403
    assert Survey.objects.exists() is (expected == 200)


def form_data(**changes):
    data = {
        "period": "2024-25",
        "fieldwork_start_0": "2",
        "fieldwork_start_1": "9",
        "fieldwork_start_2": "2024",
        "fieldwork_end_0": "30",
        "fieldwork_end_1": "9",
        "fieldwork_end_2": "2024",
        "method": "telephone",
        "sample_size": "1000",
        "weighting_note": "",
        **{f"count__sat-area__{answer}": str(count) for answer, count in AREA.items()},
    }
    return {**data, **changes}


def test_the_form_records_a_survey_and_the_list_shows_it(questions, users, client_for):
    client = client_for(users["officer"])
    response = client.post(NEW, form_data(), follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    text = response.content.decode()
    assert "Survey recorded for Hartlepool, 2024-25." in text
    assert "68.4%" in text
    assert "65.4% to 71.3%" in text
    assert "950" in text
    value = Value.objects.get()
    assert value.note == "Resident survey 2 September 2024 to 30 September 2024, telephone"


def test_the_form_lists_every_problem_and_writes_nothing(questions, users, client_for):
    response = client_for(users["officer"]).post(
        NEW,
        form_data(
            sample_size="900",
            **{"count__sat-area__neither": "-3", "fieldwork_end_2": "2023"},
        ),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert re.search(r"<title>\s*Error: Record a resident survey for Hartlepool", text)
    summary = text[text.index('class="govuk-error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    assert "The fieldwork must end on or after the day it started." in summary
    assert "cannot be negative" in summary
    assert 'href="#id_count__sat-area__neither"' in summary
    assert not Survey.objects.exists()
    assert not Value.objects.exists()


def test_counts_over_the_sample_are_shown_against_the_question(questions, users, client_for):
    response = client_for(users["officer"]).post(NEW, form_data(sample_size="999"))
    assert response.status_code == 400
    text = response.content.decode()
    assert (
        "Satisfaction with the local area: the counts add up to 1,000, which is 1 more than "
        "the 999 people who took part." in text
    )
    assert 'href="#id_count__sat-area__very_satisfied"' in text


def test_form_field_errors_are_plain(questions, users, client_for):
    response = client_for(users["officer"]).post(
        NEW, form_data(sample_size="lots", method="", **{"fieldwork_start_0": ""})
    )
    text = response.content.decode()
    assert "Enter how many people took part as a whole number" in text
    assert "Choose how the survey was done" in text
    assert "Enter the day, month and year the fieldwork started" in text


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_everyone_may_read_public_results(questions, users, hartlepool, client_for, role):
    record(users["officer"], hartlepool)
    response = client_for(users[role]).get(LIST)
    assert response.status_code == 200
    assert "68.4%" in response.content.decode()


def test_results_shared_only_with_the_council_are_hidden_from_others(
    questions, users, hartlepool, client_for
):
    SharingChoice.objects.create(
        council=hartlepool, element=Element.PERCEPTION, visibility=Visibility.COUNCIL
    )
    record(users["officer"], hartlepool)
    for role in ("anonymous", "other_officer", "sector_staff"):
        text = client_for(users[role]).get(LIST).content.decode()
        assert "68.4%" not in text
        assert "There are no survey results you can see for this council." in text
    for role in ("officer", "councillor"):
        assert "68.4%" in client_for(users[role]).get(LIST).content.decode()


def test_the_index_links_the_survey_lists(questions, users, hartlepool, client_for):
    record(users["officer"], hartlepool)
    text = client_for(None).get(reverse("assessment:index")).content.decode()
    assert f'href="{LIST}"' in text
    officer_text = client_for(users["other_officer"]).get(reverse("assessment:index"))
    darlington = reverse("assessment:survey_list", args=["E06000005"])
    assert f'href="{darlington}"' in officer_text.content.decode()
