"""Back-testing: replay the risk assessment at dated points before known failure events and
count how many were flagged in time, and how many councils were flagged with no event.

Pure: plain data in, a plain dict out. Method note: docs/method/risk-backtesting.md.

The replay steps back from the latest event in steps of the scheme's period (three months)
to the horizon before the earliest one. At each point every council is assessed from what
was known then (`rules.Inputs.known_by`), exactly as `recompute_risk --as-of` would.

* An event is **flagged in time** if its council was at `elevated` or above at some point in
  the `horizon_months` before the event date (the event date itself excluded).
* A **false alarm** is a council flagged at some point with no event for it in the
  `horizon_months` after that point. Each council counts once. A flag on or after one of the
  council's own events is not counted either way: by then the event has happened.
* The two baselines are computed the same way, with "flagged" meaning only that one rule
  fired on figures known then, no more than one half-life of its kind (18 months) before:
  reserves run-out alone (`fin-reserves-runout`), debt relative to net revenue expenditure
  alone (`fin-debt-high`). A third, `worst_decile`, flags a council whose latest known
  usable reserves relative to net revenue expenditure are in the lowest tenth, or whose debt
  relative to it is in the highest tenth, of the councils assessed that day.
* The register as it stood: at each point only the councils that existed then are assessed
  (an abolished council, such as Northamptonshire County Council, until its end date; a new
  one from its start). The false-alarm rate is the false alarms over every council assessed
  at some point of the replay.
* Similar councils as they stood: at each point a council is compared only with those of its
  stored similar councils that existed then. A council with none stored (one abolished
  before the similar councils were worked out, such as Northamptonshire County Council) is
  compared with every council of its type that existed then. The stored sets themselves are
  worked out from today's context data: the portal holds no earlier context to replay them.
* Thresholds as known: given `thresholds_on` (`ThresholdsAsKnown`), the financial
  resilience rule's thresholds are calibrated again at each point on the council-years whose
  figures were known then, so no point's thresholds saw a later year.
* The lead time of an event flagged in time is the number of whole months from its first
  flag to the event.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from earlywarning import calibration, resilience, risk, rules, scoring
from earlywarning.scoring import Scheme, Signal, TypeInfo
from selfreg import stats

BASELINES = {"reserves_runout": "fin-reserves-runout", "debt_to_nre": "fin-debt-high"}
DECILE_MEASURES = {"fin-reserves-to-nre": "low", "fin-debt-to-nre": "high"}


@dataclass(frozen=True)
class Event:
    gss_code: str
    event_date: datetime.date
    kind: str


def add_months(day: datetime.date, months: int) -> datetime.date:
    return scoring.previous_date(day, -months)


def replay_dates(events: list[Event], horizon_months: int, step_months: int) -> list[datetime.date]:
    """Points from the latest event back to `horizon_months` before the earliest, oldest first."""
    latest = max(e.event_date for e in events)
    earliest = add_months(min(e.event_date for e in events), -horizon_months)
    dates = []
    day = latest
    while day >= earliest:
        dates.append(day)
        day = scoring.previous_date(day, step_months)
    return sorted(dates)


def worst_decile(known: rules.Inputs, assessed: set[str]) -> set[str]:
    """Councils in the worst tenth of the assessed councils on their latest known usable
    reserves to net revenue expenditure (lowest) or debt to it (highest)."""
    values = known.values
    flagged: set[str] = set()
    for metric, worst in DECILE_MEASURES.items():
        rows = values[(values["metric"] == metric) & values["gss_code"].isin(assessed)]
        if rows.empty:
            continue
        latest = rows.sort_values("period_end").groupby("gss_code")["value"].last()
        latest = latest.astype(float).dropna()
        if latest.empty:
            continue
        if worst == "low":
            flagged |= set(latest[latest <= latest.quantile(0.1)].index)
        else:
            flagged |= set(latest[latest >= latest.quantile(0.9)].index)
    return flagged


def similar_on(
    similar: Mapping[str, list[str]], existing: list[risk.CouncilInfo]
) -> dict[str, list[str]]:
    """Similar councils as they stood: each existing council's stored similar councils that
    existed too; for one with none stored, every other existing council of its type."""
    alive = {c.gss_code for c in existing}
    by_kind: dict[str, list[str]] = {}
    for c in existing:
        by_kind.setdefault(c.kind, []).append(c.gss_code)
    found = {}
    for c in existing:
        stored = [n for n in similar.get(c.gss_code, []) if n in alive]
        if not similar.get(c.gss_code):
            stored = [n for n in by_kind.get(c.kind, []) if n != c.gss_code] if c.kind else []
        if stored:
            found[c.gss_code] = stored
    return found


class ThresholdsAsKnown:
    """The rules' thresholds on a date, with the financial resilience rule calibrated on what
    was known then: the council-years whose figures were published by that date (the
    scoring's publication lags), each placed among its similar councils as they stood. Worked
    out once per date: a run over several horizons asks for the same dates again."""

    def __init__(
        self,
        base: Mapping[str, Mapping[str, float]],
        inputs: rules.Inputs,
        councils: list[risk.CouncilInfo],
        settings: Mapping[str, float],
    ):
        self.base, self.inputs, self.councils, self.settings = base, inputs, councils, settings
        self.found: dict[datetime.date, list[dict]] = {}

    def calibrated(self, day: datetime.date) -> list[dict]:
        if day not in self.found:
            existing = [c for c in self.councils if c.exists_on(day)]
            known = self.inputs.known_by(day)
            table = resilience.resilience(known.values, similar_on(self.inputs.similar, existing))
            self.found[day] = calibration.calibrate(table, self.settings)
        return self.found[day]

    def __call__(self, day: datetime.date) -> dict:
        return calibration.with_thresholds(self.base, self.calibrated(day))


def months_between(start: datetime.date, end: datetime.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def share_interval(count: int, total: int) -> list[float] | None:
    """The 95% Wilson interval (`selfreg.stats.wilson_interval`) of the share `count` of
    `total`, as [low, high] rounded to 4 places, or None with nothing to count: with few
    cases 3 of 8 is consistent with anything from 14% to 69%."""
    if not total:
        return None
    low, high = stats.wilson_interval(count / total, total)
    return [round(max(0.0, float(low)), 4), round(min(1.0, float(high)), 4)]


def _summary(first, false_alarms, councils_assessed: int) -> dict:
    leads = sorted(months_between(d, e.event_date) for e, d in first.items() if d is not None)
    return {
        "flagged_in_time": len(leads),
        "flagged_in_time_interval": share_interval(len(leads), len(first)),
        "lead_months": leads,
        "median_lead_months": leads[len(leads) // 2] if leads else None,
        "false_alarms": len(false_alarms),
        "false_alarm_rate": round(len(false_alarms) / councils_assessed, 4)
        if councils_assessed
        else None,
        "false_alarm_rate_interval": share_interval(len(false_alarms), councils_assessed),
    }


def _score(flags: Mapping[datetime.date, set[str]], events: list[Event], horizon_months: int):
    first: dict[Event, datetime.date | None] = {}
    for event in events:
        start = add_months(event.event_date, -horizon_months)
        hits = [
            d
            for d, flagged in flags.items()
            if start <= d < event.event_date and event.gss_code in flagged
        ]
        first[event] = min(hits) if hits else None
    false_alarms = set()
    for day, flagged in flags.items():
        end = add_months(day, horizon_months)
        for gss in flagged:
            own = [e.event_date for e in events if e.gss_code == gss]
            if any(d <= day for d in own):
                continue  # on or after the council's event: no longer a warning
            if not any(day < d <= end for d in own):
                false_alarms.add(gss)
    return first, false_alarms


def backtest(
    events: Iterable[Event],
    *,
    horizon_months: int,
    councils: list[risk.CouncilInfo],
    inputs: rules.Inputs,
    recorded: Mapping[str, list[Signal]],
    types: Mapping[str, TypeInfo],
    scheme: Scheme,
    thresholds,
    thresholds_on: Callable[[datetime.date], Mapping] | None = None,
) -> dict:
    """The replay and its counts. `thresholds` are used at every point unless
    `thresholds_on` gives each point's own (`ThresholdsAsKnown`)."""
    events = _events_to_test(events, horizon_months)
    replay = _Replay(
        councils, inputs, recorded, types, scheme, thresholds_on or (lambda day: thresholds)
    )
    dates = replay_dates(events, horizon_months, scheme.period_months)
    flags, held, baseline_flags, ever_assessed = replay.flags_on(dates)
    first, false_alarms = _score(flags, events, horizon_months)
    first_held, _ = _score(held, events, horizon_months)
    at_event = {event: replay.band_at_event(event) for event in events}
    return {
        "events": len(events),
        "horizon_months": horizon_months,
        "thresholds": "calibrated at each date" if thresholds_on else "fixed",
        "assessed_from": dates[0].isoformat(),
        "assessed_to": dates[-1].isoformat(),
        "assessment_points": len(dates),
        "councils_assessed": len(ever_assessed),
        **_summary(first, false_alarms, len(ever_assessed)),
        "baselines": _baseline_summaries(
            baseline_flags, events, horizon_months, len(ever_assessed)
        ),
        "per_event": _per_event(events, first, first_held, at_event),
        "false_alarm_councils": _false_alarm_councils(flags, false_alarms, councils),
    }


def _events_to_test(events: Iterable[Event], horizon_months: int) -> list[Event]:
    """The events oldest first, refusing a replay that could count nothing."""
    events = sorted(events, key=lambda e: (e.event_date, e.gss_code))
    if not events:
        raise ValueError("there are no events to test against")
    if horizon_months < 1:
        raise ValueError("the horizon must be at least one month")
    return events


@dataclass(frozen=True)
class _Replay:
    """What every point of a replay is assessed with: the register (abolished councils
    included), the data, the recorded signals, the scheme, and the thresholds in force on a
    date (`limits_on`)."""

    councils: list[risk.CouncilInfo]
    inputs: rules.Inputs
    recorded: Mapping[str, list[Signal]]
    types: Mapping[str, TypeInfo]
    scheme: Scheme
    limits_on: Callable[[datetime.date], Mapping]

    def point(self, limits, day: datetime.date, previous=None):
        """Every council that existed on `day` assessed as it stood then (`_replay_point`)."""
        return _replay_point(
            self.councils,
            self.inputs,
            self.recorded,
            self.types,
            self.scheme,
            limits,
            day,
            previous,
        )

    def raw_bands_before(self, first_day: datetime.date) -> dict[str, str]:
        """Each council's raw band one period before the first point: the two-periods rule
        at the first point needs to know where a council stood the period before."""
        before = scoring.previous_date(first_day, self.scheme.period_months)
        results = self.point(self.limits_on(before), before)[0]
        return {gss: r.raw_band for gss, r in results.items()}

    def flags_on(self, dates: list[datetime.date]):
        """The councils flagged at each point, by the assessment and by each baseline, and
        every council assessed at some point: (flags, held, baseline flags by name, assessed).
        `held` are the councils whose points reached elevated but whose band the two-domain
        rule held at watch."""
        ever_assessed: set[str] = set()
        flags: dict[datetime.date, set[str]] = {}
        held: dict[datetime.date, set[str]] = {}
        baseline_flags: dict[str, dict[datetime.date, set[str]]] = {
            b: {} for b in [*BASELINES, "worst_decile"]
        }
        previous = self.raw_bands_before(dates[0])
        for day in dates:
            limits = self.limits_on(day)
            results, then, assessed = self.point(limits, day, previous)
            ever_assessed |= assessed
            previous = {gss: r.raw_band for gss, r in results.items()}
            flags[day] = {gss for gss, r in results.items() if scoring.band_rank(r.band) >= 2}
            held[day] = {
                gss
                for gss, r in results.items()
                if scoring.band_rank(r.raw_band) >= 2 > scoring.band_rank(r.band)
            }
            for name, flagged in self.baselines_on(then, limits, day, assessed).items():
                baseline_flags[name][day] = flagged
        return flags, held, baseline_flags, ever_assessed

    def baselines_on(
        self, then: rules.Inputs, limits, day: datetime.date, assessed: set[str]
    ) -> dict[str, set[str]]:
        """The councils each baseline flags on `day`, among those assessed then: the worst
        tenth, and each single rule that fired on figures known then no more than one
        half-life of its kind before."""
        known = then.known_by(day)
        flagged = {"worst_decile": worst_decile(known, assessed)}
        for name, code in BASELINES.items():
            half_life = self.types[code].half_life_months
            flagged[name] = {
                gss
                for gss, signals in rules.derive(known, limits, only={code}).items()
                if gss in assessed
                and any(scoring.age_in_months(s.observed_on, day) <= half_life for s in signals)
            }
        return flagged

    def band_at_event(self, event: Event) -> str | None:
        """The band of the event's council on the event date, or None if it did not exist."""
        day = event.event_date
        council = [c for c in self.councils if c.gss_code == event.gss_code and c.exists_on(day)]
        if not council:
            return None
        existing = [c for c in self.councils if c.exists_on(day)]
        result = risk.assess_all(
            council,
            inputs=dataclasses.replace(
                self.inputs, similar=similar_on(self.inputs.similar, existing)
            ),
            recorded=self.recorded,
            as_of=day,
            types=self.types,
            scheme=self.scheme,
            thresholds=self.limits_on(day),
        )[event.gss_code]
        return result.band


def _baseline_summaries(
    baseline_flags: Mapping[str, Mapping[datetime.date, set[str]]],
    events: list[Event],
    horizon_months: int,
    councils_assessed: int,
) -> dict[str, dict]:
    """Each baseline's counts, scored as the assessment's are, with the rule it stands for."""
    baselines = {}
    rules_of = {**BASELINES, "worst_decile": "worst tenth of reserves or debt to NRE"}
    for name, code in rules_of.items():
        b_first, b_false = _score(baseline_flags[name], events, horizon_months)
        baselines[name] = {"rule": code, **_summary(b_first, b_false, councils_assessed)}
    return baselines


def _false_alarm_councils(
    flags: Mapping[datetime.date, set[str]],
    false_alarms: set[str],
    councils: list[risk.CouncilInfo],
) -> list[dict]:
    """Each council counted as a false alarm, with its name and the first date it was flagged,
    oldest first: a reader can then see which were not false at all (helped, recovered, or
    failing later than the horizon)."""
    names = {c.gss_code: c.name for c in councils}
    first = {gss: min(d for d, flagged in flags.items() if gss in flagged) for gss in false_alarms}
    return [
        {"gss_code": gss, "name": names.get(gss, gss), "first_flagged": day.isoformat()}
        for gss, day in sorted(first.items(), key=lambda item: (item[1], item[0]))
    ]


def _per_event(
    events: list[Event],
    first: Mapping[Event, datetime.date | None],
    first_held: Mapping[Event, datetime.date | None],
    at_event: Mapping[Event, str | None],
) -> list[dict]:
    """One line per event: when its council was first flagged in time, when its points first
    reached elevated only for the two-domain rule to hold it at watch, and its band at the
    event."""

    def day(value: datetime.date | None) -> str | None:
        return value.isoformat() if value else None

    return [
        {
            "gss_code": e.gss_code,
            "event_date": e.event_date.isoformat(),
            "kind": e.kind,
            "first_flagged": day(first[e]),
            "first_held_at_watch": day(first_held[e]),
            "band_at_event": at_event[e],
        }
        for e in events
    ]


def _replay_point(councils, inputs, recorded, types, scheme, limits, day, previous=None):
    """Every council that existed on `day` assessed as it stood then: (results, the inputs
    with the similar councils as they stood, the codes assessed)."""
    existing = [c for c in councils if c.exists_on(day)]
    then = dataclasses.replace(inputs, similar=similar_on(inputs.similar, existing))
    results = risk.assess_all(
        existing,
        inputs=then,
        recorded=recorded,
        as_of=day,
        types=types,
        scheme=scheme,
        thresholds=limits,
        previous=previous,
    )
    return results, then, {c.gss_code for c in existing}
