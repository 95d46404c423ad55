"""Tests for comparison statistics: worked cases, a brute-force reference and real LGBF data."""

import ast
import math
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from benchmarking.comparisons import (
    MIN_COUNCILS_FOR_QUARTILES,
    POSITION_COLUMNS,
    changes,
    compare,
    council_positions,
    group_distributions,
    group_statistics,
    position_records,
    positions_in_group,
    positions_one_in_each,
)
from benchmarking.selectors import plain
from selfreg.stats import Z_95, wilson_interval

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MODULES = Path(__file__).resolve().parents[2] / "benchmarking"


def frame(values, polarity="higher_better", target=np.nan, **extra):
    """One metric, one period, one group, councils c0, c1, …"""
    n = len(values)
    data = {
        "metric": "m",
        "period": "2019-20",
        "group": "all",
        "gss_code": [f"c{i}" for i in range(n)],
        "value": np.asarray(values, dtype="float64"),
        "polarity": polarity,
        "target_value": target,
    }
    data.update(extra)
    return pd.DataFrame(data)


def by_code(positions, column):
    return dict(zip(positions["gss_code"], positions[column], strict=True))


# --- group statistics -----------------------------------------------------------------------


def test_five_values_by_hand():
    # Sorted: 12, 15, 18, 22, 30. QUARTILE.INC positions are (5 - 1) x 0.25 = 1, 2 and 3
    # (counting from 0), so the quartiles are exactly the 2nd, 3rd and 4th values.
    stats = group_statistics(frame([22, 15, 30, 12, 18]))
    row = stats.iloc[0]
    assert (row["n"], row["lower_quartile"], row["median"], row["upper_quartile"]) == (
        5,
        15,
        18,
        22,
    )
    assert row["mean"] == pytest.approx(97 / 5)
    assert (row["min"], row["max"]) == (12, 30)


def test_interpolated_quartiles_by_hand():
    # Sorted: 2, 4, 4, 5, 7, 9. Positions 1.25, 2.5 and 3.75:
    # Q1 = 4 + 0.25 x (4 - 4) = 4; median = 4 + 0.5 x (5 - 4) = 4.5; Q3 = 5 + 0.75 x (7 - 5) = 6.5.
    row = group_statistics(frame([9, 4, 2, 7, 5, 4])).iloc[0]
    assert (row["lower_quartile"], row["median"], row["upper_quartile"]) == (4, 4.5, 6.5)


def test_six_values_match_excel_quartile_inc():
    # Excel: QUARTILE.INC({1,2,3,4,5,6},1) = 2.25 and QUARTILE.INC({1,2,3,4,5,6},3) = 4.75.
    row = group_statistics(frame([1, 2, 3, 4, 5, 6])).iloc[0]
    assert (row["lower_quartile"], row["median"], row["upper_quartile"]) == (2.25, 3.5, 4.75)


def test_the_minimum_for_quartiles_is_five_councils():
    assert MIN_COUNCILS_FOR_QUARTILES == 5


def test_one_value_has_a_median_but_no_quartiles():
    row = group_statistics(frame([7.5])).iloc[0]
    assert row["n"] == 1
    assert row[["median", "mean", "min", "max"]].tolist() == [7.5] * 4
    assert np.isnan(row["lower_quartile"]) and np.isnan(row["upper_quartile"])


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_fewer_than_five_councils_have_no_quartiles(n):
    row = group_statistics(frame(list(range(10, 10 + n)))).iloc[0]
    assert row["n"] == n
    assert row["median"] == pytest.approx(10 + (n - 1) / 2)
    assert np.isnan(row["lower_quartile"]) and np.isnan(row["upper_quartile"])


def test_five_councils_have_quartiles():
    row = group_statistics(frame([10, 20, 30, 40, 50])).iloc[0]
    assert (row["lower_quartile"], row["upper_quartile"]) == (20, 40)


def test_all_values_equal():
    row = group_statistics(frame([3, 3, 3, 3, 3])).iloc[0]
    assert row[["median", "lower_quartile", "upper_quartile", "min", "max"]].tolist() == [3] * 5


def test_missing_values_are_left_out():
    row = group_statistics(frame([1, np.nan, 2, 3, np.inf, 4, 5, 6])).iloc[0]
    assert row["n"] == 6
    assert (row["lower_quartile"], row["median"], row["upper_quartile"]) == (2.25, 3.5, 4.75)
    assert row["mean"] == 3.5


def test_missing_values_do_not_count_towards_the_minimum():
    row = group_statistics(frame([1, np.nan, 2, 3, np.nan, 4])).iloc[0]
    assert row["n"] == 4
    assert np.isnan(row["lower_quartile"])


def test_group_with_no_values():
    stats = group_statistics(frame([np.nan, np.nan]))
    assert stats["n"].tolist() == [0]
    assert (
        stats[["median", "lower_quartile", "upper_quartile", "mean", "min", "max"]]
        .isna()
        .all(axis=None)
    )


def test_statistics_columns_and_types():
    stats = group_statistics(frame([1, 2]))
    assert list(stats.columns) == [
        "metric",
        "period",
        "group",
        "n",
        "median",
        "lower_quartile",
        "upper_quartile",
        "mean",
        "min",
        "max",
    ]
    assert stats["n"].dtype == np.int64


