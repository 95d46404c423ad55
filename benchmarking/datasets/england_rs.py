"""English councils' finances from the Revenue Outturn Summary (RS), 2015-16 to 2017-18.

Pure: reads the RS file in `data/finance/` and works out a handful of finance measures for
each council and financial year. Money stays in £ thousand, as MHCLG publishes it. The
calculations are set out for councils in docs/method/datasets.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarking.datasets import OGL, DatasetContent, number_text, values_frame

NAME = "england-rs"
TITLE = "English revenue outturn summaries (RS), 2015-16 to 2017-18"
LICENCE = (
    "Revenue Outturn Summary (RS) individual local authority data, Ministry of Housing, "
    f"Communities and Local Government. {OGL}"
)
OUTTURN = Path("finance") / "england_revenue_outturn_summary_RS_2015_16_to_2017_18.csv"
COLUMNS = Path("finance") / "england_revenue_outturn_summary_RS_columns.csv"
FILES = (str(OUTTURN), str(COLUMNS))

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
    "MHCLG, Revenue Outturn Summary (RS) individual local authority data: 2015-16 (revised), "
    f"2016-17, and 2017-18 (the release before the November revision). {OGL}"
)
RESERVES_CAVEAT = (
    "Reserve levels are the council's own estimates as returned on the RS form, not audited "
    "accounts."
)
RELEASE_CAVEAT = "2017-18 figures are from the first release, before MHCLG revised them."


def _metric(code: str, **fields: str) -> dict[str, str]:
    row = {
        "code": code,
        "element": "cost",
        "decimals": "1",
        "source": SOURCE,
        "frequency": "Annual",
        "target_value": "",
        "numerator_label": "",
        "denominator_label": "",
        "sdl_reference": "",
    }
    row.update(fields)
    # Every percentage here is against net revenue expenditure, or a change: it can pass 100
    # (a district holds more than it spends) or fall below 0, so it is not limited to 0-100.
    row.setdefault("unit_limits", "false" if row.get("unit") == "%" else "")
    return row


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
            "care (RS line 330) divided by net revenue expenditure (RS line 805), times 100. "
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


def read(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / OUTTURN, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def match_councils(
    frame: pd.DataFrame, councils: Mapping[str, str]
) -> tuple[pd.Series, list[str], list[str]]:
    """The register's GSS code for each row (blank where none), with skipped rows and notes.

    Rows match on the ONS code. Where that code is not in the register but the row's finance
    E-code belongs to exactly one council in it, that council is used and a note says so.
    """
    by_ecode: dict[str, list[str]] = {}
    for gss, ecode in councils.items():
        if ecode:
            by_ecode.setdefault(ecode.upper(), []).append(gss)
    ons = frame["ons_code"].str.strip().str.upper()
    ecodes = frame["ecode"].str.strip().str.upper()
    gss = ons.where(ons.isin(councils.keys()), "")
    skipped, notes = [], []
    for index in frame.index[gss == ""]:
        row = frame.loc[index]
        found = by_ecode.get(ecodes[index], [])
        where = f"{row['la_name']} {row['financial_year']} (ONS code '{row['ons_code']}')"
        if len(found) == 1:
            gss[index] = found[0]
            notes.append(
                f"{where}: the code is not in the council register; matched on its E-code "
                f"{ecodes[index]} to {found[0]}."
            )
        else:
            skipped.append(f"{where}: not in the council register; left out.")
    return gss, skipped, notes


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    usable = denominator.notna() & (denominator > 0) & numerator.notna()
    return (numerator / denominator * 100).where(usable)


def _part(
    frame: pd.DataFrame, code: str, value: pd.Series, numerator=None, denominator=None
) -> pd.DataFrame:
    keep = value.notna() & np.isfinite(value)
    part = pd.DataFrame(
        {
            "gss_code": frame["gss_code"],
            "metric_code": code,
            "period": frame["financial_year"].str.strip(),
            "value": number_text(value),
            "numerator": number_text(numerator) if numerator is not None else "",
            "denominator": number_text(denominator) if denominator is not None else "",
        }
    )
    return part[keep]


def value_rows(
    raw: pd.DataFrame, councils: Mapping[str, str]
) -> tuple[pd.DataFrame, list[str], list[str]]:
    skipped: list[str] = []
    notes: list[str] = []
    is_council = raw["la_class"].str.strip().isin(COUNCIL_CLASSES)
    notes.append(
        f"{int((~is_council).sum())} returns from police, fire, national park, waste and "
        "combined authorities and the GLA (class O) left out: they are not councils."
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

    numbers = {c: pd.to_numeric(frame[c].str.strip(), errors="coerce") for c in USED_COLUMNS}

    nre = numbers[NRE]
    usable_end = numbers[UNALLOCATED_END] + numbers[EARMARKED_END]
    usable_start = numbers[UNALLOCATED_START] + numbers[EARMARKED_START]
    social_care = (numbers[ADULTS] + numbers[CHILDREN]).where(
        frame["la_class"].str.strip().isin(SOCIAL_CARE_CLASSES)
    )
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
    parts = [
        _part(frame, "fin-nre", nre),
        _part(frame, "fin-usable-reserves", usable_end),
        _part(frame, "fin-reserves-to-nre", _ratio(usable_end, nre), usable_end, nre),
        _part(
            frame,
            "fin-reserves-change",
            _ratio(change, usable_start),
            change,
            usable_start,
        ),
        _part(frame, "fin-ctr-to-nre", _ratio(numbers[CTR], nre), numbers[CTR], nre),
        _part(frame, "fin-interest-to-nre", _ratio(numbers[INTEREST], nre), numbers[INTEREST], nre),
        _part(frame, "fin-social-care-ratio", _ratio(social_care, nre), social_care, nre),
    ]
    return values_frame(parts), skipped, notes


def load(data_dir: Path, councils: Mapping[str, str]) -> DatasetContent:
    raw = read(data_dir)
    values, skipped, notes = value_rows(raw, councils)
    return DatasetContent(
        metrics=[dict(m) for m in METRICS], values=values, skipped=skipped, notes=notes
    )
