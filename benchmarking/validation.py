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
from django.utils.translation import gettext_lazy as _

from benchmarking.periods import parse_period
from selfreg import filecheck
from selfreg.filecheck import Column, FileSpec, Limit, Lookup
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


def _distinct(cells: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """A column's distinct cells, and where each cell is among them (-1 for a missing one).
    A file repeats its councils, measures, periods and blanks on every row, so the checks
    below work on each distinct cell once."""
    codes, distinct = pd.factorize(cells)
    return codes, pd.Series(distinct, dtype=cells.dtype)


def plain_numbers(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column of cells as floats, and which of them are plain, finite numbers."""
    codes, distinct = _distinct(cells)
    plain = distinct.str.fullmatch(PLAIN_NUMBER).to_numpy(dtype=bool)
    parsed = pd.to_numeric(
        distinct.where(plain, "").str.replace(",", "", regex=False), errors="coerce"
    ).to_numpy(dtype=float)
    # One more entry, for a missing cell (code -1): not a number.
    parsed, ok = np.append(parsed, np.nan), np.append(plain & np.isfinite(parsed), False)
    return parsed[codes], ok[codes]


def _tidy(cells: pd.Series) -> pd.Series:
    codes, distinct = _distinct(cells)
    tidied = normalise(distinct.str.strip()).str.strip()
    return pd.Series(tidied.array.take(codes, allow_fill=True), index=cells.index, name=cells.name)


def _tidy_code(cells: pd.Series) -> pd.Series:
    return _tidy(cells).str.upper()


NEGATIVE_SAMPLE = _("A sample size cannot be negative.")
NOT_A_NUMBER = _("'{cell}' is not a number. Write it with digits, such as 1234.5 or 1,234.5.")


def _number_column(name: str, **rules) -> Column:
    return Column(
        name, tidy=_tidy, parse_all=plain_numbers, invalid=NOT_A_NUMBER, required=False, **rules
    )


VALUES = FileSpec(
    columns=(
        Column(
            "gss_code",
            tidy=_tidy_code,
            blank=_("Enter the council's GSS code."),
            lookups=(
                Lookup("councils", _("No council has the code '{cell}'.")),
                Lookup("writable", _("You cannot submit data for '{cell}'.")),
            ),
        ),
        Column(
            "metric_code",
            tidy=_tidy,
            blank=_("Enter the metric code."),
            lookups=(Lookup("metrics", _("No metric has the code '{cell}'.")),),
        ),
        Column(
            "period",
            tidy=_tidy,
            blank=filecheck.PARSE,
            parse=parse_period,
            limits=(
                Limit(
                    _(
                        "'{text}' starts more than a year from now. Values can be given for "
                        "periods that have started, or start within a year."
                    ),
                    high="latest_start",
                    of=lambda period: period.start,
                ),
            ),
        ),
        Column(
            "value",
            tidy=_tidy,
            blank=_("Enter a value."),
            parse_all=plain_numbers,
            invalid=NOT_A_NUMBER,
        ),
        _number_column("numerator"),
        _number_column("denominator"),
        _number_column("sample_size"),
        Column("note", required=False),
    ),
    no_rows=_("The file has no rows of values."),
)


def _outside_unit(
    code: pd.Series, value: np.ndarray, cells: pd.Series, limits: dict[str, Limits]
) -> list[Problem]:
    """Values outside what their measure's unit allows (`unit_limits`), by metric code."""
    problems = []
    cells = cells.to_numpy()
    bounds = {
        side: code.map({c: getattr(limit, side) for c, limit in limits.items()}).to_numpy(
            dtype=float, na_value=np.nan
        )
        for side in ("low", "high")
    }
    for index in np.flatnonzero(value < bounds["low"]):
        limit = limits[code.iat[index]]
        message = (
            f"'{cells[index]}' is below {_number(limit.low)}, but this measure is "
            f"{limit.what} and cannot be."
        )
        problems.append(Problem(int(index) + 2, "value", message))
    for index in np.flatnonzero(value > bounds["high"]):
        limit = limits[code.iat[index]]
        message = (
            f"'{cells[index]}' is over {_number(limit.high)}, but this measure is {limit.what}."
        )
        problems.append(Problem(int(index) + 2, "value", message))
    return problems


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
    if len(frame) > MAX_ROWS and not filecheck.missing_columns(frame, VALUES):
        raise FileProblems([Problem(0, "", f"The file has more than {MAX_ROWS:,} rows.")])
    latest_start = None if today is None else today + datetime.timedelta(days=366 * MAX_YEARS_AHEAD)
    checked = filecheck.check(
        frame,
        VALUES,
        councils=councils.keys(),
        writable=writable,
        metrics=metrics.keys(),
        latest_start=latest_start,
    )
    header = [p for p in checked.problems if p.row == 1]
    problems = [*header, *nul_cells(checked.frame), *checked.problems[len(header) :]]
    text = checked.text
    gss, code, label = text["gss_code"], text["metric_code"], text["period"]
    rows = np.arange(len(gss)) + 2
    numbers = {c: pd.to_numeric(checked.values[c], errors="coerce") for c in NUMBER_COLUMNS}
    numbers = {c: v.to_numpy(dtype=float) for c, v in numbers.items()}
    # Judged on the numbers as written, infinities too, so a value too large to be a number
    # is also said to be past what its unit allows.
    written = {c: plain_numbers(text[c])[0] for c in ("value", "sample_size")}
    if limits:
        problems += _outside_unit(code, written["value"], checked.frame["value"], limits)
    for index in np.flatnonzero(np.nan_to_num(written["sample_size"], nan=0) < 0):
        problems.append(Problem(int(rows[index]), "sample_size", str(NEGATIVE_SAMPLE)))
    for index in np.flatnonzero(numbers["denominator"] == 0):
        problems.append(Problem(int(rows[index]), "denominator", "A denominator cannot be zero."))

    period = checked.values["period"]
    problems += _repeated_rows(gss, code, label, period)
    problems += _outside_lifetime(councils, gss, label, period, already=len(problems))
    if problems:
        problems.sort(key=lambda p: (p.row, p.column))
        raise FileProblems(problems[:MAX_PROBLEMS])

    return pd.DataFrame(
        {
            "council_id": gss.map(lambda g: councils[g].id).to_numpy(dtype=np.int64),
            "metric_id": code.map(metrics).to_numpy(dtype=np.int64),
            "period": period.map(lambda p: p.label).to_numpy(),
            "period_start": period.map(lambda p: p.start).to_numpy(),
            "period_end": period.map(lambda p: p.end).to_numpy(),
            **{c: numbers[c] for c in NUMBER_COLUMNS},
            "note": text["note"].to_numpy(),
        }
    )


def _repeated_rows(gss: pd.Series, code: pd.Series, label: pd.Series, period) -> list[Problem]:
    """Each row that repeats an earlier row's council, metric and period. '2019-20 q1' and
    '2019-20 Q1' are one period: the labels are compared as parsed."""
    rows = np.arange(len(gss)) + 2
    good_period = period.notna().to_numpy()
    canonical = label.where(~good_period, period.map(lambda p: p.label if p else None))
    key = pd.DataFrame({"g": gss, "m": code, "p": canonical})
    duplicated = key.duplicated(keep=False).to_numpy() & (gss != "").to_numpy()
    if not duplicated.any():
        return []
    problems = []
    first_row = key[duplicated].reset_index().groupby(["g", "m", "p"])["index"].transform("min")
    for row, first in zip(rows[duplicated], first_row.to_numpy() + 2, strict=True):
        if row != first:
            message = f"This council, metric and period repeat row {first}."
            problems.append(Problem(int(row), "period", message))
    return problems


def _outside_lifetime(
    councils: dict[str, CouncilFacts], gss: pd.Series, label: pd.Series, period, *, already: int
) -> list[Problem]:
    """Each row whose period falls wholly before the council began or after it ended. Stops
    once ``already`` (the problems found before) and these pass MAX_PROBLEMS."""
    checked = np.flatnonzero(gss.isin(councils.keys()).to_numpy() & period.notna().to_numpy())
    gss, label, period = gss.iloc[checked], label.iloc[checked], period.iloc[checked]

    def days(series: pd.Series) -> np.ndarray:
        return pd.to_datetime(series).to_numpy()

    began = days(gss.map({g: facts.start for g, facts in councils.items()}))
    ended = days(gss.map({g: facts.end for g, facts in councils.items()}))
    starts, ends = days(period.map(lambda p: p.start)), days(period.map(lambda p: p.end))
    # NaT (a council with no start or no end) compares false: no bound on that side.
    outside = np.flatnonzero((ends < began) | (starts >= ended))
    return [
        Problem(int(checked[i]) + 2, "period", f"'{gss.iat[i]}' did not exist in {label.iat[i]}.")
        for i in outside[: max(1, MAX_PROBLEMS - already + 1)]
    ]


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
