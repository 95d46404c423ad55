"""The Scottish Local Government Benchmarking Framework (LGBF), all 32 councils.

Pure: reads the three LGBF files in `data/benchmarks/` and returns catalogue rows, values and
the LGBF family groups. The rules are set out for councils in docs/method/datasets.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from benchmarking.datasets.base import OGL, OGL_NAME, DatasetContent, Grouping, values_frame
from benchmarking.periods import PeriodError, parse_period

NAME = "lgbf"
TITLE = "Scottish Local Government Benchmarking Framework"
LICENCE = (
    "Local Government Benchmarking Framework, Improvement Service, republished by Stirling "
    f"Council. {OGL}"
)
INDICATORS = Path("benchmarks") / "scotland_lgbf_indicators_2010_2024.csv"
DEFINITIONS = Path("benchmarks") / "scotland_lgbf_indicator_definitions.csv"
FAMILIES = Path("benchmarks") / "scotland_lgbf_family_groups.csv"
FILES = (str(INDICATORS), str(DEFINITIONS), str(FAMILIES))

PREFIX = "lgbf-"

# Resident perception: residents' satisfaction with services (Scottish Household Survey) and
# people's own view of the care they receive (Health and Care Experience Survey).
CARE_EXPERIENCE_SURVEY = frozenset({"SW04b", "SW04c", "SW04d", "SW04e"})
# Published with measure type "Cost", but a measure of the local economy, not of council spend.
NOT_A_COST = frozenset({"ECON11"})
# Percentages the LGBF already publishes in percentage points rather than as proportions.
PERCENTAGE_POINTS = frozenset({"CHN14a", "CHN14b"})

# Percentages that are not shares of a whole, so may fall below 0 or pass 100: the portal's
# check that a percentage lies between 0 and 100 is off for them (Metric.unit_limits).
BEYOND_0_TO_100 = {
    "CORP03c": "a pay gap, below 0 where women are paid more on average",
    "CORP11": "spending against a budget, over 100 where the council topped the fund up",
    "CORP12": "spending against funding, over 100 where the council topped it up",
    "FINSUS01": "reserves against a year's budget, over 100 where they exceed it",
    "FINSUS05": "spending against budget, over 100 where the council overspent",
}

# Ranking_Type in the definitions file: Ascending ranks the lowest figure first.
POLARITY = {"Ascending": "lower_better", "Descending": "higher_better", "Goldilocks": "target"}

# The target of each "Goldilocks" indicator, on the portal's scale (percentages out of 100),
# with the reason. Each agrees with the LGBF's own Ranking_GoldilocksMidpoint; a new
# Goldilocks indicator stops the import until someone has looked at it and added it here.
GOLDILOCKS_TARGETS: dict[str, tuple[str, str]] = {
    "CORP03b": (
        "50",
        "The LGBF ranks councils by how close women's share of the top 5% of earners is to "
        "half: equal numbers of women and men.",
    ),
    "CORP03c": (
        "0",
        "The LGBF ranks councils by how close the gender pay gap is to none. A negative gap "
        "(women paid more on average) is as far from the target as the same positive gap.",
    ),
    "CORP11": (
        "100",
        "The LGBF ranks councils by how close they come to spending their whole Scottish "
        "Welfare Fund budget: spending less may mean help not given; spending more means the "
        "council topped the fund up from its own budget.",
    ),
    "CORP12": (
        "100",
        "The LGBF ranks councils by how close they come to spending their whole Discretionary "
        "Housing Payment funding: spending less may mean help not given; spending more means "
        "the council topped the funding up from its own budget.",
    ),
}

# Ranked one way, but the definitions file also gives a midpoint worth knowing about.
MIDPOINT_NOTES = {
    "FINSUS02": (
        "The LGBF ranks higher balances as better. Its definitions also give 3% as a point of "
        "reference: many councils' reserves policies aim at an uncommitted balance of about "
        "2% to 4% of budget."
    ),
    "FINSUS05": (
        "The LGBF ranks lower outturn as better (spending within budget). Its definitions also "
        "give 100% as a point of reference: a large underspend can mean a budget that was not "
        "realistic."
    ),
}

UNITS_BY_MEASURE = {
    "Cost": "£",
    "Percentage": "%",
    "Rate per 10,000": "per 10,000 people",
    "Rate per 1,000": "per 1,000",
    "Weeks": "weeks",
    "Days": "days",
    "Score": "tariff points",
}
UNITS_BY_CODE = {
    "CHN14a": "percentage points",
    "CHN14b": "percentage points",
    "CHN20a": "per 1,000 pupils",
    "CHN20b": "per 1,000 looked-after children",
    "SW06": "per 1,000 discharges",
    "SW08": "days per 1,000 people aged 75+",
    "CLIM01": "tonnes CO2 per person",
    "CLIM02": "tonnes CO2 per person",
    "CLIM03": "per 1,000 people",
    "CLIM04": "per 1,000 people",
    "CLIM05": "per 1,000 people",
}
UNIT_NOTES = {
    "CLIM03": "CLIM03 to CLIM05",
    "CLIM04": "CLIM03 to CLIM05",
    "CLIM05": "CLIM03 to CLIM05",
}

FREQUENCY = {
    "Annual": "Annual",
    "2 Yearly": "Every two years",
    "2 Year Aggregates (annual)": "Annual, two-year rolling",
    "3 Year Aggregates": "Annual, three-year rolling",
    "4 Year Aggregates": "Annual, four-year rolling",
}

PEOPLE_SERVICES = "Children, Social Work and Housing indicators"
OTHER_SERVICES = (
    "Environmental, Culture & Leisure, Economic Development, Corporate and Property indicators"
)
FAMILY_TYPES = {
    PEOPLE_SERVICES: (
        "people",
        "children, social work and housing",
        "grouped by how deprived their areas are, from the least deprived (group 1) to the "
        "most deprived (group 4)",
    ),
    OTHER_SERVICES: (
        "other",
        "environment, culture and leisure, economic development, corporate services and property",
        "grouped by how rural and sparsely populated their areas are, from the most rural "
        "(group 1) to the most urban (group 4)",
    ),
}

ATTRIBUTION = f"Local Government Benchmarking Framework, Improvement Service. {OGL}"
# The LGBF's two family types, as the portal's kinds of similar councils.
COMPARATORS = {"people": "people", "other": "place"}

# Year labels the portal would not read as they stand, mapped explicitly. Every label in the
# current files is already in the portal's form (2019-20, or a span such as 2019-22).
PERIOD_FIXES: dict[str, str] = {}
_SLASHED = re.compile(r"^(\d{4})/(\d{2})$")


class LgbfError(ValueError):
    """The LGBF files are not as this importer expects; nothing is imported."""


def lgbf_period(year: str) -> str:
    """The portal's period label for an LGBF `Year`.

    `2019-20` is a financial year; a wider span such as `2019-22` is a multi-year aggregate
    (survey results pooled over those years). `2019/20` is read as `2019-20`. Anything else
    raises LgbfError naming the label.
    """
    text = PERIOD_FIXES.get(year.strip(), year.strip())
    if m := _SLASHED.fullmatch(text):
        text = f"{m.group(1)}-{m.group(2)}"
    try:
        return parse_period(text).label
    except PeriodError as error:
        raise LgbfError(f"LGBF year '{year}' cannot be read as a period: {error}") from error


def _decimals(number_format: str) -> int:
    match = re.search(r"0\.(0+)", number_format)
    return len(match.group(1)) if match else 0


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def is_perception(code: str, title: str) -> bool:
    return "satisfied with" in title.lower() or code in CARE_EXPERIENCE_SURVEY


def element_of(code: str, title: str, measure_type: str) -> str:
    if is_perception(code, title):
        return "perception"
    if measure_type == "Cost" and code not in NOT_A_COST:
        return "cost"
    return "outcome"


def is_percentage(code: str, measure_type: str) -> bool:
    """Published as a proportion (0.5 for 50%) and shown by the portal out of 100."""
    return measure_type == "Percentage" and code not in PERCENTAGE_POINTS


def unit_of(code: str, measure_type: str) -> str:
    return UNITS_BY_CODE.get(code) or UNITS_BY_MEASURE.get(measure_type, "")


def metric_rows(definitions: pd.DataFrame) -> list[dict[str, str]]:
    """One catalogue row per LGBF indicator, every cell text."""
    rows = []
    for d in definitions.to_dict("records"):
        code, title, measure = d["Code"].strip(), _clean(d["Title"]), d["MeasureType"].strip()
        polarity = POLARITY.get(d["Ranking_Type"].strip(), "neutral")
        target = ""
        notes = []
        if polarity == "target":
            if code not in GOLDILOCKS_TARGETS:
                raise LgbfError(
                    f"{code} is ranked 'Goldilocks' but has no target in GOLDILOCKS_TARGETS."
                )
            target, reason = GOLDILOCKS_TARGETS[code]
            notes.append(reason)
        element = element_of(code, title, measure)
        family = FAMILY_TYPES.get(d["FamilyGrouping"].strip())
        notes += _context_notes(code, element, family)
        numerator, denominator = _clean(d["Numerator_Correct"]), _clean(d["Denominator_Correct"])
        source = f"Local Government Benchmarking Framework, Improvement Service: {code}."
        if _clean(d["Source"]):
            source += f" {_clean(d['Source'])}"
        rows.append(
            {
                "code": f"{PREFIX}{code}",
                "title": title,
                "element": element,
                "unit": unit_of(code, measure),
                "polarity": polarity,
                "target_value": target,
                "decimals": str(_decimals(d["NumberFormat"])),
                "definition": _definition(code, title, measure, numerator, denominator),
                "source": f"{source} {OGL}",
                "numerator_label": numerator[:300],
                "denominator_label": denominator[:300],
                "frequency": FREQUENCY.get(d["ReportingPeriod"].strip(), "")[:40],
                "context_note": " ".join(notes),
                "sdl_reference": "",
                "theme": _clean(d["ISCategory"]),
                "licence": OGL_NAME,
                "attribution": ATTRIBUTION,
                "comparator": COMPARATORS.get(family[0], "") if family else "",
                "unit_limits": "false" if code in BEYOND_0_TO_100 else "",
            }
        )
    return rows


def _context_notes(code: str, element: str, family: tuple[str, str] | None) -> list[str]:
    """What a reader should know before comparing councils on the indicator."""
    notes = []
    if element == "cost":
        notes.append(
            "Real terms: the LGBF adjusts costs for inflation to the prices of its latest "
            "year, so years can be compared. Where it gives no real-terms figure, the cash "
            "figure is used and the value says so."
        )
    elif element == "perception":
        notes.append(
            "From a survey, so small councils' figures rest on few answers and can move "
            "from one period to the next by chance. Periods such as 2019-22 pool the survey "
            "years they span."
        )
    if code in MIDPOINT_NOTES:
        notes.append(MIDPOINT_NOTES[code])
    if code in NOT_A_COST:
        notes.append(
            "A measure of the local economy rather than of what the council spends, so it "
            "is shown with outcomes."
        )
    if code in UNIT_NOTES:
        notes.append(
            f"The LGBF publishes {UNIT_NOTES[code]} on a different scale from CLIM01 and "
            "CLIM02: emissions as held in its file per 1,000 residents. Compare councils "
            "with each other on these, not with the per-person figures."
        )
    if family:
        notes.append(
            f"The LGBF compares this indicator within its family groups for {family[1]} "
            f"(lgbf-family-{family[0]}-1 to 4)."
        )
    return notes


def _definition(code: str, title: str, measure: str, numerator: str, denominator: str) -> str:
    definition = [f"{title}."]
    if numerator and denominator:
        definition.append(
            f"Calculated from {numerator} (numerator) and {denominator} (denominator), "
            "as the LGBF publishes them."
        )
    if is_percentage(code, measure):
        definition.append("The LGBF publishes it as a proportion; the portal shows it out of 100.")
    return " ".join(definition)


def _times_100(text: str) -> str:
    """A published proportion as a percentage, exactly: '0.767' becomes '76.700'."""
    try:
        return str(Decimal(text) * 100)
    except InvalidOperation as error:
        raise LgbfError(f"'{text}' is not a number.") from error


def value_rows(
    indicators: pd.DataFrame, definitions: pd.DataFrame, councils: Mapping[str, str]
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The long values table, with what was skipped and other notes."""
    skipped: list[str] = []
    notes: list[str] = []
    frame = indicators.copy()
    known = set(definitions["Code"].str.strip())
    unknown = sorted(set(frame["Code"]) - known)
    if unknown:
        skipped.append(
            f"{(~frame['Code'].isin(known)).sum()} rows of indicators missing from the "
            f"definitions file: {', '.join(unknown)}."
        )
        frame = frame[frame["Code"].isin(known)]

    real = frame["LA_Value_Real"].str.strip()
    cash = frame["LA_Value_Cash"].str.strip()
    use_cash = (real == "") & (cash != "")
    frame["value"] = real.where(~use_cash, cash)
    frame["numerator"] = frame["LA_Numerator_Real"].where(~use_cash, frame["LA_Numerator_Cash"])
    frame["denominator"] = frame["LA_Denominator_Real"].where(
        ~use_cash, frame["LA_Denominator_Cash"]
    )
    measure = dict(zip(definitions["Code"].str.strip(), definitions["MeasureType"], strict=True))
    is_cost = frame["Code"].map(lambda c: element_of(c, "", measure[c]) == "cost")
    frame["note"] = ""
    frame.loc[use_cash & is_cost, "note"] = "Cash terms: the LGBF gives no real-terms figure."
    if use_cash.any():
        notes.append(f"{int(use_cash.sum())} values use the cash figure: no real-terms figure.")

    blank = frame["value"] == ""
    if blank.any():
        skipped.append(
            f"{int(blank.sum())} council-indicator-years with no figure in the LGBF file "
            "(left out, not counted as zero)."
        )
        frame = frame[~blank]

    not_registered = ~frame["gss_code"].str.upper().isin(councils.keys())
    if not_registered.any():
        for (name, gss), rows in frame[not_registered].groupby(["LocalAuthority", "gss_code"]):
            skipped.append(f"{name} ({gss}): not in the council register, {len(rows)} values.")
        frame = frame[~not_registered]

    percent = frame["Code"].map(lambda c: is_percentage(c, measure[c]))
    frame.loc[percent, "value"] = frame.loc[percent, "value"].map(_times_100)
    numbers = pd.to_numeric(frame["denominator"].str.strip(), errors="coerce")
    zero = numbers == 0
    if zero.any():
        notes.append(f"{int(zero.sum())} zero denominators left blank.")
        frame.loc[zero, "denominator"] = ""

    periods = {year: lgbf_period(year) for year in frame["Year"].unique()}
    values = pd.DataFrame(
        {
            "gss_code": frame["gss_code"].str.strip().str.upper(),
            "metric_code": PREFIX + frame["Code"].str.strip(),
            "period": frame["Year"].map(periods),
            "value": frame["value"].str.strip(),
            "numerator": frame["numerator"].str.strip(),
            "denominator": frame["denominator"].str.strip(),
            "note": frame["note"],
        }
    )
    return values, skipped, notes


