"""Register eras: the spans of time over which the set of councils did not change.

Similar councils are chosen among the councils that existed when the figures were reported
(docs/method/similar-councils.md, "Councils that have changed"). Each reorganisation (Dorset
in 2019, Northamptonshire in 2021, Cumbria in 2023 …) starts a new era. An era runs from the
day the set of councils last changed (``valid_from``, None before the register's first
change) up to the day it next changed (``valid_to``, exclusive; None for today's era).

A period belongs to the era holding its middle day. Councils change on 1 April, so the middle
of a financial year or quarter is never on a boundary, and a calendar year or pooled span
belongs to the councils that held most of it. The last day would not do: the register ends
some councils on 31 March and others on 1 April for the same kind of change, so on the last
day of 2018-19 neither Poole nor its successor would exist.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from benchmarking.periods import PeriodError, parse_period


@dataclass(frozen=True, order=True)
class Lifetime:
    """A council's first day and the day it ended (exclusive), as the register gives them."""

    gss_code: str
    start: date | None = None
    end: date | None = None

    def existed_on(self, day: date) -> bool:
        started = self.start is None or self.start <= day
        return started and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Era:
    valid_from: date | None
    valid_to: date | None

    @property
    def label(self) -> str:
        """``<from>/<to>`` in ISO dates, either side blank when open: a stable key."""
        return f"{_iso(self.valid_from)}/{_iso(self.valid_to)}"

    def holds(self, day: date) -> bool:
        after = self.valid_from is None or self.valid_from <= day
        return after and (self.valid_to is None or day < self.valid_to)

    def day(self) -> date:
        """A day inside the era, to read who existed in it."""
        if self.valid_from is not None:
            return self.valid_from
        return self.valid_to - timedelta(days=1) if self.valid_to else date(2000, 1, 1)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def era_from_label(label: str) -> Era:
    start, _sep, end = label.partition("/")
    return Era(
        date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None
    )


def period_day(label: str) -> date | None:
    """The middle day of a period (None for a label that is not a period)."""
    try:
        found = parse_period(label)
    except PeriodError:
        return None
    return found.start + (found.end - found.start) / 2


def era_of(day: date, lifetimes: Iterable[Lifetime]) -> Era:
    """The era holding ``day``: between the register's last change on or before it and its
    next change after it."""
    changes = sorted({d for c in lifetimes for d in (c.start, c.end) if d is not None})
    before = bisect.bisect_right(changes, day)
    return Era(
        changes[before - 1] if before else None,
        changes[before] if before < len(changes) else None,
    )


def eras_for(days: Iterable[date], lifetimes: Iterable[Lifetime]) -> dict[Era, list[str]]:
    """Each distinct era holding one of ``days``, with the GSS codes of its councils, oldest
    era first."""
    lifetimes = list(lifetimes)
    found = {era_of(day, lifetimes) for day in days}
    ordered = sorted(found, key=lambda e: e.valid_from or date.min)
    return {
        era: sorted(c.gss_code for c in lifetimes if c.existed_on(era.day())) for era in ordered
    }


def periods_to_eras(periods: Iterable[str], labels: Iterable[str]) -> dict[str, str]:
    """Map each period to the label of the stored era holding its middle day. A period in no
    stored era takes today's (the open one), until its own is worked out: similar councils are
    worked out for each era that has figures, so figures for a new era wait for the next run
    (nightly, or ``similar_councils --compute``) and meanwhile compare as before eras existed."""
    eras = [era_from_label(label) for label in labels]
    today = next((era.label for era in eras if era.valid_to is None), None)
    out = {}
    for period in periods:
        day = period_day(period)
        held = next((era.label for era in eras if day and era.holds(day)), today)
        if held is not None:
            out[period] = held
    return out
