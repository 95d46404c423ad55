"""Tests for similar councils: the distance by hand, its edge cases, and real context data."""

import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarking.context import (
    CONTEXT_VARIABLES,
    DEFAULT_WEIGHTS,
    NOT_APPLICABLE,
    SINGLE_TIER_TYPES,
    build_context,
    council_pools,
    current_councils,
    find_similar_councils,
    missing_variables,
    read_sources,
    successor_codes,
)
from benchmarking.similarity import closest_variables, similar_councils, standardise

DATA = Path(__file__).resolve().parents[2] / "data"

HARTLEPOOL = "E06000001"
KENT = "E10000016"
CUMBERLAND = "E06000063"


def toy(**columns):
    index = [f"c{i}" for i in range(len(next(iter(columns.values()))))]
    return pd.DataFrame(columns, index=pd.Index(index, name="gss_code"), dtype="float64")


def one_pool(data, label="p"):
    return pd.Series(label, index=data.index)


def distance(result, a, b):
    row = result[(result["gss_code"] == a) & (result["neighbour_gss_code"] == b)]
    assert len(row) == 1
    return row.iloc[0]


# --- the method by hand -----------------------------------------------------------------------


def test_standardise_by_hand():
    z, spread = standardise(np.array([[0.0, 5.0], [1.0, 5.0], [2.0, 5.0], [3.0, np.nan]]))
    # Mean 1.5, standard deviation sqrt(1.25) over the four councils.
    assert z[:, 0] == pytest.approx(np.array([-1.5, -0.5, 0.5, 1.5]) / math.sqrt(1.25))
    assert z[:3, 1].tolist() == [0, 0, 0]  # no spread: scores 0
    assert np.isnan(z[3, 1])
    assert spread.tolist() == [True, False]


def test_distance_by_hand():
    # a: 0, 1, 2, 3 -> z = (-1.5, -0.5, 0.5, 1.5) / 1.118; b: 10, 10, 20, 20 -> z = -1, -1, 1, 1.
    data = toy(a=[0, 1, 2, 3], b=[10, 10, 20, 20])
    result = similar_councils(data, one_pool(data), k=3)
    sd_a = math.sqrt(1.25)
    assert distance(result, "c0", "c1")["distance"] == pytest.approx(1 / sd_a)
    assert distance(result, "c0", "c2")["distance"] == pytest.approx(
        math.sqrt((2 / sd_a) ** 2 + 2**2)
    )
    assert distance(result, "c1", "c2")["distance"] == pytest.approx(math.sqrt(1 / 1.25 + 4))
    assert distance(result, "c0", "c1")["rank"] == 1
    assert distance(result, "c0", "c3")["rank"] == 3
    assert list(result.columns) == [
        "gss_code",
        "neighbour_gss_code",
        "pool",
        "rank",
        "distance",
        "coverage",
        "share_a",
        "share_b",
    ]


def test_weights_are_normalised_to_the_number_of_variables():
    data = toy(a=[0, 1, 2, 3], b=[10, 10, 20, 20])
    result = similar_councils(data, one_pool(data), weights={"a": 3, "b": 1})
    # Normalised weights 1.5 and 0.5.
    expected = math.sqrt(1.5 * (2 / math.sqrt(1.25)) ** 2 + 0.5 * 2**2)
    assert distance(result, "c0", "c2")["distance"] == pytest.approx(expected)
    same = similar_councils(data, one_pool(data), weights={"a": 30, "b": 10})
    pd.testing.assert_frame_equal(result, same)


def test_zero_weight_drops_a_variable():
    data = toy(a=[0, 1, 2, 3], b=[10, 10, 20, 20])
    result = similar_councils(data, one_pool(data), weights={"a": 1, "b": 0})
    assert "share_b" not in result.columns
    # One variable with weight 1: distance is the plain difference in z-scores.
    assert distance(result, "c0", "c3")["distance"] == pytest.approx(3 / math.sqrt(1.25))


def test_variable_without_spread_contributes_nothing():
    data = toy(a=[0, 1, 2, 3], b=[10, 10, 20, 20])
    flat = data.assign(c=7.0)
    base = similar_councils(data, one_pool(data))
    with_flat = similar_councils(flat, one_pool(flat))
    # Three variables each weighted 1, as two were: distances unchanged.
    assert with_flat["distance"].tolist() == pytest.approx(base["distance"].tolist())
    assert with_flat["share_c"].isna().all()


