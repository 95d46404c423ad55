"""Financial resilience indicators: each council's level, 3- and 5-year trend and position
among its finance-similar councils, for every year the loaded data allows.

Pure: a long table of values in (the columns of `rules.VALUE_COLUMNS` that matter here:
`gss_code`, `metric`, `period`, `period_end`, `known_on`, `value`, `numerator`), plain tables
out. No database, no request. Method note: docs/method/financial-resilience.md.

* **Level**: the indicator for a financial year, read from a loaded measure or worked out
  from two (reserves sustainability, commercial income ÷ NRE).
* **Trend**: the level minus the level 3 (5) years earlier, in the indicator's unit
  (percentage points for a percentage, years for reserves sustainability).
* **Position**: against the council's similar councils with a figure for the same year: their
  median and quartiles, the share of them with a lower figure, and the **gap**: how far the
  council is from their median in the riskier direction, in units of their interquartile
  range. The gap is what the calibrated risk rule reads (`calibration.py`).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Years of reserves shown and compared at most: a council adding to its reserves (or drawing
#: so little that they would last longer) counts as this many.
YEARS_CAP = 50.0
#: Years of change in usable reserves averaged for reserves sustainability.
RUNOUT_WINDOW = 3
#: Fewer similar councils with a figure than this: no position (as the comparisons' quartiles).
MIN_GROUP = 5
#: Trend spans, in years.
TREND_YEARS = (3, 5)

HIGH, LOW = "high", "low"  # which way is riskier

RESERVES, DEBT, EXPOSURE = "reserves", "debt", "commercial exposure"
STRESS_DOMAINS = (RESERVES, DEBT, EXPOSURE)

RS = "MHCLG Revenue Outturn Summary (RS)"
BORROWING = "MHCLG borrowing and investment tables"
CAPITAL = "MHCLG capital financing returns (prudential indicators)"
CSP = "MHCLG core spending power"
COMMERCIAL = "MHCLG revenue outturn, compiled by Pike et al."


@dataclass(frozen=True)
class Indicator:
    code: str
    title: str
    unit: str  # "%" or "years"
    riskier: str  # HIGH or LOW
    metric: str  # the loaded measure, or "" for one worked out here
    explanation: str
    source: str = ""
    missing: str = ""  # why it cannot be made from the loaded data, if it cannot
    # The domain of financial stress it reads (`STRESS_DOMAINS`), or "" for context: a
    # context indicator is shown but never raises a signal (docs/method/financial-resilience.md).
    domain: str = ""

    @property
    def available(self) -> bool:
        return not self.missing


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "reserves-years",
        "Reserves sustainability (years of usable reserves at the recent draw-down)",
        "years",
        LOW,
        "",
        "Usable reserves at the end of the year divided by the average yearly fall in them "
        f"over up to {RUNOUT_WINDOW} years to that year (fin-usable-reserves and the change in "
        f"fin-reserves-change). A council not drawing on its reserves counts as {YEARS_CAP:g} "
        "years.",
        source=RS,
        domain=RESERVES,
    ),
    Indicator(
        "reserves-to-nre",
        "Usable reserves as a share of net revenue expenditure",
        "%",
        LOW,
        "fin-reserves-to-nre",
        "Unallocated and earmarked usable reserves at 31 March ÷ net revenue expenditure.",
        source=RS,
        domain=RESERVES,
    ),
    Indicator(
        "reserves-change",
        "Change in usable reserves over the year",
        "%",
        LOW,
        "fin-reserves-change",
        "Usable reserves at 31 March against 1 April of the same year.",
        source=RS,
        domain=RESERVES,
    ),
    Indicator(
        "unallocated-share",
        "Unallocated reserves as a share of usable reserves",
        "%",
        LOW,
        "",
        "Unallocated (general fund) reserves against earmarked reserves.",
        missing=(
            "The revenue outturn return has the two lines (915 earmarked, 916 unallocated), "
            "but the portal loads only their sum (fin-usable-reserves), so the split cannot "
            "be shown."
        ),
        source=RS,
        domain=RESERVES,
    ),
    Indicator(
        "debt-to-nre",
        "External debt as a share of net revenue expenditure",
        "%",
        HIGH,
        "fin-debt-to-nre",
        "External borrowing at 31 March ÷ net revenue expenditure for the year ending then.",
        source=f"{BORROWING}; {RS}",
        domain=DEBT,
    ),
    Indicator(
        "cfr-to-nre",
        "Capital financing requirement as a share of net revenue expenditure",
        "%",
        HIGH,
        "fin-cfr-to-nre",
        "The capital financing requirement (underlying need to borrow) ÷ net revenue "
        "expenditure. Loaded for 2017-18 only.",
        source=f"{CAPITAL}; {RS}",
        domain=DEBT,
    ),
    Indicator(
        "debt-to-csp",
        "External debt as a share of core spending power",
        "%",
        HIGH,
        "fin-debt-to-csp",
        "External borrowing at 31 March ÷ core spending power for the year.",
        source=f"{BORROWING}; {CSP}",
        domain=DEBT,
    ),
    Indicator(
        "cfr-to-csp",
        "Capital financing requirement as a share of core spending power",
        "%",
        HIGH,
        "fin-cfr-to-csp",
        "The capital financing requirement ÷ core spending power for the year.",
        source=f"{CAPITAL}; {CSP}",
        domain=DEBT,
    ),
    Indicator(
        "debt-growth-3y",
        "Growth of external debt over 3 years",
        "%",
        HIGH,
        "fin-debt-growth-3y",
        "External borrowing at 31 March against 3 years earlier.",
        source=BORROWING,
        domain=DEBT,
    ),
    Indicator(
        "interest-to-nre",
        "External interest payable as a share of net revenue expenditure",
        "%",
        HIGH,
        "fin-interest-to-nre",
        "Interest paid to external lenders ÷ net revenue expenditure.",
        source=RS,
        domain=DEBT,
    ),
    Indicator(
        "mrp-to-cfr",
        "Minimum revenue provision as a share of the capital financing requirement",
        "%",
        LOW,
        "fin-mrp-to-cfr",
        "What the council sets aside from revenue to repay debt ÷ its capital financing "
        "requirement. A low figure puts repayment off.",
        source=CAPITAL,
        domain=DEBT,
    ),
    Indicator(
        "commercial-to-nre",
        "Commercial income dependency: trading surplus as a share of net revenue expenditure",
        "%",
        HIGH,
        "",
        "The surplus of the council's trading accounts (fin-trading-surplus-per-head, its "
        "numerator) ÷ net revenue expenditure (fin-nre) for the same year. Investment income "
        "is loaded only for 2019-20, a year without net revenue expenditure in the loaded "
        "data, so it is shown separately as a share of core spending power.",
        source=f"{COMMERCIAL}; {RS}",
        domain=EXPOSURE,
    ),
    Indicator(
        "interest-income-to-csp",
        "Interest and investment income as a share of core spending power",
        "%",
        HIGH,
        "fin-interest-income-to-csp",
        "Interest and investment income in 2019-20 ÷ core spending power. One year only.",
        source=f"{COMMERCIAL}; {CSP}",
        domain=EXPOSURE,
    ),
    Indicator(
        "short-term-la-share",
        "Short-term borrowing from other councils as a share of external debt",
        "%",
        HIGH,
        "fin-debt-short-term-la-share",
        "Short-term loans from other local authorities at 31 March ÷ external borrowing.",
        source=BORROWING,
        domain=DEBT,
    ),
    Indicator(
        "social-care-ratio",
        "Social care as a share of net revenue expenditure",
        "%",
        HIGH,
        "fin-social-care-ratio",
        "Adult and children's social care spending ÷ net revenue expenditure (councils with "
        "social care only).",
        source=RS,
    ),
    Indicator(
        "ctr-to-nre",
        "Council tax requirement as a share of net revenue expenditure",
        "%",
        LOW,
        "fin-ctr-to-nre",
        "The council tax requirement ÷ net revenue expenditure: the share the council raises "
        "itself.",
        source=RS,
    ),
    Indicator(
        "csp-change",
        "Change in core spending power",
        "%",
        LOW,
        "fin-csp-change",
        "Core spending power against the year before.",
        source=CSP,
    ),
)
BY_CODE = {i.code: i for i in INDICATORS}
# Every loaded measure the indicators read. Early warning's service SPC leaves them out: a
# finance figure counts once, in the financial domain, not again as a service concern.
READ_METRICS = frozenset(
    {"fin-usable-reserves", "fin-reserves-change", "fin-trading-surplus-per-head", "fin-nre"}
    | {indicator.metric for indicator in INDICATORS if indicator.metric}
)

LEVEL_COLUMNS = ["gss_code", "indicator", "year", "period", "known_on", "value"]
POSITION_COLUMNS = [
    "group_n",
    "group_median",
    "group_lower_quartile",
    "group_upper_quartile",
    "share_below",
    "gap",
]


def financial_year(period_end: datetime.date) -> int:
    """The calendar year a financial year ends in (2017-18 → 2018)."""
    return period_end.year if period_end.month >= 3 else period_end.year - 1


def _rows(values: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = values[values["metric"] == metric]
    return rows.assign(year=[financial_year(d) for d in rows["period_end"]])


def runout_years(reserves: float, changes: list[float]) -> float:
    """Years of reserves at the average yearly change, capped at `YEARS_CAP`."""
    if not changes or math.isnan(reserves):
        return math.nan
    rate = sum(changes) / len(changes)
    if reserves <= 0:
        return 0.0
    if rate >= 0:
        return YEARS_CAP
    return min(reserves / -rate, YEARS_CAP)


def _reserves_years(values: pd.DataFrame) -> pd.DataFrame:
    reserves = _rows(values, "fin-usable-reserves")
    change = _rows(values, "fin-reserves-change")
    moves = {
        (g, y): float(n)
        for g, y, n in zip(change["gss_code"], change["year"], change["numerator"], strict=True)
        if pd.notna(n)
    }
    out = []
    for row in reserves.itertuples(index=False):
        window = [moves.get((row.gss_code, row.year - k)) for k in range(RUNOUT_WINDOW)]
        changes = [m for m in window if m is not None]
        if (row.gss_code, row.year) not in moves:
            continue
        out.append(
            (
                row.gss_code,
                "reserves-years",
                row.year,
                row.period,
                row.known_on,
                runout_years(float(row.value), changes),
            )
        )
    return pd.DataFrame(out, columns=LEVEL_COLUMNS)


def _commercial(values: pd.DataFrame) -> pd.DataFrame:
    trading = _rows(values, "fin-trading-surplus-per-head")
    nre = _rows(values, "fin-nre")[["gss_code", "year", "value", "known_on"]]
    merged = trading.merge(nre, on=["gss_code", "year"], suffixes=("", "_nre"))
    merged = merged[(merged["value_nre"] > 0) & merged["numerator"].notna()]
    # The surplus is in pounds, net revenue expenditure in £ thousand.
    share = merged["numerator"].astype(float) / (merged["value_nre"].astype(float) * 1000) * 100
    known = [max(a, b) for a, b in zip(merged["known_on"], merged["known_on_nre"], strict=True)]
    return pd.DataFrame(
        {
            "gss_code": merged["gss_code"],
            "indicator": "commercial-to-nre",
            "year": merged["year"],
            "period": merged["period"],
            "known_on": known,
            "value": share,
        },
        columns=LEVEL_COLUMNS,
    )


def levels(values: pd.DataFrame) -> pd.DataFrame:
    """Every indicator's level for every council and year the values allow: columns
    `LEVEL_COLUMNS`, one row per (council, indicator, year)."""
    # The few finance measures read below, taken out of every other value once.
    values = values[values["metric"].isin(READ_METRICS)]
    parts = [_reserves_years(values), _commercial(values)]
    for indicator in INDICATORS:
        if not indicator.metric:
            continue
        rows = _rows(values, indicator.metric)
        parts.append(
            pd.DataFrame(
                {
                    "gss_code": rows["gss_code"],
                    "indicator": indicator.code,
                    "year": rows["year"],
                    "period": rows["period"],
                    "known_on": rows["known_on"],
                    "value": rows["value"].astype(float),
                },
                columns=LEVEL_COLUMNS,
            )
        )
    table = pd.concat([p for p in parts if not p.empty] or [parts[0]], ignore_index=True)
    table = table[np.isfinite(table["value"].astype(float))]
    table = table.drop_duplicates(["gss_code", "indicator", "year"], keep="last")
    return table.sort_values(["indicator", "gss_code", "year"]).reset_index(drop=True)


def trends(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with `change_3y` and `change_5y`: the level minus the level that many years
    earlier (NaN where either is missing)."""
    out = table.copy()
    keyed = table.set_index(["gss_code", "indicator", "year"])["value"]
    for span in TREND_YEARS:
        earlier = pd.MultiIndex.from_arrays(
            [table["gss_code"], table["indicator"], table["year"] - span]
        )
        before = keyed.reindex(earlier).to_numpy(dtype="float64")
        out[f"change_{span}y"] = table["value"].to_numpy(dtype="float64") - before
    return out


