"""Tests for earlywarning.spc, the XmR (Making Data Count) rules. Pure: no database.

Every series below is worked by hand in its comment; the tests check the module agrees.
"""

import math

import numpy as np
import pytest

from earlywarning.spc import (
    Limits,
    assess,
    beyond_limit,
    may_signal,
    plain,
    run_about_mean,
    trend,
    two_of_three,
    xmr,
)

# --------------------------------------------------------------------------- series
#
# S1: alternating 8, 16 six times, then a spike of 40 (13 values).
#   mean = (6×8 + 6×16 + 40) / 13 = 184 / 13 = 14.154
#   moving ranges: eleven of 8, then |40 − 16| = 24, so MR̄ = (88 + 24) / 12 = 9.333
#   upper limit = 14.154 + 2.66 × 9.333 = 14.154 + 24.827 = 38.98; 40 is beyond it.
#   upper warning line = 14.154 + 16.551 = 30.70: only the 40 is beyond it, so no rule 4.
#   8s and 16s alternate about the mean: no run, no trend.
S1 = [8, 16] * 6 + [40]
# S2: 12 values; the last 7 are 13s and 14s.
#   mean = (10+12+10+12+10 + 13+14+13+14+13+14+13) / 12 = 148 / 12 = 12.333
#   moving ranges 2, 2, 2, 2, 3, then six 1s: MR̄ = 17 / 11 = 1.545
#   limits 12.333 ± 4.111 = 8.22 to 16.44; warning lines 9.59 to 15.07: nothing beyond.
#   The 12s before the run are below the mean, so the run is exactly the last 7.
S2 = [10, 12, 10, 12, 10, 13, 14, 13, 14, 13, 14, 13]
# S3: 13 values ending in a rise of 7: 101, 102, ..., 107.
#   mean = (3×100 + 3×110 + 728) / 13 = 1358 / 13 = 104.46
#   moving ranges five 10s, a 9, six 1s: MR̄ = 65 / 12 = 5.417
#   limits 104.46 ± 14.41; warning lines 104.46 ± 9.61 (94.86 to 114.07): nothing beyond.
#   101 to 104 are below the mean and 105 to 107 above: no run of 7.
S3 = [100, 110, 100, 110, 100, 110, 101, 102, 103, 104, 105, 106, 107]
# S4: alternating 10, 12 eight times, then 16, 12, 16 (19 values).
#   mean = (8×10 + 8×12 + 44) / 19 = 220 / 19 = 11.579
#   moving ranges fifteen 2s, then 4, 4, 4: MR̄ = 42 / 18 = 2.333
#   upper limit = 11.579 + 6.207 = 17.79; upper warning line = 11.579 + 4.138 = 15.72.
#   The two 16s (positions 16 and 18) are beyond the warning line but inside the limit.
S4 = [10, 12] * 8 + [16, 12, 16]


def mirror(values, about):
    """Reflect a series: the same moving ranges, every signal on the other side."""
    return [about - v for v in values]


def only(assessment):
    assert len(assessment.findings) == 1, assessment.findings
    return assessment.findings[0]


# --------------------------------------------------------------------------- limits


def test_xmr_limits_worked_by_hand():
    lim = xmr(S2)
    assert lim.mean == pytest.approx(148 / 12)
    assert lim.moving_range_mean == pytest.approx(17 / 11)
    assert lim.upper == pytest.approx(148 / 12 + 2.66 * 17 / 11)
    assert lim.lower == pytest.approx(148 / 12 - 2.66 * 17 / 11)
    assert lim.upper_2s == pytest.approx(148 / 12 + 2 / 3 * 2.66 * 17 / 11)
    assert lim.lower_2s == pytest.approx(148 / 12 - 2 / 3 * 2.66 * 17 / 11)
    # Two sigma is two thirds of the way from the mean to the limit (sigma = MR̄ / 1.128).
    assert (lim.upper_2s - lim.mean) / (lim.upper - lim.mean) == pytest.approx(2 / 3)
    assert lim.points == 12
    assert lim.provisional is False