def test_missing_value_is_left_out_and_rescaled():
    data = toy(a=[0, 1, 2, 3], b=[10, 10, 20, np.nan])
    result = similar_councils(data, one_pool(data))
    # b over three councils: mean 13.33, sd 4.714; c3 lacks b, so only a counts,
    # rescaled by total weight 2 / weight used 1.
    za = np.array([-1.5, -0.5, 0.5, 1.5]) / math.sqrt(1.25)
    row = distance(result, "c0", "c3")
    assert row["distance"] == pytest.approx(math.sqrt((za[0] - za[3]) ** 2 * 2))
    assert row["coverage"] == 0.5
    assert np.isnan(row["share_b"]) and row["share_a"] == 1
    full = distance(result, "c0", "c2")
    assert full["coverage"] == 1
    zb = (np.array([10, 10, 20]) - 40 / 3) / np.std([10, 10, 20])
    assert full["distance"] == pytest.approx(math.sqrt((za[0] - za[2]) ** 2 + (zb[0] - zb[2]) ** 2))


def test_variable_missing_for_the_whole_pool_is_ignored():
    data = toy(a=[0, 1, 2, 3], b=[10, 10, 20, 20])
    gappy = data.assign(c=np.nan)
    pd.testing.assert_frame_equal(
        similar_councils(gappy, one_pool(gappy)).drop(columns="share_c"),
        similar_councils(data, one_pool(data)),
    )


def test_council_with_no_values_has_no_neighbours():
    data = toy(a=[0, 1, 2, np.nan], b=[1, 5, 2, np.nan])
    result = similar_councils(data, one_pool(data))
    assert "c3" not in set(result["gss_code"]) | set(result["neighbour_gss_code"])
    assert result.groupby("gss_code")["rank"].max().tolist() == [2, 2, 2]


def test_pairs_with_nothing_in_common_are_not_neighbours():
    data = toy(a=[0, 1, np.nan, 5], b=[np.nan, np.nan, 2, 3])
    result = similar_councils(data, one_pool(data))
    pairs = set(zip(result["gss_code"], result["neighbour_gss_code"], strict=True))
    assert ("c0", "c2") not in pairs and ("c2", "c1") not in pairs
    assert ("c0", "c1") in pairs and ("c2", "c3") in pairs


def test_shares_add_up_and_name_the_closest_variables():
    rng = np.random.default_rng(0)
    data = toy(**{name: rng.normal(size=12) for name in "pqrst"})
    result = similar_councils(data, one_pool(data), k=5)
    shares = result.filter(like="share_")
    assert shares.sum(axis=1).to_numpy() == pytest.approx(np.ones(len(result)))
    row = result.iloc[0]
    names = closest_variables(row, n=2)
    ordered = shares.iloc[0].sort_values()
    assert names == [ordered.index[0].removeprefix("share_"), ordered.index[1][6:]]
    # The squared distance splits into the shares.
    z, _ = standardise(data.to_numpy())
    a, b = data.index.get_loc(row["gss_code"]), data.index.get_loc(row["neighbour_gss_code"])
    contributions = (z[a] - z[b]) ** 2
    assert row["distance"] ** 2 == pytest.approx(contributions.sum())
    assert shares.iloc[0].to_numpy() == pytest.approx(contributions / contributions.sum())


def test_closest_variables_skips_missing_and_accepts_a_dict():
    row = {"gss_code": "x", "share_a": 0.5, "share_b": np.nan, "share_c": 0.1, "share_d": 0.4}
    assert closest_variables(row) == ["c", "d", "a"]
    assert closest_variables(row, n=1) == ["c"]
    assert closest_variables({"share_a": 0.2, "share_b": 0.2}, n=2) == ["a", "b"]
    assert closest_variables({"distance": 1.0}) == []


def test_pools_are_kept_apart_and_standardised_separately():
    data = toy(a=[0, 1, 2, 3, 100, 300, 900], b=[10, 10, 20, 20, 5, 6, 7])
    pool = pd.Series(["x", "x", "x", "x", "y", "y", "y"], index=data.index)
    result = similar_councils(data, pool)
    for code, neighbour, label in zip(
        result["gss_code"], result["neighbour_gss_code"], result["pool"], strict=True
    ):
        assert pool[code] == pool[neighbour] == label
    alone = similar_councils(data.iloc[:4], pool.iloc[:4])
    pd.testing.assert_frame_equal(result[result["pool"] == "x"].reset_index(drop=True), alone)


