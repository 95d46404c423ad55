"""Solving a round: stage 1 (most challenges staffed), stage 2 (highest score), the
column strategy for large rounds, and why each unstaffed challenge could not be staffed."""

from __future__ import annotations

import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np

from peerchallenge.matching.instance import (
    ELIGIBLE,
    REASONS,
    ROLE_WORDS,
    ROUND_RULES,
    _require_valid,
    _Round,
)
from peerchallenge.matching.model import _build, _Model

log = logging.getLogger(__name__)

# Above this many eligible pairs the round is solved by column generation (see the package's doc).
COLUMN_STRATEGY_PAIRS = 120_000
# Under a time limit, the last exact programme of that strategy is run only when reduced-cost
# fixing leaves at most this many pairs; otherwise the incumbent stands with its bound.
FINAL_PAIRS_WITH_LIMIT = 250_000


@dataclass
class Progress:
    """What the solver has so far: the best score found, the best bound proven, the gap
    between them as a share of the bound, and the seconds since ``solve`` started."""

    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float


@dataclass
class Result:
    assignments: dict[str, list[str]]
    objective: int
    bound: float
    gap: float
    status: str
    seconds: float
    unstaffed: dict[str, str] = field(default_factory=dict)
    diagnostics: dict[str, dict[str, dict]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "assignments": self.assignments,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": round(self.seconds, 3),
            "status": self.status,
            "unstaffed": self.unstaffed,
        }


class _Clock:
    """Time left and progress reports."""

    def __init__(self, limit: float | None, on_progress):
        self.start = time.monotonic()
        self.limit = limit
        self.on_progress = on_progress
        self.last = -1.0
        self.latest: tuple[float | None, float | None] = (None, None)

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def left(self) -> float | None:
        if self.limit is None:
            return None
        return max(0.0, self.limit - self.elapsed())

    def report(self, objective=None, bound=None, *, force=False):
        if self.on_progress is None:
            return
        self.latest = (objective, bound)
        now = self.elapsed()
        if not force and now - self.last < 1.0:
            return
        self.last = now
        progress = Progress(
            objective=objective, bound=bound, gap=_gap(objective, bound), seconds=now
        )
        try:
            self.on_progress(progress)
        except Exception:
            # A failing progress display must not stop the solve (it runs inside HiGHS).
            log.exception("The progress callback failed")


def _finite(value: float) -> float | None:
    return value if abs(value) < 1e30 else None


def _gap(objective, bound) -> float | None:
    if objective is None or bound is None:
        return None
    if bound <= 0:
        return 0.0
    return max(0.0, (bound - objective) / bound)


@dataclass
class _Solved:
    status: str  # optimal | time_limit | infeasible | none
    values: np.ndarray | None
    objective: float | None  # maximisation form
    bound: float | None  # maximisation form
    col_dual: np.ndarray | None = None
    row_dual: np.ndarray | None = None


def _run(
    model: _Model,
    clock: _Clock,
    *,
    budget: float | None = None,
    start: np.ndarray | None = None,
    report: bool = True,
    lp_only: bool = False,
    bound_cap: float | None = None,
    bound_only_cap: bool = False,
) -> _Solved:
    """Solve one programme. Progress shows HiGHS's bound, or ``bound_cap`` where that is
    lower; with ``bound_only_cap`` HiGHS's bound is not a bound on the whole round (a
    restricted programme) and only ``bound_cap`` is shown."""
    h = _highs(model, clock, budget=budget, start=start, lp_only=lp_only)
    if clock.on_progress is not None and not lp_only:
        _listen(h, clock, report=report, bound_cap=bound_cap, bound_only_cap=bound_only_cap)
    began = time.monotonic()
    if clock.on_progress is None:
        h.run()
    else:
        # HiGHS calls back only once its search has started; while it presolves a large
        # programme the caller still hears every few seconds that work goes on.
        solver = h.startSolve()
        while not h.wait(2.0)[0]:
            clock.report(*clock.latest)
        solver.join()
    log.debug(
        "%s: %d columns, %d rows, %s in %.1f s",
        "LP" if lp_only else "MIP",
        len(model.cost),
        len(model.row_lower),
        h.modelStatusToString(h.getModelStatus()),
        time.monotonic() - began,
    )
    return _outcome(h, lp_only=lp_only)


