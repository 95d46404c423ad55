"""The rules that derive signals from data: a registry of small documented rules.

Pure: each rule takes plain data (`Inputs`, already cut to what was known on the date of the
assessment) and its thresholds (`data/rule_thresholds.csv`), and returns `scoring.Signal`s for
the councils it finds. A rule's docstring is its explanation; `docs/method/risk-scoring.md`
sets them out for councils.

No look-ahead: `Inputs.known_by(date)` keeps only values whose `known_on` (the end of their
period plus the publication lag in `data/data_dates.csv`), inspection results whose
`known_on` (publication date, or the file's date where the file gives none) and corporate
events whose date is on or before the date. Every signal is dated by the day its evidence
became known, so scoring never counts it earlier.
"""

from __future__ import annotations

import datetime
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from earlywarning import resilience, spc
from earlywarning.scoring import Signal

VALUE_COLUMNS = (
    "gss_code",
    "metric",
    "title",
    "element",
    "polarity",
    "target",
    "unit",
    "dataset",
    "period",
    "period_start",
    "period_end",
    "known_on",
    "value",
    "numerator",
    "denominator",
    "source",
)
INSPECTION_COLUMNS = ("gss_code", "regime", "judgement", "concern", "published_on", "known_on")
CORPORATE_COLUMNS = ("gss_code", "kind", "occurred_on", "description")

RS_SOURCE = "MHCLG Revenue Outturn Summary (RS)"


def _empty(columns) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass
class Inputs:
    """Everything the rules read. `similar` maps a GSS code to its similar councils' codes, in
    the comparison groups named `<similar_prefix>:<gss>` (the finance set, where stored)."""

    values: pd.DataFrame = field(default_factory=lambda: _empty(VALUE_COLUMNS))
    inspections: pd.DataFrame = field(default_factory=lambda: _empty(INSPECTION_COLUMNS))
    corporate: pd.DataFrame = field(default_factory=lambda: _empty(CORPORATE_COLUMNS))
    similar: Mapping[str, list[str]] = field(default_factory=dict)
    social_care: Mapping[str, bool] = field(default_factory=dict)
    similar_prefix: str = "similar"

    def known_by(self, as_of: datetime.date) -> Inputs:
        """Only what was known on `as_of`."""
        values = self.values[self.values["known_on"] <= as_of]
        inspections = self.inspections[self.inspections["known_on"].notna()]
        inspections = inspections[inspections["known_on"] <= as_of]
        corporate = self.corporate[self.corporate["occurred_on"] <= as_of]
        return Inputs(
            values, inspections, corporate, self.similar, self.social_care, self.similar_prefix
        )


Thresholds = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class Rule:
    code: str
    signal_code: str
    kind: str  # financial, service, inspection, corporate
    derive: Callable[[Inputs, Thresholds], dict[str, list[Signal]]]

    @property
    def explanation(self) -> str:
        return " ".join((self.derive.__doc__ or "").split())


RULES: dict[str, Rule] = {}


def rule(code: str, *, signal: str, kind: str):
    """Register a rule under a stable code."""

    def register(function):
        RULES[code] = Rule(code, signal, kind, function)
        return function

    return register


def derive(
    inputs: Inputs, thresholds: Thresholds, *, only: set[str] | None = None
) -> dict[str, list[Signal]]:
    """Every registered rule (or those in `only`) over the inputs: signals by GSS code.

    Rules listed under `superseded` in the thresholds (the hand-set financial rules that the
    calibrated `fin-resilience` rule replaces) run only when asked for by name in `only`, as
    the back-test's one-rule baselines do."""
    found: dict[str, list[Signal]] = {}
    superseded = {code for code, on in thresholds.get("superseded", {}).items() if on}
    for code, registered in RULES.items():
        if only is not None and code not in only:
            continue
        if only is None and code in superseded:
            continue
        for gss, signals in registered.derive(inputs, thresholds).items():
            found.setdefault(gss, []).extend(signals)
    return found


# --- shared helpers ---------------------------------------------------------------------------


def fmt(value: float, unit: str = "") -> str:
    text = spc.plain(value)
    if unit == "%":
        return f"{text}%"
    if unit == "£ thousand":
        return f"£{value:,.0f} thousand"
    return text