def test_xmr_provisional_below_twelve_points():
    assert xmr(S2[:11]).provisional is True
    assert xmr(S2[:6]).provisional is True


def test_xmr_needs_two_values():
    with pytest.raises(ValueError):
        xmr([5])
    with pytest.raises(ValueError):
        xmr([5, None, float("nan")])


def test_flat_series_limits_collapse_to_the_mean():
    lim = xmr([5] * 12)
    assert lim.moving_range_mean == 0
    assert lim.lower == lim.upper == lim.lower_2s == lim.upper_2s == lim.mean == 5


@pytest.mark.parametrize("flat", [[5] * 12, [0.1] * 12, [54.2] * 7])
@pytest.mark.parametrize("polarity", ["higher_better", "lower_better", "neutral"])
def test_flat_series_raises_no_signal(flat, polarity):
    # Every value equals the mean: none is beyond a limit (the limits are the mean), none
    # is on either side of the mean, and no two values differ. [0.1] * 12 checks that a mean
    # a rounding error away from 0.1 does not put every value "beyond" it.
    result = assess(flat, polarity)
    assert result.limits is not None
    assert result.findings == []
    assert result.reason is None


def test_flat_series_with_target_raises_no_signal():
    assert assess([5] * 12, "target", target=7).findings == []


# --------------------------------------------------------------------------- rule functions


LIMITS = Limits(
    mean=10,
    lower=4,
    upper=16,
    lower_2s=6,
    upper_2s=14,
    moving_range_mean=6 / 2.66,
    points=12,
    provisional=False,
)


def test_rule_beyond_limit():
    x = [10, 17, 16, 3, 4, 10]
    assert beyond_limit(x, LIMITS, "above") == [1]  # 16 is on the limit, not beyond it
    assert beyond_limit(x, LIMITS, "below") == [3]  # likewise 4
    with pytest.raises(ValueError):
        beyond_limit(x, LIMITS, "rising")


def test_rule_run_needs_seven():
    assert run_about_mean([11] * 7, 10, "above") == list(range(7))
    assert run_about_mean([11] * 6, 10, "above") == []
    assert run_about_mean([9] * 8, 10, "below") == list(range(8))
    assert run_about_mean([9] * 8, 10, "above") == []


def test_rule_run_broken_by_a_point_on_the_mean():
    # 3 above, one exactly on the mean, 4 above: two short runs, not a run of 8.
    assert run_about_mean([11, 11, 11, 10, 11, 11, 11, 11], 10, "above") == []
    # A point on the mean is on neither side, so it does not count below either.
    assert run_about_mean([9, 9, 9, 10, 9, 9, 9, 9], 10, "below") == []


def test_rule_run_tie_survives_float_rounding():
    # 0.1 + 0.2 is 0.30000000000000004 in floating point; 0.3 still counts as on the mean.
    assert run_about_mean([0.5] * 3 + [0.3] + [0.5] * 4, 0.1 + 0.2, "above") == []


def test_rule_run_reports_every_run_on_that_side():
    x = [11] * 7 + [9] + [11] * 7
    assert run_about_mean(x, 10, "above") == list(range(7)) + list(range(8, 15))


def test_rule_trend_needs_seven_points():
    assert trend([1, 2, 3, 4, 5, 6, 7], "rising") == list(range(7))
    assert trend([1, 2, 3, 4, 5, 6], "rising") == []  # six points, five rises
    assert trend([7, 6, 5, 4, 3, 2, 1], "falling") == list(range(7))
    assert trend([7, 6, 5, 4, 3, 2, 1], "rising") == []


def test_rule_trend_broken_by_equal_values():
    # 1, 2, 3, 3, 4, 5, 6, 7: the repeated 3 is neither a rise nor a fall.
    assert trend([1, 2, 3, 3, 4, 5, 6, 7], "rising") == []
    assert trend([9, 8, 7, 7, 6, 5, 4, 3], "falling") == []
    # Without the repeat it is a trend of 7.
    assert trend([1, 2, 3, 4, 5, 6, 7, 7], "rising") == list(range(7))


