"""Alerts and triage, the risk page, corporate changes and the invited conversation."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from earlywarning.models import (
    Alert,
    AlertEvent,
    AlertReason,
    AlertState,
    Band,
    ConversationMessage,
    CorporateEvent,
    RecordedSignal,
    RiskAssessment,
    SignalView,
)
from earlywarning.services import (
    alert_assign,
    alert_note,
    alert_support_link,
    alert_transition,
    conversation_post,
)
from selfreg.refusals import Refused
from tests.earlywarning.url_table import PRIVATE_CONVERSATION, placeholders


def make_alert(council, band=Band.ELEVATED, invited=False):
    return Alert.objects.create(
        council=council,
        reason=AlertReason.BAND,
        band=band,
        band_rank={"watch": 1, "elevated": 2, "high": 3}[band],
        categories=",financial,",
        summary=f"The risk band rose to {band}.",
        council_invited=invited,
    )


@pytest.fixture
def alert(hartlepool):
    return make_alert(hartlepool)


def test_the_full_journey_through_the_services(alert, users):
    """new → triaged → in conversation → support offered → monitoring → closed, every step in
    the history with who did it."""
    staff = users["sector_staff"]
    for state in ("triaged", "in_conversation", "support_offered", "monitoring", "closed"):
        alert = alert_transition(user=staff, alert=alert, state=state)
    assert alert.state == AlertState.CLOSED
    steps = list(alert.events.values_list("from_state", "to_state", "user"))
    assert steps == [
        ("new", "triaged", staff.pk),
        ("triaged", "in_conversation", staff.pk),
        ("in_conversation", "support_offered", staff.pk),
        ("support_offered", "monitoring", staff.pk),
        ("monitoring", "closed", staff.pk),
    ]
    assert not alert.is_open


def test_states_move_only_along_the_allowed_paths(alert, users):
    staff = users["sector_staff"]
    with pytest.raises(Refused, match="cannot move to closed"):
        alert_transition(user=staff, alert=alert, state="closed")
    with pytest.raises(Refused, match="why the alert is dismissed"):
        alert_transition(user=staff, alert=alert, state="dismissed", reason="  ")
    alert = alert_transition(user=staff, alert=alert, state="dismissed", reason="Known, in hand.")
    assert alert.dismissed_reason == "Known, in hand."
    with pytest.raises(Refused):
        alert_transition(user=staff, alert=alert, state="triaged")


@pytest.mark.parametrize("role", ["officer", "councillor", "peer", "provider"])
def test_only_sector_staff_work_on_alerts(alert, users, role):
    with pytest.raises(PermissionDenied):
        alert_transition(user=users[role], alert=alert, state="triaged")
    with pytest.raises(PermissionDenied):
        alert_note(user=users[role], alert=alert, text="x")
    assert not AlertEvent.objects.exists()


def test_assignment_emails_the_assignee_once(alert, users, django_capture_on_commit_callbacks):
    staff = users["sector_staff"]
    due = datetime.date(2030, 1, 31)
    with django_capture_on_commit_callbacks(execute=True):
        alert_assign(user=staff, alert=alert, assignee=staff, due_on=due)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [staff.email]
    assert "Hartlepool" in message.subject
    assert reverse("earlywarning:alert", args=[alert.pk]) in message.body
    kinds = list(alert.events.values_list("kind", flat=True))
    assert kinds == ["assigned", "due"]
    with django_capture_on_commit_callbacks(execute=True):
        alert_assign(user=staff, alert=alert, assignee=staff, due_on=due)
    assert len(mail.outbox) == 1  # nothing changed, nobody emailed
    with pytest.raises(Refused, match="sector staff"):
        alert_assign(user=staff, alert=alert, assignee=users["officer"])


@pytest.fixture
def support(users, hartlepool, darlington):
    """Hartlepool's peer challenge, Darlington's, a closed one, a listed marketplace offer, a
    withdrawn one and a published and a draft library item."""
    from knowledgehub.models import CaseStudyState
    from peerchallenge.models import ChallengeState
    from tests.knowledgehub import helpers
    from tests.peerchallenge.builders import make_challenge

    staff = users["sector_staff"]
    provider = helpers.provider(staff)
    return {
        "challenge": make_challenge("E06000001"),
        "elsewhere": make_challenge("E06000005"),
        "closed": make_challenge("E06000001", state=ChallengeState.CLOSED),
        "offer": helpers.offer(staff, provider),
        "withdrawn": helpers.offer(staff, provider, title="Old offer", is_active=False),
        "library": helpers.case_study(
            users["officer"], state=CaseStudyState.PUBLISHED, staff=staff
        ),
        "draft": helpers.case_study(users["officer"], title="Unpublished draft"),
    }


def test_support_is_chosen_from_what_the_portal_holds(alert, users, support):
    """The options are the council's open peer challenges, listed offers and published library
    items; anything else, and any typed address, is refused and links nothing."""
    from selfreg.support import support_options

    offered = {(o.kind, o.url) for o in support_options(alert.council)}
    assert offered == {
        ("peer_challenge", support["challenge"].get_absolute_url()),
        ("improvement_support", support["offer"].get_absolute_url()),
        ("library", support["library"].get_absolute_url()),
    }
    staff = users["sector_staff"]
    for kind, url in [
        ("other", "/peer-challenge/requests/1/"),
        ("peer_challenge", support["elsewhere"].get_absolute_url()),
        ("peer_challenge", support["closed"].get_absolute_url()),
        ("improvement_support", support["withdrawn"].get_absolute_url()),
        ("library", support["draft"].get_absolute_url()),
        ("library", "https://evil.example/"),
    ]:
        with pytest.raises(Refused, match="from the list"):
            alert_support_link(user=staff, alert=alert, kind=kind, url=url)
    assert not alert.support_links.exists()
    link = alert_support_link(
        user=staff, alert=alert, kind="library", url=support["library"].get_absolute_url()
    )
    assert link.title == "Zero-based budgeting in Hartlepool (case study)"
    assert link.get_kind_display() == "Library item"
    assert alert.events.get().kind == "support"


def test_support_linked_through_the_alert_page(alert, users, client_for, support):
    client = client_for(users["sector_staff"])
    page = client.get(reverse("earlywarning:alert", args=[alert.pk])).content.decode()
    challenge_url = support["challenge"].get_absolute_url()
    assert f'value="peer_challenge {challenge_url}"' in page
    assert support["elsewhere"].get_absolute_url() not in page
    url = reverse("earlywarning:alert_support", args=[alert.pk])
    typed = client.post(url, {"support": "other /anything/"})
    assert typed.status_code == 400
    assert "Choose support from the list" in typed.content.decode()
    assert not alert.support_links.exists()
    response = client.post(url, {"support": f"peer_challenge {challenge_url}"})
    assert response.status_code == 302
    link = alert.support_links.get()
    assert (link.kind, link.url) == ("peer_challenge", challenge_url)
    assert challenge_url in client.get(response.url).content.decode()


# --- pages ------------------------------------------------------------------------------------


def test_triage_through_the_web_from_new_to_closed(alert, users, client_for):
    """Sector staff move an alert through every state with the forms on its page."""
    client = client_for(users["sector_staff"])
    url = reverse("earlywarning:alert_transition", args=[alert.pk])
    for state in ("triaged", "in_conversation", "support_offered", "monitoring", "closed"):
        response = client.post(url, {"state": state})
        assert response.status_code == 302, response.content.decode()[:500]
    alert.refresh_from_db()
    assert alert.state == "closed"
    page = client.get(reverse("earlywarning:alert", args=[alert.pk])).content.decode()
    assert "Monitoring" in page and "Closed" in page


def test_bad_forms_on_the_alert_page_change_nothing(alert, users, client_for):
    client = client_for(users["sector_staff"])
    response = client.post(
        reverse("earlywarning:alert_transition", args=[alert.pk]), {"state": "dismissed"}
    )
    assert response.status_code == 400
    assert "Enter why the alert is dismissed" in response.content.decode()
    response = client.post(
        reverse("earlywarning:alert_support", args=[alert.pk]),
        {"support": "other https://example.com"},
    )
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    response = client.post(
        reverse("earlywarning:alert_transition", args=[alert.pk]), {"state": "closed"}
    )
    assert response.status_code == 400
    alert.refresh_from_db()
    assert alert.state == "new"
    assert not alert.events.exists()


def test_queue_sorts_by_band_then_age_and_filters(users, client_for, hartlepool, darlington):
    from selfreg.models import Council

    first = make_alert(hartlepool, Band.ELEVATED)
    high = make_alert(darlington, Band.HIGH)
    camden = Council.objects.get(gss_code="E09000007")
    later = make_alert(camden, Band.ELEVATED)
    later.categories = ",service,"
    later.save()
    closed = make_alert(Council.objects.get(gss_code="E06000002"), Band.HIGH)
    closed.state = "closed"
    closed.save()
    client = client_for(users["sector_staff"])
    rows = client.get(reverse("earlywarning:queue")).context["rows"]
    assert [r["alert"] for r in rows] == [high, first, later]
    london = client.get(reverse("earlywarning:queue"), {"region": camden.region})
    assert [r["alert"] for r in london.context["rows"]] == [later]
    service = client.get(reverse("earlywarning:queue"), {"category": "service"})
    assert [r["alert"] for r in service.context["rows"]] == [later]


def test_queue_region_filter_lists_each_region_once(users, client_for):
    """The register has hundreds of councils in a handful of regions: each is offered once,
    in order, after "All regions"."""
    from selfreg.models import Council

    form = client_for(users["sector_staff"]).get(reverse("earlywarning:queue")).context["form"]
    regions = [value for value, _ in form.fields["region"].choices][1:]
    expected = sorted(
        set(Council.objects.with_gss().exclude(region="").values_list("region", flat=True))
    )
    assert regions == expected
    assert "London" in regions


def test_risk_page_explains_in_words_and_a_table(users, client_for, hartlepool):
    RiskAssessment.objects.create(
        council=hartlepool,
        as_of=datetime.date(2025, 1, 31),
        band=Band.WATCH,
        score=0.12,
        points=3.6,
        applicable_points=30,
        domains={"financial": {"points": 3.6, "max": 10, "signals": 1}},
        contributions=[
            {
                "code": "fin-reserves-runout",
                "name": "Usable reserves could run out",
                "domain": "financial",
                "severity": 2,
                "counted": 3.6,
                "value": "1.4 years",
                "group": "similar:E06000001 (its 15 similar councils)",
                "data_date": "2023-24",
                "source": "MHCLG Revenue Outturn Summary (RS)",
                "words": "Usable reserves would last 1.4 years at the current rate of draw-down.",
            }
        ],
    )
    response = client_for(users["sector_staff"]).get(
        reverse("earlywarning:risk", args=["E06000001"])
    )
    text = response.content.decode()
    assert "Usable reserves would last 1.4 years at the current rate of draw-down." in text
    assert "similar:E06000001 (its 15 similar councils)" in text
    assert "3.60 of the 30 points" in text
    assert SignalView.objects.filter(council=hartlepool).count() == 1


def test_corporate_change_through_the_form(users, client_for, hartlepool):
    client = client_for(users["sector_staff"])
    url = reverse("earlywarning:corporate", args=["E06000001"])
    response = client.post(url, {"kind": "s151_officer", "description": ""})
    assert response.status_code == 400
    assert not CorporateEvent.objects.exists()
    response = client.post(
        url,
        {
            "kind": "s151_officer",
            "occurred_on_0": "2",
            "occurred_on_1": "4",
            "occurred_on_2": "2025",
            "description": "Interim section 151 officer appointed.",
        },
    )
    assert response.status_code == 302
    event = CorporateEvent.objects.get()
    assert (event.kind, event.occurred_on) == ("s151_officer", datetime.date(2025, 4, 2))
    assert event.history.count() == 1


def test_corporate_import_is_all_or_nothing(users, tmp_path, db):
    path = tmp_path / "changes.csv"
    path.write_text(
        "gss_code,kind,occurred_on,description,source_url\n"
        "E06000001,political_control,2024-05-03,No overall control to Labour,\n"
        "E06000005,mayor,2024-05-03,x,\n"
        "W99999999,chief_executive,2099-01-01,,ftp://x\n"
    )
    with pytest.raises(CommandError) as error:
        call_command("import_corporate_events", str(path), "--user", users["sector_staff"].email)
    message = str(error.value)
    for words in ("kind must be one of", "W99999999", "future", "Enter what changed", "ftp://x"):
        assert words in message
    assert not CorporateEvent.objects.exists()
    path.write_text(
        "gss_code,kind,occurred_on,description\n"
        "E06000001,political_control,2024-05-03,No overall control to Labour\n"
        "E06000005,monitoring_officer,2024-06-01,New monitoring officer\n"
    )
    out = io.StringIO()
    call_command(
        "import_corporate_events", str(path), "--user", users["sector_staff"].email, stdout=out
    )
    assert "Corporate changes recorded: 2." in out.getvalue()
    with pytest.raises(CommandError, match="already recorded"):
        call_command("import_corporate_events", str(path), "--user", users["sector_staff"].email)
    with pytest.raises(CommandError, match="Only sector staff"):
        call_command("import_corporate_events", str(path), "--user", users["peer"].email)


# --- the invited conversation -----------------------------------------------------------------


def test_a_council_sees_only_the_messages_shared_with_it(users, client_for, hartlepool):
    alert = make_alert(hartlepool, Band.HIGH, invited=True)
    staff, officer = users["sector_staff"], users["officer"]
    conversation_post(user=staff, alert=alert, text="Staff only: reserves look thin.", shared=False)
    conversation_post(user=staff, alert=alert, text="Could we talk next week?", shared=True)
    response = client_for(officer).get(reverse("earlywarning:conversation", args=[alert.pk]))
    text = response.content.decode()
    assert "Could we talk next week?" in text
    assert "Staff only" not in text
    for secret in ("High", "high", "risk band", "The risk band rose", "reserves"):
        assert secret not in text
    response = client_for(officer).post(
        reverse("earlywarning:conversation", args=[alert.pk]), {"text": "Yes, Tuesday."}
    )
    assert response.status_code == 302
    reply = ConversationMessage.objects.get(text="Yes, Tuesday.")
    assert reply.shared_with_council and reply.author == officer
    listing = client_for(officer).get(reverse("earlywarning:conversations")).content.decode()
    assert reverse("earlywarning:conversation", args=[alert.pk]) in listing


@pytest.mark.parametrize("role", ["officer", "councillor", "other_officer", "peer", "provider"])
def test_a_council_not_invited_sees_nothing(users, client_for, role):
    """The conversation about a council that was not invited does not exist for anyone but
    sector staff, and the list of conversations is empty."""
    values = placeholders(users)
    kwargs, expected = PRIVATE_CONVERSATION
    url = reverse("earlywarning:conversation", kwargs={"pk": values[kwargs["pk"]]})
    assert client_for(users[role]).get(url).status_code == expected[role]
    listing = client_for(users[role]).get(reverse("earlywarning:conversations"))
    assert list(listing.context["alerts"]) == (
        [Alert.objects.get(pk=values["ALERT"])] if role == "officer" else []
    )
    with pytest.raises(PermissionDenied):
        conversation_post(
            user=users[role], alert=Alert.objects.get(pk=values["PRIVATE"]), text="x", shared=True
        )


def test_risk_page_shows_an_earlier_assessment_on_request(users, client_for, hartlepool):
    for day, band in (
        (datetime.date(2019, 3, 31), Band.ELEVATED),
        (datetime.date(2025, 1, 1), Band.LOW),
    ):
        RiskAssessment.objects.create(
            council=hartlepool, as_of=day, band=band, score=0.3, points=9, applicable_points=30
        )
    client = client_for(users["sector_staff"])
    url = reverse("earlywarning:risk", args=["E06000001"])
    assert client.get(url).context["assessment"].as_of == datetime.date(2025, 1, 1)
    earlier = client.get(url, {"as_of": "2019-03-31"}).context["assessment"]
    assert earlier.band == Band.ELEVATED
    assert client.get(url, {"as_of": "nonsense"}).context["assessment"].band == Band.LOW


def test_opening_an_alert_is_audited(alert, users, client_for):
    client_for(users["sector_staff"]).get(reverse("earlywarning:alert", args=[alert.pk]))
    assert SignalView.objects.get().council == alert.council


def test_demo_content_is_idempotent(db, catalogue):
    """The demo seeds a critical demo signal, its alert with an invited conversation and a
    replay of 2019, and running it twice adds nothing."""
    from earlywarning import demo
    from selfreg.demo import demo_seed

    demo_seed(password="x")
    out = io.StringIO()
    demo.seed(out)
    counts = (Alert.objects.count(), ConversationMessage.objects.count())
    replay = RiskAssessment.objects.filter(as_of=demo.REPLAY_DATE)
    first_replay = set(replay.values_list("pk", flat=True))
    assert first_replay
    demo.seed(out)
    assert (Alert.objects.count(), ConversationMessage.objects.count()) == counts
    # The replay is stored once and kept; today's is worked out again.
    assert set(replay.values_list("pk", flat=True)) == first_replay
    alert = Alert.objects.get(council__gss_code="E06000001")
    assert alert.reason == AlertReason.CRITICAL
    assert alert.council_invited
    assert "Early warning:" in out.getvalue()


def test_the_demo_assesses_today_once(db, catalogue, monkeypatch):
    """Within a load that holds its follow-on jobs (the seed), the demo's assessment of today
    is the one: the reassessment of every council that its signal asks for is not sent, and
    the demo council's stored assessment already counts the demo signal."""
    from django.utils import timezone

    from earlywarning import demo
    from selfreg import jobs
    from selfreg.demo import demo_seed

    sent = []
    monkeypatch.setattr(
        jobs, "_send", lambda task_name, kwargs, countdown=None: sent.append(task_name)
    )
    demo_seed(password="x")
    with jobs.jobs_coalesced():
        jobs.job_enqueue("earlywarning.tasks.risk_recompute_task")  # as an import asks
        demo.seed(io.StringIO())
    assert "earlywarning.tasks.risk_recompute_task" not in sent
    today = RiskAssessment.objects.get(
        council__gss_code=demo.DEMO_COUNCIL, as_of=timezone.localdate()
    )
    assert demo.DEMO_EVIDENCE in str(today.contributions)


