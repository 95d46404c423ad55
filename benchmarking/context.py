"""Context variables for finding similar councils, assembled from public files.

Sources (copies ship in the project's ``data/`` folder):

* ``councils/uk_local_authorities.csv``: the council register (mySociety), for names, types,
  ``pop-2020``, ``area`` and the county of each district (``county-la``, a 3-letter
  ``local-authority-code``, not a GSS code);
* ``councils/lad_all_codes_since2011.csv``: the successor (``LADCD_ACTIVE``) of every district
  since 2011, to carry figures on old boundaries over to today's councils;
* ``context/population_census_2011_2021_lad21.csv``: Census 2011 and 2021, England and Wales;
* ``context/england_imd2025_lad24_summaries.csv``: English Indices of Deprivation 2025;
* ``context/england_imd2019_lad19_summaries.csv``: English Indices of Deprivation 2019, only
  for districts abolished before the 2025 release (similar councils of past periods);
* ``context/wales_wimd2019_lad_summaries.csv``: Welsh Index of Multiple Deprivation 2019;
* ``context/scotland_simd2020_lad_summaries.csv``: Scottish Index of Multiple Deprivation 2020;
* ``benchmarks/scotland_lgbf_indicators_2010_2024.csv``: Scottish councils' context figures
  published with the LGBF (children in poverty, road length, mid-year population);
* ``finance/england_core_spending_power_gbp_millions_2012_2021.csv``: core spending power.

The deprivation indices of the three nations are measured differently, so a deprivation
column holds each nation's own measure (see ``CONTEXT_VARIABLES``) and councils must only be
compared with councils of the same nation, which ``council_pools`` ensures.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarking.similarity import similar_councils

COUNCIL_TYPES = ("CTY", "UA", "MD", "LBO", "CC", "NMD", "SCO", "WPA", "NID")
SINGLE_TIER_TYPES = ("UA", "MD", "LBO", "CC")

SOURCE_FILES = {
    "register": "councils/uk_local_authorities.csv",
    "lad_codes": "councils/lad_all_codes_since2011.csv",
    "census": "context/population_census_2011_2021_lad21.csv",
    "imd_england": "context/england_imd2025_lad24_summaries.csv",
    "imd_england_2019": "context/england_imd2019_lad19_summaries.csv",
    "wimd": "context/wales_wimd2019_lad_summaries.csv",
    "simd": "context/scotland_simd2020_lad_summaries.csv",
    "lgbf": "benchmarks/scotland_lgbf_indicators_2010_2024.csv",
    "spending_power": "finance/england_core_spending_power_gbp_millions_2012_2021.csv",
}
_READ_OPTIONS = {
    "lgbf": {
        "usecols": [
            "Code",
            "LocalAuthority",
            "gss_code",
            "Year",
            "LA_Value_Real",
            "LA_Denominator_Real",
        ],
        "dtype": {"Code": str, "gss_code": str, "Year": str},
    },
}

CONTEXT_VARIABLES: dict[str, str] = {
    "population": "Residents: ONS mid-2020 estimate (register), else Census 2021.",
    "density": "Residents per square kilometre: population divided by area.",
    "population_change_pct": "Population change between the 2011 and 2021 censuses, %.",
    "pct_under_20": "Share of residents aged under 20, Census 2021, %.",
    "pct_over_65": "Share of residents aged 65 and over, Census 2021, %.",
    "deprivation_score": "Average deprivation score: IMD 2025 (England), WIMD 2019 (Wales).",
    "most_deprived_10pct_share": (
        "Share of small areas in the nation's most deprived 10%: IMD 2025, WIMD 2019, SIMD 2020."
    ),
    "income_deprivation": "Income domain: average score (England, Wales), share (Scotland).",
    "employment_deprivation": "Employment domain: as for income.",
    "education_deprivation": "Education, skills and training domain: as for income.",
    "health_deprivation": "Health deprivation and disability domain: as for income.",
    "crime_deprivation": "Crime domain: as for income.",
    "housing_deprivation": (
        "Barriers to housing and services (England), housing (Wales, Scotland) domain."
    ),
    "access_deprivation": "Access to services domain (Wales, Scotland only).",
    "environment_deprivation": "Living environment (England), physical environment (Wales).",
    "deprivation_extent": (
        "Share of residents living in the nation's most deprived areas (the index's extent)."
    ),
    "area": "Area in square kilometres (register).",
    "child_poverty_pct": "Children living in poverty after housing costs, % (Scotland, LGBF).",
    "road_km_per_1000": "Length of road the council maintains per 1,000 residents (Scotland).",
    "spending_power_per_head": "Core spending power per resident, £, 2020-21 (England).",
}

DEPRIVATION_DOMAINS = [
    "income_deprivation",
    "employment_deprivation",
    "education_deprivation",
    "health_deprivation",
    "crime_deprivation",
    "housing_deprivation",
    "access_deprivation",
    "environment_deprivation",
]

# Headline measures count fully; the domains are partly repeats of the overall score, so
# together they count about as much as two headline measures.
DEFAULT_WEIGHTS: dict[str, float] = {
    "population": 1.0,
    "density": 1.0,
    "population_change_pct": 1.0,
    "pct_under_20": 1.0,
    "pct_over_65": 1.0,
    "deprivation_score": 1.0,
    "most_deprived_10pct_share": 1.0,
    **dict.fromkeys(DEPRIVATION_DOMAINS, 0.25),
}
LOG_VARIABLES = ("population", "density")

# Measures a nation's deprivation index or data does not have at all, so their absence is not a
# gap in one council's figures.
NOT_APPLICABLE: dict[str, tuple[str, ...]] = {
    "England": ("access_deprivation", "child_poverty_pct", "road_km_per_1000"),
    "Wales": ("child_poverty_pct", "road_km_per_1000", "spending_power_per_head"),
    "Scotland": ("deprivation_score", "environment_deprivation", "spending_power_per_head"),
    "Northern Ireland": ("child_poverty_pct", "road_km_per_1000", "spending_power_per_head"),
}

_IMD_ENGLAND = {
    "imd_average_score": "deprivation_score",
    "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally": (
        "most_deprived_10pct_share"
    ),
    "income_average_score": "income_deprivation",
    "employment_average_score": "employment_deprivation",
    "education_skills_and_training_average_score": "education_deprivation",
    "health_deprivation_and_disability_average_score": "health_deprivation",
    "crime_average_score": "crime_deprivation",
    "barriers_to_housing_and_services_average_score": "housing_deprivation",
    "living_environment_average_score": "environment_deprivation",
    "imd25_extent": "deprivation_extent",
}
# IMD 2019 has one domain for barriers to housing and services, as IMD 2025 does.
_IMD_ENGLAND_2019 = {
    "Score": "deprivation_score",
    "Proportion": "most_deprived_10pct_share",
    "Income_Score": "income_deprivation",
    "Employment_Score": "employment_deprivation",
    "Education_Score": "education_deprivation",
    "Health_Score": "health_deprivation",
    "Crime_Score": "crime_deprivation",
    "Housing_and_Access_Score": "housing_deprivation",
    "Environment_Score": "environment_deprivation",
    "Extent": "deprivation_extent",
}
_WIMD = {
    "Score": "deprivation_score",
    "Proportion": "most_deprived_10pct_share",
    "Income_Score": "income_deprivation",
    "Employment_Score": "employment_deprivation",
    "Education_Score": "education_deprivation",
    "Health_Score": "health_deprivation",
    "Crime_Score": "crime_deprivation",
    "Housing_Score": "housing_deprivation",
    "Access_Score": "access_deprivation",
    "Environment_Score": "environment_deprivation",
    "Extent": "deprivation_extent",
}
_SIMD = {
    "Proportion": "most_deprived_10pct_share",
    "Extent": "deprivation_extent",
    "Income_Extent": "income_deprivation",
    "Employment_Extent": "employment_deprivation",
    "Education_Extent": "education_deprivation",
    "Health_Extent": "health_deprivation",
    "Crime_Extent": "crime_deprivation",
    "Housing_Extent": "housing_deprivation",
    "Access_Extent": "access_deprivation",
}
_CENSUS = ["pop_census2011", "pop_census2021", "pct_under20_2021", "pct_over65_2021"]


def read_sources(data_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Read the source files from a data folder laid out as ``SOURCE_FILES``."""
    root = Path(data_dir)
    return {
        name: pd.read_csv(root / path, **_READ_OPTIONS.get(name, {}))
        for name, path in SOURCE_FILES.items()
    }