def random_long_frame(seed=0, councils=40, metrics=6, periods=("2018-19", "2019-20")):
    rng = np.random.default_rng(seed)
    rows = []
    groups = ["all", "family 1"]
    polarities = ["higher_better", "lower_better", "target", "neutral"]
    for m in range(metrics):
        n_here = int(rng.integers(1, councils + 1))
        for period in periods:
            for group in groups:
                codes = rng.choice(councils, size=n_here, replace=False)
                for code in codes:
                    value = float(rng.integers(0, 12))  # small integers: plenty of ties
                    if rng.random() < 0.1:
                        value = np.nan
                    rows.append(
                        {
                            "metric": f"m{m}",
                            "period": period,
                            "group": group,
                            "gss_code": f"E{code:08d}",
                            "value": value,
                            "polarity": polarities[m % 4],
                            "target_value": 5.0 if m % 4 == 2 else np.nan,
                            "scale": 100.0,
                            "sample_size": float(rng.integers(1, 300)),
                        }
                    )
    return pd.DataFrame(rows)


def test_statistics_match_numpy_and_pandas_on_random_groups():
    df = random_long_frame()
    stats = group_statistics(df).set_index(["metric", "period", "group"])
    for key, part in df.groupby(["metric", "period", "group"]):
        values = part["value"].dropna().to_numpy()
        row = stats.loc[key]
        assert row["n"] == len(values)
        if len(values) == 0:
            assert np.isnan(row["median"])
            continue
        # Bit-for-bit the same as numpy's default (linear) quantile.
        q1, q2, q3 = np.quantile(values, [0.25, 0.5, 0.75])
        assert row["median"] == q2
        if len(values) < MIN_COUNCILS_FOR_QUARTILES:
            assert np.isnan(row["lower_quartile"]) and np.isnan(row["upper_quartile"])
        else:
            assert (row["lower_quartile"], row["upper_quartile"]) == (q1, q3)
        assert row["median"] == pytest.approx(np.median(values))
        assert row["mean"] == pytest.approx(values.mean())
        assert (row["min"], row["max"]) == (values.min(), values.max())
    grouped = df.groupby(["metric", "period", "group"])["value"]
    expected = grouped.quantile(0.75).where(grouped.count() >= MIN_COUNCILS_FOR_QUARTILES)
    pd.testing.assert_series_equal(
        stats["upper_quartile"].sort_index(), expected.sort_index(), check_names=False
    )


def test_categorical_and_text_keys_give_the_same_answer():
    df = random_long_frame(seed=3)
    cat = df.astype(dict.fromkeys(["metric", "period", "group", "gss_code"], "category"))
    plain = group_statistics(df)
    categorical = group_statistics(cat)
    for column in ["metric", "period", "group"]:
        categorical[column] = categorical[column].astype(str)
    pd.testing.assert_frame_equal(plain, categorical, check_dtype=False)
    pos_plain = council_positions(df)
    pos_cat = council_positions(cat)
    for column in ["metric", "period", "group", "gss_code"]:
        pos_cat[column] = pos_cat[column].astype(str)
    pd.testing.assert_frame_equal(pos_plain, pos_cat, check_dtype=False)


# --- positions: percentile, band and rank ---------------------------------------------------


def test_percentile_definition():
    # 100 x (number below + half the number of others with the same value) / (n - 1).
    positions = council_positions(frame([10, 20, 20, 30, 40]))
    assert positions["percentile"].tolist() == [0, 37.5, 37.5, 75, 100]


def test_percentile_for_one_and_two_councils_and_all_equal():
    assert council_positions(frame([5]))["percentile"].tolist() == [50]
    assert council_positions(frame([5, 6]))["percentile"].tolist() == [0, 100]
    assert council_positions(frame([5, 5, 5]))["percentile"].tolist() == [50, 50, 50]


def test_percentile_ignores_polarity():
    up = council_positions(frame([1, 2, 3], "higher_better"))["percentile"]
    down = council_positions(frame([1, 2, 3], "lower_better"))["percentile"]
    assert up.tolist() == down.tolist() == [0, 50, 100]


def test_higher_is_better_bands_and_ranks():
    # Quartiles of 12, 15, 18, 22, 30 are 15, 18, 22.
    positions = council_positions(frame([12, 15, 18, 22, 30]))
    assert positions["quartile_band"].tolist() == [4, 3, 2, 1, 1]
    assert positions["rank"].tolist() == [5, 4, 3, 2, 1]


def test_lower_is_better_bands_and_ranks():
    positions = council_positions(frame([12, 15, 18, 22, 30], "lower_better"))
    assert positions["quartile_band"].tolist() == [1, 1, 2, 3, 4]
    assert positions["rank"].tolist() == [1, 2, 3, 4, 5]


def test_ties_share_the_lowest_rank():
    higher = council_positions(frame([5, 7, 7, 9, 7]))
    assert higher["rank"].tolist() == [5, 2, 2, 1, 2]
    lower = council_positions(frame([5, 7, 7, 9, 7], "lower_better"))
    assert lower["rank"].tolist() == [1, 2, 2, 5, 2]


