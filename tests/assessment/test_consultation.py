"""The consultation from first finding to "you said, we did": where residents find it, what
stays readable after it closes, the council's replies, and the limit on anonymous responses."""

import socket

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from selfreg.assessment import services
from selfreg.assessment.models import AssessmentState, ConsultationReply, ModerationStatus
from selfreg.refusals import Refused

D, C, S, P = (
    AssessmentState.DRAFT,
    AssessmentState.CONSULTATION,
    AssessmentState.SCRUTINY,
    AssessmentState.PUBLISHED,
)
ARGS = ["E06000001", "2025-26"]


def url(name, *extra):
    return reverse(f"assessment:{name}", args=[*ARGS, *extra])


def shown_response(assessment, user, theme="leadership", comment="Roads are poor"):
    response = services.response_submit(
        assessment=assessment,
        theme=assessment.themes().get(code=theme),
        agreement="disagree",
        comment=comment,
    )
    services.response_moderate(user=user, response=response, status=ModerationStatus.SHOWN)
    return response


# --- finding it -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        reverse("home"),
        reverse("council_detail", args=["E06000001"]),
        reverse("assessment:index"),
        reverse("assessment:overview", args=["E06000001"]),
    ],
)
def test_an_open_consultation_is_listed_where_residents_look(make_assessment, client_for, page):
    """Listed, with a link to it, only while it is open."""
    assessment = make_assessment(state=C)
    link = f'href="{url("consultation")}"'
    html = client_for(None).get(page).content.decode()
    assert "Have your say" in html
    assert link in html
    assert "Hartlepool: self-assessment 2025-26, open for consultation" in html
    services.assessment_move(
        user=assessment.created_by, assessment=assessment, to_state=AssessmentState.SCRUTINY
    )
    html = client_for(None).get(page).content.decode()
    assert "open for consultation" not in html


def test_a_draft_or_another_councils_consultation_is_not_listed_on_a_council_page(
    make_assessment, darlington, client_for
):
    make_assessment()
    make_assessment(state=C, council=darlington)
    html = client_for(None).get(reverse("council_detail", args=["E06000001"])).content.decode()
    assert "Have your say" not in html
    home = client_for(None).get(reverse("home")).content.decode()
    assert "Darlington: self-assessment 2025-26, open for consultation" in home
    assert "Hartlepool: self-assessment" not in home


# --- after it closes -------------------------------------------------------------------------


