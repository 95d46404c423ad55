import io

import pytest
from django.core.cache import cache
from django.core.management import call_command

from selfreg.assessment import services
from selfreg.assessment.models import AssessmentState, Framework


@pytest.fixture(autouse=True)
def no_response_counts():
    """Consultation responses are counted in the cache (Redis): every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def framework(db):
    call_command("load_frameworks", stdout=io.StringIO())
    return Framework.objects.get(slug="corporate-peer-challenge", version=1)


def judge_all(assessment, user, judgement="good"):
    for ta in assessment.theme_assessments.all():
        services.theme_save(
            user=user,
            theme_assessment=ta,
            judgement=judgement,
            narrative="We do this well.",
            evidence="",
            metric_codes=[],
        )


def advance(assessment, user, to_state):
    """Move an assessment along the cycle to a stage, judging every theme first."""
    order = [
        AssessmentState.CONSULTATION,
        AssessmentState.SCRUTINY,
        AssessmentState.PUBLISHED,
    ]
    judge_all(assessment, user)
    for state in order[: order.index(to_state) + 1]:
        services.assessment_move(user=user, assessment=assessment, to_state=state)
    return assessment


@pytest.fixture
def make_assessment(framework, users, hartlepool):
    def make(year="2025-26", state=AssessmentState.DRAFT, council=None, **kwargs):
        council = council or hartlepool
        officer = users["officer"] if council == hartlepool else users["other_officer"]
        assessment = services.assessment_create(
            user=officer, council=council, year=year, framework=framework, **kwargs
        )
        if state != AssessmentState.DRAFT:
            advance(assessment, officer, state)
        return assessment

    return make