def _riskier_sign(indicator_codes: pd.Series) -> np.ndarray:
    return np.where(indicator_codes.map(lambda c: BY_CODE[c].riskier) == HIGH, 1.0, -1.0)


def positions(table: pd.DataFrame, similar: Mapping[str, list[str]]) -> pd.DataFrame:
    """`table` with each row's position among the council's similar councils that have a
    figure for the same indicator and year (`POSITION_COLUMNS`; NaN with fewer than
    `MIN_GROUP`).

    `gap` = (value − group median) ÷ the group's interquartile range, signed so that a
    positive gap is on the riskier side. Where the interquartile range is zero, a twentieth of
    the median's size (or 1 for a median of 0) stands in for it, so a gap is always finite.
    """
    out = table.reset_index(drop=True).copy()
    for column in POSITION_COLUMNS:
        out[column] = np.nan
    if out.empty or not similar:
        return out
    pairs = pd.DataFrame(
        [(g, n) for g, ns in similar.items() for n in ns], columns=["gss_code", "neighbour"]
    )
    own = out[["gss_code", "indicator", "year", "value"]].reset_index()
    theirs = out[["gss_code", "indicator", "year", "value"]].rename(
        columns={"gss_code": "neighbour", "value": "theirs"}
    )
    joined = own.merge(pairs, on="gss_code").merge(theirs, on=["neighbour", "indicator", "year"])
    if joined.empty:
        return out
    joined["below"] = (joined["theirs"] < joined["value"]).astype(float)
    grouped = joined.groupby("index")
    stats = pd.DataFrame(
        {
            "group_n": grouped["theirs"].count(),
            "group_median": grouped["theirs"].median(),
            "group_lower_quartile": grouped["theirs"].quantile(0.25),
            "group_upper_quartile": grouped["theirs"].quantile(0.75),
            "share_below": grouped["below"].mean() * 100,
        }
    )
    stats = stats[stats["group_n"] >= MIN_GROUP]
    for column in stats.columns:
        out.loc[stats.index, column] = stats[column]
    spread = out["group_upper_quartile"] - out["group_lower_quartile"]
    fallback = (out["group_median"].abs() / 20).where(out["group_median"] != 0, 1.0)
    spread = spread.where(spread > 0, fallback)
    out["gap"] = (out["value"] - out["group_median"]) / spread * _riskier_sign(out["indicator"])
    return out


def resilience(values: pd.DataFrame, similar: Mapping[str, list[str]]) -> pd.DataFrame:
    """Levels, trends and positions in one table."""
    return positions(trends(levels(values)), similar)


def council_indicators(table: pd.DataFrame, gss_code: str) -> list[dict]:
    """One council's indicators, in the order of `INDICATORS`: each the indicator and its rows
    (oldest year first, plain dicts), empty where the council has none."""
    mine = table[table["gss_code"] == gss_code]
    found = []
    for indicator in INDICATORS:
        rows = mine[mine["indicator"] == indicator.code].sort_values("year")
        found.append({"indicator": indicator, "rows": rows.to_dict("records")})
    return found