def test_neutral_has_no_band_and_ranks_highest_first():
    positions = council_positions(frame([3, 1, 2], "neutral"))
    assert positions["quartile_band"].isna().all()
    assert positions["rank"].tolist() == [1, 3, 2]
    assert positions["percentile"].tolist() == [100, 0, 50]


def test_target_bands_and_ranks_by_distance():
    # Target 10. Distances: 0, 2, 3, 5, 9 -> quartiles of distances 2, 3, 5.
    positions = council_positions(frame([10, 8, 13, 15, 1], "target", target=10.0))
    assert positions["rank"].tolist() == [1, 2, 3, 4, 5]
    assert positions["quartile_band"].tolist() == [1, 1, 2, 3, 4]
    # The percentile still describes the raw value: 1, 8, 10, 13, 15.
    assert positions["percentile"].tolist() == [50, 25, 75, 100, 0]


def test_target_distances_on_either_side_tie():
    positions = council_positions(frame([8, 12, 10, 20], "target", target=10.0))
    assert positions["rank"].tolist() == [2, 2, 1, 4]


def test_target_without_a_target_value_has_no_band_or_rank():
    positions = council_positions(frame([1, 2, 3], "target"))
    assert positions["quartile_band"].isna().all()
    assert positions["rank"].isna().all()
    assert positions["percentile"].notna().all()


def test_one_council_is_ranked_first_but_not_placed_in_a_quarter():
    one = council_positions(frame([4]))
    assert one["quartile_band"].isna().all()
    assert one["rank"].tolist() == [1]


def test_all_equal_are_band_one_rank_one():
    same = council_positions(frame([4, 4, 4, 4, 4], "lower_better"))
    assert same["quartile_band"].tolist() == [1] * 5
    assert same["rank"].tolist() == [1] * 5


@pytest.mark.parametrize("polarity", ["higher_better", "lower_better", "target"])
def test_fewer_than_five_councils_get_no_band(polarity):
    for n in range(1, MIN_COUNCILS_FOR_QUARTILES):
        positions = council_positions(frame(list(range(n)), polarity, target=1.0))
        assert positions["quartile_band"].isna().all()
        assert positions["rank"].notna().all()


def test_five_councils_get_bands_whatever_the_polarity():
    for polarity in ("higher_better", "lower_better", "target"):
        positions = council_positions(frame([1, 2, 3, 4, 5], polarity, target=1.0))
        assert positions["quartile_band"].notna().all()


def test_two_councils():
    positions = council_positions(frame([10, 20]))
    assert positions["quartile_band"].isna().all()
    assert positions["rank"].tolist() == [2, 1]


def test_missing_value_keeps_its_row_with_blanks():
    positions = council_positions(frame([1, np.nan, 3], sample_size=100.0, scale=100.0))
    row = positions.iloc[1]
    assert row["gss_code"] == "c1"
    assert math.isnan(row["value"]) and math.isnan(row["percentile"])
    assert pd.isna(row["quartile_band"]) and pd.isna(row["rank"])
    assert pd.isna(row["significant"])
    assert positions["rank"].tolist()[::2] == [2, 1]


def test_position_columns_and_types():
    positions = council_positions(frame([1, 2, 3]))
    assert list(positions.columns) == [
        "metric",
        "period",
        "group",
        "gss_code",
        "value",
        "percentile",
        "quartile_band",
        "rank",
        "ci_low",
        "ci_high",
        "significant",
    ]
    assert str(positions["quartile_band"].dtype) == "Int64"
    assert str(positions["rank"].dtype) == "Int64"
    assert str(positions["significant"].dtype) == "boolean"
    assert positions["percentile"].dtype == np.float64


def test_rows_keep_input_order_and_ignore_the_index():
    df = frame([3, 1, 2]).set_axis([10, 5, 7])
    positions = council_positions(df)
    assert positions.index.tolist() == [0, 1, 2]
    assert positions["gss_code"].tolist() == ["c0", "c1", "c2"]
    assert positions["rank"].tolist() == [1, 3, 2]


def reference_positions(values, polarity, target):
    """Brute force, one value at a time, straight from the written definitions."""
    valid = [v for v in values if np.isfinite(v)]
    n = len(valid)
    q1, q2, q3 = np.quantile(valid, [0.25, 0.5, 0.75]) if n else (np.nan,) * 3
    enough = n >= MIN_COUNCILS_FOR_QUARTILES
    distances = [abs(v - target) for v in valid]
    if polarity == "target" and np.isfinite(target):
        d1, d2, d3 = np.quantile(distances, [0.25, 0.5, 0.75])
    out = []
    for v in values:
        if not np.isfinite(v):
            out.append((np.nan, None, None))
            continue
        below = sum(x < v for x in valid)
        others_equal = sum(x == v for x in valid) - 1
        pct = 50.0 if n == 1 else 100 * (below + 0.5 * others_equal) / (n - 1)
        if polarity in ("higher_better", "neutral"):
            rank = 1 + sum(x > v for x in valid)
        elif polarity == "lower_better":
            rank = 1 + below
        else:
            rank = 1 + sum(d < abs(v - target) for d in distances) if np.isfinite(target) else None
        if polarity == "higher_better":
            band = 1 if v >= q3 else 2 if v >= q2 else 3 if v >= q1 else 4
        elif polarity == "lower_better":
            band = 1 if v <= q1 else 2 if v <= q2 else 3 if v <= q3 else 4
        elif polarity == "target" and np.isfinite(target):
            d = abs(v - target)
            band = 1 if d <= d1 else 2 if d <= d2 else 3 if d <= d3 else 4
        else:
            band = None
        out.append((pct, band if enough else None, rank))
    return out


