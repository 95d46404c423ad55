"""Figures and sparklines for benchmarking pages."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from benchmarking.charts import format_value, xmr_limits

register = template.Library()

WIDTH, HEIGHT, PAD = 120, 32, 3


@register.filter
def metric_value(value, metric):
    """A value as people read it: the metric's decimals and unit ("56.2%", "£1,204")."""
    return format_value(value, metric.chart_info())


@register.simple_tag
def sparkline(series, metric):
    """A small inline SVG of a series with its usual range (XmR process limits) shaded.

    Server-drawn, with no script, so a dashboard of a hundred metrics stays light. The
    figures are in the table beside it; the SVG is labelled with a one-line summary.
    """
    values = [v for _, v in series if v is not None]
    if len(values) < 2:
        return ""
    mean, lower, upper = xmr_limits(values)
    low = min(values + [lower])
    high = max(values + [upper])
    span = (high - low) or 1.0

    def x(i):
        return PAD + i * (WIDTH - 2 * PAD) / (len(values) - 1)

    def y(v):
        return HEIGHT - PAD - (v - low) * (HEIGHT - 2 * PAD) / span

    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    unusual = [(x(i), y(v)) for i, v in enumerate(values) if v > upper or v < lower]
    first, last = series[0][0], series[-1][0]
    summary = _("%(title)s from %(first)s to %(last)s: %(count)s periods") % {
        "title": metric.title,
        "first": first,
        "last": last,
        "count": len(values),
    }
    if unusual:
        summary += _("; %(n)s outside the usual range") % {"n": len(unusual)}
    return format_html(
        '<svg class="app-sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="{label}" focusable="false">'
        '<rect x="0" y="{top}" width="{w}" height="{band}" fill="#f3f2f1"></rect>'
        '<line x1="0" x2="{w}" y1="{mid}" y2="{mid}" stroke="#b1b4b6" '
        'stroke-dasharray="2 2"></line>'
        '<polyline points="{points}" fill="none" stroke="#1d70b8" stroke-width="2"></polyline>'
        "{dots}"
        '<circle cx="{lx}" cy="{ly}" r="2.5" fill="#0b0c0c"></circle>'
        "</svg>",
        w=WIDTH,
        h=HEIGHT,
        label=summary,
        top=f"{y(upper):.1f}",
        band=f"{y(lower) - y(upper):.1f}",
        mid=f"{y(mean):.1f}",
        points=points,
        dots=format_html_join(
            "",
            '<rect x="{}" y="{}" width="5" height="5" fill="#d4351c"></rect>',
            ((f"{cx - 2.5:.1f}", f"{cy - 2.5:.1f}") for cx, cy in unusual),
        ),
        lx=f"{x(len(values) - 1):.1f}",
        ly=f"{y(values[-1]):.1f}",
    )