def test_rule_trend_back_to_back_trends():
    # Rising to a peak then falling: the peak belongs to both trends.
    x = [1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1]
    assert trend(x, "rising") == list(range(7))
    assert trend(x, "falling") == list(range(6, 13))


def test_rule_two_of_three():
    # Warning lines at 6 and 14, limits at 4 and 16.
    assert two_of_three([10, 15, 10, 15, 10], LIMITS, "above") == [1, 3]
    assert two_of_three([15, 10, 10, 15, 10], LIMITS, "above") == []  # 3 apart
    assert two_of_three([15, 15, 10], LIMITS, "above") == [0, 1]
    assert two_of_three([5, 10, 5], LIMITS, "below") == [0, 2]
    # Opposite sides do not combine.
    assert two_of_three([15, 5, 15], LIMITS, "above") == [0, 2]
    assert two_of_three([15, 5, 10], LIMITS, "above") == []
    # A value beyond the process limit also counts as beyond the warning line.
    assert two_of_three([17, 10, 15], LIMITS, "above") == [0, 2]
    # A value exactly on the warning line is not beyond it.
    assert two_of_three([14, 15, 10], LIMITS, "above") == []


# --------------------------------------------------------------------------- polarity


CASES = [
    # (series, rule, indices, side up?)
    (S1, "beyond_limit", [12], True),
    (mirror(S1, 50), "beyond_limit", [12], False),
    (S2, "run", list(range(5, 12)), True),
    (mirror(S2, 25), "run", list(range(5, 12)), False),
    (S3, "trend", list(range(6, 13)), True),
    (mirror(S3, 200), "trend", list(range(6, 13)), False),
    (S4, "two_of_three", [16, 18], True),
    (mirror(S4, 30), "two_of_three", [16, 18], False),
]


@pytest.mark.parametrize(("series", "rule", "indices", "up"), CASES)
@pytest.mark.parametrize("polarity", ["higher_better", "lower_better", "neutral"])
def test_each_rule_each_direction_each_polarity(series, rule, indices, up, polarity):
    expected = {
        ("higher_better", True): "improvement",
        ("higher_better", False): "concern",
        ("lower_better", True): "concern",
        ("lower_better", False): "improvement",
        ("neutral", True): "variation",
        ("neutral", False): "variation",
    }[(polarity, up)]
    result = assess(series, polarity)
    finding = only(result)
    assert finding.rule == rule
    assert finding.indices == indices
    assert finding.direction == expected
    assert finding.provisional is False
    assert finding.periods == [f"point {i + 1}" for i in indices]
    if expected == "concern":
        assert result.concerns == [finding] and result.improvements == []
    elif expected == "improvement":
        assert result.improvements == [finding] and result.concerns == []
    else:
        assert result.concerns == [] and result.improvements == []


def test_neutral_never_raises_a_concern():
    for series, *_ in CASES:
        result = assess(series, "neutral")
        assert result.concerns == []
        assert result.improvements == []
        assert all("neither higher nor lower is better" in f.explanation for f in result.findings)


# Target polarity: a stretch of values is a concern when it is, on average, further from
# the target than the process mean is; a trend is a concern when its last value is further
# from the target than its first.


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        # S2: mean 12.333; the run of 13s and 14s averages 94 / 7 = 13.429.
        (14, "improvement"),  # run is 0.57 from 14, the mean 1.67: closer
        (10, "concern"),  # run is 3.43 from 10, the mean 2.33: further
        (12.5, "concern"),  # overshoot: run is 0.93 past 12.5, the mean only 0.17 short
        (148 / 12, "concern"),  # target equals the mean: any shift moves away
        ((148 / 12 + 94 / 7) / 2, "variation"),  # exactly halfway: the same distance
    ],
)
def test_target_run(target, expected):
    finding = only(assess(S2, "target", target=target))
    assert finding.rule == "run"
    assert finding.direction == expected