def test_positions_match_brute_force_reference():
    df = random_long_frame(seed=7, councils=30, metrics=12)
    positions = council_positions(df)
    assert len(positions) == len(df)
    for _, part in df.groupby(["metric", "period", "group"]):
        expected = reference_positions(
            part["value"].tolist(), part["polarity"].iat[0], part["target_value"].iat[0]
        )
        got = positions.loc[part.index]
        for (pct, band, rank), (_, row) in zip(expected, got.iterrows(), strict=True):
            if np.isnan(pct):
                assert np.isnan(row["percentile"])
            else:
                assert row["percentile"] == pytest.approx(pct)
            assert (None if pd.isna(row["quartile_band"]) else row["quartile_band"]) == band
            assert (None if pd.isna(row["rank"]) else row["rank"]) == rank


def test_same_council_in_two_groups_is_placed_in_each():
    df = pd.concat(
        [
            frame([1, 2, 3, 4]),
            frame([1, 2, 3, 4]).iloc[[2, 3]].assign(group="small"),
        ],
        ignore_index=True,
    )
    positions = council_positions(df)
    small = positions[positions["group"] == "small"]
    assert small["rank"].tolist() == [2, 1]
    assert small["percentile"].tolist() == [0, 100]


# --- Wilson interval and significance -------------------------------------------------------


def test_wilson_textbook_values():
    low, high = wilson_interval(0.5, 100)
    assert (round(float(low), 4), round(float(high), 4)) == (0.4038, 0.5962)
    low, high = wilson_interval(0.0, 10)
    assert float(low) == pytest.approx(0.0, abs=1e-15)
    assert round(float(high), 4) == 0.2775


def test_wilson_matches_formula():
    p, n, z = 0.3, 57, Z_95
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = wilson_interval(p, n)
    assert (float(low), float(high)) == pytest.approx((centre - half, centre + half))
    assert round(Z_95, 12) == round(NormalDist().inv_cdf(0.975), 12)


def test_wilson_undefined_cases_are_nan():
    low, high = wilson_interval(
        np.array([0.5, 0.5, 0.5, 1.2, -0.1, np.nan]),
        np.array([np.nan, 0, -5, 100, 100, 100]),
    )
    assert np.isnan(low).all() and np.isnan(high).all()


def test_interval_in_the_values_own_units():
    percent = council_positions(frame([50, 60, 70], scale=100.0, sample_size=100.0))
    assert percent["ci_low"].round(2).tolist()[0] == 40.38
    assert percent["ci_high"].round(2).tolist()[0] == 59.62
    proportion = council_positions(frame([0.5, 0.6, 0.7], scale=1.0, sample_size=100.0))
    assert round(proportion["ci_low"].iat[0], 4) == 0.4038


def test_significance_against_group_median():
    # Median 60. Council c0 at 50% of 100: interval 40.4 to 59.6, so 60 is outside.
    # Council c1 at 60%: inside its own interval. Council c2 at 70% of 20: wide, contains 60.
    df = frame([50, 60, 70], scale=100.0, sample_size=[100.0, 100.0, 20.0])
    positions = council_positions(df)
    assert positions["significant"].tolist() == [True, False, False]


def test_no_interval_without_sample_size_or_scale_or_for_impossible_shares():
    df = frame(
        [50, 60, 70, 120],
        scale=[100.0, np.nan, 100.0, 100.0],
        sample_size=[np.nan, 100.0, 100.0, 100.0],
    )
    positions = council_positions(df)
    assert positions["ci_low"].isna().tolist() == [True, True, False, True]
    assert positions["significant"].isna().tolist() == [True, True, False, True]


def test_optional_columns_may_be_absent():
    df = frame([1, 2, 3]).drop(columns=["target_value"])
    positions = council_positions(df)
    assert positions["ci_low"].isna().all()
    assert positions["significant"].isna().all()


# --- reusing statistics ----------------------------------------------------------------------


def test_supplied_statistics_give_the_same_result():
    df = random_long_frame(seed=11)
    stats = group_statistics(df)
    shuffled = stats.sample(frac=1, random_state=1)
    pd.testing.assert_frame_equal(council_positions(df, shuffled), council_positions(df))


def test_supplied_statistics_with_a_group_missing():
    df = pd.concat([frame([1, 2, 3, 4, 5]), frame([1, 2, 3, 4, 5]).assign(group="other")])
    stats = group_statistics(df)
    positions = council_positions(df, stats[stats["group"] == "all"])
    assert positions.loc[positions["group"] == "other", "quartile_band"].isna().all()
    assert positions.loc[positions["group"] == "all", "quartile_band"].tolist() == [4, 3, 2, 1, 1]


