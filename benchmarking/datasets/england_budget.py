"""English councils' budgeted net spending per head on each major service, 2016-17: unit costs
from the Revenue Account (RA) budget.

Pure. Reads MHCLG's RA budget 2016-17 individual local authority data in `data/finance/`
(budgeted net current expenditure by service line, £ thousand) and divides each service line
by the council's population, keeping both. A service line is only compared among the councils
responsible for the service (a district runs no social care, a county collects no waste).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from benchmarking.datasets.base import OGL, DatasetContent, register_lifetimes, values_frame
from benchmarking.datasets.england_finance import (
    PIKE,
    POPULATION_NOTE,
    finance_metric,
    finance_numbers,
    match_councils,
    part,
    population_2018,
    ratio,
    read_finance_csv,
    within_lives,
)

NAME = "england-budget"
TITLE = "English councils' budgeted net spending per head by service, 2016-17"
PUBLISHED = "MHCLG Revenue Account (RA) budget 2016-17, individual local authority data (2016)"
BUDGET = Path("finance") / "england_revenue_account_budget_RA_2016_17.csv"
BUDGET_COLUMNS = Path("finance") / "england_revenue_account_budget_RA_2016_17_columns.csv"
FILES = (str(BUDGET), str(BUDGET_COLUMNS), str(PIKE))
LICENCE = (
    "Revenue Account (RA) budget 2016-17 individual local authority data, Department for "
    f"Communities and Local Government. {OGL}"
)
SOURCE = (
    "DCLG, Revenue Account (RA) budget 2016-17, individual local authority data (committed by "
    "BBC-Data-Unit/council-reserves); population from Pike et al.'s commercial finance file "
    f"(ONS mid-2018 estimates). {OGL}"
)
PERIOD = "2016-17"

UPPER = ("SC", "UA", "MD", "L")  # counties, unitaries, metropolitan and London boroughs
LOWER = ("SD", "UA", "MD", "L")  # districts, unitaries, metropolitan and London boroughs
EVERY = ("SC", "SD", "UA", "MD", "L")


class Service(NamedTuple):
    code: str
    column: str
    name: str  # as in "net spending on … per head"
    classes: tuple[str, ...]  # the councils responsible for it


SERVICES = (
    Service("fin-ra-education-per-head", "ra190_total_education_services", "education", UPPER),
    Service(
        "fin-ra-highways-per-head",
        "ra290_total_highways_and_transport_services",
        "highways and transport",
        EVERY,
    ),
    Service(
        "fin-ra-childrens-care-per-head",
        "ra330_total_children_s_social_care",
        "children's social care",
        UPPER,
    ),
    Service(
        "fin-ra-adult-care-per-head", "ra360_total_adult_social_care", "adult social care", UPPER
    ),
    Service("fin-ra-public-health-per-head", "ra390_total_public_health", "public health", UPPER),
    Service(
        "fin-ra-housing-per-head",
        "ra490_total_housing_services_gfra_only",
        "housing (general fund)",
        LOWER,
    ),
    Service("fin-ra-homelessness-per-head", "ra440_homelessness", "homelessness", LOWER),
    Service(
        "fin-ra-culture-per-head",
        "ra509_total_cultural_and_related_services",
        "cultural and related services",
        EVERY,
    ),
    Service("fin-ra-libraries-per-head", "ra505_library_service", "libraries", UPPER),
    Service(
        "fin-ra-environment-per-head",
        "ra590_total_environmental_and_regulatory_services",
        "environmental and regulatory services",
        EVERY,
    ),
    Service(
        "fin-ra-waste-collection-per-head", "ra581_waste_collection", "waste collection", LOWER
    ),
    Service("fin-ra-waste-disposal-per-head", "ra582_waste_disposal", "waste disposal", UPPER),
    Service(
        "fin-ra-street-cleansing-per-head",
        "ra570_street_cleansing_not_chargeable_to_highways",
        "street cleansing",
        LOWER,
    ),
    Service(
        "fin-ra-planning-per-head",
        "ra599_total_planning_and_development_services",
        "planning and development",
        EVERY,
    ),
    Service("fin-ra-central-per-head", "ra690_total_central_services", "central services", EVERY),
    Service(
        "fin-ra-total-services-per-head",
        "ra799_total_service_expenditure",
        "all services",
        EVERY,
    ),
)
WHO = {
    UPPER: "counties, unitaries, metropolitan and London boroughs",
    LOWER: "districts, unitaries, metropolitan and London boroughs",
    EVERY: "every council",
}


def _metric(service: Service) -> dict[str, str]:
    line = service.column.split("_")[0][2:]
    return finance_metric(
        service.code,
        source=SOURCE,
        attribution="DCLG, Revenue Account (RA) budget 2016-17.",
        title=f"Budgeted net spending on {service.name} per head",
        unit="£ per head",
        polarity="neutral",
        decimals="2",
        frequency="One year (2016-17)",
        definition=(
            f"Budgeted net current expenditure on {service.name} for 2016-17 (RA line {line}, "
            f"column {service.column}, £ thousand, times 1,000) divided by the council's "
            f"population. Only for the councils responsible: {WHO[service.classes]}. "
            f"{POPULATION_NOTE}"
        ),
        numerator_label=f"Budgeted net current expenditure on {service.name} (£)",
        denominator_label="Population, mid-2018",
        context_note=(
            "A budget, not outturn. Net of the service's own income and specific grants. "
            "Spending follows need and local choices, so neither high nor low is better: read "
            "it beside the service's outcomes. In two-tier areas the county and the district "
            "each spend on parts of some services."
        ),
    )


METRICS = [_metric(s) for s in SERVICES]


def read(data_dir: Path) -> pd.DataFrame:
    path = Path(data_dir) / BUDGET
    needed = ("financial_year", "ecode", "ons_code", "la_name", "la_class")
    frame = read_finance_csv(path, (*needed, *(s.column for s in SERVICES)))
    for service in SERVICES:
        finance_numbers(frame, service.column, path)
    years = set(frame["financial_year"].str.strip())
    if years != {PERIOD}:
        raise ValueError(
            f"{path.name} should hold {PERIOD} only; it has {', '.join(sorted(years))}."
        )
    return frame


def load(data_dir: Path, councils: Mapping[str, str]) -> DatasetContent:
    data_dir = Path(data_dir)
    raw = read(data_dir)
    is_council = raw["la_class"].str.strip().isin(EVERY)
    skipped = [
        f"{int((~is_council).sum())} budgets of police, fire, parks, waste, transport and "
        "combined authorities and the GLA left out: they are not councils."
    ]
    frame = raw[is_council].copy()
    gss, unmatched, notes = match_councils(frame, councils)
    skipped += unmatched
    frame = frame.assign(gss_code=gss)[gss != ""]
    people = population_2018(data_dir)
    population = frame["gss_code"].map(people)
    no_people = frame.loc[population.isna(), "la_name"]
    if len(no_people):
        skipped.append(
            f"No mid-2018 population in Pike et al.'s file for {len(no_people)} councils (most "
            f"abolished before 2019-20), so no figures per head: {', '.join(no_people)}."
        )
    classes = frame["la_class"].str.strip()
    parts = []
    for service in SERVICES:
        spend = pd.to_numeric(frame[service.column].str.strip(), errors="coerce") * 1000
        spend = spend.where(classes.isin(service.classes))
        parts.append(
            part(
                frame["gss_code"],
                service.code,
                PERIOD,
                ratio(spend, population, scale=1),
                spend,
                population,
            )
        )
    values, outside = within_lives(values_frame(parts), register_lifetimes(data_dir))
    return DatasetContent(
        metrics=[dict(m) for m in METRICS],
        values=values,
        skipped=skipped + outside,
        notes=notes,
    )
