"""Reading an uploaded file whole, and the problems found in it.

A file is read as text cells (CSV UTF-8 or XLSX) so that every importer checks what the
person wrote, not what a parser guessed. A `Problem` names the row as a spreadsheet shows it
(the header is row 1; 0 is the file as a whole), the column and the reason; `FileProblems`
rejects a file with every problem found, so nothing is written.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd

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

    def rejection(self, what: str) -> str:
        """What a command says of ``what`` (the file, a dataset) when it is rejected: that
        nothing was written, how many problems, then every one."""
        listing = "\n".join(str(p) for p in self.problems)
        count = len(self.problems)
        return f"{what} was rejected; nothing was written. {count} problem(s):\n{listing}"


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
    frame = with_tidy_columns(frame)
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


def with_tidy_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its column names trimmed and in lower case; raise FileProblems if two
    columns then have the same name ("Value" and "value "), as a file or the rows an API
    client sends may have."""
    frame = frame.copy()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    names = list(frame.columns)
    if repeated := sorted({c for c in names if names.count(c) > 1}):
        raise FileProblems([Problem(1, c, "This column appears more than once.") for c in repeated])
    return frame


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