# --- validation -------------------------------------------------------------------------------


def test_duplicate_council_in_a_group_is_refused():
    df = frame([1, 2]).assign(gss_code="c0")
    with pytest.raises(ValueError, match="only once"):
        council_positions(df)


def test_unknown_polarity_is_refused():
    with pytest.raises(ValueError, match="Unknown polarity 'up'"):
        council_positions(frame([1, 2], "up"))


def test_polarity_must_not_vary_within_a_group():
    df = frame([1, 2]).assign(polarity=["higher_better", "lower_better"])
    with pytest.raises(ValueError, match="polarity must be the same"):
        council_positions(df)


def test_target_must_not_vary_within_a_group():
    df = frame([1, 2], "target").assign(target_value=[1.0, 2.0])
    with pytest.raises(ValueError, match="target_value must be the same"):
        council_positions(df)


def test_missing_columns_are_named():
    with pytest.raises(KeyError, match="polarity"):
        council_positions(frame([1]).drop(columns=["polarity"]))
    with pytest.raises(KeyError, match="value"):
        group_statistics(frame([1]).drop(columns=["value"]))


def test_empty_input():
    empty = frame([]).astype({"value": "float64"})
    assert group_statistics(empty).empty
    assert council_positions(empty).empty
    assert changes(empty).empty


# --- change since the previous period -------------------------------------------------------


def test_change_since_previous_period():
    df = pd.concat(
        [
            frame([10, 20, np.nan]).assign(period="2018-19"),
            frame([12, 15, 30]).assign(period="2019-20"),
            frame([13, np.nan, 31]).assign(period="2020-21"),
        ],
        ignore_index=True,
    )
    result = changes(df).set_index(["period", "gss_code"])
    assert result.loc[("2019-20", "c0"), "change"] == 2
    assert result.loc[("2019-20", "c1"), "change"] == -5
    assert np.isnan(result.loc[("2019-20", "c2"), "change"])  # nothing the year before
    assert np.isnan(result.loc[("2020-21", "c1"), "change"])  # nothing this year
    assert np.isnan(result.loc[("2018-19", "c0"), "change"])  # first year
    assert result.loc[("2020-21", "c2"), "previous_value"] == 30
    assert result.loc[("2020-21", "c2"), "previous_period"] == "2019-20"
    assert list(result.reset_index().columns) == [
        "period",
        "gss_code",
        "metric",
        "value",
        "previous_period",
        "previous_value",
        "change",
    ]


def test_change_skips_a_gap_rather_than_reaching_further_back():
    df = pd.concat(
        [frame([10]).assign(period="2017-18"), frame([12]).assign(period="2019-20")],
        ignore_index=True,
    )
    result = changes(df).set_index("period")
    assert result.loc["2019-20", "previous_period"] == "2018-19"
    assert np.isnan(result.loc["2019-20", "change"])


def test_change_for_quarters_spans_and_calendar_years():
    df = pd.DataFrame(
        {
            "metric": "m",
            "group": "all",
            "gss_code": "c0",
            "period": ["2018-19 Q4", "2019-20 Q1", "2016-19", "2019-22", "2019", "2020"],
            "value": [1.0, 4.0, 50.0, 47.0, 7.0, 10.0],
        }
    )
    result = changes(df).set_index("period")["change"]
    assert result["2019-20 Q1"] == 3
    assert result["2019-22"] == -3
    assert result["2020"] == 3
    assert result[["2018-19 Q4", "2016-19", "2019"]].isna().all()


def test_change_keeps_metrics_and_councils_apart():
    df = pd.DataFrame(
        {
            "metric": ["a", "a", "b", "b", "a"],
            "group": "all",
            "gss_code": ["x", "x", "x", "x", "y"],
            "period": ["2018", "2019", "2018", "2019", "2019"],
            "value": [1.0, 2.0, 100.0, 150.0, 5.0],
        }
    )
    result = changes(df).set_index(["metric", "gss_code", "period"])["change"]
    assert result[("a", "x", "2019")] == 1
    assert result[("b", "x", "2019")] == 50
    assert np.isnan(result[("a", "y", "2019")])


def test_change_counts_each_council_once_across_groups():
    base = pd.concat(
        [frame([10, 20]).assign(period="2018-19"), frame([11, 25]).assign(period="2019-20")]
    )
    df = pd.concat([base, base.assign(group="family")], ignore_index=True)
    result = changes(df)
    assert len(result) == 4
    assert result.set_index(["period", "gss_code"]).loc[("2019-20", "c1"), "change"] == 5


def test_change_refuses_bad_period_labels():
    with pytest.raises(ValueError, match="not a recognised period"):
        changes(frame([1]).assign(period="last year"))


def test_compare_adds_change_aligned_to_each_row():
    df = pd.concat(
        [
            frame([10, 20]).assign(period="2018-19"),
            frame([11, 25]).assign(period="2019-20"),
            frame([11, 25]).assign(period="2019-20", group="family"),
        ],
        ignore_index=True,
    )
    stats, positions = compare(df)
    assert len(stats) == 3
    assert positions["change"].iloc[:2].isna().all()
    assert positions["change"].tolist()[2:] == [1, 5, 1, 5]
    pd.testing.assert_frame_equal(stats, group_statistics(df))
    pd.testing.assert_frame_equal(positions.drop(columns="change"), council_positions(df))