def test_council_without_a_pool_is_skipped():
    data = toy(a=[0, 1, 2, 3])
    pool = pd.Series(["x", "x", None, "x"], index=data.index)
    result = similar_councils(data, pool)
    assert "c2" not in set(result["gss_code"]) | set(result["neighbour_gss_code"])


def test_k_limits_and_self_is_never_a_neighbour():
    rng = np.random.default_rng(1)
    data = toy(a=rng.normal(size=20), b=rng.normal(size=20))
    result = similar_councils(data, one_pool(data), k=15)
    assert (result.groupby("gss_code").size() == 15).all()
    assert (result["gss_code"] != result["neighbour_gss_code"]).all()
    assert (
        result.groupby("gss_code")["rank"].apply(list).map(lambda r: r == list(range(1, 16))).all()
    )
    assert result.groupby("gss_code")["distance"].apply(lambda d: d.is_monotonic_increasing).all()
    small = similar_councils(data.iloc[:4], one_pool(data.iloc[:4]), k=15)
    assert (small.groupby("gss_code").size() == 3).all()
    single = similar_councils(data.iloc[:1], one_pool(data.iloc[:1]))
    assert single.empty


def test_ties_are_broken_by_code_and_order_does_not_matter():
    data = toy(a=[0, 1, 1, 1, 2])
    result = similar_councils(data, one_pool(data), k=4)
    # c1, c2 and c3 are identical: each lists the other two first, in code order.
    assert result[result["gss_code"] == "c2"]["neighbour_gss_code"].tolist()[:2] == ["c1", "c3"]
    assert result[result["gss_code"] == "c0"]["neighbour_gss_code"].tolist()[:3] == [
        "c1",
        "c2",
        "c3",
    ]
    shuffled = data.sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(similar_councils(shuffled, one_pool(shuffled), k=4), result)


def test_log_variables():
    data = toy(population=[1e3, 1e4, 1e5, 1e6], other=[1, 2, 3, 4])
    logged = similar_councils(data, one_pool(data), log_variables=["population", "absent"])
    manual = similar_councils(data.assign(population=np.log(data["population"])), one_pool(data))
    pd.testing.assert_frame_equal(logged, manual)
    zero = data.assign(population=[0, 1e4, 1e5, 1e6])
    result = similar_councils(zero, one_pool(zero), log_variables=["population"])
    assert distance(result, "c0", "c1")["coverage"] == 0.5


def test_non_numeric_columns_are_ignored_without_weights():
    data = toy(a=[0, 1, 2, 3]).assign(name=["w", "x", "y", "z"])
    result = similar_councils(data, one_pool(data))
    assert [c for c in result.columns if c.startswith("share_")] == ["share_a"]


def test_bad_arguments_are_refused():
    data = toy(a=[0, 1, 2])
    with pytest.raises(KeyError, match="zzz"):
        similar_councils(data, one_pool(data), weights={"zzz": 1})
    with pytest.raises(ValueError, match="zero or positive"):
        similar_councils(data, one_pool(data), weights={"a": -1})
    with pytest.raises(ValueError, match="positive"):
        similar_councils(data, one_pool(data), weights={"a": 0})
    with pytest.raises(ValueError, match="k must be"):
        similar_councils(data, one_pool(data), k=0)
    doubled = pd.concat([data, data])
    with pytest.raises(ValueError, match="one row per GSS code"):
        similar_councils(doubled, one_pool(doubled))
    with pytest.raises(ValueError, match="no numeric columns"):
        similar_councils(pd.DataFrame({"name": ["x"]}, index=["c0"]), pd.Series("p", ["c0"]))


def test_empty_result_has_the_columns():
    data = toy(a=[np.nan, np.nan])
    result = similar_councils(data, one_pool(data))
    assert result.empty
    assert list(result.columns)[:5] == [
        "gss_code",
        "neighbour_gss_code",
        "pool",
        "rank",
        "distance",
    ]


# --- real context data ------------------------------------------------------------------------


@cache
def sources():
    return read_sources(DATA)


@cache
def real_context():
    return build_context(**sources())


@cache
def real_neighbours():
    return find_similar_councils(real_context())


