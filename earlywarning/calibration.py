"""Thresholds for the financial resilience rule, worked out from the data, not set by hand.

Pure: the table of `resilience.resilience` (every council and year, with its gap from its
similar councils' median) in, one row of thresholds per indicator out. Which quantiles are
read is fixed in advance in `data/calibration.csv`; the thresholds themselves are whatever
the distribution gives (`python manage.py calibrate_risk`, docs/method/financial-resilience.md).

* `extreme_gap`: the `extreme_quantile` of the gaps of every council-year with a position:
  a gap beyond it is in the worst twentieth (at 0.95) of all council-years.
* `run_gap`: the `run_quantile` of the same gaps: a council beyond it in each of `run_years`
  years running has a sustained run in the worst fifth (at 0.80).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from earlywarning.resilience import INDICATORS
from earlywarning.thresholds import RESILIENCE_RULE, calibrated_key

COLUMNS = ("indicator", "extreme_gap", "run_gap", "council_years", "first_year", "last_year")


def calibrate(table: pd.DataFrame, settings: Mapping[str, float]) -> list[dict]:
    """One dict per indicator with at least `min_council_years` council-years with a gap."""
    found = []
    for indicator in INDICATORS:
        rows = table[(table["indicator"] == indicator.code) & np.isfinite(table["gap"])]
        if len(rows) < settings["min_council_years"]:
            continue
        gaps = rows["gap"].to_numpy(dtype="float64")
        found.append(
            {
                "indicator": indicator.code,
                "extreme_gap": round(float(np.quantile(gaps, settings["extreme_quantile"])), 4),
                "run_gap": round(float(np.quantile(gaps, settings["run_quantile"])), 4),
                "council_years": len(rows),
                "first_year": int(rows["year"].min()),
                "last_year": int(rows["year"].max()),
            }
        )
    return found


def with_thresholds(base: Mapping[str, Mapping[str, float]], found: list[dict]) -> dict:
    """`base` (the rules' thresholds, as `thresholds.rule_thresholds()`) with the financial
    resilience rule's calibrated thresholds replaced by `found`: an indicator missing from
    `found` has none, and raises nothing."""
    kept = {k: v for k, v in base.items() if not k.startswith(f"{RESILIENCE_RULE}:")}
    for row in found:
        kept[calibrated_key(row["indicator"])] = {
            "extreme_gap": row["extreme_gap"],
            "run_gap": row["run_gap"],
        }
    return kept
