"""Risk assessments from the portal's data: recompute_risk, alerts opening, back-testing."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from benchmarking.models import Metric, SimilarCouncil, Source, Value
from earlywarning import selectors
from earlywarning.backtest import share_interval
from earlywarning.management.commands.backtest_risk import read_events
from earlywarning.models import Alert, AlertReason, RiskAssessment
from earlywarning.services import risk_chunks, risk_recompute, signal_record
from selfreg import settings as portal_settings
from selfreg.fileproblems import read_table
from selfreg.models import Council, CouncilType

HARTLEPOOL, DARLINGTON = "E06000001", "E06000005"
NEIGHBOURS = ["E06000002", "E06000003", "E06000004", "E06000006", "E06000007", "E06000008"]
YEARS = ["2015-16", "2016-17", "2017-18"]


def metric(code, unit="%"):
    return Metric.objects.get_or_create(
        code=code,
        defaults={"title": code, "element": "cost", "unit": unit, "dataset": "england-rs"},
    )[0]


def put(gss, code, period, value, numerator=None, unit="%"):
    v = Value(
        council=Council.objects.get(gss_code=gss),
        metric=metric(code, unit),
        value=value,
        numerator=numerator,
        source=Source.DATASET,
        source_ref="england-rs",
    )
    v.set_period(period)
    v.save()


def finances(gss, reserves, change):
    """Reserves at each year end and the yearly change (in £ thousand)."""
    for period, level in zip(YEARS, reserves, strict=True):
        put(gss, "fin-usable-reserves", period, level, unit="£ thousand")
        put(gss, "fin-reserves-change", period, change / (level - change) * 100, numerator=change)
        put(gss, "fin-reserves-to-nre", period, level / 10)


@pytest.fixture
def finance_data(db, catalogue):
    """Hartlepool and Darlington draw £40k a year from small reserves; their six similar
    councils add £5k a year to large ones."""
    for gss in (HARTLEPOOL, DARLINGTON):
        finances(gss, [100, 60, 20], -40)
        council = Council.objects.get(gss_code=gss)
        for rank, other in enumerate(NEIGHBOURS, start=1):
            SimilarCouncil.objects.create(
                council=council,
                neighbour=Council.objects.get(gss_code=other),
                rank=rank,
                distance=rank,
            )
    for other in NEIGHBOURS:
        finances(other, [300, 305, 310], 5)
    # Shared with the council only: must never feed the sector's assessment.
    put(HARTLEPOOL, "fin-interest-to-nre", "2017-18", 90)
    Value.objects.filter(metric__code="fin-interest-to-nre").update(visibility="council")


def run_json(*args):
    out = io.StringIO()
    call_command("recompute_risk", *args, "--json", stdout=out)
    payload = json.loads(out.getvalue())
    return {c["gss_code"]: c for c in payload["councils"]}, payload


def reserves_years(contributions):
    return next(
        c
        for c in contributions
        if c["code"] == "fin-resilience" and c["words"].startswith("Reserves sustainability")
    )


def test_recompute_explains_each_council_from_data_known_then(finance_data):
    """On 29 November 2018 only 2016-17 is known: reserves of £60k falling £40k a year last
    1.5 years. From 30 November 2018 the 2017-18 figures count: £20k lasts 0.5 years. The
    similar councils, adding to their reserves, count as never running out: both are far
    beyond the calibrated line."""
    before, payload = run_json("--as-of", "2018-11-29", "--no-save")
    assert payload["as_of"] == "2018-11-29"
    words = [c["words"] for c in before[HARTLEPOOL]["contributions"]]
    assert (
        "was 1.5 years in 2016-17" in reserves_years(before[HARTLEPOOL]["contributions"])["words"]
    )
    assert all("2017-18" not in w for w in words)

    after, _ = run_json("--as-of", "2018-11-30", "--no-save")
    hartlepool = after[HARTLEPOOL]
    runout = reserves_years(hartlepool["contributions"])
    assert runout["value"] == "0.5 years"
    assert runout["severity"] == 3
    assert runout["data_date"] == "2017-18"
    assert runout["source"] == "MHCLG Revenue Outturn Summary (RS)"
    assert runout["group"] == f"similar:{HARTLEPOOL} (its 6 similar councils)"
    assert runout["observed_on"] == "2018-11-30"
    assert hartlepool["band"] in {"watch", "elevated", "high"}
    assert set(hartlepool) >= {"band", "score", "contributions", "domains", "held_back"}
    assert not RiskAssessment.objects.exists()  # --no-save


def test_values_kept_to_the_council_never_count(finance_data):
    """Hartlepool's 90% interest figure is visible to Hartlepool alone: no signal from it."""
    result, _ = run_json("--as-of", "2019-01-31", "--no-save")
    contributions = result[HARTLEPOOL]["contributions"]
    assert {c["code"] for c in contributions} == {"fin-resilience"}
    assert not [c for c in contributions if "interest" in c["words"].lower()]
    assert reserves_years(contributions)


