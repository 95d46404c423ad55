"""Statistical process control (XmR charts) for one council's own time series.

This follows the NHS England "Making Data Count" approach. It is a pure module: plain Python
and numpy, with no Django and no database, so it can be used and tested anywhere.

Limits
    The centre line is the mean of the values. The moving range is ``|x[i] - x[i-1]|`` and
    ``MR̄`` is its mean. The process limits are ``mean ± 2.66 × MR̄`` (three sigma, with
    sigma estimated as ``MR̄ / 1.128``; 2.66 is ``selfreg.stats.XMR_SCALE``, the portal's one
    multiplier). The warning ("two sigma") lines are ``mean ± (2/3) × 2.66 × MR̄``.

How many values
    - 12 or more: the limits use every value and any signal is firm.
    - 6 to 11: the limits are trial limits and every signal is marked provisional.
    - fewer than 6: no signal at all; :func:`assess` returns an empty result with a reason.

Rules (each is a small function below that returns the indices it flags)
    1. :func:`beyond_limit`: a value beyond a process limit.
    2. :func:`run_about_mean`: 7 or more values in a row on the same side of the mean.
       A value exactly on the mean breaks the run.
    3. :func:`trend`: 7 or more values in a row, each higher (or each lower) than the one
       before. Two equal values in a row break the trend.
    4. :func:`two_of_three`: two out of three values in a row beyond the same warning line.

"Exactly" is judged with a tiny tolerance (``1e-9`` of the largest value's size) so that
floating-point rounding in the mean does not create or hide signals. In particular a flat
series (every value equal, so ``MR̄ = 0`` and all the limits collapse onto the mean) never
raises any signal: no value is beyond a limit, every value sits on the mean, and no two
values differ.

Polarity
    Each signal has a side: above the mean (or rising, for a trend) or below (or falling).
    The polarity turns the side into a direction:

    - ``higher_better``: above/rising is an improvement; below/falling is a concern.
    - ``lower_better``: the other way round.
    - ``neutral``: neither is better. Signals are still reported, with direction
      ``"variation"``, never as a concern or an improvement.
    - ``target``: being close to ``target`` is better, and a concern means moving away from
      it. Precisely: for rules 1, 2 and 4, a flagged stretch (one value for rules 1 and 4,
      one whole run for rule 2) is a concern if the mean of its values is further from the
      target than the process mean is, an improvement if it is closer, and ``"variation"``
      if it is the same distance. For rule 3, a trend is a concern if its last value is
      further from the target than its first value, an improvement if closer, and
      ``"variation"`` if the same distance. So when the target is above the mean, values
      below the mean are always a concern; values above it are an improvement unless they
      overshoot the target by more than the mean falls short of it. When the target equals
      the mean, every shift is a concern.

Missing values
    ``None`` and NaN are dropped, together with their periods, before anything is
    computed: the moving range joins the values either side of a gap. The indices in each
    :class:`Finding` refer to positions in the list that was passed in, so they can be
    matched back to the caller's data; :attr:`Assessment.dropped` lists the positions that
    were left out. Infinite values are an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from selfreg.stats import XMR_SCALE, moving_range_mean, xmr_limits

__all__ = [
    "FIRM_POINTS",
    "MIN_POINTS",
    "Assessment",
    "Finding",
    "Limits",
    "assess",
    "beyond_limit",
    "may_signal",
    "plain",
    "run_about_mean",
    "trend",
    "two_of_three",
    "xmr",
]

#: Fewest values for a trial (provisional) assessment.
MIN_POINTS = 6
#: Fewest values for firm limits and signals.
FIRM_POINTS = 12
#: Length of a run or a trend that counts as a signal.
RUN_LENGTH = 7

Polarity = Literal["higher_better", "lower_better", "target", "neutral"]
Direction = Literal["concern", "improvement", "variation"]
POLARITIES: tuple[str, ...] = ("higher_better", "lower_better", "target", "neutral")

# Rule names used in Finding.rule.
BEYOND_LIMIT = "beyond_limit"
RUN = "run"
TREND = "trend"
TWO_OF_THREE = "two_of_three"
RULES: tuple[str, ...] = (BEYOND_LIMIT, RUN, TREND, TWO_OF_THREE)


@dataclass(frozen=True)
class Limits:
    """The centre line and limits of an XmR chart."""

    mean: float
    lower: float
    upper: float
    lower_2s: float
    upper_2s: float
    moving_range_mean: float
    points: int
    provisional: bool


@dataclass(frozen=True)
class Finding:
    """One rule firing on one side of the mean, read through the polarity.

    ``direction`` is ``"concern"`` (worse), ``"improvement"`` (better) or ``"variation"``
    (a signal that is neither better nor worse, such as any signal for a neutral measure).
    ``indices`` are positions in the values passed to :func:`assess`, and ``periods`` are
    the matching period labels.
    """

    rule: str
    direction: Direction
    indices: list[int]
    periods: list[str]
    provisional: bool
    explanation: str


@dataclass(frozen=True)
class Assessment:
    """The result of :func:`assess`. ``limits`` is None when there are too few values."""

    polarity: str
    target: float | None
    limits: Limits | None
    findings: list[Finding] = field(default_factory=list)
    reason: str | None = None
    dropped: list[int] = field(default_factory=list)

    @property
    def provisional(self) -> bool:
        return self.limits is not None and self.limits.provisional

    @property
    def concerns(self) -> list[Finding]:
        return [f for f in self.findings if f.direction == "concern"]

    @property
    def improvements(self) -> list[Finding]:
        return [f for f in self.findings if f.direction == "improvement"]


# --------------------------------------------------------------------------- helpers


def plain(value: float) -> str:
    """Default number format: one decimal place from 1 upwards, 3 significant figures below.

    Thousands are separated with commas: ``plain(1234.56) == "1,234.6"``,
    ``plain(54.1666) == "54.2"``, ``plain(0.03456) == "0.0346"``.
    """
    if value == 0:
        return "0"
    if abs(value) >= 1:
        return f"{value:,.1f}"
    decimals = 2 - math.floor(math.log10(abs(value)))
    return f"{value:.{decimals}f}"


def _clean(values: Sequence[float | None]) -> tuple[np.ndarray, list[int]]:
    """Return the present values as floats and their positions in the input."""
    kept: list[float] = []
    positions: list[int] = []
    for i, v in enumerate(values):
        if v is None:
            continue
        x = float(v)
        if math.isnan(x):
            continue
        if math.isinf(x):
            raise ValueError(f"value at position {i} is infinite")
        kept.append(x)
        positions.append(i)
    return np.asarray(kept, dtype=float), positions


def _tolerance(x: np.ndarray) -> float:
    """Tiny absolute tolerance for 'exactly equal', scaled to the data."""
    scale = float(np.max(np.abs(x))) if len(x) else 0.0
    return 1e-9 * max(scale, 1.0)


def _segments(mask: Sequence[bool]) -> list[tuple[int, int]]:
    """Maximal stretches of True in ``mask`` as (start, end) inclusive."""
    out: list[tuple[int, int]] = []
    start = None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        elif not m and start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, len(mask) - 1))
    return out


def _check_side(side: str, allowed: tuple[str, str]) -> None:
    if side not in allowed:
        raise ValueError(f"side must be one of {allowed}, not {side!r}")


# --------------------------------------------------------------------------- limits


def xmr(values: Sequence[float | None]) -> Limits:
    """Work out the XmR limits for a series.

    Missing values (None or NaN) are dropped first. Needs at least 2 values; the limits are
    marked provisional with fewer than 12 (:data:`FIRM_POINTS`). When every value is equal
    the mean moving range is 0 and all the lines collapse onto the mean.
    """
    x, _ = _clean(values)
    mean, lower, upper = xmr_limits(x)
    width = upper - mean
    return Limits(
        mean=mean,
        lower=lower,
        upper=upper,
        lower_2s=mean - width * 2 / 3,
        upper_2s=mean + width * 2 / 3,
        moving_range_mean=moving_range_mean(x),
        points=len(x),
        provisional=len(x) < FIRM_POINTS,
    )


# --------------------------------------------------------------------------- rules
#
# Each public rule takes the values (already without gaps), the limits where it needs them
# and a side, and returns the sorted indices it flags. The _segments variants return the
# stretches that make up a signal, which assess() needs to read and explain each one.


def _beyond_limit_segments(x, limits: Limits, side: str) -> list[tuple[int, int]]:
    _check_side(side, ("above", "below"))
    x = np.asarray(x, dtype=float)
    tol = _tolerance(x)
    mask = x > limits.upper + tol if side == "above" else x < limits.lower - tol
    return [(i, i) for i in np.flatnonzero(mask).tolist()]


def beyond_limit(x, limits: Limits, side: str) -> list[int]:
    """Rule 1: values beyond the upper (``side="above"``) or lower (``"below"``) process limit.

    A value exactly on a limit is not beyond it. In a flat series the limits equal the mean
    and every value is on them, so nothing is flagged.
    """
    return [i for i, _ in _beyond_limit_segments(x, limits, side)]


def _run_segments(x, mean: float, side: str, length: int = RUN_LENGTH):
    _check_side(side, ("above", "below"))
    x = np.asarray(x, dtype=float)
    tol = _tolerance(x)
    mask = x > mean + tol if side == "above" else x < mean - tol
    return [(s, e) for s, e in _segments(mask.tolist()) if e - s + 1 >= length]


def run_about_mean(x, mean: float, side: str, length: int = RUN_LENGTH) -> list[int]:
    """Rule 2: ``length`` (7) or more values in a row all above (or all below) the mean.

    A value exactly on the mean is on neither side, so it breaks the run: 3 above, 1 on
    the mean and 4 more above is not a run of 7.
    """
    return [i for s, e in _run_segments(x, mean, side, length) for i in range(s, e + 1)]


def _trend_segments(x, side: str, length: int = RUN_LENGTH):
    _check_side(side, ("rising", "falling"))
    x = np.asarray(x, dtype=float)
    if len(x) < 2:
        return []
    tol = _tolerance(x)
    d = np.diff(x)
    steps = d > tol if side == "rising" else d < -tol
    # A stretch of k qualifying steps, from step s to step e, covers values s to e + 1.
    return [(s, e + 1) for s, e in _segments(steps.tolist()) if e - s + 2 >= length]


def trend(x, side: str, length: int = RUN_LENGTH) -> list[int]:
    """Rule 3: ``length`` (7) or more values in a row, each higher (``side="rising"``) or
    each lower (``"falling"``) than the one before.

    Two equal values in a row are neither a rise nor a fall, so they break the trend.
    The trend may cross the mean; only the direction of each step matters.
    """
    return [i for s, e in _trend_segments(x, side, length) for i in range(s, e + 1)]


def _two_of_three_segments(x, limits: Limits, side: str) -> list[tuple[int, int]]:
    _check_side(side, ("above", "below"))
    x = np.asarray(x, dtype=float)
    tol = _tolerance(x)
    beyond = x > limits.upper_2s + tol if side == "above" else x < limits.lower_2s - tol
    flagged: set[int] = set()
    for start in range(len(x) - 2):
        window = [i for i in range(start, start + 3) if beyond[i]]
        if len(window) >= 2:
            flagged.update(window)
    return [(i, i) for i in sorted(flagged)]


def two_of_three(x, limits: Limits, side: str) -> list[int]:
    """Rule 4: two out of three values in a row beyond the same warning (two-sigma) line.

    The warning lines are ``mean ± (2/3) × 2.66 × MR̄``. Values beyond the process limit
    also count as beyond the warning line. Only the values beyond the line are flagged;
    the third value of the three can be anywhere.
    """
    return [i for i, _ in _two_of_three_segments(x, limits, side)]


# --------------------------------------------------------------------------- assessment


def _polarity_phrase(polarity: str, target: float | None, fmt: Callable[[float], str]) -> str:
    if polarity == "higher_better":
        return "where higher is better"
    if polarity == "lower_better":
        return "where lower is better"
    if polarity == "target":
        return f"where being close to the target of {fmt(target)} is better"
    return "where neither higher nor lower is better"


def _direction(
    rule: str, side: str, seg_values: np.ndarray, mean: float, polarity: str, target
) -> Direction:
    up = side in ("above", "rising")
    if polarity == "neutral":
        return "variation"
    if polarity == "higher_better":
        return "improvement" if up else "concern"
    if polarity == "lower_better":
        return "concern" if up else "improvement"
    # target
    if rule == TREND:
        before, after = abs(seg_values[0] - target), abs(seg_values[-1] - target)
    else:
        before, after = abs(mean - target), abs(float(np.mean(seg_values)) - target)
    tol = 1e-9 * max(abs(mean), abs(target), 1.0)
    if after > before + tol:
        return "concern"
    if after < before - tol:
        return "improvement"
    return "variation"


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _explain(
    rule: str,
    side: str,
    segs: list[tuple[int, int]],
    x: np.ndarray,
    labels: list[str],
    limits: Limits,
    fmt: Callable[[float], str],
    where: str,
) -> str:
    n = len(x)
    if rule in (BEYOND_LIMIT, TWO_OF_THREE):
        points = [i for s, e in segs for i in range(s, e + 1)]
        listed = _join([f"{labels[i]}: {fmt(x[i])}" for i in points])
        if rule == BEYOND_LIMIT:
            which = "upper" if side == "above" else "lower"
            line = limits.upper if side == "above" else limits.lower
            if len(points) == 1:
                i = points[0]
                return (
                    f"The value for {labels[i]} ({fmt(x[i])}) was {side} the {which} "
                    f"process limit of {fmt(line)}, {where}."
                )
            return (
                f"{len(points)} values ({listed}) were {side} the {which} process limit "
                f"of {fmt(line)}, {where}."
            )
        which = "upper" if side == "above" else "lower"
        line = limits.upper_2s if side == "above" else limits.lower_2s
        lead = "Two" if len(points) == 2 else "At least two"
        return (
            f"{lead} out of three values in a row were {side} the {which} warning line of "
            f"{fmt(line)} ({listed}), {where}."
        )
    sentences = []
    for s, e in segs:
        length = e - s + 1
        if e == n - 1:
            subject = f"The last {length} values"
        else:
            subject = f"{length} values in a row, from {labels[s]} to {labels[e]},"
        if rule == RUN:
            sentences.append(
                f"{subject} were all {side} the average of {fmt(limits.mean)}, {where}."
            )
        else:
            verb = "rose" if side == "rising" else "fell"
            sentences.append(
                f"{subject} {verb} each time, from {fmt(x[s])} to {fmt(x[e])}, {where}."
            )
    return " ".join(sentences)


def assess(
    values: Sequence[float | None],
    polarity: str,
    target: float | None = None,
    periods: Sequence[str] | None = None,
    format_value: Callable[[float], str] | None = None,
) -> Assessment:
    """Apply the four rules to a series and read them through the measure's polarity.

    ``values`` are in time order. ``periods`` are labels for the same positions (default
    ``"point 1"``, ``"point 2"`` and so on). Missing values (None or NaN) are dropped, with
    their periods, before anything is computed; their positions are in
    :attr:`Assessment.dropped`, and the indices in each finding still refer to positions
    in ``values``. ``target`` is required for ``polarity="target"`` and otherwise ignored.
    ``format_value`` turns a number into text for the explanations (default :func:`plain`).

    With fewer than 6 values the result has no limits, no findings and a ``reason``. With
    6 to 11 values every finding is provisional. Findings come in rule order (1 to 4),
    one per rule, side and direction.
    """
    target = _checked_target(values, polarity, target, periods)
    fmt = format_value or plain

    x, positions = _clean(values)
    dropped = sorted(set(range(len(values))) - set(positions))
    labels = _period_labels(values, periods, positions)

    if len(x) < MIN_POINTS:
        reason = (
            f"There are only {len(x)} values. At least {MIN_POINTS} are needed to tell "
            "real change from normal variation."
        )
        return Assessment(polarity, target, None, [], reason, dropped)

    limits = xmr(x)
    where = _polarity_phrase(polarity, target, fmt)
    reading = _Reading(x, positions, labels, limits, polarity, target, fmt, where)
    return Assessment(polarity, target, limits, reading.findings(), None, dropped)


def may_signal(series: Sequence[Sequence[float]]) -> np.ndarray:
    """For each series, whether :func:`assess` could find anything in it: False only where
    none of the four rules fires on either side, so the full reading can be skipped.

    Worked for many series at once: series of one length are stacked and every rule is
    checked on the whole table, where :func:`assess` takes a series at a time. Each
    comparison is looser than :func:`assess`'s by half its tolerance, so a value that only
    rounding puts on the other side of a line is always passed on, never screened out. A
    series with a gap or an infinity, or with fewer than :data:`MIN_POINTS` values, is passed
    on for :func:`assess` to deal with.
    """
    out = np.ones(len(series), dtype=bool)
    by_length: dict[int, list[int]] = {}
    for i, values in enumerate(series):
        by_length.setdefault(len(values), []).append(i)
    for length, rows in by_length.items():
        if length < MIN_POINTS:
            continue
        x = np.asarray([series[i] for i in rows], dtype=float)
        finite = np.isfinite(x).all(axis=1)
        out[np.asarray(rows)[finite]] = _any_rule(x[finite])
    return out


def _any_rule(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` (finite, at least two columns) where a rule may fire: every line is
    moved towards the values by half the tolerance that :func:`assess` keeps from it."""
    loose = 0.5e-9 * np.maximum(np.abs(x).max(axis=1), 1.0)[:, None]
    mean = x.mean(axis=1)[:, None]
    steps = np.diff(x, axis=1)
    width = XMR_SCALE * np.abs(steps).mean(axis=1)[:, None]
    hits = ((x > mean + width + loose) | (x < mean - width - loose)).any(axis=1)
    for warn in (x > mean + width * 2 / 3 + loose, x < mean - width * 2 / 3 - loose):
        beyond = warn.astype(int)
        hits |= (beyond[:, :-2] + beyond[:, 1:-1] + beyond[:, 2:] >= 2).any(axis=1)
    for mask, length in (
        (x > mean + loose, RUN_LENGTH),
        (x < mean - loose, RUN_LENGTH),
        (steps > loose, RUN_LENGTH - 1),
        (steps < -loose, RUN_LENGTH - 1),
    ):
        hits |= _longest_run(mask) >= length
    return hits


