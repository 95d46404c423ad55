"""Comparison statistics for councils, computed set-wise over a long table of values.

Input is one row per (metric, period, group, council) with these columns:

* ``metric``, ``period``, ``group``, ``gss_code``: keys (text or categorical);
* ``value``: float; missing values (NaN, and infinities) are left out of every statistic;
* ``polarity``: ``higher_better``, ``lower_better``, ``target`` or ``neutral``;
* ``target_value`` (optional): float, used only when the polarity is ``target``;
* ``scale`` (optional): 100 if the value is a percentage, 1 if a proportion, NaN when a
  confidence interval does not apply;
* ``sample_size`` (optional): the number of people or cases behind a proportion, or NaN.

``polarity`` and ``target_value`` belong to the metric, so they must be the same on every row
of a (metric, period, group). A "group" is the set of councils compared with each other, such
as all English unitary councils; the same council may appear in several groups.

Everything is vectorised: the table is sorted once per pass with numpy and no Python code runs
per value or per group, so millions of rows take seconds.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from benchmarking.periods import previous_period
from selfreg.stats import wilson_interval

KEYS = ["metric", "period", "group"]
POSITION_KEYS = [*KEYS, "gss_code"]
CHANGE_KEYS = ["metric", "period", "gss_code"]

HIGHER_BETTER = "higher_better"
LOWER_BETTER = "lower_better"
TARGET = "target"
NEUTRAL = "neutral"
POLARITIES = (HIGHER_BETTER, LOWER_BETTER, TARGET, NEUTRAL)
_HIGHER, _LOWER, _TARGET, _NEUTRAL = range(len(POLARITIES))  # positions in POLARITIES

#: Below this many councils with a figure, a group has no quartiles, no "middle half" and no
#: quartile bands: "the best quarter" of two councils says nothing. The median, rank and
#: percentile are still given. Stated in docs/method/comparison-statistics.md.
MIN_COUNCILS_FOR_QUARTILES = 5

STAT_COLUMNS = ["n", "median", "lower_quartile", "upper_quartile", "mean", "min", "max"]
POSITION_COLUMNS = [
    "value",
    "percentile",
    "quartile_band",
    "rank",
    "ci_low",
    "ci_high",
    "significant",
]


# --- small numeric helpers -------------------------------------------------------------------


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    # The same two-sided formula numpy uses, so results match np.quantile bit for bit.
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes.astype(np.int64), pd.Index(uniques)


def _group_ids(df: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer id per row for the combination of ``columns``, and the keys of each id."""
    codes, uniques = zip(*(_factorize(df[c]) for c in columns), strict=True)
    combined = np.zeros(len(df), dtype=np.int64)
    for code, unique in zip(codes, uniques, strict=True):
        combined = combined * len(unique) + code
    gid, first = pd.factorize(combined)
    first = np.asarray(first, dtype=np.int64)
    keys: dict[str, object] = {}
    for column, unique in reversed(list(zip(columns, uniques, strict=True))):
        keys[column] = unique.take(first % len(unique))
        first = first // len(unique)
    key_frame = pd.DataFrame({c: keys[c] for c in columns})
    return gid.astype(np.int64), key_frame


class _Sorted:
    """Values sorted within groups, with tie runs, ready for ranks and quantiles."""

    def __init__(self, gid: np.ndarray, x: np.ndarray, ngroups: int) -> None:
        self.order = np.lexsort((x, gid))
        self.gid = gid
        self.counts = np.bincount(gid, minlength=ngroups)
        self.starts = np.concatenate(([0], np.cumsum(self.counts)[:-1])).astype(np.int64)
        self.sorted_values = x[self.order]
        self.n = self.counts[gid]

    @functools.cached_property
    def _below_above(self) -> tuple[np.ndarray, np.ndarray]:
        # Per input position (same order as gid/x): how many values in the group are
        # strictly below and strictly above. Only positions need them, not statistics.
        order, s = self.order, self.sorted_values
        g = self.gid[order]
        m = len(s)
        idx = np.arange(m, dtype=np.int64)
        new_run = np.ones(m, dtype=bool)
        new_run[1:] = (g[1:] != g[:-1]) | (s[1:] != s[:-1])
        run_start = np.maximum.accumulate(np.where(new_run, idx, 0))
        run_last = np.ones(m, dtype=bool)
        run_last[:-1] = new_run[1:]
        run_end = np.minimum.accumulate(np.where(run_last, idx, m - 1)[::-1])[::-1]
        group_start = self.starts[g]
        n = self.counts[g]
        below = np.empty(m, dtype=np.int64)
        above = np.empty(m, dtype=np.int64)
        below[order] = run_start - group_start
        above[order] = group_start + n - 1 - run_end
        return below, above

    @property
    def below(self) -> np.ndarray:
        return self._below_above[0]

    @property
    def above(self) -> np.ndarray:
        return self._below_above[1]

    def quantile(self, q: float) -> np.ndarray:
        """Linear-interpolation quantile per group (Excel QUARTILE.INC); NaN for empty groups."""
        counts = self.counts
        has = counts > 0
        pos = (np.maximum(counts, 1) - 1) * q
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(counts, 1) - 1)
        t = pos - lo
        out = np.full(len(counts), np.nan)
        if has.any():
            s = self.sorted_values
            out[has] = _lerp(s[self.starts[has] + lo[has]], s[self.starts[has] + hi[has]], t[has])
        return out

    def percentile(self) -> np.ndarray:
        """Mid-rank percentile of each value: 0 for the lowest, 100 for the highest."""
        ties_others = self.n - 1 - self.below - self.above
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = 100.0 * (self.below + 0.5 * ties_others) / (self.n - 1)
        return np.where(self.n == 1, 50.0, pct)