def test_financial_signals_alone_are_held_until_a_second_period(finance_data):
    """On 30 November 2017 the 2016-17 figures became known and the financial points reach
    elevated, but three months earlier (2015-16 figures only) they did not: the band is held
    at watch. By 31 March 2018 the previous quarter (31 December 2017) was elevated too, so
    the band stands."""
    first, _ = run_json("--as-of", "2017-11-30", "--no-save")
    assert first[HARTLEPOOL]["raw_band"] in {"elevated", "high"}
    assert first[HARTLEPOOL]["band"] == "watch"
    assert "one domain (financial)" in first[HARTLEPOOL]["held_back"]
    later, _ = run_json("--as-of", "2018-03-31", "--no-save")
    assert later[HARTLEPOOL]["band"] in {"elevated", "high"}


def test_text_output_lists_bands_and_contributions(finance_data):
    out = io.StringIO()
    call_command("recompute_risk", "--as-of", "2019-01-31", "--no-save", stdout=out)
    text = out.getvalue()
    assert text.startswith("Risk as of 2019-01-31:")
    assert f"Hartlepool ({HARTLEPOOL}):" in text
    assert (
        "[financial] Reserves sustainability (years of usable reserves at the recent "
        "draw-down) was 0.5 years" in text
    )


def test_recompute_rejects_bad_and_future_dates(db):
    with pytest.raises(CommandError, match="not a date"):
        call_command("recompute_risk", "--as-of", "31/01/2019", stdout=io.StringIO())
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="future"):
        call_command("recompute_risk", "--as-of", tomorrow, stdout=io.StringIO())


@pytest.fixture
def two_domains(users, catalogue, hartlepool, django_capture_on_commit_callbacks):
    """Recent signals in two domains for Hartlepool: audit and governance 6 + 4.5 (its
    maximum of 8 counts) and corporate 2.25: 10.25 of 30 points, 34%: elevated. Each
    recording recomputes risk once committed."""
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        _record_two_domains(users, catalogue, hartlepool, today)


def _record_two_domains(users, catalogue, hartlepool, today):
    for code in ("public-interest-report", "statutory-recommendation"):
        signal_record(
            user=users["sector_staff"],
            council=hartlepool,
            signal_type=catalogue[code],
            observed_on=today,
            severity=3,
            evidence="Auditor's report.",
        )
    signal_record(
        user=users["sector_staff"],
        council=hartlepool,
        signal_type=catalogue["member-officer-relations"],
        observed_on=today,
        severity=3,
        evidence="Public dispute.",
    )


