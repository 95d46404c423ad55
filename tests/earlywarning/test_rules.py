"""The rules that derive signals, on constructed data with hand-worked answers."""

import datetime

import pandas as pd
import pytest

from earlywarning import resilience, rules, thresholds
from earlywarning.rules import Inputs

TH = thresholds.rule_thresholds()
ME = "E06000001"
NEIGHBOURS = [f"E0600000{i}" for i in range(2, 9)]  # 7 similar councils
SIMILAR = {ME: NEIGHBOURS, **{n: [ME, *[m for m in NEIGHBOURS if m != n]] for n in NEIGHBOURS}}
YEARS = {
    "2015-16": (datetime.date(2015, 4, 1), datetime.date(2016, 3, 31)),
    "2016-17": (datetime.date(2016, 4, 1), datetime.date(2017, 3, 31)),
    "2017-18": (datetime.date(2017, 4, 1), datetime.date(2018, 3, 31)),
}


def value(gss, metric, period, v, numerator=None, **extra):
    start, end = YEARS.get(period, (None, None))
    row = {
        "gss_code": gss,
        "metric": metric,
        "title": extra.pop("title", metric),
        "element": extra.pop("element", "cost"),
        "polarity": extra.pop("polarity", "neutral"),
        "target": extra.pop("target", None),
        "unit": extra.pop("unit", "%"),
        "dataset": extra.pop("dataset", "england-rs"),
        "period": period,
        "period_start": extra.pop("period_start", start),
        "period_end": extra.pop("period_end", end),
        "value": v,
        "numerator": numerator,
        "denominator": None,
        "source": extra.pop("source", "MHCLG RS. More words."),
    }
    row["known_on"] = extra.pop(
        "known_on", thresholds.value_known_on(row["period_end"], "england-rs")
    )
    assert not extra
    return row


def inputs(rows, **fields):
    return Inputs(
        values=pd.DataFrame(rows, columns=list(rules.VALUE_COLUMNS)), similar=SIMILAR, **fields
    )


def reserves_rows(gss, reserves, changes):
    rows = [value(gss, "fin-usable-reserves", "2017-18", reserves, unit="£ thousand")]
    for period, change in zip(YEARS, changes, strict=True):
        rows.append(value(gss, "fin-reserves-change", period, change / 10, numerator=change))
    return rows


# --- reserves sustainability -----------------------------------------------------------------


def test_reserves_runout_hand_worked():
    """Reserves of £100k falling £30k a year last 3.3 years; every similar council is adding
    to its reserves, so this is in their lowest quarter: a severity 2 signal."""
    rows = reserves_rows(ME, 100, [-30, -30, -30])
    for n in NEIGHBOURS:
        rows += reserves_rows(n, 100, [10, 10, 10])
    found = rules.reserves_runout(inputs(rows), TH)
    assert list(found) == [ME]
    (signal,) = found[ME]
    assert signal.code == "fin-reserves-runout"
    assert signal.severity == 2
    assert signal.value == "3.3 years"
    assert "would last 3.3 years at the current rate of draw-down" in signal.explanation
    assert "£30 thousand a year on average over 2015-16 to 2017-18" in signal.explanation
    assert "most of its 7 similar councils were not drawing on their reserves" in (
        signal.explanation
    )
    assert signal.observed_on == datetime.date(2018, 11, 30)
    assert signal.group == f"similar:{ME} (its 7 similar councils)"


def test_reserves_runout_severe_and_median_in_years():
    """£30k falling £20k a year lasts 1.5 years (under 2: severity 3); similar councils falling
    £10k a year from £100k last 10 years, their median."""
    rows = reserves_rows(ME, 30, [-20, -20, -20])
    for n in NEIGHBOURS:
        rows += reserves_rows(n, 100, [-10, -10, -10])
    (signal,) = rules.reserves_runout(inputs(rows), TH)[ME]
    assert signal.severity == 3
    assert "the median for its 7 similar councils is 10.0 years" in signal.explanation


def test_reserves_runout_needs_the_lowest_quarter_and_enough_neighbours():
    """4.5 years is under 5 but no lower than the similar councils: no signal. With only 4
    similar councils holding figures nothing is compared."""
    rows = reserves_rows(ME, 90, [-20, -20, -20])
    for n in NEIGHBOURS:
        rows += reserves_rows(n, 80, [-20, -20, -20])  # 4 years each
    assert rules.reserves_runout(inputs(rows), TH) == {}
    few = reserves_rows(ME, 10, [-20, -20, -20])
    for n in NEIGHBOURS[:4]:
        few += reserves_rows(n, 100, [10, 10, 10])
    assert rules.reserves_runout(inputs(few), TH) == {}


