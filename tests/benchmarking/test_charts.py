"""Behaviour of the benchmarking charts: pure functions, no database."""

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from benchmarking.charts import (
    BLUE,
    NO_DATA,
    Chart,
    format_value,
    group_distribution,
    scatter,
    time_series,
)
from selfreg.stats import xmr_limits

PERCENT = {
    "title": "Household waste recycled",
    "unit": "%",
    "polarity": "higher_better",
    "decimals": 1,
}
COST = {"title": "Net cost per household", "unit": "£", "polarity": "lower_better", "decimals": 2}

# Sixteen similar councils; Hartlepool is the one to highlight.
NAMES = [
    "Hartlepool",
    "Darlington",
    "Middlesbrough",
    "Redcar and Cleveland",
    "Stockton-on-Tees",
    "Halton",
    "Blackpool",
    "Kingston upon Hull, City of",
    "North East Lincolnshire",
    "Stoke-on-Trent",
    "Telford and Wrekin",
    "Doncaster",
    "Barnsley",
    "Rotherham",
    "Wakefield",
    "Sunderland",
]
VALUES = [56, 48, 41, 44, 50, 47, 39, 45, 52, 43, 49, 46, 58, 42, 51, 40]
STATS = {"n": 16, "median": 48.0, "lower_quartile": 43.75, "upper_quartile": 50.25}


def rows(values=VALUES):
    return [
        {"gss_code": f"E06{i:06d}", "name": name, "value": value}
        for i, (name, value) in enumerate(zip(NAMES, values, strict=True))
    ]


HARTLEPOOL = "E06000000"


def distribution(values=VALUES, metric=PERCENT, highlight=HARTLEPOOL, stats=STATS, **kwargs):
    return group_distribution(
        rows(values), metric=metric, highlight=highlight, stats=stats, **kwargs
    )