def test_a_band_rising_to_elevated_opens_one_alert(two_domains):
    """Recording the signals recomputes risk (Celery, eager here) and opens an alert; running
    again stores the same assessment and opens nothing more."""
    alerts = Alert.objects.filter(council__gss_code=HARTLEPOOL)
    assert alerts.count() == 1
    alert = alerts.get()
    assert alert.reason == AlertReason.BAND
    assert alert.band in {"elevated", "high"}
    assert alert.category_list() == ["corporate"]
    assert alert.events.get().kind == "opened"
    assessment = RiskAssessment.objects.get(council__gss_code=HARTLEPOOL)
    assert assessment.as_of == timezone.localdate()
    assert len(assessment.contributions) == 3

    report = risk_recompute()
    assert report.alerts_opened == []
    assert alerts.count() == 1
    assert RiskAssessment.objects.filter(council__gss_code=HARTLEPOOL).count() == 1


def test_a_critical_signal_opens_an_alert_at_once(users, catalogue, hartlepool):
    signal_record(
        user=users["peer"],
        council=hartlepool,
        signal_type=catalogue["financial-distress"],
        observed_on=timezone.localdate(),
        severity=3,
        evidence="Section 114 notice expected at Thursday's cabinet.",
        critical=True,
    )
    alert = Alert.objects.get(council=hartlepool)
    assert alert.reason == AlertReason.CRITICAL
    assert "Critical signal recorded: Financial distress" in alert.summary
    assert alert.category_list() == ["financial"]


def test_a_replay_stores_assessments_but_opens_no_alert(finance_data, users, client_for):
    """Replayed as of 31 March 2018, Hartlepool's band is elevated or higher, and the replay is
    stored for the risk page; but no alert opens, so today's queue does not show a 2018 band
    as new and current ("elevated, 0 days open")."""
    report = risk_recompute(as_of=datetime.date(2018, 3, 31))
    replayed = RiskAssessment.objects.get(council__gss_code=HARTLEPOOL)
    assert replayed.band in {"elevated", "high"}
    assert report.alerts_opened == []
    assert not Alert.objects.exists()
    rows = client_for(users["sector_staff"]).get(reverse("earlywarning:queue")).context["rows"]
    assert rows == []


def test_changed_values_trigger_a_recompute_through_celery(db, catalogue, hartlepool):
    """When benchmarking's comparisons task finishes (after values change), early warning's
    risk task runs: today's assessments appear."""
    from benchmarking.tasks import comparisons_recompute_task

    assert not RiskAssessment.objects.exists()
    comparisons_recompute_task.delay(pairs=[])
    assert RiskAssessment.objects.filter(as_of=timezone.localdate()).count() > 300


# --- back-testing -----------------------------------------------------------------------------


def events_file(tmp_path, rows):
    path = tmp_path / "events.csv"
    path.write_text("gss_code,event_date,kind\n" + "\n".join(rows) + "\n")
    return str(path)


def test_backtest_on_constructed_events(finance_data, tmp_path):
    """Hartlepool's section 114 in June 2019 was flagged in the 12 months before: elevated on
    31 March 2019, the second quarter after the 2017-18 figures (the first was held at watch,
    financial signals alone); by the event the points had faded to watch. Darlington, flagged
    too with no event, is a false alarm. The reserves baseline does the same; the debt
    baseline, with no debt figures, flags nothing. The shipped thresholds (`--thresholds
    today`): this database has too few council-years to calibrate its own."""
    path = events_file(tmp_path, [f"{HARTLEPOOL},2019-06-30,s114"])
    out = io.StringIO()
    call_command(
        "backtest_risk",
        *("--events", path, "--horizon-months", "12", "--thresholds", "today", "--json"),
        stdout=out,
    )
    (result,) = json.loads(out.getvalue())
    assert result["thresholds"] == "fixed"
    assert result["events"] == 1
    assert result["flagged_in_time"] == 1
    assert result["lead_months"] == [2]
    assert result["false_alarms"] == 1  # Darlington
    (alarm,) = result["false_alarm_councils"]
    assert (alarm["gss_code"], alarm["name"]) == (DARLINGTON, "Darlington")
    assert alarm["first_flagged"] == "2019-03-31"
    assert result["councils_assessed"] > 300
    assert result["false_alarm_rate"] == round(1 / result["councils_assessed"], 4)
    assert result["flagged_in_time_interval"] == [0.2065, 1.0]  # 1 of 1
    low, high = result["false_alarm_rate_interval"]
    assert low < result["false_alarm_rate"] < high
    (event,) = result["per_event"]
    assert event["gss_code"] == HARTLEPOOL
    assert event["event_date"] == "2019-06-30"
    assert event["first_flagged"] == "2019-03-31"
    assert event["first_held_at_watch"] == "2018-12-31"  # financial signals alone, at first
    assert event["band_at_event"] == "watch"
    reserves = result["baselines"]["reserves_runout"]
    assert (reserves["rule"], reserves["flagged_in_time"], reserves["false_alarms"]) == (
        "fin-reserves-runout",
        1,
        1,
    )
    assert result["baselines"]["debt_to_nre"]["flagged_in_time"] == 0
    assert result["baselines"]["debt_to_nre"]["false_alarms"] == 0