def test_reserves_not_falling_never_run_out():
    rows = reserves_rows(ME, 100, [-30, 20, 20])
    for n in NEIGHBOURS:
        rows += reserves_rows(n, 100, [10, 10, 10])
    assert rules.reserves_runout(inputs(rows), TH) == {}


def test_no_look_ahead_in_the_inputs():
    """Before 30 November 2018 the 2017-18 figures were not known: the rule sees only what
    was, and on 29 November 2018 the 2017-18 reserves do not exist yet."""
    rows = reserves_rows(ME, 100, [-30, -30, -30])
    for n in NEIGHBOURS:
        rows += reserves_rows(n, 100, [10, 10, 10])
    data = inputs(rows)
    assert rules.reserves_runout(data.known_by(datetime.date(2018, 11, 29)), TH) == {}
    assert ME in rules.reserves_runout(data.known_by(datetime.date(2018, 11, 30)), TH)


# --- level, change and other ratios ---------------------------------------------------------


def ratio_rows(metric, mine, theirs, period="2017-18"):
    rows = [value(ME, metric, period, mine)]
    rows += [value(n, metric, period, v) for n, v in zip(NEIGHBOURS, theirs, strict=True)]
    return rows


def test_reserves_low_against_the_same_year():
    """8% against similar councils at 20-80% (lower quartile 35%, median 50%): below half the
    median, so severity 3."""
    theirs = [20, 30, 40, 50, 60, 70, 80]
    (signal,) = rules.reserves_low(inputs(ratio_rows("fin-reserves-to-nre", 8, theirs)), TH)[ME]
    assert signal.severity == 3
    assert signal.value == "8.0%"
    assert "median for its 7 similar councils is 50.0%" in signal.explanation
    assert "lowest quarter is below 35.0%" in signal.explanation
    (mild,) = rules.reserves_low(inputs(ratio_rows("fin-reserves-to-nre", 30, theirs)), TH)[ME]
    assert mild.severity == 2
    assert ME not in rules.reserves_low(inputs(ratio_rows("fin-reserves-to-nre", 40, theirs)), TH)


def test_ratios_compare_only_within_one_year():
    """Similar councils' figures for another year are not compared."""
    rows = [value(ME, "fin-reserves-to-nre", "2017-18", 5)]
    rows += [value(n, "fin-reserves-to-nre", "2016-17", 50) for n in NEIGHBOURS]
    assert rules.reserves_low(inputs(rows), TH) == {}


def test_reserves_falling_compounds_over_three_years():
    """Falls of 20%, 20% and 20% compound to 48.8% (more than 40%: severity 3)."""
    rows = reserves_rows(ME, 100, [-200, -200, -200])  # value = change / 10 = -20%
    for n in NEIGHBOURS:
        rows += reserves_rows(n, 100, [10, 10, 10])
    (signal,) = rules.reserves_falling(inputs(rows), TH)[ME]
    assert signal.value == "-48.8%"
    assert signal.severity == 3
    assert "fell by 48.8% over 2015-16 to 2017-18" in signal.explanation


def test_interest_high_needs_the_minimum_too():
    """2.9% is in the highest quarter of councils paying 1% but under the 3% minimum."""
    theirs = [1, 1, 1, 1, 1, 1, 1]
    assert rules.interest_high(inputs(ratio_rows("fin-interest-to-nre", 2.9, theirs)), TH) == {}
    (signal,) = rules.interest_high(inputs(ratio_rows("fin-interest-to-nre", 9, theirs)), TH)[ME]
    assert signal.code == "fin-interest-high"


def test_social_care_ratio_only_for_councils_with_social_care():
    rows = ratio_rows("fin-social-care-ratio", 80, [50, 52, 54, 56, 58, 60, 62])
    assert rules.social_care_high(inputs(rows, social_care={ME: False}), TH) == {}
    found = rules.social_care_high(inputs(rows, social_care={ME: True}), TH)
    assert found[ME][0].code == "fin-social-care-high"


def test_council_tax_low():
    rows = ratio_rows("fin-ctr-to-nre", 20, [40, 45, 50, 55, 60, 65, 70])
    (signal,) = rules.council_tax_low(inputs(rows), TH)[ME]
    assert "Council tax requirement as a share of net revenue expenditure was 20.0%" in (
        signal.explanation
    )


def test_debt_rules_need_external_debt_and_nre():
    """The shipped RS data has no external debt: the debt rules then find nothing."""
    rows = ratio_rows("fin-nre", 100, [100] * 7)
    assert rules.debt_high(inputs(rows), TH) == {}
    assert rules.debt_growth(inputs(rows), TH) == {}


