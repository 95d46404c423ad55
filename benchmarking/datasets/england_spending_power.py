"""English councils' core spending power, 2011-12 to 2020-21, in total, per head and its change.

Pure. Reads the core spending power table of Pike et al. (from the MHCLG finance settlement's
core spending power tables) in `data/finance/`. Its year columns `2012` to `2021` are read as
the financial year ending on 31 March of that year (`2021` is 2020-21), as the shared data's
README reads them; the source itself does not say. Money is in £ million, as published.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from benchmarking.datasets.base import OGL, DatasetContent, register_lifetimes, values_frame
from benchmarking.datasets.england_finance import (
    PIKE,
    POPULATION_NOTE,
    finance_metric,
    financial_year,
    match_councils,
    part,
    population_2018,
    ratio,
    within_lives,
)

NAME = "england-spending-power"
TITLE = "English core spending power, 2011-12 to 2020-21"
PUBLISHED = (
    "MHCLG final local government finance settlements, core spending power tables, as "
    "compiled by Pike et al. (repository snapshot 3b079018, 2021)"
)
SPENDING_POWER = Path("finance") / "england_core_spending_power_gbp_millions_2012_2021.csv"
FILES = (str(SPENDING_POWER), str(PIKE))
YEARS = tuple(range(2012, 2022))
LICENCE = (
    "Core spending power, MHCLG local government finance settlement, compiled by A. Pike et "
    f"al., Financialisation and local statecraft in England. {OGL}"
)
SOURCE = LICENCE
YEAR_CONVENTION = (
    "The source's columns are headed by a single year; each is read as the financial year "
    "ending on 31 March of that year (2021 is 2020-21)."
)


def _metric(code: str, **fields: str) -> dict[str, str]:
    return finance_metric(
        code,
        source=SOURCE,
        attribution="MHCLG core spending power, compiled by Pike et al.",
        **fields,
    )


METRICS = [
    _metric(
        "fin-csp",
        title="Core spending power",
        unit="£ million",
        polarity="neutral",
        decimals="2",
        definition=(
            "Core spending power for the year, in £ million as published: the government's "
            "measure of the money a council has for services from council tax, business rates "
            f"and the main grants. {YEAR_CONVENTION}"
        ),
        context_note=(
            "A council's size, not its performance. Cash figures, not adjusted for inflation."
        ),
    ),
    _metric(
        "fin-csp-per-head",
        title="Core spending power per head",
        unit="£ per head",
        polarity="neutral",
        decimals="0",
        definition=(
            "Core spending power (£ million, times 1,000,000) divided by the council's "
            f"population. {POPULATION_NOTE} {YEAR_CONVENTION}"
        ),
        numerator_label="Core spending power (£)",
        denominator_label="Population, mid-2018",
        context_note=(
            "Follows need as the funding formulae see it: neither high nor low is better. "
            "Cash figures, not adjusted for inflation."
        ),
    ),
    _metric(
        "fin-csp-change",
        title="Change in core spending power on the year before",
        unit="%",
        polarity="higher_better",
        definition=(
            "Core spending power for the year less that of the year before, divided by that of "
            "the year before, times 100. Only where the council existed in both years: a new "
            f"council's first year has no change. {YEAR_CONVENTION}"
        ),
        numerator_label="Change in core spending power (£ million)",
        denominator_label="Core spending power the year before (£ million)",
        context_note=(
            "A rise gives more room to meet rising demand, so higher counts as better. Cash "
            "terms: a rise below inflation is a cut in real terms."
        ),
    ),
]


def read(data_dir: Path) -> pd.DataFrame:
    frame = pd.read_csv(
        Path(data_dir) / SPENDING_POWER, dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    missing = [c for c in ("ons_code", "ons_name", *map(str, YEARS)) if c not in frame.columns]
    if missing:
        raise ValueError(f"{SPENDING_POWER.name} has no column {', '.join(missing)}.")
    return frame


def long_table(
    raw: pd.DataFrame, councils: Mapping[str, str]
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """One row per council and financial year: gss_code, period, end_year, csp (£ million)."""
    skipped, notes = [], []
    frame = raw.copy()
    frame["ecode"] = ""
    frame["financial_year"] = "2011-12 to 2020-21"
    frame["gss_code"], unmatched, matched = match_councils(frame, councils, name="ons_name")
    skipped += unmatched
    notes += matched
    frame = frame[frame["gss_code"] != ""]
    rows = []
    for year in YEARS:
        cells = frame[str(year)].str.strip()
        number = pd.to_numeric(cells, errors="coerce")
        bad = (cells != "") & (cells != "..") & number.isna()
        if bad.any():
            raise ValueError(
                f"{SPENDING_POWER.name}: column {year} holds text that is not a number for "
                f"{', '.join(frame.loc[bad, 'ons_name'].head(5))}."
            )
        rows.append(
            pd.DataFrame(
                {
                    "gss_code": frame["gss_code"],
                    "period": financial_year(year),
                    "end_year": year,
                    "csp": number,
                }
            )
        )
    table = pd.concat(rows, ignore_index=True)
    blank = table["csp"].isna()
    if blank.any():
        skipped.append(
            f"{int(blank.sum())} council-years shown as '..' (no figure) left out, such as "
            f"{', '.join(sorted(set(table.loc[blank, 'gss_code']))[:6])}."
        )
    return table[~blank].reset_index(drop=True), skipped, notes


def spending_power_by_year(data_dir: Path, councils: Mapping[str, str]) -> pd.DataFrame:
    """Core spending power by council and financial year (gss_code, period, csp in £ million),
    for the other finance datasets' ratios."""
    table, _, _ = long_table(read(data_dir), councils)
    table, _ = within_lives(table, register_lifetimes(data_dir))
    return table[["gss_code", "period", "csp"]]


def load(data_dir: Path, councils: Mapping[str, str]) -> DatasetContent:
    table, skipped, notes = long_table(read(data_dir), councils)
    table, outside = within_lives(table, register_lifetimes(data_dir))
    people = population_2018(data_dir)
    population = table["gss_code"].map(people)
    per_head = ratio(table["csp"] * 1_000_000, population, scale=1)
    before = table.assign(end_year=table["end_year"] + 1)[["gss_code", "end_year", "csp"]]
    joined = table.merge(before, on=["gss_code", "end_year"], how="left", suffixes=("", "_before"))
    change = joined["csp"] - joined["csp_before"]
    no_people = sorted(set(table.loc[population.isna(), "gss_code"]))
    if no_people:
        skipped.append(
            f"No mid-2018 population in Pike et al.'s file for {len(no_people)} councils "
            f"(most abolished before 2019-20), so no figure per head: {', '.join(no_people)}."
        )
    values = values_frame(
        [
            part(table["gss_code"], "fin-csp", table["period"], table["csp"]),
            part(
                table["gss_code"],
                "fin-csp-per-head",
                table["period"],
                per_head,
                table["csp"] * 1_000_000,
                population,
            ),
            part(
                joined["gss_code"],
                "fin-csp-change",
                joined["period"],
                ratio(change, joined["csp_before"]),
                change,
                joined["csp_before"],
            ),
        ]
    )
    notes.append(YEAR_CONVENTION)
    return DatasetContent(
        metrics=[dict(m) for m in METRICS], values=values, skipped=skipped + outside, notes=notes
    )