def test_backtest_names_a_council_the_two_domain_rule_held_at_watch(finance_data, tmp_path):
    """The constructed case above, with the event on 31 March 2019 and a 6-month horizon: the
    points before it are 30 September and 31 December 2018. On 31 December Hartlepool's points
    reached elevated on financial signals alone, and the two-domain rule held it at watch; it
    would have stood on the event date itself, which does not count. Not flagged in time, and
    the report says why."""
    path = events_file(tmp_path, [f"{HARTLEPOOL},2019-03-31,s114"])
    out = io.StringIO()
    args = ("--events", path, "--horizon-months", "6", "--thresholds", "today")
    call_command("backtest_risk", *args, "--json", stdout=out)
    (event,) = json.loads(out.getvalue())[0]["per_event"]
    assert (event["first_flagged"], event["first_held_at_watch"]) == (None, "2018-12-31")
    text = io.StringIO()
    call_command("backtest_risk", *args, stdout=text)
    assert (
        f"{HARTLEPOOL} 2019-03-31 s114: first flagged never (its points reached elevated on "
        "2018-12-31; the two-domain rule held it at watch)"
    ) in text.getvalue()


def test_backtest_event_before_any_data_is_missed(finance_data, tmp_path):
    """An event before the first figures were published cannot have been flagged."""
    path = events_file(tmp_path, [f"{HARTLEPOOL},2016-06-30,s114"])
    out = io.StringIO()
    call_command("backtest_risk", "--events", path, "--horizon-months", "6", "--json", stdout=out)
    (result,) = json.loads(out.getvalue())
    assert result["flagged_in_time"] == 0
    assert result["per_event"][0]["first_flagged"] is None
    assert result["per_event"][0]["band_at_event"] == "low"
    text = io.StringIO()
    call_command("backtest_risk", "--events", path, "--horizon-months", "6", stdout=text)
    assert "0 of 1 events (0%, 95% interval 0.0% to 79.3%) flagged at elevated or above " in (
        text.getvalue()
    )
    assert "within 6 months before (none flagged in time)" in text.getvalue()


def test_backtest_text_and_bad_files(finance_data, tmp_path):
    out = io.StringIO()
    good = events_file(tmp_path, [f"{HARTLEPOOL},2019-06-30,s114"])
    call_command(
        "backtest_risk",
        "--events",
        good,
        "--horizon-months",
        "12",
        "--thresholds",
        "today",
        stdout=out,
    )
    assert out.getvalue().startswith(
        "1 of 1 events (100%, 95% interval 20.6% to 100.0%) flagged at elevated or above"
    )
    assert "(median lead 2 months)" in out.getvalue()
    assert "Flagged with no event following (first flagged): Darlington (2019-03-31)." in (
        out.getvalue()
    )
    bad = events_file(tmp_path, ["W99999999,2019-06-30,s114", f"{HARTLEPOOL},30/06/2019,s114"])
    with pytest.raises(CommandError) as error:
        call_command("backtest_risk", "--events", bad, "--horizon-months", "12")
    assert "Row 2" in str(error.value) or "row 2" in str(error.value)
    assert "W99999999" in str(error.value)
    assert "30/06/2019" in str(error.value)
    with pytest.raises(CommandError, match="at least one month"):
        call_command("backtest_risk", "--events", good, "--horizon-months", "0")


