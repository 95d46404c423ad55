"""The numbers the rules and the scoring use, read from the files in `data/`.

Thresholds are data, not literals in code: `rule_thresholds.csv` (each rule's parameters),
`calibration.csv` and `calibrated_thresholds.csv` (the financial resilience rule's settings,
and the thresholds `calibrate_risk` worked out from the data with them), `scoring.csv`
(domain maxima, severity factors, band thresholds) and `data_dates.csv` (when a figure counts
as known). Pure: reads files, no database.
"""

from __future__ import annotations

import csv
import datetime
import functools
from dataclasses import dataclass
from pathlib import Path

from earlywarning.scoring import Scheme, previous_date

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


CALIBRATED = DATA / "calibrated_thresholds.csv"
RESILIENCE_RULE = "fin-resilience"


def calibration_settings() -> dict[str, float]:
    return {row["setting"]: float(row["value"]) for row in _rows("calibration.csv")}


def calibrated_key(indicator: str) -> str:
    """Where an indicator's calibrated thresholds sit in `rule_thresholds()`."""
    return f"{RESILIENCE_RULE}:{indicator}"


@functools.cache
def rule_thresholds() -> dict[str, dict[str, float]]:
    """Each rule's parameters by rule code; the resilience rule's settings under
    `fin-resilience` and each indicator's calibrated thresholds under
    `fin-resilience:<indicator>` (none until `calibrate_risk` has written them)."""
    found: dict[str, dict[str, float]] = {}
    for row in _rows("rule_thresholds.csv"):
        found.setdefault(row["rule"], {})[row["parameter"]] = float(row["value"])
    found[RESILIENCE_RULE] = calibration_settings()
    if CALIBRATED.exists():
        for row in _rows(CALIBRATED.name):
            found[calibrated_key(row["indicator"])] = {
                "extreme_gap": float(row["extreme_gap"]),
                "run_gap": float(row["run_gap"]),
            }
    return found


@functools.cache
def scheme() -> Scheme:
    settings: dict[str, dict[str, float]] = {}
    for row in _rows("scoring.csv"):
        settings.setdefault(row["setting"], {})[row["key"]] = float(row["value"])
    return Scheme(
        domain_max=settings["domain_max"],
        domain_max_without_social_care=settings["domain_max_without_social_care"],
        severity_factor={int(k): v for k, v in settings["severity_factor"].items()},
        thresholds=settings["band"],
        period_months=int(settings["period"]["months"]),
        min_points=settings["period"]["min_points"],
        type_cap=settings.get("type_cap", {}),
    )


@dataclass(frozen=True)
class DataDate:
    known_after_months: int | None
    known_from: datetime.date | None


@functools.cache
def data_dates() -> dict[str, DataDate]:
    return {
        row["source"]: DataDate(
            int(row["known_after_months"]) if row["known_after_months"] else None,
            datetime.date.fromisoformat(row["known_from"]) if row["known_from"] else None,
        )
        for row in _rows("data_dates.csv")
    }


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`months` after `day`: a month end stays a month end (see scoring.previous_date)."""
    return previous_date(day, -months)


def value_known_on(period_end: datetime.date, dataset: str) -> datetime.date:
    """The day a figure for a period ending `period_end` counts as known."""
    dates = data_dates()
    entry = dates.get(dataset) or dates["other"]
    return add_months(period_end, entry.known_after_months or 0)
