"""The mixed-integer programme in column form: its columns, rows and the cuts that
tighten it, handed to HiGHS as a ``HighsLp``."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import highspy
import numpy as np

from peerchallenge.matching.instance import WEEKS, _Round

# --------------------------------------------------------------------------- the model


@dataclass
class _Model:
    """A programme in column form. Columns: the x pairs first, then one s per challenge,
    then auxiliary columns (y for C4, u for C8)."""

    cols: np.ndarray  # pair index of each x column
    n_x: int
    s_offset: int
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    n_int: int  # x and s are integer; the auxiliary columns are continuous

    def lp(self, relax: bool = False) -> highspy.HighsLp:
        lp = highspy.HighsLp()
        lp.num_col_ = len(self.cost)
        lp.num_row_ = len(self.row_lower)
        lp.col_cost_ = self.cost
        lp.col_lower_ = self.col_lower
        lp.col_upper_ = self.col_upper
        lp.row_lower_ = self.row_lower
        lp.row_upper_ = self.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = self.start.astype(np.int32)
        lp.a_matrix_.index_ = self.index.astype(np.int32)
        lp.a_matrix_.value_ = self.value
        if not relax:
            integer = highspy.HighsVarType.kInteger
            continuous = highspy.HighsVarType.kContinuous
            lp.integrality_ = [integer] * self.n_int + [continuous] * (len(self.cost) - self.n_int)
        return lp

    def subset(self, keep: np.ndarray) -> _Model:
        """The same rows with only the x columns at positions ``keep`` (sorted)."""
        keep = np.asarray(keep, dtype=np.int64)
        columns = np.concatenate([keep, np.arange(self.n_x, len(self.cost))])
        lengths = self.start[columns + 1] - self.start[columns]
        start = np.r_[0, np.cumsum(lengths)]
        gather = np.repeat(self.start[columns] - start[:-1], lengths) + np.arange(start[-1])
        return _Model(
            cols=self.cols[keep],
            n_x=len(keep),
            s_offset=len(keep),
            cost=self.cost[columns],
            col_lower=self.col_lower[columns],
            col_upper=self.col_upper[columns],
            row_lower=self.row_lower,
            row_upper=self.row_upper,
            start=start,
            index=self.index[gather],
            value=self.value[gather],
            n_int=len(keep) + self.n_int - self.n_x,
        )

    def reduced_costs(self, row_dual: np.ndarray) -> np.ndarray:
        """c - A'y for the x columns (minimisation form)."""
        ends = self.start[: self.n_x + 1]
        products = self.value[: ends[-1]] * row_dual[self.index[: ends[-1]]]
        sums = np.zeros(self.n_x)
        nonempty = ends[1:] > ends[:-1]
        sums[nonempty] = np.add.reduceat(products, ends[:-1][nonempty])
        return self.cost[: self.n_x] - sums


