"""Printable reports: a council's dashboard, a measure page, a published self-assessment and
a peer challenge report download as PDF (`?format=pdf`), with their tables and attribution,
to exactly those who may read the page."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from benchmarking.services import comparisons_recompute, metrics_import, values_import
from peerchallenge.models import Action, ChallengeState, ReportState
from selfreg.assessment import services as assessment_services
from selfreg.assessment.models import AssessmentState
from selfreg.fileproblems import read_table
from selfreg.pdf import _fetcher
from tests.conftest import ROLE_NAMES
from tests.peerchallenge.builders import add_report, make_challenge

pytestmark = pytest.mark.django_db
COUNCILS = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"]
ATTRIBUTION = "Source: the Test Survey of Residents, Open Government Licence v3.0."
OGL = "Open Government Licence v3.0"


@pytest.fixture
def measures(db):
    """One measure for five North East councils over two years, compared; Hartlepool's latest
    figure is 61.5."""
    metrics_import(
        rows=[
            {
                "code": "sat",
                "title": "Residents satisfied with the council",
                "element": "perception",
                "unit": "%",
                "polarity": "higher_better",
                "source": "Test Survey of Residents",
                "licence": "OGL v3.0",
                "attribution": ATTRIBUTION,
            }
        ]
    )
    text = "gss_code,metric_code,period,value\n" + "".join(
        f"{gss},sat,{period},{50 + n + i + 0.5}\n"
        for n, gss in enumerate(COUNCILS)
        for i, period in enumerate(["2023-24", "2024-25"])
    )
    text = text.replace("E06000001,sat,2024-25,51.5", "E06000001,sat,2024-25,61.5")
    values_import(frame=read_table(text.encode(), "v.csv"), source="upload", recompute=False)
    comparisons_recompute()


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_a_councils_dashboard_prints_its_figures_and_attribution(client_for, measures):
    url = reverse("benchmarking:council", args=["E06000001"])
    page = client_for(None).get(url).content.decode()
    assert "format=pdf" in page
    text = pdf_text(client_for(None).get(url, {"format": "pdf"}))
    assert "Hartlepool" in text
    assert "Residents satisfied with the council" in text
    assert "61.5" in text
    assert ATTRIBUTION in text
    assert OGL in text
    assert f"testserver{url}" in text  # where the page came from, without format=pdf
    assert "format=pdf" not in text
    assert "Skip to main content" not in text  # navigation is left off


def test_a_measure_page_prints_for_a_council(client_for, measures):
    url = reverse("benchmarking:metric", args=["sat"])
    text = pdf_text(client_for(None).get(url, {"council": "E06000001", "format": "pdf"}))
    assert "Residents satisfied with the council" in text
    assert "Hartlepool" in text
    assert "61.5" in text
    assert ATTRIBUTION in text


def test_a_published_self_assessment_prints_with_the_figures_it_was_judged_on(
    client_for, users, measures, make_assessment
):
    assessment = make_assessment()
    officer = users["officer"]
    for ta in assessment.theme_assessments.all():
        assessment_services.theme_save(
            user=officer,
            theme_assessment=ta,
            judgement="good",
            narrative="We do this well.",
            evidence="",
            metric_codes=["sat"],
        )
    for state in (
        AssessmentState.CONSULTATION,
        AssessmentState.SCRUTINY,
        AssessmentState.PUBLISHED,
    ):
        assessment_services.assessment_move(user=officer, assessment=assessment, to_state=state)
    url = reverse("assessment:detail", args=["E06000001", "2025-26"])
    assert "format=pdf" in client_for(None).get(url).content.decode()
    text = pdf_text(client_for(None).get(url, {"format": "pdf"}))
    assert "Hartlepool" in text
    assert "Self-assessment 2025-26" in text
    assert "Benchmark figures the judgements were made on" in text
    assert "61.50%" in text
    assert OGL in text


def test_a_published_peer_challenge_report_prints_with_its_action_plan(client_for):
    challenge = make_challenge(state=ChallengeState.ACTION_PLAN)
    add_report(
        challenge,
        state=ReportState.PUBLISHED,
        summary="A clear ambition.",
        published_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC),
    )
    Action.objects.create(
        challenge=challenge,
        recommendation="Do one thing",
        action="Did it",
        owner="Chief executive",
        due="2026-01-31",
        status="done",
    )
    url = reverse("peerchallenge:report", args=[challenge.pk])
    text = pdf_text(client_for(None).get(url, {"format": "pdf"}))
    assert "Hartlepool" in text
    assert "A clear ambition." in text
    assert "1 of 1 actions done (100%)" in text
    assert "Chief executive" in text
    assert OGL in text


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_a_pdf_is_answered_to_exactly_those_who_may_read_the_page(
    client_for, users, make_assessment, role
):
    """A draft self-assessment and a draft report: whoever gets the page gets the PDF, and
    whoever is refused the page is refused the PDF the same way."""
    make_assessment()
    challenge = make_challenge(state=ChallengeState.FEEDBACK)
    add_report(challenge, summary="Draft words")
    client = client_for(users[role])
    for url in (
        reverse("assessment:detail", args=["E06000001", "2025-26"]),
        reverse("peerchallenge:report", args=[challenge.pk]),
    ):
        page = client.get(url)
        pdf = client.get(url, {"format": "pdf"})
        assert pdf.status_code == page.status_code
        if page.status_code == 200:
            assert pdf["Content-Type"] == "application/pdf"
            assert "Hartlepool" in pdf_text(pdf)
        else:
            assert pdf["Content-Type"].startswith("text/html")


def test_the_pdf_reads_only_the_portals_static_files():
    fetch = _fetcher("http://testserver/").fetch
    stylesheet = fetch("http://testserver/static/css/print.css")
    assert b"@page" in stylesheet.read()
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:6379/",
        "http://testserver/admin/",
        "http://testserver/static/../../selfreg/settings.py",
        "http://testserver/static/no-such-file.css",
    ):
        with pytest.raises(ValueError):
            fetch(url)


def test_pdfs_are_limited_per_client_address_and_the_page_says_when_to_try_again(
    client_for, settings
):
    """Laying out a PDF costs the server seconds; the page itself is never limited."""
    settings.PDF_LIMIT_PER_ADDRESS = "2/600"
    client = client_for(None)
    url = reverse("benchmarking:council", args=["E06000001"])
    assert client.get(url, {"format": "pdf"})["Content-Type"] == "application/pdf"
    assert client.get(url, {"format": "pdf"})["Content-Type"] == "application/pdf"
    refused = client.get(url, {"format": "pdf"})
    assert refused.status_code == 429
    assert re.search(r"Try again in \d+ minutes?\.", refused.content.decode())
    assert client.get(url).status_code == 200


def test_without_pango_the_page_says_so_and_offers_printing_from_the_browser(
    client_for, monkeypatch
):
    """WeasyPrint raises OSError when the system's Pango cannot be loaded."""

    def no_pango(html, *, base_url):
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr("selfreg.pdf.html_to_pdf", no_pango)
    response = client_for(None).get(
        reverse("benchmarking:council", args=["E06000001"]), {"format": "pdf"}
    )
    assert response.status_code == 503
    assert "print the page from your browser" in response.content.decode()