def _highs(model: _Model, clock: _Clock, *, budget, start, lp_only: bool) -> highspy.Highs:
    """HiGHS with the programme, a proven optimum as its goal, the time left and a start."""
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.99)  # scores are whole numbers
    h.setOptionValue("random_seed", 1)
    left = clock.left()
    limits = [t for t in (left, budget) if t is not None]
    if limits:
        h.setOptionValue("time_limit", max(0.5, min(limits)))
    h.passModel(model.lp(relax=lp_only))
    if lp_only:
        h.setOptionValue("solver", "simplex")
    if start is not None:
        h.setSolution(
            len(start), np.arange(len(start), dtype=np.int32), np.asarray(start, dtype=float)
        )
    return h


def _listen(h: highspy.Highs, clock: _Clock, *, report: bool, bound_cap, bound_only_cap) -> None:
    """Pass HiGHS's progress to the clock: the score and bound when ``report``, otherwise
    only that work goes on."""
    if not report:

        def heartbeat(event):
            clock.report()

        h.cbMipInterrupt += heartbeat
        return

    def shown(out):
        bound = None if bound_only_cap else _finite(-out.mip_dual_bound)
        if bound_cap is not None:
            bound = bound_cap if bound is None else min(bound, bound_cap)
        return bound

    def improving(event):
        out = event.data_out
        clock.report(_finite(-out.mip_primal_bound), shown(out), force=True)

    def ticking(event):
        out = event.data_out
        clock.report(_finite(-out.mip_primal_bound), shown(out))

    h.cbMipImprovingSolution += improving
    h.cbMipInterrupt += ticking


def _outcome(h: highspy.Highs, *, lp_only: bool) -> _Solved:
    """What the run found, in maximisation form."""
    status = h.getModelStatus()
    info = h.getInfo()
    solution = h.getSolution()
    has = solution.value_valid and info.primal_solution_status == 2
    values = np.asarray(solution.col_value) if has else None
    if lp_only:
        if status != highspy.HighsModelStatus.kOptimal:
            return _Solved("none", None, None, None)
        return _Solved(
            "optimal",
            values,
            -info.objective_function_value,
            -info.objective_function_value,
            np.asarray(solution.col_dual),
            np.asarray(solution.row_dual),
        )
    if status == highspy.HighsModelStatus.kInfeasible:
        return _Solved("infeasible", None, None, None)
    objective = -info.objective_function_value if has else None
    bound = -info.mip_dual_bound if abs(info.mip_dual_bound) < 1e30 else None
    if status == highspy.HighsModelStatus.kOptimal:
        return _Solved("optimal", values, objective, objective if bound is None else bound)
    return _Solved("time_limit" if has else "none", values, objective, bound)


# --------------------------------------------------------------------------- solving


