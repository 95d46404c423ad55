"""Checking a file of values before anything is written.

Pure: takes the file's rows and what the portal knows (councils, metrics, what the uploader
may write) as plain data, and returns either clean rows or every problem with its row,
column and reason. One problem anywhere means nothing is written.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmarking.periods import PeriodError, parse_period
from selfreg.fileproblems import MAX_PROBLEMS, FileProblems, Problem, nul_cells

REQUIRED_COLUMNS = ("gss_code", "metric_code", "period", "value")
OPTIONAL_COLUMNS = ("numerator", "denominator", "sample_size", "note")
NUMBER_COLUMNS = ("value", "numerator", "denominator", "sample_size")
MAX_ROWS = 2_000_000
# A plain number: digits with an optional decimal point and exponent, and commas only as
# thousands separators (1,234.5). '1,2,3' is not a number, where removing every comma would
# read it as 123. Cells are NFKC-normalised first, so full-width digits are plain digits.
PLAIN_NUMBER = re.compile(
    r"[+-]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII
)
# Values may be given for periods up to a year ahead (a budget set before its year starts).
MAX_YEARS_AHEAD = 1
# Tukey's "far out" fences: a value more than this many interquartile ranges beyond the
# quartiles of the measure is far outside its usual range.
FAR_OUT = 3.0


@dataclass(frozen=True)
class CouncilFacts:
    id: int
    start: datetime.date | None
    end: datetime.date | None


@dataclass(frozen=True)
class Limits:
    """The values a measure's unit allows; None is no limit on that side."""

    low: float | None
    high: float | None
    what: str  # what the unit is, in words, for the message


PERCENT_UNITS = {"%", "percent", "percentage", "per cent"}
PROPORTION_UNITS = {"proportion"}
# Counts, durations and rates per head of something: never below zero. Only words that
# always mean that: "£" (a net figure may be negative) and "percentage points" (a gap) are
# not limited, nor is a rate of something that can be negative, such as net tonnes of CO2
# per person (so "per" counts only at the start of the unit).
COUNT_UNITS = {"number", "count", "people", "households", "days", "weeks", "hours", "months"}


def unit_limits(unit: str) -> Limits | None:
    """The limits a unit sets on a value, or None where it sets none."""
    text = " ".join(unit.strip().lower().split())
    if text in PERCENT_UNITS:
        return Limits(0.0, 100.0, "a percentage")
    if text in PROPORTION_UNITS:
        return Limits(0.0, 1.0, "a proportion")
    if text in COUNT_UNITS or text.startswith("per ") or text.split(" per ")[0] in COUNT_UNITS:
        return Limits(0.0, None, f"a count ({text})")
    return None


@dataclass(frozen=True)
class UsualRange:
    """Where most councils' values of a measure lie: its lower and upper quartiles."""

    lower_quartile: float
    upper_quartile: float

    @property
    def fences(self) -> tuple[float, float]:
        spread = self.upper_quartile - self.lower_quartile
        return (self.lower_quartile - FAR_OUT * spread, self.upper_quartile + FAR_OUT * spread)


def normalise(text: pd.Series) -> pd.Series:
    """NFKC-normalised text, so full-width digits and letters are the plain ones. Only
    cells that are not plain ASCII are touched (ASCII is already normal)."""
    ascii_ = text.str.isascii().to_numpy(dtype=bool)
    if ascii_.all():
        return text
    text = text.copy()
    text[~ascii_] = text[~ascii_].map(lambda cell: unicodedata.normalize("NFKC", cell))
    return text


def _number(value: float) -> str:
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"


