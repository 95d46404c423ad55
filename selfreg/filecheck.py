"""One declarative check of a whole file, behind every importer.

An importer declares its file as a `FileSpec`: its columns (`Column`: name, whether the file
must have it, the message for an empty cell, its type as a parser, look-ups against what the
portal knows, limits) and which columns together may not repeat (`Unique`). `check` reads
every row against it at once and returns the parsed values with every problem, each with its
row (as a spreadsheet numbers it: the header is row 1) and column, so a file is judged whole
before anything is written. A rule the columns cannot say (one column against another) is the
importer's own, added to the same list of problems.

Messages are translated text that may name `{cell}` (the cell as written), `{text}` (the cell
tidied), `{column}`, `{choices}` (a look-up's members, sorted), `{first}` (the row a repeat
repeats) and any value passed to `check`.

Pure: pandas and numpy; no database or request.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext_lazy as _

from selfreg.fileproblems import FileProblems, Problem, with_tidy_columns

PARSE = object()
MISSING = _("This column is missing.")
UNKNOWN = _("This column is not recognised.")
TOO_LONG = _("This is longer than the {max_length} characters allowed.")


def strip(cells: pd.Series) -> pd.Series:
    return cells.str.strip()


def upper(cells: pd.Series) -> pd.Series:
    return cells.str.strip().str.upper()


def lower(cells: pd.Series) -> pd.Series:
    return cells.str.strip().str.lower()


def iso_date(text: str) -> datetime.date:
    """A date written YYYY-MM-DD."""
    return datetime.date.fromisoformat(text)


@dataclass(frozen=True)
class Lookup:
    """The cell must be one of a set passed to `check` under `name` (a set passed as None
    means there is nothing to look up against, and the look-up is skipped)."""

    name: str
    message: Any


@dataclass(frozen=True)
class Limit:
    """The parsed cell (or what `of` takes from it) must be at least `low` and at most
    `high`: constants, or the names of values passed to `check` (None there: no limit)."""

    message: Any
    low: Any = None
    high: Any = None
    of: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True  # the file must have the column
    # The message for an empty cell; None: an empty cell is allowed; PARSE: the parser judges it.
    blank: Any = None
    tidy: Callable[[pd.Series], pd.Series] = strip
    # The type: each distinct cell to its value, raising ValueError for a cell that is not one.
    parse: Callable[[str], Any] | None = None
    # Or, for a long column, all cells at once: (values, a mask of the cells that parsed).
    parse_all: Callable[[pd.Series], tuple[np.ndarray, np.ndarray]] | None = None
    invalid: Any = ""  # the message where the parse refuses; "" takes the parser's own words
    lookups: tuple[Lookup, ...] = ()
    limits: tuple[Limit, ...] = ()
    # The most characters a cell may hold: a number, or the name of one passed to `check`
    # (such as a model field's max_length, so the limit is declared once).
    max_length: int | str | None = None


@dataclass(frozen=True)
class Unique:
    """The columns that together may not repeat, reported against `column`. `known` names a
    set of keys passed to `check` that are already stored, reported as `stored`."""

    columns: tuple[str, ...]
    column: str
    message: Any
    known: str | None = None
    stored: Any = ""


@dataclass(frozen=True)
class FileSpec:
    columns: tuple[Column, ...]
    no_rows: Any  # the message for a file with a header and no rows; None: such a file is fine
    unique: tuple[Unique, ...] = ()
    other_columns: bool = False  # columns the spec does not name are allowed

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


@dataclass
class Checked:
    """A file read against its spec: the cells, tidied and parsed, and every problem."""

    frame: pd.DataFrame  # the cells as written, every column of the spec present
    text: dict[str, pd.Series]  # tidied
    values: dict[str, pd.Series]  # parsed; None where a cell is empty or has a problem
    ok: dict[str, np.ndarray]  # the cells with no problem (an allowed empty cell is fine)
    read: dict[str, pd.Series] = field(default_factory=dict)  # parsed, before look-ups
    problems: list[Problem] = field(default_factory=list)
    _order: list[tuple[int, int]] = field(default_factory=list)

    def add(self, row: int, column: str, message: str, order: int = 10_000) -> None:
        self.problems.append(Problem(int(row), column, str(message)))
        self._order.append((int(row), order))

    def flag(self, mask: np.ndarray, column: str, message, order: int, **names) -> None:
        """A problem on each masked row, its message filled with that row's cell."""
        cells = self.frame[column].to_numpy()
        text = self.text[column].to_numpy()
        for index in np.flatnonzero(mask):
            words = str(message).format(cell=cells[index], text=text[index], column=column, **names)
            self.add(index + 2, column, words, order)

    def sorted_problems(self) -> list[Problem]:
        """The problems row by row, in the order of the spec's checks within a row."""
        ranked = sorted(zip(self._order, range(len(self.problems)), strict=True))
        return [self.problems[i] for _, i in ranked]

    def raise_problems(self) -> None:
        if self.problems:
            raise FileProblems(self.sorted_problems())

    def records(self) -> list[dict]:
        """The rows as mappings of column to parsed value, with `row`."""
        columns = list(self.values)
        arrays = [self.values[c].to_numpy() for c in columns]
        return [
            {"row": index + 2, **dict(zip(columns, cells, strict=True))}
            for index, cells in enumerate(zip(*arrays, strict=True))
        ]


def missing_columns(frame: pd.DataFrame, spec: FileSpec) -> list[str]:
    present = {str(c).strip().lower() for c in frame.columns}
    return [c.name for c in spec.columns if c.required and c.name not in present]


