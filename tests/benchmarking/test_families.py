"""Similar councils per kind of service: the sets, the check against the LGBF family groups,
and what makes councils alike. Pure functions by hand; the real shared files where it counts."""

import io
import json
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from benchmarking import families, likeness
from benchmarking.context import build_context, council_pools, read_sources

DATA = Path(__file__).resolve().parents[2] / "data"
HARTLEPOOL = "E06000001"
ABERDEEN = "S12000033"
BELFAST = "N09000003"


@cache
def sources():
    return read_sources(DATA)


@cache
def context():
    return build_context(**sources())


@cache
def all_sets():
    return families.find_families(context())


# --- which set a measure uses -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "kind"),
    [
        (SimpleNamespace(code="lgbf-CHN01"), "people"),
        (SimpleNamespace(code="lgbf-SW01"), "people"),
        (SimpleNamespace(code="lgbf-HSN02"), "people"),
        (SimpleNamespace(code="lgbf-ENV01a"), "place"),
        (SimpleNamespace(code="lgbf-C&L01"), "place"),
        (SimpleNamespace(code="lgbf-FINSUS01"), "finance"),
        (SimpleNamespace(code="fin-reserves-to-nre"), "finance"),
        (SimpleNamespace(code="perception-q1"), "overall"),
        # The catalogue's comparator wins over the code; blank means the rule decides.
        (SimpleNamespace(code="fin-nre", comparator="people"), "people"),
        (SimpleNamespace(code="waste-1", comparator="Place"), "place"),
        (SimpleNamespace(code="lgbf-CHN01", comparator=""), "people"),
        (SimpleNamespace(code="x", comparator="overall"), "overall"),
        (SimpleNamespace(code="x", comparator="nonsense"), "overall"),
    ],
)
def test_family_for_metric(metric, kind):
    assert families.family_for_metric(metric) == kind


def test_group_labels_keep_similar_for_the_overall_set():
    assert families.similar_label("overall", HARTLEPOOL) == "similar:E06000001"
    assert families.similar_label("people", HARTLEPOOL) == "similar-people:E06000001"
    assert families.similar_kind("similar-place:E06000001") == "place"
    assert families.similar_kind("similar:E06000001") == "overall"
    assert families.similar_kind("region:north-east") is None


def test_shipped_sets_name_only_context_variables():
    sets = families.read_sets()
    assert set(sets) == {"people", "place", "finance"}
    assert set().union(*sets.values()) <= set(context().columns)
    # A weight may be 0 (the place search may drop a figure), never negative, and every set
    # counts something.
    assert all(w >= 0 for weights in sets.values() for w in weights.values())
    assert all(sum(weights.values()) > 0 for weights in sets.values())


# --- overlap by hand --------------------------------------------------------------------------


def test_overlap_at_k_by_hand():
    """a's two nearest are b (same family) and c (not): 1/2; b's are a and d: 2/2; c has too
    few neighbours and d has no family, so neither counts."""
    neighbours = pd.DataFrame(
        {
            "gss_code": ["a", "a", "b", "b", "c", "d", "d"],
            "neighbour_gss_code": ["b", "c", "a", "d", "a", "a", "b"],
            "rank": [1, 2, 1, 2, 1, 1, 2],
        }
    )
    family = {"a": 1, "b": 1, "c": 2}
    family_d = {**family, "d": 1}
    assert families.overlap_at_k(neighbours, family, k=2) == pytest.approx(0.5 * (0.5 + 0.5))
    assert families.overlap_at_k(neighbours, family_d, k=2) == pytest.approx((0.5 + 1 + 1) / 3)