@pytest.mark.parametrize(
    ("series", "target", "expected"),
    [
        # S1: mean 14.15, the spike is 40.
        (S1, 40, "improvement"),  # spike lands on the target
        (S1, 20, "concern"),  # spike is 20 from the target, the mean only 5.85
        (S1, 5, "concern"),
        # Mirror of S1: mean 35.85, the spike is 10, below.
        (mirror(S1, 50), 5, "improvement"),  # 5 from target; the mean is 30.85 away
        (mirror(S1, 50), 45, "concern"),
    ],
)
def test_target_beyond_limit(series, target, expected):
    finding = only(assess(series, "target", target=target))
    assert finding.rule == "beyond_limit"
    assert finding.direction == expected


@pytest.mark.parametrize(
    ("series", "target", "expected"),
    [
        # S3 rises from 101 to 107.
        (S3, 120, "improvement"),  # 19 away, then 13: towards the target
        (S3, 90, "concern"),  # 11 away, then 17
        (S3, 104, "variation"),  # 3 below, then 3 above: the same distance
        # Mirror of S3 falls from 99 to 93.
        (mirror(S3, 200), 80, "improvement"),
        (mirror(S3, 200), 100, "concern"),
    ],
)
def test_target_trend(series, target, expected):
    finding = only(assess(series, "target", target=target))
    assert finding.rule == "trend"
    assert finding.direction == expected


@pytest.mark.parametrize(
    ("series", "target", "expected"),
    [
        # S4: mean 11.58; the two 16s are beyond the upper warning line.
        (S4, 16, "improvement"),
        (S4, 10, "concern"),
        (S4, 11.579, "concern"),
        # Mirror: mean 18.42; the two 14s are beyond the lower warning line.
        (mirror(S4, 30), 14, "improvement"),
        (mirror(S4, 30), 20, "concern"),
    ],
)
def test_target_two_of_three(series, target, expected):
    finding = only(assess(series, "target", target=target))
    assert finding.rule == "two_of_three"
    assert finding.direction == expected


def test_target_when_target_above_mean_low_side_is_always_a_concern():
    result = assess(mirror(S2, 25), "target", target=14)  # run below a mean of 12.667
    assert only(result).direction == "concern"
    assert "close to the target of 14.0" in only(result).explanation


def test_target_needs_a_target():
    with pytest.raises(ValueError):
        assess(S2, "target")
    with pytest.raises(ValueError):
        assess(S2, "target", target=float("nan"))


def test_target_ignored_for_other_polarities():
    assert only(assess(S2, "higher_better", target=10)).direction == "improvement"


def test_unknown_polarity():
    with pytest.raises(ValueError):
        assess(S2, "bigger_better")


# --------------------------------------------------------------------------- thresholds


def test_twelve_points_firm():
    result = assess(S2, "higher_better")
    assert result.provisional is False
    assert "provisional" not in only(result).explanation


def test_eleven_points_provisional():
    # S2 without its first value: 12, 10, 12, 10, then 13, 14, 13, 14, 13, 14, 13.
    #   mean = 136 / 11 = 12.364; MR̄ = (2+2+2+3+6) / 10 = 1.5; limits 12.364 ± 3.99.
    result = assess(S2[1:], "higher_better")
    finding = only(result)
    assert result.provisional is True
    assert result.limits.points == 11
    assert finding.rule == "run"
    assert finding.indices == list(range(4, 11))
    assert finding.provisional is True
    assert "provisional" in finding.explanation
    assert "only 11 values" in finding.explanation


def test_six_points_provisional():
    # 10, 10, 10, 10, 10, 30: mean 13.333, MR̄ = 20 / 5 = 4, upper limit 13.333 + 10.64
    # = 23.97, so the 30 is beyond it.
    finding = only(assess([10, 10, 10, 10, 10, 30], "lower_better"))
    assert finding.rule == "beyond_limit"
    assert finding.direction == "concern"
    assert finding.provisional is True


def test_five_points_nothing():
    result = assess([10, 10, 10, 10, 30], "lower_better")
    assert result.limits is None
    assert result.findings == []
    assert "only 5 values" in result.reason
    assert "6" in result.reason


# --------------------------------------------------------------------------- missing values