def check(frame: pd.DataFrame, spec: FileSpec, **given: Any) -> Checked:
    """Check every row of `frame` against `spec`; `given` holds the look-up sets and the
    values limits name. Raise FileProblems at once for a missing column or a file with no
    rows; return the rest with every problem found."""
    frame = with_tidy_columns(frame)
    if missing := missing_columns(frame, spec):
        raise FileProblems([Problem(1, c, str(MISSING)) for c in missing])
    unknown = [] if spec.other_columns else [c for c in frame if c not in spec.names]
    header = [Problem(1, c, str(UNKNOWN)) for c in unknown]
    if frame.empty and spec.no_rows is not None:
        raise FileProblems([*header, Problem(0, "", str(spec.no_rows))])
    # Rows may arrive as numbers (API JSON, datasets): check everything as text, like a file.
    frame = frame.reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    for column in spec.columns:
        if column.name not in frame:
            frame[column.name] = ""
    checked = Checked(frame, {}, {}, {})
    for problem in header:
        checked.add(problem.row, problem.column, problem.message, order=-1)
    for position, column in enumerate(spec.columns):
        _check_column(checked, column, given, order=100 * position)
    for position, unique in enumerate(spec.unique):
        _check_unique(checked, unique, given, order=100 * len(spec.columns) + position)
    return checked


def _check_column(checked: Checked, column: Column, given: Mapping, order: int) -> None:
    name = column.name
    messages = (column.blank, column.invalid, *(lookup.message for lookup in column.lookups))
    if column.lookups and any("{choices}" in str(m) for m in messages):
        given = {"choices": ", ".join(sorted(given[column.lookups[0].name])), **given}
    text = column.tidy(checked.frame[name])
    checked.text[name] = text
    blank = (text == "").to_numpy() & (column.blank is not PARSE)
    ok = np.ones(len(text), dtype=bool)
    if column.blank is not None and column.blank is not PARSE:
        checked.flag(blank, name, column.blank, order, **given)
        ok &= ~blank
    filled = ~blank
    values = pd.Series([None] * len(text), dtype=object)
    if column.parse_all is not None:
        parsed, good = column.parse_all(text)
        checked.flag(filled & ~good, name, column.invalid, order + 1, **given)
        values = pd.Series(parsed, dtype=object)
        ok &= good | blank
    elif column.parse is not None:
        values, good = _parse_distinct(checked, column, text, filled, order + 1, given)
        ok &= good | blank
    else:
        values = text.astype(object)
    # What was read, before the look-ups and limits: a repeat is a repeat even of a wrong row.
    checked.read[name] = values.where(ok & filled, None)
    longest = _bound(column.max_length, given)
    if longest is not None:
        too_long = ok & filled & (text.str.len() > longest).to_numpy()
        checked.flag(too_long, name, TOO_LONG, order + 1, max_length=longest, **given)
        ok &= ~too_long
    for step, lookup in enumerate(column.lookups, start=2):
        members = given[lookup.name]
        if members is None:
            continue
        outside = ok & filled & ~text.isin(members).to_numpy()
        checked.flag(outside, name, lookup.message, order + step, **given)
        ok &= ~outside
    for step, limit in enumerate(column.limits, start=10):
        beyond = ok & filled & _beyond(values, limit, given)
        checked.flag(beyond, name, limit.message, order + step, **given)
        ok &= ~beyond
    checked.values[name] = values.where(ok & filled, None)
    checked.ok[name] = ok


def _parse_distinct(checked, column, text, filled, order, given):
    """Parse each distinct cell once: a long file repeats its dates and codes."""
    parsed: dict[str, Any] = {}
    refused: dict[str, str] = {}
    for cell in text[filled].unique():
        try:
            parsed[cell] = column.parse(cell)
        except ValueError as error:
            refused[cell] = str(error)
    good = text.isin(parsed.keys()).to_numpy()
    bad = filled & ~good
    if column.invalid:
        checked.flag(bad, column.name, column.invalid, order, **given)
    else:
        for index in np.flatnonzero(bad):
            checked.add(index + 2, column.name, refused[text.iat[index]], order)
    # Built as objects, so whole numbers stay ints and blanks stay None.
    values = pd.Series([parsed.get(cell) for cell in text], index=text.index, dtype=object)
    return values, good


def _bound(value, given: Mapping):
    return given[value] if isinstance(value, str) else value


def _beyond(values: pd.Series, limit: Limit, given: Mapping) -> np.ndarray:
    low, high = _bound(limit.low, given), _bound(limit.high, given)
    if limit.of is not None:
        values = values.map(lambda value: None if value is None else limit.of(value))
    inferred = values.infer_objects()
    if pd.api.types.is_float_dtype(inferred):
        numbers = inferred.to_numpy(dtype=float)  # a long column of numbers, compared at once
        out = np.zeros(len(numbers), dtype=bool)
        if low is not None:
            out |= numbers < low
        if high is not None:
            out |= numbers > high
        return out
    return np.array(
        [
            v is not None and ((low is not None and v < low) or (high is not None and v > high))
            for v in values.to_numpy()
        ],
        dtype=bool,
    )


def _check_unique(checked: Checked, unique: Unique, given: Mapping, order: int) -> None:
    """A repeat of an earlier row (or of a stored key) among rows whose key cells are all
    filled in and parsed."""
    columns = list(unique.columns)
    usable = np.logical_and.reduce([checked.read[c].notna().to_numpy() for c in columns])
    known = given[unique.known] if unique.known else ()
    keys = list(zip(*(checked.read[c].to_numpy() for c in columns), strict=True))
    first: dict[tuple, int] = {}
    for index in np.flatnonzero(usable):
        key = keys[index]
        if key in known:
            checked.add(index + 2, unique.column, str(unique.stored).format(**given), order)
        elif key in first:
            words = str(unique.message).format(first=first[key], text=key[0], **given)
            checked.add(index + 2, unique.column, words, order)
        else:
            first[key] = index + 2
