"""Early-warning journeys in Chromium, with axe (WCAG 2.2 AA) on every page visited: sector
staff open the queue, read the risk assessment, and take an alert from new to closed; an
invited council officer reads and answers the shared conversation."""

import datetime

import pytest
from django.core import mail

from earlywarning.models import Alert, AlertReason, AlertState, Band, RiskAssessment
from earlywarning.services import signal_types_load
from peerchallenge.models import Challenge
from tests.browser.conftest import assert_accessible, sign_in


@pytest.fixture
def alert(users, hartlepool):
    import pandas as pd

    from earlywarning.thresholds import DATA

    signal_types_load(
        frame=pd.read_csv(DATA / "signal_types.csv", dtype=str, keep_default_na=False)
    )
    RiskAssessment.objects.create(
        council=hartlepool,
        as_of=datetime.date(2025, 1, 31),
        band=Band.ELEVATED,
        score=0.31,
        points=9.3,
        applicable_points=30,
        domains={"financial": {"points": 6.0, "max": 10, "signals": 2}},
        contributions=[
            {
                "code": "fin-reserves-runout",
                "name": "Usable reserves could run out",
                "domain": "financial",
                "severity": 3,
                "counted": 4.5,
                "value": "1.4 years",
                "group": "similar:E06000001 (its 15 similar councils)",
                "data_date": "2023-24",
                "source": "MHCLG Revenue Outturn Summary (RS)",
                "words": "Usable reserves would last 1.4 years at the current rate of "
                "draw-down; the median for its 15 similar councils is 6.2 years.",
            }
        ],
    )
    # The support staff will offer: Hartlepool's finance peer challenge, being scoped.
    Challenge.objects.create(host=hartlepool, kind="finance", state="scoping")
    return Alert.objects.create(
        council=hartlepool,
        reason=AlertReason.BAND,
        band=Band.ELEVATED,
        band_rank=2,
        categories=",financial,",
        summary="The risk band rose to elevated on 31 January 2025.",
    )


def move(page, state_label):
    page.get_by_label("Move the alert to").select_option(label=state_label)
    page.get_by_role("button", name="Move", exact=True).click()
    page.wait_for_load_state()
    assert_accessible(page)


def test_sector_staff_triage_an_alert_from_new_to_closed(page, users, alert):
    sign_in(page, "sector_staff@example.com")
    page.goto("/early-warning/")
    assert_accessible(page)
    page.get_by_role("link", name="Triage queue of open alerts").click()
    assert_accessible(page)
    page.get_by_role("link", name="Hartlepool").click()
    assert_accessible(page)

    page.get_by_role("link", name="Read the risk assessment and every contribution").click()
    assert page.get_by_text("Usable reserves would last 1.4 years").first.is_visible()
    assert_accessible(page)
    page.go_back()

    move(page, "Triaged")
    page.get_by_label("Assign to").select_option(label=str(users["sector_staff"]))
    page.get_by_role("button", name="Save assignment").click()
    page.wait_for_load_state()
    assert_accessible(page)
    assert len(mail.outbox) == 1

    page.get_by_label("Note").fill("Spoke to the section 151 officer.")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_load_state()
    assert_accessible(page)

    move(page, "In conversation")
    page.get_by_role("button", name="Invite the council's officers into the conversation").click()
    page.wait_for_load_state()
    page.get_by_label("Message").fill("We would like to offer a finance peer challenge.")
    page.get_by_label("Share with the council's officers").check()
    page.get_by_role("button", name="Send message").click()
    page.wait_for_load_state()
    assert_accessible(page)

    page.get_by_text("Link support offered").click()
    page.get_by_label("Support offered").select_option(
        label="Finance peer challenge, Hartlepool (scoping)"
    )
    page.get_by_role("button", name="Link support").click()
    page.wait_for_load_state()
    assert_accessible(page)

    move(page, "Support offered")
    move(page, "Monitoring")
    move(page, "Closed")
    alert.refresh_from_db()
    assert alert.state == AlertState.CLOSED
    assert alert.assignee == users["sector_staff"]
    assert sorted(alert.events.values_list("kind", flat=True)) == sorted(
        ["state"] * 5 + ["assigned", "note", "invited", "support"]
    )
    assert alert.messages.get().shared_with_council
    linked = page.get_by_role("link", name="Finance peer challenge, Hartlepool (scoping)")
    assert linked.is_visible()


def test_invited_officer_answers_in_the_conversation(page, users, alert):
    from earlywarning.services import alert_invite, conversation_post

    staff = users["sector_staff"]
    alert_invite(user=staff, alert=alert)
    conversation_post(user=staff, alert=alert, text="Could we meet next week?", shared=True)
    conversation_post(user=staff, alert=alert, text="Internal: reserves thin.", shared=False)
    sign_in(page, "officer@example.com")
    page.goto("/early-warning/conversations/")
    assert_accessible(page)
    page.get_by_role("link", name="Hartlepool: conversation started").click()
    assert_accessible(page)
    assert page.get_by_text("Could we meet next week?").is_visible()
    assert page.get_by_text("Internal: reserves thin.").count() == 0
    page.get_by_label("Message").fill("Yes, Tuesday suits us.")
    page.get_by_role("button", name="Send message").click()
    page.wait_for_load_state()
    assert_accessible(page)
    assert page.get_by_text("Yes, Tuesday suits us.").is_visible()
    page.goto("/early-warning/alerts/")
    assert page.get_by_text("Triage queue").count() == 0


def test_a_political_group_lead_records_a_signal_that_only_staff_read(page, users):
    """From the menu: choose the council, record, and come back to choose another. The lead
    never sees the council's signals; sector staff do."""
    import pandas as pd

    from earlywarning.models import RecordedSignal
    from earlywarning.thresholds import DATA

    signal_types_load(
        frame=pd.read_csv(DATA / "signal_types.csv", dtype=str, keep_default_na=False)
    )
    sign_in(page, "political_lead@example.com")
    page.get_by_role("link", name="Record a signal").click()
    assert_accessible(page)
    page.get_by_label("Which council is it about?").select_option(label="Hartlepool")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert_accessible(page)

    page.get_by_role("button", name="Record signal").click()  # nothing filled in
    page.wait_for_load_state()
    assert page.get_by_text("Enter the evidence for the signal").first.is_visible()
    assert_accessible(page)
    assert not RecordedSignal.objects.exists()

    page.get_by_label("What kind of signal is it?").select_option(
        label="Poor member/officer relations"
    )
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2025")
    page.get_by_label("2: medium").check()
    page.get_by_label("Evidence").fill(
        "Group leaders report the leader and chief executive at odds."
    )
    page.get_by_role("button", name="Record signal").click()
    page.wait_for_load_state()
    assert page.get_by_text("Signal recorded for Hartlepool.").is_visible()
    assert page.get_by_label("Which council is it about?").is_visible()
    assert_accessible(page)
    signal = RecordedSignal.objects.get()
    assert signal.recorded_by == users["political_lead"]
    assert page.goto("/early-warning/councils/E06000001/").status == 403