def walk(obj):
    """Every dict, list and leaf in a JSON-like structure."""
    yield obj
    if isinstance(obj, dict):
        for value in obj.values():
            yield from walk(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from walk(value)


def assert_plain_json(chart: Chart):
    """Serialises with the standard json module, strictly (no NaN), and round-trips."""
    text = json.dumps(chart.figure, allow_nan=False)
    assert json.loads(text) == chart.figure
    json.dumps(chart.table, allow_nan=False)
    for item in walk(chart.figure):
        assert not isinstance(item, np.ndarray | np.generic)
        if isinstance(item, dict):
            assert "bdata" not in item and "dtype" not in item
    # No plotly.py template and no font family: the page's font is inherited.
    assert "template" not in chart.figure["layout"]
    assert all(
        "family" not in item for item in walk(chart.figure) if isinstance(item, dict) and item
    )
    # Still a valid figure for plotly (plotly.py validates against the plotly.js schema).
    go.Figure(chart.figure)


def traces_by_name(chart):
    return {trace["name"]: trace for trace in chart.figure["data"]}


def shape(chart, prefix):
    (found,) = [s for s in chart.figure["layout"].get("shapes", []) if s["name"].startswith(prefix)]
    return found


def plain(text):
    return text.replace("<b>", "").replace("</b>", "")


# --- the Chart ---------------------------------------------------------------------------------


def test_chart_is_a_small_frozen_dataclass():
    fields = [f.name for f in dataclasses.fields(Chart)]
    assert fields[:4] == ["figure", "summary", "table", "columns"]
    chart = distribution()
    with pytest.raises(dataclasses.FrozenInstanceError):
        chart.summary = "changed"


@pytest.mark.parametrize(
    ("value", "metric", "expected"),
    [
        (56, {"unit": "%", "decimals": 1}, "56.0%"),
        (12.345, {"unit": "percent", "decimals": 0}, "12%"),
        (1234.5, {"unit": "£", "decimals": 2}, "£1,234.50"),
        (-12.3, {"unit": "£", "decimals": 1}, "-£12.3"),
        (98.76, {"unit": "£ per head", "decimals": 0}, "£99 per head"),
        (7.25, {"unit": "days", "decimals": 1}, "7.2 days"),
        (-0.04, {"unit": "%", "decimals": 1}, "0.0%"),
        (3, {"unit": "", "decimals": None}, "3.0"),
        (None, {"unit": "%"}, NO_DATA),
        (float("nan"), {"unit": "%"}, NO_DATA),
    ],
)
def test_format_value(value, metric, expected):
    assert format_value(value, metric) == expected


# --- 1. group distribution -------------------------------------------------------------------


def test_distribution_json_is_plain_and_valid():
    chart = distribution()
    assert_plain_json(chart)
    layout = chart.figure["layout"]
    assert layout["hovermode"] == "closest"
    assert layout["autosize"] is True
    assert "width" not in layout


def test_numpy_and_pandas_inputs_come_out_as_plain_json():
    frame = pd.DataFrame(rows())
    frame["value"] = frame["value"].astype("float64")
    frame.loc[3, "value"] = np.nan
    stats = {k: np.float64(v) for k, v in STATS.items()}
    chart = group_distribution(frame, metric=PERCENT, highlight=HARTLEPOOL, stats=stats)
    assert_plain_json(chart)
    assert chart.summary.startswith("Hartlepool's value, 56.0%")


def test_highlighted_council_has_its_own_trace_shape_colour_and_label():
    chart = distribution()
    traces = traces_by_name(chart)
    mine, others = traces["Hartlepool"], traces["Other councils"]
    assert mine["x"] == [56]
    assert 56 not in others["x"] and len(others["x"]) == 15
    # Distinct by shape, size and colour, never by colour alone, and labelled in text.
    assert mine["marker"]["symbol"] != others["marker"]["symbol"]
    assert mine["marker"]["size"] > others["marker"]["size"]
    assert mine["marker"]["color"] == BLUE != others["marker"]["color"]
    assert "text" in mine["mode"]
    assert plain(mine["text"][0]) == "56.0%"
    # No markup in labels: plotly turns it into style attributes, which the CSP blocks.
    assert "Hartlepool" in chart.figure["layout"]["yaxis"]["ticktext"]
    assert "<b>" not in json.dumps(chart.figure)


def test_big_groups_drop_names_from_the_axis_and_label_the_highlight_by_name():
    values = [float(v) for v in range(100)]
    big = [{"gss_code": f"C{i}", "name": f"Council {i}", "value": v} for i, v in enumerate(values)]
    stats = {"n": 100, "median": 49.5, "lower_quartile": 24.75, "upper_quartile": 74.25}
    chart = group_distribution(big, metric=PERCENT, highlight="C90", stats=stats)
    assert chart.figure["layout"]["yaxis"]["showticklabels"] is False
    assert plain(traces_by_name(chart)["Council 90"]["text"][0]) == "Council 90: 90.0%"
    assert_plain_json(chart)


def test_councils_are_ordered_by_value_not_by_rank():
    chart = distribution()
    points = sorted(
        (y, x)
        for trace in chart.figure["data"]
        for x, y in zip(trace["x"], trace["y"], strict=True)
    )
    xs = [x for _, x in points]
    assert xs == sorted(VALUES)  # lowest at the bottom, highest at the top
    assert [row["value"] for row in chart.table] == sorted(VALUES, reverse=True)
    # No league-table wording anywhere a reader sees it (keys such as legendrank are not text).
    words = [item for item in walk(chart.figure) if isinstance(item, str)]
    text = " ".join([*words, chart.summary, *(heading for _, heading in chart.columns)]).lower()
    assert "rank" not in text and "league" not in text and "position" not in text


def test_median_and_interquartile_band_use_the_given_numbers():
    chart = distribution()
    band = shape(chart, "Middle half")
    median = shape(chart, "Median")
    assert (band["x0"], band["x1"]) == (43.75, 50.25)
    assert band["type"] == "rect" and band["fillcolor"] == "#f3f2f1"
    assert (median["x0"], median["x1"]) == (48.0, 48.0)
    assert median["type"] == "line" and median["line"]["color"] == "#0b0c0c"
    assert band["showlegend"] and median["showlegend"]
    assert median["name"] == "Median: 48.0%"


@pytest.mark.parametrize(
    ("polarity", "extra", "wording"),
    [
        ("higher_better", {}, "Higher is better"),
        ("lower_better", {}, "Lower is better"),
        ("target", {"target_value": 100}, "Closest to 100.0% is best"),
    ],
)
def test_axis_title_says_which_way_is_better(polarity, extra, wording):
    metric = {**PERCENT, "polarity": polarity, **extra}
    chart = distribution(metric=metric)
    assert wording in chart.figure["layout"]["xaxis"]["title"]["text"]
    assert chart.summary.endswith(f"{wording}.")


def test_neutral_metrics_say_nothing_about_better():
    chart = distribution(metric={**PERCENT, "polarity": "neutral"})
    title = chart.figure["layout"]["xaxis"]["title"]["text"]
    assert "Household waste recycled (%)" in title
    assert "better" not in title and "best" not in title
    assert "better" not in chart.summary


def test_target_metrics_draw_the_target_and_describe_distance_from_it():
    metric = {"title": "Budget spent", "unit": "%", "polarity": "target", "target_value": 100}
    values = [99.5, 92, 104, 101, 97, 110, 95, 100.4, 88, 103, 106, 96, 98, 102, 94, 108]
    chart = distribution(values=values, metric=metric, stats={"n": 16, **quartiles(values)})
    assert shape(chart, "Target")["x0"] == 100
    assert "among the quarter of 16 councils closest to the target of 100.0%" in chart.summary


def quartiles(values):
    return {
        "median": float(np.median(values)),
        "lower_quartile": float(np.quantile(values, 0.25)),
        "upper_quartile": float(np.quantile(values, 0.75)),
    }


def test_summary_describes_the_highlighted_council_in_words():
    chart = distribution(group_label="similar councils")
    assert chart.summary == (
        "Hartlepool's value, 56.0%, is in the highest quarter of 16 similar councils; "
        "the median is 48.0%. Higher is better."
    )


def test_summary_quarters_follow_polarity_with_ties_to_the_better_quarter():
    # Lower is better: at the lower quartile is the best quarter, named by value.
    values = [43.75, *VALUES[1:]]
    chart = distribution(values=values, metric=COST)
    assert "is in the lowest quarter of 16 councils" in chart.summary
    assert chart.summary.endswith("Lower is better.")
    # Higher is better: exactly on the upper quartile counts as the highest quarter.
    chart = distribution(values=[50.25, *VALUES[1:]])
    assert "in the highest quarter" in chart.summary
    chart = distribution(values=[45, *VALUES[1:]])
    assert "below the median, but not in the lowest quarter" in chart.summary


def test_missing_values_are_skipped_and_listed_as_no_data():
    values = [56, None, *VALUES[2:-1], float("nan")]
    chart = distribution(values=values, stats={**STATS, "n": 14})
    plotted = [x for trace in chart.figure["data"] for x in trace["x"]]
    assert len(plotted) == 14 and all(isinstance(x, int | float) for x in plotted)
    missing = [row for row in chart.table if row["value"] == NO_DATA]
    assert [row["name"] for row in missing] == ["Darlington", "Sunderland"]
    assert chart.table[-2:] == missing  # after the councils with values
    assert chart.display_rows[-1] == ["Sunderland", NO_DATA]
    assert "of 14 councils" in chart.summary
    assert_plain_json(chart)


def test_highlighted_council_without_a_value_is_said_so():
    chart = distribution(values=[None, *VALUES[1:]], stats={**STATS, "n": 15})
    assert "Hartlepool" not in traces_by_name(chart)
    assert chart.summary.startswith("Hartlepool has no value for household waste recycled.")
    assert "the median is 48.0%" in chart.summary


def test_table_rows_are_the_plotted_numbers():
    chart = distribution()
    ticks = [plain(t) for t in chart.figure["layout"]["yaxis"]["ticktext"]]
    plotted = {
        ticks[y]: x
        for trace in chart.figure["data"]
        for x, y in zip(trace["x"], trace["y"], strict=True)
    }
    assert {row["name"]: row["value"] for row in chart.table} == plotted
    assert chart.columns == [("name", "Council"), ("value", "Household waste recycled (%)")]
    assert chart.display_rows[0] == ["Barnsley", "58.0%"]
    assert [row["highlight"] for row in chart.table].count(True) == 1


def test_empty_distribution_says_no_data():
    chart = group_distribution([], metric=PERCENT, highlight=HARTLEPOOL, stats={"n": 0})
    assert chart.summary.startswith("No data")
    assert chart.table == [] and chart.display_rows == []
    assert chart.figure["data"] == []
    assert chart.figure["layout"]["annotations"][0]["text"] == NO_DATA
    assert_plain_json(chart)


def test_names_are_kept_literal_for_plotly():
    data = rows()
    data[1]["name"] = "A <b>bold</b> & odd name"
    chart = group_distribution(data, metric=PERCENT, highlight=None, stats=STATS)
    assert "A &lt;b&gt;bold&lt;/b&gt; & odd name" in chart.figure["layout"]["yaxis"]["ticktext"]
    assert any(row["name"] == "A <b>bold</b> & odd name" for row in chart.table)


# --- 2. time series --------------------------------------------------------------------------

PERIODS = ["2019-20", "2020-21", "2021-22", "2022-23", "2023-24"]
POINTS = [{"period": p, "value": v} for p, v in zip(PERIODS, [40, 44, None, 52, 56], strict=True)]
GROUP = [
    {"period": p, "median": m, "lower_quartile": m - 4, "upper_quartile": m + 5}
    for p, m in zip(PERIODS, [42, 44, 45, 47, 48], strict=True)
]


def series(points=POINTS, group=GROUP, metric=PERCENT):
    return time_series(points, metric=metric, group_points=group, council_name="Hartlepool")


def test_time_series_draws_council_median_and_band_over_the_given_periods():
    chart = series()
    assert_plain_json(chart)
    xaxis = chart.figure["layout"]["xaxis"]
    assert xaxis["type"] == "category" and xaxis["categoryarray"] == PERIODS
    traces = traces_by_name(chart)
    mine = traces["Hartlepool"]
    assert mine["x"] == PERIODS and mine["y"] == [40, 44, None, 52, 56]
    assert mine["line"]["color"] == BLUE
    assert plain(mine["text"][-1]) == "56.0%"
    median = traces["Group median"]
    assert median["y"] == [42, 44, 45, 47, 48]
    assert median["line"]["dash"] == "dash"  # not told apart by colour alone
    band = traces["Middle half of the group"]
    assert band["fill"] == "toself"
    assert band["y"] == [47, 49, 50, 52, 53, 44, 43, 41, 40, 38]
    assert "Higher is better" in chart.figure["layout"]["yaxis"]["title"]["text"]


def test_time_series_summary_and_table():
    chart = series()
    assert chart.summary == (
        "Hartlepool's value went from 40.0% in 2019-20 to 56.0% in 2023-24, when the group "
        "median was 48.0%. It was above the median in 2 of 4 periods and below it in 1; "
        "higher is better."
    )
    assert chart.table[2] == {
        "period": "2021-22",
        "value": NO_DATA,
        "median": 45,
        "lower_quartile": 41,
        "upper_quartile": 50,
    }
    assert [row["value"] for row in chart.table] == [40, 44, NO_DATA, 52, 56]
    assert chart.display_rows[0] == ["2019-20", "40.0%", "42.0%", "38.0%", "47.0%"]


def test_time_series_band_breaks_where_the_group_has_no_statistics():
    group = [dict(g) for g in GROUP]
    group[2].update(lower_quartile=None, upper_quartile=None)
    band = traces_by_name(series(group=group))["Middle half of the group"]
    assert band["x"][:5] == ["2019-20", "2020-21", "2020-21", "2019-20", None]
    assert band["x"][5:] == ["2022-23", "2023-24", "2023-24", "2022-23"]


def test_time_series_periods_only_in_the_group_keep_their_place():
    points = [p for p in POINTS if p["period"] != "2021-22"]
    chart = series(points=points)
    assert chart.figure["layout"]["xaxis"]["categoryarray"] == PERIODS


def test_empty_time_series_says_no_data():
    chart = series(points=[], group=[])
    assert chart.summary.startswith("No data")
    assert chart.table == [] and chart.figure["data"] == []
    assert_plain_json(chart)


# --- 3. XmR limits ------------------------------------------------------------


def test_xmr_limits_by_hand():
    # Mean 61 / 5 = 12.2; moving ranges 2, 1, 4, 2 average 2.25; limits 12.2 ± 2.66 × 2.25
    # = 12.2 ± 5.985 (2.66 is 3 / 1.128 rounded, as docs/method/spc.md gives it).
    mean, lower, upper = xmr_limits([10, 12, 11, 15, 13])
    assert mean == pytest.approx(12.2)
    assert lower == pytest.approx(12.2 - 5.985, abs=5e-4)
    assert upper == pytest.approx(12.2 + 5.985, abs=5e-4)
    assert upper - mean == pytest.approx(2.66 * 2.25)


def test_xmr_limits_skip_missing_values_and_need_two():
    assert xmr_limits([10, None, 12, float("nan"), 11, 15, 13]) == xmr_limits([10, 12, 11, 15, 13])
    assert xmr_limits([5, 5, 5]) == (5, 5, 5)
    with pytest.raises(ValueError, match="two values"):
        xmr_limits([3, None])


# --- 4. scatter ------------------------------------------------------------------------------


def scatter_rows():
    return [
        {"gss_code": r["gss_code"], "name": r["name"], "x": r["value"], "y": 900 - 8 * r["value"]}
        for r in rows()
    ]


def test_scatter_highlights_and_names_councils():
    chart = scatter(scatter_rows(), x_metric=PERCENT, y_metric=COST, highlight=HARTLEPOOL)
    assert_plain_json(chart)
    traces = traces_by_name(chart)
    mine, others = traces["Hartlepool"], traces["Other councils"]
    assert (mine["x"], mine["y"]) == ([56], [900 - 8 * 56])
    assert mine["marker"]["symbol"] != others["marker"]["symbol"]
    assert mine["marker"]["color"] != others["marker"]["color"]
    assert plain(mine["text"][0]) == "Hartlepool"
    assert all(name in " ".join(others["hovertext"]) for name in NAMES[1:])
    assert "Higher is better" in chart.figure["layout"]["xaxis"]["title"]["text"]
    assert "Lower is better" in chart.figure["layout"]["yaxis"]["title"]["text"]
    assert "clearly tend to have a lower net cost per household" in chart.summary
    assert chart.summary.endswith("Hartlepool is marked: 56.0% and £452.00.")


def test_scatter_skips_councils_missing_either_value():
    data = scatter_rows()
    data[1]["x"] = None
    data[2]["y"] = math.nan
    chart = scatter(data, x_metric=PERCENT, y_metric=COST, highlight=None)
    plotted = [x for trace in chart.figure["data"] for x in trace["x"]]
    assert len(plotted) == 14
    table = {row["name"]: row for row in chart.table}
    assert table["Darlington"]["x"] == NO_DATA and table["Darlington"]["y"] == 900 - 8 * 48
    assert table["Middlesbrough"]["y"] == NO_DATA
    plotted_pairs = {
        (x, y)
        for trace in chart.figure["data"]
        for x, y in zip(trace["x"], trace["y"], strict=True)
    }
    table_pairs = {(r["x"], r["y"]) for r in chart.table if NO_DATA not in (r["x"], r["y"])}
    assert plotted_pairs == table_pairs
    assert_plain_json(chart)


def test_empty_scatter_says_no_data():
    chart = scatter([], x_metric=PERCENT, y_metric=COST, highlight=HARTLEPOOL)
    assert chart.summary.startswith("No data")
    assert chart.table == [] and chart.figure["data"] == []
    assert_plain_json(chart)


def test_multi_series_gives_each_council_its_own_colour_and_marker_and_names_them_all():
    from benchmarking.charts import MAX_SERIES, multi_series

    series = {f"Council {i}": {"2018-19": i, "2019-20": i + 1} for i in range(MAX_SERIES)}
    chart = multi_series(series, metric={"title": "Cost", "unit": "£"}, periods=list(SERIES))
    styles = {(t["line"]["color"], t["marker"]["symbol"]) for t in chart.figure["data"]}
    assert len({c for c, _ in styles}) == len({s for _, s in styles}) == MAX_SERIES
    assert all(name in chart.summary for name in series)
    with pytest.raises(ValueError, match="At most"):
        multi_series({**series, "One more": {}}, metric={"title": "Cost"}, periods=list(SERIES))


SERIES = ["2018-19", "2019-20"]


@pytest.mark.parametrize(("periods", "claim"), [(3, False), (4, True)])
def test_multi_series_says_three_periods_are_too_few_for_a_trend(periods, claim):
    from benchmarking.charts import multi_series

    labels = [f"{2015 + i}-{16 + i}" for i in range(periods)]
    chart = multi_series(
        {"Hartlepool": dict.fromkeys(labels, 1.0)}, metric={"title": "Cost"}, periods=labels
    )
    assert ("too few to show a trend" in chart.summary) is not claim
