import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from earlywarning import selectors, thresholds
from earlywarning.backtest import Event, ThresholdsAsKnown, backtest
from selfreg.fileproblems import FileProblems, Problem, read_table

COLUMNS = ("gss_code", "event_date", "kind")


def read_events(frame, known: dict) -> list[Event]:
    """Check the whole events file; raise FileProblems listing every problem. `known` maps
    each GSS code in the register, abolished councils included, to its CouncilInfo: an event
    must fall within its council's life."""
    frame = frame.copy()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise FileProblems([Problem(1, c, "This column is missing.") for c in missing])
    if frame.empty:
        raise FileProblems([Problem(0, "", "The file has no events.")])
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    events, problems = [], []
    for index, record in enumerate(frame.to_dict("records")):
        row = index + 2
        gss = record["gss_code"].strip().upper()
        text = record["event_date"].strip()
        kind = record["kind"].strip()
        if gss not in known:
            problems.append(Problem(row, "gss_code", f"No council has the code '{gss}'."))
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError:
            problems.append(Problem(row, "event_date", f"'{text}' is not a date (YYYY-MM-DD)."))
            continue
        if gss in known and not known[gss].exists_on(day):
            problems.append(
                Problem(row, "event_date", f"{known[gss].name} did not exist on {day}.")
            )
        if not kind:
            problems.append(Problem(row, "kind", "Enter the kind of event."))
        events.append(Event(gss, day, kind))
    if problems:
        raise FileProblems(problems)
    return events


def _interval(bounds: list[float] | None) -> str:
    """A 95% interval of a share, in words."""
    if bounds is None:
        return "no interval: nothing to count"
    low, high = bounds
    return f"95% interval {low:.1%} to {high:.1%}"


def _overrides(pairs: list[str]) -> dict[str, float]:
    known = thresholds.calibration_settings()
    found = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in known:
            raise CommandError(f"calibration.csv has no setting '{name}'.")
        try:
            found[name] = float(value)
        except ValueError as error:
            raise CommandError(f"'{value}' is not a number for {name}.") from error
    return found


class Command(BaseCommand):
    help = (
        "Replay the risk assessment before known failure events (CSV: gss_code,event_date,kind) "
        "and report how many were flagged at elevated or above within the horizon, the false "
        "alarms, and two simple baselines."
    )

    def add_arguments(self, parser):
        parser.add_argument("--events", required=True)
        parser.add_argument(
            "--horizon-months",
            type=int,
            nargs="+",
            default=[12, 24, 36],
            dest="horizons",
            help="one or more horizons in months (default: 12 24 36)",
        )
        parser.add_argument(
            "--thresholds",
            choices=["as-known", "today"],
            default="as-known",
            help="as-known (default): calibrate the financial resilience rule at each date on "
            "the figures known then; today: use calibrated_thresholds.csv at every date (it "
            "saw later years)",
        )
        parser.add_argument(
            "--setting",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="override a setting of calibration.csv for this run, to report another rule "
            "beside the one in force (e.g. require_corroboration=0 for the earlier rule)",
        )
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, events, horizons, as_json=False, **options):
        if min(horizons) < 1:
            raise CommandError("The horizon must be at least one month.")
        settings = {**thresholds.calibration_settings(), **_overrides(options["setting"])}
        # Abolished councils too: a replay assesses the register as it stood on each date.
        councils = selectors.councils(former=True)
        path = Path(events)
        try:
            frame = read_table(path.read_bytes(), path.name)
            parsed = read_events(frame, {c.gss_code: c for c in councils})
        except OSError as error:
            raise CommandError(f"Cannot read {events}: {error.strerror}.") from error
        except FileProblems as error:
            listed = "\n".join(str(p) for p in error.problems)
            raise CommandError(
                f"The events file has problems; nothing was run.\n{listed}"
            ) from error
        inputs = selectors.rule_inputs()
        recorded = selectors.recorded_signals()
        types = selectors.signal_types()
        scheme = thresholds.scheme()
        rule_thresholds = {**thresholds.rule_thresholds(), "fin-resilience": settings}
        as_known = None
        if options["thresholds"] == "as-known":
            as_known = ThresholdsAsKnown(rule_thresholds, inputs, councils, settings)
        results = [
            backtest(
                parsed,
                horizon_months=horizon,
                councils=councils,
                inputs=inputs,
                recorded=recorded,
                types=types,
                scheme=scheme,
                thresholds=rule_thresholds,
                thresholds_on=as_known,
            )
            for horizon in horizons
        ]
        if as_json:
            self.stdout.write(json.dumps(results, indent=1))
            return
        for result in results:
            self._write(result)

    def _write(self, result):
        horizon = result["horizon_months"]
        lead = result["median_lead_months"]
        lead = "none flagged in time" if lead is None else f"median lead {lead} months"
        flagged, events = result["flagged_in_time"], result["events"]
        self.stdout.write(
            f"{flagged} of {events} events ({flagged / events:.0%}, "
            f"{_interval(result['flagged_in_time_interval'])}) flagged at elevated or above "
            f"within {horizon} months before ({lead}); {result['false_alarms']} of "
            f"{result['councils_assessed']} councils ({result['false_alarm_rate']:.1%}, "
            f"{_interval(result['false_alarm_rate_interval'])}) flagged with no event following "
            f"(assessed every 3 months from {result['assessed_from']} to "
            f"{result['assessed_to']}; thresholds {result['thresholds']})."
        )
        for name, baseline in result["baselines"].items():
            self.stdout.write(
                f"Baseline {name.replace('_', ' ')} ({baseline['rule']} alone): "
                f"{baseline['flagged_in_time']} flagged in time, {baseline['false_alarms']} "
                f"false alarms ({baseline['false_alarm_rate']:.1%})."
            )
        alarms = ", ".join(
            f"{c['name']} ({c['first_flagged']})" for c in result["false_alarm_councils"]
        )
        if alarms:
            self.stdout.write(f"Flagged with no event following (first flagged): {alarms}.")
        for event in result["per_event"]:
            held = event["first_held_at_watch"]
            held = (
                f" (its points reached elevated on {held}; the two-domain rule held it at watch)"
                if held and not event["first_flagged"]
                else ""
            )
            self.stdout.write(
                f"  {event['gss_code']} {event['event_date']} {event['kind']}: first flagged "
                f"{event['first_flagged'] or 'never'}{held}, band at the event "
                f"{event['band_at_event']}."
            )