# --- recording through the web ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["peer", "political_lead"])
def test_peers_and_political_leads_record_through_the_web(users, client_for, catalogue, role):
    """A peer or a political group's lead chooses the council, records a signal and comes back
    to choose another; what they recorded is stored with them as its author, sector staff see
    it, and they themselves cannot open the council's signals."""
    client = client_for(users[role])
    start = client.get(reverse("earlywarning:record_start"))
    assert start.status_code == 200
    chosen = client.get(reverse("earlywarning:record_start"), {"council": "E06000001"})
    assert chosen.url == reverse("earlywarning:record", args=["E06000001"])
    page = client.get(chosen.url)
    assert page.status_code == 200
    assert reverse("earlywarning:council", args=["E06000001"]) not in page.content.decode()
    response = client.post(
        chosen.url,
        {
            "signal_type": catalogue["member-officer-relations"].pk,
            "observed_on_0": "2",
            "observed_on_1": "3",
            "observed_on_2": "2025",
            "severity": "2",
            "evidence": "Leader and chief executive in open dispute at full council.",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("earlywarning:record_start")
    signal = RecordedSignal.objects.get()
    assert signal.recorded_by == users[role]
    assert signal.council.gss_code == "E06000001"
    assert client.get(reverse("earlywarning:council", args=["E06000001"])).status_code == 403
    staff_page = client_for(users["sector_staff"]).get(
        reverse("earlywarning:council", args=["E06000001"])
    )
    assert "Leader and chief executive in open dispute" in staff_page.content.decode()


def test_recording_a_bad_form_or_council_changes_nothing(users, client_for, catalogue):
    client = client_for(users["peer"])
    unknown = client.get(reverse("earlywarning:record_start"), {"council": "E99999999"})
    assert unknown.status_code == 400
    assert "Choose a council from the list" in unknown.content.decode()
    empty = client.post(reverse("earlywarning:record", args=["E06000001"]), {"severity": "2"})
    assert empty.status_code == 400
    assert "Enter the evidence for the signal" in empty.content.decode()
    assert not RecordedSignal.objects.exists()


@pytest.mark.parametrize("role", ["officer", "councillor", "provider"])
def test_others_cannot_record(users, client_for, role):
    assert client_for(users[role]).get(reverse("earlywarning:record_start")).status_code == 403
