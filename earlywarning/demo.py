"""Demo content for a first run: risk assessed from the real data the seed loaded, and a
triage queue to work on. Idempotent.

The assessments come from the real finance and inspection data: today's, and a replay as of
31 March 2019, four months after the 2017-18 revenue outturn was published. The replay is
stored for the risk pages but opens no alert: the triage queue shows only what is true now,
so its alerts come from today's assessment and from recorded signals. One demo
critical signal about the demo council, an assignment, a note and a shared message are demo
content and say so.

Today is assessed once, after every figure the seed loads: the reassessment of every council
that the seed's imports and the demo signal ask for would only repeat it, so it is not sent.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from earlywarning import services
from earlywarning.models import (
    Alert,
    ConversationMessage,
    RecordedSignal,
    RiskAssessment,
    SignalType,
)
from earlywarning.thresholds import DATA
from selfreg.jobs import job_done, jobs_coalesced
from selfreg.models import Council, User

DEMO_COUNCIL = "E06000001"  # Hartlepool: the demo officer's council
REPLAY_DATE = datetime.date(2019, 3, 31)
DEMO_EVIDENCE = (
    "Demo content: a made-up critical signal, to show how a critical signal opens an alert."
)


def seed(stdout) -> None:
    # Held here too when the demo runs on its own (seed_demo), not only within the seed.
    with jobs_coalesced():
        _seed(stdout)


def _seed(stdout) -> None:
    import pandas as pd

    services.signal_types_load(
        frame=pd.read_csv(
            DATA / "signal_types.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    )
    staff = User.objects.filter(email="staff@example.com").first()
    council = Council.objects.filter(gss_code=DEMO_COUNCIL).first()
    if staff is None or council is None:
        stdout.write("Early warning: demo users or the register missing; nothing seeded.")
        return
    # The replay opens no alert and is stored once, so a second seed stays quick; after loading
    # more figures, `recompute_risk --as-of 2019-03-31` works it out again. Today's is worked
    # out on every run, for whatever the seed has loaded since.
    if not RiskAssessment.objects.filter(as_of=REPLAY_DATE).exists():
        services.risk_recompute(as_of=REPLAY_DATE)
    today = services.risk_recompute()
    if not RecordedSignal.objects.filter(evidence=DEMO_EVIDENCE).exists():
        services.signal_record(
            user=staff,
            council=council,
            signal_type=SignalType.objects.get(code="financial-distress"),
            observed_on=timezone.localdate(),
            severity=3,
            evidence=DEMO_EVIDENCE,
            critical=True,
        )
        # The signal is about the demo council alone: only its assessment changes.
        services.risk_recompute(gss_codes=[DEMO_COUNCIL])
    # Today's assessment above is the reassessment asked for so far; sent, it would repeat it.
    job_done(services.RISK_RECOMPUTE_TASK)
    alert = Alert.objects.open().filter(council=council).first()
    with transaction.atomic():
        if alert is not None and not alert.council_invited:
            services.alert_invite(user=staff, alert=alert)
            services.conversation_post(
                user=staff,
                alert=alert,
                text="Demo content: we would like to talk about how the sector could help.",
                shared=True,
            )
        first = Alert.objects.open().exclude(council=council).order_by("-band_rank").first()
        if first is not None and first.assignee_id is None:
            services.alert_transition(user=staff, alert=first, state="triaged")
            services.alert_assign(user=staff, alert=first, assignee=staff)
            services.alert_note(
                user=staff, alert=first, text="Demo content: read the contributions first."
            )
    bands = {}
    for result in today.results.values():
        bands[result.band] = bands.get(result.band, 0) + 1
    stdout.write(
        f"Early warning: {today.saved} councils assessed today "
        f"({', '.join(f'{n} {b}' for b, n in sorted(bands.items()))}), and as of "
        f"{REPLAY_DATE:%-d %B %Y}; {Alert.objects.open().count()} open alerts, "
        f"{ConversationMessage.objects.count()} conversation messages. "
        f"{len(today.alerts_opened)} alerts opened by this run."
    )