@pytest.mark.parametrize("state", [S, P])
def test_the_consultation_stays_readable_once_closed(make_assessment, users, client_for, state):
    """A resident who responded finds the page again: closed, with the shown responses."""
    assessment = make_assessment(state=C)
    shown_response(assessment, users["officer"])
    hidden = services.response_submit(
        assessment=assessment,
        theme=assessment.themes().get(code="leadership"),
        agreement="agree",
        comment="Rude words",
    )
    services.response_moderate(
        user=users["officer"], response=hidden, status=ModerationStatus.HIDDEN
    )
    services.assessment_move(user=users["officer"], assessment=assessment, to_state=S)
    if state == P:
        services.assessment_move(user=users["officer"], assessment=assessment, to_state=P)
    response = client_for(None).get(url("consultation"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Closed" in page
    assert "Roads are poor" in page
    assert "Rude words" not in page
    assert "Respond" not in page
    assert client_for(None).get(url("respond")).status_code == 404


def test_the_public_assessment_page_says_it_is_in_scrutiny(make_assessment, client_for):
    """Not "no self-assessment you can see": the judgements consulted on and the stage."""
    make_assessment(state=S)
    overview = client_for(None).get(reverse("assessment:overview", args=["E06000001"]))
    html = overview.content.decode()
    assert "There is no self-assessment you can see yet" not in html
    assert "Self-assessment 2025-26" in html
    assert "In scrutiny" in html
    detail = client_for(None).get(url("detail"))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "This self-assessment is in scrutiny" in html
    assert "Good" in html
    assert url("consultation") in html
    assert "Move to" not in html
    assert "History" not in html


def test_councillors_read_residents_responses_during_scrutiny(make_assessment, users, client_for):
    assessment = make_assessment(state=C)
    shown_response(assessment, users["officer"], comment="Bins are late")
    services.response_submit(
        assessment=assessment,
        theme=assessment.themes().get(code="leadership"),
        agreement="agree",
        comment="Not yet moderated",
    )
    services.assessment_move(user=users["officer"], assessment=assessment, to_state=S)
    page = client_for(users["councillor"]).get(url("scrutiny")).content.decode()
    assert "What residents said in the consultation" in page
    assert "Bins are late" in page
    assert "Disagree: 1" in page
    assert "1 more response is waiting for moderation or was hidden." in page
    assert "Not yet moderated" not in page


# --- you said, we did --------------------------------------------------------------------------


def test_the_councils_reply_shows_on_the_closed_consultation(make_assessment, users, client_for):
    assessment = make_assessment(state=C)
    shown_response(assessment, users["officer"])
    officer = client_for(users["officer"])  # one client: signing another in signs this out
    assert officer.get(url("consultation_replies")).status_code == 403  # still open
    services.assessment_move(user=users["officer"], assessment=assessment, to_state=S)
    form = officer.get(url("consultation_replies"))
    assert form.status_code == 200
    assert "Responses shown: 0 agree, 0 partly agree, 1 disagree" in form.content.decode()
    saved = officer.post(
        url("consultation_replies"),
        {"reply__leadership": "We have resurfaced 12 roads.", "reply__governance-culture": " "},
    )
    assert saved.status_code == 302
    assert saved["Location"] == url("consultation")
    reply = ConsultationReply.objects.get()
    assert (reply.theme.code, reply.text, reply.written_by) == (
        "leadership",
        "We have resurfaced 12 roads.",
        users["officer"],
    )
    page = client_for(None).get(url("consultation")).content.decode()
    officer = client_for(users["officer"])
    assert "We did" in page
    assert "We have resurfaced 12 roads." in page
    assert "The council has not replied on this theme yet." in page
    services.assessment_move(user=users["officer"], assessment=assessment, to_state=P)
    assert officer.get(url("consultation_replies")).status_code == 403
    page = client_for(None).get(url("consultation")).content.decode()
    assert "We have resurfaced 12 roads." in page
    assert client_for(None).get(url("consultation_replies")).status_code == 302


def test_replies_only_by_the_councils_officers_during_scrutiny(make_assessment, users):
    assessment = make_assessment(state=S)
    for role in ("anonymous", "councillor", "other_officer", "sector_staff", "peer", "provider"):
        with pytest.raises(PermissionDenied):
            services.consultation_replies_save(
                user=users[role], assessment=assessment, replies={"leadership": "x"}
            )
    with pytest.raises(Refused, match="not themes of this self-assessment: nope"):
        services.consultation_replies_save(
            user=users["officer"], assessment=assessment, replies={"leadership": "x", "nope": "y"}
        )
    assert not ConsultationReply.objects.exists()
    services.consultation_replies_save(
        user=users["officer"], assessment=assessment, replies={"leadership": "First"}
    )
    services.consultation_replies_save(
        user=users["officer"], assessment=assessment, replies={"leadership": "Second"}
    )
    assert list(ConsultationReply.objects.values_list("text", flat=True)) == ["Second"]
    services.consultation_replies_save(
        user=users["officer"], assessment=assessment, replies={"leadership": ""}
    )
    assert not ConsultationReply.objects.exists()
    services.assessment_move(user=users["officer"], assessment=assessment, to_state=P)
    with pytest.raises(PermissionDenied):
        services.consultation_replies_save(
            user=users["officer"], assessment=assessment, replies={"leadership": "Late"}
        )


# --- the limit on anonymous responses ----------------------------------------------------------


def respond(client, n, **headers):
    return client.post(
        url("respond"),
        {"theme": "leadership", "agreement": "agree", "comment": f"Response {n}", "name": ""},
        **headers,
    )


def test_one_address_is_limited_with_a_clear_message(make_assessment, client_for, settings):
    """Past the limit a response is refused with a GOV.UK error and nothing is saved; naming
    another address in X-Forwarded-For does not help when no proxy is trusted."""
    settings.RESPONSE_LIMIT_PER_ADDRESS = "3/3600"
    assessment = make_assessment(state=C)
    client = client_for(None)
    statuses = [
        respond(client, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    refused = respond(client, 5)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "govuk-error-summary" in page
    assert "You have sent a lot of responses in a short time." in page
    assert "Your response has not been sent." in page
    assert "Response 5" in page  # what they wrote is kept in the form
    assert assessment.responses.count() == 3


def test_an_invalid_form_does_not_count_against_the_limit(make_assessment, client_for, settings):
    settings.RESPONSE_LIMIT_PER_ADDRESS = "1/3600"
    assessment = make_assessment(state=C)
    client = client_for(None)
    for _ in range(3):
        assert client.post(url("respond"), {"theme": "leadership"}).status_code == 400
    assert respond(client, 1).status_code == 200
    assert assessment.responses.count() == 1


def test_behind_a_trusted_proxy_each_client_address_counts_apart(
    make_assessment, client_for, settings
):
    """With one proxy in front, the address it forwards is the client's, as for the API."""
    settings.RESPONSE_LIMIT_PER_ADDRESS = "1/3600"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assessment = make_assessment(state=C)
    client = client_for(None)
    first = respond(client, 1, HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = respond(client, 2, HTTP_X_FORWARDED_FOR="198.51.100.2")
    again = respond(client, 3, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 429)
    assert assessment.responses.count() == 2


def test_one_consultation_is_limited_across_addresses(make_assessment, darlington, client_for):
    """A flood from many addresses meets the consultation's own limit; another council's
    consultation still takes responses."""
    from django.test import override_settings

    assessment = make_assessment(state=C)
    other = make_assessment(state=C, council=darlington)
    client = client_for(None)
    with override_settings(RESPONSE_LIMIT_PER_CONSULTATION="2/600"):
        statuses = [respond(client, n, REMOTE_ADDR=f"192.0.2.{n}").status_code for n in range(1, 4)]
        refused = respond(client, 9, REMOTE_ADDR="192.0.2.9")
        other_url = reverse("assessment:respond", args=["E06000005", "2025-26"])
        elsewhere = client.post(
            other_url,
            {"theme": "leadership", "agreement": "agree", "comment": "", "name": ""},
            REMOTE_ADDR="192.0.2.10",
        )
    assert statuses == [200, 200, 429]
    assert "This consultation has had a lot of responses" in refused.content.decode()
    assert assessment.responses.count() == 2
    assert elsewhere.status_code == 200
    assert other.responses.count() == 1


def test_the_limit_holds_per_process_while_the_cache_is_down(make_assessment, client_for, settings):
    """With Redis not answering, the cache falls back to each process's memory: residents
    still respond, and a flood is still limited, by each process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the probe closes
    settings.CACHES = {
        "default": {
            "BACKEND": "selfreg.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    settings.RESPONSE_LIMIT_PER_ADDRESS = "1/3600"
    assessment = make_assessment(state=C)
    client = client_for(None)
    assert [respond(client, n).status_code for n in range(3)] == [200, 429, 429]
    assert assessment.responses.count() == 1