def current_councils(register: pd.DataFrame) -> pd.DataFrame:
    """Current councils from the raw register, one row per GSS code."""
    current = register["current-authority"].astype(str).str.lower().eq("true")
    councils = register[current & register["local-authority-type"].isin(COUNCIL_TYPES)]
    councils = councils.set_index("gss-code")
    if not councils.index.is_unique:
        raise ValueError("The register lists a current council's GSS code more than once.")
    return councils


def era_councils(register: pd.DataFrame, codes) -> pd.DataFrame:
    """The register's councils with these GSS codes, current or not, one row per code."""
    wanted = register["gss-code"].isin(set(codes))
    councils = register[wanted & register["local-authority-type"].isin(COUNCIL_TYPES)]
    return councils.drop_duplicates("gss-code").set_index("gss-code")


def successor_codes(
    register: pd.DataFrame, lad_codes: pd.DataFrame, councils: pd.DataFrame | None = None
) -> pd.Series:
    """Map any GSS code used since 2011 to the GSS code of today's council (or of one of
    ``councils``, the councils of an earlier era).

    A council's own code maps to itself (even where ONS later issued a new code, as for
    Barnsley and Sheffield); former codes listed in the register map to their council; other
    old district codes follow ``LADCD_ACTIVE``. Codes of councils formed later map to nothing.
    """
    if councils is None:
        councils = current_councils(register)
    mapping = {code: code for code in councils.index}
    former = councils["former-gss-codes"].dropna().str.split(",").explode().str.strip()
    for new, old in former.items():
        mapping.setdefault(old, new)
    for old, active in zip(lad_codes["LADCD"], lad_codes["LADCD_ACTIVE"], strict=True):
        target = mapping.get(active)
        if target is not None:
            mapping.setdefault(old, target)
    return pd.Series(mapping, name="gss_code")