# --- real data: LGBF indicators for the 32 Scottish councils --------------------------------


def lgbf(code, year, polarity, target=np.nan):
    raw = pd.read_csv(FIXTURES / "lgbf_slice.csv")
    part = raw[(raw["Code"] == code) & (raw["Year"] == year)]
    return pd.DataFrame(
        {
            "metric": code,
            "period": year,
            "group": "Scotland",
            "gss_code": part["gss_code"].to_numpy(),
            "value": part["LA_Value_Real"].to_numpy(),
            "polarity": polarity,
            "target_value": target,
        }
    )


def test_lgbf_recycling_2019_20_by_hand():
    # ENV06, % of household waste recycled (as a proportion), 32 councils, higher is better.
    df = lgbf("ENV06", "2019-20", "higher_better")
    assert len(df) == 32
    values = np.sort(df["value"].to_numpy())
    stats = group_statistics(df).iloc[0]
    # By hand, positions (32 - 1) x 0.25 = 7.75, 15.5 and 23.25 in the sorted list:
    # 8th and 9th values 0.39 and 0.40 -> 0.39 + 0.75 x 0.01 = 0.3975;
    # 16th and 17th values 0.50 and 0.51 -> 0.505; 24th and 25th both 0.55 -> 0.55.
    assert stats["lower_quartile"] == pytest.approx(0.3975)
    assert stats["median"] == pytest.approx(0.505)
    assert stats["upper_quartile"] == pytest.approx(0.55)
    assert stats["mean"] == pytest.approx(14.82 / 32)
    assert (stats["min"], stats["max"]) == (0.17, 0.68)
    q = np.quantile(values, [0.25, 0.5, 0.75])
    assert (stats["lower_quartile"], stats["median"], stats["upper_quartile"]) == tuple(q)

    positions = council_positions(df).set_index("gss_code")
    east_renfrewshire, shetland = positions.loc["S12000011"], positions.loc["S12000027"]
    assert (east_renfrewshire["rank"], east_renfrewshire["percentile"]) == (1, 100)
    assert (shetland["rank"], shetland["percentile"], shetland["quartile_band"]) == (32, 0, 4)
    # Stirling 0.55, tied with three others; six councils are higher.
    stirling = positions.loc["S12000030"]
    assert (stirling["rank"], stirling["quartile_band"]) == (7, 1)
    assert stirling["percentile"] == pytest.approx(100 * (22 + 1.5) / 31)
    # Renfrewshire 0.53, tied with three others: above the median, below the upper quartile.
    renfrewshire = positions.loc["S12000038"]
    assert (renfrewshire["rank"], renfrewshire["quartile_band"]) == (12, 2)
    # Aberdeen City 0.50: just below the median of 0.505.
    assert positions.loc["S12000033", "quartile_band"] == 3
    # Argyll and Bute 0.39: below the lower quartile of 0.3975, tied with Edinburgh.
    argyll = positions.loc["S12000035"]
    assert (argyll["rank"], argyll["quartile_band"]) == (25, 4)
    assert positions.loc["S12000036", "rank"] == 25
    assert argyll["percentile"] == pytest.approx(100 * 6.5 / 31)
    assert positions["quartile_band"].value_counts().sort_index().tolist() == [10, 6, 8, 8]


def test_lgbf_sports_cost_lower_is_better():
    df = lgbf("C&L01", "2019-20", "lower_better")
    positions = council_positions(df)
    cheapest = positions.loc[positions["value"].idxmin()]
    dearest = positions.loc[positions["value"].idxmax()]
    assert (cheapest["rank"], cheapest["quartile_band"]) == (1, 1)
    assert (dearest["rank"], dearest["quartile_band"]) == (32, 4)
    stats = group_statistics(df).iloc[0]
    # Positions 7.75, 15.5 and 23.25: 1.9974 + 0.75 x 0.0112; (2.7562 + 3.0686) / 2;
    # 3.8498 + 0.25 x 0.0446.
    assert stats["lower_quartile"] == pytest.approx(2.0058)
    assert stats["median"] == pytest.approx(2.9124)
    assert stats["upper_quartile"] == pytest.approx(3.86095)
    assert positions["quartile_band"].value_counts().sort_index().tolist() == [8, 8, 8, 8]


def test_lgbf_gender_pay_gap_target_zero():
    df = lgbf("CORP03c", "2019-20", "target", target=0.0)
    positions = council_positions(df)
    distance = df["value"].abs()
    closest = positions.loc[distance.idxmin()]
    assert closest["value"] == 0.0054 and closest["rank"] == 1
    assert positions.loc[distance.idxmax(), "rank"] == 32
    # Negative gaps are as far from the target as positive ones of the same size.
    assert positions["rank"].tolist() == (distance.rank(method="min").astype(int)).tolist()