def test_missing_values_are_dropped_with_their_periods():
    periods = [f"Q{i}" for i in range(15)]
    # S2 with gaps at positions 0, 7 and 14.
    values = [None, *S2[:6], float("nan"), *S2[6:], None]
    assert len(values) == 15
    result = assess(values, "higher_better", periods=periods)
    assert result.dropped == [0, 7, 14]
    assert result.limits == xmr(S2)  # the moving range joins the values either side
    finding = only(result)
    # S2's run was at positions 5 to 11; in the padded list they are 6, 8, 9, ..., 13.
    assert finding.indices == [6, 8, 9, 10, 11, 12, 13]
    assert finding.periods == ["Q6", "Q8", "Q9", "Q10", "Q11", "Q12", "Q13"]
    # The run ends at the last value present, so it is "the last 7 values".
    assert finding.explanation.startswith("The last 7 values")


def test_missing_values_can_leave_too_few():
    result = assess([1, None, 2, math.nan, 3, 4, 5], "higher_better")
    assert result.limits is None
    assert result.dropped == [1, 3]
    assert "only 5 values" in result.reason


def test_infinite_values_are_an_error():
    with pytest.raises(ValueError):
        assess([1, 2, 3, math.inf, 4, 5], "higher_better")


def test_periods_must_match_values():
    with pytest.raises(ValueError):
        assess(S2, "higher_better", periods=["2020"])


# --------------------------------------------------------------------------- explanations


def test_explanations_contain_the_numbers():
    run = only(assess(mirror(S2, 25), "higher_better"))
    assert (
        run.explanation
        == "The last 7 values were all below the average of 12.7, where higher is better."
    )

    spike = only(assess(S1, "lower_better"))
    assert spike.explanation == (
        "The value for point 13 (40.0) was above the upper process limit of 39.0, "
        "where lower is better."
    )

    rise = only(assess(S3, "higher_better"))
    assert rise.explanation == (
        "The last 7 values rose each time, from 101.0 to 107.0, where higher is better."
    )

    warn = only(assess(mirror(S4, 30), "higher_better"))
    assert warn.explanation == (
        "Two out of three values in a row were below the lower warning line of 14.3 "
        "(point 17: 14.0 and point 19: 14.0), where higher is better."
    )


def test_explanation_for_a_run_that_has_ended():
    # A run of 7 above the mean, with 10, 12, 10 either side (13 values).
    #   mean = (10+12+10 + 94 + 10+12+10) / 13 = 158 / 13 = 12.154; the 12s are below it.
    #   moving ranges 2, 2, 3, six 1s, 3, 2, 2: MR̄ = 20 / 12 = 1.667, limits 12.154 ± 4.433,
    #   warning lines 9.20 to 15.11: nothing beyond.
    x = [10, 12, 10, 13, 14, 13, 14, 13, 14, 13, 10, 12, 10]
    periods = [str(2012 + i) for i in range(13)]
    finding = only(assess(x, "lower_better", periods=periods))
    assert finding.rule == "run"
    assert finding.indices == list(range(3, 10))
    assert finding.direction == "concern"
    assert finding.explanation == (
        "7 values in a row, from 2015 to 2021, were all above the average of 12.2, "
        "where lower is better."
    )


def test_explanation_uses_format_value():
    finding = only(assess(S1, "higher_better", format_value=lambda v: f"£{v:,.0f}k"))
    assert "(£40k)" in finding.explanation
    assert "£39k" in finding.explanation


def test_plain_format():
    assert plain(54.1666) == "54.2"
    assert plain(1234.56) == "1,234.6"
    assert plain(0.03456) == "0.0346"
    assert plain(0) == "0"
    assert plain(-2.25) == "-2.2"


# --------------------------------------------------------------------------- a real-looking series


