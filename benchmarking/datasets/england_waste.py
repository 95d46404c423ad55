"""English household waste: DEFRA's local authority collected waste statistics (ENV18).

Pure: reads DEFRA's four headline waste indicators for every English waste collection,
disposal and unitary authority, 2010-11 to 2017-18, from `data/outcomes/`. Proportions are
shown as percentages (times 100, exactly); every other figure is stored as published. The
rules are set out for councils in docs/method/datasets.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from benchmarking.datasets.base import (
    OGL,
    OGL_NAME,
    DatasetContent,
    DatasetError,
    period_span,
    place_in_time,
    published_numbers,
    read_text_csv,
    register_lifetimes,
    times_100,
    values_frame,
)
from benchmarking.periods import period_sort_key

NAME = "england-waste"
TITLE = "English household waste indicators (DEFRA ENV18), 2010-11 to 2017-18"
PUBLISHED = "11 December 2018 (DEFRA, Local authority collected waste statistics 2017-18)"
ATTRIBUTION = (
    "Department for Environment, Food and Rural Affairs, Local authority collected waste "
    f"statistics (ENV18). {OGL}"
)
LICENCE = ATTRIBUTION
SOURCE = (
    "DEFRA, ENV18 Local authority collected waste statistics, LA and regional spreadsheet "
    f"2017-18, Table 3 (published 11 December 2018). {OGL}"
)
WASTE = Path("outcomes") / "england_household_waste_indicators_env18_2010_11_to_2017_18.csv"
FILES = (str(WASTE),)
COLUMNS = ("gss_code", "council_name", "authority_type", "period", "measure_code", "value", "unit")
PREFIX = "waste-"

# DEFRA's indicator: (portal code, title, unit, decimals, published as a proportion).
MEASURES = {
    "EX_NI192": (
        "recycled",
        "Household waste sent for reuse, recycling or composting",
        "%",
        1,
        True,
    ),
    "EX_NI191": (
        "residual-per-household",
        "Residual household waste per household",
        "kg per household",
        0,
        False,
    ),
    "EX_NI193": ("landfilled", "Municipal waste sent to landfill", "%", 1, True),
    "EX_BVPI84a": (
        "household-waste-per-person",
        "Household waste collected per person",
        "kg per person",
        0,
        False,
    ),
}
UNITS = {"proportion (0-1)", "kg per household", "kg per person"}
POLARITY = {"higher better": "higher_better", "lower better": "lower_better"}
DEFINITIONS = {
    "EX_NI192": (
        "The percentage of household waste sent for reuse, recycling or composting (formerly "
        "national indicator NI 192). DEFRA publishes it as a proportion between 0 and 1; the "
        "portal multiplies it by 100."
    ),
    "EX_NI191": (
        "Residual household waste (waste not sent for reuse, recycling or composting) in "
        "kilograms per household (formerly national indicator NI 191), as DEFRA publishes it."
    ),
    "EX_NI193": (
        "The percentage of municipal waste sent to landfill (formerly national indicator NI "
        "193). Only waste disposal authorities (counties and the joint waste authorities) and "
        "unitary councils report it. DEFRA publishes it as a proportion between 0 and 1; the "
        "portal multiplies it by 100."
    ),
    "EX_BVPI84a": (
        "Household waste collected in kilograms per person (formerly best value performance "
        "indicator BV 84a), as DEFRA publishes it."
    ),
}
CONTEXT = (
    "District councils collect household waste and county councils dispose of it; unitary "
    "councils do both. Compare councils of the same type. Where councils collect waste "
    "jointly, DEFRA publishes one figure for the partnership: see the note on the value. "
    "DEFRA's figures carry the float noise of its spreadsheet (such as 479.71812352941174), "
    "kept as published and shown rounded."
)

# Joint arrangements published under one council's code, from a period on: the value says so.
JOINT_NOTES = {
    "E10000009": (
        "2011-12",
        "Published for the Dorset Waste Partnership (Dorset County Council and the Dorset "
        "districts collecting and disposing of waste jointly) under Dorset County Council's "
        "code.",
    ),
    "E07000007": (
        "2015-16",
        "From 2015-16 Chiltern District Council has no figures of its own: Wycombe and Chiltern "
        "collected waste jointly, so this figure may cover both districts.",
    ),
}


def joint_note(gss: str, period: str) -> str:
    joint = JOINT_NOTES.get(gss)
    if joint is None or period_sort_key(period) < period_sort_key(joint[0]):
        return ""
    return joint[1]


def metric_rows(source: pd.DataFrame) -> list[dict[str, str]]:
    described = source.drop_duplicates("measure_code").set_index("measure_code")
    rows = []
    for code, (slug, title, unit, decimals, _proportion) in MEASURES.items():
        if code not in described.index:
            continue
        d = described.loc[code]
        rows.append(
            {
                "code": f"{PREFIX}{slug}",
                "title": title,
                "element": "outcome",
                "unit": unit,
                "polarity": POLARITY[d["polarity"]],
                "target_value": "",
                "decimals": str(decimals),
                "definition": DEFINITIONS[code],
                "source": f"{SOURCE} Indicator {code}: \u201c{d['measure_title']}\u201d.",
                "numerator_label": "",
                "denominator_label": "",
                "frequency": "Annual",
                "context_note": CONTEXT,
                "sdl_reference": "",
                "unit_limits": "",
                "theme": "Waste",
                "licence": OGL_NAME,
                "attribution": ATTRIBUTION,
                "comparator": "place",
            }
        )
    return rows


def value_rows(source: pd.DataFrame, lifetimes) -> tuple[pd.DataFrame, list[str], list[str]]:
    unknown = sorted(set(source["measure_code"]) - set(MEASURES))
    if unknown:
        raise DatasetError(f"Waste indicators this import does not know: {', '.join(unknown)}.")
    units = sorted(set(source["unit"]) - UNITS)
    if units:
        raise DatasetError(f"Waste units this import does not know: {', '.join(units)}.")
    numbers = published_numbers(source, WASTE)
    proportion = source["unit"] == "proportion (0-1)"
    if ((numbers < 0) | (proportion & (numbers > 1))).any():
        first = source[(numbers < 0) | (proportion & (numbers > 1))].iloc[0]
        raise DatasetError(
            f"{WASTE}: '{first['value']}' is not a proportion between 0 and 1 "
            f"({first['council_name']}, {first['measure_code']}, {first['period']})."
        )
    value = source["value"].where(~proportion, source["value"].map(times_100))
    frame = pd.DataFrame(
        {
            "gss_code": source["gss_code"].str.upper(),
            "metric_code": PREFIX + source["measure_code"].map(lambda c: MEASURES[c][0]),
            "period": source["period"],
            "value": value,
            "note": [
                joint_note(g, p) for g, p in zip(source["gss_code"], source["period"], strict=True)
            ],
        }
    )
    repeated = frame.duplicated(["gss_code", "metric_code", "period"], keep=False)
    if repeated.any():
        first = frame[repeated].iloc[0]
        raise DatasetError(
            f"Two waste figures for {first['gss_code']} {first['metric_code']} {first['period']}."
        )
    joint = source["gss_code"].str.startswith("E50")
    skipped = [
        f"{name} ({gss}): a joint waste authority or partnership, not a council; "
        f"{len(rows)} figures for {period_span(rows['period'])} left out, not shared out "
        "between its councils."
        for (gss, name), rows in source[joint].groupby(["gss_code", "council_name"])
    ]
    placed, unplaced, moved = place_in_time(frame[~joint.to_numpy()], lifetimes)
    notes = [
        "Proportions (recycling and landfill) are multiplied by 100 to show them as "
        "percentages; nothing else is changed.",
        *[
            f"{name} ({gss}): {len(rows)} figures published for joint working; each says so "
            "in its note."
            for (gss, name), rows in source[frame["note"].to_numpy() != ""].groupby(
                ["gss_code", "council_name"]
            )
        ],
        *moved,
    ]
    return placed, skipped + unplaced, notes


def load(data_dir: Path, councils: Mapping[str, str]) -> DatasetContent:
    source = read_text_csv(data_dir, WASTE, (*COLUMNS, "measure_title", "polarity"))
    lifetimes = {g: life for g, life in register_lifetimes(data_dir).items() if g in councils}
    values, skipped, notes = value_rows(source, lifetimes)
    return DatasetContent(
        metrics=metric_rows(source), values=values_frame([values]), skipped=skipped, notes=notes
    )
