"""The dataset importers' transformations, pure, on the real files in data/."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarking.datasets import DATASETS, VALUE_COLUMNS, england_rs, lgbf, register_codes
from benchmarking.models import METRIC_CODE
from benchmarking.periods import FINANCIAL_YEAR, MULTI_YEAR, parse_period
from benchmarking.services import METRIC_COLUMNS, metric_rows_check
from benchmarking.validation import CouncilFacts, validate_values

DATA = Path(__file__).resolve().parents[2] / "data"
STIRLING = "S12000030"
HARTLEPOOL = "E06000001"


def raw_lgbf() -> pd.DataFrame:
    return pd.read_csv(DATA / lgbf.INDICATORS, dtype=str, keep_default_na=False)


def raw_rs() -> pd.DataFrame:
    return pd.read_csv(DATA / england_rs.OUTTURN, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def register():
    return register_codes(DATA)


@pytest.fixture(scope="module")
def scotland(register):
    return DATASETS["lgbf"].load(DATA, register)


@pytest.fixture(scope="module")
def england(register):
    return DATASETS["england-rs"].load(DATA, register)


def metric(content, code: str) -> dict:
    return next(m for m in content.metrics if m["code"] == code)


def value(content, gss: str, code: str, period: str) -> pd.Series:
    v = content.values
    rows = v[(v["gss_code"] == gss) & (v["metric_code"] == code) & (v["period"] == period)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def check_values(content, register) -> pd.DataFrame:
    """The table passes the same validation as an uploaded file."""
    councils = {gss: CouncilFacts(i, None, None) for i, gss in enumerate(register)}
    metrics = {m["code"]: i for i, m in enumerate(content.metrics)}
    return validate_values(content.values, councils=councils, metrics=metrics)


# --- the registry ----------------------------------------------------------------------------


def test_registry_names_each_dataset_with_its_licence():
    # Early warning brings its inspection outcomes to the registry from its AppConfig.
    assert set(DATASETS) == {
        "lgbf",
        "england-rs",
        "england-lait",
        "england-waste",
        "england-attainment",
        "england-wellbeing",
        "england-spending-power",
        "england-borrowing",
        "england-capital",
        "england-commercial",
        "england-budget",
        "inspections",
    }
    for name, dataset in DATASETS.items():
        assert dataset.name == name
        assert "Open Government Licence v3.0" in dataset.licence
        for path in dataset.files:
            assert (DATA / path).is_file(), path


@pytest.mark.parametrize("name", ["lgbf", "england-rs"])
def test_content_has_the_shapes_the_services_accept(name, register, scotland, england):
    content = {"lgbf": scotland, "england-rs": england}[name]
    clean = metric_rows_check(content.metrics)
    assert len(clean) == len(content.metrics)
    for row in content.metrics:
        assert set(row) == set(METRIC_COLUMNS)
        assert all(isinstance(cell, str) for cell in row.values())
        assert METRIC_CODE.fullmatch(row["code"])
    assert list(content.values.columns) == list(VALUE_COLUMNS)
    assert content.values.map(lambda cell: isinstance(cell, str)).all().all()
    assert len(check_values(content, register)) == len(content.values)


# --- LGBF --------------------------------------------------------------------------------------


def test_lgbf_has_108_metrics_and_32_councils(scotland):
    assert len(scotland.metrics) == 108
    assert all(m["code"].startswith("lgbf-") for m in scotland.metrics)
    assert scotland.values["gss_code"].nunique() == 32
    assert scotland.values["metric_code"].nunique() == 108
    assert {"lgbf-FINSUS01", "lgbf-C&L05a", "lgbf-CORP-ASSET01"} <= {
        m["code"] for m in scotland.metrics
    }


def test_lgbf_drops_only_blank_values(scotland):
    raw = raw_lgbf()
    assert len(scotland.values) == (raw["LA_Value_Real"] != "").sum() == len(raw) - 780
    assert (scotland.values["value"] != "").all()
    assert any("780" in line for line in scotland.skipped)


@pytest.mark.parametrize(
    ("code", "element"),
    [
        ("lgbf-ENV07a", "perception"),  # % of adults satisfied with refuse collection
        ("lgbf-C&L05d", "perception"),
        ("lgbf-CHN10", "perception"),
        ("lgbf-SW04b", "perception"),  # care users rating the impact of their support
        ("lgbf-SW04e", "perception"),  # carers who feel supported
        ("lgbf-CHN01", "cost"),  # cost per primary school pupil
        ("lgbf-SW01", "cost"),
        ("lgbf-ENV06", "outcome"),  # recycling
        ("lgbf-FINSUS01", "outcome"),
        ("lgbf-ECON11", "outcome"),  # GVA per head: "Cost" in the file, not a council cost
    ],
)
def test_lgbf_elements(scotland, code, element):
    assert metric(scotland, code)["element"] == element


def test_lgbf_perception_indicators_are_exactly_the_survey_ones(scotland):
    perception = {m["code"] for m in scotland.metrics if m["element"] == "perception"}
    assert perception == {
        "lgbf-ENV07a",
        "lgbf-ENV07b",
        "lgbf-C&L05a",
        "lgbf-C&L05b",
        "lgbf-C&L05c",
        "lgbf-C&L05d",
        "lgbf-CHN10",
        "lgbf-SW04b",
        "lgbf-SW04c",
        "lgbf-SW04d",
        "lgbf-SW04e",
    }


@pytest.mark.parametrize(
    ("code", "polarity", "target"),
    [
        ("lgbf-ENV01a", "lower_better", ""),  # Ascending
        ("lgbf-ENV06", "higher_better", ""),  # Descending
        ("lgbf-CHN14a", "lower_better", ""),
        ("lgbf-CORP03c", "target", "0"),  # gender pay gap
        ("lgbf-CORP03b", "target", "50"),  # women in the top 5% of earners
        ("lgbf-CORP11", "target", "100"),  # welfare fund budget spent
        ("lgbf-CORP12", "target", "100"),
    ],
)
def test_lgbf_polarities(scotland, code, polarity, target):
    row = metric(scotland, code)
    assert (row["polarity"], row["target_value"]) == (polarity, target)


def test_lgbf_goldilocks_targets_agree_with_the_lgbf_midpoints():
    definitions = pd.read_csv(DATA / lgbf.DEFINITIONS, dtype=str, keep_default_na=False)
    goldilocks = definitions[definitions["Ranking_Type"] == "Goldilocks"]
    assert set(goldilocks["Code"]) == set(lgbf.GOLDILOCKS_TARGETS)
    for row in goldilocks.itertuples():
        ours = float(lgbf.GOLDILOCKS_TARGETS[row.Code][0])
        assert ours == pytest.approx(float(row.Ranking_GoldilocksMidpoint) * 100)


def test_lgbf_units_and_decimals(scotland):
    assert metric(scotland, "lgbf-CHN01")["unit"] == "£"
    assert metric(scotland, "lgbf-CHN01")["decimals"] == "0"
    assert metric(scotland, "lgbf-C&L01")["decimals"] == "2"
    assert metric(scotland, "lgbf-ENV06")["unit"] == "%"
    assert metric(scotland, "lgbf-CHN14a")["unit"] == "percentage points"
    assert metric(scotland, "lgbf-SW06")["unit"] == "per 1,000 discharges"


def test_lgbf_cost_value_is_the_real_terms_figure(scotland):
    raw = raw_lgbf()
    row = raw[(raw["Code"] == "CHN01") & (raw["gss_code"] == STIRLING) & (raw["Year"] == "2019-20")]
    ours = value(scotland, STIRLING, "lgbf-CHN01", "2019-20")
    assert float(ours["value"]) == float(row["LA_Value_Real"].iloc[0]) == 6347.52
    assert float(ours["numerator"]) == float(row["LA_Numerator_Real"].iloc[0])
    assert float(ours["denominator"]) == float(row["LA_Denominator_Real"].iloc[0])
    # The cash figure is lower: real terms are at the latest year's prices.
    assert float(row["LA_Value_Cash"].iloc[0]) < 6347.52


def test_lgbf_proportions_become_percentages(scotland):
    assert float(value(scotland, STIRLING, "lgbf-ENV06", "2019-20")["value"]) == 55.0
    assert float(value(scotland, STIRLING, "lgbf-CORP03c", "2019-20")["value"]) == -0.92
    # Already in percentage points: left as published.
    raw = raw_lgbf()
    row = raw[(raw["Code"] == "CHN14a") & (raw["gss_code"] == STIRLING)].iloc[0]
    ours = value(scotland, STIRLING, "lgbf-CHN14a", row["Year"])
    assert float(ours["value"]) == float(row["LA_Value_Real"])


def test_lgbf_falls_back_to_cash_where_real_terms_are_blank():
    definitions = pd.read_csv(DATA / lgbf.DEFINITIONS, dtype=str, keep_default_na=False)
    blank = dict.fromkeys(raw_lgbf().columns, "")
    rows = pd.DataFrame(
        [
            {
                **blank,
                "Code": "CHN01",
                "LocalAuthority": "Stirling",
                "gss_code": STIRLING,
                "Year": "2019-20",
                "LA_Value_Cash": "5000.5",
                "LA_Numerator_Cash": "30000",
                "LA_Denominator_Cash": "6000",
            },
            {**blank, "Code": "CHN01", "gss_code": STIRLING, "Year": "2020-21"},
        ]
    )
    values, skipped, notes = lgbf.value_rows(rows, definitions, {STIRLING: ""})
    assert values["value"].tolist() == ["5000.5"]
    assert values["numerator"].tolist() == ["30000"]
    assert values["note"].iloc[0].startswith("Cash terms")
    assert skipped and notes


def test_every_lgbf_year_is_a_period_the_portal_reads():
    years = raw_lgbf()["Year"].unique()
    kinds = {year: parse_period(lgbf.lgbf_period(year)).kind for year in years}
    assert kinds["2019-20"] == FINANCIAL_YEAR
    assert kinds["2019-22"] == MULTI_YEAR
    assert kinds["2009-11"] == MULTI_YEAR  # two-year road condition aggregate
    assert set(kinds.values()) == {FINANCIAL_YEAR, MULTI_YEAR}
    assert lgbf.lgbf_period("2019/20") == "2019-20"
    with pytest.raises(lgbf.LgbfError, match="Q5"):
        lgbf.lgbf_period("2019-20 Q5")


def test_lgbf_family_groups(scotland):
    groups = {g.slug: g for g in scotland.groupings}
    assert sorted(groups) == sorted(
        f"lgbf-family-{kind}-{n}" for kind in ("people", "other") for n in range(1, 5)
    )
    for kind in ("people", "other"):
        members = [c for n in range(1, 5) for c in groups[f"lgbf-family-{kind}-{n}"].gss_codes]
        assert len(members) == len(set(members)) == 32
    # Glasgow is among the most deprived and the most urban.
    assert "S12000049" in groups["lgbf-family-people-4"].gss_codes
    assert "S12000049" in groups["lgbf-family-other-4"].gss_codes
    assert "S12000027" in groups["lgbf-family-other-1"].gss_codes  # Shetland: rural


# --- English revenue outturn -------------------------------------------------------------------


def test_reserves_to_nre_by_hand_for_hartlepool_2016_17(england):
    raw = raw_rs()
    row = raw[(raw["ons_code"] == HARTLEPOOL) & (raw["financial_year"] == "2016-17")].iloc[0]
    unallocated = float(row["rs916_unallocated_financial_reserves_level_end_of_year"])
    earmarked = float(row["rs915_other_earmarked_financial_reserves_level_end_of_year"])
    nre = float(row["rs805_net_revenue_expenditure"])
    assert (unallocated, earmarked, nre) == (4526.0, 37728.306, 86726.0)

    ours = value(england, HARTLEPOOL, "fin-reserves-to-nre", "2016-17")
    assert float(ours["value"]) == pytest.approx((4526.0 + 37728.306) / 86726.0 * 100)
    assert float(ours["value"]) == pytest.approx(48.7216, abs=1e-4)
    assert float(ours["numerator"]) == pytest.approx(42254.306)
    assert float(ours["denominator"]) == 86726.0
    usable = value(england, HARTLEPOOL, "fin-usable-reserves", "2016-17")
    assert float(usable["value"]) == pytest.approx(42254.306)


def test_reserves_change_matches_the_appropriations_for_hartlepool(england):
    # Start of year 64,719.306 + 4,753; the year's appropriations (lines 815 and 816) were
    # -26,991 and -227, and the levels moved by exactly that.
    ours = value(england, HARTLEPOOL, "fin-reserves-change", "2016-17")
    start = 64719.306 + 4753.0
    assert float(ours["numerator"]) == pytest.approx(-26991.0 - 227.0)
    assert float(ours["value"]) == pytest.approx((-26991.0 - 227.0) / start * 100)


def test_other_english_ratios_for_hartlepool(england):
    def of(code):
        return float(value(england, HARTLEPOOL, code, "2016-17")["value"])

    assert of("fin-nre") == 86726.0
    assert of("fin-ctr-to-nre") == pytest.approx(34320.0 / 86726.0 * 100)
    assert of("fin-interest-to-nre") == pytest.approx(2713.0 / 86726.0 * 100)
    assert of("fin-social-care-ratio") == pytest.approx((20564.0 + 28944.0) / 86726.0 * 100)


def test_police_fire_and_other_authorities_are_left_out(england):
    raw = raw_rs()
    others = set(raw.loc[raw["la_class"] == "O", "ons_code"]) - {""}
    assert others
    assert not others & set(england.values["gss_code"])
    assert "E23000009" not in set(england.values["gss_code"])  # North Yorkshire police
    councils = raw[raw["la_class"].isin(england_rs.COUNCIL_CLASSES)]
    assert england.values["gss_code"].nunique() == councils["ecode"].nunique() == 353


def test_english_gaps_are_reported_not_hidden(england):
    text = "\n".join(england.skipped)
    for name in ("Isles of Scilly 2016-17", "Reading UA 2017-18", "Spelthorne 2017-18"):
        assert name in text
    # A wrong ONS code in the source is put right by the E-code, and said so.
    assert any("E10000022" in note and "E10000023" in note for note in england.notes)
    assert len(value(england, "E10000023", "fin-nre", "2015-16"))


def test_no_percentage_of_a_negative_nre(england):
    spelthorne = england.values[england.values["gss_code"] == "E07000213"]
    latest = spelthorne[spelthorne["period"] == "2017-18"]
    assert set(latest["metric_code"]) == {"fin-nre", "fin-usable-reserves", "fin-reserves-change"}
    assert float(latest.loc[latest["metric_code"] == "fin-nre", "value"].iloc[0]) < 0


def test_social_care_ratio_only_for_social_care_authorities(england):
    raw = raw_rs()
    districts = set(raw.loc[raw["la_class"] == "SD", "ons_code"])
    ratio = england.values[england.values["metric_code"] == "fin-social-care-ratio"]
    assert not districts & set(ratio["gss_code"])
    assert len(ratio) == 1213  # 152 councils each year 2010-11 to 2015-16, fewer after
    shares = ratio["value"].astype(float)
    assert np.all((shares > 0) & (shares < 120))
    # The City of London has few residents needing care; the lowest share by far.
    assert ratio.loc[shares.idxmin(), "gss_code"] == "E09000001"