def test_recycling_rate_over_twelve_years():
    """A district council's household recycling rate, 2012-13 to 2023-24, higher is better.

    Values (%):  46.0 45.2 46.6 45.8 46.9 44.1 43.7 44.3 43.5 44.0 43.2 43.8

    Mean: the total is 537.1, so the mean is 537.1 / 12 = 44.758 (shown as 44.8%).
    Moving ranges: 0.8 1.4 0.8 1.1 2.8 0.4 0.6 0.8 0.5 0.8 0.6; total 10.6,
    so MR̄ = 10.6 / 11 = 0.9636.
    Process limits: 2.66 × 0.9636 = 2.563, so 42.195 to 47.322. Nothing is outside them.
    Warning lines: 2/3 × 2.563 = 1.709, so 43.049 to 46.467.
      Above 46.467: 46.6 (2014-15) and 46.9 (2016-17), two of the three values 2014-15 to
      2016-17, so rule 4 fires on the high side: an improvement at the time.
      Below 43.049: nothing (the lowest value is 43.2).
    Runs: the last 7 values (2017-18 to 2023-24, 43.2 to 44.3) are all below 44.758, so
      rule 2 fires on the low side: a concern. The first 5 are all above the mean.
    Trends: the longest rise or fall is 2 steps, so no rule 3.
    """
    values = [46.0, 45.2, 46.6, 45.8, 46.9, 44.1, 43.7, 44.3, 43.5, 44.0, 43.2, 43.8]
    periods = [f"{y}-{str(y + 1)[2:]}" for y in range(2012, 2024)]
    result = assess(values, "higher_better", periods=periods, format_value=lambda v: f"{v:.1f}%")

    lim = result.limits
    assert lim.mean == pytest.approx(537.1 / 12)
    assert lim.moving_range_mean == pytest.approx(10.6 / 11)
    assert lim.upper == pytest.approx(47.3216, abs=1e-4)
    assert lim.lower == pytest.approx(42.1951, abs=1e-4)
    assert lim.upper_2s == pytest.approx(46.4672, abs=1e-4)
    assert lim.lower_2s == pytest.approx(43.0495, abs=1e-4)
    assert result.provisional is False

    [concern] = result.concerns
    assert concern.rule == "run"
    assert concern.periods == periods[5:]
    assert concern.explanation == (
        "The last 7 values were all below the average of 44.8%, where higher is better."
    )

    [improvement] = result.improvements
    assert improvement.rule == "two_of_three"
    assert improvement.indices == [2, 4]
    assert improvement.periods == ["2014-15", "2016-17"]
    assert "46.5%" in improvement.explanation
    assert "2014-15: 46.6%" in improvement.explanation

    assert len(result.findings) == 2


# --- the screen that skips series with nothing to find ------------------------------------------


def _screen_cases(count: int) -> list[list[float]]:
    """Random series of 6 to 15 values: noise, small whole numbers (ties with the mean and
    the lines), drifts that make trends and runs, flat series, and rounded figures."""
    rng = np.random.default_rng(7)
    makers = (
        lambda n: rng.normal(size=n),
        lambda n: rng.integers(0, 4, size=n).astype(float),
        lambda n: np.cumsum(rng.normal(0.3, 1, size=n)),
        lambda n: np.full(n, float(rng.integers(-5, 5))),
        lambda n: np.round(rng.normal(50, 5, size=n), 1),
    )
    return [makers[i % 5](int(rng.integers(6, 16))).tolist() for i in range(count)]


def test_screen_never_skips_a_series_with_a_finding():
    series = _screen_cases(3000)
    screen = may_signal(series)
    found = np.array([bool(assess(s, "higher_better").findings) for s in series])
    assert not (found & ~screen).any()
    # It does screen: what it passes on is (nearly) only what has a finding.
    assert 200 < found.sum() <= screen.sum() <= found.sum() * 1.01 < len(series)


def test_screen_passes_on_what_it_cannot_judge():
    short = [1.0, 2.0, 3.0]
    gap = [1.0, None, 1.0, 1.0, 1.0, 1.0, 1.0]
    infinite = [1.0, 1.0, math.inf, 1.0, 1.0, 1.0]
    quiet = [5.0, 5.2, 4.9, 5.1, 5.0, 4.8, 5.1]
    assert may_signal([short, gap, infinite, quiet]).tolist() == [True, True, True, False]
    assert not assess(quiet, "higher_better").findings
