"""The financial resilience page: published finance figures about one council, readable by
anyone. The risk band and recorded signals are never on it (they stay with sector staff)."""

import math

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from benchmarking import charts
from earlywarning import resilience, selectors
from earlywarning.access import access_council_for_resilience, resilience_visibilities
from selfreg.csvfiles import csv_response

CSV_COLUMNS = (
    "indicator",
    "title",
    "unit",
    "riskier",
    "period",
    "value",
    "change_3y",
    "change_5y",
    "group_n",
    "group_median",
    "group_lower_quartile",
    "group_upper_quartile",
    "share_below",
)


def _indicators(request, gss_code):
    council = access_council_for_resilience(request.user, gss_code)
    values, neighbours, by_type = selectors.resilience_inputs(
        council, resilience_visibilities(request.user)
    )
    table = resilience.resilience(values, {council.gss_code: neighbours})
    entries = resilience.council_indicators(table, council.gss_code)
    return council, (neighbours, by_type), entries


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _text(value, indicator, *, change: bool = False) -> str:
    value = _number(value)
    if value is None:
        return "–"
    sign = "+" if change and value > 0 else ""
    if indicator.unit == "years":
        if not change and value >= resilience.YEARS_CAP:
            return _("%(n)s or more years") % {"n": f"{resilience.YEARS_CAP:g}"}
        return _("%(n)s years") % {"n": f"{sign}{value:.1f}"}
    return f"{sign}{value:.1f}" + (_(" points") if change else "%")


def _section(entry, council):
    indicator, rows = entry["indicator"], entry["rows"]
    metric = {"title": indicator.title, "unit": indicator.unit, "polarity": "neutral"}
    metric["decimals"] = 1
    chart = None
    if rows:
        chart = charts.time_series(
            [{"period": r["period"], "value": r["value"]} for r in rows],
            metric=metric,
            group_points=[
                {
                    "period": r["period"],
                    "median": _number(r["group_median"]),
                    "lower_quartile": _number(r["group_lower_quartile"]),
                    "upper_quartile": _number(r["group_upper_quartile"]),
                }
                for r in rows
            ],
            council_name=council.name,
            group_label=_("similar councils"),
        )
    latest = rows[-1] if rows else None
    return {
        "indicator": indicator,
        "chart": chart,
        "chart_id": f"chart-{indicator.code}",
        "latest": latest,
        "level": _text(latest["value"], indicator) if latest else "–",
        "change_3y": _text(latest["change_3y"], indicator, change=True) if latest else "–",
        "change_5y": _text(latest["change_5y"], indicator, change=True) if latest else "–",
        "median": _text(latest["group_median"], indicator) if latest else "–",
        "share_below": (
            f"{latest['share_below']:.0f}%"
            if latest and _number(latest["share_below"]) is not None
            else "–"
        ),
        "riskier": _("Higher") if indicator.riskier == resilience.HIGH else _("Lower"),
    }


def resilience_page(request, gss_code):
    """Each indicator's level, trend and position among similar councils, with a chart and a
    table, and the reasons where one cannot be made from the loaded data."""
    council, (neighbours, by_type), entries = _indicators(request, gss_code)
    sections = [_section(e, council) for e in entries]
    return render(
        request,
        "earlywarning/resilience.html",
        {
            "council": council,
            "sections": sections,
            "shown": [s for s in sections if s["chart"]],
            "neighbours": len(neighbours),
            "by_type": by_type,
            "has_data": any(s["chart"] for s in sections),
            "csv_url": reverse("earlywarning:resilience_csv", args=[council.gss_code]),
        },
    )


def resilience_csv(request, gss_code):
    """Every figure on the page, one row per indicator and year."""
    council, _neighbours, entries = _indicators(request, gss_code)
    rows = [
        {
            "indicator": e["indicator"].code,
            "title": e["indicator"].title,
            "unit": e["indicator"].unit,
            "riskier": e["indicator"].riskier,
            **{k: _number(row.get(k)) for k in CSV_COLUMNS[4:]},
        }
        for e in entries
        for row in e["rows"]
    ]
    return csv_response(
        rows, f"{council.gss_code}-financial-resilience.csv", header=list(CSV_COLUMNS)
    )
