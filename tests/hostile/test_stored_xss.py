"""Stored XSS: hostile text typed into the free-text fields of the kernel, benchmarking,
self-assessment, early warning and peer challenge is shown as text on every page that shows
it. (The Knowledge Hub's rich text has its own tests in tests/knowledgehub.)"""

import datetime
import io

import pandas as pd
import pytest
from django.core.management import call_command
from django.urls import reverse

from benchmarking.services import comparisons_recompute, metrics_import, values_import
from earlywarning.models import SignalType
from earlywarning.services import signal_record
from selfreg import services as kernel
from selfreg.assessment import services as assessment_services
from selfreg.assessment.models import SelfAssessment
from tests.inert import assert_page_inert

pytestmark = pytest.mark.django_db

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '"><svg onload=alert(3)>',
    "</script><script>alert(4)</script>",
    "javascript:alert(5)",
    "{{ 7*7 }}{% debug %}",
    "'; alert(6); '",
]
HOSTILE = " ".join(ATTACKS)


def shows_as_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert_page_inert(html)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, f"the hostile text is not on {url}"
    assert "{{ 7*7 }}" in html  # shown as typed: templates never evaluate user text
    return html


def test_grouping_names_and_descriptions(users, client_for, hartlepool):
    grouping = kernel.grouping_create(
        user=users["officer"],
        owner=hartlepool,
        name=f"Tees {HOSTILE}"[:200],
        description=HOSTILE,
    )
    client = client_for(users["anonymous"])
    shows_as_text(client, reverse("grouping_detail", kwargs={"slug": grouping.slug}))
    shows_as_text(client, reverse("grouping_list"))


def test_value_notes_and_metric_titles(users, client_for):
    metrics_import(
        rows=[
            {
                "code": "sat",
                "title": f"Satisfied {HOSTILE}",
                "element": "perception",
                "unit": "%",
                "definition": HOSTILE,
            }
        ]
    )
    frame = pd.DataFrame(
        [
            {
                "gss_code": gss,
                "metric_code": "sat",
                "period": period,
                "value": str(50 + n),
                "note": HOSTILE,
            }
            for n, gss in enumerate(["E06000001", "E06000002", "E06000003"])
            for period in ("2020-21", "2021-22")  # two points draw a sparkline
        ]
    )
    values_import(frame=frame, source="test", recompute=False)
    comparisons_recompute()
    client = client_for(users["officer"])
    page = shows_as_text(client, reverse("benchmarking:council", kwargs={"gss_code": "E06000001"}))
    assert 'aria-label="Satisfied &lt;script&gt;alert(1)&lt;/script&gt;' in page  # the sparkline
    shows_as_text(
        client, reverse("benchmarking:metric", kwargs={"code": "sat"}) + "?council=E06000001"
    )
    shows_as_text(client, reverse("benchmarking:compare") + "?metric_1=sat&councils=E06000001")


def test_self_assessment_text_from_officers_residents_and_councillors(
    users, client_for, hartlepool
):
    call_command("load_frameworks", stdout=io.StringIO())
    officer, councillor = users["officer"], users["councillor"]
    assessment = assessment_services.assessment_create(
        user=officer, council=hartlepool, year="2025-26"
    )
    for theme_assessment in assessment.theme_assessments.all():
        assessment_services.theme_save(
            user=officer,
            theme_assessment=theme_assessment,
            judgement=assessment.framework.level_codes[0],
            narrative=HOSTILE,
            evidence=HOSTILE,
            metric_codes=[],
        )
    assessment_services.assessment_move(
        user=officer, assessment=assessment, to_state="consultation"
    )
    theme = assessment.theme_assessments.first().theme
    response = assessment_services.response_submit(
        assessment=assessment,
        theme=theme,
        agreement="agree",
        comment=HOSTILE,
        name="<b onmouseover=alert(7)>Resident</b>",
    )
    assessment_services.response_moderate(user=officer, response=response, status="shown")
    assessment_services.assessment_move(user=officer, assessment=assessment, to_state="scrutiny")
    comment = assessment_services.scrutiny_comment_add(
        user=councillor, assessment=assessment, text=HOSTILE
    )
    assessment_services.scrutiny_comment_answer(user=officer, comment=comment, response=HOSTILE)
    assessment_services.consultation_replies_save(
        user=officer, assessment=assessment, replies={theme.code: HOSTILE}
    )
    kwargs = {"gss_code": "E06000001", "year": "2025-26"}
    shows_as_text(client_for(councillor), reverse("assessment:scrutiny", kwargs=kwargs))
    shows_as_text(client_for(officer), reverse("assessment:moderation", kwargs=kwargs))
    shows_as_text(client_for(officer), reverse("assessment:consultation_replies", kwargs=kwargs))
    assessment_services.assessment_move(user=officer, assessment=assessment, to_state="published")
    assert SelfAssessment.objects.get().state == "published"
    shows_as_text(client_for(users["anonymous"]), reverse("assessment:detail", kwargs=kwargs))
    shows_as_text(client_for(users["anonymous"]), reverse("assessment:consultation", kwargs=kwargs))


def test_early_warning_evidence(users, client_for, hartlepool):
    call_command("load_signal_types", stdout=io.StringIO())
    signal_type = SignalType.objects.filter(source="recorded").first()
    signal_record(
        user=users["sector_staff"],
        council=hartlepool,
        signal_type=signal_type,
        observed_on=datetime.date(2026, 1, 5),
        severity=2,
        evidence=HOSTILE,
        source_url="https://example.org/?q=%3Cscript%3E",
    )
    shows_as_text(
        client_for(users["sector_staff"]),
        reverse("earlywarning:council", kwargs={"gss_code": "E06000001"}),
    )


def test_peer_challenge_reports_and_actions(users, client_for):
    from peerchallenge.models import Action, ChallengeState, Report, ReportState
    from tests.peerchallenge.builders import add_report, make_challenge

    challenge = make_challenge("E06000005", state=ChallengeState.ACTION_PLAN)
    report = add_report(challenge, summary=HOSTILE, findings=HOSTILE, recommendations=HOSTILE)
    Report.objects.filter(pk=report.pk).update(
        state=ReportState.PUBLISHED, published_at=datetime.datetime.now(datetime.UTC)
    )
    Action.objects.create(
        challenge=challenge,
        recommendation=HOSTILE,
        action=HOSTILE,
        owner=HOSTILE[:200],
        due=datetime.date(2027, 6, 1),
    )
    shows_as_text(
        client_for(users["anonymous"]), reverse("peerchallenge:report", kwargs={"pk": challenge.pk})
    )
