"""Similar councils per kind of service, and how well they match the LGBF family groups.

Four similarity sets (docs/method/similar-councils.md):

* ``overall``: every context variable (``context.DEFAULT_WEIGHTS``), as before;
* ``people``: for education, social care and housing, driven by deprivation and age;
* ``place``: for waste, roads, planning and leisure, driven by size, density and sparsity;
* ``finance``: for reserves, debt and budgets, driven by size, spending power and deprivation.

The variables of each set are chosen beforehand from what drives the cost and demand of that
kind of service. Their weights come from evidence in the Scottish LGBF figures of one year,
kept in ``data/similar_council_sets.csv``:

* people: each variable's weight is the average share of the variation in the people-service
  figures it explains (the squared rank correlation, averaged over the indicators):
  ``evidence_weights``;
* place: the weights under which a council's nearest councils best predict its own
  place-service figures (each left out of its own prediction): ``knn_weights``. The place
  figures are only loosely tied to any one variable, so a variable's own correlation says
  little about how much it helps find councils with similar figures.

The check: the Scottish LGBF family groups (four groups of eight councils for people services,
four for everything else) are the one published grouping to hold similar councils against.
``overlap_at_k`` is the share of a council's ``k`` nearest councils that are in its family,
averaged over councils.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarking.context import (
    DEFAULT_WEIGHTS,
    LOG_VARIABLES,
    SOURCE_FILES,
    council_pools,
)
from benchmarking.datasets.base import files_digest
from benchmarking.similarity import similar_councils, standardise

KINDS = ("overall", "people", "place", "finance")
# Comparison group prefixes: `similar:<gss>` stays the overall set.
SIMILAR_PREFIXES = {"similar": "overall"} | {f"similar-{k}": k for k in KINDS[1:]}
SETS_FILE = Path(__file__).resolve().parent.parent / "data" / "similar_council_sets.csv"

# Rules for a measure whose catalogue entry does not name its set: LGBF codes follow the LGBF's
# own split (children, social work and housing are compared by deprivation), the finance
# measures compare on finance.
_PREFIX_KIND = (
    ("fin-", "finance"),
    ("lgbf-FINSUS", "finance"),
    ("lgbf-CHN", "people"),
    ("lgbf-SW", "people"),
    ("lgbf-HSN", "people"),
    ("lgbf-", "place"),
)

# Scottish LGBF indicator codes by the set they calibrate; CHN24 (children in poverty) is a
# context variable, so it is not also a target.
PEOPLE_PREFIXES = ("CHN", "SW", "HSN")
FINANCE_PREFIXES = ("FINSUS",)
CONTEXT_INDICATORS = ("CHN24",)
BASELINE = ("population", "density", "most_deprived_10pct_share")


def family_for_metric(metric) -> str:
    """The similarity set a measure's "similar councils" default uses.

    The catalogue's ``comparator`` wins where the metric has one (blank means overall);
    otherwise a rule on the code; anything else compares with the overall set.
    """
    comparator = (getattr(metric, "comparator", "") or "").strip().lower()
    if comparator in KINDS:
        return comparator
    code = getattr(metric, "code", "") or ""
    for prefix, kind in _PREFIX_KIND:
        if code.startswith(prefix):
            return kind
    return "overall"


def similar_label(kind: str, gss_code: str) -> str:
    """The comparison group of a council and its similar councils in one set."""
    return f"similar:{gss_code}" if kind == "overall" else f"similar-{kind}:{gss_code}"


def similar_kind(label: str) -> str | None:
    """The set of a `similar…:<gss>` group label, or None for any other group."""
    return SIMILAR_PREFIXES.get(label.partition(":")[0])


def read_sets(path: str | Path = SETS_FILE) -> dict[str, dict[str, float]]:
    """The people, place and finance sets: variable to weight, from the shipped file."""
    sets: dict[str, dict[str, float]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            sets.setdefault(row["set"], {})[row["variable"]] = float(row["weight"])
    return sets


# The name under which the fingerprint of the files similar councils were worked out from is
# kept beside the datasets' import records (DatasetImport); no dataset has this name.
SIMILAR_COUNCILS_SOURCES = "similar-councils"


def sources_fingerprint(data_dir: str | Path) -> str:
    """A digest of the files similar councils are worked out from: the register and context
    files in `data_dir` (``SOURCE_FILES``) and the sets' weights, made as a dataset's
    fingerprint is. The same fingerprint means the stored sets were worked out from these
    files; a change to the method itself is followed by `similar_councils --compute`."""
    files = [(path, Path(data_dir) / path) for path in sorted(SOURCE_FILES.values())]
    return files_digest("similar-councils", [*files, (SETS_FILE.name, SETS_FILE)]).hexdigest()


def set_weights(kind: str, sets: Mapping[str, Mapping[str, float]] | None = None) -> dict:
    if kind == "overall":
        return dict(DEFAULT_WEIGHTS)
    sets = read_sets() if sets is None else sets
    if kind not in sets:
        raise KeyError(f"No similarity set is called '{kind}'.")
    return dict(sets[kind])


SET_LOG_VARIABLES = LOG_VARIABLES + ("area", "road_km_per_1000", "spending_power_per_head")


def find_family(
    context: pd.DataFrame,
    kind: str,
    *,
    k: int = 15,
    weights: Mapping[str, float] | None = None,
    pools: pd.Series | None = None,
) -> pd.DataFrame:
    """The ``k`` most similar councils in one set, with a ``kind`` column."""
    chosen = dict(weights) if weights is not None else set_weights(kind)
    chosen = {v: w for v, w in chosen.items() if v in context.columns and w > 0}
    out = similar_councils(
        context[list(chosen)],
        council_pools(context) if pools is None else pools,
        weights=chosen,
        k=k,
        log_variables=SET_LOG_VARIABLES,
    )
    out.insert(2, "kind", kind)
    return out


def find_families(context: pd.DataFrame, k: int = 15) -> pd.DataFrame:
    """Every set's similar councils in one table (``kind`` says which set)."""
    return pd.concat([find_family(context, kind, k=k) for kind in KINDS], ignore_index=True)


