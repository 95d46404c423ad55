"""What every dataset module shares: the content a loader returns, the council register
read as codes and lifetimes, and the helpers that shape published tables into values.

Pure: files and pandas in, plain data out; no database.
"""

from __future__ import annotations

import csv
import hashlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from benchmarking.periods import parse_period, sort_periods
from benchmarking.validation import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

REGISTER_FILE = Path("councils") / "uk_local_authorities.csv"
VALUE_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)  # exactly what validate_values reads
OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
OGL_NAME = "Open Government Licence v3.0"


class Grouping(NamedTuple):
    """A family group that comes with a dataset; `gss_codes` are its member councils."""

    slug: str
    name: str
    description: str
    gss_codes: list[str]


@dataclass
class DatasetContent:
    """What a dataset's files say, ready for the import services.

    `metrics` are catalogue rows with the columns of `benchmarking.services.METRIC_COLUMNS`,
    every cell text. `values` has the columns of `VALUE_COLUMNS`, every cell text (blank where
    there is nothing), the shape `benchmarking.validation.validate_values` accepts. `skipped`
    lists, in plain words, what the files hold that was left out and why; `notes` lists other
    decisions the importer made that someone running it should see.
    """

    metrics: list[dict[str, str]]
    values: pd.DataFrame
    groupings: list[Grouping] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Figures for a whole nation as the source publishes them (England, say): dicts with the
    # keys of `benchmarking.services.REFERENCE_COLUMNS`, every cell text.
    references: list[dict[str, str]] = field(default_factory=list)


def files_digest(label: str, files: Iterable[tuple[str, Path]]):
    """A SHA-256 digest begun with `label` and fed each file's name and bytes in the order
    given: the fingerprint of what an import or a computation was made from."""
    digest = hashlib.sha256(label.encode())
    for name, path in files:
        digest.update(name.encode())
        digest.update(Path(path).read_bytes())
    return digest


@dataclass(frozen=True)
class Dataset:
    """A published dataset. Benchmark datasets have a `loader` whose content goes through the
    values import; a dataset of another kind, registered by the app that owns its data, has
    an `importer(data_dir) -> list of report lines` that does its own whole-file import and
    raises ValueError, naming the problem, when nothing was written."""

    name: str
    title: str
    licence: str
    files: tuple[str, ...]
    loader: Callable[..., DatasetContent] | None = None
    importer: Callable[[Path], list[str]] | None = None
    published: str = ""  # when the source published the files, in words

    def fingerprint(self, data_dir: Path | str) -> str:
        """A digest of the dataset's files and of the code that reads them: the same
        fingerprint means importing again would change nothing."""
        digest = files_digest(self.name, [(n, Path(data_dir) / n) for n in sorted(self.files)])
        reader = self.loader or self.importer
        digest.update(Path(inspect.getsourcefile(reader)).read_bytes())
        return digest.hexdigest()

    def load(
        self, data_dir: Path | str, councils: Mapping[str, str] | None = None
    ) -> DatasetContent:
        """Read the dataset from `data_dir` (the project's `data/` folder).

        `councils` maps each GSS code in the council register to its finance E-code (blank if
        none). By default it is read from the register file in `data_dir`; the command passes
        the councils the portal holds.
        """
        data_dir = Path(data_dir)
        if councils is None:
            councils = register_codes(data_dir)
        return self.loader(data_dir, councils)


def register_codes(data_dir: Path | str) -> dict[str, str]:
    """GSS code to finance E-code for every council in the register file."""
    with (Path(data_dir) / REGISTER_FILE).open(encoding="utf-8-sig", newline="") as handle:
        return {
            row["gss-code"].strip().upper(): (row.get("ecode") or "").strip()
            for row in csv.DictReader(handle)
            if (row.get("gss-code") or "").strip()
        }


class DatasetError(ValueError):
    """A dataset's file is not as its importer expects; nothing is imported."""


