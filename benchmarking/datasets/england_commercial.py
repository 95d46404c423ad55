"""English councils' commercial exposure: interest and investment income in 2019-20 and the
result of their trading accounts, 2016-17 to 2018-19.

Pure. Reads two files of Pike et al., *Financialisation and local statecraft in England*, in
`data/finance/`: their merged file of political control and commercial finance indicators
(GSS-coded, about 2020) and their table of trading accounts (named, not coded). Core spending
power comes from `england_spending_power`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from benchmarking.datasets import england_spending_power
from benchmarking.datasets.base import OGL, DatasetContent, register_lifetimes, values_frame
from benchmarking.datasets.england_finance import (
    PIKE,
    POPULATION_NOTE,
    finance_metric,
    finance_numbers,
    part,
    population_2018,
    ratio,
    read_finance_csv,
    within_lives,
)

NAME = "england-commercial"
TITLE = "English councils' commercial income and trading accounts, 2016-17 to 2019-20"
PUBLISHED = (
    "Pike et al., Financialisation and local statecraft in England (data repository snapshot "
    "3b079018, 2021), from MHCLG revenue outturn (RO) returns and the NAO's 2021 report"
)
TRADING = Path("finance") / "england_trading_accounts_net_2016_17_to_2018_19.csv"
FILES = (str(PIKE), str(TRADING), *england_spending_power.FILES)
LICENCE = (
    "A. Pike et al., Financialisation and local statecraft in England, data compiled from MHCLG "
    f"revenue outturn returns (no licence stated; the underlying data is official). {OGL}"
)
SOURCE = LICENCE
INCOME = "interest_and_investment_income_gbp_2019_20"
TRADING_YEARS = {
    "Trading_201617": "2016-17",
    "Trading_201718": "2017-18",
    "Trading_201819": "2018-19",
}


def _metric(code: str, **fields: str) -> dict[str, str]:
    return finance_metric(
        code,
        source=SOURCE,
        attribution="MHCLG revenue outturn, compiled by Pike et al.",
        **fields,
    )


METRICS = [
    _metric(
        "fin-interest-income-per-head",
        title="Interest and investment income per head",
        unit="£ per head",
        polarity="neutral",
        decimals="2",
        definition=(
            f"Interest and investment income in 2019-20 ({INCOME}, £) divided by the council's "
            f"population. {POPULATION_NOTE}"
        ),
        numerator_label="Interest and investment income (£)",
        denominator_label="Population, mid-2018",
        context_note=(
            "Income helps the budget, but a council that relies on it carries the risk of the "
            "investments behind it: neither high nor low is better. Negative figures are real "
            "(losses or net payments)."
        ),
    ),
    _metric(
        "fin-interest-income-to-csp",
        title="Interest and investment income as a percentage of core spending power",
        unit="%",
        polarity="neutral",
        decimals="2",
        definition=(
            f"Interest and investment income in 2019-20 ({INCOME}, £) divided by core spending "
            "power for 2019-20 (£ million times 1,000,000), times 100: how much of the "
            "council's core funding its investments match. Net revenue expenditure is not "
            "available for 2019-20, so core spending power stands in for the budget. "
            f"{england_spending_power.YEAR_CONVENTION}"
        ),
        numerator_label="Interest and investment income (£)",
        denominator_label="Core spending power (£)",
        context_note=(
            "A high share means the budget leans on investment income, which can fall. "
            "Neither high nor low is better in itself."
        ),
    ),
    _metric(
        "fin-trading-surplus-per-head",
        title="Surplus on trading accounts per head",
        unit="£ per head",
        polarity="neutral",
        decimals="2",
        definition=(
            "Net surplus on the council's trading accounts for the year, £ per head: the "
            "source's net figure (£ thousand, surplus negative, deficit positive) times -1,000, "
            "so that a surplus is positive, divided by the council's population. "
            f"{POPULATION_NOTE}"
        ),
        numerator_label="Net surplus on trading accounts (£)",
        denominator_label="Population, mid-2018",
        context_note=(
            "Trading accounts cover services run like businesses, such as markets, "
            "commercial property and building control. A surplus helps the budget; a "
            "large one shows reliance on commercial activity."
        ),
    ),
]


def name_key(name: str) -> str:
    """A council's name reduced for matching: 'Leicester City UA' -> 'leicester',
    'Telford and the Wrekin UA' -> 'telford and wrekin', 'Brighton & Hove' -> 'brighton and
    hove'."""
    name = re.sub(r"[^a-z ]", " ", name.lower().replace("&", " and "))
    return " ".join(w for w in name.split() if w not in {"ua", "city", "of", "the"})