# --- the check against the LGBF family groups ------------------------------------------------


def overlap_at_k(neighbours: pd.DataFrame, families: Mapping[str, object], k: int = 7) -> float:
    """Average share of each council's ``k`` nearest councils that share its family.

    Councils without a family, or with fewer than ``k`` neighbours, are left out.
    """
    near = neighbours[neighbours["rank"] <= k]
    labels = pd.Series(families, dtype=object)
    near = near[near["gss_code"].isin(labels.index)]
    same = near["neighbour_gss_code"].map(labels).eq(near["gss_code"].map(labels))
    by_council = same.groupby(near["gss_code"]).agg(["sum", "size"])
    full = by_council[by_council["size"] == k]
    return float((full["sum"] / k).mean()) if len(full) else float("nan")


def random_overlap(families: Mapping[str, object]) -> float:
    """The overlap random picks give on average: (family size − 1) / (councils − 1)."""
    labels = pd.Series(families)
    sizes = labels.map(labels.value_counts())
    return float(((sizes - 1) / (len(labels) - 1)).mean())


def indicator_table(lgbf: pd.DataFrame, kind: str, year: str) -> pd.DataFrame:
    """Councils by the LGBF indicators of one kind of service for one year (real terms)."""
    code = lgbf["Code"].astype(str)
    people = code.str.startswith(PEOPLE_PREFIXES)
    finance = code.str.startswith(FINANCE_PREFIXES)
    wanted = {"people": people, "place": ~people & ~finance}[kind]
    rows = lgbf[wanted & lgbf["Year"].eq(year) & ~code.isin(CONTEXT_INDICATORS)]
    table = rows.pivot_table(
        index="gss_code", columns="Code", values="LA_Value_Real", aggfunc="first"
    )
    # An indicator only a few councils report says little about all of them.
    return table.loc[:, table.notna().sum() >= 0.75 * len(table)]