class _Builder:
    """The programme as it is built: the x columns' pairs, the auxiliary columns added so far,
    and the constraint matrix as (row, column, value) triplets with each row's bounds."""

    def __init__(self, rnd: _Round, cols: np.ndarray):
        self.rnd = rnd
        self.cols = cols
        self.pc = rnd.pair_c[cols]  # each x column's challenge
        self.pp = rnd.pair_p[cols]  # and peer
        self.n = len(cols)
        self.xs = np.arange(self.n, dtype=np.int64)
        self.s0 = self.n  # the s columns follow the x columns
        self.ncol = self.n + rnd.n_challenges
        self.aux_cost: list[float] = []
        self.aux_upper: list[float] = []
        self.rows_r: list[np.ndarray] = []
        self.rows_c: list[np.ndarray] = []
        self.rows_v: list[np.ndarray] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.nrow = 0

    def add(self, row_ids, col_ids, vals) -> None:
        self.rows_r.append(np.asarray(row_ids, dtype=np.int64))
        self.rows_c.append(np.asarray(col_ids, dtype=np.int64))
        self.rows_v.append(np.broadcast_to(np.asarray(vals, dtype=float), len(row_ids)).copy())

    def new_rows(self, lo, hi) -> int:
        lo = np.asarray(lo, dtype=float)
        hi = np.asarray(hi, dtype=float)
        first = self.nrow
        self.nrow += len(lo)
        self.lower.append(lo)
        self.upper.append(hi)
        return first

    def new_columns(self, count: int) -> int:
        """``count`` continuous columns in [0, 1] costing nothing; returns the first."""
        first = self.ncol
        self.ncol += count
        self.aux_cost += [0.0] * count
        self.aux_upper += [1.0] * count
        return first

    def model(self, cost: np.ndarray, s_lower: np.ndarray, s_upper: np.ndarray) -> _Model:
        n, nc = self.n, self.rnd.n_challenges
        r = np.concatenate(self.rows_r)
        c = np.concatenate(self.rows_c)
        v = np.concatenate(self.rows_v)
        order = np.lexsort((r, c))
        r, c, v = r[order], c[order], v[order]
        start = np.searchsorted(c, np.arange(self.ncol + 1)).astype(np.int32)
        return _Model(
            cols=np.asarray(self.cols, dtype=np.int64),
            n_x=n,
            s_offset=self.s0,
            cost=np.concatenate([cost, np.array(self.aux_cost)]),
            col_lower=np.concatenate(
                [np.zeros(n), s_lower.astype(float), np.zeros(self.ncol - n - nc)]
            ),
            col_upper=np.concatenate([np.ones(n), s_upper.astype(float), np.array(self.aux_upper)]),
            row_lower=np.concatenate(self.lower),
            row_upper=np.concatenate(self.upper),
            start=start.astype(np.int64),
            index=r,
            value=v,
            n_int=n + nc,
        )


def _build(
    rnd: _Round,
    cols: np.ndarray,
    *,
    s_lower: np.ndarray,
    s_upper: np.ndarray,
    objective: str,
    pins: list[tuple[int, int]],
    drop: frozenset = frozenset(),
    staffed_count: int | None = None,
) -> _Model:
    """The programme over the given eligible pairs (minimisation form).

    Columns: x (one per pair), s (one per challenge: staffed), y (C4: party present), u (C8:
    which way a pair of host councils may review). Rows as in the method note, a rule at a
    time; ``drop`` lifts C5 to C8 (to find which round rules stand in the way).
    """
    b = _Builder(rnd, cols)
    nc = rnd.n_challenges
    _team_size_rows(b)
    _role_rows(b)
    _party_rows(b)
    _council_rows(b, drop)
    if "C6" not in drop:
        _days_rows(b)
    if "C7" not in drop:
        _week_rows(b)
    if pins:
        _pin_rows(b, pins)
    if staffed_count is not None:
        first = b.new_rows([float(staffed_count)], [float(staffed_count)])
        b.add(np.full(nc, first), b.s0 + np.arange(nc), 1.0)
    if objective == "score":
        cost = np.concatenate([-rnd.pair_w[cols].astype(float), np.zeros(nc)])
    else:
        cost = np.concatenate([np.zeros(b.n), -np.ones(nc)])
    return b.model(cost, s_lower, s_upper)


def _team_size_rows(b: _Builder) -> None:
    """C1: sum x - size * s = 0."""
    nc = b.rnd.n_challenges
    first = b.new_rows(np.zeros(nc), np.zeros(nc))
    b.add(first + b.pc, b.xs, 1.0)
    b.add(first + np.arange(nc), b.s0 + np.arange(nc), -b.rnd.c_size.astype(float))


