"""Similar councils: an open alternative to CIPFA's nearest neighbours.

Method, within each pool of councils (for example English county councils):

1. Optionally take the natural logarithm of skewed variables such as population (values that
   are zero or negative then count as missing).
2. Standardise each variable to a z-score over the pool's councils: subtract the pool mean and
   divide by the pool standard deviation (population form, over the councils that have a
   value). A variable with no spread in the pool scores 0 for everyone, so it adds nothing to
   any distance; a variable no council in the pool has is left out for that pool.
3. Normalise the weights so they add up to the number of variables used in the pool.
4. The distance between councils a and b is sqrt(sum of w_i * (z_a,i - z_b,i)^2).
5. Missing values: a variable missing for either council of a pair is left out of that pair's
   sum, and the sum is multiplied by (total weight / weight actually used), so pairs compared on
   fewer variables are not made to look closer. Pairs with no variable in common get no
   distance and are never neighbours.

Ties in distance are broken by the neighbour's GSS code, so results are deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

SHARE_PREFIX = "share_"


def _variables(data: pd.DataFrame, weights: Mapping[str, float] | None) -> dict[str, float]:
    if weights is None:
        numeric = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
        if not numeric:
            raise ValueError("data has no numeric columns to compare councils on.")
        return dict.fromkeys(numeric, 1.0)
    unknown = [v for v in weights if v not in data.columns]
    if unknown:
        raise KeyError(f"Weights name variable(s) not in the data: {', '.join(unknown)}.")
    if any(not np.isfinite(w) or w < 0 for w in weights.values()):
        raise ValueError("Weights must be zero or positive numbers.")
    chosen = {v: float(w) for v, w in weights.items() if w > 0}
    if not chosen:
        raise ValueError("At least one weight must be positive.")
    return chosen


def standardise(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Z-scores per column, ignoring NaN; returns (z, column has spread)."""
    present = ~np.isnan(values)
    count = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(values, axis=0) / count
        sd = np.sqrt(np.nansum((values - mean) ** 2, axis=0) / count)
        spread = np.isfinite(sd) & (sd > 0)
        z = np.where(spread, (values - mean) / np.where(spread, sd, 1.0), 0.0)
    return np.where(present, z, np.nan), spread


def _pool_neighbours(values: np.ndarray, weights: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
    """Neighbours within one pool: (row, neighbour, rank, distance, coverage, shares)."""
    available = ~np.isnan(values).all(axis=0)
    z, spread = standardise(values[:, available])
    w = weights[available]
    w = w * len(w) / w.sum()
    total = w.sum()

    diff = z[:, None, :] - z[None, :, :]
    contrib = w * diff**2  # NaN where either council lacks the variable
    used = ~np.isnan(contrib)
    sq = np.where(used, contrib, 0.0).sum(axis=2)
    # Pairs compared on every variable get an exact coverage of 1, free of rounding.
    complete = used.all(axis=2)
    weight_used = np.where(complete, total, (used * w).sum(axis=2))
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.sqrt(sq * np.where(complete, 1.0, total / weight_used))
        shares = contrib / sq[:, :, None]
    # A variable without spread says nothing about which councils are alike.
    shares[:, :, ~spread] = np.nan

    m = len(values)
    np.fill_diagonal(dist, np.nan)
    take = min(k, m - 1)
    if take <= 0:
        empty = np.array([], dtype=np.int64)
        return empty, empty, empty, np.array([]), np.array([]), np.empty((0, len(weights)))
    # Councils arrive sorted by code, so a stable sort breaks distance ties by code.
    # Missing distances (and the council itself) sort last and are dropped below.
    order = np.argsort(np.where(np.isnan(dist), np.inf, dist), axis=1, kind="stable")
    nb = order[:, :take]
    r = np.repeat(np.arange(m), take)
    c = nb.ravel()
    ok = np.isfinite(dist[r, c])
    rows, cols = r[ok], c[ok]
    ranks = np.tile(np.arange(1, take + 1), m)[ok]
    full_shares = np.full((len(rows), len(weights)), np.nan)
    full_shares[:, available] = shares[rows, cols]
    coverage = weight_used[rows, cols] / total
    return rows, cols, ranks, dist[rows, cols], coverage, full_shares


def similar_councils(
    data: pd.DataFrame,
    pool: pd.Series,
    weights: Mapping[str, float] | None = None,
    k: int = 15,
    log_variables: Sequence[str] = (),
) -> pd.DataFrame:
    """The ``k`` most similar councils to each council, within its pool.

    ``data`` is indexed by GSS code with one numeric column per context variable; ``pool``
    maps GSS code to a pool label (councils without one are skipped). ``weights`` maps variable
    to weight (default: every numeric column, equally). Variables in ``log_variables`` are
    log-transformed first.

    Returns one row per (gss_code, neighbour): ``gss_code``, ``neighbour_gss_code``, ``pool``,
    ``rank`` (1 = most similar), ``distance``, ``coverage`` (share of the total weight the pair
    could be compared on) and ``share_<variable>`` (each variable's share of the squared
    distance; NaN if missing for the pair or without spread in the pool).
    """
    if k < 1:
        raise ValueError("k must be at least 1.")
    if not data.index.is_unique:
        raise ValueError("data must have one row per GSS code.")
    chosen = _variables(data, weights)
    names = list(chosen)
    frame = data[names].apply(pd.to_numeric, errors="coerce").astype("float64")
    for variable in log_variables:
        if variable in frame.columns:
            column = frame[variable]
            frame[variable] = np.log(column.where(column > 0))
    pools = pool.reindex(frame.index)
    w = np.array([chosen[v] for v in names], dtype="float64")

    pieces = []
    for label, members in frame.groupby(pools, sort=True, dropna=True).groups.items():
        codes = np.asarray(members, dtype=object)
        order = np.argsort(codes.astype(str), kind="stable")
        codes = codes[order]
        values = frame.loc[codes].to_numpy(dtype="float64")
        if np.isnan(values).all():
            continue
        rows, cols, ranks, dist, coverage, shares = _pool_neighbours(values, w, k)
        piece = pd.DataFrame(
            {
                "gss_code": codes[rows],
                "neighbour_gss_code": codes[cols],
                "pool": label,
                "rank": ranks.astype(np.int64),
                "distance": dist,
                "coverage": coverage,
            }
        )
        for i, name in enumerate(names):
            piece[SHARE_PREFIX + name] = shares[:, i]
        pieces.append(piece)

    columns = ["gss_code", "neighbour_gss_code", "pool", "rank", "distance", "coverage"]
    columns += [SHARE_PREFIX + n for n in names]
    if not pieces:
        return pd.DataFrame(columns=columns)
    out = pd.concat(pieces, ignore_index=True)[columns]
    return out.sort_values(["gss_code", "rank"], kind="stable", ignore_index=True)


def closest_variables(row: pd.Series | Mapping[str, float], n: int = 3) -> list[str]:
    """The ``n`` variables contributing least to a pair's distance: what makes them alike.

    ``row`` is one row of ``similar_councils`` output. Variables with no share (missing for
    the pair, or without spread in the pool) are skipped; ties keep column order.
    """
    shares = [
        (float(value), name.removeprefix(SHARE_PREFIX))
        for name, value in dict(row).items()
        if isinstance(name, str) and name.startswith(SHARE_PREFIX) and pd.notna(value)
    ]
    # sorted() is stable, so equal shares keep column order.
    return [name for _, name in sorted(shares, key=lambda item: item[0])[:n]]
