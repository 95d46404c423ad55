"""Financial resilience indicators: worked by hand from the source cells for a named council
and year, and on constructed data for trends, positions, calibration and the calibrated rule."""

import datetime
import math
from pathlib import Path

import pandas as pd
import pytest

from benchmarking.datasets import DATASETS
from benchmarking.periods import parse_period
from earlywarning import backtest, calibration, resilience, rules, thresholds
from earlywarning.backtest import similar_on
from earlywarning.risk import CouncilInfo

DATA = Path(__file__).resolve().parents[2] / "data"
CROYDON = "E09000008"


def source_frame(*names):
    """The values the named datasets' importers make from the shipped files, as the rules
    read them."""
    parts = [DATASETS[name].load(DATA).values for name in names]
    raw = pd.concat(parts, ignore_index=True)
    ends = {p: parse_period(p).end for p in raw["period"].unique()}
    return pd.DataFrame(
        {
            "gss_code": raw["gss_code"],
            "metric": raw["metric_code"],
            "period": raw["period"],
            "period_end": raw["period"].map(ends),
            "known_on": raw["period"].map(ends),
            "value": pd.to_numeric(raw["value"], errors="coerce"),
            "numerator": pd.to_numeric(raw["numerator"], errors="coerce"),
        }
    )


def level(table, gss, indicator, year):
    rows = table[
        (table["gss_code"] == gss) & (table["indicator"] == indicator) & (table["year"] == year)
    ]
    assert len(rows) == 1, (gss, indicator, year)
    return float(rows["value"].iloc[0])


def test_croydon_2017_18_worked_by_hand_from_the_revenue_outturn_and_trading_accounts():
    """Croydon, 2017-18, from the RS cells (lines 915 and 916 at the start and end of each
    year, line 805) and Pike et al.'s trading account table (net £145.83 thousand spent)."""
    table = resilience.levels(source_frame("england-rs", "england-commercial"))
    reserves_end = 6351.988 + 10675  # earmarked + unallocated, 31 March 2018
    changes = [
        (30606 + 10675) - (27329 + 10675),  # 2015-16
        (22161.988 + 10675) - (30606 + 10675),  # 2016-17
        (6351.988 + 10675) - (22161.988 + 10675),  # 2017-18
    ]
    draw = -sum(changes) / 3  # £6,992.3 thousand a year
    nre = 274623.778
    assert level(table, CROYDON, "reserves-years", 2018) == pytest.approx(reserves_end / draw)
    assert level(table, CROYDON, "reserves-years", 2018) == pytest.approx(2.435, abs=0.001)
    assert level(table, CROYDON, "reserves-to-nre", 2018) == pytest.approx(reserves_end / nre * 100)
    assert level(table, CROYDON, "reserves-change", 2018) == pytest.approx(
        changes[2] / (22161.988 + 10675) * 100
    )
    # A net cost of £145.83 thousand on trading accounts: a negative surplus.
    assert level(table, CROYDON, "commercial-to-nre", 2018) == pytest.approx(-145.83 / nre * 100)


def frame(rows):
    """Rows of (gss, metric, year ending, value[, numerator])."""
    records = []
    for gss, metric, year, value, *numerator in rows:
        end = datetime.date(year, 3, 31)
        records.append(
            {
                "gss_code": gss,
                "metric": metric,
                "period": f"{year - 1}-{str(year)[2:]}",
                "period_end": end,
                "known_on": end,
                "value": float(value),
                "numerator": float(numerator[0]) if numerator else math.nan,
            }
        )
    return pd.DataFrame(records)


def test_reserves_sustainability_counts_a_council_not_drawing_down_as_the_cap():
    assert resilience.runout_years(100.0, [10.0, -5.0]) == resilience.YEARS_CAP
    assert resilience.runout_years(100.0, [-20.0, -30.0]) == pytest.approx(4.0)
    assert resilience.runout_years(0.0, [-20.0]) == 0.0
    assert resilience.runout_years(100.0, [-0.5]) == resilience.YEARS_CAP
    assert math.isnan(resilience.runout_years(100.0, []))


def test_trends_are_the_change_in_level_over_three_and_five_years():
    rows = [("E1", "fin-reserves-to-nre", 2011 + i, 10 + i) for i in range(8)]
    table = resilience.trends(resilience.levels(frame(rows)))
    latest = table[table["year"] == 2018].iloc[0]
    assert latest["change_3y"] == 3.0  # 17 - 14
    assert latest["change_5y"] == 5.0  # 17 - 12
    first_with_3y = table[table["change_3y"].notna()]["year"].min()
    assert first_with_3y == 2014