def test_lgbf_change_and_spans():
    raw = pd.concat(
        [
            lgbf("ENV06", "2018-19", "higher_better"),
            lgbf("ENV06", "2019-20", "higher_better"),
            lgbf("C&L05a", "2016-19", "higher_better"),
            lgbf("C&L05a", "2019-22", "higher_better"),
        ],
        ignore_index=True,
    )
    _, positions = compare(raw)
    by_key = positions.set_index(["metric", "period", "gss_code"])["change"]
    # Aberdeen City recycling went from 0.47 to 0.50.
    assert by_key[("ENV06", "2019-20", "S12000033")] == pytest.approx(0.03)
    # Library satisfaction 2019-22 is compared with the pooled years 2016-19.
    source = pd.read_csv(FIXTURES / "lgbf_slice.csv").set_index(["Code", "Year", "gss_code"])
    expected = (
        source.loc[("C&L05a", "2019-22", "S12000033"), "LA_Value_Real"]
        - source.loc[("C&L05a", "2016-19", "S12000033"), "LA_Value_Real"]
    )
    assert by_key[("C&L05a", "2019-22", "S12000033")] == pytest.approx(expected)
    assert by_key.xs("2018-19", level="period").isna().all()


# --- purity -------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["periods", "comparisons", "similarity", "context"])
def test_modules_import_no_django_orm_or_http(module):
    tree = ast.parse((MODULES / f"{module}.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            # From the kernel, only its pure statistics module.
            kernel = node.module.startswith("selfreg")
            imported.add(node.module if kernel else node.module.split(".")[0])
    banned = {"django", "rest_framework", "requests", "urllib", "http", "httpx", "psycopg"}
    assert not imported & banned
    assert imported <= {"__future__", "collections", "dataclasses", "datetime", "functools",
                        "re", "numpy", "pandas", "pathlib", "benchmarking", "typing",
                        "unicodedata", "selfreg.stats"}  # fmt: skip


# --- positions derived on read from a group's sorted values ----------------------------------


def varied_random_frame(seed: int) -> pd.DataFrame:
    """Random frames of every shape: tiny and large groups, many ties or none, a target
    missing, proportions or percentages with sample sizes, some values missing."""
    rng = np.random.default_rng(seed)
    df = random_long_frame(seed=seed, councils=int(rng.integers(1, 60)), metrics=8)
    if seed % 3 == 1:  # continuous values: no ties
        df["value"] = np.where(df["value"].isna(), np.nan, rng.random(len(df)) * 100)
    if seed % 4 == 3:  # a target metric without a target: no rank and no band
        df.loc[df["metric"] == "m2", "target_value"] = np.nan
    if seed % 5 == 2:  # proportions, some without a sample size
        df["value"] = df["value"] / 100
        df["scale"] = 1.0
        df.loc[rng.random(len(df)) < 0.3, "sample_size"] = np.nan
    return df


@pytest.mark.parametrize("seed", range(40))
def test_positions_from_sorted_values_equal_whole_frame_positions(seed):
    """A council's position worked out from its group's stored sorted values is exactly the
    one council_positions gives over the whole frame: every column, ties and gaps included."""
    df = varied_random_frame(seed)
    expected = council_positions(df)
    stored = group_distributions(df).set_index(["metric", "period", "group"])
    keys = ["metric", "period", "group"]
    for key, part in df.groupby(keys, sort=False):
        row = stored.loc[key]
        # Place the group's councils in a shuffled order, as a page might ask for them.
        part = part.sample(frac=1, random_state=seed)
        got = positions_in_group(
            row["values"],
            part["value"],
            polarity=part["polarity"].iat[0],
            target_value=part["target_value"].iat[0],
            scale=part["scale"].iat[0],
            sample_size=part["sample_size"],
        )
        want = expected.loc[part.index, POSITION_COLUMNS].reset_index(drop=True)
        pd.testing.assert_frame_equal(got[POSITION_COLUMNS], want, check_exact=True)
        # The records a dashboard reads are the same figures, as plain values.
        records = position_records(
            row["values"],
            part["value"].tolist(),
            polarity=part["polarity"].iat[0],
            target_value=part["target_value"].iat[0],
            scale=part["scale"].iat[0],
            sample_size=part["sample_size"].tolist(),
            previous_value=(part["value"] - 1).tolist(),
        )
        plain_rows = [{k: plain(v) for k, v in r.items()} for r in got.to_dict("records")]
        for record, plain_row, value in zip(records, plain_rows, part["value"], strict=True):
            assert {k: record[k] for k in POSITION_COLUMNS} == {
                k: plain_row[k] for k in POSITION_COLUMNS
            }
            assert record["change"] == (None if np.isnan(value) else 1.0)


@pytest.mark.parametrize("seed", range(40))
def test_one_council_in_each_group_at_once_equals_each_group_in_turn(seed):
    """A dashboard places one council in each measure's group, all groups at once: the
    figures are exactly those of placing it in each group in turn."""
    df = varied_random_frame(seed)
    stored = group_distributions(df).set_index(["metric", "period", "group"])
    rng = np.random.default_rng(seed)
    groups, values, facts = [], [], {name: [] for name in FACTS}
    for key, part in df.groupby(["metric", "period", "group"], sort=False):
        one = part.iloc[int(rng.integers(len(part)))]  # one council, its value maybe missing
        groups.append(stored.loc[key, "values"])
        values.append(one["value"])
        facts["polarity"].append(one["polarity"])
        facts["target_value"].append(one["target_value"])
        facts["scale"].append(one["scale"])
        facts["sample_size"].append(None if np.isnan(one["sample_size"]) else one["sample_size"])
        facts["previous_value"].append(None if rng.random() < 0.2 else float(rng.integers(12)))
    got = positions_one_in_each(groups, values, **facts)
    for i, record in enumerate(got):
        expected = position_records(
            groups[i],
            [values[i]],
            **{name: facts[name][i] for name in ("polarity", "target_value", "scale")},
            sample_size=[facts["sample_size"][i]],
            previous_value=[facts["previous_value"][i]],
        )[0]
        assert record == expected


FACTS = ("polarity", "target_value", "scale", "sample_size", "previous_value")


def test_group_distributions_keep_each_groups_values_and_councils_in_order():
    df = random_long_frame(seed=3, councils=25)
    stored = group_distributions(df)
    stats = group_statistics(df)
    pd.testing.assert_frame_equal(stored.drop(columns=["values", "councils"]), stats)
    for row in stored.itertuples():
        part = df[(df["metric"] == row.metric) & (df["period"] == row.period)]
        part = part[(part["group"] == row.group) & part["value"].notna()]
        assert row.values.tolist() == sorted(part["value"].tolist())
        by_council = dict(zip(part["gss_code"], part["value"], strict=True))
        assert [by_council[c] for c in row.councils] == row.values.tolist()


def test_change_on_read_is_the_value_less_the_previous_one():
    got = positions_in_group(
        [1.0, 2.0, 4.0],
        [4.0, 1.0, 2.0],
        polarity="higher_better",
        previous_value=[3.0, np.nan, 2.5],
    )
    assert got["change"].tolist()[::2] == [1.0, -0.5]
    assert np.isnan(got["change"].iat[1])
    assert got["rank"].tolist() == [1, 3, 2]


def test_positions_in_group_rejects_an_unknown_polarity():
    with pytest.raises(ValueError, match="Unknown polarity"):
        positions_in_group([1.0], [1.0], polarity="up")


def members_case(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each council's values once per metric and period, in shuffled order, with gaps, NaN,
    infinities and ties; and groups of many sizes, some sharing a size as similar councils do,
    some naming councils with no value."""
    rng = np.random.default_rng(seed)
    councils = int(rng.integers(2, 50))
    rows = [
        (f"m{m}", period, f"E{c:08d}")
        for m in range(int(rng.integers(1, 6)))
        for period in ("2018-19", "2019-20", "2020-21")
        for c in range(councils)
        if rng.random() < 0.7
    ]
    df = pd.DataFrame(rows, columns=["metric", "period", "gss_code"])
    df["value"] = rng.integers(0, 8, len(df)).astype(float)
    continuous = rng.random(len(df)) < (seed % 3) / 2
    df.loc[continuous, "value"] += rng.random(int(continuous.sum()))
    df.loc[rng.random(len(df)) < 0.08, "value"] = np.nan
    df.loc[rng.random(len(df)) < 0.02, "value"] = np.inf
    df = df.sample(frac=1, random_state=seed).reset_index(drop=True)
    pairs = [("all", f"E{c:08d}") for c in range(councils + 3)]
    for c in range(councils):
        similar = rng.choice(councils + 3, size=min(6, councils), replace=False)
        pairs += [(f"similar:{c}", f"E{c:08d}")]
        pairs += [(f"similar:{c}", f"E{s:08d}") for s in similar]
        if rng.random() < 0.3:
            pairs.append((f"family {c % 4}", f"E{c:08d}"))
    return df, pd.DataFrame(pairs, columns=["group", "gss_code"])


@pytest.mark.parametrize("seed", range(30))
def test_group_distributions_over_members_equal_the_joined_frame(seed):
    """Giving the groups' members beside one value per council gives exactly what the long
    frame of every council in every group gives: the same groups, statistics (the mean
    included, bit for bit), values in order, and councils in order, ties in council order."""
    df, members = members_case(seed)
    joined = df.sort_values("gss_code", kind="stable").merge(members.drop_duplicates())
    keys = ["metric", "period", "group"]
    got = group_distributions(df, members).set_index(keys).sort_index()
    want = group_distributions(joined).set_index(keys).sort_index()
    assert got.index.equals(want.index)
    pd.testing.assert_frame_equal(
        got.drop(columns=["values", "councils"]),
        want.drop(columns=["values", "councils"]),
        check_exact=True,
        check_dtype=False,
    )
    for column in ["values", "councils"]:
        assert [a.tolist() for a in got[column]] == [b.tolist() for b in want[column]]


def test_group_distributions_over_members_refuse_a_council_twice_in_a_period():
    df = pd.DataFrame(
        {"metric": ["m", "m"], "period": ["2020-21"] * 2, "gss_code": ["E1", "E1"], "value": [1, 2]}
    )
    members = pd.DataFrame({"group": ["all"], "gss_code": ["E1"]})
    with pytest.raises(ValueError, match="more than one value"):
        group_distributions(df, members)