def _longest_run(mask: np.ndarray) -> np.ndarray:
    """The longest stretch of True in each row of ``mask``."""
    run = np.zeros(len(mask), dtype=int)
    longest = run.copy()
    for column in mask.T:
        run = np.where(column, run + 1, 0)
        np.maximum(longest, run, out=longest)
    return longest


def _checked_target(
    values: Sequence[float | None],
    polarity: str,
    target: float | None,
    periods: Sequence[str] | None,
) -> float | None:
    """The target as a float for a target polarity (as given otherwise), after checking the
    arguments of :func:`assess` fit together."""
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, not {polarity!r}")
    if polarity == "target":
        if target is None or not math.isfinite(float(target)):
            raise ValueError("a target polarity needs a finite target value")
        target = float(target)
    if periods is not None and len(periods) != len(values):
        raise ValueError("periods and values must be the same length")
    return target


def _period_labels(
    values: Sequence[float | None], periods: Sequence[str] | None, positions: list[int]
) -> list[str]:
    """The label of each value kept: its period, or ``"point N"`` when no periods are given."""
    all_labels = (
        [str(p) for p in periods]
        if periods is not None
        else [f"point {i + 1}" for i in range(len(values))]
    )
    return [all_labels[i] for i in positions]


#: The rules in the order their findings are given, with the sides each looks at.
_RULE_SIDES: tuple[tuple[str, tuple[str, str]], ...] = (
    (BEYOND_LIMIT, ("above", "below")),
    (RUN, ("above", "below")),
    (TREND, ("rising", "falling")),
    (TWO_OF_THREE, ("above", "below")),
)


