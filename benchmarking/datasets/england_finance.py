"""What the English finance datasets share: matching a return to a council in the register,
keeping each figure within the life of the council that published it, and the shape of a
finance measure and of its values.

Pure. A figure published under a council that was later abolished stays that council's
figure: nothing is added up into its successor. Method note: docs/method/datasets.md.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarking.datasets.base import (
    OGL,
    OGL_NAME,
    REGISTER_FILE,
    Lifetime,
    existed_in,
    number_text,
)
from benchmarking.periods import PeriodError

# Known faults in the published codes: (E-code, code as published) -> the right GSS code.
# North Yorkshire County Council (E2721) is published as E10000022, a code no council has,
# in the 2015-16 and 2017-18 RS returns and in the borrowing and investment tables up to
# 31 March 2017. Its code is E10000023.
CODE_FIXES = {("E2721", "E10000022"): "E10000023"}


def read_finance_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A finance CSV file as text cells, refused (ValueError) if one of ``columns`` is missing."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path.name} has no column {', '.join(missing)}.")
    return frame


def finance_numbers(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """``column`` of ``frame`` (read from ``path``) as numbers, a blank cell as NaN; the first
    cell that is not a number refuses the file (ValueError naming its row as a spreadsheet
    shows it)."""
    cells = frame[column].str.strip()
    number = pd.to_numeric(cells, errors="coerce")
    bad = (cells != "") & number.isna()
    if bad.any():
        first = frame.index[bad][0]
        raise ValueError(
            f"{path.name} row {first + 2}, column {column}: '{frame.at[first, column]}' is not "
            "a number."
        )
    return number


def match_councils(
    frame: pd.DataFrame,
    councils: Mapping[str, str],
    *,
    code: str = "ons_code",
    ecode: str = "ecode",
    name: str = "la_name",
    period: str = "financial_year",
) -> tuple[pd.Series, list[str], list[str]]:
    """The register's GSS code for each row (blank where none), with skipped rows and notes.

    A code in `CODE_FIXES` is put right first, with a note. Rows then match on their GSS code.
    Where that code is not in the register but the row's finance E-code belongs to exactly one
    council in it, that council is used and a note says so.
    """
    by_ecode: dict[str, list[str]] = {}
    for gss, e in councils.items():
        if e:
            by_ecode.setdefault(e.upper(), []).append(gss)
    codes = frame[code].str.strip().str.upper()
    ecodes = frame[ecode].str.strip().str.upper()
    skipped, notes = [], []
    for (bad_ecode, bad_code), right in CODE_FIXES.items():
        wrong = (ecodes == bad_ecode) & (codes == bad_code)
        if wrong.any():
            when = ", ".join(sorted(frame.loc[wrong, period].astype(str).unique()))
            notes.append(
                f"{frame.loc[wrong, name].iloc[0]} (E-code {bad_ecode}) is published as "
                f"{bad_code}, a code no council has, for {when}; stored under its code {right}."
            )
            codes = codes.mask(wrong, right)
    gss = codes.where(codes.isin(councils.keys()), "")
    for index in frame.index[gss == ""]:
        row = frame.loc[index]
        found = by_ecode.get(ecodes[index], [])
        where = f"{row[name]} {row[period]} (code '{row[code]}')"
        if len(found) == 1:
            gss[index] = found[0]
            notes.append(
                f"{where}: the code is not in the council register; matched on its E-code "
                f"{ecodes[index]} to {found[0]}."
            )
        else:
            skipped.append(f"{where}: not in the council register; left out.")
    return gss, skipped, notes


def within_lives(
    values: pd.DataFrame, lifetimes: Mapping[str, Lifetime]
) -> tuple[pd.DataFrame, list[str]]:
    """Drop values for a period the council did not exist in, saying which.

    A return filed by a body before the council with its code began (a county council of the
    time, say, sharing the new unitary's E-code) belongs to no council in the register.
    """
    if values.empty:
        return values, []
    keep = np.ones(len(values), dtype=bool)
    dropped: dict[tuple[str, str], int] = {}
    for i, (gss, label) in enumerate(zip(values["gss_code"], values["period"], strict=True)):
        if gss not in lifetimes:
            continue
        try:
            inside = existed_in(lifetimes[gss], label)
        except PeriodError:
            continue  # validation names it
        if not inside:
            keep[i] = False
            dropped[(gss, label)] = dropped.get((gss, label), 0) + 1
    skipped = [
        f"{gss} {label}: the council did not exist then; {n} figure(s) left out."
        for (gss, label), n in sorted(dropped.items())
    ]
    return values[keep].reset_index(drop=True), skipped


def ratio(numerator: pd.Series, denominator: pd.Series, scale: float = 100.0) -> pd.Series:
    """numerator / denominator x scale where the denominator is above zero; NaN otherwise."""
    usable = denominator.notna() & (denominator > 0) & numerator.notna()
    return (numerator / denominator.where(usable) * scale).where(usable)


def part(
    gss: pd.Series,
    code: str,
    period: pd.Series | str,
    value: pd.Series,
    numerator: pd.Series | None = None,
    denominator: pd.Series | None = None,
) -> pd.DataFrame:
    """One measure's values as a table in the shape of `VALUE_COLUMNS` (missing ones dropped)."""
    keep = value.notna() & np.isfinite(value.astype(float))
    frame = pd.DataFrame(
        {
            "gss_code": gss,
            "metric_code": code,
            "period": period,
            "value": number_text(value),
            "numerator": number_text(numerator) if numerator is not None else "",
            "denominator": number_text(denominator) if denominator is not None else "",
        },
        index=value.index,
    )
    return frame[keep]


def finance_metric(code: str, *, source: str, attribution: str, **fields: str) -> dict[str, str]:
    """A catalogue row for a finance measure: cost element, theme Finance, OGL, compared with
    the council's similar councils on finance."""
    row = {
        "code": code,
        "element": "cost",
        "decimals": "1",
        "source": source,
        "frequency": "Annual",
        "target_value": "",
        "numerator_label": "",
        "denominator_label": "",
        "sdl_reference": "",
        "context_note": "",
        "theme": "Finance",
        "licence": OGL_NAME,
        "attribution": f"{attribution} {OGL}",
        "comparator": "finance",
    }
    row.update(fields)
    # A finance percentage is against spending, debt or a year before, or a change: it can
    # pass 100 (a council owes more than it spends in a year) or fall below 0, so it is not
    # limited to 0-100.
    row.setdefault("unit_limits", "false" if row.get("unit") == "%" else "")
    return row


def financial_year(end_year: int) -> str:
    """The label of the financial year ending on 31 March of `end_year`: 2019 -> '2018-19'."""
    return f"{end_year - 1}-{end_year % 100:02d}"


# --- population for figures per head ----------------------------------------------------------

PIKE = (
    Path("finance") / "england_political_control_and_commercial_finance_indicators_c2020_pike.csv"
)
POPULATION_NOTE = (
    "Per head uses ONS's mid-2018 population estimate for the council, as given in the "
    "population_2018 column of Pike et al.'s commercial finance file, the one population in the "
    "shared data that covers every English council of 2019-20, counties included. The same "
    "population is used for every year. Councils abolished before 2019-20 are not in that file, "
    "so they have no figure per head."
)


def population_2018(data_dir: Path | str) -> dict[str, float]:
    """GSS code to the mid-2018 population, from Pike et al.'s file (324 English councils)."""
    frame = pd.read_csv(
        Path(data_dir) / PIKE, dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    if not {"la_code", "population_2018"} <= set(frame.columns):
        raise ValueError(f"{PIKE.name} has no la_code or population_2018 column.")
    people = pd.to_numeric(frame["population_2018"].str.strip(), errors="coerce")
    codes = frame["la_code"].str.strip().str.upper()
    return {c: float(p) for c, p in zip(codes, people, strict=True) if p > 0}


ENGLISH_COUNCIL_TYPES = ("NMD", "UA", "MD", "LBO", "CTY", "CC")


def english_councils(data_dir: Path | str) -> set[str]:
    """GSS codes of the English councils in the register file, current or abolished: not
    combined authorities or the GLA."""
    with (Path(data_dir) / REGISTER_FILE).open(encoding="utf-8-sig", newline="") as handle:
        return {
            row["gss-code"].strip().upper()
            for row in csv.DictReader(handle)
            if (row.get("gss-code") or "").strip()
            and row.get("nation", "").strip() == "England"
            and row.get("local-authority-type", "").strip() in ENGLISH_COUNCIL_TYPES
        }
