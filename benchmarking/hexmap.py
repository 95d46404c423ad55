"""A measure across the country as a hex map: one equal hexagon per council, coloured by
the quarter of its comparison group it falls in.

A pure module, like ``charts``: a HexJSON layout and a comparison's rows in, a ``Chart`` out
(figure, summary and table). Each council is a hexagon drawn as a filled shape, so the map
needs no tiles and no geographic data beyond the HexJSON's columns and rows. Councils outside
the group, or in it without a figure, are light grey; the council in view is outlined in
black and named. Colour is never the only cue: the summary says how many councils fall in
each quarter and where the council in view sits, and the table lists every council.

HexJSON layouts are ``odd-r``: pointy-topped hexagons in rows, odd rows shifted half a hexagon
to the right, rows counted upwards (north is up).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarking.charts import BLACK, Chart, _base_layout, _display_rows, _figure, format_value

# Sequential blues (ColorBrewer), darkest for the best quarter; told apart by lightness.
BAND_COLOURS = {1: "#08519c", 2: "#3182bd", 3: "#6baed6", 4: "#c6dbef"}
OUTSIDE = "#f3f2f1"
EDGE = "#ffffff"
BAND_NAMES = {
    1: "Best quarter",
    2: "Second-best quarter",
    3: "Second-worst quarter",
    4: "Worst quarter",
}
NEUTRAL_NAMES = {1: "Highest quarter", 2: "Second-highest", 3: "Second-lowest", 4: "Lowest"}
NO_BAND = "In the group, no quarter"
NOT_SHOWN = "Outside the group or no figure"
RADIUS = 1 / math.sqrt(3)  # a hexagon one unit wide
ROW_STEP = 1.5 * RADIUS


def centre(q: int, r: int, layout: str = "odd-r") -> tuple[float, float]:
    """The centre of hexagon (q, r): odd rows (even rows for ``even-r``) sit half a
    hexagon to the right."""
    shifted = (r % 2 == 1) if layout == "odd-r" else (r % 2 == 0)
    return q + (0.5 if shifted else 0.0), r * ROW_STEP


def corners(x: float, y: float) -> list[tuple[float, float]]:
    """The six corners of a pointy-topped hexagon, closed (the first corner repeated)."""
    points = [
        (
            x + RADIUS * math.cos(math.radians(30 + 60 * k)),
            y + RADIUS * math.sin(math.radians(30 + 60 * k)),
        )
        for k in range(6)
    ]
    return [*points, points[0]]


def choose_layout(layouts: Mapping[str, Mapping], codes: Sequence[str]) -> str:
    """The name of the layout that places the most of these councils (the first on a tie)."""
    return max(layouts, key=lambda name: sum(code in layouts[name]["hexes"] for code in codes))


def hex_map(
    layout: Mapping[str, Any],
    rows: Sequence[Mapping],
    *,
    metric: Mapping,
    highlight: str | None = None,
    group_label: str = "the group",
) -> Chart:
    """The map of ``layout`` (parsed HexJSON) for a comparison's ``rows`` (each with
    ``gss_code``, ``name``, ``value`` and ``quartile_band``)."""
    hexes = layout["hexes"]
    names = NEUTRAL_NAMES if metric.get("polarity") == "neutral" else BAND_NAMES
    by_code = {r["gss_code"]: r for r in rows if r.get("value") is not None}
    cells = _cells(layout, by_code, names, metric=metric, highlight=highlight)
    data = _band_traces(cells.shapes, names)
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": cells.hover_x,
            "y": cells.hover_y,
            "text": cells.hover_text,
            "hoverinfo": "text",
            "marker": {"size": 8, "opacity": 0},
            "showlegend": False,
        }
    )
    annotations = []
    if cells.outline:
        outline, annotation = _outline(*cells.outline)
        data.append(outline)
        annotations.append(annotation)
    height = 120 + 22 * (max(int(c["r"]) for c in hexes.values()) + 1)
    figure = _figure(
        data,
        _base_layout(
            height,
            xaxis={"visible": False},
            yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1},
            annotations=annotations,
        ),
    )
    return Chart(
        figure=figure,
        summary=_summary(rows, by_code, names, highlight, group_label, hexes),
        table=_table(rows, names),
        columns=COLUMNS,
        display_rows=_display_rows(
            _table(rows, names), COLUMNS, {"value": lambda v: format_value(v, metric)}
        ),
    )


@dataclass
class _Cells:
    """Every hexagon's outline, grouped by fill, and the hover points over their centres."""

    shapes: dict[Any, tuple[list, list]] = field(default_factory=dict)
    hover_x: list = field(default_factory=list)
    hover_y: list = field(default_factory=list)
    hover_text: list = field(default_factory=list)
    outline: tuple | None = None  # the highlighted council's (corners, name, x, y)