def validate_values(
    frame: pd.DataFrame,
    *,
    councils: dict[str, CouncilFacts],
    metrics: dict[str, int],
    writable: set[str] | None = None,
    limits: dict[str, Limits] | None = None,
    today: datetime.date | None = None,
) -> pd.DataFrame:
    """Check every row; return clean rows or raise FileProblems listing every problem.

    `writable` is the set of GSS codes the uploader may write for; None means any council.
    `limits` gives, by metric code, the values its unit allows (a percentage from 0 to 100,
    a count not below 0); a value outside them is a problem. `today` refuses periods that
    start more than MAX_YEARS_AHEAD years after it.
    The clean frame has council_id, metric_id, period, period_start, period_end, the number
    columns as floats (NaN where blank) and note.
    """
    problems: list[Problem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise FileProblems([Problem(1, c, "This column is missing.") for c in missing])
    unknown = [c for c in frame.columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        problems += [Problem(1, c, "This column is not recognised.") for c in unknown]
    if frame.empty:
        raise FileProblems([*problems, Problem(0, "", "The file has no rows of values.")])
    if len(frame) > MAX_ROWS:
        raise FileProblems([Problem(0, "", f"The file has more than {MAX_ROWS:,} rows.")])

    # Rows may arrive as numbers (API JSON, datasets): check everything as text, like a file.
    frame = frame.reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    for column in OPTIONAL_COLUMNS:
        if column not in frame:
            frame[column] = ""
    text = {c: frame[c].str.strip() for c in frame.columns}
    for column in (*REQUIRED_COLUMNS, *NUMBER_COLUMNS):
        text[column] = normalise(text[column]).str.strip()
    rows = np.arange(len(frame)) + 2
    gss = text["gss_code"].str.upper()
    code = text["metric_code"]
    label = text["period"]

    def flag(mask: np.ndarray, column: str, message) -> None:
        """Add a problem for each masked row; `message` may be a function of the cell."""
        for row, cell in zip(rows[mask], frame[column].to_numpy()[mask], strict=True):
            text_ = message(cell) if callable(message) else message
            problems.append(Problem(int(row), column, text_))

    problems += nul_cells(frame)
    flag((gss == "").to_numpy(), "gss_code", "Enter the council's GSS code.")
    unknown_council = ((gss != "") & ~gss.isin(councils.keys())).to_numpy()
    flag(unknown_council, "gss_code", lambda c: f"No council has the code '{c}'.")
    if writable is not None:
        forbidden = (gss.isin(councils.keys()) & ~gss.isin(writable)).to_numpy()
        flag(forbidden, "gss_code", lambda c: f"You cannot submit data for '{c}'.")
    flag((code == "").to_numpy(), "metric_code", "Enter the metric code.")
    unknown_metric = ((code != "") & ~code.isin(metrics.keys())).to_numpy()
    flag(unknown_metric, "metric_code", lambda c: f"No metric has the code '{c}'.")

    periods: dict[str, object] = {}
    for distinct in label.unique():
        try:
            periods[distinct] = parse_period(distinct)
        except PeriodError as error:
            periods[distinct] = str(error)

    if today is not None:
        latest_start = today + datetime.timedelta(days=366 * MAX_YEARS_AHEAD)
        for distinct, period in periods.items():
            if not isinstance(period, str) and period.start > latest_start:
                periods[distinct] = (
                    f"'{distinct}' starts more than a year from now. Values can be given "
                    "for periods that have started, or start within a year."
                )
    bad_period = label.map(lambda p: isinstance(periods[p], str)).to_numpy(dtype=bool)
    for row, cell in zip(rows[bad_period], label[bad_period], strict=True):
        problems.append(Problem(int(row), "period", periods[cell]))

    numbers = {}
    for column in NUMBER_COLUMNS:
        cells = text[column]
        blank = (cells == "").to_numpy()
        plain = cells.str.fullmatch(PLAIN_NUMBER).to_numpy(dtype=bool)
        parsed = pd.to_numeric(
            cells.where(plain, "").str.replace(",", "", regex=False), errors="coerce"
        )
        bad = (~plain | ~np.isfinite(parsed.to_numpy(dtype=float))) & ~blank
        if column == "value":
            flag(blank, column, "Enter a value.")
        flag(
            bad,
            column,
            lambda c: f"'{c}' is not a number. Write it with digits, such as 1234.5 or 1,234.5.",
        )
        numbers[column] = parsed.to_numpy(dtype=float)
    if limits:
        value = numbers["value"]
        for metric_code, limit in limits.items():
            mask = (code == metric_code).to_numpy()
            if not mask.any():
                continue
            if limit.low is not None:
                low = mask & (value < limit.low)
                flag(
                    low,
                    "value",
                    lambda c, lim=limit: (
                        f"'{c}' is below {_number(lim.low)}, but this "
                        f"measure is {lim.what} and cannot be."
                    ),
                )
            if limit.high is not None:
                high = mask & (value > limit.high)
                flag(
                    high,
                    "value",
                    lambda c, lim=limit: (
                        f"'{c}' is over {_number(lim.high)}, but this measure is {lim.what}."
                    ),
                )
    negative = np.nan_to_num(numbers["sample_size"], nan=0) < 0
    flag(negative, "sample_size", "A sample size cannot be negative.")
    zero_denominator = numbers["denominator"] == 0
    flag(zero_denominator, "denominator", "A denominator cannot be zero.")

    # '2019-20 q1' and '2019-20 Q1' are one period: compare the labels as parsed.
    canonical = label.map(lambda p: p if isinstance(periods[p], str) else periods[p].label)
    key = pd.DataFrame({"g": gss, "m": code, "p": canonical})
    duplicated = key.duplicated(keep=False).to_numpy() & (gss != "").to_numpy()
    if duplicated.any():
        first_row = key[duplicated].reset_index().groupby(["g", "m", "p"])["index"].transform("min")
        for row, first in zip(rows[duplicated], first_row.to_numpy() + 2, strict=True):
            if row != first:
                message = f"This council, metric and period repeat row {first}."
                problems.append(Problem(int(row), "period", message))

    known_council = gss.isin(councils.keys()).to_numpy()
    good_period = ~bad_period
    for i in np.flatnonzero(known_council & good_period):
        facts = councils[gss.iat[i]]
        period = periods[label.iat[i]]
        if (facts.start and period.end < facts.start) or (facts.end and period.start >= facts.end):
            problems.append(
                Problem(
                    int(rows[i]),
                    "period",
                    f"'{gss.iat[i]}' did not exist in {label.iat[i]}.",
                )
            )
        if len(problems) > MAX_PROBLEMS:
            break

    if problems:
        problems.sort(key=lambda p: (p.row, p.column))
        raise FileProblems(problems[:MAX_PROBLEMS])

    parsed_periods = label.map(periods)
    return pd.DataFrame(
        {
            "council_id": gss.map(lambda g: councils[g].id).to_numpy(dtype=np.int64),
            "metric_id": code.map(metrics).to_numpy(dtype=np.int64),
            "period": parsed_periods.map(lambda p: p.label).to_numpy(),
            "period_start": parsed_periods.map(lambda p: p.start).to_numpy(),
            "period_end": parsed_periods.map(lambda p: p.end).to_numpy(),
            **{c: numbers[c] for c in NUMBER_COLUMNS},
            "note": text["note"].to_numpy(),
        }
    )


def unusual_values(clean: pd.DataFrame, ranges: dict[int, UsualRange]) -> list[Problem]:
    """Values of a checked table far outside their measure's usual range, to be confirmed
    before they are saved: below the lower quartile, or above the upper quartile, by more
    than FAR_OUT times the interquartile range (Tukey's "far out" values). `ranges` is by
    metric id; a measure without one (too few figures yet) raises no warning."""
    warnings_: list[Problem] = []
    values = clean["value"].to_numpy(dtype=float)
    metric_ids = clean["metric_id"].to_numpy()
    for metric_id, usual in ranges.items():
        if usual.upper_quartile <= usual.lower_quartile:
            continue  # every council has the same figure: no spread to judge by
        low, high = usual.fences
        mask = (metric_ids == metric_id) & ((values < low) | (values > high))
        for index in np.flatnonzero(mask):
            warnings_.append(
                Problem(
                    int(index) + 2,
                    "value",
                    f"{_number(values[index])} is far outside this measure's usual range: "
                    f"most councils' figures are between {_number(usual.lower_quartile)} and "
                    f"{_number(usual.upper_quartile)}. Check it is right.",
                )
            )
    warnings_.sort(key=lambda p: p.row)
    return warnings_[:MAX_PROBLEMS]