def test_backtest_calibrates_at_each_date_on_what_was_known(finance_data, tmp_path):
    """By default the resilience thresholds are worked out at each date from the figures
    known then: here 8 councils and at most 3 years, far fewer than the 200 council-years an
    indicator needs, so nothing is calibrated and nothing flagged, where the shipped
    thresholds (which saw every year of the full data) flag Hartlepool."""
    path = events_file(tmp_path, [f"{HARTLEPOOL},2019-06-30,s114"])

    def run(*extra):
        out = io.StringIO()
        call_command(
            "backtest_risk",
            "--events",
            path,
            "--horizon-months",
            "12",
            "--json",
            *extra,
            stdout=out,
        )
        return json.loads(out.getvalue())[0]

    as_known = run()
    assert as_known["thresholds"] == "calibrated at each date"
    assert (as_known["flagged_in_time"], as_known["false_alarms"]) == (0, 0)
    # The baselines' hand-set thresholds do not depend on the calibration.
    assert as_known["baselines"]["reserves_runout"]["flagged_in_time"] == 1
    assert run("--thresholds", "today")["flagged_in_time"] == 1
    # The earlier rule, asked for by its setting, flags on a single extreme figure too.
    earlier = run("--thresholds", "today", "--setting", "require_corroboration=0")
    assert earlier["per_event"][0]["first_flagged"] == "2019-03-31"
    with pytest.raises(CommandError, match="no setting 'corroboration'"):
        run("--setting", "corroboration=0")
    with pytest.raises(CommandError, match="not a number"):
        run("--setting", "sustained_years=two")


def test_backtest_replays_the_register_as_it_stood(finance_data, tmp_path):
    """Northamptonshire County Council, abolished on 1 April 2021, is accepted for its 2018
    notice and assessed while it existed; by default the run reports 12, 24 and 36 months.
    An event after a council's end is refused, with nothing run."""
    path = events_file(tmp_path, ["E10000021,2018-02-02,s114", f"{HARTLEPOOL},2019-06-30,s114"])
    out = io.StringIO()
    call_command("backtest_risk", "--events", path, "--json", stdout=out)
    results = json.loads(out.getvalue())
    assert [r["horizon_months"] for r in results] == [12, 24, 36]
    current = Council.objects.with_gss().current().count()
    for result in results:
        northants = next(e for e in result["per_event"] if e["gss_code"] == "E10000021")
        assert northants["band_at_event"] == "low"  # assessed: no figures of its own here
        # Former councils that existed during the replay are assessed too.
        assert result["councils_assessed"] > current - 20
        assert set(result["baselines"]) == {"reserves_runout", "debt_to_nre", "worst_decile"}
    late = events_file(tmp_path, ["E10000021,2022-01-01,s114"])
    with pytest.raises(CommandError, match="did not exist on 2022-01-01"):
        call_command("backtest_risk", "--events", late, "--horizon-months", "12")


@pytest.mark.parametrize(
    "name, events, councils",
    [
        ("england_section114_notices_2018_2023.csv", 8, 7),
        ("england_exceptional_financial_support_2020_21.csv", 8, 8),
    ],
)
def test_the_shipped_events_files_read_cleanly_against_the_register(db, name, events, councils):
    """Every events file the portal ships names councils of the register, abolished ones
    included, on days they existed; a file that stopped reading would stop its back-test."""
    path = portal_settings.BASE_DIR / "data" / "events" / name
    known = {c.gss_code: c for c in selectors.councils(former=True)}
    parsed = read_events(read_table(path.read_bytes(), path.name), known)
    assert len(parsed) == events
    assert len({e.gss_code for e in parsed}) == councils


