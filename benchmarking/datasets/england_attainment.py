"""GCSE English and maths by 19, and key stage 2, for English districts and upper-tier councils.

Pure: reads ONS's Explore Local Statistics series in `data/outcomes/` and returns catalogue
rows, values (with ONS's 95% confidence interval in each value's note) and England's figures.
Values are stored as ONS publishes them. The rules are set out for councils in
docs/method/datasets.md.
"""

from __future__ import annotations

import re
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

NAME = "england-attainment"
TITLE = "GCSE English and maths by 19 and key stage 2 results by council (ONS), 2016/17 to 2024/25"
PUBLISHED = (
    "ONS Explore Local Statistics, the copy at commit 4972c58 of "
    "ONSdigital/explore-local-statistics-data, latest school year 2024/25"
)
ATTRIBUTION = (
    f"Office for National Statistics, Explore Local Statistics, from Department for Education "
    f"data. {OGL}"
)
LICENCE = ATTRIBUTION
SOURCE = (
    "ONS, Explore Local Statistics (ONSdigital/explore-local-statistics-data): "
    "gcses-in-english-and-maths and pupils-at-expected-standards-by-end-of-primary-school, "
    f"from DfE's published statistics. {OGL}"
)
ATTAINMENT = Path("outcomes") / "england_ess_gcse_em_age19_and_ks2_by_district_and_utla.csv"
FILES = (str(ATTAINMENT),)
COLUMNS = (
    "gss_code",
    "council_name",
    "geography_level",
    "period",
    "measure_code",
    "measure_title",
    "value",
    "unit",
    "lci_95",
    "uci_95",
    "status",
    "polarity",
)
ENGLAND = "E92000001"
PREFIX = "ess-"
# Barnsley and Sheffield also appear under the codes ONS gave them after a boundary change
# in 2024; the register knows them by their earlier codes, as do the other datasets.
RECODED = {"E08000038": "E08000016", "E08000039": "E08000019"}

MEASURES = {
    "ESS_GCSE_EM_AGE19": (
        "gcse-english-maths-age19",
        "Young people achieving GCSEs in English and maths by age 19",
        "The percentage of young people who had achieved a pass (grade 4 or C and above) in "
        "both English and maths GCSEs by the age of 19, by the council where they live.",
    ),
    "ESS_KS2_RWM_EXP": (
        "ks2-rwm-expected",
        "Pupils meeting the expected standard in reading, writing and maths at the end of "
        "primary school",
        "The percentage of pupils at the end of key stage 2 (year 6) who met the expected "
        "standard in reading, writing and maths, by the council where they go to school.",
    ),
}
CONTEXT = (
    "Published for districts as well as for upper-tier councils. Districts are not education "
    "authorities: for them it describes the area, not the council's own service. ONS's file has "
    "columns for 95% confidence intervals but gives none for these two series; where it does, "
    "the value's note gives the interval."
)
_ISO_YEAR = re.compile(r"^(\d{4})-09-01/P1Y$")


def school_year(label: str) -> str:
    """ONS's `2016-09-01/P1Y` (the school year from September 2016) as the period `2016-17`."""
    if m := _ISO_YEAR.fullmatch(label.strip()):
        start = int(m.group(1))
        return f"{start}-{(start + 1) % 100:02d}"
    raise DatasetError(f"ONS period '{label}' is not a school year such as 2016-09-01/P1Y.")


def interval_note(lower: pd.Series, upper: pd.Series) -> pd.Series:
    """'95% confidence interval: 62.1 to 65.3.' where ONS gives both limits, else blank."""
    both = (lower != "") & (upper != "")
    return ("95% confidence interval: " + lower + " to " + upper + ".").where(both, "")