def _long_date(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


class Series:
    """One metric's values: each council's rows (dicts), oldest first, and a look-up by
    (GSS code, period)."""

    def __init__(self, values: pd.DataFrame, metric: str):
        rows = values[values["metric"] == metric].sort_values("period_end")
        self.rows: dict[str, list[dict]] = {}
        self.at: dict[tuple[str, str], dict] = {}
        for record in rows.to_dict("records"):
            self.rows.setdefault(record["gss_code"], []).append(record)
            self.at[(record["gss_code"], record["period"])] = record

    def __iter__(self):
        return iter(self.rows)

    def get(self, gss: str) -> list[dict] | None:
        return self.rows.get(gss)

    def upto(self, gss: str, period_end) -> list[dict]:
        return [r for r in self.rows.get(gss, []) if r["period_end"] <= period_end]


def _source(text) -> str:
    """The first sentence of a metric's source: its publisher and reference."""
    text = str(text or "").strip()
    return text.split(". ")[0].rstrip(".")[:160]


def _quantile(values: list[float], q: float) -> float:
    finite = [min(v, 1e12) for v in values]
    return float(np.quantile(finite, q))


def _pick(result, index: int):
    return None if result is None else result[index]


def _number(row) -> float | None:
    return None if row is None else float(row["value"])


def _group_words(n: int) -> str:
    return f"its {n} similar councils"


def _neighbour_values(
    inputs: Inputs, gss: str, measure: Callable[[str], float | None]
) -> list[float]:
    found = []
    for neighbour in inputs.similar.get(gss, []):
        value = measure(neighbour)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            found.append(value)
    return found


# --- financial resilience ---------------------------------------------------------------------


def _runout_years(reserves: float, changes: list[float]) -> float:
    """Years until reserves run out at the average yearly change; infinity if not falling."""
    if not changes:
        return math.nan
    rate = sum(changes) / len(changes)
    if rate >= 0 or reserves <= 0:
        return math.inf if reserves > 0 else 0.0
    return reserves / -rate


@rule("fin-reserves-runout", signal="fin-reserves-runout", kind="financial")
def reserves_runout(inputs: Inputs, thresholds: Thresholds) -> dict[str, list[Signal]]:
    """Reserves sustainability: how many years the council's usable reserves would last if it
    kept drawing on them at its average rate over the last (up to three) years. A signal when
    that is fewer than `max_years` and fewer than for three quarters of its similar councils."""
    t = thresholds["fin-reserves-runout"]
    min_group = int(thresholds["financial"]["min_group"])
    window = int(t["window_years"])
    reserves = Series(inputs.values, "fin-usable-reserves")
    change = Series(inputs.values, "fin-reserves-change")

    def measure(gss: str, period: str | None = None):
        rows = reserves.get(gss)
        if not rows:
            return None
        row = rows[-1] if period is None else reserves.at.get((gss, period))
        if row is None:
            return None
        moves = change.upto(gss, row["period_end"])[-window:]
        changes = [float(m["numerator"]) for m in moves if pd.notna(m["numerator"])]
        if not changes:
            return None
        return row, moves, _runout_years(float(row["value"]), changes)

    found: dict[str, list[Signal]] = {}
    for gss in reserves:
        mine = measure(gss)
        if mine is None:
            continue
        row, moves, years = mine
        if not years < t["max_years"]:
            continue
        period = row["period"]
        group = _neighbour_values(inputs, gss, lambda n, p=period: _pick(measure(n, p), 2))
        if len(group) < min_group or not years < _quantile(group, t["group_quantile"]):
            continue
        median = _quantile(group, 0.5)
        rate = -sum(float(m["numerator"]) for m in moves) / len(moves)
        span = (
            moves[0]["period"]
            if len(moves) == 1
            else f"{moves[0]['period']} to {moves[-1]['period']}"
        )
        median_words = (
            f"most of {_group_words(len(group))} were not drawing on their reserves"
            if median >= 1e11
            else f"the median for {_group_words(len(group))} is {median:.1f} years"
        )
        found.setdefault(gss, []).append(
            Signal(
                code="fin-reserves-runout",
                observed_on=row["known_on"],
                severity=3 if years < t["severe_years"] else 2,
                explanation=(
                    f"Usable reserves would last {years:.1f} years at the current rate of "
                    f"draw-down ({fmt(rate, '£ thousand')} a year on average over {span}); "
                    f"{median_words}"
                ),
                rule=(
                    f"reserves sustainability: fewer than {t['max_years']:g} years and in the "
                    f"lowest quarter of similar councils"
                ),
                value=f"{years:.1f} years",
                group=f"{inputs.similar_prefix}:{gss} ({_group_words(len(group))})",
                data_date=f"{period} (year ending {_long_date(row['period_end'])})",
                source=RS_SOURCE,
            )
        )
    return found


def _latest_against_group(
    inputs: Inputs,
    thresholds: Thresholds,
    *,
    code: str,
    metric: str,
    side: str,
    label: str,
    severity: Callable[[float, float], int] | None = None,
    minimum: float | None = None,
    only_social_care: bool = False,
) -> dict[str, list[Signal]]:
    """The latest value of one measure against the same year's values of the similar councils:
    a signal when below (`side="low"`) or above (`"high"`) the rule's quantile."""
    t = thresholds[code]
    min_group = int(thresholds["financial"]["min_group"])
    series = Series(inputs.values, metric)
    found: dict[str, list[Signal]] = {}
    for gss, rows in series.rows.items():
        if only_social_care and not inputs.social_care.get(gss, False):
            continue
        row = rows[-1]
        value, period = float(row["value"]), row["period"]
        if minimum is not None and not value > minimum:
            continue
        group = _neighbour_values(
            inputs,
            gss,
            lambda n, p=period: _number(series.at.get((n, p))),
        )
        if len(group) < min_group:
            continue
        line = _quantile(group, t["group_quantile"])
        if (side == "low" and not value < line) or (side == "high" and not value > line):
            continue
        median = _quantile(group, 0.5)
        quarter = "lowest" if side == "low" else "highest"
        found.setdefault(gss, []).append(
            Signal(
                code=code,
                observed_on=row["known_on"],
                severity=severity(value, median) if severity else 2,
                explanation=(
                    f"{label} was {fmt(value, '%')} in {period}; the median for "
                    f"{_group_words(len(group))} is {fmt(median, '%')}, and the {quarter} "
                    f"quarter is {'below' if side == 'low' else 'above'} {fmt(line, '%')}"
                ),
                rule=f"{label.lower()} in the {quarter} quarter of similar councils",
                value=fmt(value, "%"),
                group=f"{inputs.similar_prefix}:{gss} ({_group_words(len(group))})",
                data_date=f"{period} (year ending {_long_date(row['period_end'])})",
                source=RS_SOURCE if row["dataset"] == "england-rs" else _source(row["source"]),
            )
        )
    return found


@rule("fin-reserves-low", signal="fin-reserves-low", kind="financial")
def reserves_low(inputs: Inputs, thresholds: Thresholds) -> dict[str, list[Signal]]:
    """Level of reserves: usable reserves as a share of net revenue expenditure, in the lowest
    quarter of the council's similar councils in the same year. Severity 3 when below half of
    their median."""
    share = thresholds["fin-reserves-low"]["severe_share_of_median"]
    return _latest_against_group(
        inputs,
        thresholds,
        code="fin-reserves-low",
        metric="fin-reserves-to-nre",
        side="low",
        label="Usable reserves as a share of net revenue expenditure",
        severity=lambda value, median: 3 if value < share * median else 2,
    )


@rule("fin-reserves-falling", signal="fin-reserves-falling", kind="financial")
def reserves_falling(inputs: Inputs, thresholds: Thresholds) -> dict[str, list[Signal]]:
    """Change in reserves: the fall in usable reserves compounded over up to three recent years,
    when it is larger than `max_change_pct` and in the lowest quarter of similar councils."""
    t = thresholds["fin-reserves-falling"]
    min_group = int(thresholds["financial"]["min_group"])
    window = int(t["window_years"])
    series = Series(inputs.values, "fin-reserves-change")

    def measure(gss: str, period_end=None):
        rows = series.get(gss) or []
        if period_end is not None:
            rows = series.upto(gss, period_end)
            if not rows or rows[-1]["period_end"] != period_end:
                return None
        if not rows:
            return None
        rows = rows[-window:]
        total = float(np.prod([1 + float(r["value"]) / 100 for r in rows]) - 1) * 100
        return total, rows

    found: dict[str, list[Signal]] = {}
    for gss in series:
        total, frame = measure(gss)
        if not total < t["max_change_pct"]:
            continue
        end = frame[-1]
        group = _neighbour_values(
            inputs,
            gss,
            lambda n, e=end["period_end"]: _pick(measure(n, e), 0),
        )
        if len(group) < min_group or not total < _quantile(group, t["group_quantile"]):
            continue
        median = _quantile(group, 0.5)
        span = end["period"] if len(frame) == 1 else f"{frame[0]['period']} to {end['period']}"
        found.setdefault(gss, []).append(
            Signal(
                code="fin-reserves-falling",
                observed_on=end["known_on"],
                severity=3 if total < t["severe_change_pct"] else 2,
                explanation=(
                    f"Usable reserves fell by {abs(total):.1f}% over {span}; the median change "
                    f"for {_group_words(len(group))} over the same years is {median:+.1f}%"
                ),
                rule=(
                    f"change in reserves: a fall of more than {abs(t['max_change_pct']):g}% "
                    f"over up to {window} years, in the lowest quarter of similar councils"
                ),
                value=f"{total:+.1f}%",
                group=f"{inputs.similar_prefix}:{gss} ({_group_words(len(group))})",
                data_date=f"{span} (to {_long_date(end['period_end'])})",
                source=RS_SOURCE,
            )
        )
    return found


def _debt_ratio(inputs: Inputs) -> pd.DataFrame:
    """External debt as a percentage of net revenue expenditure, where both exist."""
    values = inputs.values
    debt = values[values["metric"] == "fin-external-debt"]
    nre = values[values["metric"] == "fin-nre"][["gss_code", "period", "value", "known_on"]]
    if debt.empty or nre.empty:
        return debt.iloc[0:0].assign(debt=[])
    merged = debt.merge(nre, on=["gss_code", "period"], suffixes=("", "_nre"))
    merged = merged[merged["value_nre"] > 0].copy()
    merged["debt"] = merged["value"].astype(float)
    merged["value"] = merged["debt"] / merged["value_nre"].astype(float) * 100
    merged["known_on"] = merged[["known_on", "known_on_nre"]].max(axis=1)
    merged["metric"] = "fin-debt-to-nre"
    return merged


@rule("fin-debt-high", signal="fin-debt-high", kind="financial")
def debt_high(inputs: Inputs, thresholds: Thresholds) -> dict[str, list[Signal]]:
    """External debt relative to net revenue expenditure (`fin-external-debt` ÷ `fin-nre`, where
    both exist for the same year), in the highest quarter of similar councils and above
    `min_pct`."""
    ratio = _debt_ratio(inputs)
    if ratio.empty:
        return {}
    return _latest_against_group(
        Inputs(
            ratio,
            similar=inputs.similar,
            social_care=inputs.social_care,
            similar_prefix=inputs.similar_prefix,
        ),
        thresholds,
        code="fin-debt-high",
        metric="fin-debt-to-nre",
        side="high",
        label="External debt as a share of net revenue expenditure",
        minimum=thresholds["fin-debt-high"]["min_pct"],
    )


@rule("fin-debt-growth", signal="fin-debt-growth", kind="financial")
def debt_growth(inputs: Inputs, thresholds: Thresholds) -> dict[str, list[Signal]]:
    """Growth of external debt over up to three recent years (`fin-external-debt`), larger than
    `min_growth_pct` and in the highest quarter of similar councils."""
    t = thresholds["fin-debt-growth"]
    window = int(t["window_years"])
    min_group = int(thresholds["financial"]["min_group"])
    series = Series(inputs.values, "fin-external-debt")

    def measure(gss: str, period_end=None):
        rows = series.get(gss) or []
        if period_end is not None:
            rows = series.upto(gss, period_end)
            if not rows or rows[-1]["period_end"] != period_end:
                return None
        rows = rows[-(window + 1) :]
        if len(rows) < 2:
            return None
        first, last = float(rows[0]["value"]), float(rows[-1]["value"])
        if first <= 0:
            return None
        return (last / first - 1) * 100, rows

    found: dict[str, list[Signal]] = {}
    for gss in series:
        mine = measure(gss)
        if mine is None or not mine[0] > t["min_growth_pct"]:
            continue
        growth, frame = mine
        end = frame[-1]
        group = _neighbour_values(
            inputs,
            gss,
            lambda n, e=end["period_end"]: _pick(measure(n, e), 0),
        )
        if len(group) < min_group or not growth > _quantile(group, t["group_quantile"]):
            continue
        median = _quantile(group, 0.5)
        span = f"{frame[0]['period']} to {end['period']}"
        found.setdefault(gss, []).append(
            Signal(
                code="fin-debt-growth",
                observed_on=end["known_on"],
                severity=2,
                explanation=(
                    f"External debt grew by {growth:.1f}% from {span}; the median for "
                    f"{_group_words(len(group))} is {median:+.1f}%"
                ),
                rule="growth in external debt in the highest quarter of similar councils",
                value=f"{growth:+.1f}%",
                group=f"{inputs.similar_prefix}:{gss} ({_group_words(len(group))})",
                data_date=span,
                source=_source(end["source"]),
            )
        )
    return found


@rule("fin-interest-high", signal="fin-interest-high", kind="financial")
def interest_high(inputs: Inputs, thresholds: Thresholds) -> dict[str, list[Signal]]:
    """Interest payable relative to net revenue expenditure (`fin-interest-to-nre`), in the
    highest quarter of similar councils and above `min_pct`."""
    return _latest_against_group(
        inputs,
        thresholds,
        code="fin-interest-high",
        metric="fin-interest-to-nre",
        side="high",
        label="External interest as a share of net revenue expenditure",
        minimum=thresholds["fin-interest-high"]["min_pct"],
    )


@rule("fin-social-care-high", signal="fin-social-care-high", kind="financial")
def social_care_high(inputs: Inputs, thresholds: Thresholds) -> dict[str, list[Signal]]:
    """Social care ratio: adult and children's social care as a share of net revenue
    expenditure (`fin-social-care-ratio`), in the highest quarter of similar councils. Only
    councils with social care."""
    return _latest_against_group(
        inputs,
        thresholds,
        code="fin-social-care-high",
        metric="fin-social-care-ratio",
        side="high",
        label="Social care as a share of net revenue expenditure",
        only_social_care=True,
    )


@rule("fin-council-tax-low", signal="fin-council-tax-low", kind="financial")
def council_tax_low(inputs: Inputs, thresholds: Thresholds) -> dict[str, list[Signal]]:
    """Council tax requirement relative to net revenue expenditure (`fin-ctr-to-nre`), in the
    lowest quarter of similar councils: the council relies more on income it does not control."""
    return _latest_against_group(
        inputs,
        thresholds,
        code="fin-council-tax-low",
        metric="fin-ctr-to-nre",
        side="low",
        label="Council tax requirement as a share of net revenue expenditure",
    )


def _resilience_words(indicator: resilience.Indicator, value: float) -> str:
    return f"{value:.1f} years" if indicator.unit == "years" else fmt(value, "%")


@rule("fin-resilience", signal="fin-resilience", kind="financial")
def resilience_breaches(inputs: Inputs, thresholds: Thresholds) -> dict[str, list[Signal]]:
    """Calibrated financial resilience: each indicator of the financial resilience page read
    against the council's similar councils for the same year, as a gap from their median in
    the riskier direction, in units of their interquartile range. A stress indicator's latest
    figure beyond `extreme_gap`, the worst 5% of every council-year's gap, raises a signal of
    severity 3 when it is sustained (the year before was beyond it too) or corroborated (the
    latest figure of an indicator in a different domain of financial stress, at most a year
    apart, is beyond its own). Context indicators raise nothing. The thresholds are worked
    out from the data by `calibrate_risk`. With `require_corroboration` 0, the earlier rule:
    any extreme latest figure (severity 3), or `run_years` years running beyond `run_gap`,
    the worst 20% (severity 2)."""
    settings = thresholds.get("fin-resilience")
    calibrated = {
        code: thresholds[f"fin-resilience:{code}"]
        for code in resilience.BY_CODE
        if f"fin-resilience:{code}" in thresholds
    }
    if not settings or not calibrated:
        return {}
    table = resilience.resilience(inputs.values, inputs.similar)
    table = table[table["indicator"].isin(list(calibrated)) & table["gap"].notna()]
    table = table.sort_values(["gss_code", "indicator", "year"]).reset_index(drop=True)
    table["extreme"] = (table["gap"] > 0) & (
        table["gap"] >= table["indicator"].map(lambda c: calibrated[c]["extreme_gap"])
    )
    if settings.get("require_corroboration", 0):
        chosen = _combined_breaches(table, settings)
    else:
        chosen = _tail_or_run_breaches(table, calibrated, settings)
    found: dict[str, list[Signal]] = {}
    for index, severity, why in chosen:
        last = table.loc[index]
        found.setdefault(last["gss_code"], []).append(
            _resilience_signal(inputs, last, calibrated[last["indicator"]], severity, why)
        )
    return found


def _tail_or_run_breaches(table: pd.DataFrame, calibrated, settings) -> list[tuple]:
    """The earlier rule: the latest figure extreme, or a run of `run_years` consecutive
    years beyond `run_gap`. (row index, severity, why) for each breach."""
    run_years = int(settings["run_years"])
    beyond_run = (table["gap"] >= table["indicator"].map(lambda c: calibrated[c]["run_gap"])) & (
        table["gap"] > 0
    )
    by_series = table.groupby(["gss_code", "indicator"], sort=False)
    # A run: the last `run_years` figures all beyond the line, in consecutive years.
    in_run = (
        beyond_run.astype(float)
        .groupby([table["gss_code"], table["indicator"]])
        .rolling(run_years)
        .min()
        .droplevel([0, 1])
        .reindex(table.index)
        == 1
    )
    span = table["year"] - by_series["year"].shift(run_years - 1)
    latest = ~table.duplicated(["gss_code", "indicator"], keep="last")
    is_extreme = latest & table["extreme"]
    is_run = latest & ~is_extreme & in_run & (span == run_years - 1)
    extreme_why = "in the worst 5% of all councils"
    run_why = f"in the worst 20% of all councils for {run_years} years running"
    return [
        (i, int(settings["extreme_severity"]), extreme_why) for i in table.index[is_extreme]
    ] + [(i, int(settings["run_severity"]), run_why) for i in table.index[is_run]]


def _combined_breaches(table: pd.DataFrame, settings) -> list[tuple]:
    """The combination rule: a stress indicator's latest figure extreme, and sustained
    (`sustained_years` successive years extreme) or corroborated (the latest figure of an
    indicator in another domain extreme, at most `corroboration_years` apart)."""
    sustained_years = int(settings["sustained_years"])
    apart = int(settings["corroboration_years"])
    table = table.assign(domain=table["indicator"].map(lambda c: resilience.BY_CODE[c].domain))
    table = table[table["domain"] != ""]
    extreme_years = {
        (g, c, y)
        for g, c, y in table.loc[table["extreme"], ["gss_code", "indicator", "year"]].itertuples(
            index=False
        )
    }
    latest = table[~table.duplicated(["gss_code", "indicator"], keep="last")]
    flagged = latest[latest["extreme"]]
    by_council: dict[str, list] = {}
    for row in flagged.itertuples():
        by_council.setdefault(row.gss_code, []).append(row)
    severity = int(settings["extreme_severity"])
    chosen = []
    for row in flagged.itertuples():
        earlier = range(row.year - sustained_years + 1, row.year)
        if all((row.gss_code, row.indicator, y) in extreme_years for y in earlier):
            why = f"in the worst 5% of all councils for {sustained_years} years running"
            chosen.append((row.Index, severity, why))
            continue
        others = [
            o
            for o in by_council[row.gss_code]
            if o.domain != row.domain and abs(o.year - row.year) <= apart
        ]
        if others:
            other = resilience.BY_CODE[others[0].indicator]
            why = (
                f"in the worst 5% of all councils, and so is {other.title[0].lower()}"
                f"{other.title[1:]} ({other.domain}, {others[0].period})"
            )
            chosen.append((row.Index, severity, why))
    return chosen


def _resilience_signal(inputs: Inputs, last, limits, severity: int, why: str) -> Signal:
    gss = last["gss_code"]
    indicator = resilience.BY_CODE[last["indicator"]]
    side = "above" if indicator.riskier == resilience.HIGH else "below"
    return Signal(
        code="fin-resilience",
        observed_on=last["known_on"],
        severity=severity,
        explanation=(
            f"{indicator.title} was {_resilience_words(indicator, last['value'])} in "
            f"{last['period']}; the median for {_group_words(int(last['group_n']))} "
            f"was {_resilience_words(indicator, last['group_median'])}. That is "
            f"{abs(last['gap']):.1f} times their middle half's spread {side} the "
            f"median, {why}"
        ),
        rule=(
            f"calibrated resilience: gap from similar councils {why} "
            f"(thresholds {limits['extreme_gap']:.2f} and {limits['run_gap']:.2f})"
        ),
        value=_resilience_words(indicator, last["value"]),
        group=f"{inputs.similar_prefix}:{gss} ({_group_words(int(last['group_n']))})",
        data_date=str(last["period"]),
        source=indicator.source,
    )


# --- service: statistical process control -----------------------------------------------------

SPC_ELEMENTS = ("outcome", "perception", "cost")
# Read by the financial rules instead: the revenue outturn, and every measure the financial
# resilience indicators read (borrowing, capital financing, spending power and the rest).
SPC_EXCLUDED_DATASETS = ("england-rs",)


def _modal_length(values: pd.DataFrame) -> pd.DataFrame:
    """Keep each series' periods of its most common length, so years and pooled spans or
    quarters are never mixed in one chart (ties go to the longer). A series is a council's
    values of one measure; a length is whole months, from the periods' first and last days.
    Worked for every series at once: the length that appears most often in a series, the
    longer of two equally common, has the highest ``count × 10,000 + months``."""
    days = pd.to_datetime(values["period_end"]) - pd.to_datetime(values["period_start"])
    months = np.round(days.dt.days.to_numpy() / 30.4)
    keys = [values["gss_code"], values["metric"]]
    count = pd.Series(months, index=values.index).groupby([*keys, months]).transform("size")
    score = count.to_numpy() * 10_000 + months
    best = pd.Series(score, index=values.index).groupby(keys).transform("max").to_numpy()
    return values[score == best]


@functools.lru_cache(maxsize=50_000)
def _spc(values: tuple, polarity: str, target, periods: tuple, unit: str) -> spc.Assessment:
    """spc.assess, remembered: a replay asks about the same series at many dates."""
    return spc.assess(
        list(values),
        polarity,
        target=target,
        periods=list(periods),
        format_value=lambda v: fmt(v, unit),
    )


@rule("spc-service-concern", signal="spc-service-concern", kind="service")
def spc_concerns(inputs: Inputs, thresholds: Thresholds) -> dict[str, list[Signal]]:
    """Service SPC: on each outcome, perception and cost measure of the council's own time
    series, bar the finance measures the financial rules read, the XmR rules of `spc.py` read
    with the measure's polarity. A concern that involves
    one of the `recent_points` latest values is a signal; on trial limits (6 to 11 values) it
    is provisional and has the lower severity. Neutral measures never raise one."""
    t = thresholds["spc-service-concern"]
    recent = int(t["recent_points"])
    values = inputs.values
    values = values[
        values["element"].isin(SPC_ELEMENTS)
        & (values["polarity"] != "neutral")
        & ~values["dataset"].isin(SPC_EXCLUDED_DATASETS)
        & ~values["metric"].isin(resilience.READ_METRICS)
    ]
    # Each council's series of each measure, oldest first, as positions in plain arrays: a
    # dict per value would take gigabytes at millions of values.
    values = _modal_length(values.sort_values(["gss_code", "metric", "period_end"], kind="stable"))
    column = {
        name: values[name].to_numpy()
        for name in ("value", "period", "period_start", "period_end", "known_on")
    }
    about = (
        values.drop_duplicates("metric")
        .set_index("metric")[["title", "unit", "target", "polarity", "source"]]
        .to_dict("index")
    )
    series = []
    for (gss, metric), positions in values.groupby(
        ["gss_code", "metric"], sort=False
    ).indices.items():
        if len(positions) >= spc.MIN_POINTS:
            series.append((gss, metric, positions))
    # Most series raise nothing; the screen finds those for every series at once, so only
    # the rest are read in full.
    screen = spc.may_signal([column["value"][rows] for _gss, _metric, rows in series])
    found: dict[str, list[Signal]] = {}
    for (gss, metric, rows), may in zip(series, screen, strict=True):
        if not may:
            continue
        measure = about[metric]
        first, last = rows[0], rows[-1]
        unit = str(measure["unit"] or "")
        target = measure["target"]
        assessment = _spc(
            tuple(float(column["value"][i]) for i in rows),
            measure["polarity"],
            None if target is None or pd.isna(target) else float(target),
            tuple(column["period"][i] for i in rows),
            unit,
        )
        latest = set(range(len(rows) - recent, len(rows)))
        concerns = [f for f in assessment.concerns if latest & set(f.indices)]
        if not concerns:
            continue
        finding = concerns[0]
        severity = t["provisional_severity"] if finding.provisional else t["firm_severity"]
        found.setdefault(gss, []).append(
            Signal(
                code="spc-service-concern",
                observed_on=column["known_on"][last],
                severity=int(severity),
                explanation=f"{measure['title']} ({metric}): {finding.explanation}",
                rule=f"SPC {finding.rule.replace('_', ' ')} on the council's own series",
                value=fmt(float(column["value"][last]), unit),
                group="the council's own earlier values",
                data_date=f"{column['period'][first]} to {column['period'][last]}",
                source=_source(measure["source"]),
                provisional=finding.provisional,
            )
        )
    return found


# --- inspections ------------------------------------------------------------------------------

INSPECTION_SIGNALS = {
    "ofsted_ilacs": ("ofsted-childrens-services", "Ofsted judged children's services"),
    "cqc_asc": ("cqc-adult-social-care", "CQC rated adult social care"),
    "send_area": ("send-systemic-failings", "The area SEND inspection found"),
}
INSPECTION_SOURCES = {
    "ofsted_ilacs": "Ofsted inspection of local authority children's services (ILACS)",
    "cqc_asc": "CQC assessment of local authority adult social care",
    "send_area": "Ofsted and CQC area SEND inspection",
}


@rule("inspection-concern", signal="", kind="inspection")
def inspection_concerns(inputs: Inputs, thresholds: Thresholds) -> dict[str, list[Signal]]:
    """Inspection: a latest published judgement that is a concern by the importer's rule
    (Ofsted ILACS or CQC inadequate or requires improvement; area SEND widespread or systemic
    failings). Inadequate and systemic failings have the higher severity."""
    t = thresholds["inspection"]
    found: dict[str, list[Signal]] = {}
    for row in inputs.inspections.to_dict("records"):
        if not row["concern"]:
            continue
        code, words = INSPECTION_SIGNALS[row["regime"]]
        judgement = str(row["judgement"])
        lowered = judgement.lower()
        if row["regime"] == "send_area":
            severity = int(t["severity_send_systemic"])
        elif lowered == "inadequate":
            severity = int(t["severity_inadequate"])
        else:
            severity = int(t["severity_requires_improvement"])
        published = row["published_on"]
        when = (
            f"published {_long_date(published)}"
            if published is not None and not pd.isna(published)
            else f"undated; counted from {_long_date(row['known_on'])}"
        )
        found.setdefault(row["gss_code"], []).append(
            Signal(
                code=code,
                observed_on=row["known_on"],
                severity=severity,
                explanation=f"{words} '{judgement}' ({when})",
                rule="latest published judgement is a concern",
                value=judgement,
                group="",
                data_date=when,
                source=INSPECTION_SOURCES[row["regime"]],
            )
        )
    return found


# --- corporate --------------------------------------------------------------------------------

CORPORATE_SIGNALS = {
    "political_control": "political-control-change",
    "chief_executive": "chief-executive-change",
    "s151_officer": "s151-officer-change",
    "monitoring_officer": "monitoring-officer-change",
}
CORPORATE_WORDS = {
    "political_control": "Political control changed",
    "chief_executive": "The chief executive changed",
    "s151_officer": "The section 151 officer changed",
    "monitoring_officer": "The monitoring officer changed",
}


@rule("corporate-change", signal="", kind="corporate")
def corporate_changes(inputs: Inputs, thresholds: Thresholds) -> dict[str, list[Signal]]:
    """Corporate: each recorded change of political control, chief executive, section 151
    officer or monitoring officer is a signal from the day it happened; it fades with the
    half-life of its kind."""
    severity = int(thresholds["corporate"]["severity"])
    found: dict[str, list[Signal]] = {}
    for row in inputs.corporate.to_dict("records"):
        found.setdefault(row["gss_code"], []).append(
            Signal(
                code=CORPORATE_SIGNALS[row["kind"]],
                observed_on=row["occurred_on"],
                severity=severity,
                explanation=(
                    f"{CORPORATE_WORDS[row['kind']]} on {_long_date(row['occurred_on'])}: "
                    f"{row['description']}"
                ),
                rule="recorded change of political control or statutory officer",
                data_date=_long_date(row["occurred_on"]),
                source="the portal's record of corporate changes",
            )
        )
    return found
