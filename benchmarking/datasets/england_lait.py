"""English children's services and education: DfE's Local Authority Interactive Tool (LAIT).

Pure: reads the LAIT extract in `data/outcomes/` (55 of LAIT's measures, every upper-tier
council and England, 2016 to 2025) and returns catalogue rows, values and England's figures.
Values are stored as DfE publishes them; nothing is recalculated. The rules are set out for
councils in docs/method/datasets.md.
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
    published_numbers,
    read_text_csv,
    reference_rows,
)

NAME = "england-lait"
TITLE = "English children's services and education outcomes (DfE LAIT), 2016 to 2025"
PUBLISHED = (
    "DfE Local Authority Interactive Tool, the copy at commit 2e30e39 of "
    "dfe-analytical-services/local-authority-interactive-tool, latest figures 2025 (some "
    "provisional)"
)
ATTRIBUTION = (
    f"Department for Education, Local Authority Interactive Tool (LAIT), with figures from "
    f"DfE, OHID, the Ministry of Justice and ONS. {OGL}"
)
LICENCE = ATTRIBUTION
SOURCE = (
    "Department for Education, Local Authority Interactive Tool (LAIT): the data behind the "
    "tool (dfe-analytical-services/local-authority-interactive-tool, bds_long_0.parquet and "
    f"lait_data_dictionary.csv). {OGL}"
)
LAIT = Path("outcomes") / "england_lait_children_education_outcomes_2016_2025.csv"
FILES = (str(LAIT),)
COLUMNS = ("gss_code", "council_name", "period", "period_type", "measure_code", "value", "unit")
ENGLAND = "E92000001"
PREFIX = "lait-"

CHILDREN = "Children's services"
EDUCATION = "Education"
HEALTH = "Public health"

# LAIT's polarity column, as the portal's.
POLARITY = {
    "higher better": "higher_better",
    "lower better": "lower_better",
    "no polarity (context)": "neutral",
    "none stated (finance)": "neutral",
}

# Each LAIT measure: (portal code after the prefix, title, theme, unit, decimals, element).
# Titles are LAIT's, in plain words; the definition quotes LAIT's own title.
MEASURES: dict[str, tuple[str, str, str, str, int, str]] = {
    "%_2yr_olds": (
        "funded-2yo",
        "Two-year-olds benefiting from funded early education",
        EDUCATION,
        "%",
        0,
        "outcome",
    ),
    "%_of LAC Adopted": (
        "cla-adopted",
        "Children looked after who were adopted in the year",
        CHILDREN,
        "%",
        0,
        "outcome",
    ),
    "16-17Ed&Training": (
        "16-17-in-education",
        "16 and 17 year olds in education or training",
        EDUCATION,
        "%",
        1,
        "outcome",
    ),
    "16-17_not known_NEET": (
        "16-17-neet-not-known",
        "16 and 17 year olds not in education, employment or training, or whose activity is "
        "not known",
        EDUCATION,
        "%",
        1,
        "outcome",
    ),
    "AVG_Attain8_Score": (
        "ks4-attainment8",
        "Average Attainment 8 score per pupil (key stage 4)",
        EDUCATION,
        "score per pupil",
        1,
        "outcome",
    ),
    "AVG_Prog8_Score": (
        "ks4-progress8",
        "Average Progress 8 score per pupil (key stage 4)",
        EDUCATION,
        "score per pupil",
        2,
        "outcome",
    ),
    "C&YPExpenditure": (
        "spend-children-young-people",
        "Gross spending on children and young people's services",
        CHILDREN,
        "£",
        0,
        "cost",
    ),
    "CIN": (
        "cin-rate",
        "Children in need per 10,000 children",
        CHILDREN,
        "per 10,000 children",
        1,
        "outcome",
    ),
    "CPP_Total_Rateper10,000": (
        "referral-rate",
        "Referrals to children's social care per 10,000 children",
        CHILDREN,
        "per 10,000 children",
        1,
        "outcome",
    ),
    "CPP_rate": (
        "cpp-rate",
        "Children on child protection plans per 10,000 children",
        CHILDREN,
        "per 10,000 children",
        1,
        "outcome",
    ),
    "CP_conf_15days": (
        "cp-conference-15-days",
        "Child protection conferences held within 15 working days",
        CHILDREN,
        "%",
        1,
        "outcome",
    ),
    "CareLeaverAcc": (
        "care-leavers-accommodation",
        "Care leavers in suitable accommodation",
        CHILDREN,
        "%",
        0,
        "outcome",
    ),
    "CareLeaverEET": (
        "care-leavers-eet",
        "Care leavers in education, employment or training",
        CHILDREN,
        "%",
        0,
        "outcome",
    ),
    "Continue_Assess_Comp": (
        "assessments-45-days",
        "Children's social care assessments completed within 45 working days",
        CHILDREN,
        "%",
        1,
        "outcome",
    ),
    "DAP_KS4_ATT8": (
        "ks4-attainment8-disadvantaged",
        "Average Attainment 8 score of disadvantaged pupils (key stage 4)",
        EDUCATION,
        "score per pupil",
        1,
        "outcome",
    ),
    "DAP_NEW_KS2_RWM": (
        "ks2-rwm-disadvantaged",
        "Disadvantaged pupils meeting the expected standard in reading, writing and maths "
        "(key stage 2)",
        EDUCATION,
        "%",
        0,
        "outcome",
    ),
    "Emotional_LAC": (
        "cla-emotional-health",
        "Emotional and behavioural health of children looked after (average SDQ score)",
        CHILDREN,
        "SDQ score",
        1,
        "outcome",
    ),
    "EngMaths9-4": (
        "ks4-english-maths-9-4",
        "Pupils achieving grade 4 or above in English and maths GCSEs",
        EDUCATION,
        "%",
        1,
        "outcome",
    ),
    "EngMaths9-5": (
        "ks4-english-maths-9-5",
        "Pupils achieving grade 5 or above in English and maths GCSEs",
        EDUCATION,
        "%",
        1,
        "outcome",
    ),
    "ExcessYr6": (
        "year6-excess-weight",
        "Children in year 6 who are overweight or obese",
        HEALTH,
        "%",
        1,
        "outcome",
    ),
    "FSP_NEW_GOODDEV": (
        "eyfs-good-development",
        "Children achieving a good level of development at the end of reception",
        EDUCATION,
        "%",
        1,
        "outcome",
    ),
    "FamilySupportFinance": (
        "spend-family-support",
        "Gross spending on family support services",
        CHILDREN,
        "£",
        0,
        "cost",
    ),
    "FirstYJS": (
        "youth-justice-first-time",
        "First-time entrants to the youth justice system per 100,000 young people aged 10 to 17",
        CHILDREN,
        "per 100,000 aged 10 to 17",
        0,
        "outcome",
    ),
    "FosteringFinance": (
        "unit-cost-fostering",
        "Fostering: cost per child per week",
        CHILDREN,
        "£ per child per week",
        0,
        "cost",
    ),
    "KS1P_all": (
        "phonics-decoding",
        "Pupils meeting the expected standard in phonics decoding (year 1)",
        EDUCATION,
        "%",
        0,
        "outcome",
    ),
    "KS2RWM_Expected_STD": (
        "ks2-rwm",
        "Pupils meeting the expected standard in reading, writing and maths (key stage 2)",
        EDUCATION,
        "%",
        0,
        "outcome",
    ),
    "LAC": (
        "cla-rate",
        "Children looked after per 10,000 children",
        CHILDREN,
        "per 10,000 children",
        0,
        "outcome",
    ),
    "LACDistance": (
        "cla-placed-far",
        "Children looked after placed outside the council's area and more than 20 miles from home",
        CHILDREN,
        "%",
        0,
        "outcome",
    ),
    "LACFinance": (
        "unit-cost-cla",
        "Children looked after: cost per child per week",
        CHILDREN,
        "£ per child per week",
        0,
        "cost",
    ),
    "LACHealth%": (
        "cla-health-checks",
        "Children looked after whose health checks were up to date",
        CHILDREN,
        "%",
        0,
        "outcome",
    ),
    "LACStable_2016on": (
        "cla-three-placements",
        "Children looked after with three or more placements in the year",
        CHILDREN,
        "%",
        0,
        "outcome",
    ),
    "LAC_Convictions": (
        "cla-convicted",
        "Children looked after who were convicted or given a youth caution",
        CHILDREN,
        "%",
        0,
        "outcome",
    ),
    "LAC_Foster_Placements": (
        "cla-in-foster-care",
        "Children looked after who live in foster care",
        CHILDREN,
        "%",
        0,
        "outcome",
    ),
    "LAC_KS2_ExpStd_RWM": (
        "cla-ks2-rwm",
        "Children looked after meeting the expected standard in reading, writing and maths "
        "(key stage 2)",
        EDUCATION,
        "%",
        0,
        "outcome",
    ),
    "LAC_KS4_AVG_Attain8": (
        "cla-ks4-attainment8",
        "Average Attainment 8 score of children looked after (key stage 4)",
        EDUCATION,
        "score per pupil",
        1,
        "outcome",
    ),
    "LAC_LongStable%": (
        "cla-long-term-stability",
        "Children looked after long term who have been in the same placement for two years",
        CHILDREN,
        "%",
        0,
        "outcome",
    ),
    "LAC_Start_Rate": (
        "cla-start-rate",
        "Children starting to be looked after per 10,000 children",
        CHILDREN,
        "per 10,000 children",
        0,
        "outcome",
    ),
    "Level2Age19_E&M": (
        "level2-english-maths-age19",
        "Young people with a level 2 qualification including English and maths by age 19",
        EDUCATION,
        "%",
        1,
        "outcome",
    ),
    "Level3Age19": (
        "level3-age19",
        "Young people with a level 3 qualification by age 19",
        EDUCATION,
        "%",
        1,
        "outcome",
    ),
    "PrevRegCPR": (
        "cpp-second-time",
        "Children who became the subject of a child protection plan for a second or later time",
        CHILDREN,
        "%",
        1,
        "outcome",
    ),
    "ReReferral": (
        "re-referrals",
        "Referrals to children's social care within 12 months of a previous referral",
        CHILDREN,
        "%",
        1,
        "outcome",
    ),
    "ReoffYO15-17": (
        "youth-reoffending",
        "Young offenders aged 15 to 17 who reoffend",
        CHILDREN,
        "%",
        1,
        "outcome",
    ),
    "RescareFinance": (
        "unit-cost-residential",
        "Residential care: cost per child per week",
        CHILDREN,
        "£ per child per week",
        0,
        "cost",
    ),
    "SWFinance": (
        "unit-cost-social-work",
        "Social work: cost per child per week",
        CHILDREN,
        "£ per child per week",
        0,
        "cost",
    ),
    "SafeguardingFinance": (
        "spend-safeguarding",
        "Gross spending on safeguarding children and young people",
        CHILDREN,
        "£",
        0,
        "cost",
    ),
    "Section_47": (
        "section47-rate",
        "Section 47 enquiries per 10,000 children",
        CHILDREN,
        "per 10,000 children",
        1,
        "outcome",
    ),
    "TotAbs": ("absence", "School sessions missed through absence", EDUCATION, "%", 1, "outcome"),
    "TotFixedEx": (
        "suspensions",
        "Suspensions as a percentage of pupils",
        EDUCATION,
        "%",
        2,
        "outcome",
    ),
    "TotPerAbNew": (
        "persistent-absence",
        "Pupils persistently absent",
        EDUCATION,
        "%",
        1,
        "outcome",
    ),
    "TotPermEx": (
        "permanent-exclusions",
        "Permanent exclusions as a percentage of pupils",
        EDUCATION,
        "%",
        2,
        "outcome",
    ),
    "TotalLACFinance": (
        "spend-cla",
        "Gross spending on children looked after",
        CHILDREN,
        "£",
        0,
        "cost",
    ),
    "Work_Force_Agecy_Rate": (
        "sw-agency",
        "Children and family social workers employed through agencies",
        CHILDREN,
        "%",
        1,
        "outcome",
    ),
    "Work_Force_AvgNumCase_SW": (
        "sw-caseload",
        "Average cases per children and family social worker",
        CHILDREN,
        "cases per social worker",
        1,
        "outcome",
    ),
    "Work_Force_TO_Rate": (
        "sw-turnover",
        "Children and family social worker turnover",
        CHILDREN,
        "%",
        1,
        "outcome",
    ),
    "Work_Force_Vac_Rate": (
        "sw-vacancies",
        "Children and family social worker vacancies",
        CHILDREN,
        "%",
        1,
        "outcome",
    ),
}

NOTES = {
    "LAC": (
        "DfE gives this rate no polarity: a high rate is not in itself bad, nor a low one "
        "good. It follows local need as much as the council's practice."
    ),
    "%_2yr_olds": (
        "Children taking up a funded place as a percentage of those DfE estimated to be "
        "eligible, so it can be above 100%."
    ),
    "Emotional_LAC": (
        "The Strengths and Difficulties Questionnaire (SDQ) score runs from 0 to 40; a lower "
        "score means fewer emotional and behavioural difficulties."
    ),
    "AVG_Prog8_Score": (
        "Progress 8 compares pupils' results with those of pupils who started secondary "
        "school at the same level; 0 is the national average. None was published for 2020 "
        "and 2021."
    ),
    "Level2Age19_E&M": (
        "Young people are counted in the council where they were at school at 15, so DfE "
        "goes on publishing figures for councils that have since been replaced."
    ),
    "Level3Age19": (
        "Young people are counted in the council where they were at school at 15, so DfE "
        "goes on publishing figures for councils that have since been replaced."
    ),
}
UNIT_COST_NOTE = (
    "A unit cost from the council's section 251 outturn return: its spending on the service "
    "divided by the number of child-weeks of care, in pounds. Neither high nor low is better in "
    "itself: a council that places more children with complex needs pays more per week."
)
SPEND_NOTE = (
    "Gross spending from the council's section 251 outturn return, in pounds. A measure of "
    "size, not of performance: compare it with the number of children the council serves."
)
CONTEXT_NOTE = (
    "DfE gives this measure no polarity: it describes local need and demand as much as the "
    "council's practice, so neither high nor low is better in itself."
)

_PROVISIONAL = re.compile(r"^(\d{4}) \(prov\)$")
_OUTTURN = re.compile(r"^(\d{4})-(\d{2}) \(OT\)$")
_SLASHED = re.compile(r"^(\d{4})/(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
# LAIT's year labels by period type: which of the portal's periods a plain year means.
YEAR_ENDING = {"Financial Year", "Academic Year", "Annual"}  # "2016" is the year to 2016
CALENDAR = {"Calendar Year", "Annual (end of Sept)"}  # "2016" is calendar 2016


def _financial(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def lait_period(label: str, period_type: str) -> tuple[str, bool]:
    """The portal's period for a LAIT year label, and whether the figure is provisional.

    A plain year ending a financial or academic year (`2016`: the year to March 2016, or the
    school year 2015/16) becomes `2015-16`; so do `2015/16` and `2015-16 (OT)`. Figures at the
    end of September and calendar-year figures keep their year. `2025 (prov)` is read like
    `2025` and marked provisional. Any other label raises DatasetError.
    """
    text, provisional = label.strip(), False
    if m := _PROVISIONAL.fullmatch(text):
        text, provisional = m.group(1), True
    if m := _OUTTURN.fullmatch(text):
        return f"{m.group(1)}-{m.group(2)}", provisional
    if m := _SLASHED.fullmatch(text):
        return f"{m.group(1)}-{m.group(2)}", provisional
    if m := _YEAR.fullmatch(text):
        year = int(m.group(1))
        if period_type in YEAR_ENDING:
            return _financial(year - 1), provisional
        if period_type in CALENDAR:
            return str(year), provisional
        raise DatasetError(f"LAIT period type '{period_type}' is not one this import knows.")
    raise DatasetError(f"LAIT period '{label}' ({period_type}) cannot be read as a period.")


# Percentages that are not shares of a whole, so not limited to 0-100: take-up of funded
# places for two-year-olds is counted against DfE's estimate of the children eligible, and
# some councils' take-up passes it (up to 102.6% in the file).
BEYOND_0_TO_100 = {"funded-2yo"}


def metric_rows(source: pd.DataFrame) -> list[dict[str, str]]:
    """One catalogue row per LAIT measure in the file."""
    described = source.drop_duplicates("measure_code").set_index("measure_code")
    rows = []
    for code, (slug, title, theme, unit, decimals, element) in MEASURES.items():
        if code not in described.index:
            continue
        d = described.loc[code]
        polarity = POLARITY[d["polarity"]]
        notes = []
        if element == "cost" and unit == "£":
            notes.append(SPEND_NOTE)
        elif element == "cost":
            notes.append(UNIT_COST_NOTE)
        elif polarity == "neutral" and code not in NOTES:
            notes.append(CONTEXT_NOTE)
        if code in NOTES:
            notes.append(NOTES[code])
        rows.append(
            {
                "code": f"{PREFIX}{slug}",
                "title": title,
                "element": element,
                "unit": unit,
                "polarity": polarity,
                "target_value": "",
                "decimals": str(decimals),
                "definition": (
                    f"{title}, as DfE publishes it in LAIT: "
                    f"\u201c{d['measure_title'].strip()}\u201d "
                    f"(LAIT measure {code}, topic {d['topic']}; LAIT's unit: {d['unit']})."
                ),
                "source": f"{SOURCE} Measure {code}.",
                "numerator_label": "",
                "denominator_label": "",
                "frequency": "Annual",
                "context_note": " ".join(notes),
                "sdl_reference": "",
                "theme": theme,
                "licence": OGL_NAME,
                "attribution": ATTRIBUTION,
                "comparator": "people",
                "unit_limits": "false" if slug in BEYOND_0_TO_100 else "",
            }
        )
    return rows


def value_rows(source: pd.DataFrame, lifetimes) -> tuple[pd.DataFrame, list, list, list]:
    """Values, England's figures, what was left out and other notes."""
    unknown = sorted(set(source["measure_code"]) - set(MEASURES))
    if unknown:
        raise DatasetError(f"LAIT measures this import does not know: {', '.join(unknown)}.")
    bad_polarity = sorted(set(source["polarity"]) - set(POLARITY))
    if bad_polarity:
        raise DatasetError(f"LAIT polarity not known: {', '.join(bad_polarity)}.")
    numbers = published_numbers(source, LAIT)
    periods = {
        key: lait_period(*key)
        for key in source[["period", "period_type"]].drop_duplicates().itertuples(index=False)
    }
    mapped = [periods[k] for k in zip(source["period"], source["period_type"], strict=True)]
    frame = pd.DataFrame(
        {
            "gss_code": source["gss_code"].str.upper(),
            "metric_code": PREFIX + source["measure_code"].map(lambda c: MEASURES[c][0]),
            "period": [p for p, _ in mapped],
            # Scientific notation as stored (7.875E-2) is written out; the number is the same.
            "value": numbers.map(repr),
            "note": ["Provisional figure." if prov else "" for _, prov in mapped],
        }
    )
    repeated = frame.duplicated(["gss_code", "metric_code", "period"], keep=False)
    if repeated.any():
        first = frame[repeated].iloc[0]
        raise DatasetError(
            f"Two LAIT figures fall in the same period: {first['gss_code']} "
            f"{first['metric_code']} {first['period']}."
        )
    england = frame["gss_code"] == ENGLAND
    references = reference_rows(frame[england], ENGLAND, "England")
    placed, skipped, moved = place_in_time(frame[~england], lifetimes)
    notes = [
        "Years are read as the portal's periods: a financial or school year ending in 2016 is "
        "2015-16; figures at 30 September and for calendar years keep their year.",
        *moved,
    ]
    return placed, references, skipped, notes


def load(data_dir: Path, councils: Mapping[str, str]) -> DatasetContent:
    source = read_text_csv(data_dir, LAIT, (*COLUMNS, "measure_title", "polarity", "topic"))
    return council_figures_content(data_dir, councils, source, metric_rows, value_rows)
