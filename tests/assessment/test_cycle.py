"""The yearly cycle: who may do each thing, the order of stages, and what publication freezes."""

import pytest
from django.core.exceptions import PermissionDenied

from selfreg.assessment import services
from selfreg.assessment.models import (
    Agreement,
    AssessmentState,
    ModerationStatus,
    Transition,
)
from selfreg.refusals import Refused
from tests.assessment.conftest import judge_all

D, C, S, P = (
    AssessmentState.DRAFT,
    AssessmentState.CONSULTATION,
    AssessmentState.SCRUTINY,
    AssessmentState.PUBLISHED,
)
ALLOWED, REFUSED = "allowed", "refused"
# Every step and every role: only the council's own officers move its assessment.
MOVES = [(D, C), (C, S), (S, P)]
MOVERS = {"officer"}


@pytest.mark.parametrize(("from_state", "to_state"), MOVES)
@pytest.mark.parametrize(
    "role",
    ["anonymous", "officer", "councillor", "other_officer", "sector_staff", "peer", "provider"],
)
def test_who_may_move_each_step(make_assessment, users, role, from_state, to_state):
    assessment = make_assessment(state=from_state)
    judge_all(assessment, users["officer"])
    user = users[role]
    if role in MOVERS:
        services.assessment_move(user=user, assessment=assessment, to_state=to_state)
        assessment.refresh_from_db()
        assert assessment.state == to_state
        last = assessment.transitions.last()
        assert (last.from_state, last.to_state, last.by) == (from_state, to_state, user)
    else:
        with pytest.raises(PermissionDenied):
            services.assessment_move(user=user, assessment=assessment, to_state=to_state)
        assessment.refresh_from_db()
        assert assessment.state == from_state


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [(D, S), (D, P), (C, P), (C, D), (S, C), (P, AssessmentState.ARCHIVED), (P, D)],
)
def test_no_skipping_or_going_back(make_assessment, users, from_state, to_state):
    assessment = make_assessment(state=from_state)
    with pytest.raises(PermissionDenied):
        services.assessment_move(user=users["officer"], assessment=assessment, to_state=to_state)


def test_every_transition_is_recorded(make_assessment, users):
    assessment = make_assessment(state=P)
    assert list(assessment.transitions.values_list("from_state", "to_state")) == [
        ("", D),
        (D, C),
        (C, S),
        (S, P),
    ]
    assert assessment.published_at is not None


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("officer", True),
        ("councillor", False),
        ("other_officer", False),
        ("sector_staff", True),
        ("peer", False),
        ("provider", False),
    ],
)
def test_who_may_start_an_assessment(framework, users, hartlepool, role, allowed):
    def create():
        return services.assessment_create(
            user=users[role], council=hartlepool, year="2025-26", framework=framework
        )

    if allowed:
        assessment = create()
        assert assessment.state == D
        assert assessment.theme_assessments.count() == 5
    else:
        with pytest.raises(PermissionDenied):
            create()


def test_start_checks_the_year_and_the_optional_themes(framework, users, hartlepool):
    officer = users["officer"]
    for year in ["2025", "2025-27", "spring"]:
        with pytest.raises(Refused):
            services.assessment_create(user=officer, council=hartlepool, year=year)
    with pytest.raises(Refused, match="not optional themes"):
        services.assessment_create(
            user=officer, council=hartlepool, year="2025-26", optional_theme_codes=["leadership"]
        )
    assessment = services.assessment_create(
        user=officer,
        council=hartlepool,
        year="2025-26",
        optional_theme_codes=["productivity", "community-safety"],
    )
    assert assessment.theme_assessments.count() == 7
    with pytest.raises(Refused, match="already has"):
        services.assessment_create(user=officer, council=hartlepool, year="2025-26")
    # Full-width digits are the same year, not a second assessment beside it.
    with pytest.raises(Refused, match="already has"):
        services.assessment_create(user=officer, council=hartlepool, year="２０２５-２６")
    with pytest.raises(Refused, match="not a recognised period"):
        services.assessment_create(user=officer, council=hartlepool, year="٢٠٢٥-٢٦")