def read_text_csv(data_dir: Path, path: Path, columns: Iterable[str]) -> pd.DataFrame:
    """A CSV file as text cells, refused whole (DatasetError) if a column is missing."""
    frame = pd.read_csv(data_dir / path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DatasetError(f"{path} has no column {', '.join(missing)}.")
    return frame.map(str.strip)


class Lifetime(NamedTuple):
    """When a council in the register existed: `end` is blank for a current council."""

    name: str
    start: str  # ISO date or blank
    end: str

    @property
    def dates(self) -> tuple[date | None, date | None]:
        """The first day and the day it ended (exclusive), as validation reads them."""
        return (
            date.fromisoformat(self.start) if self.start else None,
            date.fromisoformat(self.end) if self.end else None,
        )


def register_lifetimes(data_dir: Path | str) -> dict[str, Lifetime]:
    """GSS code to name, start and end date for every council in the register file."""
    with (Path(data_dir) / REGISTER_FILE).open(encoding="utf-8-sig", newline="") as handle:
        return {
            row["gss-code"].strip().upper(): Lifetime(
                row["nice-name"].strip(),
                (row.get("start-date") or "").strip(),
                (row.get("end-date") or "").strip(),
            )
            for row in csv.DictReader(handle)
            if (row.get("gss-code") or "").strip()
        }


def existed_in(lifetime: Lifetime, period: str) -> bool:
    """Whether the council existed at some time in the period: the rule values are checked by
    (`benchmarking.validation`), so a row that passes here is not refused there."""
    found = parse_period(period)
    start, end = lifetime.dates
    return not ((start and found.end < start) or (end and found.start >= end))


# A new council whose area is exactly one old council's: a source that publishes the old
# council's figures under the new council's code (DfE does for these three) is read as the old
# council's figures. Every other reorganisation split or merged areas, and nothing is moved.
SAME_AREA_PREDECESSOR = {
    "E06000060": "E10000002",  # Buckinghamshire Council (2020) and Buckinghamshire County
    "E06000065": "E10000023",  # North Yorkshire Council (2023) and North Yorkshire County
    "E06000066": "E10000027",  # Somerset Council (2023) and Somerset County
}


def place_in_time(
    frame: pd.DataFrame, lifetimes: Mapping[str, Lifetime], what: str = "figures"
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Keep the rows (columns `gss_code`, `metric_code`, `period`) of councils that existed in
    the row's period, with what was left out and what was moved, in plain words.

    A figure under a new council's code for a period before it existed is stored against the
    council it replaced when that council covered exactly the same area (see
    `SAME_AREA_PREDECESSOR`) and has no figure of its own for that measure and period. Any
    other figure for a period in which its council did not exist is left out: figures are
    never added up or shared out between councils.
    """
    exists = {
        (gss, period): gss in lifetimes and existed_in(lifetimes[gss], period)
        for gss, period in frame[["gss_code", "period"]].drop_duplicates().itertuples(index=False)
    }
    ok = pd.Series(
        [exists[k] for k in zip(frame["gss_code"], frame["period"], strict=True)],
        index=frame.index,
        dtype=bool,
    )
    frame = frame.copy()
    skipped: list[str] = []
    moved: list[str] = []
    own = set(zip(frame["gss_code"], frame["metric_code"], frame["period"], strict=True))
    for gss, rows in frame[~ok].groupby("gss_code", sort=True):
        name = lifetimes[gss].name if gss in lifetimes else gss
        old = SAME_AREA_PREDECESSOR.get(gss)
        movable = pd.Series(False, index=rows.index)
        if old in lifetimes:
            movable = pd.Series(
                [
                    existed_in(lifetimes[old], p) and (old, m, p) not in own
                    for m, p in zip(rows["metric_code"], rows["period"], strict=True)
                ],
                index=rows.index,
                dtype=bool,
            )
        if movable.any():
            frame.loc[movable[movable].index, "gss_code"] = old
            ok[movable[movable].index] = True
            moved.append(
                f"{name} ({gss}): {int(movable.sum())} {what} for "
                f"{period_span(rows.loc[movable, 'period'])}, before the council existed, stored "
                f"against {lifetimes[old].name} ({old}), which covered the same area then."
            )
        rest = rows[~movable]
        if rest.empty:
            continue
        if gss not in lifetimes:
            skipped.append(f"{name}: not a council in the register; {len(rest)} {what}.")
        else:
            life = lifetimes[gss]
            when = (f"existed from {life.start}" if life.start else "existed until " + life.end) + (
                f" to {life.end}" if life.start and life.end else ""
            )
            skipped.append(
                f"{name} ({gss}): {len(rest)} {what} for {period_span(rest['period'])}, when the "
                f"council did not exist (it {when})."
            )
    return frame[ok], skipped, moved


def period_span(periods: pd.Series) -> str:
    labels = sort_periods(periods)
    return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"


def reference_rows(frame: pd.DataFrame, area_code: str, area_name: str) -> list[dict[str, str]]:
    """Reference figures from rows with columns metric_code, period, value and optionally
    lower and upper (text)."""
    return [
        {
            "metric_code": row["metric_code"],
            "period": row["period"],
            "area_code": area_code,
            "area_name": area_name,
            "value": row["value"],
            "lower": row.get("lower", ""),
            "upper": row.get("upper", ""),
        }
        for row in frame.to_dict("records")
    ]


def times_100(text: str) -> str:
    """A published proportion as a percentage, exactly: '0.767' becomes '76.700'."""
    try:
        return str(Decimal(text) * 100)
    except InvalidOperation as error:
        raise DatasetError(f"'{text}' is not a number.") from error


def published_numbers(source: pd.DataFrame, path: Path) -> pd.Series:
    """The ``value`` column of a measure-by-council file as numbers; the first cell that is
    not one stops the import, named with its council, measure and period."""
    numbers = pd.to_numeric(source["value"], errors="coerce")
    if numbers.isna().any():
        first = source[numbers.isna()].iloc[0]
        raise DatasetError(
            f"{path}: '{first['value']}' is not a number ({first['council_name']}, "
            f"{first['measure_code']}, {first['period']})."
        )
    return numbers


def number_text(values: pd.Series) -> pd.Series:
    """Floats as the shortest text that reads back as the same float; NaN as blank."""
    return values.map(lambda v: "" if pd.isna(v) else repr(float(v))).astype(str)


def values_frame(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack value tables into one with exactly `VALUE_COLUMNS`, all text."""
    frames = [p for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in VALUE_COLUMNS})
    frame = pd.concat(frames, ignore_index=True)
    for column in VALUE_COLUMNS:
        if column not in frame:
            frame[column] = ""
    return frame[list(VALUE_COLUMNS)].fillna("").astype(str).reset_index(drop=True)


def council_figures_content(
    data_dir: Path,
    councils: Mapping[str, str],
    source: pd.DataFrame,
    metric_rows: Callable[[pd.DataFrame], list[dict[str, str]]],
    value_rows: Callable[..., tuple[pd.DataFrame, list[dict[str, str]], list[str], list[str]]],
) -> DatasetContent:
    """The content of a dataset that publishes figures by council with the nation's beside
    them: its measures from ``metric_rows``, and its values, references, skipped figures and
    notes from ``value_rows``, which places each figure within the life of a council the
    portal holds (``councils``)."""
    lifetimes = {g: life for g, life in register_lifetimes(data_dir).items() if g in councils}
    values, references, skipped, notes = value_rows(source, lifetimes)
    return DatasetContent(
        metrics=metric_rows(source),
        values=values_frame([values]),
        references=references,
        skipped=skipped,
        notes=notes,
    )