def test_position_among_similar_councils_and_the_gap_in_the_riskier_direction():
    """Six similar councils at 10, 12, 14, 16, 18, 20: median 15, quartiles 12.5 and 17.5.
    Debt at 25 is (25 - 15) / 5 = 2 spreads above; reserves at 25 are 2 spreads on the safe
    side, a gap of -2."""
    others = [f"N{i}" for i in range(6)]
    rows = [("ME", "fin-debt-to-nre", 2018, 25), ("ME", "fin-reserves-to-nre", 2018, 25)]
    for code, v in zip(others, (10, 12, 14, 16, 18, 20), strict=True):
        rows += [(code, "fin-debt-to-nre", 2018, v), (code, "fin-reserves-to-nre", 2018, v)]
    table = resilience.resilience(frame(rows), {"ME": others})
    mine = table[table["gss_code"] == "ME"].set_index("indicator")
    debt = mine.loc["debt-to-nre"]
    assert debt["group_n"] == 6
    assert debt["group_median"] == 15
    assert (debt["group_lower_quartile"], debt["group_upper_quartile"]) == (12.5, 17.5)
    assert debt["share_below"] == 100
    assert debt["gap"] == pytest.approx(2.0)
    assert mine.loc["reserves-to-nre", "gap"] == pytest.approx(-2.0)
    # Similar councils are not positioned against anyone here.
    assert table[table["gss_code"] == "N0"]["gap"].isna().all()


def test_no_position_with_fewer_than_five_similar_councils_and_a_zero_spread_still_gives_a_gap():
    rows = [("ME", "fin-debt-to-nre", 2018, 30)] + [
        (f"N{i}", "fin-debt-to-nre", 2018, 20) for i in range(5)
    ]
    few = resilience.resilience(frame(rows), {"ME": ["N0", "N1", "N2", "N3"]})
    assert math.isnan(few[few["gss_code"] == "ME"]["gap"].iloc[0])
    enough = resilience.resilience(frame(rows), {"ME": [f"N{i}" for i in range(5)]})
    # Every similar council at 20: a twentieth of the median (1) stands in for the spread.
    assert enough[enough["gss_code"] == "ME"]["gap"].iloc[0] == pytest.approx(10.0)


def test_every_indicator_either_reads_a_loaded_measure_or_says_why_it_cannot():
    for indicator in resilience.INDICATORS:
        derived = indicator.code in {"reserves-years", "commercial-to-nre"}
        assert indicator.metric or derived or indicator.missing, indicator.code
    assert not resilience.BY_CODE["unallocated-share"].available


def test_calibration_takes_the_fixed_quantiles_of_every_council_year():
    table = pd.DataFrame(
        {
            "indicator": "debt-to-nre",
            "year": [2010 + i % 10 for i in range(101)],
            "gap": [i / 10 for i in range(101)],  # 0.0 to 10.0
        }
    )
    settings = {"extreme_quantile": 0.95, "run_quantile": 0.8, "min_council_years": 100}
    (row,) = calibration.calibrate(table, settings)
    assert row["extreme_gap"] == pytest.approx(9.5)
    assert row["run_gap"] == pytest.approx(8.0)
    assert row["council_years"] == 101
    assert calibration.calibrate(table, {**settings, "min_council_years": 102}) == []


CALIBRATED = {
    "fin-resilience": {
        "run_years": 3,
        "extreme_severity": 3,
        "run_severity": 2,
    },
    "fin-resilience:debt-to-nre": {"extreme_gap": 3.0, "run_gap": 1.0},
}


def debt_rows(mine_by_year):
    """Six similar councils at 10 to 20 each year (median 15, spread 5); ME as given."""
    rows = []
    for year, v in mine_by_year.items():
        rows.append(("ME", "fin-debt-to-nre", year, v))
        rows += [
            (f"N{i}", "fin-debt-to-nre", year, x) for i, x in enumerate((10, 12, 14, 16, 18, 20))
        ]
    return rules.Inputs(
        values=frame(rows).reindex(columns=list(rules.VALUE_COLUMNS)).assign(element="finance"),
        similar={"ME": [f"N{i}" for i in range(6)]},
        similar_prefix="similar-finance",
    )


def test_calibrated_rule_extreme_latest_figure_is_severity_3():
    inputs = debt_rows({2018: 31})  # gap 3.2
    (signal,) = rules.resilience_breaches(inputs, CALIBRATED)["ME"]
    assert signal.severity == 3
    assert "worst 5%" in signal.explanation
    assert signal.observed_on == datetime.date(2018, 3, 31)