def _role_rows(b: _Builder) -> None:
    """C2: min * s <= the team's peers of role r <= max * s, where a bound binds."""
    rnd, nc = b.rnd, b.rnd.n_challenges
    nr = len(rnd.roles)
    key = b.pc * nr + rnd.p_role[b.pp]
    for bound in ("min", "max"):
        table = rnd.role_min if bound == "min" else rnd.role_max
        if bound == "min":
            need = rnd.in_template & (table > 0)
        else:
            need = rnd.in_template & (table < rnd.c_size[:, None])
        cc, rr = np.nonzero(need)
        if not len(cc):
            continue
        lookup = np.full(nc * nr, -1, dtype=np.int64)
        lookup[cc * nr + rr] = np.arange(len(cc))
        if bound == "min":
            first = b.new_rows(np.zeros(len(cc)), np.full(len(cc), np.inf))
        else:
            first = b.new_rows(np.full(len(cc), -np.inf), np.zeros(len(cc)))
        hit = lookup[key] >= 0
        b.add(first + lookup[key[hit]], b.xs[hit], 1.0)
        b.add(first + np.arange(len(cc)), b.s0 + cc, -table[cc, rr].astype(float))


def _party_rows(b: _Builder) -> None:
    """C3: at most max_same_party councillors of a party; C4: councillors of min_parties
    parties, through a y column per (challenge, party) saying the party is present."""
    rnd, nc = b.rnd, b.rnd.n_challenges
    npty = len(rnd.parties)
    councillor = rnd.p_councillor[b.pp] & (rnd.p_party[b.pp] >= 0)
    pkey = b.pc[councillor] * npty + rnd.p_party[b.pp][councillor]
    pxs = b.xs[councillor]
    counts = np.bincount(pkey, minlength=nc * npty)
    over = np.nonzero(counts > rnd.msp)[0]
    if len(over):
        lookup = np.full(nc * npty, -1, dtype=np.int64)
        lookup[over] = np.arange(len(over))
        first = b.new_rows(np.full(len(over), -np.inf), np.full(len(over), float(rnd.msp)))
        hit = lookup[pkey] >= 0
        b.add(first + lookup[pkey[hit]], pxs[hit], 1.0)
    mix = np.array(
        [
            rnd.needs_party_mix(c) and -(-rnd.min_councillors[c] // rnd.msp) < rnd.min_parties
            for c in range(nc)
        ],
        dtype=bool,
    )
    if not mix.any():
        return
    present = np.nonzero((counts > 0) & np.repeat(mix, npty))[0]
    lookup = np.full(nc * npty, -1, dtype=np.int64)
    lookup[present] = np.arange(len(present))
    y0 = b.new_columns(len(present))
    # y - sum x of that party <= 0
    first = b.new_rows(np.full(len(present), -np.inf), np.zeros(len(present)))
    b.add(first + np.arange(len(present)), y0 + np.arange(len(present)), 1.0)
    hit = lookup[pkey] >= 0
    b.add(first + lookup[pkey[hit]], pxs[hit], -1.0)
    # sum y - min_parties * s >= 0
    mc = np.nonzero(mix)[0]
    first = b.new_rows(np.zeros(len(mc)), np.full(len(mc), np.inf))
    row_of = np.full(nc, -1, dtype=np.int64)
    row_of[mc] = first + np.arange(len(mc))
    b.add(row_of[present // npty], y0 + np.arange(len(present)), 1.0)
    b.add(row_of[mc], b.s0 + mc, -float(rnd.min_parties))


def _council_rows(b: _Builder, drop: frozenset) -> None:
    """C5 (one peer per council on a team) and C8 (no mutual review), by (challenge, peer
    council): a u column per pair of councils that could review each other says which way
    round they may."""
    rnd, nc = b.rnd, b.rnd.n_challenges
    nk = len(rnd.council_ids)
    pk = rnd.p_council[b.pp]
    host = rnd.c_host[b.pc]
    ckey = b.pc * nk + pk
    ccounts = np.bincount(ckey, minlength=nc * nk)
    mutual_dir = np.zeros(0, dtype=np.int64)
    if rnd.rules["no_mutual_review"] and "C8" not in drop:
        direct = np.zeros((nk, nk), dtype=bool)  # direct[a, b]: a peer of a could sit at b
        direct[pk, host] = True
        mutual = direct & direct.T
        a_ix, b_ix = np.nonzero(np.triu(mutual, 1))
        u_of = np.full((nk, nk), -1, dtype=np.int64)
        u0 = b.new_columns(len(a_ix))
        u_of[a_ix, b_ix] = u0 + np.arange(len(a_ix))
        u_of[b_ix, a_ix] = u0 + np.arange(len(a_ix))
        mutual_dir = np.where(mutual[pk, host], np.where(pk < host, 1, -1), 0)
    if rnd.rules["one_peer_per_council"] and "C5" not in drop:
        is_mut = np.zeros(nc * nk, dtype=bool)
        if len(mutual_dir):
            is_mut[ckey[mutual_dir != 0]] = True
        keys = np.nonzero((ccounts >= 2) | is_mut)[0]
        lookup = np.full(nc * nk, -1, dtype=np.int64)
        lookup[keys] = np.arange(len(keys))
        kc, kk = keys // nk, keys % nk
        kh = rnd.c_host[kc]
        direction = np.zeros(len(keys), dtype=np.int64)
        if len(mutual_dir):
            direction = np.where(is_mut[keys], np.where(kk < kh, 1, -1), 0)
        hi = np.where(direction == 1, 0.0, 1.0)
        first = b.new_rows(np.full(len(keys), -np.inf), hi)
        hit = lookup[ckey] >= 0
        b.add(first + lookup[ckey[hit]], b.xs[hit], 1.0)
        if len(mutual_dir):
            m = direction != 0
            b.add(first + np.nonzero(m)[0], u_of[kk[m], kh[m]], -direction[m].astype(float))
    elif len(mutual_dir):
        m = np.nonzero(mutual_dir != 0)[0]
        d = mutual_dir[m]
        first = b.new_rows(np.full(len(m), -np.inf), np.where(d == 1, 0.0, 1.0))
        b.add(first + np.arange(len(m)), b.xs[m], 1.0)
        b.add(first + np.arange(len(m)), u_of[pk[m], host[m]], -d.astype(float))


def _days_rows(b: _Builder) -> None:
    """C6: a peer's days across the round, for peers who could be asked for more than they
    have, with the cuts that tighten it."""
    rnd = b.rnd
    days = rnd.c_days[b.pc]
    load = np.bincount(b.pp, weights=days, minlength=rnd.n_peers)
    tight = np.nonzero(load > rnd.capacity + 1e-9)[0]
    if not len(tight):
        return
    lookup = np.full(rnd.n_peers, -1, dtype=np.int64)
    lookup[tight] = np.arange(len(tight))
    first = b.new_rows(np.full(len(tight), -np.inf), rnd.capacity[tight])
    hit = lookup[b.pp] >= 0
    b.add(first + lookup[b.pp[hit]], b.xs[hit], days[hit])
    _capacity_cuts(rnd, tight, b.pp[hit], b.pc[hit], b.xs[hit], b.add, b.new_rows)


def _week_rows(b: _Builder) -> None:
    """C7: one challenge a week for each peer."""
    rnd = b.rnd
    wkey = b.pp * WEEKS + rnd.c_week[b.pc]
    wcounts = np.bincount(wkey, minlength=rnd.n_peers * WEEKS)
    clash = np.nonzero(wcounts >= 2)[0]
    if not len(clash):
        return
    lookup = np.full(rnd.n_peers * WEEKS, -1, dtype=np.int64)
    lookup[clash] = np.arange(len(clash))
    first = b.new_rows(np.full(len(clash), -np.inf), np.ones(len(clash)))
    hit = lookup[wkey] >= 0
    b.add(first + lookup[wkey[hit]], b.xs[hit], 1.0)


def _pin_rows(b: _Builder, pins: list[tuple[int, int]]) -> None:
    """A pinned peer sits on the team exactly when it is staffed."""
    position = {int(j): i for i, j in enumerate(b.cols)}
    pin_x = [position[b.rnd.pair_of[(c, p)]] for c, p in pins]
    pin_c = [c for c, _ in pins]
    first = b.new_rows(np.zeros(len(pins)), np.zeros(len(pins)))
    b.add(first + np.arange(len(pins)), pin_x, 1.0)
    b.add(first + np.arange(len(pins)), b.s0 + np.array(pin_c), -1.0)


def _capacity_cuts(rnd, tight, peers, challenges, columns, add, new_rows) -> None:
    """Valid inequalities that tighten each peer's days budget (C6) in the relaxation.

    A peer with 10 days can take two 4-day challenges, not the 2.5 the relaxation allows.
    Counting the challenges a peer takes by length (n_k of length d_k), every integer
    choice satisfies ``sum_k a_k n_k <= b`` where b is the most ``a . n`` over the integer
    choices that fit the days. Small whole a (0..3) are tried and those that cut off part of
    the relaxation are added; they exclude no rule-abiding assignment, so the optimum is
    unchanged and only the bound gets closer to it.
    """
    lengths = np.unique(rnd.c_days)
    m = len(lengths)
    if m > 4 or not len(tight):
        return
    klass = np.searchsorted(lengths, rnd.c_days[challenges])
    order = np.full(rnd.n_peers, -1, dtype=np.int64)
    order[tight] = np.arange(len(tight))
    counts = np.bincount(order[peers] * m + klass, minlength=len(tight) * m).reshape(-1, m)
    caps = rnd.capacity[tight]
    upper = np.minimum(counts, np.floor(caps[:, None] / lengths[None, :] + 1e-9)).astype(int)
    signatures: dict[tuple, int] = {}
    sig_of = np.empty(len(tight), dtype=np.int64)
    for i in range(len(tight)):
        key = (float(caps[i]), tuple(upper[i]))
        sig_of[i] = signatures.setdefault(key, len(signatures))
    top = 3 if m <= 3 else 2
    found: list[list[tuple[tuple[int, ...], int]]] = []
    for cap, ub in signatures:
        points = [
            n
            for n in itertools.product(*(range(u + 1) for u in ub))
            if float(np.dot(n, lengths)) <= cap + 1e-9
        ]
        cuts = []
        for a in itertools.product(range(top + 1), repeat=m):
            if not any(a) or math.gcd(*a) > 1:
                continue
            best = max(sum(x * y for x, y in zip(a, n, strict=True)) for n in points)
            if _knapsack_lp(a, lengths, ub, cap) > best + 1e-6:
                cuts.append((a, best))
        found.append(cuts)
    most = max((len(c) for c in found), default=0)
    for t in range(most):
        has = np.array([len(found[sig]) > t for sig in sig_of], dtype=bool)
        if not has.any():
            continue
        row_of = np.full(len(tight), -1, dtype=np.int64)
        row_of[has] = np.arange(int(has.sum()))
        rhs = np.array([found[sig][t][1] for sig in sig_of[has]], dtype=float)
        first = new_rows(np.full(len(rhs), -np.inf), rhs)
        coef = np.zeros((len(found), m))
        for sig, cuts in enumerate(found):
            if len(cuts) > t:
                coef[sig] = cuts[t][0]
        local = order[peers]
        value = coef[sig_of[local], klass]
        keep = (row_of[local] >= 0) & (value > 0)
        add(first + row_of[local[keep]], columns[keep], value[keep])


def _knapsack_lp(a, lengths, upper, cap) -> float:
    """The most ``a . n`` with ``lengths . n <= cap`` and ``0 <= n <= upper`` (fractional)."""
    total = 0.0
    room = cap
    for k in sorted(range(len(a)), key=lambda k: -a[k] / lengths[k]):
        if a[k] <= 0 or room <= 0:
            continue
        take = min(float(upper[k]), room / lengths[k])
        total += a[k] * take
        room -= take * lengths[k]
    return total
