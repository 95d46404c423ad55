"""English councils' finances from the Revenue Outturn Summary (RS), 2010-11 to 2017-18.

Pure: reads the two RS files in `data/finance/` (2010-11 to 2014-15 and 2015-16 to 2017-18,
the same 100 columns, appended into one series) and works out a handful of finance measures
for each council and financial year. Money stays in £ thousand, as MHCLG publishes it. The
calculations are set out for councils in docs/method/datasets.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from benchmarking.datasets.base import OGL, DatasetContent, register_lifetimes, values_frame
from benchmarking.datasets.england_finance import (
    finance_metric,
    match_councils,
    part,
    ratio,
    within_lives,
)

NAME = "england-rs"
TITLE = "English revenue outturn summaries (RS), 2010-11 to 2017-18"
PUBLISHED = (
    "2010-11: 27 November 2012 (version 2); 2011-12 to 2013-14: revised releases; 2014-15: "
    "2 February 2016; 2015-16: revised release; 2016-17; 2017-18: release before November 2018"
)
LICENCE = (
    "Revenue Outturn Summary (RS) individual local authority data, Ministry of Housing, "
    f"Communities and Local Government. {OGL}"
)
OUTTURN = Path("finance") / "england_revenue_outturn_summary_RS_2015_16_to_2017_18.csv"
COLUMNS = Path("finance") / "england_revenue_outturn_summary_RS_columns.csv"
EARLIER = Path("finance") / "england_revenue_outturn_rs_2010_11_to_2014_15.csv"
EXTRA_LINES = Path("finance") / "england_revenue_outturn_rs_2010_11_to_2014_15_extra_lines.csv"
FILES = (str(EARLIER), str(EXTRA_LINES), str(OUTTURN), str(COLUMNS))

# Shire counties, shire districts, unitaries, metropolitan districts and London boroughs
# (with the City of London). Class O (police, fire, national parks, waste, combined
# authorities, the GLA) is not a council the portal compares.
COUNCIL_CLASSES = ("SC", "SD", "UA", "MD", "L")
# Councils responsible for social care: every class but shire districts.
SOCIAL_CARE_CLASSES = ("SC", "UA", "MD", "L")

NRE = "rs805_net_revenue_expenditure"
CTR = "rs890_council_tax_requirement"
INTEREST = "rs781_interest_external_payments"
CHILDREN = "rs330_children_social_care"
ADULTS = "rs360_adult_social_care"
# 2010-11 only: children's and adult social care were one line (390) that year, in the
# companion file of lines with no column in the later layout.
SOCIAL_CARE_2010 = "rs390_social_care_2010_11_combined"
EARMARKED_END = "rs915_other_earmarked_financial_reserves_level_end_of_year"
EARMARKED_START = "rs915_other_earmarked_financial_reserves_level_start_of_year"
UNALLOCATED_END = "rs916_unallocated_financial_reserves_level_end_of_year"
UNALLOCATED_START = "rs916_unallocated_financial_reserves_level_start_of_year"
USED_COLUMNS = (
    NRE,
    CTR,
    INTEREST,
    CHILDREN,
    ADULTS,
    EARMARKED_END,
    EARMARKED_START,
    UNALLOCATED_END,
    UNALLOCATED_START,
)

SOURCE = (
    "DCLG and MHCLG, Revenue Outturn Summary (RS) individual local authority data: 2010-11 "
    "(27 November 2012, version 2), 2011-12 to 2013-14 (revised), 2014-15 (2 February 2016), "
    "2015-16 (revised), 2016-17, and 2017-18 (the release before the November revision). "
    f"{OGL}"
)
RESERVES_CAVEAT = (
    "Reserve levels are the council's own estimates as returned on the RS form, not audited "
    "accounts."
)
RELEASE_CAVEAT = (
    "2017-18 figures are from the first release, before MHCLG revised them. What the lines "
    "hold moved over the years: public health came to councils in 2013-14, when business "
    "rates retention also began."
)


def _metric(code: str, **fields: str) -> dict[str, str]:
    return finance_metric(
        code,
        source=SOURCE,
        attribution="DCLG and MHCLG, Revenue Outturn Summary (RS).",
        **fields,
    )


METRICS: list[dict[str, str]] = [
    _metric(
        "fin-nre",
        title="Net revenue expenditure",
        unit="£ thousand",
        polarity="neutral",
        decimals="0",
        definition=(
            "Net revenue expenditure for the year (RS line 805): spending on services and "
            "other revenue items, less specific grants inside Aggregate External Finance, "
            "before it is met from business rates, Revenue Support Grant and council tax."
        ),
        context_note=(
            f"A council's size, not its performance: bigger is neither better nor worse. "
            f"Compare councils of the same type. {RELEASE_CAVEAT}"
        ),
    ),
    _metric(
        "fin-usable-reserves",
        title="Usable reserves at the end of the year",
        unit="£ thousand",
        polarity="neutral",
        decimals="0",
        definition=(
            "Estimated unallocated reserves (RS line 916) plus other earmarked reserves (RS line "
            "915) at 31 March. Schools' reserves (line 911) and public health reserves (line "
            "914) are left out: the council cannot use them for other purposes."
        ),
        context_note=(
            "Depends on the size of the council, so compare it as a share of net revenue "
            f"expenditure (fin-reserves-to-nre). {RESERVES_CAVEAT} {RELEASE_CAVEAT}"
        ),
    ),
    _metric(
        "fin-reserves-to-nre",
        title="Usable reserves as a percentage of net revenue expenditure",
        unit="%",
        polarity="higher_better",
        definition=(
            "Usable reserves at 31 March (RS lines 916 and 915, as in fin-usable-reserves) "
            "divided by net revenue expenditure for the year (RS line 805), times 100."
        ),
        numerator_label="Usable reserves at 31 March (£ thousand)",
        denominator_label="Net revenue expenditure (£ thousand)",
        context_note=(
            "Higher reserves give more room to absorb a shock, so higher counts as better; "
            "very high reserves can also mean money held back from services. Districts spend "
            "far less than they hold, so their percentages run much higher than upper-tier "
            f"councils': compare councils of the same type. {RESERVES_CAVEAT} {RELEASE_CAVEAT}"
        ),
    ),
    _metric(
        "fin-reserves-change",
        title="Change in usable reserves over the year",
        unit="%",
        polarity="higher_better",
        definition=(
            "Usable reserves at 31 March less usable reserves at 1 April of the same year "
            "(RS lines 916 and 915, end and start of year), divided by the reserves at 1 April, "
            "times 100. Not worked out where the council held no usable reserves at 1 April."
        ),
        numerator_label="Change in usable reserves over the year (£ thousand)",
        denominator_label="Usable reserves at 1 April (£ thousand)",
        context_note=(
            "A fall means the council drew on its reserves to balance its budget or to pay for "
            "planned spending; a single year's fall is not a problem in itself, but falls year "
            f"after year can be. {RESERVES_CAVEAT} {RELEASE_CAVEAT}"
        ),
    ),
    _metric(
        "fin-ctr-to-nre",
        title="Council tax requirement as a percentage of net revenue expenditure",
        unit="%",
        polarity="neutral",
        definition=(
            "Council tax requirement (RS line 890) divided by net revenue expenditure (RS line "
            "805), times 100: how much of the council's net spending is met from council tax."
        ),
        numerator_label="Council tax requirement (£ thousand)",
        denominator_label="Net revenue expenditure (£ thousand)",
        context_note=(
            "Shows how far a council relies on council tax rather than grants and business "
            "rates. Neither high nor low is better: it reflects the local tax base and the "
            "grant the council receives as much as its own choices. A district's requirement "
            f"includes parish precepts, which can push it above 100%. {RELEASE_CAVEAT}"
        ),
    ),
    _metric(
        "fin-interest-to-nre",
        title="External interest payments as a percentage of net revenue expenditure",
        unit="%",
        polarity="lower_better",
        definition=(
            "Interest paid to external lenders (RS line 781) divided by net revenue expenditure "
            "(RS line 805), times 100."
        ),
        numerator_label="Interest: external payments (£ thousand)",
        denominator_label="Net revenue expenditure (£ thousand)",
        context_note=(
            "A lower share leaves more of the budget for services, so lower counts as better. "
            "Borrowing for investment that pays for itself (housing, commercial property) can "
            "raise it for good reasons; councils with a Housing Revenue Account carry its "
            f"interest too. {RELEASE_CAVEAT}"
        ),
    ),
    _metric(
        "fin-social-care-ratio",
        title="Social care spending as a percentage of net revenue expenditure",
        unit="%",
        polarity="neutral",
        definition=(
            "Net current expenditure on adult social care (RS line 360) and children's social "
            "care (RS line 330) divided by net revenue expenditure (RS line 805), times 100; "
            "for 2010-11, when the two were one line, the combined social care line (RS line "
            "390 of that year's form). "
            "Only for councils responsible for social care: counties, unitaries, metropolitan "
            "boroughs and London boroughs."
        ),
        numerator_label="Adult and children's social care net current expenditure (£ thousand)",
        denominator_label="Net revenue expenditure (£ thousand)",
        context_note=(
            "A high share is not bad in itself: it follows the needs of the local population. "
            "It shows how much of the budget is committed to social care and so how little is "
            f"left for other services. {RELEASE_CAVEAT}"
        ),
    ),
]
CODES = tuple(m["code"] for m in METRICS)


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def read(data_dir: Path) -> pd.DataFrame:
    """Both RS files as one table, 2010-11 first, with the 2010-11 combined social care line
    from the companion file added as a column (blank in every other year).

    Raises ValueError if the two files do not share their columns, or a council and year
    appears twice: appending them would otherwise mix up lines.
    """
    data_dir = Path(data_dir)
    earlier, later = _csv(data_dir / EARLIER), _csv(data_dir / OUTTURN)
    if list(earlier.columns) != list(later.columns):
        differ = sorted(set(earlier.columns) ^ set(later.columns)) or ["their order"]
        raise ValueError(
            f"{EARLIER.name} and {OUTTURN.name} must have the same columns to be read as one "
            f"series; they differ in {', '.join(differ[:5])}."
        )
    missing = [
        c
        for c in ("financial_year", "ecode", "ons_code", "la_name", "la_class", *USED_COLUMNS)
        if c not in later.columns
    ]
    if missing:
        raise ValueError(f"{OUTTURN.name} has no column {', '.join(missing)}.")
    frame = pd.concat([earlier, later], ignore_index=True)
    extra = _csv(data_dir / EXTRA_LINES)
    extra = extra.loc[
        extra["financial_year"] == "2010-11", ["financial_year", "ecode", SOCIAL_CARE_2010]
    ]
    frame = frame.merge(extra, on=["financial_year", "ecode"], how="left", validate="many_to_one")
    frame[SOCIAL_CARE_2010] = frame[SOCIAL_CARE_2010].fillna("")
    return frame


def value_rows(
    raw: pd.DataFrame, councils: Mapping[str, str]
) -> tuple[pd.DataFrame, list[str], list[str]]:
    skipped: list[str] = []
    notes: list[str] = []
    is_council = raw["la_class"].str.strip().isin(COUNCIL_CLASSES)
    notes.append(
        f"{int((~is_council).sum())} returns from police, fire, national park, waste and "
        "combined authorities, transport bodies and the GLA (class O) left out: they are not "
        "councils."
    )
    frame = raw[is_council].copy()
    blank = (frame[list(USED_COLUMNS)].apply(lambda c: c.str.strip()) == "").all(axis=1)
    for _, row in frame[blank].iterrows():
        skipped.append(
            f"{row['la_name']} {row['financial_year']} ({row['ons_code']}): the return has no "
            "figures; left out."
        )
    frame = frame[~blank].copy()
    frame["gss_code"], unmatched, matched = match_councils(frame, councils)
    skipped += unmatched
    notes += matched
    frame = frame[frame["gss_code"] != ""]

    used = (*USED_COLUMNS, SOCIAL_CARE_2010)
    numbers = {c: pd.to_numeric(frame[c].str.strip(), errors="coerce") for c in used}

    nre = numbers[NRE]
    usable_end = numbers[UNALLOCATED_END] + numbers[EARMARKED_END]
    usable_start = numbers[UNALLOCATED_START] + numbers[EARMARKED_START]
    social_care = (numbers[ADULTS] + numbers[CHILDREN]).fillna(numbers[SOCIAL_CARE_2010])
    social_care = social_care.where(frame["la_class"].str.strip().isin(SOCIAL_CARE_CLASSES))
    bad_nre = ~(nre > 0)
    if bad_nre.any():
        names = ", ".join(
            f"{r['la_name']} {r['financial_year']}" for _, r in frame[bad_nre].iterrows()
        )
        lost = sum(
            int((bad_nre & n.notna()).sum())
            for n in (usable_end, numbers[CTR], numbers[INTEREST], social_care)
        )
        skipped.append(
            f"Net revenue expenditure missing, zero or negative for {names}: {lost} "
            "percentages of it left out."
        )
    no_start = ~(usable_start > 0)
    if no_start.any():
        names = ", ".join(
            f"{r['la_name']} {r['financial_year']}" for _, r in frame[no_start].iterrows()
        )
        skipped.append(
            f"No usable reserves at 1 April for {names}: the change over the year is left out."
        )
    change = (usable_end - usable_start).where(~no_start)
    gss, year = frame["gss_code"], frame["financial_year"].str.strip()
    parts = [
        part(gss, "fin-nre", year, nre),
        part(gss, "fin-usable-reserves", year, usable_end),
        part(gss, "fin-reserves-to-nre", year, ratio(usable_end, nre), usable_end, nre),
        part(gss, "fin-reserves-change", year, ratio(change, usable_start), change, usable_start),
        part(gss, "fin-ctr-to-nre", year, ratio(numbers[CTR], nre), numbers[CTR], nre),
        part(
            gss, "fin-interest-to-nre", year, ratio(numbers[INTEREST], nre), numbers[INTEREST], nre
        ),
        part(gss, "fin-social-care-ratio", year, ratio(social_care, nre), social_care, nre),
    ]
    return values_frame(parts), skipped, notes


def nre_by_year(data_dir: Path, councils: Mapping[str, str]) -> pd.DataFrame:
    """Net revenue expenditure (RS line 805, £ thousand) by council and financial year, for
    the other finance datasets' ratios: columns gss_code, period, nre (above zero only)."""
    values, _, _ = value_rows(read(data_dir), councils)
    nre = values[values["metric_code"] == "fin-nre"]
    out = pd.DataFrame(
        {"gss_code": nre["gss_code"], "period": nre["period"], "nre": nre["value"].astype(float)}
    )
    return out[out["nre"] > 0].reset_index(drop=True)


def load(data_dir: Path, councils: Mapping[str, str]) -> DatasetContent:
    raw = read(data_dir)
    values, skipped, notes = value_rows(raw, councils)
    values, outside = within_lives(values, register_lifetimes(data_dir))
    return DatasetContent(
        metrics=[dict(m) for m in METRICS], values=values, skipped=skipped + outside, notes=notes
    )