def test_calibrated_rule_sustained_run_is_severity_2_and_needs_years_running():
    run = debt_rows({2016: 21, 2017: 22, 2018: 21})  # gaps 1.2, 1.4, 1.2
    (signal,) = rules.resilience_breaches(run, CALIBRATED)["ME"]
    assert signal.severity == 2
    assert "3 years running" in signal.explanation
    broken = debt_rows({2015: 21, 2017: 22, 2018: 21})  # not consecutive
    assert rules.resilience_breaches(broken, CALIBRATED) == {}
    short = debt_rows({2016: 21, 2017: 15, 2018: 21})
    assert rules.resilience_breaches(short, CALIBRATED) == {}


def test_calibrated_rule_raises_nothing_without_thresholds_and_never_looks_ahead():
    inputs = debt_rows({2018: 31})
    assert rules.resilience_breaches(inputs, {"fin-resilience": CALIBRATED["fin-resilience"]}) == {}
    before = inputs.known_by(datetime.date(2018, 3, 30))
    assert rules.resilience_breaches(before, CALIBRATED) == {}


def test_the_assessment_uses_the_calibrated_rule_not_the_hand_set_ones_it_replaces():
    shipped = thresholds.rule_thresholds()
    assert shipped["superseded"]["fin-debt-high"] == 1
    assert "fin-resilience" in shipped
    inputs = debt_rows({2018: 31})
    found = rules.derive(inputs, {**shipped, **CALIBRATED})
    assert [s.code for s in found["ME"]] == ["fin-resilience"]
    # Asked for by name (a back-test baseline), a replaced rule still runs.
    assert rules.derive(inputs, shipped, only={"fin-debt-high"}) == {}


def test_similar_councils_as_they_stood_on_a_date():
    day = datetime.date(2019, 1, 1)
    alive = [
        CouncilInfo("A", "A", True, kind="UA"),
        CouncilInfo("B", "B", True, kind="UA"),
        CouncilInfo("C", "C", True, kind="UA", start_date=datetime.date(2018, 4, 1)),
        CouncilInfo("OLD", "Old county", True, kind="CTY"),
        CouncilInfo("CTY2", "Another county", True, kind="CTY"),
    ]
    gone = CouncilInfo("D", "D", True, kind="UA", end_date=datetime.date(2018, 4, 1))
    existing = [c for c in [*alive, gone] if c.exists_on(day)]
    found = similar_on({"A": ["B", "D", "C"], "B": ["A"], "C": ["A"]}, existing)
    assert found["A"] == ["B", "C"]  # D no longer existed
    assert found["OLD"] == ["CTY2"]  # none stored: every other county then
    assert "D" not in found


COMBINED = {
    "fin-resilience": {
        "run_years": 3,
        "extreme_severity": 3,
        "run_severity": 2,
        "require_corroboration": 1,
        "sustained_years": 2,
        "corroboration_years": 1,
    },
    **{
        f"fin-resilience:{code}": {"extreme_gap": 3.0, "run_gap": 1.0}
        for code in ("debt-to-nre", "debt-to-csp", "reserves-to-nre", "social-care-ratio")
    },
}


def council_rows(figures):
    """ME's figures as {(metric, year): value}; six similar councils at 10 to 20 for each
    (median 15, spread 5), so ME's gap is (value − 15) ÷ 5, turned round where lower is
    riskier."""
    rows = []
    for (metric, year), v in figures.items():
        rows.append(("ME", metric, year, v))
        rows += [(f"N{i}", metric, year, x) for i, x in enumerate((10, 12, 14, 16, 18, 20))]
    return rules.Inputs(
        values=frame(rows).reindex(columns=list(rules.VALUE_COLUMNS)).assign(element="finance"),
        similar={"ME": [f"N{i}" for i in range(6)]},
        similar_prefix="similar-finance",
    )


def combined(figures):
    return rules.resilience_breaches(council_rows(figures), COMBINED).get("ME", [])


def test_combination_rule_an_extreme_figure_alone_raises_nothing():
    # Gap 3.2: the earlier rule raised a severity 3 signal on this alone.
    assert combined({("fin-debt-to-nre", 2018): 31}) == []
    # A run in the worst 20% no longer counts either.
    run = {("fin-debt-to-nre", y): 21 for y in (2016, 2017, 2018)}
    assert combined(run) == []


def test_combination_rule_sustained_means_two_successive_years_extreme():
    (signal,) = combined({("fin-debt-to-nre", 2017): 31, ("fin-debt-to-nre", 2018): 32})
    assert signal.severity == 3
    assert "worst 5% of all councils for 2 years running" in signal.explanation
    assert signal.observed_on == datetime.date(2018, 3, 31)
    # The year before only in the worst 20%, or a year missing between: not sustained.
    assert combined({("fin-debt-to-nre", 2017): 21, ("fin-debt-to-nre", 2018): 32}) == []
    assert combined({("fin-debt-to-nre", 2016): 31, ("fin-debt-to-nre", 2018): 32}) == []
    # Extreme last year but not in the latest: the latest figure is what counts.
    assert combined({("fin-debt-to-nre", 2017): 31, ("fin-debt-to-nre", 2018): 16}) == []


