"""Benchmarking charts as plotly figures, each with a summary and a table.

A pure module: plain Python (or pandas) data in, ``Chart`` out. No database, no request.
Each ``Chart.figure`` is a plain dict ``{"data": [...], "layout": {...}}`` that the standard
``json`` module can serialise (no numpy arrays, no base64 ``bdata``, no NaN), ready for
``{{ chart.figure|json_script:"ID" }}`` and ``static/js/portal.js``. Figures target
plotly.js 4 (the vendored basic bundle ``static/vendor/plotly-basic.min.js``) and carry no
template, no font family (it inherits the page's font) and no fixed width.

Every chart also has:

* ``summary``: one or two plain-English sentences for screen readers;
* ``table`` and ``columns``: the numbers on the chart, one dict per row, for the accessible
  table and the CSV beside it. Missing values are the text ``"No data"``; numbers are the
  unrounded values that were plotted;
* ``display_rows``: the same table as text formatted as on the chart (for the HTML table),
  one list of cells per row, in ``columns`` order.

``metric`` arguments are dicts with ``title``, ``unit``, ``polarity`` (``higher_better``,
``lower_better``, ``target`` or ``neutral``, as ``Metric.polarity``), ``decimals`` and, for
``target`` metrics, ``target_value``.

Colours are GOV.UK's: the highlighted council is blue (and also a larger diamond with a text
label, so colour is never the only cue), other councils dark grey, the median black and the
interquartile range a light grey band. Which direction is better is said in words on the
axis, never by red and green.
"""

from __future__ import annotations

import base64
import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go

from benchmarking.comparisons import (
    HIGHER_BETTER,
    LOWER_BETTER,
    MIN_COUNCILS_FOR_QUARTILES,
    NEUTRAL,
    TARGET,
    too_few_for_quartiles,
)

NO_DATA = "No data"
TOO_FEW_FOR_QUARTILES = (
    f"Fewer than {MIN_COUNCILS_FOR_QUARTILES} councils have a figure, too few to give quarters "
    "or a middle half."
)

BLUE = "#1d70b8"  # the highlighted council
DARK_GREY = "#505a5f"  # other councils
MID_GREY = "#b1b4b6"  # band edges, process limits
LIGHT_GREY = "#f3f2f1"  # interquartile band
BLACK = "#0b0c0c"  # median, text
GRID = "#e3e3e3"
# The highlighted council: a larger diamond, outlined, so colour is never the only cue.
HIGHLIGHT_MARKER = {
    "symbol": "diamond",
    "size": 16,
    "color": BLUE,
    "line": {"color": BLACK, "width": 1.5},
}

FONT = {"color": BLACK, "size": 14}  # no family: it inherits the page's font
#: Above this many councils the distribution chart drops the names from its axis.
NAMED_ROWS_MAX = 40
ROW_HEIGHT = 24  # pixels per council in the distribution chart
SPARKLINE_HEIGHT = 60

PERCENT_UNITS = {"%", "percent", "percentage"}


@dataclass(frozen=True)
class Chart:
    """A plotly figure (plain dict), its screen-reader summary and its table."""

    figure: dict
    summary: str
    table: list[dict] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    display_rows: list[list[str]] = field(default_factory=list)


