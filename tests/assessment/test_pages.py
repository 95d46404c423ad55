"""The self-assessment pages: who sees what at each stage, and the evidence on a theme page."""

import pytest
from django.urls import reverse

from benchmarking.models import SimilarCouncil
from benchmarking.services import comparisons_recompute, metrics_import, values_import
from selfreg.assessment import services
from selfreg.assessment.models import AssessmentState, ModerationStatus
from selfreg.fileproblems import read_table
from tests.factories import council

D, C, S, P = (
    AssessmentState.DRAFT,
    AssessmentState.CONSULTATION,
    AssessmentState.SCRUTINY,
    AssessmentState.PUBLISHED,
)
ROLES = ["anonymous", "officer", "councillor", "other_officer", "sector_staff", "peer", "provider"]
WORKING = {"officer", "councillor", "sector_staff"}


def status(client, name, assessment, **extra):
    url = reverse(
        f"assessment:{name}",
        kwargs={"gss_code": assessment.council.gss_code, "year": assessment.year, **extra},
    )
    response = client.get(url)
    if response.status_code == 302 and "/sign-in/" in response["Location"]:
        return "login"
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", [D, C, S, P])
def test_who_sees_each_page_at_each_stage(make_assessment, users, client_for, role, state):
    assessment = make_assessment(state=state)
    client = client_for(users[role])
    working = role in WORKING
    # Once consulted on, the assessment stays public: open, in scrutiny, published.
    detail = 200 if (working or state in (S, P)) else (302 if state == C else 404)
    assert status(client, "detail", assessment) == detail
    assert status(client, "theme", assessment, code="leadership") == detail
    assert status(client, "consultation", assessment) == (404 if state == D else 200)
    assert status(client, "respond", assessment) == (200 if state == C else 404)
    hidden = state == D
    if role == "anonymous":
        expected = "login"
    elif hidden and not working:
        expected = 404
    elif role in ("officer", "sector_staff"):
        expected = 200
    else:
        expected = 403
    assert status(client, "moderation", assessment) == expected
    if role == "anonymous":
        expected = "login"
    elif hidden and not working:
        expected = 404
    elif state == D:
        expected = 403
    elif working or state == P:
        expected = 200
    else:
        expected = 403
    assert status(client, "scrutiny", assessment) == expected
    if role == "anonymous":
        expected = "login"
    elif hidden and not working or state == D:
        expected = 404
    elif role == "officer" and state == S:
        expected = 200
    else:
        expected = 403
    assert status(client, "consultation_replies", assessment) == expected


def test_overview_lists_only_what_the_person_may_see(make_assessment, users, client_for):
    make_assessment(year="2024-25", state=P)
    make_assessment(year="2025-26")
    url = reverse("assessment:overview", args=["E06000001"])
    public = client_for(None).get(url).content.decode()
    assert "Self-assessment 2024-25" in public
    assert "Self-assessment 2025-26" not in public
    assert "Start a self-assessment" not in public
    own = client_for(users["officer"]).get(url).content.decode()
    assert "Self-assessment 2025-26" in own
    assert "Start a self-assessment" in own


