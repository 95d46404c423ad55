"""English councils' borrowing and investments at each 31 March, 2009 to 2020, and debt
against the council's budget and spending power.

Pure. Reads MHCLG's Borrowing and Investment live tables (as converted in `data/finance/`),
the RS net revenue expenditure (through `england_rs`) and core spending power (through
`england_spending_power`). A figure at 31 March is the year-end of the financial year ending
that day, so borrowing at 31 March 2018 is stored for 2017-18. Quarter-ends are left out.
Money stays in £ thousand, as published. Scottish, Welsh and Northern Irish bodies are left
out: the measures against net revenue expenditure and spending power are English.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from benchmarking.datasets import england_rs, england_spending_power
from benchmarking.datasets.base import OGL, DatasetContent, register_lifetimes, values_frame
from benchmarking.datasets.england_finance import (
    english_councils,
    finance_metric,
    finance_numbers,
    financial_year,
    match_councils,
    part,
    ratio,
    read_finance_csv,
    within_lives,
)

NAME = "england-borrowing"
TITLE = "English councils' borrowing and investments at 31 March, 2009 to 2020"
PUBLISHED = (
    "MHCLG Borrowing and Investment live tables, Q4 2019-20 release (2020) and the Q3 2016-17 "
    "release"
)
BORROWING = Path("finance") / "uk_local_authority_borrowing_2009_2020.csv"
INVESTMENTS = Path("finance") / "uk_local_authority_investments_2009_2020.csv"
FILES = (
    str(BORROWING),
    str(INVESTMENTS),
    *england_rs.FILES,
    *england_spending_power.FILES,
)
LICENCE = (
    "Local authority borrowing and investment live tables, Ministry of Housing, Communities "
    f"and Local Government. {OGL}"
)
SOURCE = (
    "MHCLG, Borrowing and Investment live tables (Q4 2019-20 and Q3 2016-17 releases), "
    "converted by OW-HGR/Debt-and-investment-quarterly; for the ratios, the Revenue Outturn "
    f"Summary (RS) and core spending power. {OGL}"
)
TOTAL = "total_all_categories"
SHORT_TERM_LA = "short_term_loans_local_authorities"
KEYS = ("as_at", "ecode", "gss_code", "la_name", "la_class")
AS_AT = (
    "Borrowing at 31 March is stored for the financial year ending that day (31 March 2018 is "
    "2017-18)."
)
TOTAL_NOTE = (
    "The total is the sum of every lender and instrument in the table, including short-term "
    "loans from other local authorities, which MHCLG's own published total leaves out."
)


def _metric(code: str, **fields: str) -> dict[str, str]:
    return finance_metric(
        code, source=SOURCE, attribution="MHCLG, Borrowing and Investment live tables.", **fields
    )


METRICS = [
    _metric(
        "fin-external-debt",
        title="External borrowing at 31 March",
        unit="£ thousand",
        polarity="neutral",
        decimals="0",
        definition=(
            f"Total external borrowing at 31 March, £ thousand (column {TOTAL}). {TOTAL_NOTE} "
            f"{AS_AT}"
        ),
        context_note=(
            "A council's size and its capital plans shape it: compare it against net revenue "
            "expenditure (fin-debt-to-nre) or core spending power (fin-debt-to-csp)."
        ),
    ),
    _metric(
        "fin-debt-short-term-la",
        title="Short-term borrowing from other councils at 31 March",
        unit="£ thousand",
        polarity="neutral",
        decimals="0",
        definition=(
            "Short-term loans (under a year) from other local authorities at 31 March, "
            f"£ thousand (column {SHORT_TERM_LA}). {AS_AT}"
        ),
        context_note=(
            "Cheap while rates are low, but it must be refinanced within the year; large "
            "sums can leave a council exposed if lenders stop lending."
        ),
    ),
    _metric(
        "fin-debt-short-term-la-share",
        title="Short-term borrowing from other councils as a percentage of all borrowing",
        unit="%",
        polarity="lower_better",
        definition=(
            f"Short-term loans from other local authorities ({SHORT_TERM_LA}) divided by total "
            f"external borrowing ({TOTAL}) at 31 March, times 100. {AS_AT}"
        ),
        numerator_label="Short-term loans from other local authorities (£ thousand)",
        denominator_label="Total external borrowing (£ thousand)",
        context_note=(
            "Lower counts as better: the more of a council's debt that must be refinanced "
            "within a year, the more exposed it is to lenders' confidence and interest rates."
        ),
    ),
    _metric(
        "fin-investments",
        title="Investments at 31 March",
        unit="£ thousand",
        polarity="neutral",
        decimals="0",
        definition=(
            "Total treasury investments at 31 March, £ thousand: deposits, money market funds, "
            "the Debt Management Office, gilts, loans to other councils and other investments "
            f"(column {TOTAL} of the investments table, a sum of its categories). {AS_AT}"
        ),
        context_note=(
            "Treasury investments only, not commercial property. Much of it is cash held "
            "for reserves and day-to-day payments."
        ),
    ),
    _metric(
        "fin-debt-to-nre",
        title="External borrowing as a percentage of net revenue expenditure",
        unit="%",
        polarity="lower_better",
        definition=(
            f"Total external borrowing at 31 March ({TOTAL}) divided by net revenue expenditure "
            "for the financial year ending that day (RS line 805), times 100. RS is available "
            "for 2010-11 to 2017-18."
        ),
        numerator_label="External borrowing at 31 March (£ thousand)",
        denominator_label="Net revenue expenditure (£ thousand)",
        context_note=(
            "Lower counts as better: debt has to be serviced from the budget. Councils with "
            "council housing carry its debt too, and borrowing for investments that pay for "
            "themselves can raise it for good reasons."
        ),
    ),
    _metric(
        "fin-debt-to-csp",
        title="External borrowing as a percentage of core spending power",
        unit="%",
        polarity="lower_better",
        definition=(
            f"Total external borrowing at 31 March ({TOTAL}, £ thousand) divided by core "
            "spending power for the financial year ending that day (£ million times 1,000), "
            "times 100. "
            f"{england_spending_power.YEAR_CONVENTION}"
        ),
        numerator_label="External borrowing at 31 March (£ thousand)",
        denominator_label="Core spending power (£ thousand)",
        context_note=(
            "Lower counts as better. Available for later years than the ratio to net revenue "
            "expenditure, since spending power runs to 2020-21."
        ),
    ),
    _metric(
        "fin-debt-growth-3y",
        title="Growth in external borrowing over three years",
        unit="%",
        polarity="neutral",
        definition=(
            f"External borrowing at 31 March ({TOTAL}) less that three years before, divided "
            "by that three years before, times 100. Only where the same council reported at "
            "both dates and held borrowing three years before; a new council's borrowing is "
            "never compared with its predecessors' added together."
        ),
        numerator_label="Change in external borrowing over three years (£ thousand)",
        denominator_label="External borrowing three years before (£ thousand)",
        context_note=(
            "Fast growth is a question to ask, not a verdict: it may pay for schools and "
            "homes, or for commercial property bought for income."
        ),
    ),
    _metric(
        "fin-debt-growth-5y",
        title="Growth in external borrowing over five years",
        unit="%",
        polarity="neutral",
        definition=(
            f"External borrowing at 31 March ({TOTAL}) less that five years before, divided "
            "by that five years before, times 100. Only where the same council reported at "
            "both dates and held borrowing five years before; a new council's borrowing is "
            "never compared with its predecessors' added together."
        ),
        numerator_label="Change in external borrowing over five years (£ thousand)",
        denominator_label="External borrowing five years before (£ thousand)",
        context_note=(
            "Fast growth is a question to ask, not a verdict: it may pay for schools and "
            "homes, or for commercial property bought for income."
        ),
    ),
]


def _read(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = read_finance_csv(path, (*KEYS, "country", *columns))
    for column in columns:
        finance_numbers(frame, column, path)
    return frame


def year_ends(
    raw: pd.DataFrame,
    columns: tuple[str, ...],
    councils: Mapping[str, str],
    english: set[str],
    lives,
    what: str,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """English councils' figures at 31 March: gss_code, period, end_year and `columns`."""
    skipped, notes = [], []
    frame = raw[(raw["country"].str.strip() == "ENG") & raw["as_at"].str.endswith("-03-31")]
    notes.append(
        f"{what}: {int((raw['country'].str.strip() != 'ENG').sum())} rows from Scotland, Wales "
        f"and Northern Ireland and {int(raw['as_at'].str.endswith('-03-31').eq(False).sum())} "
        "quarter-end rows left out."
    )
    frame = frame.drop_duplicates()  # a few rows are printed twice, identically
    frame = frame.assign(financial_year=frame["as_at"])
    # The 31 March 2009 table has no GSS codes for the counties and districts replaced by
    # unitary councils the next day: they are not the unitaries, so they are not matched to
    # them on a shared E-code.
    replaced = frame["gss_code"].str.strip() == ""
    replaced &= (frame["as_at"] == "2009-03-31") & (frame["la_class"].str.strip() == "")
    if replaced.any():
        skipped.append(
            f"{what}: {int(replaced.sum())} counties and districts at 31 March 2009 replaced by "
            "unitary "
            f"councils on 1 April 2009 ({', '.join(frame.loc[replaced, 'la_name'].head(8))} …) "
            "left out: the unitaries did not exist then, and their predecessors' figures are "
            "not added up into them."
        )
        frame = frame[~replaced]
    gss, unmatched, matched = match_councils(frame, councils, code="gss_code")
    frame = frame.assign(gss_code=gss)
    others = frame[(frame["gss_code"] == "") | ~frame["gss_code"].isin(english)]
    if len(others):
        skipped.append(
            f"{what}: {len(others)} rows of bodies that are not English councils in the "
            "register (police, fire, transport, parks, waste, combined authorities, the GLA, "
            "and the districts abolished in 2009) left out."
        )
    notes += [n for n in matched if "published as" in n]
    frame = frame[frame["gss_code"].isin(english)]
    repeated = frame.duplicated(["as_at", "gss_code"], keep=False)
    if repeated.any():
        skipped.append(
            f"{what}: two different rows for "
            + ", ".join(
                sorted(
                    {f"{g} at {a}" for g, a in frame.loc[repeated, ["gss_code", "as_at"]].values}
                )
            )
            + "; both left out."
        )
        frame = frame[~repeated]
    end_year = frame["as_at"].str[:4].astype(int)
    table = pd.DataFrame(
        {
            "gss_code": frame["gss_code"],
            "period": end_year.map(financial_year),
            "end_year": end_year,
            **{c: pd.to_numeric(frame[c].str.strip(), errors="coerce") for c in columns},
        }
    )
    table, outside = within_lives(table.reset_index(drop=True), lives)
    return table, skipped + outside, notes