def solve(
    instance: dict,
    *,
    time_limit: float | None = None,
    pinned: dict[str, list[str]] | None = None,
    excluded: dict[str, list[str]] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Result:
    """The best assignment for the round. Raises ValueError on an invalid instance or on pins
    and exclusions naming unknown challenges or peers."""
    _require_valid(instance)
    clock = _Clock(time_limit, on_progress)
    clock.report(force=True)
    rnd = _Round(instance, excluded)
    pins, unstaffed = _pins_and_counts(rnd, pinned or {})
    candidate = np.array([c not in unstaffed for c in range(rnd.n_challenges)], dtype=bool)
    use_columns = len(rnd.pair_c) > COLUMN_STRATEGY_PAIRS
    all_cols = np.nonzero(candidate[rnd.pair_c])[0]
    log.debug("%d eligible pairs; %d candidate challenges", len(rnd.pair_c), candidate.sum())
    first = _most_staffed(rnd, candidate, pins, clock, use_columns, all_cols)
    if first is None:
        return _give_up(rnd, clock, unstaffed)
    staffed, start_pairs, proven_count = first
    second, chosen = _best_score(
        rnd, candidate, pins, clock, use_columns, all_cols, staffed, start_pairs
    )
    return _result(
        rnd, clock, second, chosen, pins, unstaffed, candidate, use_columns, proven_count
    )


def _pins_and_counts(
    rnd: _Round, pinned: dict[str, list[str]]
) -> tuple[list[tuple[int, int]], dict[int, str]]:
    """The pins that can stand, and the challenges already known to be unstaffable (a pinned
    peer who is not eligible, or too few eligible peers) with the reason."""
    pins: list[tuple[int, int]] = []
    unstaffed: dict[int, str] = {}
    for challenge, peers in pinned.items():
        c = rnd._challenge(challenge)
        for peer in peers:
            p = rnd._peer(peer)
            if rnd.reason[c, p] != ELIGIBLE:
                unstaffed[c] = (
                    f"Pinned peer {peer} cannot sit on this team "
                    f"({REASONS[int(rnd.reason[c, p])]}: {rnd.reason_words(c, p)})."
                )
            else:
                pins.append((c, p))
    for c in range(rnd.n_challenges):
        if c not in unstaffed:
            why = _counting_check(rnd, c, [p for cc, p in pins if cc == c])
            if why:
                unstaffed[c] = why
    return [(c, p) for c, p in pins if c not in unstaffed], unstaffed


def _most_staffed(rnd, candidate, pins, clock, use_columns, all_cols):
    """Stage 1: the most challenges that can be staffed together, as (staffed mask, the
    pairs of an assignment that staffs them, whether that count is proven); None when the
    time ran out before any answer."""
    nc = rnd.n_challenges
    time_limit = clock.limit
    budget1 = None if time_limit is None else max(5.0, 0.3 * time_limit)
    seed: set[int] = set()
    if use_columns:
        seed = _greedy(rnd, candidate, pins)
    if seed and len({int(rnd.pair_c[j]) for j in seed}) == int(candidate.sum()):
        # Every challenge that could be staffed is: nothing to maximise in stage 1.
        return _start_staffed(rnd, set(seed)), set(seed), True
    # Large rounds try growing shares of the pairs before all of them; each attempt starts
    # from the last one's answer. A share that staffs every candidate is proof enough;
    # otherwise only the attempt over all pairs proves the count.
    attempts = [_initial_columns(rnd, candidate, pins, n) for n in (10, 30)] if use_columns else []
    attempts.append(all_cols)
    for stage1_cols in attempts:
        stage1_cols = np.union1d(stage1_cols, np.fromiter(seed, dtype=np.int64))
        first = _stage1(rnd, stage1_cols, candidate, pins, clock, budget1, seed)
        if first.values is not None:
            seed = set(stage1_cols[first.values[: len(stage1_cols)] > 0.5].tolist())
        if first.status == "infeasible" or _count(first) >= candidate.sum():
            break
    if first.values is None:
        if first.status != "infeasible" and candidate.any():
            return None
        staffed = np.zeros(nc, dtype=bool)
        start_pairs: set[int] = set()
    else:
        staffed = first.values[len(stage1_cols) : len(stage1_cols) + nc] > 0.5
        start_pairs = set(seed)
    proven_count = first.status == "optimal" or int(staffed.sum()) == int(candidate.sum())
    return staffed, start_pairs, proven_count


def _best_score(rnd, candidate, pins, clock, use_columns, all_cols, staffed, start_pairs):
    """Stage 2: the highest score with as many challenges staffed as stage 1 found, as the
    solve's outcome and the chosen pairs."""
    nc = rnd.n_challenges
    k_star = int(staffed.sum())
    if k_star == 0:
        return _Solved("optimal", None, 0.0, 0.0), set()
    if k_star == int(candidate.sum()):
        s_lower = candidate.astype(float)
        count = None
    else:
        s_lower = np.zeros(nc)
        count = k_star
    s_upper = candidate.astype(float)
    if use_columns:
        init_cols = np.union1d(
            _initial_columns(rnd, candidate, pins), np.fromiter(start_pairs, dtype=np.int64)
        )
        return _stage2_columns(
            rnd, all_cols, init_cols, start_pairs, s_lower, s_upper, count, pins, clock
        )
    model = _build(
        rnd,
        all_cols,
        s_lower=s_lower,
        s_upper=s_upper,
        objective="score",
        pins=pins,
        staffed_count=count,
    )
    second = _run(model, clock, start=_start_vector(model, start_pairs, staffed, rnd))
    if second.values is not None:
        return second, set(all_cols[second.values[: model.n_x] > 0.5].tolist())
    incumbent = float(rnd.pair_w[list(start_pairs)].sum()) if start_pairs else 0.0
    return _Solved("time_limit", None, incumbent, second.bound), start_pairs


def _result(rnd, clock, second, chosen, pins, unstaffed, candidate, use_columns, proven_count):
    """The assignment in the exchange format's words, its score, bound and status, and why
    each challenge left unstaffed is."""
    nc = rnd.n_challenges
    assignments: dict[str, list[str]] = {}
    for j in sorted(chosen, key=lambda j: (rnd.pair_c[j], rnd.pair_p[j])):
        assignments.setdefault(rnd.challenge_ids[rnd.pair_c[j]], []).append(
            rnd.peer_ids[rnd.pair_p[j]]
        )
    objective = int(sum(int(rnd.pair_w[j]) for j in chosen))
    bound = second.bound if second.bound is not None else float(objective)
    bound = float(max(objective, math.floor(bound + 1e-6)))
    staffed_now = {rnd.challenge_ix[c] for c in assignments}
    probes: dict[str, list[str]] = {}
    for c in range(nc):
        if c not in staffed_now and c not in unstaffed:
            unstaffed[c] = _round_reason(
                rnd, c, pins, staffed_now, clock, use_columns, candidate, probes
            )
    if objective >= bound and proven_count:
        status = "optimal"
    elif second.status == "time_limit" or not proven_count:
        status = "time_limit"
    else:
        status = "feasible"
    if nc and not assignments:
        status = "infeasible" if proven_count else "time_limit"
    clock.report(objective, bound, force=True)
    return Result(
        assignments=assignments,
        objective=objective,
        bound=bound,
        gap=_gap(objective, bound) or 0.0,
        status=status,
        seconds=clock.elapsed(),
        unstaffed={rnd.challenge_ids[c]: why for c, why in sorted(unstaffed.items())},
        diagnostics={rnd.challenge_ids[c]: rnd.diagnostics(c) for c in range(nc)},
    )


def _count(solved: _Solved) -> int:
    return int(round(solved.objective)) if solved.objective is not None else 0


def _give_up(rnd: _Round, clock: _Clock, unstaffed: dict[int, str]) -> Result:
    for c in range(rnd.n_challenges):
        unstaffed.setdefault(c, "No assignment was found within the time limit.")
    return Result(
        assignments={},
        objective=0,
        bound=0.0,
        gap=0.0,
        status="time_limit",
        seconds=clock.elapsed(),
        unstaffed={rnd.challenge_ids[c]: why for c, why in sorted(unstaffed.items())},
        diagnostics={rnd.challenge_ids[c]: rnd.diagnostics(c) for c in range(rnd.n_challenges)},
    )


def _stage1(rnd, cols, candidate, pins, clock, budget, seed=frozenset()) -> _Solved:
    model = _build(
        rnd,
        cols,
        s_lower=np.zeros(rnd.n_challenges),
        s_upper=candidate.astype(float),
        objective="count",
        pins=pins,
    )
    start = _start_vector(model, set(seed), _start_staffed(rnd, set(seed)), rnd)
    return _run(model, clock, budget=budget, report=False, start=start)


def _start_vector(model: _Model, pairs: set[int], staffed: np.ndarray, rnd: _Round):
    """A warm start: x and s set, auxiliary columns left for HiGHS to complete."""
    if not pairs:
        return None
    x = np.fromiter((1.0 if int(j) in pairs else 0.0 for j in model.cols), dtype=float)
    return np.concatenate([x, staffed.astype(float)])


def _greedy(rnd: _Round, candidate: np.ndarray, pins: list[tuple[int, int]]) -> set[int]:
    """A quick rule-abiding assignment, built challenge by challenge (scarcest first) from
    the highest-scoring peers that break no rule. It is only a starting point for the exact
    programmes: it seeds their columns and warm-starts them."""
    nc = rnd.n_challenges
    left = rnd.capacity.copy()
    busy: set[tuple[int, int]] = set()  # (peer, week)
    directions: set[tuple[int, int]] = set()  # (peer council, host council)
    chosen: set[int] = set()
    by_challenge = [np.nonzero(rnd.pair_c == c)[0] for c in range(nc)]
    pinned_of = defaultdict(list)
    for c, p in pins:
        pinned_of[c].append(p)
    scarcity = [len(by_challenge[c]) for c in range(nc)]
    one = rnd.rules["one_peer_per_council"]
    mutual = rnd.rules["no_mutual_review"]
    for c in sorted(range(nc), key=lambda c: scarcity[c]):
        if not candidate[c]:
            continue
        pairs = by_challenge[c]
        pairs = pairs[np.argsort(-rnd.pair_w[pairs], kind="stable")]
        week, days, host = int(rnd.c_week[c]), float(rnd.c_days[c]), int(rnd.c_host[c])
        team: list[int] = []
        roles: Counter = Counter()
        parties: Counter = Counter()
        councils: set[int] = set()
        picks = [rnd.pair_of[(c, p)] for p in pinned_of[c]]
        # Pins, then each role's minimum with the scarcest role first (so that a member
        # peer of the host's party does not shut out the lead member peer), then the rest
        # of the team, best score first.
        pair_roles = rnd.p_role[rnd.pair_p[pairs]]
        by_role = sorted(
            (r for r in range(len(rnd.roles)) if rnd.role_min[c, r] > 0),
            key=lambda r: int((pair_roles == r).sum()),  # noqa: B023
        )
        phases = [("pins", picks, rnd.role_max[c])]
        phases += [("min", pairs[pair_roles == r], rnd.role_min[c]) for r in by_role]
        phases.append(("max", pairs, rnd.role_max[c]))
        for phase, candidates, room in phases:
            for j in candidates:
                if len(team) >= rnd.c_size[c]:
                    break
                p = int(rnd.pair_p[j])
                r = int(rnd.p_role[p])
                k = int(rnd.p_council[p])
                party = int(rnd.p_party[p]) if rnd.p_councillor[p] else None
                if phase != "pins" and (
                    p in team
                    or roles[r] >= room[r]
                    or left[p] + 1e-9 < days
                    or (p, week) in busy
                    or (one and k in councils)
                    or (mutual and (host, k) in directions)
                    or (party is not None and parties[party] >= rnd.msp)
                ):
                    continue
                team.append(p)
                roles[r] += 1
                councils.add(k)
                if party is not None:
                    parties[party] += 1
        if rnd.needs_party_mix(c) and len(parties) < rnd.min_parties:
            continue
        team_ok = len(team) == rnd.c_size[c] and all(
            rnd.role_min[c, r] <= roles[r] <= rnd.role_max[c, r] for r in range(len(rnd.roles))
        )
        if not team_ok:
            continue
        for p in team:
            left[p] -= days
            busy.add((p, week))
            directions.add((int(rnd.p_council[p]), host))
            chosen.add(rnd.pair_of[(c, p)])
    return chosen


def _initial_columns(rnd: _Round, candidate: np.ndarray, pins, per_peer: int = 10) -> np.ndarray:
    """A small share of all pairs that leaves the solver real choices: the best few for
    every (challenge, role, party), and every peer's best few challenges, so that peers who
    are nobody's first choice are there when the first choices run out of days."""
    pc, pp = rnd.pair_c, rnd.pair_p
    group = (pc * len(rnd.roles) + rnd.p_role[pp]) * (len(rnd.parties) + 1) + (rnd.p_party[pp] + 1)
    keep_n = 3 * rnd.role_max[pc, rnd.p_role[pp]] + 6
    chosen = [_top_per_group(group, rnd.pair_w, keep_n)]
    chosen.append(_top_per_group(pp, rnd.pair_w, np.full(len(pp), per_peer)))
    chosen.append(np.array([rnd.pair_of[pin] for pin in pins], dtype=np.int64))
    out = np.unique(np.concatenate(chosen))
    return out[candidate[pc[out]]]


def _top_per_group(group: np.ndarray, weight: np.ndarray, keep_n: np.ndarray) -> np.ndarray:
    order = np.lexsort((-weight, group))
    g = group[order]
    first_of = np.r_[0, np.nonzero(np.diff(g))[0] + 1]
    rank = np.arange(len(g)) - np.repeat(first_of, np.diff(np.r_[first_of, len(g)]))
    return order[rank < keep_n[order]]


def _stage2_columns(rnd, all_cols, init_cols, start_pairs, s_lower, s_upper, count, pins, clock):
    """Stage 2 for large rounds: column generation on the linear relaxation, then
    reduced-cost fixing, then the programme over the pairs that are left.

    With row duals y from the restricted relaxation and d = c - A'y over every pair (in
    minimisation form), any assignment that uses pair j scores at most ``L - d_j`` where
    ``L`` is the Lagrangian bound (the restricted optimum plus every improving d). A pair
    with ``L - d_j`` not above the incumbent's score + 0.5 cannot be in a better assignment,
    because scores are whole numbers, so it is left out without losing the optimum.
    """

    def build(pairs):
        return _build(
            rnd,
            pairs,
            s_lower=s_lower,
            s_upper=s_upper,
            objective="score",
            pins=pins,
            staffed_count=count,
        )

    full = build(all_cols)
    position = np.full(len(rnd.pair_c), -1, dtype=np.int64)
    position[all_cols] = np.arange(len(all_cols))
    active = np.zeros(full.n_x, dtype=bool)
    active[position[init_cols]] = True
    if start_pairs:
        active[position[np.fromiter(start_pairs, dtype=np.int64)]] = True
    keep, relaxed, reduced, bound_lp = _generate_columns(full, active, clock)

    # An incumbent: the exact programme over the pairs the relaxation uses and those whose
    # reduced cost is small, widening while time allows. Each answer breaks no rule.
    incumbent_pairs = set(start_pairs)
    incumbent = float(rnd.pair_w[list(incumbent_pairs)].sum()) if incumbent_pairs else 0.0
    first = _Solved("time_limit", None, incumbent, bound_lp)
    if reduced is None or bound_lp is None:
        return first, incumbent_pairs
    support = np.zeros(full.n_x, dtype=bool)
    support[keep[relaxed.values[: len(keep)] > 1e-6]] = True
    for width in (20.0, 100.0, 400.0):
        left = clock.left()
        if left is not None and left < 20:
            break
        near = support | (reduced <= width)
        near[position[np.fromiter(incumbent_pairs, dtype=np.int64)]] = True
        pairs = full.cols[np.nonzero(near)[0]]
        sub = build(pairs)
        start = _start_vector(sub, incumbent_pairs, _start_staffed(rnd, incumbent_pairs), rnd)
        budget = 120.0 if left is None else max(10.0, 0.3 * left)
        first = _run(
            sub, clock, budget=budget, start=start, bound_cap=bound_lp, bound_only_cap=True
        )
        if first.values is not None:
            found = set(sub.cols[first.values[: sub.n_x] > 0.5].tolist())
            value = float(rnd.pair_w[list(found)].sum())
            if value >= incumbent:
                incumbent_pairs, incumbent = found, value
        log.debug("incumbent %s from %d pairs (width %s)", incumbent, len(pairs), width)
        clock.report(incumbent, bound_lp, force=True)
        if bound_lp - incumbent < 1 or first.status != "optimal":
            break
    return _fix_and_solve(rnd, full, position, reduced, bound_lp, incumbent_pairs, clock)


def _generate_columns(full: _Model, active: np.ndarray, clock: _Clock):
    """Column generation on the relaxation, from the ``active`` pairs: the pairs of the last
    restricted relaxation, its solution, every pair's reduced cost and the bound it proves
    (None for the last two when no relaxation was solved)."""
    bound_lp = None
    reduced = None
    relaxed = None
    keep = np.nonzero(active)[0]
    for _ in range(50):
        keep = np.nonzero(active)[0]
        relaxed = _run(full.subset(keep), clock, lp_only=True)
        if relaxed.status != "optimal":
            break
        reduced = full.reduced_costs(relaxed.row_dual)
        improving = ~active & (reduced < -1e-7)
        bound_lp = relaxed.objective + float(-reduced[improving].sum())
        clock.report(None, bound_lp, force=True)
        if not improving.any() or (clock.left() is not None and clock.left() < 30):
            break
        entering = np.nonzero(improving)[0]
        if len(entering) > 20_000:
            entering = entering[np.argsort(reduced[entering])[:20_000]]
        active[entering] = True
    return keep, relaxed, reduced, bound_lp


def _fix_and_solve(rnd, full, position, reduced, bound_lp, incumbent_pairs, clock):
    """Reduced-cost fixing, then the exact programme over what is left."""
    incumbent = float(rnd.pair_w[list(incumbent_pairs)].sum()) if incumbent_pairs else 0.0
    fixed_keep = (bound_lp - reduced) > incumbent + 0.5
    if incumbent_pairs:
        fixed_keep[position[np.fromiter(incumbent_pairs, dtype=np.int64)]] = True
    keep = np.nonzero(fixed_keep)[0]
    log.debug("reduced-cost fixing keeps %d of %d pairs", len(keep), full.n_x)
    if clock.limit is not None and len(keep) > FINAL_PAIRS_WITH_LIMIT:
        # Too many pairs survive for the exact programme to finish in the time given: the
        # incumbent stands, with the relaxation's bound beside it.
        return _Solved("feasible", None, incumbent, bound_lp), incumbent_pairs
    sub = full.subset(keep)
    start = _start_vector(sub, incumbent_pairs, _start_staffed(rnd, incumbent_pairs), rnd)
    final = _run(sub, clock, start=start, bound_cap=bound_lp)
    if final.values is not None and final.objective is not None and final.objective >= incumbent:
        chosen = set(sub.cols[final.values[: sub.n_x] > 0.5].tolist())
    else:
        chosen = incumbent_pairs
    value = float(rnd.pair_w[list(chosen)].sum()) if chosen else 0.0
    bounds = [bound_lp]
    if final.bound is not None:
        bounds.append(max(final.bound, incumbent))
    status = "optimal" if final.status == "optimal" else "time_limit"
    return _Solved(status, None, value, min(bounds)), chosen


def _start_staffed(rnd: _Round, pairs: set[int]) -> np.ndarray:
    staffed = np.zeros(rnd.n_challenges, dtype=bool)
    for j in pairs:
        staffed[rnd.pair_c[j]] = True
    return staffed


# --------------------------------------------------------------------------- explanations


def _counting_check(rnd: _Round, c: int, pinned: list[int]) -> str | None:
    """Reasons a team cannot be formed at all, read off the counts (most unstaffable
    challenges fail here)."""
    problems = []
    eligible = rnd.reason[c] == ELIGIBLE
    one = rnd.rules["one_peer_per_council"]
    for r, role in enumerate(rnd.roles):
        low = rnd.role_min[c, r]
        if low <= 0:
            continue
        mask = eligible & (rnd.p_role == r)
        n = int(mask.sum())
        words = ROLE_WORDS.get(role, role)
        if n < low:
            problems.append(
                f"It needs {low} {words}{'s' if low > 1 else ''} but {n} "
                f"{'is' if n == 1 else 'are'} eligible ({_removed(rnd, c, r)})."
            )
        elif one and len(set(rnd.p_council[mask].tolist())) < low:
            problems.append(
                f"It needs {low} {words}s from different councils but the eligible ones come "
                f"from {len(set(rnd.p_council[mask].tolist()))} (one peer per council)."
            )
    usable = eligible & rnd.in_template[c, rnd.p_role]
    if int(usable.sum()) < rnd.c_size[c]:
        problems.append(
            f"It needs a team of {rnd.c_size[c]} but only {int(usable.sum())} peers are eligible."
        )
    elif one and len(set(rnd.p_council[usable].tolist())) < rnd.c_size[c]:
        problems.append(
            f"It needs a team of {rnd.c_size[c]} from different councils but the eligible "
            f"peers come from {len(set(rnd.p_council[usable].tolist()))} councils "
            "(one peer per council)."
        )
    if rnd.needs_party_mix(c):
        parties = set(rnd.p_party[usable & rnd.p_councillor].tolist()) - {-1}
        if len(parties) < rnd.min_parties:
            problems.append(
                f"It needs councillors of {rnd.min_parties} parties but the eligible ones are "
                f"of {len(parties)} (party balance)."
            )
    return " ".join(problems) or None


def _removed(rnd: _Round, c: int, r: int) -> str:
    removed = rnd.diagnostics(c)[rnd.roles[r]]["removed_by"]
    if not removed:
        return "there are none in the pool"
    return "removed: " + ", ".join(f"{label} {n}" for label, n in removed.items())


def _round_reason(rnd, c, pins, staffed_now, clock, use_columns, candidate, probes) -> str:
    """Why a challenge that passed the counting check is not staffed: its team rules cannot
    be met (a small programme for this challenge alone), or it competes with the rest of the
    round for the same peers. In the second case each round rule is lifted in turn (once
    for the whole round, kept in ``probes``) to name those that stand in the way."""
    cols = np.nonzero(rnd.pair_c == c)[0]
    alone_mask = np.zeros(rnd.n_challenges, dtype=bool)
    alone_mask[c] = True
    my_pins = [(cc, p) for cc, p in pins if cc == c]
    alone = _stage1(rnd, cols, alone_mask, my_pins, _Clock(30.0, None), 30.0)
    if alone.status == "infeasible" or (alone.objective is not None and alone.objective < 0.5):
        if my_pins:
            free = _stage1(rnd, cols, alone_mask, [], _Clock(30.0, None), 30.0)
            if free.objective and free.objective > 0.5:
                return "The pinned peers cannot all sit on one team that meets the team rules."
        return (
            "No team of eligible peers meets the team rules together (size, role bounds, "
            "party balance, one peer per council)."
        )
    text = (
        "A team could be formed for this challenge alone, but not while the other challenges "
        "are staffed: the same peers are needed elsewhere in the round"
    )
    left = clock.left()
    if use_columns or (left is not None and left < 5):
        return text + "."
    if "binding" not in probes:
        probes["binding"] = []
        all_cols = np.nonzero(candidate[rnd.pair_c])[0]
        for rule, words in ROUND_RULES.items():
            probe = _build(
                rnd,
                all_cols,
                s_lower=np.zeros(rnd.n_challenges),
                s_upper=candidate.astype(float),
                objective="count",
                pins=pins,
                drop=frozenset({rule}),
            )
            budget = 20.0 if left is None else max(1.0, min(20.0, left / 4))
            solved = _run(probe, _Clock(budget, None), report=False)
            if solved.objective is not None and solved.objective > len(staffed_now) + 0.5:
                probes["binding"].append(words)
    if probes["binding"]:
        return text + " (" + ", ".join(probes["binding"]) + ")."
    return text + "."