# --- formatting -------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """A finite float, or None for None, NaN, infinities, pandas NA and non-numbers."""
    if value is None or isinstance(value, bool | str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _decimals(metric: Mapping) -> int:
    decimals = metric.get("decimals")
    return 1 if decimals is None else max(int(decimals), 0)


def _unit(metric: Mapping) -> str:
    return (metric.get("unit") or "").strip()


def format_value(value: Any, metric: Mapping) -> str:
    """``value`` as shown on charts: the metric's decimals, ``%`` suffix, ``£`` prefix, else
    "value unit"; thousands separated; "No data" when missing."""
    number = _number(value)
    if number is None:
        return NO_DATA
    digits = f"{abs(number):,.{_decimals(metric)}f}"
    sign = "-" if number < 0 and any(c not in "0.," for c in digits) else ""
    unit = _unit(metric)
    if unit.lower() in PERCENT_UNITS:
        return f"{sign}{digits}%"
    if unit.startswith("£"):
        rest = unit[1:].strip()
        return f"{sign}£{digits}" + (f" {rest}" if rest else "")
    return f"{sign}{digits}" + (f" {unit}" if unit else "")


def _target(metric: Mapping) -> float | None:
    return _number(metric.get("target_value", metric.get("target")))


def direction_text(metric: Mapping) -> str:
    """Which direction is better, in words; empty for neutral metrics."""
    polarity = metric.get("polarity") or NEUTRAL
    if polarity == HIGHER_BETTER:
        return "Higher is better"
    if polarity == LOWER_BETTER:
        return "Lower is better"
    if polarity == TARGET:
        target = _target(metric)
        if target is None:
            return "Closest to the target is best"
        return f"Closest to {format_value(target, metric)} is best"
    return ""


def _plotly_text(text: str) -> str:
    """Text for plotly, which reads a few HTML tags: keep names and titles literal."""
    return str(text).replace("<", "&lt;").replace(">", "&gt;")


def _wrap(text: str, width: int) -> str:
    return "<br>".join(textwrap.wrap(_plotly_text(text), width)) or ""


def _metric_heading(metric: Mapping) -> str:
    """The metric's title with its unit, for table headings: "Waste recycled (%)"."""
    title = str(metric.get("title") or "Value")
    unit = _unit(metric)
    return f"{title} ({unit})" if unit else title


def axis_title(metric: Mapping, width: int = 40) -> str:
    """The value axis title: the metric (wrapped) and, on its own line, which way is better."""
    lines = _wrap(_metric_heading(metric), width)
    direction = direction_text(metric)
    return f"{lines}<br>{direction}" if direction else lines


def _lower_first(text: str) -> str:
    """Lower-case a title's first letter for use mid-sentence, unless it is an acronym."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _value_axis(metric: Mapping, width: int = 40) -> dict:
    unit = _unit(metric)
    axis = {
        "title": {"text": axis_title(metric, width), "font": {"size": FONT["size"]}},
        "automargin": True,
        "zeroline": False,
        "gridcolor": GRID,
        "separatethousands": True,
    }
    if unit.lower() in PERCENT_UNITS:
        axis["ticksuffix"] = "%"
    elif unit.startswith("£"):
        axis["tickprefix"] = "£"
    return axis


# --- JSON --------------------------------------------------------------------------------------


def _plain(obj: Any) -> Any:
    """Standard-JSON-ready copy: numpy to lists and scalars, ``bdata`` decoded, NaN to None."""
    if isinstance(obj, Mapping):
        if "bdata" in obj and "dtype" in obj:
            array = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
            if "shape" in obj:
                shape = [int(s) for s in str(obj["shape"]).split(",")]
                array = array.reshape(shape)
            return _plain(array.tolist())
        return {str(key): _plain(value) for key, value in obj.items()}
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, list | tuple):
        return [_plain(item) for item in obj]
    if isinstance(obj, np.generic):
        return _plain(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _figure(data: list, layout: dict) -> dict:
    """Validate with plotly, then return a plain dict without plotly.py's default template."""
    figure = go.Figure(data=data, layout=layout).to_plotly_json()
    figure["layout"].pop("template", None)
    return _plain(figure)


def _base_layout(height: int, **extra: Any) -> dict:
    layout = {
        "autosize": True,
        "height": height,
        "hovermode": "closest",
        "font": FONT,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        # The top margin leaves room for the legend clear of the modebar (top right).
        "margin": {"l": 10, "r": 30, "t": 30, "b": 10, "pad": 4},
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "xref": "container",
            "y": 0,
            "yanchor": "bottom",
            "yref": "container",
            "traceorder": "normal",
        },
        "hoverlabel": {"bgcolor": "white", "font": {"color": BLACK}},
    }
    layout.update(extra)
    return layout


def _records(rows: Any) -> list[Mapping]:
    if rows is None:
        return []
    if hasattr(rows, "to_dict"):  # a pandas DataFrame
        return list(rows.to_dict("records"))
    return list(rows)


def _empty(message: str, columns: list[tuple[str, str]], height: int) -> Chart:
    """A chart with nothing plotted and a "No data" note, for when there is nothing to draw."""
    layout = _base_layout(
        height,
        showlegend=False,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": NO_DATA,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 16, "color": DARK_GREY},
            }
        ],
    )
    layout.pop("legend")
    figure = _figure([], layout)
    return Chart(figure=figure, summary=message, table=[], columns=columns, display_rows=[])


def _display_rows(table: list[dict], columns: list[tuple[str, str]], formatters: dict) -> list:
    return [
        [
            formatters.get(key, str)(row[key]) if row[key] != NO_DATA else NO_DATA
            for key, _ in columns
        ]
        for row in table
    ]