def _require(df: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"Missing column(s): {', '.join(missing)}.")


def _float_column(df: pd.DataFrame, column: str) -> np.ndarray:
    if column not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _valid_values(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    value = _float_column(df, "value")
    return value, np.isfinite(value)


def _stats_arrays(ranked: _Sorted, value: np.ndarray, gid_valid: np.ndarray) -> dict:
    counts = ranked.counts
    s = ranked.sorted_values
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(gid_valid, weights=value, minlength=len(counts)) / counts
    has = counts > 0
    lo = np.full(len(counts), np.nan)
    hi = np.full(len(counts), np.nan)
    lo[has] = s[ranked.starts[has]]
    hi[has] = s[ranked.starts[has] + counts[has] - 1]
    enough = counts >= MIN_COUNCILS_FOR_QUARTILES
    return {
        "n": counts.astype(np.int64),
        "median": ranked.quantile(0.5),
        "lower_quartile": np.where(enough, ranked.quantile(0.25), np.nan),
        "upper_quartile": np.where(enough, ranked.quantile(0.75), np.nan),
        "mean": np.where(has, mean, np.nan),
        "min": lo,
        "max": hi,
    }


def _polarity_codes(df: pd.DataFrame, gid: np.ndarray, ngroups: int) -> np.ndarray:
    """Polarity index (into POLARITIES) per group, checking it is constant within groups."""
    codes, uniques = _factorize(df["polarity"])
    unknown = [u for u in uniques if u not in POLARITIES]
    if unknown:
        raise ValueError(f"Unknown polarity {unknown[0]!r}. Use one of: {', '.join(POLARITIES)}.")
    lookup = np.array([POLARITIES.index(u) for u in uniques], dtype=np.int64)
    row_pol = lookup[codes]
    group_pol = np.full(ngroups, -1, dtype=np.int64)
    group_pol[gid] = row_pol
    if (group_pol[gid] != row_pol).any():
        raise ValueError("polarity must be the same on every row of a (metric, period, group).")
    return group_pol


def _group_targets(df: pd.DataFrame, gid: np.ndarray, ngroups: int) -> np.ndarray:
    target = _float_column(df, "target_value")
    group_target = np.full(ngroups, np.nan)
    group_target[gid] = target
    spread = group_target[gid]
    differs = ~((spread == target) | (np.isnan(spread) & np.isnan(target)))
    if differs.any():
        raise ValueError("target_value must be the same on every row of a (metric, period, group).")
    return group_target


def _check_unique(gid: np.ndarray, df: pd.DataFrame) -> None:
    council, uniques = _factorize(df["gss_code"])
    key = gid * max(len(uniques), 1) + council
    if not pd.Index(key).is_unique:
        raise ValueError("Each council may appear only once per (metric, period, group).")


def _align_stats(key_frame: pd.DataFrame, stats: pd.DataFrame) -> dict:
    """Per-group arrays from a stats frame supplied by the caller, in group-id order."""
    _require(stats, [*KEYS, "median", "lower_quartile", "upper_quartile"])
    left = key_frame.astype(object)
    right = stats[[*KEYS, "median", "lower_quartile", "upper_quartile"]].copy()
    right[KEYS] = right[KEYS].astype(object)
    if right.duplicated(KEYS).any():
        raise ValueError("stats has more than one row for a (metric, period, group).")
    merged = left.merge(right, on=KEYS, how="left", sort=False)
    return {c: merged[c].to_numpy(dtype="float64", na_value=np.nan) for c in right.columns[3:]}


def _ranked_statistics(df: pd.DataFrame) -> tuple[pd.DataFrame, _Sorted, np.ndarray]:
    """The statistics of each group of ``df`` by ``KEYS``, with the values ranked within their
    groups and the mask of rows that have a value, for a caller that goes on to use them."""
    gid, key_frame = _group_ids(df, KEYS)
    value, valid = _valid_values(df)
    ranked = _Sorted(gid[valid], value[valid], len(key_frame))
    arrays = _stats_arrays(ranked, value[valid], gid[valid])
    out = key_frame.copy()
    for column in STAT_COLUMNS:
        out[column] = arrays[column]
    return out, ranked, valid


# --- public API ------------------------------------------------------------------------------


def too_few_for_quartiles(n) -> bool:
    """True when a group of ``n`` councils with figures is too small for quartiles and bands."""
    try:
        return int(n) < MIN_COUNCILS_FOR_QUARTILES
    except (TypeError, ValueError):
        return False


def group_statistics(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (metric, period, group): n, median, quartiles, mean, min and max.

    Quartiles use linear interpolation, as numpy and pandas do by default and as Excel's
    QUARTILE.INC does. Missing values are left out; a group with none has n = 0.
    """
    _require(df, [*KEYS, "value"])
    return _ranked_statistics(df)[0]


def _positions(df: pd.DataFrame, stats: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The group statistics and every row's position within its group, in one sorted pass.

    ``stats`` (from ``group_statistics``) is used as given when passed, otherwise worked out
    here; either way it is returned with the positions, one row per input row in input order.
    Missing values are left out of every figure and get missing positions.
    """
    _require(df, [*POSITION_KEYS, "value", "polarity"])
    gid, key_frame = _group_ids(df, KEYS)
    ngroups = len(key_frame)
    _check_unique(gid, df)
    value, valid = _valid_values(df)
    group_pol = _polarity_codes(df, gid, ngroups)
    group_target = _group_targets(df, gid, ngroups)

    gid_v = gid[valid]
    v = value[valid]
    ranked = _Sorted(gid_v, v, ngroups)
    stats, arrays = _statistics_for_positions(key_frame, stats, ranked, v, gid_v)
    lq, med, uq = (arrays[c][gid_v] for c in ("lower_quartile", "median", "upper_quartile"))
    band, band_ok, rank, rank_ok = _bands_and_ranks(
        ranked, v, gid_v, group_pol[gid_v], group_target[gid_v], (lq, med, uq)
    )
    ci_low, ci_high, significant, has_ci = _confidence_intervals(df, valid, v, med)

    positions = pd.DataFrame(
        {
            **{c: df[c].reset_index(drop=True) for c in POSITION_KEYS},
            "value": value,
            "percentile": _spread_floats(ranked.percentile(), valid),
            "quartile_band": _spread_integers(band, band_ok, valid),
            "rank": _spread_integers(rank, rank_ok, valid),
            "ci_low": _spread_floats(ci_low, valid),
            "ci_high": _spread_floats(ci_high, valid),
            "significant": _spread_booleans(significant, has_ci, valid),
        }
    )
    return stats, positions


def _statistics_for_positions(
    key_frame: pd.DataFrame,
    stats: pd.DataFrame | None,
    ranked: _Sorted,
    value: np.ndarray,
    gid_valid: np.ndarray,
) -> tuple[pd.DataFrame, dict]:
    """The statistics frame to return, and its per-group arrays in group-id order.

    Positions need each group's median and quartiles. When the caller has no ``stats`` they
    are computed from the values already sorted; otherwise the caller's are lined up with the
    groups of this frame (a group the caller left out gets NaN).
    """
    if stats is not None:
        return stats, _align_stats(key_frame, stats)
    arrays = _stats_arrays(ranked, value, gid_valid)
    stats = key_frame.copy()
    for column in STAT_COLUMNS:
        stats[column] = arrays[column]
    return stats, arrays


def _bands_and_ranks(
    ranked: _Sorted,
    v: np.ndarray,
    gid_v: np.ndarray,
    pol: np.ndarray,
    target: np.ndarray,
    quartiles: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Quartile band (1 = best quarter) and rank (1 = best) of each value, and where each holds.

    All arrays are per valid row: ``pol`` and ``target`` are the row's group polarity code and
    target, ``quartiles`` the group's (lower quartile, median, upper quartile). Higher- and
    lower-better values are placed against the quartiles; target values by their distance
    from the target; neutral values get a rank but no band. A group of fewer than
    ``MIN_COUNCILS_FOR_QUARTILES`` councils has no bands. Returns (band, band_ok, rank,
    rank_ok); a value is meaningful only where its ``_ok`` is True.
    """
    lq, med, uq = quartiles
    band = np.select(
        [pol == _HIGHER, pol == _LOWER],
        [
            np.select([v >= uq, v >= med, v >= lq], [1, 2, 3], 4),
            np.select([v <= lq, v <= med, v <= uq], [1, 2, 3], 4),
        ],
        0,
    )
    rank = np.where(pol == _LOWER, ranked.below + 1, ranked.above + 1)

    is_target = pol == _TARGET
    dist_ok = is_target & np.isfinite(target)
    if is_target.any():
        band[dist_ok], rank[dist_ok] = _bands_and_ranks_by_distance(
            v[dist_ok], target[dist_ok], gid_v[dist_ok], len(ranked.counts)
        )
    quartiles_known = np.isfinite(lq) & np.isfinite(med) & np.isfinite(uq)
    enough = ranked.counts[gid_v] >= MIN_COUNCILS_FOR_QUARTILES
    band_ok = enough & np.where(is_target, dist_ok, (pol != _NEUTRAL) & quartiles_known)
    rank_ok = ~is_target | dist_ok
    return band, band_ok, rank, rank_ok


def _bands_and_ranks_by_distance(
    v: np.ndarray, target: np.ndarray, gid: np.ndarray, ngroups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Band and rank of values of target metrics: the closer to the target, the better.

    The distances from the target are sorted within each group in a second pass, and each
    value is placed against the quartiles of its group's distances, as a lower-better value
    is against the values' quartiles.
    """
    d = np.abs(v - target)
    by_dist = _Sorted(gid, d, ngroups)
    dlq = by_dist.quantile(0.25)[gid]
    dmed = by_dist.quantile(0.5)[gid]
    duq = by_dist.quantile(0.75)[gid]
    band = np.select([d <= dlq, d <= dmed, d <= duq], [1, 2, 3], 4)
    return band, by_dist.below + 1


def _confidence_intervals(
    df: pd.DataFrame, valid: np.ndarray, v: np.ndarray, med: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Wilson interval of each valid value, and whether its group's median lies outside it.

    Only a value with a ``scale`` (percentage or proportion) and a ``sample_size`` has an
    interval; it is worked out on the proportion and given back on the value's own scale.
    Returns (ci_low, ci_high, significant, has_ci), with NaN bounds where there is none; a
    value without an interval is neither significant nor not (``has_ci`` False).
    """
    scale = _float_column(df, "scale")[valid]
    sample = _float_column(df, "sample_size")[valid]
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = wilson_interval(v / scale, sample)
    ci_low = low * scale
    ci_high = high * scale
    has_ci = np.isfinite(ci_low) & np.isfinite(ci_high) & np.isfinite(med)
    outside = (med < ci_low) | (med > ci_high)
    return (
        np.where(has_ci, ci_low, np.nan),
        np.where(has_ci, ci_high, np.nan),
        outside & has_ci,
        has_ci,
    )


def _spread_floats(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Figures worked out for the valid rows, placed back among all rows (NaN elsewhere)."""
    out = np.full(len(valid), np.nan)
    out[valid] = values
    return out


def _spread_integers(
    values: np.ndarray, ok: np.ndarray, valid: np.ndarray
) -> pd.arrays.IntegerArray:
    """Whole numbers for the valid rows among all rows, missing where not ``ok`` or not valid."""
    data = np.zeros(len(valid), dtype=np.int64)
    mask = np.ones(len(valid), dtype=bool)
    data[valid] = np.where(ok, values, 0)
    mask[valid] = ~ok
    return pd.arrays.IntegerArray(data, mask)


def _spread_booleans(
    values: np.ndarray, known: np.ndarray, valid: np.ndarray
) -> pd.arrays.BooleanArray:
    """True/False for the valid rows among all rows, missing where not ``known`` or not valid."""
    data = np.zeros(len(valid), dtype=bool)
    mask = np.ones(len(valid), dtype=bool)
    data[valid] = values
    mask[valid] = ~known
    return pd.arrays.BooleanArray(data, mask)


def council_positions(df: pd.DataFrame, stats: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per input row: where each council's value sits within its group.

    Columns: the keys, ``value``, ``percentile``, ``quartile_band``, ``rank``, ``ci_low``,
    ``ci_high`` and ``significant``. Rows keep the input order. Pass ``stats`` from
    ``group_statistics`` to reuse it; otherwise it is computed.
    """
    return _positions(df, stats)[1]


def _previous_values(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the previous period's label and the council's value then (NaN if none)."""
    _require(df, [*CHANGE_KEYS, "value"])
    metric, metric_u = _factorize(df["metric"])
    council, council_u = _factorize(df["gss_code"])
    period, period_u = _factorize(df["period"])
    labels = [str(label) for label in period_u]
    # Parse each distinct label once; previous periods may not appear in the data at all.
    previous = [previous_period(label) for label in labels]
    universe = {label: i for i, label in enumerate(labels)}
    for label in previous:
        universe.setdefault(label, len(universe))
    prev_code = np.array([universe[label] for label in previous], dtype=np.int64)
    n_periods = len(universe)
    base = (metric * max(len(council_u), 1) + council) * n_periods
    key = base + period
    prev_key = base + prev_code[period]

    value, valid = _valid_values(df)
    known_keys = key[valid]
    known_values = value[valid]
    # The same council value appears once per group; keep the first occurrence.
    first = ~pd.Index(known_keys).duplicated()
    lookup = pd.Index(known_keys[first])
    pos = lookup.get_indexer(prev_key)
    prev_value = np.where(pos >= 0, known_values[first][np.maximum(pos, 0)], np.nan)
    prev_label = np.asarray(previous, dtype=object)[period]
    return prev_label, prev_value


def changes(df: pd.DataFrame) -> pd.DataFrame:
    """Change since the previous period, one row per (metric, period, gss_code).

    The previous period is ``periods.previous_period`` of the row's period (same kind and
    length). ``change`` is NaN when either value is missing. A council's value is assumed
    to be the same in every group, so duplicates across groups are dropped first.
    """
    _require(df, [*CHANGE_KEYS, "value"])
    unique = df.drop_duplicates(CHANGE_KEYS)[[*CHANGE_KEYS, "value"]].reset_index(drop=True)
    prev_label, prev_value = _previous_values(unique)
    value = _float_column(unique, "value")
    unique["value"] = value
    unique["previous_period"] = prev_label
    unique["previous_value"] = prev_value
    unique["change"] = value - prev_value
    return unique


def compare(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group statistics, and council positions with a ``change`` column, in one pass."""
    stats, positions = _positions(df, None)
    _, prev_value = _previous_values(df)
    positions["change"] = positions["value"].to_numpy() - prev_value
    return stats, positions


# --- positions derived on read from a group's stored values ----------------------------------


def group_distributions(df: pd.DataFrame, members: pd.DataFrame | None = None) -> pd.DataFrame:
    """``group_statistics`` with, per group, its values in ascending order (``values``) and
    the councils they belong to in the same order (``councils``): all that is needed to place
    any council of the group later with ``positions_in_group``. Needs ``gss_code`` too.

    With ``members`` (one row per ``group`` and ``gss_code``), ``df`` has no ``group`` column:
    it holds each council's value once per metric and period, and every group of ``members``
    with a council in a metric-period is compared there. The result is what ``df`` joined to
    ``members`` gives, without making that join (see ``_member_distributions``).
    """
    if members is not None:
        return _member_distributions(df, members)
    _require(df, [*KEYS, "gss_code", "value"])
    out, ranked, valid = _ranked_statistics(df)
    councils = df["gss_code"].to_numpy()[valid][ranked.order]
    bounds = ranked.starts[1:]
    out["values"] = np.split(ranked.sorted_values, bounds) if len(out) else []
    out["councils"] = np.split(councils, bounds) if len(out) else []
    return out


#: Values gathered at once by ``_member_distributions`` (metric-periods x groups x members):
#: about 32 MB of float64, so memory stays flat however many groups share a size.
GATHER_LIMIT = 1 << 22


def _member_distributions(df: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Every group's distribution in every metric-period, from a (metric-periods x councils)
    table of values instead of one row per council per group.

    Groups of the same size (a council and its similar councils, in each similarity set) are
    done together: an index array of their members picks their values out of the table in
    one step, and each row is sorted on its own. Within a group a council's values keep the
    order of the councils' sorted ``gss_code``, so ties are listed in that order and the mean
    adds the values in that order (as ``group_statistics`` does over a frame in that order).
    Membership that changes between periods fits: call once per set of periods with the
    members of their time.
    """
    _require(df, ["metric", "period", "gss_code", "value"])
    _require(members, ["group", "gss_code"])
    mp, mp_keys = _group_ids(df, ["metric", "period"])
    labels = pd.Index(pd.unique(pd.concat([df["gss_code"], members["gss_code"]]))).sort_values()
    council = labels.get_indexer(df["gss_code"])
    present = np.zeros((len(mp_keys), len(labels)), dtype=bool)
    present[mp, council] = True
    if np.count_nonzero(present) != len(df):
        raise ValueError("A council has more than one value for a metric and period.")
    value, valid = _valid_values(df)
    table = np.full((len(mp_keys), len(labels)), np.nan)
    table[mp[valid], council[valid]] = value[valid]
    pairs = members[["group", "gss_code"]].drop_duplicates()
    group_code, groups = _factorize(pairs["group"])
    member = labels.get_indexer(pairs["gss_code"])
    order = np.lexsort((member, group_code))
    group_code, member = group_code[order], member[order]
    sizes = np.bincount(group_code, minlength=len(groups))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    parts = []
    for size in np.unique(sizes[sizes > 0]):
        same = np.flatnonzero(sizes == size)
        index = starts[same][:, None] + np.arange(size)[None, :]
        batch = max(1, GATHER_LIMIT // max(1, len(mp_keys) * int(size)))
        for start in range(0, len(same), batch):
            rows = member[index[start : start + batch]]
            parts.append(_gathered(table, present, rows, same[start : start + batch]))
    return _member_frame(parts, mp_keys, groups, labels)


def _gathered(table, present, rows: np.ndarray, group_ids: np.ndarray) -> dict:
    """Statistics and sorted values of these groups (``rows``: their members, one row per
    group) in every metric-period where one of their councils has a row."""
    values = table[:, rows]  # metric-periods x groups x members
    shown = present[:, rows].any(axis=2)
    mp, which = np.nonzero(shown)
    values = values[mp, which]  # one row per (metric-period, group) that exists
    order = np.argsort(values, axis=1, kind="stable")  # NaN last, ties in council order
    ordered = np.take_along_axis(values, order, axis=1)
    councils = np.take_along_axis(rows[which], order, axis=1)
    counts = np.isfinite(values).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        # A running sum adds the values one by one in council order, as np.bincount does.
        total = np.cumsum(np.where(np.isfinite(values), values, 0.0), axis=1)[:, -1] + 0.0
        mean = total / counts
    has = counts > 0
    last = np.maximum(counts - 1, 0)
    line = np.arange(len(counts))
    enough = counts >= MIN_COUNCILS_FOR_QUARTILES
    return {
        "mp": mp,
        "group": group_ids[which],
        "n": counts.astype(np.int64),
        "median": _row_quantile(ordered, counts, 0.5),
        "lower_quartile": np.where(enough, _row_quantile(ordered, counts, 0.25), np.nan),
        "upper_quartile": np.where(enough, _row_quantile(ordered, counts, 0.75), np.nan),
        "mean": np.where(has, mean, np.nan),
        "min": np.where(has, ordered[:, 0], np.nan),
        "max": np.where(has, ordered[line, last], np.nan),
        "values": [ordered[i, :c] for i, c in enumerate(counts.tolist())],
        "councils": [councils[i, :c] for i, c in enumerate(counts.tolist())],
    }


def _row_quantile(ordered: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    """``_Sorted.quantile`` for rows of sorted values (NaN after each row's ``counts``)."""
    has = counts > 0
    pos = (np.maximum(counts, 1) - 1) * q
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(counts, 1) - 1)
    line = np.arange(len(counts))
    out = _lerp(ordered[line, lo], ordered[line, hi], pos - lo)
    return np.where(has, out, np.nan)


def _member_frame(parts: list[dict], mp_keys: pd.DataFrame, groups, labels) -> pd.DataFrame:
    columns = ["metric", "period", "group", *STAT_COLUMNS, "values", "councils"]
    if not parts:
        return pd.DataFrame(columns=columns)
    mp = np.concatenate([p["mp"] for p in parts])
    out = mp_keys.iloc[mp].reset_index(drop=True)
    out["group"] = groups.take(np.concatenate([p["group"] for p in parts]))
    for column in STAT_COLUMNS:
        out[column] = np.concatenate([p[column] for p in parts])
    names = np.asarray(labels)
    out["values"] = [v for p in parts for v in p["values"]]
    out["councils"] = [names[c] for p in parts for c in p["councils"]]
    return out[columns]


def _sorted_quantile(s: np.ndarray, q: float) -> float:
    """``_Sorted.quantile`` for one group, operation for operation, so results agree exactly."""
    counts = np.array([len(s)], dtype=np.int64)
    if not len(s):
        return np.nan
    pos = (counts - 1) * q
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, counts - 1)
    return float(_lerp(s[lo], s[hi], pos - lo)[0])


def _position_columns(
    sorted_values,
    values,
    *,
    polarity: str,
    target_value: float = np.nan,
    scale: float = np.nan,
    sample_size=None,
    previous_value=None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``positions_in_group``'s columns, each as its values and where they are present."""
    # Long: one vectorised pass over the group's arrays, step by step as council_positions.
    if polarity not in POLARITIES:
        raise ValueError(f"Unknown polarity {polarity!r}. Use one of: {', '.join(POLARITIES)}.")
    s = np.asarray(sorted_values, dtype="float64")
    v = np.asarray(values, dtype="float64")
    size = len(v)

    def column(given) -> np.ndarray:
        if given is None:
            return np.full(size, np.nan)
        try:
            return np.asarray(given, dtype="float64")  # numbers, and None as NaN
        except (TypeError, ValueError):
            return pd.to_numeric(pd.Series(given), errors="coerce").to_numpy(
                "float64", na_value=np.nan
            )

    n = len(s)
    below = np.searchsorted(s, v, side="left")
    above = n - np.searchsorted(s, v, side="right")
    ties_others = n - 1 - below - above
    with np.errstate(divide="ignore", invalid="ignore"):
        percentile = 100.0 * (below + 0.5 * ties_others) / (n - 1)
    percentile = np.where(n == 1, 50.0, percentile)

    enough = n >= MIN_COUNCILS_FOR_QUARTILES
    med = _sorted_quantile(s, 0.5)
    lq = _sorted_quantile(s, 0.25) if enough else np.nan
    uq = _sorted_quantile(s, 0.75) if enough else np.nan
    rank = below + 1 if polarity == LOWER_BETTER else above + 1
    band = np.zeros(size, dtype=np.int64)
    band_ok = np.full(size, False)
    rank_ok = np.full(size, True)
    if polarity == HIGHER_BETTER:
        band = np.select([v >= uq, v >= med, v >= lq], [1, 2, 3], 4)
    elif polarity == LOWER_BETTER:
        band = np.select([v <= lq, v <= med, v <= uq], [1, 2, 3], 4)
    if polarity in (HIGHER_BETTER, LOWER_BETTER):
        band_ok[:] = enough and bool(np.isfinite([lq, med, uq]).all())
    elif polarity == TARGET:
        target = float(target_value) if target_value is not None else np.nan
        rank_ok[:] = np.isfinite(target)
        if np.isfinite(target):
            # Rank and band by distance from the target, as council_positions does.
            by_distance = np.sort(np.abs(s - target))
            d = np.abs(v - target)
            dlq, dmed, duq = (_sorted_quantile(by_distance, q) for q in (0.25, 0.5, 0.75))
            band = np.select([d <= dlq, d <= dmed, d <= duq], [1, 2, 3], 4)
            rank = np.searchsorted(by_distance, d, side="left") + 1
            band_ok[:] = enough

    scale = float(scale) if scale is not None else np.nan
    ranked = {"percentile": percentile, "band": band, "band_ok": band_ok, "rank": rank}
    return _with_intervals(
        v, med, scale, column(sample_size), column(previous_value), **ranked, rank_ok=rank_ok
    )


def _with_intervals(
    v, med, scale, sample_size, previous_value, *, percentile, band, band_ok, rank, rank_ok
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The position columns, with each value's Wilson interval, whether the group's median
    lies outside it, and the change since the previous value."""
    valid = np.isfinite(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = wilson_interval(v / scale, sample_size)
    ci_low = low * scale
    ci_high = high * scale
    has_ci = valid & np.isfinite(ci_low) & np.isfinite(ci_high) & np.isfinite(med)
    outside = (med < ci_low) | (med > ci_high)
    change = v - previous_value
    return {
        "value": (v, valid),
        "percentile": (percentile, valid),
        "quartile_band": (band, band_ok & valid),
        "rank": (rank, rank_ok & valid),
        "ci_low": (ci_low, has_ci),
        "ci_high": (ci_high, has_ci),
        "significant": (outside, has_ci),
        "change": (change, np.isfinite(change)),
    }


def positions_in_group(sorted_values, values, **facts) -> pd.DataFrame:
    """Where each of ``values`` sits in a group whose values are ``sorted_values``.

    ``sorted_values`` are every finite value of the group in ascending order (as
    ``group_distributions`` gives them); each of ``values`` must be one of them (a council of
    the group) or NaN. The result is what ``council_positions`` gives for the same councils
    over the whole group, one row per value in the order given, with ``change`` =
    value - ``previous_value`` (NaN where either is missing). ``facts``: ``polarity``,
    ``target_value``, ``scale``, ``sample_size`` and ``previous_value``.
    """
    columns = _position_columns(sorted_values, values, **facts)
    out = {}
    for name, (data, ok) in columns.items():
        if name in ("quartile_band", "rank"):
            out[name] = pd.arrays.IntegerArray(np.where(ok, data, 0).astype(np.int64), ~ok)
        elif name == "significant":
            out[name] = pd.arrays.BooleanArray(data & ok, ~ok)
        elif name == "change":
            out[name] = data
        else:
            out[name] = np.where(ok, data, np.nan)
    return pd.DataFrame(out)


def position_records(sorted_values, values, **facts) -> list[dict]:
    """``positions_in_group`` as one dict per value, of plain Python numbers and None where
    a figure is missing: the same figures, without building a table."""
    return _records(_position_columns(sorted_values, values, **facts))


def positions_one_in_each(
    sorted_values: list,
    values,
    *,
    polarity: list[str],
    target_value,
    scale,
    sample_size,
    previous_value,
) -> list[dict]:
    """One value's position in each of several groups: ``position_records(sorted_values[i],
    [values[i]], ...)[0]`` for each i, every argument a list with an item per group.

    A dashboard places one council in each of a hundred measures' groups. Worked out for all
    the groups at once, over their sorted values laid end to end, with the same operations in
    the same order, so the figures are the same to the last bit (a test checks this). A
    target measure's rank is by distance from its target, which needs its own sort: those
    groups are worked out one at a time.
    """
    # Long: _position_columns' steps in the same order, for many groups at once.
    k = len(values)
    if not k:
        return []
    arrays = [np.asarray(a, dtype="float64") for a in sorted_values]
    counts = np.array([len(a) for a in arrays], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    s = np.concatenate(arrays) if counts.sum() else np.zeros(0)
    v = np.asarray(values, dtype="float64")
    owner = np.repeat(np.arange(k), counts)
    below = np.bincount(owner, weights=s < v[owner], minlength=k).astype(np.int64)
    above = np.bincount(owner, weights=s > v[owner], minlength=k).astype(np.int64)
    n = counts
    ties_others = n - 1 - below - above
    with np.errstate(divide="ignore", invalid="ignore"):
        percentile = 100.0 * (below + 0.5 * ties_others) / (n - 1)
    percentile = np.where(n == 1, 50.0, percentile)

    def quantile(q: float) -> np.ndarray:
        has = n > 0
        pos = (n - 1) * q
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        out = np.full(k, np.nan)
        out[has] = _lerp(s[starts[has] + lo[has]], s[starts[has] + hi[has]], (pos - lo)[has])
        return out

    enough = n >= MIN_COUNCILS_FOR_QUARTILES
    med = quantile(0.5)
    lq = np.where(enough, quantile(0.25), np.nan)
    uq = np.where(enough, quantile(0.75), np.nan)
    code = np.array([POLARITIES.index(p) for p in polarity])
    rank = np.where(code == _LOWER, below + 1, above + 1)
    with np.errstate(invalid="ignore"):
        higher = np.select([v >= uq, v >= med, v >= lq], [1, 2, 3], 4)
        lower = np.select([v <= lq, v <= med, v <= uq], [1, 2, 3], 4)
    band = np.select([code == _HIGHER, code == _LOWER], [higher, lower], 0)
    ranked_by_side = (code == _HIGHER) | (code == _LOWER)
    band_ok = ranked_by_side & enough & np.isfinite(lq) & np.isfinite(med) & np.isfinite(uq)

    scale = np.asarray(scale, dtype="float64")
    columns = _with_intervals(
        v,
        med,
        scale,
        np.asarray(sample_size, dtype="float64"),
        np.asarray(previous_value, dtype="float64"),
        percentile=percentile,
        band=band,
        band_ok=band_ok,
        rank=rank,
        rank_ok=np.full(k, True),
    )
    records = _records(columns)
    for i in np.flatnonzero(code == _TARGET):
        records[i] = position_records(
            arrays[i],
            v[i : i + 1],
            polarity=TARGET,
            target_value=target_value[i],
            scale=scale[i],
            sample_size=[sample_size[i]],
            previous_value=[previous_value[i]],
        )[0]
    return records


def _records(columns: dict[str, tuple[np.ndarray, np.ndarray]]) -> list[dict]:
    """``_position_columns``' columns as one dict per row, of plain Python numbers, None
    where a figure is missing."""
    kinds = {"quartile_band": int, "rank": int, "significant": bool}
    lists = {}
    for name, (data, ok) in columns.items():
        ok = ok & np.isfinite(data) if data.dtype.kind == "f" else ok
        kind = kinds.get(name, float)
        lists[name] = [
            kind(x) if present else None
            for x, present in zip(data.tolist(), ok.tolist(), strict=True)
        ]
    return [dict(zip(lists, row, strict=True)) for row in zip(*lists.values(), strict=True)]