def _weighted_mean(frame: pd.DataFrame, by: pd.Series, weight: pd.Series) -> pd.DataFrame:
    """Weighted mean of every column by ``by``, ignoring missing values."""
    present = frame.notna()
    w = present.mul(weight, axis=0)
    totals = frame.fillna(0).mul(w).groupby(by).sum()
    weights = w.groupby(by).sum()
    return totals / weights.where(weights > 0)


def _census_by_council(census: pd.DataFrame, successor: pd.Series) -> pd.DataFrame:
    target = census["lad21cd"].map(successor)
    data = census.loc[target.notna(), _CENSUS].astype("float64")
    target = target[target.notna()]
    out = data.groupby(target)[["pop_census2011", "pop_census2021"]].sum()
    shares = _weighted_mean(
        data[["pct_under20_2021", "pct_over65_2021"]], target, data["pop_census2021"]
    )
    out["pct_under_20"] = shares["pct_under20_2021"]
    out["pct_over_65"] = shares["pct_over65_2021"]
    computed = (out["pop_census2021"] / out["pop_census2011"] - 1) * 100
    by_target = census.loc[target.index, "pop_change_pct_2011_2021"].groupby(target)
    # Published change where one census area is one council; computed for merged councils.
    single = by_target.size().eq(1)
    out["population_change_pct"] = by_target.first().where(single, computed)
    return out


def _deprivation(
    frame: pd.DataFrame,
    code: str,
    columns: Mapping[str, str],
    successor: pd.Series,
    weight: pd.Series,
) -> pd.DataFrame:
    target = frame[code].map(successor)
    keep = target.notna()
    data = frame.loc[keep, list(columns)].astype("float64").rename(columns=columns)
    w = frame.loc[keep, code].map(weight).fillna(1.0)
    return _weighted_mean(data, target[keep], w)


def _older_imd(
    imd_2019: pd.DataFrame | None,
    imd_2025: pd.DataFrame,
    successor: pd.Series,
    weight: pd.Series,
) -> pd.DataFrame:
    """IMD 2019 for the districts IMD 2025 does not cover: those abolished since 2019."""
    if imd_2019 is None or imd_2019.empty:
        return pd.DataFrame(columns=list(_IMD_ENGLAND_2019.values()), dtype="float64")
    older = imd_2019[~imd_2019["ltla19_code"].isin(set(imd_2025["ltla24_code"]))]
    return _deprivation(older, "ltla19_code", _IMD_ENGLAND_2019, successor, weight)


def _latest_full_year(lgbf: pd.DataFrame, code: str, column: str) -> pd.Series:
    """One LGBF series for its latest year with a figure for at least 30 of the 32 councils."""
    rows = lgbf[lgbf["Code"].eq(code) & lgbf[column].notna()]
    counts = rows.groupby("Year").size()
    full = sorted(year for year, n in counts.items() if n >= 30 and len(year) == 7)
    if not full:
        return pd.Series(dtype="float64")
    latest = rows[rows["Year"].eq(full[-1])]
    return latest.groupby("gss_code")[column].first().astype("float64")


