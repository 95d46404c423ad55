"""The hex map: where each hexagon goes, how it is coloured, and what it says in words."""

import json
import math

import pytest
from django.urls import reverse

from benchmarking import hexmap
from benchmarking.selectors import hex_layouts

METRIC = {"title": "Recycling", "unit": "%", "polarity": "higher_better", "decimals": 1}
LAYOUT = {
    "layout": "odd-r",
    "hexes": {
        "A": {"n": "Alpha", "q": 0, "r": 0},
        "B": {"n": "Beta", "q": 1, "r": 0},
        "C": {"n": "Gamma", "q": 0, "r": 1},
        "D": {"n": "Delta", "q": 1, "r": 1},
    },
}


def rows(*items):
    return [{"gss_code": c, "name": n, "value": v, "quartile_band": b} for c, n, v, b in items]


def test_odd_rows_shift_half_a_hexagon_and_neighbours_touch():
    assert hexmap.centre(0, 0) == (0.0, 0.0)
    assert hexmap.centre(0, 1) == (0.5, pytest.approx(math.sqrt(3) / 2))
    assert hexmap.centre(0, 2)[0] == 0.0
    assert hexmap.centre(0, 1, layout="even-r")[0] == 0.0
    # Neighbours in a row and across rows are one hexagon width apart, centre to centre.
    (x0, y0), (x1, y1) = hexmap.centre(0, 0), hexmap.centre(0, 1)
    assert math.dist((x0, y0), (x1, y1)) == pytest.approx(1.0)
    corners = hexmap.corners(0, 0)
    assert len(corners) == 7 and corners[0] == corners[-1]
    assert max(x for x, _ in corners) == pytest.approx(0.5)


def test_each_band_is_one_filled_trace_and_outsiders_are_grey():
    chart = hexmap.hex_map(
        LAYOUT,
        rows(("A", "Alpha", 60, 1), ("B", "Beta", 40, 4), ("C", "Gamma", 50, None)),
        metric=METRIC,
        highlight="B",
        group_label="all councils",
    )
    traces = {t.get("name"): t for t in chart.figure["data"]}
    assert traces["Best quarter"]["fillcolor"] == hexmap.BAND_COLOURS[1]
    assert traces["Worst quarter"]["fillcolor"] == hexmap.BAND_COLOURS[4]
    assert traces["Outside the group or no figure"]["fillcolor"] == hexmap.OUTSIDE
    assert traces["In the group, no quarter"]  # Gamma has a figure but no quarter
    assert "Second-best quarter" not in traces
    # One closed hexagon of 7 points and a gap per council in the trace.
    assert len(traces["Best quarter"]["x"]) == 8
    assert traces["Beta"]["line"]["color"] == hexmap.BLACK
    assert chart.figure["layout"]["yaxis"]["scaleanchor"] == "x"
    hover = next(t for t in chart.figure["data"] if t.get("hoverinfo") == "text")
    assert "Alpha: 60.0% (Best quarter)" in hover["text"]
    assert "Delta: outside the group or no figure" in hover["text"]


def test_the_summary_and_table_say_what_the_colours_show():
    chart = hexmap.hex_map(
        LAYOUT,
        rows(("A", "Alpha", 60, 1), ("B", "Beta", 40, 4), ("Z", "Zulu", 10, 4)),
        metric=METRIC,
        highlight="B",
        group_label="all councils",
    )
    assert chart.summary == (
        "A map of 4 councils, one hexagon each. 2 councils in all councils have a figure and "
        "are coloured by their quarter of the group, darkest for the best quarter: 1 in the "
        "best quarter, 0 in the second-best quarter, 0 in the second-worst quarter, 1 in the "
        "worst quarter. The other 2 are grey. Beta is outlined in black, in the worst quarter."
    )
    # The table lists every council with a figure, the one missing from the map included.
    assert [r["name"] for r in chart.table] == ["Alpha", "Beta", "Zulu"]
    assert chart.display_rows[0] == ["Alpha", "A", "60.0%", "Best quarter"]


def test_a_neutral_measure_names_quarters_by_size():
    chart = hexmap.hex_map(
        LAYOUT, rows(("A", "Alpha", 9, 1)), metric={**METRIC, "polarity": "neutral"}
    )
    assert "Highest quarter" in {t.get("name") for t in chart.figure["data"]}


def test_the_layout_that_places_most_councils_is_chosen():
    layouts = hex_layouts()
    assert len(layouts["districts"]["hexes"]) == 361
    assert hexmap.choose_layout(layouts, ["E10000014", "E10000015", "E06000001"]) == ("upper-tier")
    assert hexmap.choose_layout(layouts, ["E07000008", "E06000001"]) == "districts"
    json.dumps(hexmap.hex_map(layouts["districts"], [], metric=METRIC).figure)


def test_the_measure_page_draws_the_map_with_its_table(client, db):
    from benchmarking.services import comparisons_recompute, metrics_import
    from tests.benchmarking.test_pages import NORTH_EAST, load

    metrics_import(rows=[{"code": "rec", "title": "Recycling", "element": "outcome"}])
    load([(gss, "rec", "2019-20", 10 + n) for n, gss in enumerate(NORTH_EAST)])
    comparisons_recompute()
    response = client.get(
        reverse("benchmarking:metric", args=["rec"]), {"council": "E06000001", "group": "all"}
    )
    page = response.content.decode()
    assert 'data-chart="chart-map"' in page
    assert "Hartlepool is outlined in black" in page
    assert "© Open Innovations" in page


def test_the_measure_page_gives_the_england_figure_beside_the_median(client, db):
    from benchmarking.models import Metric, ReferenceValue
    from benchmarking.services import comparisons_recompute, metrics_import
    from tests.benchmarking.test_pages import NORTH_EAST, load

    metrics_import(rows=[{"code": "rec", "title": "Recycling", "element": "outcome", "unit": "%"}])
    load([(gss, "rec", "2019-20", 10 + n) for n, gss in enumerate(NORTH_EAST)])
    comparisons_recompute()
    ReferenceValue.objects.create(
        metric=Metric.objects.get(code="rec"),
        period="2019-20",
        area_code="E92000001",
        area_name="England",
        value=43.5,
        lower=42.0,
        upper=45.0,
    )
    page = client.get(reverse("benchmarking:metric", args=["rec"])).content.decode()
    assert "England as a whole: 43.5% in 2019-20" in page
    assert "95% confidence interval 42.0% to 45.0%" in page
    assert "the group's median is 12.0%" in page


def test_the_time_series_draws_england_as_a_dotted_line_with_its_own_column():
    from benchmarking import charts

    chart = charts.time_series(
        [{"period": "2018-19", "value": 40}, {"period": "2019-20", "value": 44}],
        metric=METRIC,
        group_points=[{"period": "2019-20", "median": 41}],
        council_name="Hartlepool",
        reference_points=[
            {"period": "2019-20", "value": 43.5},
            {"period": "2030-31", "value": 99},  # not on the chart: left out
        ],
    )
    england = next(t for t in chart.figure["data"] if t.get("name") == "England")
    assert england["y"] == [None, 43.5]
    assert england["line"]["dash"] == "dot"
    assert ("reference", "England") in chart.columns
    assert [row["reference"] for row in chart.table] == ["No data", 43.5]
    assert "England's own figure is the dotted line." in chart.summary
    plain = charts.time_series(
        [{"period": "2019-20", "value": 44}],
        metric=METRIC,
        group_points=[],
        council_name="Hartlepool",
    )
    assert "England" not in {t.get("name") for t in plain.figure["data"]}
