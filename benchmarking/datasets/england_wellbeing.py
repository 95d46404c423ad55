"""Residents' own wellbeing: ONS personal wellbeing estimates for English councils.

Pure: reads ONS's Annual Population Survey estimates of life satisfaction, feeling that the
things one does are worthwhile, happiness and anxiety (mean scores out of 10, 2011-12 to
2022-23, with 95% confidence intervals) from `data/perception/`. They are the residents' own
wellbeing, not their view of the council, and sit in the perception element so labelled.
Values are stored as ONS publishes them. The rules are set out for councils in
docs/method/datasets.md.
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
    council_figures_content,
    place_in_time,
    read_text_csv,
    reference_rows,
)
from benchmarking.datasets.england_attainment import checked

NAME = "england-wellbeing"
TITLE = "Residents' personal wellbeing by council (ONS), 2011-12 to 2022-23"
PUBLISHED = (
    "ONS Explore Local Statistics, the copy at commit 4972c58 of "
    "ONSdigital/explore-local-statistics-data, latest year April 2022 to March 2023"
)
ATTRIBUTION = (
    f"Office for National Statistics, Personal well-being estimates by local authority "
    f"(Annual Population Survey). {OGL}"
)
LICENCE = ATTRIBUTION
SOURCE = (
    "ONS, Explore Local Statistics (ONSdigital/explore-local-statistics-data): "
    f"personal-wellbeing-estimates, from the Annual Population Survey. {OGL}"
)
WELLBEING = Path("perception") / "england_personal_wellbeing_by_la.csv"
FILES = (str(WELLBEING),)
COLUMNS = (
    "gss_code",
    "council_name",
    "period_label",
    "measure_code",
    "measure_title",
    "value",
    "unit",
    "ci_lower",
    "ci_upper",
    "polarity",
    "geography_level",
)
ENGLAND = "E92000001"
PREFIX = "wellbeing-"
POLARITY = {"higher_better": "higher_better", "lower_better": "lower_better"}

MEASURES = {
    "PWB_LIFE_SATISFACTION": (
        "life-satisfaction",
        "Residents' life satisfaction",
        "Overall, how satisfied are you with your life nowadays?",
    ),
    "PWB_WORTHWHILE": (
        "worthwhile",
        "Residents feeling the things they do in life are worthwhile",
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
    ),
    "PWB_HAPPINESS": (
        "happiness",
        "Residents' happiness",
        "Overall, how happy did you feel yesterday?",
    ),
    "PWB_ANXIETY": (
        "anxiety",
        "Residents' anxiety",
        "Overall, how anxious did you feel yesterday?",
    ),
}
CONTEXT = (
    "This is how residents rate their own lives, not what they think of the council: many "
    "things besides council services shape it. It comes from a survey, so a district's figure "
    "has a 95% confidence interval of about 0.35 either side, given in each value's note; most "
    "changes from one year to the next are within it. 2020-21 and 2021-22 were collected by "
    "telephone during the pandemic."
)


def metric_rows(source: pd.DataFrame) -> list[dict[str, str]]:
    described = source.drop_duplicates("measure_code").set_index("measure_code")
    return [
        {
            "code": f"{PREFIX}{slug}",
            "title": title,
            "element": "perception",
            "unit": "score out of 10",
            "polarity": POLARITY[described.loc[code, "polarity"]],
            "target_value": "",
            "decimals": "2",
            "definition": (
                "The mean answer of residents aged 16 and over to the question "
                f"\u201c{question}\u201d, "
                f"on a scale from 0 (not at all) to 10 (completely). ONS's title: "
                f"\u201c{described.loc[code, 'measure_title']}\u201d."
            ),
            "source": f"{SOURCE} Series {code}.",
            "numerator_label": "",
            "denominator_label": "",
            "frequency": "Annual",
            "context_note": CONTEXT,
            "sdl_reference": "",
            "unit_limits": "",
            "theme": "Wellbeing",
            "licence": OGL_NAME,
            "attribution": ATTRIBUTION,
            "comparator": "people",
        }
        for code, (slug, title, question) in MEASURES.items()
        if code in described.index
    ]


def value_rows(source: pd.DataFrame, lifetimes) -> tuple[pd.DataFrame, list, list, list]:
    present = checked(source, WELLBEING, MEASURES, POLARITY)
    if len(present) != len(source):
        raise DatasetError(f"{WELLBEING}: {len(source) - len(present)} rows have no value.")
    both = (present["ci_lower"] != "") & (present["ci_upper"] != "")
    frame = pd.DataFrame(
        {
            "gss_code": present["gss_code"].str.upper(),
            "metric_code": PREFIX + present["measure_code"].map(lambda c: MEASURES[c][0]),
            "period": present["period_label"],
            "value": present["value"],
            "lower": present["ci_lower"],
            "upper": present["ci_upper"],
            "note": (
                "95% confidence interval: "
                + present["ci_lower"]
                + " to "
                + present["ci_upper"]
                + "."
            ).where(both, ""),
        }
    )
    england = frame["gss_code"] == ENGLAND
    regions = frame["gss_code"].str.startswith("E12")
    skipped = []
    if regions.any():
        skipped.append(
            f"{int(regions.sum())} figures for the 9 English regions: not councils; only "
            "England's are kept as reference figures."
        )
    references = reference_rows(frame[england], ENGLAND, "England")
    councils = frame[~england & ~regions].drop(columns=["lower", "upper"])
    placed, unplaced, moved = place_in_time(councils, lifetimes)
    return placed, references, skipped + unplaced, moved


def load(data_dir: Path, councils: Mapping[str, str]) -> DatasetContent:
    source = read_text_csv(data_dir, WELLBEING, COLUMNS)
    return council_figures_content(data_dir, councils, source, metric_rows, value_rows)