def evidence_weights(
    context: pd.DataFrame, indicators: pd.DataFrame, variables: Sequence[str]
) -> dict[str, float]:
    """Each variable's average squared rank correlation with the indicators.

    A variable the councils have no figures for gets the median weight of the others, so it
    counts as an average variable where a nation has it.
    """
    codes = indicators.index.intersection(context.index)
    ranked = indicators.loc[codes].rank().to_numpy(dtype="float64")
    weights: dict[str, float] = {}
    for variable in variables:
        column = context.loc[codes, variable] if variable in context else None
        if column is None or column.notna().sum() < 3 or column.nunique() < 2:
            continue
        r = _rank_correlations(column.rank().to_numpy(dtype="float64"), ranked)
        weights[variable] = round(float(np.nanmean(r**2)), 3)
    typical = float(np.median(list(weights.values()))) if weights else 1.0
    return {v: weights.get(v, round(typical, 3)) for v in variables}


# The weights a variable may take in the search: from none to four times an equal share.
WEIGHT_GRID = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)


def _standard_ranks(indicators: pd.DataFrame, codes) -> np.ndarray:
    """Each indicator's ranks, as standard scores (NaN where a council has no figure)."""
    z, _spread = standardise(indicators.reindex(codes).rank().to_numpy(dtype="float64"))
    return z


def _standard_context(context: pd.DataFrame, variables: Sequence[str]) -> tuple[np.ndarray, list]:
    """The variables councils have figures for, logged where ``find_family`` logs them and
    standardised, and their names."""
    frame = context[[v for v in variables if v in context]].astype("float64")
    for variable in frame.columns:
        if variable in SET_LOG_VARIABLES:
            frame[variable] = np.log(frame[variable].where(frame[variable] > 0))
    kept = [v for v in frame.columns if frame[v].notna().sum() >= 3 and frame[v].nunique() > 1]
    z, _spread = standardise(frame[kept].to_numpy())
    return z, kept


