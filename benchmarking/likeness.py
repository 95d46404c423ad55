"""What makes a council's similar councils alike: the figures behind "Councils like …".

A pure module. For one similarity set it takes the context figures of every council in the
council's pool, standardises each variable over the pool as ``similarity`` does (logarithms
first for the skewed ones), and for each variable measures how far the council's similar
councils sit from it: the average gap in standard scores. The variables with the smallest
gaps are what the councils have most in common; those with the largest are where they differ
most (docs/method/similar-councils.md, "What makes councils alike").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from django.utils.translation import gettext_lazy as _

from benchmarking import charts
from benchmarking.similarity import standardise

LOGGED = ("population", "density", "area", "road_km_per_1000", "spending_power_per_head")

VARIABLE_WORDS = {
    "population": _("population"),
    "density": _("people per square kilometre"),
    "population_change_pct": _("population growth over ten years"),
    "pct_under_20": _("share of residents under 20"),
    "pct_over_65": _("share of residents aged 65 and over"),
    "deprivation_score": _("average deprivation score"),
    "most_deprived_10pct_share": _("share of areas in the nation's most deprived tenth"),
    "income_deprivation": _("income deprivation"),
    "employment_deprivation": _("employment deprivation"),
    "education_deprivation": _("education and skills deprivation"),
    "health_deprivation": _("health deprivation and disability"),
    "crime_deprivation": _("crime"),
    "housing_deprivation": _("barriers to housing"),
    "access_deprivation": _("access to services"),
    "environment_deprivation": _("living environment"),
    "deprivation_extent": _("share of residents in the most deprived areas"),
    "area": _("area"),
    "child_poverty_pct": _("children in poverty"),
    "road_km_per_1000": _("road length per 1,000 residents"),
    "spending_power_per_head": _("spending power per resident"),
}


def words(variable: str) -> str:
    return str(VARIABLE_WORDS.get(variable, variable.replace("_", " ")))


def profile(
    figures: pd.DataFrame, council: str, neighbours: Sequence[str], variables: Sequence[str]
) -> pd.DataFrame:
    """One row per variable the council has a figure for, closest first.

    ``figures``: the pool's councils (GSS code index) by variable. Columns: ``variable``,
    ``value`` (the council's figure), ``family_median``, ``family_low``, ``family_high`` (of
    the similar councils' figures), ``score`` (the council's standard score in the pool),
    ``family_scores`` (the similar councils' standard scores, in ``neighbours`` order, None
    where missing) and ``gap`` (the average absolute difference in standard scores).
    """
    present = [v for v in variables if v in figures.columns]
    columns = [
        "variable",
        "value",
        "family_median",
        "family_low",
        "family_high",
        "score",
        "family_scores",
        "gap",
    ]
    if council not in figures.index or not present:
        return pd.DataFrame(columns=columns)
    raw = figures[present].astype("float64")
    logged = raw.copy()
    for variable in present:
        if variable in LOGGED:
            logged[variable] = np.log(raw[variable].where(raw[variable] > 0))
    z, spread = standardise(logged.to_numpy())
    scores = pd.DataFrame(z, index=raw.index, columns=present)
    family = [n for n in neighbours if n in raw.index]
    rows = []
    for i, variable in enumerate(present):
        value = raw.at[council, variable]
        if pd.isna(value) or not spread[i]:
            continue
        theirs = raw.loc[family, variable]
        gaps = (scores.loc[family, variable] - scores.at[council, variable]).abs()
        rows.append(
            {
                "variable": variable,
                "value": float(value),
                "family_median": float(theirs.median()) if theirs.notna().any() else None,
                "family_low": float(theirs.min()) if theirs.notna().any() else None,
                "family_high": float(theirs.max()) if theirs.notna().any() else None,
                "score": round(float(scores.at[council, variable]), 3),
                "family_scores": [
                    None if pd.isna(s) else round(float(s), 3) for s in scores.loc[family, variable]
                ],
                "gap": float(gaps.mean()) if gaps.notna().any() else np.nan,
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values("gap", kind="stable", ignore_index=True)


def nearest_and_furthest(table: pd.DataFrame, n: int = 3) -> tuple[list[str], list[str]]:
    """The ``n`` variables with the smallest gap, and the (up to) two with the largest that
    are not already among the nearest."""
    ordered = table.dropna(subset=["gap"])["variable"].tolist()
    nearest = ordered[:n]
    furthest = [v for v in reversed(ordered) if v not in nearest][:2]
    return nearest, furthest


def pair_words(shares: Mapping[str, float], n: int = 2) -> tuple[list[str], list[str]]:
    """For one pair of councils: the ``n`` variables adding least to their distance, and the one
    adding most (if it is not among those)."""
    ordered = sorted(shares, key=shares.get)
    nearest = ordered[:n]
    furthest = [v for v in ordered[::-1][:1] if v not in nearest]
    return nearest, furthest


def _figure_text(value) -> str:
    if value is None or pd.isna(value):
        return charts.NO_DATA
    value = float(value)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def profile_chart(table: pd.DataFrame, *, council_name: str, family_words: str) -> charts.Chart:
    """A dot plot: one row per variable, the similar councils as grey dots and the council as
    a blue diamond, on the pool's standard-score scale (0 is the pool's average)."""
    columns = [
        ("variable", "Figure"),
        ("value", council_name),
        ("family_median", "Median of similar councils"),
        ("family_low", "Lowest"),
        ("family_high", "Highest"),
    ]
    records = table.to_dict("records")
    shown = [
        {
            "variable": words(r["variable"]),
            **{k: charts.NO_DATA if r[k] is None else r[k] for k, _ in columns[1:]},
        }
        for r in records
    ]
    display = [[row["variable"]] + [_figure_text(row[k]) for k, _ in columns[1:]] for row in shown]
    if not records:
        chart = charts._empty(f"No context figures for {council_name}.", columns, 200)
        return charts.Chart(chart.figure, chart.summary, shown, columns, display)
    labels = [words(r["variable"]) for r in records]
    xs, ys = [], []
    for label, r in zip(labels, records, strict=True):
        for score in r["family_scores"]:
            if score is not None:
                xs.append(score)
                ys.append(label)
    data = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": charts._plotly_text(family_words),
            "x": xs,
            "y": ys,
            "marker": {"color": charts.DARK_GREY, "size": 7, "opacity": 0.6},
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": charts._plotly_text(council_name),
            "x": [r["score"] for r in records],
            "y": labels,
            "marker": {"color": charts.BLUE, "size": 13, "symbol": "diamond"},
        },
    ]
    layout = charts._base_layout(
        90 + 34 * len(records),
        xaxis={
            "title": {"text": "Below average ← standard score in the pool → above average"},
            "zeroline": True,
            "zerolinecolor": charts.MID_GREY,
            "gridcolor": charts.GRID,
        },
        yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
        margin={"l": 10, "r": 30, "t": 30, "b": 90, "pad": 4},
    )
    summary = (
        f"{council_name} (diamond) against {family_words} (dots) on {len(records)} figures, "
        f"closest first. The scale is the standard score among the councils compared: 0 is "
        f"their average."
    )
    return charts.Chart(charts._figure(data, layout), summary, shown, columns, display)