def trading_rows(
    data_dir: Path, pike: pd.DataFrame, people: Mapping[str, float]
) -> tuple[pd.DataFrame, list[str]]:
    """Trading account results by council and year, matched to GSS codes by name through
    Pike et al.'s other, coded file. Names carrying the source's footnote marks (*) are
    councils that were reorganised; the footnotes are not in the file, so they are left out."""
    path = Path(data_dir) / TRADING
    raw = read_finance_csv(path, ("Local authority", *TRADING_YEARS))
    codes: dict[str, list[str]] = {}
    for name, code in zip(pike["la_name"], pike["la_code"], strict=True):
        codes.setdefault(name_key(name), []).append(code.strip().upper())
    footnoted = raw["Local authority"].str.contains(r"\*", regex=True)
    skipped = [
        f"Trading accounts: {int(footnoted.sum())} councils marked with footnotes the file does "
        f"not carry (reorganised councils: {', '.join(raw.loc[footnoted, 'Local authority'])}) "
        "left out."
    ]
    raw = raw[~footnoted]
    found = raw["Local authority"].map(lambda n: codes.get(name_key(n), []))
    unmatched = found.map(len) != 1
    if unmatched.any():
        skipped.append(
            "Trading accounts: no single council of that name for "
            f"{', '.join(raw.loc[unmatched, 'Local authority'])}; left out."
        )
    raw = raw[~unmatched]
    gss = found[~unmatched].map(lambda c: c[0])
    population = gss.map(people)
    parts = []
    for column, period in TRADING_YEARS.items():
        surplus = -finance_numbers(raw, column, path) * 1000
        parts.append(
            part(
                gss,
                "fin-trading-surplus-per-head",
                period,
                ratio(surplus, population, scale=1),
                surplus,
                population,
            )
        )
    return values_frame(parts), skipped


def load(data_dir: Path, councils: Mapping[str, str]) -> DatasetContent:
    data_dir = Path(data_dir)
    path = data_dir / PIKE
    pike = read_finance_csv(path, ("la_name", "la_code", INCOME, "population_2018"))
    people = population_2018(data_dir)
    known = pike["la_code"].str.strip().str.upper()
    skipped: list[str] = []
    outside_register = ~known.isin(councils.keys())
    if outside_register.any():
        skipped.append(
            f"Not in the council register: {', '.join(known[outside_register])}; left out."
        )
    frame = pike[~outside_register].assign(gss_code=known[~outside_register])
    income = finance_numbers(frame, INCOME, path)
    population = frame["gss_code"].map(people)
    spending = england_spending_power.spending_power_by_year(data_dir, councils)
    csp = spending[spending["period"] == "2019-20"].set_index("gss_code")["csp"]
    csp_pounds = frame["gss_code"].map(csp) * 1_000_000
    trading, more = trading_rows(data_dir, pike, people)
    values = values_frame(
        [
            part(
                frame["gss_code"],
                "fin-interest-income-per-head",
                "2019-20",
                ratio(income, population, scale=1),
                income,
                population,
            ),
            part(
                frame["gss_code"],
                "fin-interest-income-to-csp",
                "2019-20",
                ratio(income, csp_pounds),
                income,
                csp_pounds,
            ),
            trading,
        ]
    )
    values, outside = within_lives(values, register_lifetimes(data_dir))
    notes = [
        "Political control in the same file is not a measure and is not imported; gross "
        "external borrowing per head there is left to the borrowing dataset, which has it "
        "for every year."
    ]
    return DatasetContent(
        metrics=[dict(m) for m in METRICS],
        values=values,
        skipped=skipped + more + outside,
        notes=notes,
    )
