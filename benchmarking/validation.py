"""Checking a file of values before anything is written.

Pure: takes the file's rows and what the portal knows (councils, metrics, what the uploader
may write) as plain data, and returns either clean rows or every problem with its row,
column and reason. One problem anywhere means nothing is written.
"""

from __future__ import annotations

import csv
import datetime
import io
import warnings
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmarking.periods import PeriodError, parse_period

REQUIRED_COLUMNS = ("gss_code", "metric_code", "period", "value")
OPTIONAL_COLUMNS = ("numerator", "denominator", "sample_size", "note")
NUMBER_COLUMNS = ("value", "numerator", "denominator", "sample_size")
MAX_ROWS = 2_000_000
# An XLSX file is a zip of XML. Its members' sizes once inflated are read from the zip's own
# directory before anything is unpacked (Python never inflates a member beyond its declared
# size), so a small file that would inflate to gigabytes is refused at once.
MAX_XLSX_INFLATED = 100 * 1024 * 1024
MAX_PROBLEMS = 1000


@dataclass(frozen=True)
class Problem:
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "File"
        return (
            f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class FileProblems(ValueError):
    """The file was rejected whole; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems[:20]))


@dataclass(frozen=True)
class CouncilFacts:
    id: int
    start: datetime.date | None
    end: datetime.date | None


def read_table(content: bytes, filename: str) -> pd.DataFrame:
    """The file as text cells, from CSV or XLSX; raise FileProblems if unreadable."""
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            _check_xlsx_size(content)
            frame = pd.read_excel(io.BytesIO(content), dtype=str, engine="openpyxl")
        elif name.endswith(".csv"):
            frame = _read_csv(content)
        else:
            raise FileProblems([Problem(0, "", "Upload a CSV or XLSX file.")])
    except FileProblems:
        raise
    except UnicodeDecodeError:
        raise FileProblems(
            [Problem(0, "", "The file is not UTF-8 text. Save it as CSV UTF-8.")]
        ) from None
    except Exception as error:  # noqa: BLE001 - any parser failure is the file's problem
        raise FileProblems([Problem(0, "", f"The file cannot be read: {error}")]) from error
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    repeated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if repeated:
        raise FileProblems([Problem(1, c, "This column appears more than once.") for c in repeated])
    frame = frame.fillna("").astype(str)
    if problems := nul_cells(frame):
        raise FileProblems(problems)
    return frame


def _read_csv(content: bytes) -> pd.DataFrame:
    """A CSV file as text cells. A row with more cells than the header has columns is
    refused by its row number: pandas would otherwise take the first column as the index
    and shift every cell one column left, or drop the extra cells without a word."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(
                io.BytesIO(content),
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                index_col=False,
            )
        except (pd.errors.ParserWarning, pd.errors.ParserError) as error:
            if problems := long_rows(content):
                raise FileProblems(problems) from error
            raise


def long_rows(content: bytes) -> list[Problem]:
    """Rows with more cells than the header names, as a spreadsheet numbers them."""
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    header = next(reader, [])
    problems = []
    for row, cells in enumerate(reader, start=2):
        if len(cells) > len(header):
            problems.append(
                Problem(
                    row,
                    "",
                    f"This row has {len(cells)} cells but the header names {len(header)} "
                    "columns. Remove the extra cells, or give the column a heading.",
                )
            )
            if len(problems) >= MAX_PROBLEMS:
                break
    return problems


def nul_cells(frame: pd.DataFrame) -> list[Problem]:
    """Cells holding a NUL character, which no one means and PostgreSQL cannot store."""
    problems = []
    for column in frame.columns:
        text = frame[column].astype(str)
        for index in np.flatnonzero(text.str.contains("\x00", regex=False).to_numpy()):
            problems.append(
                Problem(
                    int(index) + 2, str(column), "This cell contains a NUL character; remove it."
                )
            )
    return problems


def _check_xlsx_size(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            inflated = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise FileProblems([Problem(0, "", "The file is not a valid XLSX workbook.")]) from None
    if inflated > MAX_XLSX_INFLATED:
        raise FileProblems(
            [
                Problem(
                    0,
                    "",
                    "The workbook is too large to read once unpacked "
                    f"(over {MAX_XLSX_INFLATED // 2**20} MB). Save it as CSV UTF-8 instead.",
                )
            ]
        )


def validate_values(
    frame: pd.DataFrame,
    *,
    councils: dict[str, CouncilFacts],
    metrics: dict[str, int],
    writable: set[str] | None = None,
) -> pd.DataFrame:
    """Check every row; return clean rows or raise FileProblems listing every problem.

    `writable` is the set of GSS codes the uploader may write for; None means any council.
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
    bad_period = label.map(lambda p: isinstance(periods[p], str)).to_numpy(dtype=bool)
    for row, cell in zip(rows[bad_period], label[bad_period], strict=True):
        problems.append(Problem(int(row), "period", periods[cell]))

    numbers = {}
    for column in NUMBER_COLUMNS:
        cells = text[column].str.replace(",", "", regex=False)
        parsed = pd.to_numeric(cells, errors="coerce")
        blank = (cells == "").to_numpy()
        bad = (parsed.isna().to_numpy() | ~np.isfinite(parsed.to_numpy(dtype=float))) & ~blank
        if column == "value":
            flag(blank, column, "Enter a value.")
        flag(bad, column, lambda c, col=column: f"'{c}' is not a number.")
        numbers[column] = parsed.to_numpy(dtype=float)
    negative = np.nan_to_num(numbers["sample_size"], nan=0) < 0
    flag(negative, "sample_size", "A sample size cannot be negative.")
    zero_denominator = numbers["denominator"] == 0
    flag(zero_denominator, "denominator", "A denominator cannot be zero.")

    key = pd.DataFrame({"g": gss, "m": code, "p": label})
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