def family_groupings(
    families: pd.DataFrame, indicators: pd.DataFrame
) -> tuple[list[Grouping], list[str]]:
    """The LGBF family groups, councils named by GSS code (the file gives names only)."""
    names = (
        indicators[["LocalAuthority", "gss_code"]]
        .drop_duplicates()
        .set_index("LocalAuthority")["gss_code"]
    )
    skipped = []
    groupings = []
    for (kind, label), rows in families.groupby(["Type", "Family_Group"], sort=True):
        if kind not in FAMILY_TYPES:
            skipped.append(f"Family groups of an unknown type were left out: {kind}.")
            continue
        short, services, basis = FAMILY_TYPES[kind]
        number = re.sub(r"\D", "", label)
        missing = sorted(set(rows["Local_Authority"]) - set(names.index))
        if missing:
            skipped.append(f"{label} ({short}): no GSS code for {', '.join(missing)}.")
        codes = sorted(names[n] for n in rows["Local_Authority"] if n in names.index)
        groupings.append(
            Grouping(
                slug=f"lgbf-family-{short}-{number}",
                name=f"LGBF family group {number}: {services}",
                description=(
                    f"One of the four family groups the Local Government Benchmarking Framework "
                    f"uses to compare Scottish councils on {services}. Councils are {basis}. "
                    f"{OGL}"
                ),
                gss_codes=codes,
            )
        )
    return groupings, skipped


def read(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    def text(path: Path) -> pd.DataFrame:
        return pd.read_csv(data_dir / path, dtype=str, keep_default_na=False, encoding="utf-8-sig")

    return text(INDICATORS), text(DEFINITIONS), text(FAMILIES)


def load(data_dir: Path, councils: Mapping[str, str]) -> DatasetContent:
    indicators, definitions, families = read(data_dir)
    metrics = metric_rows(definitions)
    values, skipped, notes = value_rows(indicators, definitions, councils)
    groupings, family_skipped = family_groupings(families, indicators)
    return DatasetContent(
        metrics=metrics,
        values=values_frame([values]),
        groupings=groupings,
        skipped=skipped + family_skipped,
        notes=notes,
    )
