"""The good-practice library: who may write and publish, attachments, search and safety."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledgehub import search, services
from knowledgehub.access import visible_case_studies
from knowledgehub.models import Attachment, CaseStudy, CaseStudyState
from selfreg.refusals import Refused
from tests.factories import council
from tests.inert import assert_inert, tags_of
from tests.knowledgehub import helpers

XSS = '"><script>alert(1)</script><img src=x onerror=alert(1)><svg onload=alert(1)>'
XSS_MARKDOWN = (
    "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n"
    '<a href="javascript:alert(1)">y</a>\n\n<svg onload=alert(1)>\n\n'
    "[d](data:text/html;base64,PHNjcmlwdD4=)"
)


# --- who may write and publish --------------------------------------------------------------


def test_officer_writes_a_draft_that_only_their_council_and_staff_see(users):
    draft = helpers.case_study(users["officer"])
    assert draft.state == CaseStudyState.DRAFT
    for role, sees in {
        "officer": True,
        "councillor": True,
        "sector_staff": True,
        "other_officer": False,
        "peer": False,
        "provider": False,
    }.items():
        assert visible_case_studies(users[role]).filter(pk=draft.pk).exists() is sees, role


@pytest.mark.parametrize("role", ["councillor", "peer", "provider"])
def test_only_officers_and_staff_write_case_studies(users, role):
    with pytest.raises(PermissionDenied):
        helpers.case_study(users[role])
    assert not CaseStudy.objects.exists()


def test_an_officer_must_name_their_own_council(users):
    with pytest.raises(Refused, match="council you work for"):
        helpers.case_study(users["officer"], gss="E06000005")
    assert not CaseStudy.objects.exists()


@pytest.mark.parametrize("role", ["officer", "councillor", "other_officer", "peer", "provider"])
def test_only_sector_staff_publish(users, role):
    item = helpers.case_study(users["officer"], state=CaseStudyState.IN_REVIEW)
    with pytest.raises(PermissionDenied):
        services.case_study_decide(user=users[role], case_study=item, publish=True)
    item.refresh_from_db()
    assert item.state == CaseStudyState.IN_REVIEW


def test_staff_publish_after_review_and_then_it_is_public(users, client_for):
    item = helpers.case_study(
        users["officer"], state=CaseStudyState.PUBLISHED, staff=users["sector_staff"]
    )
    assert item.published_at is not None
    assert client_for(None).get(item.get_absolute_url()).status_code == 200
    # A published case study is no longer editable.
    with pytest.raises(PermissionDenied):
        services.case_study_submit(user=users["officer"], case_study=item)


def test_a_draft_cannot_be_published_without_review(users):
    item = helpers.case_study(users["officer"])
    with pytest.raises(Refused):
        services.case_study_decide(user=users["sector_staff"], case_study=item, publish=True)


def test_staff_return_a_case_study_with_a_note(users, client_for):
    item = helpers.case_study(users["officer"], state=CaseStudyState.IN_REVIEW)
    response = client_for(users["sector_staff"]).post(
        reverse("knowledgehub:case_study_decide", args=[item.pk]),
        {"decision": "return", "note": "Add the savings figures"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == CaseStudyState.DRAFT
    page = client_for(users["officer"]).get(item.get_absolute_url()).content.decode()
    assert "Add the savings figures" in page


def test_officer_writes_through_the_form(users, client_for):
    client = client_for(users["officer"])
    page = client.get(reverse("knowledgehub:case_study_new")).content.decode()
    assert 'value="E06000001"' in page  # their council is filled in
    response = client.post(
        reverse("knowledgehub:case_study_new"),
        {
            "kind": "case_study",
            "title": "Early help hubs",
            "summary": "Families helped sooner.",
            "body": "We opened **three** hubs.",
            "council_codes": "E06000001",
            "themes": [helpers.theme("childrens-safeguarding").pk],
            "metric_codes": "",
        },
    )
    item = CaseStudy.objects.get()
    assert response.url == item.get_absolute_url()
    assert item.author == users["officer"]
    assert list(item.councils.values_list("gss_code", flat=True)) == ["E06000001"]


def test_form_errors_are_listed_and_nothing_is_saved(users, client_for):
    response = client_for(users["officer"]).post(
        reverse("knowledgehub:case_study_new"),
        {"kind": "case_study", "title": "", "council_codes": "E99999999", "metric_codes": "NOPE"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "No council has the code E99999999" in page
    assert "No benchmark measure has the code NOPE" in page
    assert not CaseStudy.objects.exists()


def test_benchmark_metrics_link_to_their_pages(users, client_for):
    from benchmarking.models import Metric

    metric = Metric.objects.create(code="KH-TEST-1", title="Budget gap", element="outcome")
    item = helpers.case_study(
        users["officer"],
        state=CaseStudyState.PUBLISHED,
        staff=users["sector_staff"],
        metrics=[metric],
    )
    page = client_for(None).get(item.get_absolute_url()).content.decode()
    assert reverse("benchmarking:metric", args=["KH-TEST-1"]) in page
    assert reverse("benchmarking:compare") in page


# --- attachments ----------------------------------------------------------------------------


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w/>")
    return buffer.getvalue()


def test_attachment_checked_stored_and_served_only_to_who_may_see(users, client_for):
    item = helpers.case_study(users["officer"])
    client = client_for(users["officer"])
    content = _docx()
    response = client.post(
        reverse("knowledgehub:attachment_add", args=[item.pk]),
        {"file": SimpleUploadedFile("plan.docx", content)},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type.endswith("wordprocessingml.document")
    url = attachment.get_absolute_url()
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert "attachment" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    # A draft's file is as hidden as the draft.
    assert client_for(users["other_officer"]).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "not what its name says"),
        ("page.html", b"<html></html>", "must be a PDF"),
        ("big.pdf", b"%PDF-1.7" + b"0" * (10 * 1024 * 1024), "smaller than 10 MB"),
    ],
)
def test_wrong_type_or_too_large_attachment_is_refused(users, client_for, name, content, message):
    item = helpers.case_study(users["officer"])
    response = client_for(users["officer"]).post(
        reverse("knowledgehub:attachment_add", args=[item.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Attachment.objects.exists()


# --- search on PostgreSQL -------------------------------------------------------------------


@pytest.fixture
def library(users):
    staff, officer = users["sector_staff"], users["officer"]
    publish = {"state": CaseStudyState.PUBLISHED, "staff": staff}
    return {
        "budgeting": helpers.case_study(
            officer,
            title="Priority-based budgeting",
            summary="Rebuilding the budget.",
            body="Budgeting with residents.",
            **publish,
        ),
        "mention": helpers.case_study(
            officer,
            title="Waste collection rounds",
            summary="New rounds.",
            body="The rounds were planned within the existing budget.",
            **publish,
        ),
        "housing": helpers.case_study(
            staff,
            title="Homelessness prevention",
            summary="Fewer families in B&Bs.",
            body="Housing officers in GP surgeries.",
            gss="E08000021",
            themes=[helpers.theme("housing")],
            **publish,
        ),
        "draft": helpers.case_study(officer, title="Budgeting draft", body="Budgets."),
    }


def test_search_stems_english_and_ranks_title_matches_first(library):
    hits = search.search_case_studies(CaseStudy.objects.published(), "budgets")
    titles = [hit.case_study.title for hit in hits]
    assert titles == ["Priority-based budgeting", "Waste collection rounds"]


def test_search_excludes_drafts_through_the_page(library, client_for):
    page = client_for(None).get(reverse("knowledgehub:search"), {"q": "budgeting"})
    text = page.content.decode()
    assert "Priority-based budgeting" in text
    assert "Budgeting draft" not in text


def test_search_filters_by_theme_council_type_and_region(library, client_for):
    client = client_for(None)
    url = reverse("knowledgehub:search")

    def titles(**params):
        return [h.case_study.title for h in client.get(url, params).context["hits"]]

    assert titles(q="", theme="housing") == ["Homelessness prevention"]
    # Newcastle upon Tyne (E08000021) is a metropolitan borough in the North East.
    assert titles(council_type="MD") == ["Homelessness prevention"]
    assert set(titles(region=council("E06000001").region)) == {
        "Priority-based budgeting",
        "Waste collection rounds",
        "Homelessness prevention",
    }
    assert titles(q="budget", council_type="UA") == [
        "Priority-based budgeting",
        "Waste collection rounds",
    ]


def test_highlighted_snippets_mark_matches_and_cannot_inject_html(users):
    helpers.case_study(
        users["officer"],
        title="Budget <b>bold</b>",
        summary="Budget </mark><script>alert(1)</script>",
        body="budget \ue000<img src=x onerror=alert(1)>\ue001",
        state=CaseStudyState.PUBLISHED,
        staff=users["sector_staff"],
    )
    hit = search.search_case_studies(CaseStudy.objects.published(), "budget")[0]
    snippet = str(hit.snippet)
    assert "<mark>" in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>")
    # PostgreSQL drops what looks like markup; what is left is escaped text.
    assert "&lt;img src=x onerror=alert(1)&gt;" in snippet
    assert_inert(snippet)
    assert {tag for tag, _ in tags_of(snippet)} == {"mark"}


def test_highlight_balances_stray_markers():
    html = str(search.highlight("a \ue001 b \ue000c \ue000d"))
    assert html == "a  b <mark>c d</mark>"


def test_fallback_search_matches_every_word_and_marks_them(library):
    hits = search._fallback(CaseStudy.objects.published(), "budget residents", 10)
    assert [h.case_study.title for h in hits] == ["Priority-based budgeting"]
    assert "<mark>" in str(hits[0].snippet)


# --- hostile input on the pages -------------------------------------------------------------


def test_attack_strings_in_every_case_study_field_are_inert(users, client_for):
    item = helpers.case_study(
        users["officer"],
        title=XSS,
        summary=XSS,
        body=XSS_MARKDOWN,
        outcomes=XSS_MARKDOWN,
        state=CaseStudyState.PUBLISHED,
        staff=users["sector_staff"],
    )
    for url in [
        item.get_absolute_url(),
        reverse("knowledgehub:search") + "?q=alert",
        reverse("knowledgehub:search") + "?q=" + XSS,
        reverse("knowledgehub:index"),
    ]:
        response = client_for(None).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert_inert(html, page=True)
        assert "<script>alert" not in html


def test_attack_strings_in_a_review_note_and_a_file_name_are_inert(users, client_for):
    item = helpers.case_study(users["officer"], state=CaseStudyState.IN_REVIEW)
    services.case_study_decide(user=users["sector_staff"], case_study=item, publish=False, note=XSS)
    item.refresh_from_db()
    services.attachment_add(
        user=users["officer"],
        case_study=item,
        upload=SimpleUploadedFile('"><script>alert(1)</script>.pdf', b"%PDF-1.7 x"),
    )
    for role in ["officer", "sector_staff"]:
        html = client_for(users[role]).get(item.get_absolute_url()).content.decode()
        assert_inert(html, page=True)
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_short_hub_address_leads_to_search_with_the_query(client_for, users):
    response = client_for(users["anonymous"]).get("/knowledgehub/search/?q=budgets&theme=housing")
    assert response.status_code == 301
    assert response.url == "/knowledge-hub/search/?q=budgets&theme=housing"
