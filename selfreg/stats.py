"""Small statistics that several tools share: the Wilson interval of a proportion and the
limits of an XmR (individuals) chart.

Pure: plain Python and numpy, no Django. The methods are explained for councils in
docs/method/comparison-statistics.md (Wilson) and docs/method/spc.md (XmR).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

Z_95 = 1.959963984540054  # two-sided 95% point of the standard normal distribution
# The one multiplier from the mean moving range to the XmR process limits, for every chart
# and signal in the portal: 3 / d2, where d2 = 1.128 is the bias constant for ranges of two
# points, so three sigma. SPC tables and NHS England's "Making Data Count" round it to 2.66,
# the figure docs/method/spc.md gives councils to check by hand.
XMR_SCALE = 2.66


def wilson_interval(
    p: np.ndarray | float, n: np.ndarray | float, z: float = Z_95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``p`` observed in a sample of ``n``.

    Returns NaN where ``n`` is missing or not positive, or ``p`` is outside [0, 1].
    """
    p = np.asarray(p, dtype="float64")
    n = np.asarray(n, dtype="float64")
    ok = np.isfinite(p) & np.isfinite(n) & (n > 0) & (p >= 0) & (p <= 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z2 = z * z
        denom = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    low = np.where(ok, centre - half, np.nan)
    high = np.where(ok, centre + half, np.nan)
    return low, high


class XmRLimits(NamedTuple):
    mean: float
    lower: float
    upper: float


def present_numbers(values: Iterable[Any]) -> list[float]:
    """The finite numbers among `values`, in order: None, NaN, infinities, pandas NA, text
    and booleans are left out."""
    kept = []
    for value in values:
        if value is None or isinstance(value, bool | str):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            kept.append(number)
    return kept


def moving_range_mean(values: Iterable[Any]) -> float:
    """The mean absolute difference between consecutive present values (``MR̄``)."""
    xs = present_numbers(values)
    if len(xs) < 2:
        raise ValueError("XmR limits need at least two values.")
    return float(np.mean(np.abs(np.diff(xs))))


def xmr_limits(values: Iterable[Any]) -> XmRLimits:
    """Mean and process limits of an XmR (individuals) chart: ``mean ± 2.66 × MR̄``.

    ``MR̄`` is the average moving range, the absolute difference between consecutive values;
    ``MR̄ / 1.128`` estimates sigma, so the limits are three sigma (`XMR_SCALE`). Missing
    values (None, NaN) are dropped first, so a moving range spans a gap.

    Example: [10, 12, 11, 15, 13] has mean 12.2, moving ranges 2, 1, 4, 2 averaging 2.25,
    and limits 12.2 ± 2.66 × 2.25 = 12.2 ± 5.985, so (6.215, 18.185).

    Raises ValueError with fewer than two values.
    """
    xs = present_numbers(values)
    width = XMR_SCALE * moving_range_mean(xs)
    mean = float(np.mean(xs))
    return XmRLimits(mean, mean - width, mean + width)
