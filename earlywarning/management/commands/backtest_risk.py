import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarking.validation import FileProblems, Problem, read_table
from earlywarning import selectors, thresholds
from earlywarning.backtest import Event, backtest

COLUMNS = ("gss_code", "event_date", "kind")


def read_events(frame, known: set[str]) -> list[Event]:
    """Check the whole events file; raise FileProblems listing every problem."""
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
            problems.append(Problem(row, "gss_code", f"No current council has the code '{gss}'."))
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError:
            problems.append(Problem(row, "event_date", f"'{text}' is not a date (YYYY-MM-DD)."))
            continue
        if not kind:
            problems.append(Problem(row, "kind", "Enter the kind of event."))
        events.append(Event(gss, day, kind))
    if problems:
        raise FileProblems(problems)
    return events


class Command(BaseCommand):
    help = (
        "Replay the risk assessment before known failure events (CSV: gss_code,event_date,kind) "
        "and report how many were flagged at elevated or above within the horizon, the false "
        "alarms, and two simple baselines."
    )

    def add_arguments(self, parser):
        parser.add_argument("--events", required=True)
        parser.add_argument("--horizon-months", type=int, required=True, dest="horizon")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, events, horizon, as_json=False, **options):
        if horizon < 1:
            raise CommandError("The horizon must be at least one month.")
        councils = selectors.councils()
        path = Path(events)
        try:
            frame = read_table(path.read_bytes(), path.name)
            parsed = read_events(frame, {c.gss_code for c in councils})
        except OSError as error:
            raise CommandError(f"Cannot read {events}: {error.strerror}.") from error
        except FileProblems as error:
            listed = "\n".join(str(p) for p in error.problems)
            raise CommandError(
                f"The events file has problems; nothing was run.\n{listed}"
            ) from error
        result = backtest(
            parsed,
            horizon_months=horizon,
            councils=councils,
            inputs=selectors.rule_inputs(),
            recorded=selectors.recorded_signals(),
            types=selectors.signal_types(),
            scheme=thresholds.scheme(),
            thresholds=thresholds.rule_thresholds(),
        )
        if as_json:
            self.stdout.write(json.dumps(result, indent=1))
            return
        self.stdout.write(
            f"{result['flagged_in_time']} of {result['events']} events flagged at elevated or "
            f"above within {horizon} months before; {result['false_alarms']} of "
            f"{result['councils_assessed']} councils flagged with no event following "
            f"(assessed every 3 months from {result['assessed_from']} to "
            f"{result['assessed_to']})."
        )
        for name, baseline in result["baselines"].items():
            self.stdout.write(
                f"Baseline {name.replace('_', ' ')} ({baseline['rule']} alone): "
                f"{baseline['flagged_in_time']} flagged in time, {baseline['false_alarms']} "
                "false alarms."
            )
        for event in result["per_event"]:
            self.stdout.write(
                f"  {event['gss_code']} {event['event_date']} {event['kind']}: first flagged "
                f"{event['first_flagged'] or 'never'}, band at the event {event['band_at_event']}."
            )