def test_context_covers_every_current_council_once():
    context = real_context()
    assert context.index.is_unique
    assert context.index.name == "gss_code"
    assert len(context) == 382
    counts = context.groupby(["nation", "local_authority_type"]).size().to_dict()
    assert counts == {
        ("England", "CC"): 1,
        ("England", "CTY"): 21,
        ("England", "LBO"): 32,
        ("England", "MD"): 36,
        ("England", "NMD"): 164,
        ("England", "UA"): 63,
        ("Northern Ireland", "NID"): 11,
        ("Scotland", "SCO"): 32,
        ("Wales", "WPA"): 22,
    }
    assert list(context.columns) == [
        "name",
        "nation",
        "local_authority_type",
        "local_authority_code",
        *CONTEXT_VARIABLES,
    ]


def test_hartlepool_context_comes_straight_from_the_files():
    row = real_context().loc[HARTLEPOOL]
    assert row["population"] == 93836  # register pop-2020
    assert row["density"] == pytest.approx(93836 / 94)
    assert (row["population_change_pct"], row["pct_under_20"], row["pct_over_65"]) == (
        0.3,
        17.84,
        19.78,
    )
    assert row["deprivation_score"] == 37.58  # IMD 2025 average score
    assert row["most_deprived_10pct_share"] == 0.4211
    assert row["income_deprivation"] == 0.357
    assert np.isnan(row["access_deprivation"])


def test_county_la_holds_three_letter_codes_matching_ons_upper_tiers():
    councils = current_councils(sources()["register"])
    districts = councils[councils["local-authority-type"] == "NMD"]
    counties = councils[councils["local-authority-type"] == "CTY"]
    assert districts["county-la"].str.fullmatch(r"[A-Z]{3}").all()
    assert set(districts["county-la"]) == set(counties["local-authority-code"])
    county_gss = districts["county-la"].map(
        pd.Series(counties.index, index=counties["local-authority-code"])
    )
    ons = sources()["lad_codes"].set_index("LADCD")["UTLACD"]
    assert (county_gss == ons.reindex(county_gss.index)).all()


def test_kent_is_aggregated_from_its_districts():
    s = sources()
    councils = current_councils(s["register"])
    kent_districts = councils[councils["county-la"] == "KEN"]
    assert len(kent_districts) == 12
    weights = kent_districts["pop-2020"]
    census = s["census"].set_index("lad21cd").loc[kent_districts.index]
    imd = s["imd_england"].set_index("ltla24_code").loc[kent_districts.index]
    row = real_context().loc[KENT]
    assert row["population"] == 1589057  # the county's own register figure
    assert row["density"] == pytest.approx(1589057 / 3544)
    assert row["pct_over_65"] == pytest.approx(
        np.average(census["pct_over65_2021"], weights=weights)
    )
    assert row["deprivation_score"] == pytest.approx(
        np.average(imd["imd_average_score"], weights=weights)
    )
    change = (census["pop_census2021"].sum() / census["pop_census2011"].sum() - 1) * 100
    assert row["population_change_pct"] == pytest.approx(change)
    assert missing_variables(real_context()).get(KENT) is None


def test_every_county_has_figures():
    context = real_context()
    counties = context[context["local_authority_type"] == "CTY"]
    variables = [v for v in CONTEXT_VARIABLES if v not in NOT_APPLICABLE["England"]]
    assert counties[variables].notna().all(axis=None)


def test_merged_districts_carry_over_to_the_new_council():
    census = sources()["census"].set_index("lad21cd")
    old = census.loc[["E07000026", "E07000028", "E07000029"]]  # Allerdale, Carlisle, Copeland
    row = real_context().loc[CUMBERLAND]
    assert row["pct_under_20"] == pytest.approx(
        np.average(old["pct_under20_2021"], weights=old["pop_census2021"])
    )
    expected = (old["pop_census2021"].sum() / old["pop_census2011"].sum() - 1) * 100
    assert row["population_change_pct"] == pytest.approx(expected)


def test_successor_codes():
    s = sources()
    successor = successor_codes(s["register"], s["lad_codes"])
    assert successor["E07000026"] == CUMBERLAND  # Allerdale
    assert successor["E07000097"] == "E07000242"  # East Hertfordshire, recoded
    assert successor["S12000015"] == "S12000047"  # Fife, recoded
    assert successor["E06000028"] == "E06000058"  # Bournemouth
    # ONS lists newer codes for Barnsley and Sheffield, but the register and data use these.
    assert successor["E08000016"] == "E08000016"
    assert successor["E08000019"] == "E08000019"
    assert real_context().loc["E08000016", "deprivation_score"] == 30.057