def _lgbf_context(lgbf: pd.DataFrame | None) -> pd.DataFrame:
    """Scottish context published with the LGBF: children in poverty (CHN24, %), road length
    (ENV04a's denominator, km) and population change from the mid-year estimates behind
    ENV03a (2011-12 to 2021-22, the same ten years as the censuses elsewhere)."""
    columns = ["child_poverty_pct", "road_km", "population_change_pct"]
    if lgbf is None or lgbf.empty:
        return pd.DataFrame(columns=columns, dtype="float64")
    out = pd.DataFrame({"child_poverty_pct": _latest_full_year(lgbf, "CHN24", "LA_Value_Real")})
    out["child_poverty_pct"] *= 100  # published as a fraction
    out["road_km"] = _latest_full_year(lgbf, "ENV04a", "LA_Denominator_Real")
    population = lgbf[lgbf["Code"].eq("ENV03a")].pivot_table(
        index="gss_code", columns="Year", values="LA_Denominator_Real", aggfunc="first"
    )
    if {"2011-12", "2021-22"} <= set(population.columns):
        change = (population["2021-22"] / population["2011-12"] - 1) * 100
        out["population_change_pct"] = change
    return out.reindex(columns=columns)


def _spending_power(
    spending_power: pd.DataFrame | None, councils: pd.DataFrame, year: str = "2021"
) -> pd.Series:
    """Core spending power in £ for today's councils whose code (or former code) it lists.

    Councils formed since (such as Cumberland) get none: their predecessors' figures mix
    county and district shares of services and cannot simply be added up."""
    if spending_power is None or year not in spending_power.columns:
        return pd.Series(dtype="float64")
    former = councils["former-gss-codes"].dropna().str.split(",").explode().str.strip()
    code = {gss: gss for gss in councils.index}
    code.update({old: new for new, old in former.items() if old not in code})
    target = spending_power["ons_code"].map(code)
    amount = pd.to_numeric(spending_power[year], errors="coerce") * 1_000_000
    found = pd.DataFrame({"target": target, "amount": amount}).dropna()
    found = found[~found["target"].duplicated(keep=False)]
    return found.set_index("target")["amount"]


def _with_counties(
    lower: pd.DataFrame, councils: pd.DataFrame, pop_register: pd.Series
) -> pd.DataFrame:
    """``lower`` (figures by lower-tier council) with a row for each county council: its
    districts' populations summed and their other figures population-weighted, the districts
    found by the register's county-la."""
    county_codes = councils.loc[councils["local-authority-type"] == "CTY"]
    county_of = councils["county-la"].map(
        pd.Series(county_codes.index, index=county_codes["local-authority-code"])
    )
    districts = county_of.dropna()
    district_data = lower.reindex(districts.index)
    district_pop = pop_register.reindex(districts.index).fillna(district_data["pop_census2021"])
    # Districts abolished before 2021 have no population in the data: where none of a county's
    # districts has one, they count equally rather than leaving the county without figures.
    unknown = district_pop.isna().groupby(districts).transform("all")
    district_pop = district_pop.where(~unknown, 1.0)
    county_means = _weighted_mean(
        district_data.drop(columns=["pop_census2011", "pop_census2021"]),
        districts,
        district_pop,
    )
    county_sums = (
        district_data[["pop_census2011", "pop_census2021"]].groupby(districts).sum(min_count=1)
    )
    county = county_sums.join(county_means)
    county["population_change_pct"] = (
        county["pop_census2021"] / county["pop_census2011"] - 1
    ) * 100
    return pd.concat([lower.drop(index=county.index, errors="ignore"), county])