def test_the_register_on_a_date():
    """A council is assessed from its start date and up to, not on, its end date."""
    from earlywarning.risk import CouncilInfo

    northants = CouncilInfo(
        "E10000021", "Northamptonshire", True, end_date=datetime.date(2021, 4, 1)
    )
    north = CouncilInfo(
        "E06000061", "North Northamptonshire", True, start_date=datetime.date(2021, 4, 1)
    )
    assert northants.exists_on(datetime.date(2021, 3, 31))
    assert not northants.exists_on(datetime.date(2021, 4, 1))
    assert not north.exists_on(datetime.date(2021, 3, 31))
    assert north.exists_on(datetime.date(2021, 4, 1))


def test_worst_decile_baseline_by_hand():
    """Twenty councils: reserves to NRE 1% to 20% and debt to NRE 10% to 200%. The lowest
    tenth of reserves (1%, 2%: A and B) and the highest tenth of debt (190%, 200%: S and T)
    are flagged; a council not assessed that day (U, with the lowest reserves) is not counted."""
    import pandas as pd

    from earlywarning.backtest import worst_decile
    from earlywarning.rules import Inputs

    codes = [chr(ord("A") + i) for i in range(21)]
    rows = []
    for i, gss in enumerate(codes):
        for metric, value in (("fin-reserves-to-nre", i + 1), ("fin-debt-to-nre", 10 * (i + 1))):
            rows.append(
                {"gss_code": gss, "metric": metric, "value": value, "period_end": "2019-03-31"}
            )
    rows.append(
        {"gss_code": "U", "metric": "fin-reserves-to-nre", "value": 0, "period_end": "2019-03-31"}
    )
    # An older, worse figure for C does not count: only the latest known.
    rows.append(
        {"gss_code": "C", "metric": "fin-reserves-to-nre", "value": 0, "period_end": "2018-03-31"}
    )
    inputs = Inputs(values=pd.DataFrame(rows))
    assert worst_decile(inputs, set(codes[:20])) == {"A", "B", "S", "T"}


def test_share_interval_by_hand():
    """p = 3/8, z = 1.96: centre (p + z²/16) / (1 + z²/8) = 0.4155, half-width
    z·sqrt(p(1-p)/8 + z²/256) / (1 + z²/8) = 0.2787; none of 8 still allows up to a third;
    nothing to count gives no interval."""
    assert share_interval(3, 8) == [0.1368, 0.6943]
    assert share_interval(0, 8) == [0.0, 0.3244]
    assert share_interval(8, 8) == [0.6756, 1.0]
    assert share_interval(21, 430) == [0.0322, 0.0735]
    assert share_interval(0, 0) is None


def test_lead_months():
    from earlywarning.backtest import months_between

    assert months_between(datetime.date(2018, 11, 30), datetime.date(2020, 11, 11)) == 23
    assert months_between(datetime.date(2019, 6, 30), datetime.date(2020, 6, 30)) == 12


def test_the_nightly_schedule_reassesses_risk():
    """The one beat schedule runs the registered risk task every night."""
    from celery import current_app

    from selfreg.schedules import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["recompute-risk"]
    assert entry["task"] == "earlywarning.tasks.risk_recompute_task"
    assert entry["task"] in current_app.tasks
    assert entry["schedule"].hour == {3}