def test_missing_context_is_scotland_census_new_councils_and_northern_ireland():
    """Scotland lacks census age figures (its population change comes from the LGBF's
    mid-year estimates); English councils formed since 2021 lack spending power; Northern
    Ireland has population, density and area only."""
    context = real_context()
    missing = missing_variables(context)
    nations = context.loc[missing.index, "nation"].value_counts().to_dict()
    assert nations == {"Scotland": 32, "Northern Ireland": 11, "England": 12}
    scotland = missing[context.loc[missing.index, "nation"] == "Scotland"]
    assert all(m == ["pct_under_20", "pct_over_65"] for m in scotland)
    england = missing[context.loc[missing.index, "nation"] == "England"]
    assert all(m == ["spending_power_per_head"] for m in england)
    assert CUMBERLAND in england.index
    ni = missing[context.loc[missing.index, "nation"] == "Northern Ireland"]
    applicable = len(CONTEXT_VARIABLES) - len(NOT_APPLICABLE["Northern Ireland"])
    assert all(len(m) == applicable - 3 for m in ni)  # only population, density, area
    assert context["population"].notna().all() and context["density"].notna().all()


def test_pools():
    pools = council_pools(real_context())
    assert pools[HARTLEPOOL] == "England: upper-tier and unitary councils"
    assert pools[KENT] == "England: upper-tier and unitary councils"
    assert pools["E07000105"] == "England: district councils"
    assert pools["S12000033"] == "Scotland: councils"
    assert pools.value_counts().to_dict() == {
        "England: district councils": 164,
        "England: upper-tier and unitary councils": 153,
        "Scotland: councils": 32,
        "Wales: councils": 22,
        "Northern Ireland: councils": 11,
    }


def test_hartlepool_neighbours_are_english_single_tier_councils():
    context = real_context()
    result = real_neighbours()
    mine = result[result["gss_code"] == HARTLEPOOL]
    assert mine["rank"].tolist() == list(range(1, 16))
    neighbours = context.loc[mine["neighbour_gss_code"]]
    assert (neighbours["nation"] == "England").all()
    assert neighbours["local_authority_type"].isin(SINGLE_TIER_TYPES).all()
    assert HARTLEPOOL not in set(mine["neighbour_gss_code"])
    assert (mine["coverage"] == 1).all()
    # Its closest match is another deprived North East or North West unitary.
    assert context.loc[mine["neighbour_gss_code"].iloc[0], "local_authority_type"] == "UA"
    assert "E06000002" in set(mine["neighbour_gss_code"])  # Middlesbrough


def test_similar_councils_are_deterministic():
    context = real_context()
    first = find_similar_councils(context)
    again = find_similar_councils(context.sample(frac=1, random_state=42))
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, real_neighbours())


def test_counties_and_nations_only_meet_their_own_kind():
    context = real_context()
    result = real_neighbours()
    kent = result[result["gss_code"] == KENT]
    assert len(kent) == 15
    assert (context.loc[kent["neighbour_gss_code"], "local_authority_type"] == "CTY").all()
    own = context.loc[result["gss_code"], ["nation", "local_authority_type"]].to_numpy()
    other = context.loc[result["neighbour_gss_code"], ["nation", "local_authority_type"]]
    assert (own[:, 0] == other["nation"].to_numpy()).all()
    wales = result[result["gss_code"] == "W06000001"]
    assert (context.loc[wales["neighbour_gss_code"], "nation"] == "Wales").all()
    # Scotland has no census columns here, so pairs are compared on what the pool has.
    scotland = result[result["gss_code"] == "S12000033"]
    assert len(scotland) == 15 and (scotland["coverage"] == 1).all()
    assert scotland["share_pct_over_65"].isna().all()


def test_every_council_gets_neighbours():
    result = real_neighbours()
    counts = result.groupby("gss_code").size()
    assert len(counts) == 382
    assert counts.min() == 10  # Northern Ireland has 11 councils
    # The overall set keeps its variables; the newer ones serve the per-service sets.
    newer = {
        "deprivation_extent",
        "area",
        "child_poverty_pct",
        "road_km_per_1000",
        "spending_power_per_head",
    }
    assert set(DEFAULT_WEIGHTS) == set(CONTEXT_VARIABLES) - newer