def test_officer_starts_and_saves_a_theme_through_the_pages(framework, users, client_for):
    client = client_for(users["officer"])
    url = reverse("assessment:assessment_new", args=["E06000001"])
    bad = client.post(url, {"year": "2025"})
    assert bad.status_code == 400
    assert "govuk-error-summary" in bad.content.decode()
    response = client.post(url, {"year": "2025-26", "optional_themes": ["productivity"]})
    assert response.status_code == 302
    theme_url = reverse("assessment:theme", args=["E06000001", "2025-26", "productivity"])
    response = client.post(
        theme_url, {"judgement": "adequate", "narrative": "Costs are high.", "metric_codes": ""}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Draft saved for Productivity" in page
    assert "Adequate" in page


def test_the_move_needs_a_confirming_post_and_explains_a_refusal(
    make_assessment, users, client_for
):
    """Opening the consultation with a core theme unjudged is refused on the page, naming it."""
    assessment = make_assessment()
    client = client_for(users["officer"])
    url = reverse("assessment:transition", args=["E06000001", "2025-26", "consultation"])
    before = client.get(url)
    assert before.status_code == 200
    assert "Not judged yet: Local priorities and outcomes; Organisational" in (
        before.content.decode()
    )
    assessment.refresh_from_db()
    assert assessment.state == D
    refused = client.post(url)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "govuk-error-summary" in page
    assert "before opening the consultation" in page
    assert "Organisational and place leadership" in page
    assessment.refresh_from_db()
    assert assessment.state == D
    assert client_for(users["councillor"]).post(url).status_code == 403


def test_consultation_shows_only_moderated_responses(make_assessment, users, client_for):
    assessment = make_assessment(state=C)
    client = client_for(None)
    respond_url = reverse("assessment:respond", args=["E06000001", "2025-26"])
    assert client.post(respond_url, {}).status_code == 400
    response = client.post(
        respond_url,
        {"theme": "leadership", "agreement": "disagree", "comment": "Roads are poor", "name": ""},
    )
    assert "Response sent" in response.content.decode()
    consultation_url = reverse("assessment:consultation", args=["E06000001", "2025-26"])
    assert "Roads are poor" not in client.get(consultation_url).content.decode()
    pending = assessment.responses.get()
    staff = client_for(users["officer"])
    moderation_url = reverse("assessment:moderation", args=["E06000001", "2025-26"])
    assert "Roads are poor" in staff.get(moderation_url).content.decode()
    staff.post(moderation_url, {"response": pending.pk, "status": ModerationStatus.SHOWN})
    pending.refresh_from_db()
    assert pending.status == ModerationStatus.SHOWN
    assert "Roads are poor" in client_for(None).get(consultation_url).content.decode()


@pytest.mark.parametrize("chosen", ["abc", "", "1.5", "\u0661", "99999999999999999999"])
def test_moderating_a_response_that_is_not_a_number_is_not_found(
    make_assessment, users, client_for, chosen
):
    make_assessment(state=C)
    url = reverse("assessment:moderation", args=["E06000001", "2025-26"])
    response = client_for(users["officer"]).post(
        url, {"response": chosen, "status": ModerationStatus.SHOWN}
    )
    assert response.status_code == 404


def test_scrutiny_page_comment_and_answer(make_assessment, users, client_for):
    assessment = make_assessment(state=S)
    url = reverse("assessment:scrutiny", args=["E06000001", "2025-26"])
    councillor = client_for(users["councillor"])
    assert "Add a comment" in councillor.get(url).content.decode()
    councillor.post(url, {"theme": "", "text": "Is finance really good?"})
    comment = assessment.scrutiny_comments.get()
    officer = client_for(users["officer"])
    assert "Add a comment" not in officer.get(url).content.decode()
    assert officer.post(url, {"text": "Sneaky"}).status_code == 403
    answer_url = reverse("assessment:scrutiny_answer", args=["E06000001", "2025-26", comment.pk])
    assert client_for(users["councillor"]).post(answer_url, {"response": "x"}).status_code == 403
    client_for(users["officer"]).post(answer_url, {"response": "Yes, see the accounts."})
    comment.refresh_from_db()
    assert comment.response == "Yes, see the accounts."


def test_published_page_is_public_and_frozen(make_assessment, users, client_for):
    assessment = make_assessment(state=P)
    page = client_for(None).get(assessment.get_absolute_url()).content.decode()
    assert "We do this well." in page
    assert "Move to" not in page
    theme_url = reverse("assessment:theme", args=["E06000001", "2025-26", "leadership"])
    officer = client_for(users["officer"])
    assert "Save draft" not in officer.get(theme_url).content.decode()
    assert officer.post(theme_url, {"judgement": "weak"}).status_code == 403


@pytest.fixture
def evidence(db):
    """Two higher-is-better metrics; Hartlepool worst of its similar councils on both."""
    metrics_import(
        rows=[
            {
                "code": code,
                "title": title,
                "element": "outcome",
                "unit": "%",
                "polarity": "higher_better",
            }
            for code, title in [("ev1", "Roads in good repair"), ("ev2", "Homes built")]
        ]
    )
    similar = ["E06000002", "E06000003", "E06000004", "E06000005"]
    hartlepool = council("E06000001")
    for rank, gss in enumerate(similar, start=1):
        SimilarCouncil.objects.create(
            council=hartlepool, neighbour=council(gss), rank=rank, distance=rank
        )
    rows = (
        "".join(
            f"{gss},{code},2023-24,{10 * n + 5}\n"
            for code in ("ev1", "ev2")
            for n, gss in enumerate(["E06000001", *similar])
        )
        + "E06000001,ev1,2022-23,20\n"
    )
    values_import(
        frame=read_table(("gss_code,metric_code,period,value\n" + rows).encode(), "v.csv"),
        source="upload",
        visibility="public",
        recompute=False,
    )
    comparisons_recompute()


def test_theme_page_shows_cited_evidence_and_flags_disagreement(
    evidence, make_assessment, users, client_for
):
    assessment = make_assessment()
    ta = assessment.theme_assessments.get(theme__code="leadership")
    services.theme_save(
        user=users["officer"],
        theme_assessment=ta,
        judgement="strong",
        narrative="",
        evidence="",
        metric_codes=["ev1", "ev2"],
    )
    url = reverse("assessment:theme", args=["E06000001", "2025-26", "leadership"])
    page = client_for(users["officer"]).get(url).content.decode()
    assert "Roads in good repair" in page
    assert "Homes built" in page
    assert page.count("Worst quarter") == 2
    assert "-15" in page  # the change since 2022-23 on ev1
    assert "The judgement and the cited evidence disagree." in page
    assert "2 of the 2 compared metrics are in the worst quarter" in page
    services.theme_save(
        user=users["officer"],
        theme_assessment=ta,
        judgement="adequate",
        narrative="",
        evidence="",
        metric_codes=["ev1", "ev2"],
    )
    assert "disagree" not in client_for(users["officer"]).get(url).content.decode()


def test_a_published_theme_shows_the_figures_it_was_judged_on(
    evidence, make_assessment, users, client_for
):
    """Publication freezes each cited figure as the public read it then; a later change of the
    figure shows beside it as today's, and does not change the published evidence or its
    check against the judgement."""
    metrics_import(
        rows=[
            {
                "code": "ev3",
                "title": "Shared with the sector only",
                "element": "outcome",
                "unit": "%",
                "polarity": "higher_better",
            }
        ]
    )
    values_import(
        frame=read_table(b"gss_code,metric_code,period,value\nE06000001,ev3,2023-24,50\n", "v.csv"),
        source="upload",
        visibility="sector",
        recompute=False,
    )
    assessment = make_assessment(state=S)
    ta = assessment.theme_assessments.get(theme__code="leadership")
    services.theme_save(
        user=users["officer"],
        theme_assessment=ta,
        judgement="strong",
        narrative="",
        evidence="",
        metric_codes=["ev1", "ev3"],
    )
    services.assessment_move(user=users["officer"], assessment=assessment, to_state=P)
    # Hartlepool's roads figure is corrected upwards after publication, to the best quarter.
    values_import(
        frame=read_table(b"gss_code,metric_code,period,value\nE06000001,ev1,2023-24,99\n", "v.csv"),
        source="upload",
        visibility="public",
        recompute=False,
    )
    comparisons_recompute()
    url = reverse("assessment:theme", args=["E06000001", "2025-26", "leadership"])
    for role in ("anonymous", "officer"):
        page = client_for(users[role]).get(url).content.decode()
        table = page[page.index('id="cited-metrics"') :]
        rows = table.split('<tr class="govuk-table__row">')
        roads, shared = rows[2], rows[3]
        assert "Figure at publication" in table
        assert "s figure (not the one judged on)" in table
        assert "5%" in roads
        assert "Worst quarter" in roads
        assert "99%" in roads  # today's, beside it
        assert "Best quarter" not in roads
        assert "No public figure at publication" in shared
        # The check reads the figures at publication: still the worst quarter.
        assert "The judgement and the cited evidence disagree." in page
    assert "50%" in client_for(users["officer"]).get(url).content.decode()
    assert "50%" not in client_for(None).get(url).content.decode()


def test_an_assessment_being_worked_on_shows_todays_figures(
    evidence, make_assessment, users, client_for
):
    """Until publication nothing is frozen: the page reads today's figures."""
    assessment = make_assessment(state=S)
    ta = assessment.theme_assessments.get(theme__code="leadership")
    services.theme_save(
        user=users["officer"],
        theme_assessment=ta,
        judgement="strong",
        narrative="",
        evidence="",
        metric_codes=["ev1"],
    )
    assert not ta.cited_figures.exists()
    url = reverse("assessment:theme", args=["E06000001", "2025-26", "leadership"])
    page = client_for(users["officer"]).get(url).content.decode()
    assert "Figure at publication" not in page
    assert "The latest value of each cited metric" in page