def test_random_overlap_is_family_size_less_one_over_councils_less_one():
    eight_each = {f"c{i}": i // 8 for i in range(32)}
    assert families.random_overlap(eight_each) == pytest.approx(7 / 31)
    assert families.random_overlap({"a": 1, "b": 1, "c": 2}) == pytest.approx((1 + 1 + 0) / 3 / 2)


def test_evidence_weights_are_mean_squared_rank_correlations():
    """x ranks councils exactly as indicator i1 and in reverse of i2: r² = 1 for both. y is
    unrelated to both. z has no figures, so it takes the median of the others' weights."""
    data = pd.DataFrame(
        {"x": [1, 2, 3, 4, 5], "y": [2, 5, 1, 4, 3], "z": [np.nan] * 5},
        index=list("abcde"),
    )
    indicators = pd.DataFrame(
        {"i1": [10, 20, 30, 40, 50], "i2": [9, 7, 5, 3, 1]}, index=list("abcde")
    )
    weights = families.evidence_weights(data, indicators, ["x", "y", "z"])
    assert weights["x"] == 1.0
    r1 = np.corrcoef([1, 2, 3, 4, 5], [2, 5, 1, 4, 3])[0, 1]
    assert weights["y"] == pytest.approx(round(r1**2, 3))
    assert weights["z"] == pytest.approx(np.median([weights["x"], weights["y"]]), abs=1e-3)


def test_knn_error_by_hand():
    """Four councils on a line at 0, 1, 10 and 11: with k=1 each one's neighbour is the council
    next to it. The indicator is 1, 1, -1, -1, so every neighbour predicts exactly (error 0);
    on an indicator of 1, -1, 1, -1 every neighbour is wrong by 2 (error 4)."""
    z = np.array([[0.0], [1.0], [10.0], [11.0]])
    same = np.array([[1.0], [1.0], [-1.0], [-1.0]])
    flip = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    assert families.knn_error(z, same, np.array([1.0]), k=1) == 0.0
    assert families.knn_error(z, flip, np.array([1.0]), k=1) == 4.0
    # A council without a figure is left out of the error, not counted as zero, and so is
    # one whose neighbours have none (the fourth, whose neighbour is the third): 4 over two.
    gap = np.array([[1.0], [-1.0], [np.nan], [-1.0]])
    assert families.knn_error(z, gap, np.array([1.0]), k=1) == 4.0


def test_knn_weights_drop_a_variable_that_only_adds_noise():
    """The indicator follows x; y is noise. The search keeps x and gives y no weight; z has
    no figures and takes the median weight of the others."""
    rng = np.random.default_rng(1)
    x = np.arange(20, dtype="float64")
    data = pd.DataFrame(
        {"x": x, "y": rng.permutation(20).astype("float64"), "z": np.nan},
        index=[f"c{i:02d}" for i in range(20)],
    )
    indicators = pd.DataFrame({"i": x * 2 + 1}, index=data.index)
    weights = families.knn_weights(data, indicators, ["x", "y", "z"], k=2)
    assert weights["x"] == 1.0 and weights["y"] == 0.0
    assert weights["z"] == 0.5


def test_knn_overlap_by_hand():
    """The same four councils, k=1: in families a a b b every neighbour shares its council's
    family (overlap 1); in families a b a b none does (overlap 0)."""
    z = np.array([[0.0], [1.0], [10.0], [11.0]])
    one = np.array([1.0])
    assert families.knn_overlap(z, np.array(list("aabb")), one, k=1) == 1.0
    assert families.knn_overlap(z, np.array(list("abab")), one, k=1) == 0.0


def test_weights_fitted_to_the_families_drop_a_variable_that_only_mixes_them():
    """Two families of four, apart on x; y puts every other council of each family far off.
    With equal weights a council's three nearest include the other family (overlap below 1);
    weights fitted to the families give y nothing, so each council's nearest are its own
    family, also when that council is left out of the fit."""
    data = pd.DataFrame(
        {"x": [0.0, 1, 2, 3, 10, 11, 12, 13], "y": [0.0, 100] * 4},
        index=[f"c{i}" for i in range(8)],
    )
    family = dict(zip(data.index, "aaaabbbb", strict=True))
    z, _kept = families._standard_context(data, ["x", "y"])
    labels = np.array(list("aaaabbbb"))
    assert families.knn_overlap(z, labels, np.array([1.0, 1.0]), k=3) < 1.0
    found = families.fitted_to_families(data, family, ["x", "y"], k=3)
    assert found == {"variables": 2, "fitted": 1.0, "left_out": 1.0}


# --- the real files ---------------------------------------------------------------------------


def test_lgbf_families_are_four_groups_of_eight_per_kind():
    found = families.lgbf_families(
        pd.read_csv(DATA / "benchmarks/scotland_lgbf_family_groups.csv"), sources()["lgbf"]
    )
    for kind in ("people", "place"):
        assert len(found[kind]) == 32
        assert all(code.startswith("S12") for code in found[kind])
        assert pd.Series(found[kind]).value_counts().tolist() == [8, 8, 8, 8]
    # Glasgow is among the most deprived and the most urban.
    assert found["people"]["S12000049"] == found["people"]["S12000039"]  # with W Dunbartonshire


def test_scottish_context_comes_from_the_lgbf_figures():
    row = context().loc[ABERDEEN]
    assert row["child_poverty_pct"] == pytest.approx(20.4887)  # CHN24, 2021-22
    assert row["road_km_per_1000"] == pytest.approx(1036.5 / 229060 * 1000)  # ENV04a 2022-23
    assert row["population_change_pct"] == pytest.approx((227430 / 220420 - 1) * 100)
    assert row["deprivation_extent"] == pytest.approx(0.100892)  # SIMD 2020 extent
    assert row["area"] == 186


def test_spending_power_per_head():
    row = context().loc[HARTLEPOOL]
    assert row["spending_power_per_head"] == pytest.approx(90.67e6 / 93836)
    assert np.isnan(context().loc["E06000063", "spending_power_per_head"])  # Cumberland, 2023


def test_every_set_finds_fifteen_councils_within_the_pool():
    found = all_sets()
    pools = council_pools(context())
    assert set(found["kind"]) == set(families.KINDS)
    assert (
        pools[found["gss_code"]].to_numpy() == pools[found["neighbour_gss_code"]].to_numpy()
    ).all()
    hartlepool = found[found["gss_code"].eq(HARTLEPOOL)]
    assert hartlepool.groupby("kind").size().to_dict() == dict.fromkeys(families.KINDS, 15)
    # Northern Ireland has no deprivation or age figures here: no people set, but the others.
    belfast = found[found["gss_code"].eq(BELFAST)]
    assert set(belfast["kind"]) == {"overall", "place", "finance"}


def test_people_and_place_sets_differ_where_they_should():
    """Hartlepool's people-similar councils (Middlesbrough among them) are more deprived than
    its place-similar ones, which are chosen on size, density and growth instead."""
    found = all_sets()
    mine = found[found["gss_code"].eq(HARTLEPOOL)]
    people = set(mine.loc[mine["kind"].eq("people"), "neighbour_gss_code"])
    place = set(mine.loc[mine["kind"].eq("place"), "neighbour_gss_code"])
    assert people != place
    assert "E06000002" in people
    ctx = context()
    assert (
        ctx.loc[list(people), "deprivation_extent"].median()
        > ctx.loc[list(place), "deprivation_extent"].median()
    )


# --- the check, as the command reports it ------------------------------------------------------


@cache
def validation():
    out = io.StringIO()
    call_command("similar_councils", "--validate", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_validate_reports_overlap_beside_baseline_random_and_stability():
    """The figures docs/method/similar-councils.md quotes, on the real shared files."""
    report = validation()
    assert report["k"] == 7 and report["councils"] == 32
    rows = {row["set"]: row for row in report["sets"]}
    people, place = rows["people"], rows["place"]
    assert round(people["overlap"], 2) == 0.63
    assert round(place["overlap"], 2) == 0.53
    assert people["overlap"] >= 0.6
    for row, spread in ((people, 0.05), (place, 0.07)):
        assert row["overlap"] > row["baseline"] > row["random"]
        assert row["overlap"] > row["overall_set"]
        assert row["random"] == pytest.approx(7 / 31)
        assert row["leave_one_out_min"] <= row["overlap"] <= row["leave_one_out_max"]
        # Stable: leaving any council out, or taking another year's weights, moves it little
        # (the place search less so than the people correlations: see the method note).
        assert row["leave_one_out_max"] - row["leave_one_out_min"] < spread
        for year in ("2016-17", "2021-22"):
            assert abs(row[f"overlap_weights_{year}"] - row["overlap"]) < 0.05
    assert (round(people["baseline"], 2), round(place["baseline"], 2)) == (0.37, 0.38)


def test_validate_reports_every_place_method_tried():
    """The place weights were chosen as the ones whose nearest councils predict the place
    figures best in years they were not worked out from; the report shows every method."""
    methods = {m["method"]: m for m in validation()["place_methods"]}
    assert list(methods) == ["prediction", "rank_correlation", "equal", "none"]
    shipped, correlation = methods["prediction"], methods["rank_correlation"]
    for year in ("2016-17", "2021-22"):
        assert shipped["prediction_error"][year] < correlation["prediction_error"][year]
        assert shipped["prediction_error"][year] < methods["none"]["prediction_error"][year]
    assert methods["none"]["prediction_error"]["2018-19"] == pytest.approx(1.0)
    assert round(correlation["overlap"], 2) == 0.51
    assert shipped["overlap"] == validation()["sets"][1]["overlap"]


def test_validate_reports_how_far_weights_fitted_to_the_families_go():
    """The figures the method note quotes for weights searched to fit the place families
    themselves: 0.58 on the councils fitted to; with each council left out of its own fit,
    below the target of 0.6 on the place figures and on every figure."""
    rows = {row["figures"]: row for row in validation()["place_fitted_to_families"]}
    place, every = rows["place set"], rows["every set"]
    assert (place["variables"], every["variables"]) == (7, 15)
    assert (round(place["fitted"], 2), round(place["left_out"], 2)) == (0.58, 0.54)
    assert (round(every["fitted"], 2), round(every["left_out"], 2)) == (0.58, 0.49)
    for row in (place, every):
        assert row["left_out"] <= row["fitted"]
        assert row["left_out"] < 0.6


# --- what makes councils alike ----------------------------------------------------------------


def test_profile_by_hand():
    """Pool of four on one variable, 1 2 3 10: mean 4, population sd sqrt(12.5). Council a's
    similar councils b and c sit 1 and 2 above it: the gap is 1.5 / sqrt(12.5)."""
    figures = pd.DataFrame(
        {"child_poverty_pct": [1.0, 2, 3, 10], "flat": [5.0] * 4}, index=list("abcd")
    )
    table = likeness.profile(figures, "a", ["b", "c"], ["child_poverty_pct", "flat", "absent"])
    assert table["variable"].tolist() == ["child_poverty_pct"]  # no spread, no figure: left out
    row = table.iloc[0]
    sd = np.sqrt(((np.array([1, 2, 3, 10]) - 4) ** 2).mean())
    assert row["gap"] == pytest.approx(1.5 / sd)
    assert row["score"] == pytest.approx((1 - 4) / sd, abs=1e-3)
    assert (row["value"], row["family_median"], row["family_low"], row["family_high"]) == (
        1.0,
        2.5,
        2.0,
        3.0,
    )


def test_nearest_and_furthest_and_pair_words():
    table = pd.DataFrame({"variable": list("abcdef"), "gap": [0.1, 0.2, 0.3, 0.4, 0.5, np.nan]})
    assert likeness.nearest_and_furthest(table) == (["a", "b", "c"], ["e", "d"])
    assert likeness.nearest_and_furthest(table.head(3)) == (["a", "b", "c"], [])
    assert likeness.pair_words({"population": 0.5, "density": 0.1, "area": 0.4}) == (
        ["density", "area"],
        ["population"],
    )
    assert likeness.words("child_poverty_pct") == "children in poverty"


def test_profile_chart_is_plain_json_with_a_table():
    figures = pd.DataFrame(
        {"population": [1e5, 2e5, 3e5, 4e5], "density": [100.0, 50, 900, 10]}, index=list("abcd")
    )
    table = likeness.profile(figures, "a", ["b", "c"], ["population", "density"])
    chart = likeness.profile_chart(table, council_name="A", family_words="its 2 similar councils")
    json.dumps(chart.figure)  # standard JSON, no NaN or numpy
    assert [row[0] for row in chart.display_rows] == [likeness.words(v) for v in table["variable"]]
    assert chart.figure["data"][1]["name"] == "A"
    assert len(chart.figure["data"][0]["x"]) == 4  # two councils on two variables


def test_shipped_weights_are_the_evidence_from_the_calibration_year():
    """data/similar_council_sets.csv holds what each set's method (evidence_weights for
    people, knn_weights for place) gives on the 2018-19 LGBF figures, so anyone can work them
    out again."""
    shipped = families.read_sets()
    scotland = context()[context()["nation"].eq("Scotland")]
    for kind in ("people", "place"):
        table = families.indicator_table(sources()["lgbf"], kind, "2018-19")
        method = families.WEIGHT_METHODS[kind]
        assert method(scotland, table, list(shipped[kind])) == shipped[kind]
