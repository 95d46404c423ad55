"""English councils' capital financing requirement and minimum revenue provision, 2017-18 to
2020-21.

Pure. Reads MHCLG's prudential system information (Capital Outturn Return part C for 2017-18
and 2018-19, Capital Estimates Return part C for 2019-20 and 2020-21) as converted in
`data/finance/`, with net revenue expenditure from `england_rs` and core spending power from
`england_spending_power` for the ratios. Money stays in £ thousand, as published.
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
    match_councils,
    part,
    ratio,
    read_finance_csv,
    within_lives,
)

NAME = "england-capital"
TITLE = "English councils' capital financing requirement, 2017-18 to 2020-21"
PUBLISHED = (
    "MHCLG Capital Outturn Return part C 2017-18 and 2018-19; Capital Estimates Return part C "
    "2019-20 and 2020-21"
)
PRUDENTIAL = Path("finance") / "england_capital_prudential_indicators_CFR_2017_18_to_2020_21.csv"
PRUDENTIAL_COLUMNS = Path("finance") / "england_capital_prudential_indicators_columns.csv"
FILES = (
    str(PRUDENTIAL),
    str(PRUDENTIAL_COLUMNS),
    *england_rs.FILES,
    *england_spending_power.FILES,
)
LICENCE = (
    "Capital outturn and capital estimates returns, prudential system information, Ministry of "
    f"Housing, Communities and Local Government. {OGL}"
)
SOURCE = (
    "MHCLG, Capital Outturn Return part C (2017-18, 2018-19) and Capital Estimates Return part "
    "C (2019-20, 2020-21), prudential system information, converted by "
    "OW-HGR/Capital-financing-outturn; for the ratios, the Revenue Outturn Summary (RS) and "
    f"core spending power. {OGL}"
)
CFR_START = "prucfrstrt-amt"
CFR_END = "prucfrend-amt"
MRP = "prurpyrevmrp-amt"
USED = (CFR_START, CFR_END, MRP)
ESTIMATES = (
    "2019-20 and 2020-21 figures come from the capital estimates return, made before the year "
    "was out; earlier years are outturn."
)


def _metric(code: str, **fields: str) -> dict[str, str]:
    return finance_metric(
        code,
        source=SOURCE,
        attribution="MHCLG, capital outturn and estimates returns (part C).",
        **fields,
    )


METRICS = [
    _metric(
        "fin-cfr",
        title="Capital financing requirement at 31 March",
        unit="£ thousand",
        polarity="neutral",
        decimals="0",
        definition=(
            f"Capital financing requirement at 31 March ({CFR_END}), £ thousand: the capital "
            "spending the council has yet to pay for from revenue or capital receipts, whether "
            f"it has borrowed for it or used its own cash for now. {ESTIMATES}"
        ),
        context_note=(
            "A council's size and capital plans shape it: compare it against net revenue "
            "expenditure (fin-cfr-to-nre) or core spending power (fin-cfr-to-csp)."
        ),
    ),
    _metric(
        "fin-cfr-to-nre",
        title="Capital financing requirement as a percentage of net revenue expenditure",
        unit="%",
        polarity="lower_better",
        definition=(
            f"Capital financing requirement at 31 March ({CFR_END}) divided by net revenue "
            "expenditure for the year (RS line 805), times 100. RS runs to 2017-18, so this is "
            "for 2017-18 only; fin-cfr-to-csp covers the later years."
        ),
        numerator_label="Capital financing requirement at 31 March (£ thousand)",
        denominator_label="Net revenue expenditure (£ thousand)",
        context_note=(
            "Lower counts as better: the requirement has to be met from the revenue budget "
            "over time. Councils with council housing carry its requirement too."
        ),
    ),
    _metric(
        "fin-cfr-to-csp",
        title="Capital financing requirement as a percentage of core spending power",
        unit="%",
        polarity="lower_better",
        definition=(
            f"Capital financing requirement at 31 March ({CFR_END}, £ thousand) divided by core "
            "spending power for the year (£ million times 1,000), times 100. "
            f"{england_spending_power.YEAR_CONVENTION} {ESTIMATES}"
        ),
        numerator_label="Capital financing requirement at 31 March (£ thousand)",
        denominator_label="Core spending power (£ thousand)",
        context_note="Lower counts as better, as for fin-cfr-to-nre.",
    ),
    _metric(
        "fin-cfr-growth",
        title="Growth in the capital financing requirement over the year",
        unit="%",
        polarity="neutral",
        definition=(
            f"Capital financing requirement at 31 March ({CFR_END}) less that at 1 April "
            f"({CFR_START}) in the same return, divided by that at 1 April, times 100. "
            f"{ESTIMATES}"
        ),
        numerator_label="Change in the capital financing requirement (£ thousand)",
        denominator_label="Capital financing requirement at 1 April (£ thousand)",
        context_note=(
            "Growth means capital spending not yet paid for: schools and homes, or property "
            "bought for income. A question to ask, not a verdict. Opening figures are "
            "sometimes restated, so 1 April is read from the same return as 31 March."
        ),
    ),
    _metric(
        "fin-mrp-to-cfr",
        title="Minimum revenue provision as a percentage of the capital financing requirement",
        unit="%",
        polarity="neutral",
        decimals="2",
        definition=(
            f"Minimum revenue provision for the year ({MRP}) divided by the capital financing "
            f"requirement at 1 April ({CFR_START}), times 100: how fast the council sets "
            "aside revenue to pay off its capital spending. The return has the provision for "
            "2017-18 and 2018-19 only."
        ),
        numerator_label="Minimum revenue provision (£ thousand)",
        denominator_label="Capital financing requirement at 1 April (£ thousand)",
        context_note=(
            "A low rate can mean a council is putting off the cost of its borrowing; but no "
            "provision is needed for the housing revenue account's requirement, so councils "
            "with council housing show lower rates for good reasons."
        ),
    ),
]


def read(data_dir: Path) -> pd.DataFrame:
    path = Path(data_dir) / PRUDENTIAL
    frame = read_finance_csv(path, ("financial_year", "lgf_code", "ons_code", "la_name", *USED))
    for column in USED:
        finance_numbers(frame, column, path)
    return frame


def load(data_dir: Path, councils: Mapping[str, str]) -> DatasetContent:
    data_dir = Path(data_dir)
    raw = read(data_dir)
    english = english_councils(data_dir)
    gss, skipped, notes = match_councils(raw, councils, ecode="lgf_code")
    notes = [n for n in notes if "published as" in n]  # the rest match bodies left out below
    frame = raw.assign(gss_code=gss)
    others = ~frame["gss_code"].isin(english)
    skipped = [s for s in skipped if "not in the council register" not in s]
    skipped.append(
        f"{int(others.sum())} returns of bodies that are not English councils (police, fire, "
        "parks, waste, transport and combined authorities, the GLA) left out."
    )
    frame = frame[~others]
    n = {c: pd.to_numeric(frame[c].str.strip(), errors="coerce") for c in USED}
    table = pd.DataFrame(
        {
            "gss_code": frame["gss_code"],
            "period": frame["financial_year"].str.strip(),
            "start": n[CFR_START],
            "end": n[CFR_END],
            "mrp": n[MRP],
        }
    )
    table, outside = within_lives(table.reset_index(drop=True), register_lifetimes(data_dir))
    nre = england_rs.nre_by_year(data_dir, councils)
    spending = england_spending_power.spending_power_by_year(data_dir, councils)
    with_nre = table.merge(nre, on=["gss_code", "period"], how="inner")
    with_csp = table.merge(spending, on=["gss_code", "period"], how="inner")
    csp_thousand = with_csp["csp"] * 1000
    growth = table["end"] - table["start"]
    g, p = table["gss_code"], table["period"]
    parts = [
        part(g, "fin-cfr", p, table["end"]),
        part(
            with_nre["gss_code"],
            "fin-cfr-to-nre",
            with_nre["period"],
            ratio(with_nre["end"], with_nre["nre"]),
            with_nre["end"],
            with_nre["nre"],
        ),
        part(
            with_csp["gss_code"],
            "fin-cfr-to-csp",
            with_csp["period"],
            ratio(with_csp["end"], csp_thousand),
            with_csp["end"],
            csp_thousand,
        ),
        part(g, "fin-cfr-growth", p, ratio(growth, table["start"]), growth, table["start"]),
        part(
            g,
            "fin-mrp-to-cfr",
            p,
            ratio(table["mrp"], table["start"]),
            table["mrp"],
            table["start"],
        ),
    ]
    return DatasetContent(
        metrics=[dict(m) for m in METRICS],
        values=values_frame(parts),
        skipped=skipped + outside,
        notes=notes,
    )