def _growth(debt: pd.DataFrame, years: int) -> pd.DataFrame:
    before = debt.assign(end_year=debt["end_year"] + years)[["gss_code", "end_year", "debt"]]
    joined = debt.merge(before, on=["gss_code", "end_year"], how="inner", suffixes=("", "_then"))
    joined["change"] = joined["debt"] - joined["debt_then"]
    joined["growth"] = ratio(joined["change"], joined["debt_then"])
    return joined


def load(data_dir: Path, councils: Mapping[str, str]) -> DatasetContent:
    data_dir = Path(data_dir)
    lives = register_lifetimes(data_dir)
    english = english_councils(data_dir)
    raw_debt = _read(data_dir / BORROWING, (TOTAL, SHORT_TERM_LA))
    raw_investments = _read(data_dir / INVESTMENTS, (TOTAL,))
    debt, skipped, notes = year_ends(
        raw_debt, (TOTAL, SHORT_TERM_LA), councils, english, lives, "Borrowing"
    )
    debt = debt.rename(columns={TOTAL: "debt", SHORT_TERM_LA: "short_la"})
    investments, more_skipped, more_notes = year_ends(
        raw_investments, (TOTAL,), councils, english, lives, "Investments"
    )
    skipped += more_skipped
    notes += more_notes

    nre = england_rs.nre_by_year(data_dir, councils)
    spending = england_spending_power.spending_power_by_year(data_dir, councils)
    with_nre = debt.merge(nre, on=["gss_code", "period"], how="inner")
    with_csp = debt.merge(spending, on=["gss_code", "period"], how="inner")
    csp_thousand = with_csp["csp"] * 1000
    three, five = _growth(debt, 3), _growth(debt, 5)
    g, p = debt["gss_code"], debt["period"]
    parts = [
        part(g, "fin-external-debt", p, debt["debt"]),
        part(g, "fin-debt-short-term-la", p, debt["short_la"]),
        part(
            g,
            "fin-debt-short-term-la-share",
            p,
            ratio(debt["short_la"], debt["debt"]),
            debt["short_la"],
            debt["debt"],
        ),
        part(investments["gss_code"], "fin-investments", investments["period"], investments[TOTAL]),
        part(
            with_nre["gss_code"],
            "fin-debt-to-nre",
            with_nre["period"],
            ratio(with_nre["debt"], with_nre["nre"]),
            with_nre["debt"],
            with_nre["nre"],
        ),
        part(
            with_csp["gss_code"],
            "fin-debt-to-csp",
            with_csp["period"],
            ratio(with_csp["debt"], csp_thousand),
            with_csp["debt"],
            csp_thousand,
        ),
        *(
            part(
                grown["gss_code"],
                f"fin-debt-growth-{years}y",
                grown["period"],
                grown["growth"],
                grown["change"],
                grown["debt_then"],
            )
            for years, grown in ((3, three), (5, five))
        ),
    ]
    notes.append(AS_AT)
    return DatasetContent(
        metrics=[dict(m) for m in METRICS], values=values_frame(parts), skipped=skipped, notes=notes
    )