def test_debt_to_nre_and_growth_when_the_data_exists():
    """Debt of 400 against NRE 100 (400%) among councils at 100-160%: high. Debt growing from
    100 to 200 (100%) while similar councils' is flat: growth."""
    rows = []
    for period in YEARS:
        rows.append(
            value(
                ME,
                "fin-external-debt",
                period,
                {"2015-16": 100, "2016-17": 150, "2017-18": 400}[period],
            )
        )
        rows.append(value(ME, "fin-nre", period, 100))
        for i, n in enumerate(NEIGHBOURS):
            rows.append(value(n, "fin-external-debt", period, 100 + 10 * i))
            rows.append(value(n, "fin-nre", period, 100))
    data = inputs(rows)
    (high,) = rules.debt_high(data, TH)[ME]
    assert high.value == "400.0%"
    (growth,) = rules.debt_growth(data, TH)[ME]
    assert growth.value == "+300.0%"


# --- service SPC ------------------------------------------------------------------------------


def series_rows(values, polarity="higher_better", gss=ME, metric="lgbf-X"):
    rows = []
    for i, v in enumerate(values):
        start = datetime.date(2010 + i, 4, 1)
        end = datetime.date(2011 + i, 3, 31)
        rows.append(
            value(
                gss,
                metric,
                f"{2010 + i}-{(11 + i) % 100:02d}",
                v,
                element="outcome",
                polarity=polarity,
                dataset="lgbf",
                period_start=start,
                period_end=end,
                known_on=thresholds.value_known_on(end, "lgbf"),
                title="Recycling rate",
                source="Improvement Service, LGBF. More.",
            )
        )
    return rows


RECYCLING = [46.0, 45.2, 46.6, 45.8, 46.9, 44.1, 43.7, 44.3, 43.5, 44.0, 43.2, 43.8]


def test_spc_concern_on_the_worked_example():
    """docs/method/spc.md: the last 7 of 12 values below the average, higher better: a firm
    concern (severity 2) dated when the last value became known."""
    (signal,) = rules.spc_concerns(inputs(series_rows(RECYCLING)), TH)[ME]
    assert signal.severity == 2
    assert not signal.provisional
    assert signal.explanation.startswith("Recycling rate (lgbf-X): The last 7 values")
    assert signal.observed_on == datetime.date(2023, 2, 28)  # 2021-22 ends 31 March 2022 + 11
    assert signal.source == "Improvement Service, LGBF"


def test_spc_reads_polarity_and_neutral_never_concerns():
    assert rules.spc_concerns(inputs(series_rows(RECYCLING, "lower_better")), TH) == {}
    assert rules.spc_concerns(inputs(series_rows(RECYCLING, "neutral")), TH) == {}


def test_spc_provisional_with_six_to_eleven_points():
    """Eight values whose last three fall beyond the lower limit: provisional, severity 1."""
    values = [50, 51, 50, 51, 50, 30, 29, 28]
    (signal,) = rules.spc_concerns(inputs(series_rows(values)), TH)[ME]
    assert signal.provisional
    assert signal.severity == 1
    assert rules.spc_concerns(inputs(series_rows(values[:5])), TH) == {}


def test_spc_old_concerns_are_not_current():
    """A dip long ago, with the last three values back to normal, raises nothing now."""
    values = [50, 51, 50, 20, 51, 50, 51, 50, 51, 50, 51, 50]
    assert rules.spc_concerns(inputs(series_rows(values)), TH) == {}


def test_spc_keeps_each_series_most_common_length_of_period():
    """Years and quarters are never mixed in one series: each keeps the length it has most
    of, the longer where two are equally common, whatever the other series have."""

    def row(gss, metric, start, months):
        end = (pd.Timestamp(start) + pd.DateOffset(months=months) - pd.DateOffset(days=1)).date()
        return {
            "gss_code": gss,
            "metric": metric,
            "period": f"{start}/{months}",
            "period_start": datetime.date.fromisoformat(start),
            "period_end": end,
        }

    years = [
        row(g, m, f"{y}-04-01", 12)
        for g, m in (("A", "x"), ("B", "x"), ("A", "y"))
        for y in (2019, 2020)
    ]
    quarters = [
        row(g, m, f"2021-{month:02d}-01", 3)
        for g, m, n in (("A", "x", 1), ("B", "x", 2), ("A", "y", 3))
        for month in (4, 7, 10)[:n]
    ]
    frame = pd.DataFrame(years + quarters)
    kept = rules._modal_length(frame)
    lengths = kept.groupby(["gss_code", "metric"])["period"].apply(
        lambda p: sorted({label.rsplit("/", 1)[1] for label in p})
    )
    # A x: 2 years, 1 quarter; B x: 2 and 2, a tie, so the years; A y: 2 years, 3 quarters.
    assert lengths.to_dict() == {("A", "x"): ["12"], ("A", "y"): ["3"], ("B", "x"): ["12"]}
    assert len(kept) == 2 + 2 + 3