@dataclass(frozen=True)
class _Reading:
    """A series with enough values, its limits, and how its signals are judged and worded.

    ``x`` holds the values kept, ``positions`` where each was in the caller's values and
    ``labels`` its period; ``where`` is the polarity in words, which ends every explanation.
    """

    x: np.ndarray
    positions: list[int]
    labels: list[str]
    limits: Limits
    polarity: str
    target: float | None
    fmt: Callable[[float], str]
    where: str

    def findings(self) -> list[Finding]:
        """Every finding, in rule order: one per rule, side and direction with a signal."""
        found: list[Finding] = []
        for rule, sides in _RULE_SIDES:
            for side in sides:
                grouped = self._segments_by_direction(rule, side)
                for direction in ("concern", "improvement", "variation"):
                    segs = grouped.get(direction)
                    if segs:
                        found.append(self._finding(rule, side, direction, segs))
        return found

    def _segments(self, rule: str, side: str) -> list[tuple[int, int]]:
        """The stretches (start, end inclusive, positions in ``x``) ``rule`` flags on ``side``."""
        if rule == BEYOND_LIMIT:
            return _beyond_limit_segments(self.x, self.limits, side)
        if rule == RUN:
            return _run_segments(self.x, self.limits.mean, side)
        if rule == TREND:
            return _trend_segments(self.x, side)
        return _two_of_three_segments(self.x, self.limits, side)

    def _segments_by_direction(self, rule: str, side: str) -> dict[str, list[tuple[int, int]]]:
        """The flagged stretches grouped by what the polarity makes of each: a concern, an
        improvement or variation (under a target, stretches on one side may differ)."""
        grouped: dict[str, list[tuple[int, int]]] = {}
        for s, e in self._segments(rule, side):
            d = _direction(
                rule, side, self.x[s : e + 1], self.limits.mean, self.polarity, self.target
            )
            grouped.setdefault(d, []).append((s, e))
        return grouped

    def _finding(
        self, rule: str, side: str, direction: Direction, segs: list[tuple[int, int]]
    ) -> Finding:
        """One finding for the stretches, with positions in the caller's values and words."""
        local = [i for s, e in segs for i in range(s, e + 1)]
        explanation = _explain(
            rule, side, segs, self.x, self.labels, self.limits, self.fmt, self.where
        )
        if self.limits.provisional:
            explanation += (
                f" This is provisional: the limits rest on only {self.limits.points} "
                f"values, and firm up at {FIRM_POINTS}."
            )
        return Finding(
            rule=rule,
            direction=direction,
            indices=[self.positions[i] for i in local],
            periods=[self.labels[i] for i in local],
            provisional=self.limits.provisional,
            explanation=explanation,
        )