@pytest.mark.parametrize(
    ("from_state", "to_state", "words"),
    [(D, C, "before opening the consultation"), (S, P, "before publishing")],
)
def test_opening_the_consultation_and_publishing_need_every_core_theme_judged(
    make_assessment, users, from_state, to_state, words
):
    """Residents are asked whether they agree with each judgement, so the consultation opens
    only once every core theme has one; the refusal names the themes left and moves nothing."""
    assessment = make_assessment(state=from_state, optional_theme_codes=["productivity"])
    officer = users["officer"]
    core = list(assessment.theme_assessments.filter(theme__optional=False).order_by("theme__order"))
    for ta, judgement in zip(core, ["", "good", "good", "", "good"], strict=True):
        services.theme_save(
            user=officer,
            theme_assessment=ta,
            judgement=judgement,
            narrative="",
            evidence="",
            metric_codes=[],
        )
    services.theme_save(
        user=officer,
        theme_assessment=assessment.theme_assessments.get(theme__code="productivity"),
        judgement="",
        narrative="",
        evidence="",
        metric_codes=[],
    )
    with pytest.raises(Refused) as refused:
        services.assessment_move(user=officer, assessment=assessment, to_state=to_state)
    assert str(refused.value) == (
        f"Give a judgement for every core theme {words}: "
        "Local priorities and outcomes; Financial planning and management"
    )
    assessment.refresh_from_db()
    assert assessment.state == from_state
    assert assessment.transitions.last().to_state == from_state
    for ta in (core[0], core[3]):
        services.theme_save(
            user=officer,
            theme_assessment=ta,
            judgement="weak",
            narrative="",
            evidence="",
            metric_codes=[],
        )
    # The optional theme left unjudged does not hold the move up.
    services.assessment_move(user=officer, assessment=assessment, to_state=to_state)
    assert assessment.state == to_state


def test_a_published_assessment_cannot_be_changed(make_assessment, users):
    assessment = make_assessment(state=P)
    ta = assessment.theme_assessments.first()
    with pytest.raises(Refused, match="cannot be changed"):
        services.theme_save(
            user=users["officer"],
            theme_assessment=ta,
            judgement="weak",
            narrative="Changed",
            evidence="",
            metric_codes=[],
        )
    ta.refresh_from_db()
    assert (ta.judgement, ta.narrative) == ("good", "We do this well.")
    with pytest.raises(PermissionDenied):
        services.assessment_move(user=users["officer"], assessment=assessment, to_state=D)


def test_theme_save_checks_judgement_metrics_and_who(make_assessment, users):
    assessment = make_assessment()
    ta = assessment.theme_assessments.first()
    kwargs = {"theme_assessment": ta, "narrative": "", "evidence": ""}
    with pytest.raises(Refused, match="scale"):
        services.theme_save(user=users["officer"], judgement="superb", metric_codes=[], **kwargs)
    with pytest.raises(Refused, match="NO-SUCH"):
        services.theme_save(
            user=users["officer"], judgement="good", metric_codes=["NO-SUCH"], **kwargs
        )
    for role in ["councillor", "other_officer", "sector_staff", "peer", "anonymous"]:
        with pytest.raises(PermissionDenied):
            services.theme_save(user=users[role], judgement="good", metric_codes=[], **kwargs)
    ta.refresh_from_db()
    assert ta.judgement == ""
    assert ta.history.count() == 1


def test_publishing_a_new_year_archives_the_previous_one(make_assessment, users, darlington):
    old = make_assessment(year="2024-25", state=P)
    other_council = make_assessment(year="2024-25", state=P, council=darlington)
    new = make_assessment(year="2025-26", state=S)
    judge_all(new, users["officer"])
    services.assessment_move(user=users["officer"], assessment=new, to_state=P)
    old.refresh_from_db()
    other_council.refresh_from_db()
    assert old.state == AssessmentState.ARCHIVED
    assert other_council.state == P  # another council's is untouched
    assert Transition.objects.filter(
        assessment=old, from_state=P, to_state=AssessmentState.ARCHIVED, by=users["officer"]
    ).exists()