def test_spc_skips_the_financial_dataset():
    rows = [dict(r, dataset="england-rs") for r in series_rows(RECYCLING)]
    assert rules.spc_concerns(inputs(rows), TH) == {}


@pytest.mark.parametrize("metric", sorted(resilience.READ_METRICS))
def test_spc_skips_every_measure_the_financial_rules_read(metric):
    """External borrowing and the other figures the resilience indicators read count once, in
    the financial domain: the same worsening series raises an SPC concern on a service measure
    and none on theirs, whatever dataset brought them."""
    assert rules.spc_concerns(inputs(series_rows(RECYCLING)), TH)
    rows = [dict(r, dataset="england-borrowing") for r in series_rows(RECYCLING, metric=metric)]
    assert rules.spc_concerns(inputs(rows), TH) == {}


# --- inspections and corporate --------------------------------------------------------------


def test_inspection_concerns_and_severities():
    frame = pd.DataFrame(
        [
            (
                ME,
                "ofsted_ilacs",
                "inadequate",
                True,
                datetime.date(2024, 1, 5),
                datetime.date(2024, 1, 5),
            ),
            (ME, "cqc_asc", "Requires improvement", True, None, datetime.date(2025, 10, 3)),
            (
                ME,
                "send_area",
                "3: widespread or systemic failings",
                True,
                datetime.date(2024, 2, 1),
                datetime.date(2024, 2, 1),
            ),
            (
                "E06000002",
                "ofsted_ilacs",
                "good",
                False,
                datetime.date(2024, 1, 5),
                datetime.date(2024, 1, 5),
            ),
        ],
        columns=list(rules.INSPECTION_COLUMNS),
    )
    found = rules.inspection_concerns(Inputs(inspections=frame), TH)
    assert list(found) == [ME]
    by_code = {s.code: s for s in found[ME]}
    assert by_code["ofsted-childrens-services"].severity == 3
    assert by_code["cqc-adult-social-care"].severity == 2
    assert "undated; counted from 3 October 2025" in by_code["cqc-adult-social-care"].explanation
    assert by_code["send-systemic-failings"].severity == 3
    known = Inputs(inspections=frame).known_by(datetime.date(2025, 1, 1))
    assert {s.code for s in rules.inspection_concerns(known, TH)[ME]} == {
        "ofsted-childrens-services",
        "send-systemic-failings",
    }


def test_corporate_changes_become_signals_from_their_date():
    frame = pd.DataFrame(
        [(ME, "chief_executive", datetime.date(2025, 3, 1), "Interim chief executive.")],
        columns=list(rules.CORPORATE_COLUMNS),
    )
    data = Inputs(corporate=frame)
    (signal,) = rules.corporate_changes(data, TH)[ME]
    assert signal.code == "chief-executive-change"
    assert signal.explanation == (
        "The chief executive changed on 1 March 2025: Interim chief executive."
    )
    assert rules.corporate_changes(data.known_by(datetime.date(2025, 2, 28)), TH) == {}


def test_registry_has_documented_rules_with_thresholds_as_data():
    assert {"fin-reserves-runout", "fin-debt-high", "spc-service-concern"} <= set(rules.RULES)
    for registered in rules.RULES.values():
        assert len(registered.explanation) > 40
    assert TH["fin-reserves-runout"]["max_years"] == 5


@pytest.mark.parametrize(
    ("day", "dataset", "known"),
    [
        (datetime.date(2018, 3, 31), "england-rs", datetime.date(2018, 11, 30)),
        (datetime.date(2022, 3, 31), "lgbf", datetime.date(2023, 2, 28)),
        (datetime.date(2024, 3, 31), "lgbf", datetime.date(2025, 2, 28)),
        (datetime.date(2024, 12, 31), "anything", datetime.date(2025, 3, 31)),
        (datetime.date(2024, 6, 15), "other", datetime.date(2024, 9, 15)),
    ],
)
def test_when_a_figure_counts_as_known(day, dataset, known):
    assert thresholds.value_known_on(day, dataset) == known