def test_combination_rule_corroborated_by_a_different_domain_at_most_a_year_apart():
    # Debt 3.2 spreads above the median; reserves 3.0 spreads below it (lower is riskier).
    found = combined({("fin-debt-to-nre", 2018): 31, ("fin-reserves-to-nre", 2017): 0})
    assert sorted(s.value for s in found) == ["0%", "31.0%"]
    assert all(s.severity == 3 for s in found)
    debt = next(s for s in found if s.value == "31.0%")
    assert "and so is usable reserves as a share of net revenue expenditure" in debt.explanation
    assert "(reserves, 2016-17)" in debt.explanation
    # Two years apart: the figures do not describe the same time.
    assert combined({("fin-debt-to-nre", 2018): 31, ("fin-reserves-to-nre", 2016): 0}) == []
    # The other domain in the worst 20% only (gap 1.2): no corroboration.
    assert combined({("fin-debt-to-nre", 2018): 31, ("fin-reserves-to-nre", 2018): 9}) == []


def test_combination_rule_the_same_domain_or_context_does_not_corroborate():
    same = {("fin-debt-to-nre", 2018): 31, ("fin-debt-to-csp", 2018): 31}
    assert combined(same) == []
    context = {("fin-debt-to-nre", 2018): 31, ("fin-social-care-ratio", 2018): 40}
    assert combined(context) == []
    # A context indicator never raises a signal, even extreme two years running.
    assert (
        combined({("fin-social-care-ratio", 2017): 40, ("fin-social-care-ratio", 2018): 40}) == []
    )


def test_every_indicator_has_a_stress_domain_or_is_context():
    context = {i.code for i in resilience.INDICATORS if not i.domain}
    assert context == {"social-care-ratio", "ctr-to-nre", "csp-change"}
    assert {i.domain for i in resilience.INDICATORS} - {""} == set(resilience.STRESS_DOMAINS)


def test_the_shipped_settings_use_the_combination_rule():
    assert thresholds.calibration_settings()["require_corroboration"] == 1
    assert thresholds.rule_thresholds()["fin-resilience"]["sustained_years"] == 2


def spread_out(years, power):
    """Eight councils, each similar to the other seven, with debt to NRE of 10 + i**power in
    each year; known 3 months after the year end, as the borrowing tables are."""
    rows = frame([(f"C{i}", "fin-debt-to-nre", y, 10 + i**power) for y in years for i in range(8)])
    rows["known_on"] = [thresholds.add_months(d, 3) for d in rows["period_end"]]
    return rows.reindex(columns=list(rules.VALUE_COLUMNS)).assign(element="finance")


def test_a_replay_calibrates_on_what_was_known_and_later_years_change_nothing():
    codes = [f"C{i}" for i in range(8)]
    similar = {c: [n for n in codes if n != c] for c in codes}
    councils = [CouncilInfo(c, c, True, kind="UA") for c in codes]
    settings = {**thresholds.calibration_settings(), "min_council_years": 10}
    base = {"fin-resilience": settings, "fin-resilience:csp-change": {"extreme_gap": 9.9}}
    early = spread_out(range(2011, 2017), 1)
    later = pd.concat([early, spread_out(range(2017, 2021), 3)], ignore_index=True)
    day = datetime.date(2016, 12, 31)  # 2015-16 known since 30 June 2016; 2016-17 not yet

    def at(values, on):
        inputs = rules.Inputs(values=values, similar=similar)
        return backtest.ThresholdsAsKnown(base, inputs, councils, settings)(on)

    then = at(early, day)
    assert then == at(later, day)
    (row,) = backtest.ThresholdsAsKnown(
        base, rules.Inputs(values=later, similar=similar), councils, settings
    ).calibrated(day)
    assert (row["first_year"], row["last_year"]) == (2011, 2016)
    assert row["council_years"] == 8 * 6
    # Today's thresholds keep nothing calibrated on another basis, and saw the later years.
    assert "fin-resilience:csp-change" not in then
    today = at(later, datetime.date(2021, 12, 31))
    assert today["fin-resilience:debt-to-nre"] != then["fin-resilience:debt-to-nre"]
    # Before 10 council-years were known, nothing is calibrated: the rule raises nothing.
    assert "fin-resilience:debt-to-nre" not in at(later, datetime.date(2011, 6, 29))