def _nearest(z: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Each council's ``k`` nearest councils, by position (never itself). Distances are
    ``similarity``'s: weighted, missing variables left out of a pair and the rest scaled up;
    ties go to the earlier council."""
    contrib = weights * (z[:, None, :] - z[None, :, :]) ** 2
    used = ~np.isnan(contrib)
    weight_used = (used * weights).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.where(used, contrib, 0.0).sum(axis=2) * weights.sum() / weight_used
    dist = np.where(np.isfinite(dist), dist, np.inf)
    np.fill_diagonal(dist, np.inf)
    return np.argsort(dist, axis=1, kind="stable")[:, :k]


def knn_error(z: np.ndarray, targets: np.ndarray, weights: np.ndarray, k: int = 7) -> float:
    """How badly a council's ``k`` nearest councils predict its figures: the mean squared
    difference between each council's standard score on each indicator and the average of its
    neighbours' (the council itself is never its own neighbour)."""
    nearest = _nearest(z, weights, k)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an indicator no neighbour has
        predicted = np.nanmean(targets[nearest], axis=1)
    return float(np.nanmean((targets - predicted) ** 2))


def knn_overlap(z: np.ndarray, labels: np.ndarray, weights: np.ndarray, k: int = 7) -> float:
    """Overlap@k as ``overlap_at_k`` counts it, for councils given by position: the average
    share of each council's ``k`` nearest councils that carry its label."""
    nearest = _nearest(z, weights, k)
    return float((labels[nearest] == labels[:, None]).mean())


def _coordinate_search(count: int, loss) -> np.ndarray:
    """The weights ``loss`` likes best, searched from equal weights: each value of
    ``WEIGHT_GRID`` is tried for one variable at a time, keeping any that lowers the loss,
    until none does. Deterministic, and coarse enough not to chase noise among 32 councils."""
    weights = np.ones(count)
    best = loss(weights)
    improved = True
    while improved:
        improved = False
        for i in range(count):
            for value in WEIGHT_GRID:
                trial = weights.copy()
                trial[i] = value
                if trial.sum() == 0 or value == weights[i]:
                    continue
                found = loss(trial)
                if found < best - 1e-12:
                    best, weights, improved = found, trial, True
    return weights


def knn_weights(
    context: pd.DataFrame,
    indicators: pd.DataFrame,
    variables: Sequence[str],
    *,
    k: int = 7,
) -> dict[str, float]:
    """The weights under which each council's ``k`` nearest councils best predict its own
    indicators (``knn_error`` on the indicators' standard ranks), found by
    ``_coordinate_search`` and scaled to add up to 1. A variable the councils have no figures
    for gets the median weight of the others, as in ``evidence_weights``.
    """
    codes = indicators.index.intersection(context.index)
    z, kept = _standard_context(context.loc[codes], variables)
    targets = _standard_ranks(indicators, codes)
    weights = _coordinate_search(len(kept), lambda w: knn_error(z, targets, w, k))
    found = {v: round(float(w / weights.sum()), 3) for v, w in zip(kept, weights, strict=True)}
    typical = round(float(np.median(list(found.values()))), 3) if found else 1.0
    return {v: found.get(v, typical) for v in variables}


def fitted_to_families(
    context: pd.DataFrame,
    family: Mapping[str, object],
    variables: Sequence[str],
    *,
    k: int = 7,
) -> dict[str, float]:
    """How far these variables take overlap@k when their weights are searched
    (``_coordinate_search``) to fit ``family`` itself. Never used for a set: such weights
    memorise the families they are checked against. It shows what the figures could give at
    best, as far as the search finds (a search is not a proof of the maximum).

    ``fitted`` is the overlap on the councils the weights were fitted to. ``left_out`` is the
    honest figure: each council in turn is left out of the fit (its family unseen), and only
    its own nearest councils are counted, under the weights fitted to the others.
    """
    codes = sorted(c for c in family if c in context.index)
    # Every council's context figures are known; only the family is held out.
    z, kept = _standard_context(context.loc[codes], variables)
    labels = np.array([family[c] for c in codes])
    fitted = _coordinate_search(len(kept), lambda w: -knn_overlap(z, labels, w, k))
    shares = []
    for i in range(len(codes)):
        rest = np.arange(len(codes)) != i
        weights = _coordinate_search(
            len(kept), lambda w, rest=rest: -knn_overlap(z[rest], labels[rest], w, k)
        )
        nearest = _nearest(z, weights, k)[i]
        shares.append(float((labels[nearest] == labels[i]).mean()))
    return {
        "variables": len(kept),
        "fitted": knn_overlap(z, labels, fitted, k),
        "left_out": float(np.mean(shares)),
    }


def place_ceilings(
    context: pd.DataFrame,
    family: Mapping[str, object],
    sets: Mapping[str, Mapping[str, float]],
) -> list[dict]:
    """``fitted_to_families`` on the place set's figures, and on every figure of the people,
    place and finance sets, as ``similar_councils --validate`` reports them."""
    every = list(dict.fromkeys(v for kind in ("people", "place", "finance") for v in sets[kind]))
    return [
        {"figures": name} | fitted_to_families(context, family, variables)
        for name, variables in (("place set", list(sets["place"])), ("every set", every))
    ]


# How each validated set's weights are worked out from one year's indicators.
WEIGHT_METHODS = {"people": evidence_weights, "place": knn_weights}


def set_prediction_errors(
    context: pd.DataFrame,
    indicators: pd.DataFrame,
    weights: Mapping[str, Mapping[str, float]],
    *,
    k: int = 7,
) -> dict[str, float]:
    """``knn_error`` on these indicators for each named set of weights over the same
    variables, and for predicting every council by the average (``none``: 1 by design)."""
    codes = indicators.index.intersection(context.index)
    variables = list(next(iter(weights.values())))
    z, kept = _standard_context(context.loc[codes], variables)
    targets = _standard_ranks(indicators, codes)
    out = {
        name: knn_error(z, targets, np.array([w[v] for v in kept], dtype="float64"), k)
        for name, w in weights.items()
    }
    out["none"] = float(np.nanmean(targets**2))
    return out


def _rank_correlations(x: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Pearson correlation of ``x`` with each column of ``table``, over the rows where both
    have a figure (on ranks, that is Spearman's correlation); NaN where it cannot be told."""
    out = np.full(table.shape[1], np.nan)
    for j in range(table.shape[1]):
        both = ~np.isnan(x) & ~np.isnan(table[:, j])
        if both.sum() < 3:
            continue
        a, b = x[both] - x[both].mean(), table[both, j] - table[both, j].mean()
        denominator = np.sqrt((a * a).sum() * (b * b).sum())
        if denominator > 0:
            out[j] = (a * b).sum() / denominator
    return out


def validate(
    context: pd.DataFrame,
    families: Mapping[str, Mapping[str, object]],
    sets: Mapping[str, Mapping[str, float]],
    *,
    k: int = 7,
) -> list[dict]:
    """Overlap@k of each validated set beside the equal-weight baseline and random picks.

    ``context`` holds the councils to check (one pool); ``families`` maps a set (``people``,
    ``place``) to each council's family.
    """
    pools = pd.Series("pool", index=context.index)
    equal = dict.fromkeys(BASELINE, 1.0)
    baseline = find_family(context, "baseline", k=k, weights=equal, pools=pools)
    overall = find_family(context, "overall", k=k, pools=pools)
    rows = []
    for kind, family in families.items():
        found = find_family(context, kind, k=k, weights=sets[kind], pools=pools)
        rows.append(
            {
                "set": kind,
                "overlap": overlap_at_k(found, family, k),
                "overall_set": overlap_at_k(overall, family, k),
                "baseline": overlap_at_k(baseline, family, k),
                "random": random_overlap(family),
            }
        )
    return rows


def leave_one_out(
    context: pd.DataFrame,
    lgbf: pd.DataFrame,
    families: Mapping[str, Mapping[str, object]],
    sets: Mapping[str, Mapping[str, float]],
    year: str,
    *,
    k: int = 7,
) -> dict[str, tuple[float, float]]:
    """The lowest and highest overlap@k when each council in turn is left out of the weights.

    The weights are worked out again from the other councils' indicators each time, and the
    similar councils of every council found with them.
    """
    pools = pd.Series("pool", index=context.index)
    out = {}
    for kind, family in families.items():
        table = indicator_table(lgbf, kind, year)
        scores = []
        for left_out in table.index:
            method = WEIGHT_METHODS[kind]
            weights = method(context, table.drop(index=left_out), list(sets[kind]))
            found = find_family(context, kind, k=k, weights=weights, pools=pools)
            scores.append(overlap_at_k(found, family, k))
        out[kind] = (min(scores), max(scores))
    return out


def lgbf_families(family_groups: pd.DataFrame, lgbf: pd.DataFrame) -> dict[str, dict]:
    """``people`` and ``place`` family of each Scottish council, by GSS code.

    The family file names councils; the indicators file gives their GSS codes.
    """
    names = lgbf.dropna(subset=["gss_code"]).drop_duplicates("LocalAuthority")
    code = dict(zip(names["LocalAuthority"], names["gss_code"], strict=True))
    missing = sorted(set(family_groups["Local_Authority"]) - set(code))
    if missing:
        raise ValueError(f"No GSS code for {', '.join(missing)}.")
    kind = np.where(family_groups["Type"].str.startswith("Children"), "people", "place")
    out: dict[str, dict] = {"people": {}, "place": {}}
    for (name, group), k in zip(
        family_groups[["Local_Authority", "Family_Group"]].itertuples(index=False),
        kind,
        strict=True,
    ):
        out[k][code[name]] = group
    return out