def test_summary_prints_only_the_counts(finance_data):
    out = io.StringIO()
    call_command("recompute_risk", "--as-of", "2019-01-31", "--summary", "--no-save", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Risk as of 2019-01-31:")


def test_backtest_scoring_of_flags_is_exact():
    """Hand-worked: a flag 6 months before the event is in time; a flag with no event after it
    is a false alarm; a flag after the council's own event counts neither way."""
    from earlywarning.backtest import Event, _score

    event = Event("A", datetime.date(2020, 6, 30), "s114")
    flags = {
        datetime.date(2019, 12, 31): {"A", "B"},
        datetime.date(2020, 6, 30): {"A"},
        datetime.date(2020, 9, 30): {"A", "C"},
    }
    first, false_alarms = _score(flags, [event], 12)
    assert first[event] == datetime.date(2019, 12, 31)
    assert false_alarms == {"B", "C"}
    first, _ = _score(flags, [event], 3)
    assert first[event] is None


def test_an_open_alert_keeps_the_highest_band(
    users, catalogue, hartlepool, django_capture_on_commit_callbacks
):
    """A critical signal opens an alert at the band of the day; when the band later rises the
    same alert rises with it (and says so); when the signals fade it does not fall."""
    staff = users["sector_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        signal_record(
            user=staff,
            council=hartlepool,
            signal_type=catalogue["financial-distress"],
            observed_on=timezone.localdate(),
            severity=1,
            evidence="Budget gap.",
            critical=True,
        )
    alert = Alert.objects.get(council=hartlepool)
    assert alert.band == "low"
    with django_capture_on_commit_callbacks(execute=True):
        _record_two_domains(users, catalogue, hartlepool, timezone.localdate())
    alert.refresh_from_db()
    assert Alert.objects.filter(council=hartlepool).count() == 1
    assert alert.band in {"elevated", "high"}
    assert alert.events.filter(text__startswith="The risk band rose to").exists()
    risk_recompute(as_of=timezone.localdate() + datetime.timedelta(days=3000), save=True)
    alert.refresh_from_db()
    assert alert.band in {"elevated", "high"}


# --- split by council -------------------------------------------------------------------------


def stored_assessments(as_of) -> dict:
    return {
        a.council.gss_code: (a.band, a.score, a.points, a.domains, a.contributions, a.held_back)
        for a in RiskAssessment.objects.filter(as_of=as_of).select_related("council")
    }


def test_chunks_by_council_store_what_one_run_over_every_council_stores(finance_data, settings):
    """Assessing councils a few at a time, each chunk reading only its councils' figures and
    their similar councils', stores the same assessments as one run over every council:
    Hartlepool and Darlington, in different chunks from their similar councils, still see
    them."""
    day = datetime.date(2019, 6, 30)
    whole = risk_recompute(as_of=day, open_alerts=False)
    expected = stored_assessments(day)
    assert expected[HARTLEPOOL][0] != "low" and len(expected) > 300
    RiskAssessment.objects.all().delete()

    chunks = risk_chunks(7)
    assert len(chunks) > 40 and not any({HARTLEPOOL, *NEIGHBOURS} <= set(chunk) for chunk in chunks)
    saved = sum(
        risk_recompute(as_of=day, open_alerts=False, gss_codes=chunk).saved for chunk in chunks
    )
    assert saved == whole.saved
    assert stored_assessments(day) == expected


def test_the_risk_task_fans_out_by_council_and_runs_inline_when_eager(finance_data, settings):
    """Under eager Celery the chunk tasks and the final step run in the task itself; the final
    step drops the day's row of a council no longer assessed."""
    from earlywarning.tasks import risk_recompute_task

    settings.RISK_CHUNK_COUNCILS = 50
    today = timezone.localdate()
    # A combined authority is never assessed: its row stands for a council since retired.
    retired = Council.objects.filter(kind=CouncilType.COMBINED).first()
    RiskAssessment.objects.create(
        council=retired, as_of=today, band="low", score=0, points=0, applicable_points=0
    )
    result = risk_recompute_task.delay().get()
    assert result["chunks"] > 6
    assert result["saved"] == RiskAssessment.objects.filter(as_of=today).count() > 300
    assert result["removed"] == 1
    assert not RiskAssessment.objects.filter(council=retired).exists()
    assert RiskAssessment.objects.filter(council__gss_code=HARTLEPOOL, as_of=today).exists()


def test_a_recompute_that_found_nothing_pending_does_not_reassess(db, catalogue, hartlepool):
    from benchmarking.tasks import comparisons_recompute_pending_task

    comparisons_recompute_pending_task.delay()
    assert not RiskAssessment.objects.exists()