# --- consultation ---------------------------------------------------------------------------


def respond(assessment, **kwargs):
    theme = assessment.themes().first()
    return services.response_submit(
        assessment=assessment, theme=theme, agreement=Agreement.PARTLY, **kwargs
    )


@pytest.mark.parametrize("state", [D, S, P])
def test_responses_only_while_consultation_is_open(make_assessment, state):
    assessment = make_assessment(state=state)
    with pytest.raises(Refused, match="not open"):
        respond(assessment, comment="Hello")


def test_anyone_may_respond_and_nothing_shows_until_moderated(make_assessment):
    assessment = make_assessment(state=C)
    response = respond(assessment, comment="Bins are late", name="Pat")
    assert response.status == ModerationStatus.PENDING
    assert not assessment.responses.filter(status=ModerationStatus.SHOWN).exists()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("officer", True),
        ("councillor", False),
        ("other_officer", False),
        ("sector_staff", True),
        ("peer", False),
        ("provider", False),
    ],
)
def test_who_may_moderate(make_assessment, users, role, allowed):
    assessment = make_assessment(state=C)
    response = respond(assessment, comment="Fine")
    if allowed:
        services.response_moderate(
            user=users[role], response=response, status=ModerationStatus.SHOWN
        )
        response.refresh_from_db()
        assert (response.status, response.moderated_by) == (ModerationStatus.SHOWN, users[role])
    else:
        with pytest.raises(PermissionDenied):
            services.response_moderate(
                user=users[role], response=response, status=ModerationStatus.SHOWN
            )


# --- scrutiny -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("officer", False),
        ("councillor", True),
        ("other_officer", False),
        ("sector_staff", False),
        ("peer", False),
        ("provider", False),
    ],
)
def test_only_the_councils_councillors_comment_in_scrutiny(make_assessment, users, role, allowed):
    assessment = make_assessment(state=S)
    if allowed:
        comment = services.scrutiny_comment_add(
            user=users[role], assessment=assessment, text="Why good?"
        )
        assert comment.councillor == users[role]
    else:
        with pytest.raises(PermissionDenied):
            services.scrutiny_comment_add(user=users[role], assessment=assessment, text="Hm")


def test_a_councillor_of_another_council_cannot_comment(make_assessment, users, darlington):
    from selfreg.models import RoleKind
    from tests.factories import RoleFactory

    RoleFactory(user=users["peer"], kind=RoleKind.COUNCILLOR, council=darlington)
    assessment = make_assessment(state=S)
    with pytest.raises(PermissionDenied):
        services.scrutiny_comment_add(user=users["peer"], assessment=assessment, text="Hm")


@pytest.mark.parametrize("state", [D, C, P])
def test_councillors_comment_only_during_scrutiny(make_assessment, users, state):
    assessment = make_assessment(state=state)
    with pytest.raises(PermissionDenied):
        services.scrutiny_comment_add(user=users["councillor"], assessment=assessment, text="Hm")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("officer", True),
        ("councillor", False),
        ("other_officer", False),
        ("sector_staff", False),
        ("peer", False),
        ("provider", False),
    ],
)
def test_who_may_answer_a_scrutiny_comment(make_assessment, users, role, allowed):
    assessment = make_assessment(state=S)
    comment = services.scrutiny_comment_add(
        user=users["councillor"], assessment=assessment, text="Why good?"
    )
    if allowed:
        services.scrutiny_comment_answer(user=users[role], comment=comment, response="Because.")
        comment.refresh_from_db()
        assert (comment.response, comment.responded_by) == ("Because.", users[role])
    else:
        with pytest.raises(PermissionDenied):
            services.scrutiny_comment_answer(user=users[role], comment=comment, response="No")