def without_new_codes(present: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Rows under a council's new code (`RECODED`) read as its register code.

    ONS repeats Barnsley's and Sheffield's figures under both codes: a repeat that matches the
    figure under the register code is dropped; one that differs stops the import.
    """
    notes = []
    gss = present["gss_code"].str.upper()
    keys = ["measure_code", "period"]
    rows = present.set_index(keys).index
    drop = pd.Series(False, index=present.index)
    for new, old in RECODED.items():
        is_new = gss == new
        if not is_new.any():
            continue
        newer = present[is_new].set_index(keys)["value"]
        older = present[gss == old].set_index(keys)["value"]
        common = newer.index.intersection(older.index)
        differ = pd.to_numeric(newer[common]) != pd.to_numeric(older[common])
        if differ.any():
            measure, period = differ[differ].index[0]
            raise DatasetError(
                f"{ATTAINMENT}: {new} and {old} give different figures for {measure} {period}."
            )
        repeat = is_new & rows.isin(common)
        drop |= repeat
        gss = gss.mask(is_new & ~repeat, old)
        notes.append(
            f"{new}: {int(repeat.sum())} figures repeat those ONS gives under {old}, the code "
            f"in the council register, and are left out; {int((is_new & ~repeat).sum())} are "
            f"stored under {old}."
        )
    present = present.assign(gss_code=gss)
    return present[~drop], notes


def metric_rows(source: pd.DataFrame) -> list[dict[str, str]]:
    present = set(source["measure_code"])
    return [
        {
            "code": f"{PREFIX}{slug}",
            "title": title,
            "element": "outcome",
            "unit": "%",
            "polarity": "higher_better",
            "target_value": "",
            "decimals": "1",
            "definition": f"{definition} ONS series {code}.",
            "source": f"{SOURCE} Series {code}.",
            "numerator_label": "",
            "denominator_label": "",
            "frequency": "Annual",
            "context_note": CONTEXT,
            "sdl_reference": "",
            "unit_limits": "",
            "theme": "Education",
            "licence": OGL_NAME,
            "attribution": ATTRIBUTION,
            "comparator": "people",
        }
        for code, (slug, title, definition) in MEASURES.items()
        if code in present
    ]


def checked(source: pd.DataFrame, path: Path, codes, polarities) -> pd.DataFrame:
    """The rows with a figure; DatasetError for an unknown series, polarity or a bad number."""
    unknown = sorted(set(source["measure_code"]) - set(codes))
    if unknown:
        raise DatasetError(f"{path}: series this import does not know: {', '.join(unknown)}.")
    bad = sorted(set(source["polarity"]) - set(polarities))
    if bad:
        raise DatasetError(f"{path}: polarity not known: {', '.join(bad)}.")
    present = source[source["value"] != ""]
    for column in ("value", "lci_95", "uci_95", "ci_lower", "ci_upper"):
        if column not in present:
            continue
        cells = present[column]
        numbers = pd.to_numeric(cells, errors="coerce")
        wrong = numbers.isna() & (cells != "")
        if wrong.any():
            first = present[wrong].iloc[0]
            raise DatasetError(
                f"{path}: '{first[column]}' in {column} is not a number "
                f"({first['council_name']}, {first['measure_code']}, {first['period']})."
            )
    return present


def value_rows(source: pd.DataFrame, lifetimes) -> tuple[pd.DataFrame, list, list, list]:
    present = checked(source, ATTAINMENT, MEASURES, {"higher better"})
    skipped = []
    withheld = source[source["value"] == ""]
    if not withheld.empty:
        skipped.append(
            f"{len(withheld)} figures ONS withholds (status 'x', too few pupils to publish), "
            f"for {', '.join(sorted(set(withheld['council_name'])))}."
        )
    present, recode_notes = without_new_codes(present)
    frame = pd.DataFrame(
        {
            "gss_code": present["gss_code"].str.upper(),
            "metric_code": PREFIX + present["measure_code"].map(lambda c: MEASURES[c][0]),
            "period": present["period"].map(school_year),
            "value": present["value"],
            "lower": present["lci_95"],
            "upper": present["uci_95"],
            "note": interval_note(present["lci_95"], present["uci_95"]),
        }
    )
    notes = ["ONS's school year 2016-09-01/P1Y is stored as the period 2016-17.", *recode_notes]
    with_interval = int((frame["note"] != "").sum())
    notes.append(f"{with_interval} of {len(frame)} figures come with a confidence interval.")
    england = frame["gss_code"] == ENGLAND
    regions = frame["gss_code"].str.match(r"^E1[23]")
    if regions.any():
        skipped.append(
            f"{int(regions.sum())} figures for regions and Inner and Outer London: not "
            "councils; only England's are kept as reference figures."
        )
    references = reference_rows(frame[england], ENGLAND, "England")
    councils = frame[~england & ~regions].drop(columns=["lower", "upper"])
    placed, unplaced, moved = place_in_time(councils, lifetimes)
    return placed, references, skipped + unplaced, notes + moved


def load(data_dir: Path, councils: Mapping[str, str]) -> DatasetContent:
    source = read_text_csv(data_dir, ATTAINMENT, COLUMNS)
    return council_figures_content(data_dir, councils, source, metric_rows, value_rows)
