"""The small inline charts of a council's dashboard, one per measure."""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from selfreg.stats import xmr_limits

WIDTH, HEIGHT, PAD = 120, 32, 3


def sparkline_svg(series, title: str) -> str:
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
        "title": title,
        "first": first,
        "last": last,
        "count": len(values),
    }
    if unusual:
        summary += _("; %(n)s outside the usual range") % {"n": len(unusual)}
    # Every figure below is a number this function formatted; only the label is text.
    dots = "".join(
        f'<rect x="{cx - 2.5:.1f}" y="{cy - 2.5:.1f}" width="5" height="5" fill="#d4351c"></rect>'
        for cx, cy in unusual
    )
    return mark_safe(  # noqa: S308
        f'<svg class="app-sparkline" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(summary)}" '
        'focusable="false">'
        f'<rect x="0" y="{y(upper):.1f}" width="{WIDTH}" height="{y(lower) - y(upper):.1f}" '
        'fill="#f3f2f1"></rect>'
        f'<line x1="0" x2="{WIDTH}" y1="{y(mean):.1f}" y2="{y(mean):.1f}" stroke="#b1b4b6" '
        'stroke-dasharray="2 2"></line>'
        f'<polyline points="{points}" fill="none" stroke="#1d70b8" stroke-width="2"></polyline>'
        f"{dots}"
        f'<circle cx="{x(len(values) - 1):.1f}" cy="{y(values[-1]):.1f}" r="2.5" '
        'fill="#0b0c0c"></circle>'
        "</svg>"
    )