def _cells(layout, by_code, names, *, metric, highlight) -> _Cells:
    """Place each council of the layout, filled by its quarter ("none" when it has a value but
    no quarter, "outside" when it is not compared), with its hover text."""
    kind = layout.get("layout", "odd-r")
    cells = _Cells()
    for code, cell in layout["hexes"].items():
        x, y = centre(int(cell["q"]), int(cell["r"]), kind)
        row = by_code.get(code)
        band = row.get("quartile_band") if row else None
        key = band if band in BAND_COLOURS else ("none" if row else "outside")
        xs, ys = cells.shapes.setdefault(key, ([], []))
        points = corners(x, y)
        xs += [p[0] for p in points] + [None]
        ys += [p[1] for p in points] + [None]
        name = row["name"] if row else cell.get("n", code)
        if row:
            words = names.get(band, NO_BAND)
            cells.hover_text.append(f"{name}: {format_value(row['value'], metric)} ({words})")
        else:
            cells.hover_text.append(f"{name}: {NOT_SHOWN.lower()}")
        cells.hover_x.append(x)
        cells.hover_y.append(y)
        if code == highlight:
            cells.outline = (points, name, x, y)
    return cells


def _band_traces(shapes, names) -> list[dict]:
    """One filled trace per quarter (and for no quarter, and not compared), in legend order."""
    legend = [(b, names[b], BAND_COLOURS[b]) for b in (1, 2, 3, 4)]
    legend += [("none", NO_BAND, "#ffffff"), ("outside", NOT_SHOWN, OUTSIDE)]
    traces = []
    for key, label, colour in legend:
        if key not in shapes:
            continue
        xs, ys = shapes[key]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": xs,
                "y": ys,
                "fill": "toself",
                "fillcolor": colour,
                "line": {"color": "#b1b4b6" if key in ("none", "outside") else EDGE, "width": 1},
                "name": label,
                "hoverinfo": "skip",
            }
        )
    return traces


def _outline(points, name, x, y) -> tuple[dict, dict]:
    """The highlighted council: a thick outline and a labelled arrow."""
    trace = {
        "type": "scatter",
        "mode": "lines",
        "x": [p[0] for p in points],
        "y": [p[1] for p in points],
        "line": {"color": BLACK, "width": 3},
        "name": name,
        "hoverinfo": "skip",
    }
    annotation = {
        "x": x,
        "y": y,
        "text": name,
        "ax": 40,
        "ay": -30,
        "arrowcolor": BLACK,
        "font": {"color": BLACK},
    }
    return trace, annotation


COLUMNS = [("name", "Council"), ("gss_code", "Code"), ("value", "Value"), ("band", "Quarter")]


def _table(rows: Sequence[Mapping], names: Mapping) -> list[dict]:
    return [
        {
            "name": r["name"],
            "gss_code": r["gss_code"],
            "value": r["value"],
            "band": names.get(r.get("quartile_band"), NO_BAND),
        }
        for r in sorted(rows, key=lambda r: r["name"])
        if r.get("value") is not None
    ]


def _summary(rows, by_code, names, highlight, group_label, hexes) -> str:
    by_code = {code: row for code, row in by_code.items() if code in hexes}
    counts = dict.fromkeys(names, 0)
    for row in by_code.values():
        if row.get("quartile_band") in counts:
            counts[row["quartile_band"]] += 1
    quarters = ", ".join(f"{counts[b]} in the {names[b].lower()}" for b in names)
    text = (
        f"A map of {len(hexes)} councils, one hexagon each. {len(by_code)} councils in "
        f"{group_label} have a figure and are coloured by their quarter of the group, "
        f"darkest for the {names[1].lower()}: {quarters}."
    )
    if len(hexes) > len(by_code):
        text += f" The other {len(hexes) - len(by_code)} are grey."
    if highlight in by_code:
        row = by_code[highlight]
        where = names.get(row.get("quartile_band"), NO_BAND).lower()
        text += f" {row['name']} is outlined in black, in the {where}."
    return text