def _quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile, as ``comparisons`` (Excel QUARTILE.INC)."""
    return float(np.quantile(np.asarray(values, dtype="float64"), q))


# --- 1. one metric across a comparison group --------------------------------------------------


def _position_phrase(value: float, stats: Mapping, polarity: str) -> str | None:
    """Where ``value`` sits against the quartiles, in words; ties go to the better quarter,
    as in docs/method/comparison-statistics.md."""
    lq, med, uq = (_number(stats.get(s)) for s in ("lower_quartile", "median", "upper_quartile"))
    if lq is None or med is None or uq is None:
        return None
    if value == med and lq < med < uq:
        return "at the median"
    if polarity == LOWER_BETTER:
        if value <= lq:
            return "in the lowest quarter"
        if value <= med:
            return "below the median, but not in the lowest quarter"
        if value <= uq:
            return "above the median, but not in the highest quarter"
        return "in the highest quarter"
    if value >= uq:
        return "in the highest quarter"
    if value >= med:
        return "above the median, but not in the highest quarter"
    if value >= lq:
        return "below the median, but not in the lowest quarter"
    return "in the lowest quarter"


def _target_phrase(
    value: float, values: list[float], target: float, metric: Mapping, councils: str
) -> str:
    """Where ``value`` sits by distance from the target, ``councils`` being "16 councils"."""
    distances = [abs(v - target) for v in values]
    d = abs(value - target)
    target_text = format_value(target, metric)
    if d <= _quantile(distances, 0.25):
        return f"among the quarter of {councils} closest to the target of {target_text}"
    if d <= _quantile(distances, 0.75):
        return f"in the middle half of {councils} by distance from the target of {target_text}"
    return f"among the quarter of {councils} furthest from the target of {target_text}"


def group_distribution(
    rows: Any,
    *,
    metric: Mapping,
    highlight: str | None,
    stats: Mapping | None,
    group_label: str = "councils",
) -> Chart:
    """Councils' values for one metric and period, as a dot plot ordered by value.

    ``rows``: dicts ``{gss_code, name, value}`` (``value`` None or NaN when missing);
    ``stats``: ``{n, median, lower_quartile, upper_quartile}`` as stored for the group;
    ``highlight``: the GSS code to draw distinctly, or None; ``group_label`` names the
    councils in the summary ("similar councils").

    Each council is a row, highest value at the top, named on the axis (up to
    ``NAMED_ROWS_MAX`` councils; beyond that the names are hover text only). The median is a
    black line and the interquartile range a grey band, both from ``stats``. The table lists
    the councils in the chart's order, then those with no data.
    """
    stats = stats or {}
    polarity = metric.get("polarity") or NEUTRAL
    columns = [("name", "Council"), ("value", _metric_heading(metric))]
    plotted, missing = _distribution_rows(_records(rows))
    table = [
        {**r, "highlight": r["gss_code"] == highlight}
        for r in [*reversed(plotted), *(r | {"value": NO_DATA} for r in missing)]
    ]
    display_rows = _display_rows(table, columns, {"value": lambda v: format_value(v, metric)})
    title = _lower_first(str(metric.get("title") or "this measure"))
    if not plotted:
        chart = _empty(f"No data: no council has a value for {title}.", columns, 200)
        return Chart(chart.figure, chart.summary, table, columns, display_rows)

    k = len(plotted)
    named = k <= NAMED_ROWS_MAX
    chosen = [(y, r) for y, r in enumerate(plotted) if r["gss_code"] == highlight]
    lq, med, uq = (_number(stats.get(s)) for s in ("lower_quartile", "median", "upper_quartile"))
    values = [r["value"] for r in plotted]
    target = _target(metric) if polarity == TARGET else None
    extent = values + [v for v in (lq, uq, target) if v is not None]
    low, high = min(extent), max(extent)
    data = [_others_trace(plotted, highlight, named, bool(chosen), group_label, metric)]
    if chosen:
        data.append(_highlight_trace(*chosen[0], (low, high), med, named, metric))
    layout = _base_layout(
        (ROW_HEIGHT * k if named else 420) + 190,
        xaxis={**_value_axis(metric), "range": _padded(low, high)},
        yaxis=_distribution_yaxis(plotted, named, group_label),
        shapes=_distribution_shapes(lq, med, uq, target, k, group_label, metric),
    )
    n = int(_number(stats.get("n")) or k)
    summary = _distribution_summary(
        chosen[0][1] if chosen else None,
        highlight_name=next(
            (r["name"] for r in [*plotted, *missing] if r["gss_code"] == highlight), None
        ),
        values=values,
        metric=metric,
        polarity=polarity,
        stats=stats,
        n=n,
        group_label=group_label,
        title=title,
    )
    direction = direction_text(metric)
    if direction:
        summary += f" {direction}."
    if polarity != NEUTRAL and too_few_for_quartiles(n):
        summary += f" {TOO_FEW_FOR_QUARTILES}"
    return Chart(_figure(data, layout), summary, table, columns, display_rows)


def _distribution_rows(records: list[Mapping]) -> tuple[list[dict], list[dict]]:
    """The councils with a value, lowest first (plotly's y axis runs upwards), and those
    without one, by name."""
    rows = sorted(
        (
            {"gss_code": r.get("gss_code"), "name": str(r.get("name") or r.get("gss_code"))}
            | {"value": _number(r.get("value"))}
            for r in records
        ),
        key=lambda r: (r["value"] is None, -(r["value"] or 0.0), r["name"]),
    )
    missing = [r for r in rows if r["value"] is None]
    plotted = [r for r in rows if r["value"] is not None]
    plotted.reverse()
    return plotted, missing


def _hover(r: Mapping, metric: Mapping) -> str:
    return f"{_plotly_text(r['name'])}: {format_value(r['value'], metric)}"


def _others_trace(
    plotted: list[dict],
    highlight: str | None,
    named: bool,
    has_chosen: bool,
    group_label: str,
    metric: Mapping,
) -> go.Scatter:
    """The councils other than the highlighted one, as grey dots."""
    others = [(y, r) for y, r in enumerate(plotted) if r["gss_code"] != highlight]
    return go.Scatter(
        x=[r["value"] for _, r in others],
        y=[y for y, _ in others],
        mode="markers",
        name=f"Other {group_label}" if has_chosen else group_label.capitalize(),
        marker={"symbol": "circle", "size": 9 if named else 6, "color": DARK_GREY},
        hovertext=[_hover(r, metric) for _, r in others],
        hovertemplate="%{hovertext}<extra></extra>",
        legendrank=2,
    )


def _highlight_trace(
    y: int, r: dict, extent: tuple[float, float], med: float | None, named: bool, metric: Mapping
) -> go.Scatter:
    """The highlighted council: a blue diamond with its value beside it.

    The label goes on the side away from the median, clear of the lines, unless that side is
    short of room. The name is already on the axis when councils are named, so the label is
    then just the value.
    """
    low, high = extent
    x_low, x_high = _padded(low, high)
    outward_left = r["value"] < (med if med is not None else (low + high) / 2)
    room = (r["value"] - x_low) if outward_left else (x_high - r["value"])
    left = outward_left if room >= 0.25 * (x_high - x_low) else not outward_left
    label = format_value(r["value"], metric) if named else _hover(r, metric)
    return go.Scatter(
        x=[r["value"]],
        y=[y],
        mode="markers+text",
        name=_plotly_text(r["name"]),
        text=[f"{label}"],
        textposition="middle left" if left else "middle right",
        textfont={"color": BLUE},
        marker=HIGHLIGHT_MARKER,
        hovertext=[_hover(r, metric)],
        hovertemplate="%{hovertext}<extra></extra>",
        cliponaxis=False,
        legendrank=1,
    )


def _distribution_shapes(
    lq: float | None,
    med: float | None,
    uq: float | None,
    target: float | None,
    k: int,
    group_label: str,
    metric: Mapping,
) -> list[dict]:
    """The middle-half band, the median line and the target line, each in the legend."""
    shapes = []
    span = {"xref": "x", "yref": "y", "y0": -0.5, "y1": k - 0.5, "showlegend": True}
    if lq is not None and uq is not None:
        shapes.append(
            {
                "type": "rect",
                **span,
                "x0": lq,
                "x1": uq,
                "fillcolor": LIGHT_GREY,
                "line": {"color": MID_GREY, "width": 1},
                "layer": "below",
                "name": f"Middle half of {group_label}: "
                f"{format_value(lq, metric)} to {format_value(uq, metric)}",
                "legendrank": 4,
            }
        )
    lines = [
        (med, {"color": BLACK, "width": 2}, "Median", 3),
        (target, {"color": DARK_GREY, "width": 2, "dash": "dot"}, "Target", 5),
    ]
    for x, line, word, rank in lines:
        if x is not None:
            shapes.append(
                {
                    "type": "line",
                    **span,
                    "x0": x,
                    "x1": x,
                    "line": line,
                    "layer": "between",
                    "name": f"{word}: {format_value(x, metric)}",
                    "legendrank": rank,
                }
            )
    return shapes


def _distribution_yaxis(plotted: list[dict], named: bool, group_label: str) -> dict:
    """One row per council, named when there are few enough to read."""
    k = len(plotted)
    yaxis = {
        "tickmode": "array",
        "tickvals": list(range(k)),
        "ticktext": [_plotly_text(r["name"]) for r in plotted],
        "showticklabels": named,
        "range": [-0.75, k - 0.25] if named else [-1 - k * 0.01, k + k * 0.01],
        "showgrid": named,
        "zeroline": False,
        "automargin": True,
        "fixedrange": True,
    }
    if named:
        yaxis["gridcolor"] = GRID
    else:
        yaxis["title"] = {"text": f"{group_label.capitalize()}, in order of value"}
    return yaxis


def _padded(low: float, high: float) -> list[float]:
    span = high - low or abs(high) or 1.0
    return [low - span * 0.06, high + span * 0.06]


def _distribution_summary(
    chosen: dict | None,
    *,
    highlight_name: str | None,
    values: list[float],
    metric: Mapping,
    polarity: str,
    stats: Mapping,
    n: int,
    group_label: str,
    title: str,
) -> str:
    med = _number(stats.get("median"))
    median = f"the median is {format_value(med, metric)}" if med is not None else None
    fmt = lambda v: format_value(v, metric)  # noqa: E731
    if chosen is not None:
        value = chosen["value"]
        target = _target(metric)
        councils = f"{n} {group_label}"
        if too_few_for_quartiles(n):
            where = f"is one of {councils}"
        elif polarity == TARGET and target is not None:
            where = f"is {_target_phrase(value, values, target, metric, councils)}"
        else:
            phrase = _position_phrase(value, stats, polarity)
            where = f"is {phrase} of {councils}" if phrase else f"is one of {councils}"
        text = f"{chosen['name']}'s value, {fmt(value)}, {where}"
        return f"{text}; {median}." if median else f"{text}."
    lead = f"{highlight_name} has no value for {title}. " if highlight_name else ""
    spread = f"The values of {n} {group_label} range from {fmt(min(values))} to {fmt(max(values))}"
    return f"{lead}{spread}; {median}." if median else f"{lead}{spread}."


# --- 2. a council over time against its group -------------------------------------------------


def _merge_periods(first: list[str], second: list[str]) -> list[str]:
    """Both lists in chronological order: all periods, each once, in a consistent order."""
    merged = list(dict.fromkeys(first))
    for i, period in enumerate(second):
        if period in merged:
            continue
        before = next((p for p in reversed(second[:i]) if p in merged), None)
        merged.insert(merged.index(before) + 1 if before is not None else 0, period)
    return merged


def time_series(
    points: Any,
    *,
    metric: Mapping,
    group_points: Any,
    council_name: str,
    group_label: str = "group",
    reference_points: Any = None,
    reference_name: str = "England",
) -> Chart:
    """A council's value over time, with the group median and interquartile band.

    ``points``: ``{period, value}`` dicts; ``group_points``: ``{period, median,
    lower_quartile, upper_quartile}`` dicts; both in chronological order, which is the order
    of the category x axis. A missing value leaves a gap in the line. ``reference_points``
    (``{period, value}``), where the source publishes a figure for the whole nation, are
    drawn as a dotted line named ``reference_name``, for the periods already on the chart.
    """
    own = {str(p["period"]): _number(p.get("value")) for p in _records(points)}
    reference = {str(p["period"]): _number(p.get("value")) for p in _records(reference_points)}
    group = {
        str(g["period"]): {
            k: _number(g.get(k)) for k in ("median", "lower_quartile", "upper_quartile")
        }
        for g in _records(group_points)
    }
    periods = _merge_periods(list(own), list(group))
    references = [reference.get(p) for p in periods]
    has_reference = any(v is not None for v in references)
    columns, table = _series_table(
        periods, own, group, references if has_reference else None, council_name, group_label
    )
    if has_reference:
        columns.append(("reference", str(reference_name)))
    fmt = lambda v: format_value(v, metric)  # noqa: E731
    formatters = {k: fmt for k, _ in columns[1:]}
    title = _lower_first(str(metric.get("title") or "this measure"))
    has_own = any(v is not None for v in own.values())
    has_group = any(v is not None for s in group.values() for v in s.values())
    if not has_own and not has_group:
        chart = _empty(f"No data: there are no values for {title}.", columns, 400)
        return Chart(chart.figure, chart.summary, table, columns, _display_rows(table, columns, {}))

    medians = [group.get(p, {}).get("median") for p in periods]
    values = [own.get(p) for p in periods]
    target = _target(metric) if metric.get("polarity") == TARGET else None
    lines = [
        _band_trace(periods, group, group_label),
        _median_trace(periods, medians, group_label, fmt),
        _council_trace(periods, values, _plotly_text(council_name), fmt),
        _reference_trace(periods, references, _plotly_text(str(reference_name)), fmt)
        if has_reference
        else None,
        _target_trace(periods, target, fmt) if target is not None and periods else None,
    ]
    figure = _figure([line for line in lines if line is not None], _series_layout(periods, metric))
    summary = _time_series_summary(
        values, medians, periods, metric, str(council_name), title, group_label
    )
    if has_reference:
        summary += f" {reference_name}'s own figure is the dotted line."
    summary += _unbanded_note(periods, group, group_label)
    return Chart(figure, summary, table, columns, _display_rows(table, columns, formatters))


def _series_layout(periods: list[str], metric: Mapping) -> dict:
    """Periods across as categories, in the given order; the measure up."""
    xaxis = {
        "type": "category",
        "categoryorder": "array",
        "categoryarray": periods,
        "automargin": True,
        "showgrid": False,
        "title": {"text": "Period", "font": {"size": FONT["size"]}},
    }
    return _base_layout(460, xaxis=xaxis, yaxis=_value_axis(metric))


def _unbanded_note(periods: list[str], group: dict, group_label: str) -> str:
    """Says which periods have a median but too few councils for a middle half."""
    unbanded = [
        p
        for p in periods
        if group.get(p, {}).get("median") is not None and group[p].get("lower_quartile") is None
    ]
    if not unbanded:
        return ""
    return (
        f" No middle half is shown for {', '.join(unbanded)}: fewer than "
        f"{MIN_COUNCILS_FOR_QUARTILES} councils in the {group_label} had a figure."
    )


def _series_table(
    periods: list[str],
    own: dict,
    group: dict,
    references: list | None,
    council_name: str,
    group_label: str,
) -> tuple[list[tuple[str, str]], list[dict]]:
    """The table's columns (without the reference column) and one row per period, with the
    reference figure when there is one."""
    columns = [
        ("period", "Period"),
        ("value", str(council_name)),
        ("median", f"{group_label.capitalize()} median"),
        ("lower_quartile", "Lower quartile"),
        ("upper_quartile", "Upper quartile"),
    ]
    table = []
    for i, period in enumerate(periods):
        stats = group.get(period, {})
        row = {"period": period, "value": own.get(period)} | {
            k: stats.get(k) for k in ("median", "lower_quartile", "upper_quartile")
        }
        if references is not None:
            row["reference"] = references[i]
        table.append({k: NO_DATA if v is None else v for k, v in row.items()})
    return columns, table


def _band_trace(periods: list[str], group: dict, group_label: str) -> go.Scatter | None:
    """The middle half: one closed shape per run of periods with both quartiles."""
    band_x: list[Any] = []
    band_y: list[Any] = []
    run: list[str] = []
    for period in [*periods, None]:
        stats = group.get(period, {}) if period is not None else {}
        if stats.get("lower_quartile") is not None and stats.get("upper_quartile") is not None:
            run.append(period)
            continue
        if run:
            if band_x:
                band_x.append(None)
                band_y.append(None)
            band_x += run + run[::-1]
            band_y += [group[p]["upper_quartile"] for p in run]
            band_y += [group[p]["lower_quartile"] for p in run[::-1]]
            run = []
    if not band_x:
        return None
    return go.Scatter(
        x=band_x,
        y=band_y,
        mode="lines",
        fill="toself",
        fillcolor=LIGHT_GREY,
        line={"color": MID_GREY, "width": 1},
        name=f"Middle half of the {group_label}",
        hoverinfo="skip",
        legendrank=4,
    )


def _median_trace(
    periods: list[str], medians: list, group_label: str, fmt: Callable
) -> go.Scatter | None:
    if all(v is None for v in medians):
        return None
    return go.Scatter(
        x=periods,
        y=medians,
        mode="lines+markers",
        name=f"{group_label.capitalize()} median",
        line={"color": BLACK, "width": 2, "dash": "dash"},
        marker={"symbol": "square", "size": 7, "color": BLACK},
        hovertext=[
            f"{group_label.capitalize()} median, {p}: {fmt(v)}"
            for p, v in zip(periods, medians, strict=True)
        ],
        hovertemplate="%{hovertext}<extra></extra>",
        legendrank=2,
    )


def _council_trace(periods: list[str], values: list, name: str, fmt: Callable) -> go.Scatter | None:
    """The council's own line, its latest value written beside the last point."""
    known = [i for i, v in enumerate(values) if v is not None]
    if not known:
        return None
    last = known[-1]
    return go.Scatter(
        x=periods,
        y=values,
        mode="lines+markers+text",
        name=name,
        line={"color": BLUE, "width": 3},
        marker={
            "symbol": "circle",
            "size": 10,
            "color": BLUE,
            "line": {"color": "white", "width": 1},
        },
        text=[f"{fmt(v)}" if i == last else "" for i, v in enumerate(values)],
        textposition="top center",
        textfont={"color": BLUE},
        hovertext=[f"{name}, {p}: {fmt(v)}" for p, v in zip(periods, values, strict=True)],
        hovertemplate="%{hovertext}<extra></extra>",
        cliponaxis=False,
        legendrank=1,
    )


def _reference_trace(periods: list[str], references: list, label: str, fmt: Callable) -> go.Scatter:
    return go.Scatter(
        x=periods,
        y=references,
        mode="lines+markers",
        name=label,
        line={"color": DARK_GREY, "width": 2, "dash": "dot"},
        marker={"symbol": "diamond", "size": 8, "color": DARK_GREY},
        hovertext=[f"{label}, {p}: {fmt(v)}" for p, v in zip(periods, references, strict=True)],
        hovertemplate="%{hovertext}<extra></extra>",
        legendrank=3,
    )


def _target_trace(periods: list[str], target: float, fmt: Callable) -> go.Scatter:
    return go.Scatter(
        x=[periods[0], periods[-1]],
        y=[target, target],
        mode="lines",
        name=f"Target: {fmt(target)}",
        line={"color": DARK_GREY, "width": 2, "dash": "dot"},
        hoverinfo="skip",
        legendrank=3,
    )


def _time_series_summary(
    values: list,
    medians: list,
    periods: list,
    metric: Mapping,
    name: str,
    title: str,
    group_label: str,
) -> str:
    fmt = lambda v: format_value(v, metric)  # noqa: E731
    known = [i for i, v in enumerate(values) if v is not None]
    direction = direction_text(metric)
    if not known:
        return (
            f"{name} has no values for {title}; the chart shows the {group_label} median "
            f"from {periods[0]} to {periods[-1]}."
        )
    first, last = known[0], known[-1]
    if first == last:
        text = f"{name}'s value was {fmt(values[last])} in {periods[last]}"
    else:
        text = (
            f"{name}'s value went from {fmt(values[first])} in {periods[first]} "
            f"to {fmt(values[last])} in {periods[last]}"
        )
    if medians[last] is not None:
        text += f", when the {group_label} median was {fmt(medians[last])}"
    text += "."
    both = [i for i in known if medians[i] is not None]
    if both:
        above = sum(values[i] > medians[i] for i in both)
        below = sum(values[i] < medians[i] for i in both)
        text += f" It was above the median in {above} of {len(both)} periods"
        if below != len(both) - above:
            text += f" and below it in {below}"
        text += f"; {_lower_first(direction)}." if direction else "."
    elif direction:
        text += f" {direction}."
    return text


# --- 4. one measure against another ----------------------------------------------------------


def scatter(
    rows: Any,
    *,
    x_metric: Mapping,
    y_metric: Mapping,
    highlight: str | None,
    group_label: str = "councils",
) -> Chart:
    """Councils placed by one metric across and another up; ``rows``: ``{gss_code, name, x,
    y}``. Councils missing either value are left off the chart and listed as "No data"."""
    records = [
        {
            "gss_code": r.get("gss_code"),
            "name": str(r.get("name") or r.get("gss_code")),
            "x": _number(r.get("x")),
            "y": _number(r.get("y")),
        }
        for r in _records(rows)
    ]
    records.sort(key=lambda r: r["name"])
    columns = [
        ("name", "Council"),
        ("x", _metric_heading(x_metric)),
        ("y", _metric_heading(y_metric)),
    ]
    table = [
        {k: NO_DATA if v is None else v for k, v in r.items()}
        | {"highlight": r["gss_code"] == highlight}
        for r in records
    ]
    formatters = {
        "x": lambda v: format_value(v, x_metric),
        "y": lambda v: format_value(v, y_metric),
    }
    display_rows = _display_rows(table, columns, formatters)
    x_title = _lower_first(str(x_metric.get("title") or "the first measure"))
    y_title = _lower_first(str(y_metric.get("title") or "the second measure"))
    plotted = [r for r in records if r["x"] is not None and r["y"] is not None]
    if not plotted:
        chart = _empty(
            f"No data: no council has values for both {x_title} and {y_title}.", columns, 480
        )
        return Chart(chart.figure, chart.summary, table, columns, display_rows)

    def hover(r: dict) -> str:
        return (
            f"{_plotly_text(r['name'])}<br>"
            f"{_plotly_text(x_metric.get('title') or 'x')}: {formatters['x'](r['x'])}<br>"
            f"{_plotly_text(y_metric.get('title') or 'y')}: {formatters['y'](r['y'])}"
        )

    chosen = [r for r in plotted if r["gss_code"] == highlight]
    data = _scatter_traces(plotted, highlight, chosen[0] if chosen else None, hover, group_label)
    layout = _base_layout(520, xaxis=_value_axis(x_metric), yaxis=_value_axis(y_metric))
    summary = (
        f"Each dot is one of {len(plotted)} {group_label}, placed by {x_title} across and "
        f"{y_title} up; {_relationship(plotted, x_title, y_title)}."
    )
    if chosen:
        r = chosen[0]
        summary += (
            f" {r['name']} is marked: {formatters['x'](r['x'])} and {formatters['y'](r['y'])}."
        )
    elif highlight is not None:
        name = next((r["name"] for r in records if r["gss_code"] == highlight), None)
        if name:
            summary += f" {name} does not have both values."
    return Chart(_figure(data, layout), summary, table, columns, display_rows)


def _scatter_traces(
    plotted: list[dict],
    highlight: str | None,
    chosen: dict | None,
    hover: Callable,
    group_label: str,
) -> list[go.Scatter]:
    """Grey dots for the councils, and the chosen one as a named blue diamond, its name on
    the side of the chart with more room."""
    others = [r for r in plotted if r["gss_code"] != highlight]
    data = [
        go.Scatter(
            x=[r["x"] for r in others],
            y=[r["y"] for r in others],
            mode="markers",
            name=f"Other {group_label}" if chosen else group_label.capitalize(),
            marker={"symbol": "circle", "size": 9, "color": DARK_GREY, "opacity": 0.8},
            hovertext=[hover(r) for r in others],
            hovertemplate="%{hovertext}<extra></extra>",
            legendrank=2,
        )
    ]
    if chosen is None:
        return data
    xs = [r["x"] for r in plotted]
    right_half = chosen["x"] > (min(xs) + max(xs)) / 2
    data.append(
        go.Scatter(
            x=[chosen["x"]],
            y=[chosen["y"]],
            mode="markers+text",
            name=_plotly_text(chosen["name"]),
            text=[f"{_plotly_text(chosen['name'])}"],
            textposition="top left" if right_half else "top right",
            textfont={"color": BLUE},
            marker=HIGHLIGHT_MARKER,
            hovertext=[hover(chosen)],
            hovertemplate="%{hovertext}<extra></extra>",
            cliponaxis=False,
            legendrank=1,
        )
    )
    return data


def _relationship(plotted: list[dict], x_title: str, y_title: str) -> str:
    """Pearson correlation in words: "little sign of a relationship" below |r| = 0.3."""
    xs = np.array([r["x"] for r in plotted])
    ys = np.array([r["y"] for r in plotted])
    if len(plotted) < 3 or xs.std() == 0 or ys.std() == 0:
        return "there are too few different values to see a relationship"
    r = float(np.corrcoef(xs, ys)[0, 1])
    if abs(r) < 0.3:
        return "there is little sign of a relationship between them"
    direction = "higher" if r > 0 else "lower"
    strength = "clearly tend" if abs(r) >= 0.7 else "tend"
    return f"councils with a higher {x_title} {strength} to have a {direction} {y_title}"


# Distinguishable without colour: each council also gets its own marker shape and dash.
# Eight councils a chart at most (MAX_SERIES), each with its own colour and marker shape (GOV.UK
# colours), so no two lines look alike and none is told apart by colour alone.
SERIES_COLOURS = [
    "#1d70b8",
    "#d53880",
    "#00703c",
    "#f47738",
    "#4c2c92",
    "#505a5f",
    "#28a197",
    "#b58840",
]
SERIES_SYMBOLS = [
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "cross",
    "x",
    "triangle-down",
    "star",
]
SERIES_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash"]
MAX_SERIES = len(SERIES_COLOURS)
#: A line of fewer periods than this says nothing of a trend, and the summary says so.
MIN_PERIODS_FOR_TREND = 4


def multi_series(series: Mapping[str, Any], *, metric: Mapping, periods: Sequence[str]) -> Chart:
    """One measure over time for several councils, a line each, for the compare tool.

    ``series`` maps a council's name to ``{period: value}``; ``periods`` gives the order of
    the x axis, all of one kind (``periods.series_kind``). Lines differ by colour, marker
    shape and dash, so no council is told apart by colour alone; at most ``MAX_SERIES``.
    """
    if len(series) > MAX_SERIES:
        raise ValueError(f"At most {MAX_SERIES} lines on one chart.")
    names = list(series)
    columns = [("period", "Period")] + [(name, name) for name in names]
    table = [{"period": p} | {n: _number(series[n].get(p)) for n in names} for p in periods]
    table = [{k: NO_DATA if v is None else v for k, v in row.items()} for row in table]
    formatters = {name: (lambda v: format_value(v, metric)) for name in names}
    title = _lower_first(str(metric.get("title") or "this measure"))
    if not names or not periods:
        chart = _empty(f"No data: there are no values for {title}.", columns, 400)
        return Chart(chart.figure, chart.summary, table, columns, [])
    data = []
    for i, name in enumerate(names):
        k = i
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _plotly_text(name),
                "x": list(periods),
                "y": [_number(series[name].get(p)) for p in periods],
                "line": {"color": SERIES_COLOURS[k], "dash": SERIES_DASHES[k], "width": 2},
                "marker": {"color": SERIES_COLOURS[k], "symbol": SERIES_SYMBOLS[k], "size": 8},
                "connectgaps": False,
            }
        )
    layout = _base_layout(
        460,
        xaxis={"type": "category", "title": {"text": "Period"}, "gridcolor": GRID},
        yaxis=_value_axis(metric),
        margin={"l": 10, "r": 30, "t": 30, "b": 120, "pad": 4},
    )
    summary = (
        f"{_plotly_text(str(metric.get('title') or 'The measure'))} for {len(names)} "
        f"council{'s' if len(names) != 1 else ''}, {periods[0]} to {periods[-1]}: "
        f"{', '.join(_plotly_text(n) for n in names)}."
    )
    if len(periods) < MIN_PERIODS_FOR_TREND:
        summary += (
            f" {len(periods)} period{'s are' if len(periods) != 1 else ' is'} too few to show "
            "a trend."
        )
    return Chart(
        _figure(data, layout), summary, table, columns, _display_rows(table, columns, formatters)
    )