def build_context(
    register: pd.DataFrame,
    census: pd.DataFrame,
    imd_england: pd.DataFrame,
    wimd: pd.DataFrame,
    simd: pd.DataFrame,
    lad_codes: pd.DataFrame,
    lgbf: pd.DataFrame | None = None,
    spending_power: pd.DataFrame | None = None,
    imd_england_2019: pd.DataFrame | None = None,
    *,
    codes=None,
    spending_year: str = "2021",
) -> pd.DataFrame:
    """Context variables for every current council (or the councils with these GSS
    ``codes``, those of an earlier era), indexed by GSS code.

    Columns: ``name``, ``nation``, ``local_authority_type``, ``local_authority_code``, then the
    variables in ``CONTEXT_VARIABLES``. Figures on old district boundaries are carried to the
    current council, and county councils get their districts' figures, both population-weighted.
    ``lgbf`` and ``spending_power`` add the variables only they hold (Scotland; England);
    ``imd_england_2019`` gives English districts abolished before IMD 2025 their deprivation.
    """
    councils = current_councils(register) if codes is None else era_councils(register, codes)
    successor = successor_codes(register, lad_codes, councils)
    pop_register = pd.to_numeric(councils["pop-2020"], errors="coerce")
    area = pd.to_numeric(councils["area"], errors="coerce")

    census_by = _census_by_council(census, successor)
    census_weight = census.set_index("lad21cd")["pop_census2021"].astype("float64")
    weight = census_weight.combine_first(pop_register)
    deprivation = pd.concat(
        [
            _deprivation(imd_england, "ltla24_code", _IMD_ENGLAND, successor, weight),
            _older_imd(imd_england_2019, imd_england, successor, weight),
            _deprivation(wimd, "ltla22_code", _WIMD, successor, weight),
            _deprivation(simd, "ltla24_code", _SIMD, successor, weight),
        ]
    )
    deprivation = deprivation[~deprivation.index.duplicated()]

    lower = census_by.join(deprivation, how="outer")
    lower = _with_counties(lower, councils, pop_register)

    out = pd.DataFrame(
        {
            "name": councils["nice-name"],
            "nation": councils["nation"],
            "local_authority_type": councils["local-authority-type"],
            "local_authority_code": councils["local-authority-code"],
        }
    )
    out.index.name = "gss_code"
    lower = lower.reindex(out.index)
    population = pop_register.fillna(lower["pop_census2021"])
    out["population"] = population
    out["density"] = population / area.where(area > 0)
    for variable in list(CONTEXT_VARIABLES)[2:]:
        out[variable] = lower[variable].astype("float64") if variable in lower else np.nan
    out["area"] = area.where(area > 0)
    scottish = _lgbf_context(lgbf).reindex(out.index)
    out["child_poverty_pct"] = scottish["child_poverty_pct"]
    out["road_km_per_1000"] = scottish["road_km"] / population * 1000
    out["population_change_pct"] = out["population_change_pct"].fillna(
        scottish["population_change_pct"]
    )
    spending = _spending_power(spending_power, councils, spending_year)
    out["spending_power_per_head"] = spending / population
    return out


def missing_variables(context: pd.DataFrame) -> pd.Series:
    """For each council lacking any context variable, the list of variables it lacks.

    Measures a nation's index does not have at all (``NOT_APPLICABLE``) are not counted.
    """
    present = [v for v in CONTEXT_VARIABLES if v in context.columns]
    lacking = context[present].isna()
    for nation, variables in NOT_APPLICABLE.items():
        rows = context["nation"].eq(nation)
        cols = [v for v in variables if v in present]
        lacking.loc[rows, cols] = False
    lacking = lacking[lacking.any(axis=1)]
    return pd.Series(
        [[v for v in present if row[v]] for _, row in lacking.iterrows()],
        index=lacking.index,
        name="missing",
        dtype=object,
    )


def council_pools(context: pd.DataFrame) -> pd.Series:
    """Pool label per council: nation, and in England the tier, so like is compared with like."""
    nation = context["nation"].astype(str)
    kind = context["local_authority_type"]
    # Districts are compared with districts; counties with unitary, metropolitan and London
    # councils, which deliver the same upper-tier services (social care, education, roads).
    tier = np.select(
        [kind.eq("NMD"), kind.eq("CTY") | kind.isin(SINGLE_TIER_TYPES)],
        ["district councils", "upper-tier and unitary councils"],
        "councils",
    )
    return (nation + ": " + pd.Series(tier, index=context.index)).rename("pool")


def find_similar_councils(context: pd.DataFrame, k: int = 15) -> pd.DataFrame:
    """Similar councils with the portal's default pools, weights and log transforms."""
    variables = [v for v in DEFAULT_WEIGHTS if v in context.columns]
    return similar_councils(
        context[variables],
        council_pools(context),
        weights={v: DEFAULT_WEIGHTS[v] for v in variables},
        k=k,
        log_variables=LOG_VARIABLES,
    )
