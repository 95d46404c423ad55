"""Assess every council on a date: derive signals from what was known then, add the recorded
ones, and score. Pure: plain data in, `scoring.Result`s out (docs/method/risk-scoring.md)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from earlywarning import rules, scoring
from earlywarning.scoring import Result, Scheme, Signal, TypeInfo


@dataclass(frozen=True)
class CouncilInfo:
    gss_code: str
    name: str
    social_care: bool
    region: str = ""
    # The council's life in the register: None for a council that has always existed
    # (as far as the register knows) or still exists.
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    kind: str = ""  # the register's type of council

    def exists_on(self, day: datetime.date) -> bool:
        started = self.start_date is None or self.start_date <= day
        return started and (self.end_date is None or day < self.end_date)


def signals_on(
    inputs: rules.Inputs,
    recorded: Mapping[str, list[Signal]],
    as_of: datetime.date,
    thresholds,
    only: set[str] | None = None,
) -> dict[str, list[Signal]]:
    """Every signal known on `as_of`, by GSS code: derived from the data known then, plus the
    recorded signals observed by then. `only` limits the rules (and drops recorded signals)."""
    found = rules.derive(inputs.known_by(as_of), thresholds, only=only)
    if only is None:
        for gss, signals in recorded.items():
            kept = [s for s in signals if s.observed_on <= as_of]
            if kept:
                found.setdefault(gss, []).extend(kept)
    return found


def assess_all(
    councils: Iterable[CouncilInfo],
    *,
    inputs: rules.Inputs,
    recorded: Mapping[str, list[Signal]],
    as_of: datetime.date,
    types: Mapping[str, TypeInfo],
    scheme: Scheme,
    thresholds,
    only: set[str] | None = None,
    previous: Mapping[str, str] | None = None,
) -> dict[str, Result]:
    """Each council's result on `as_of`.

    The two-periods rule needs the band the points gave one period earlier: it is worked out
    here from what was known then, unless `previous` (raw bands by GSS code) is given.
    """
    councils = list(councils)
    if previous is None:
        before = scoring.previous_date(as_of, scheme.period_months)
        earlier = signals_on(inputs, recorded, before, thresholds, only)
        previous = {
            c.gss_code: scoring.assess(
                earlier.get(c.gss_code, []),
                as_of=before,
                social_care=c.social_care,
                types=types,
                scheme=scheme,
            ).raw_band
            for c in councils
        }
    now = signals_on(inputs, recorded, as_of, thresholds, only)
    return {
        c.gss_code: scoring.assess(
            now.get(c.gss_code, []),
            as_of=as_of,
            social_care=c.social_care,
            types=types,
            scheme=scheme,
            previous_raw_band=previous.get(c.gss_code),
        )
        for c in councils
    }
