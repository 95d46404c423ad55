"""What the benchmarking pages show: a council's dashboard and the compare tool, each read in
a fixed number of queries.

For each metric with a value the user may see: the latest value, where it sits in the chosen
comparison group (quartile band read with the metric's polarity, the group's median and
interquartile range), the change since the previous period, and the series for a sparkline.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from benchmarking import access, charts, readcache, selectors
from benchmarking.charts import format_value
from benchmarking.comparisons import (
    MIN_COUNCILS_FOR_QUARTILES,
    compare,
    positions_one_in_each,
    too_few_for_quartiles,
)
from benchmarking.families import similar_kind
from benchmarking.groups import BY_MEASURE, Group, group_for_metric, stored_kinds
from benchmarking.models import Audience, ComparisonStatistic, Element, Metric, Polarity
from benchmarking.periods import (
    CALENDAR_YEAR,
    FINANCIAL_YEAR,
    QUARTER,
    PeriodError,
    parse_period,
    previous_period,
    sort_periods,
    split_by_series_kind,
)
from benchmarking.sparklines import sparkline_svg

STAT_KEYS = ("n", "median", "lower_quartile", "upper_quartile")
POSITION_KEYS = ("quartile_band", "percentile", "rank", "change")
NOT_BANDED = "neutral"
TOO_FEW = "too_few"


def too_few_words() -> str:
    """Why a group has no quarters and no middle half, in words."""
    return gettext(
        "Not banded: fewer than %(minimum)s councils in the group have a figure, too few to "
        "give quarters or a middle half"
    ) % {"minimum": MIN_COUNCILS_FOR_QUARTILES}


BAND_WORDS = {
    1: _("Best quarter"),
    2: _("Second-best quarter"),
    3: _("Second-worst quarter"),
    4: _("Worst quarter"),
    NOT_BANDED: _("Not banded: neither higher nor lower is better"),
    TOO_FEW: lazy(too_few_words, str)(),
    None: _("Not compared"),
}
# GOV.UK tag colours for the quarters; the words carry the meaning, not the colour.
BAND_TAGS = {
    1: "govuk-tag--blue",
    2: "govuk-tag--light-blue",
    3: "govuk-tag--yellow",
    4: "govuk-tag--orange",
}
DIRECTION_WORDS = {
    "better": _("Better"),
    "worse": _("Worse"),
    "same": _("No change"),
    "up": _("Up"),
    "down": _("Down"),
}


@dataclass
class DashboardRow:
    metric: Metric
    period: str
    value: float
    series: list[tuple[str, float]]
    n: int | None = None
    median: float | None = None
    lower_quartile: float | None = None
    upper_quartile: float | None = None
    quartile_band: int | None = None
    percentile: float | None = None
    rank: int | None = None
    change: float | None = None

    @property
    def band(self) -> int | str | None:
        """The key of BAND_WORDS: the quarter, NOT_BANDED, or None where not compared."""
        if self.metric.polarity == Polarity.NEUTRAL:
            return NOT_BANDED
        if self.quartile_band is None and too_few_for_quartiles(self.n):
            return TOO_FEW
        return self.quartile_band if self.quartile_band in BAND_WORDS else None

    @property
    def band_words(self):
        return BAND_WORDS[self.band]

    @property
    def change_text(self) -> str:
        return self.change_in(_("points"))

    def change_in(self, points) -> str:
        """The change with its sign; percentages change by ``points``, not per cent."""
        if self.change is None:
            return ""
        sign = "+" if self.change > 0 else ""
        if self.metric.unit.strip() == "%":
            return f"{sign}{self.change:,.{self.metric.decimals}f} {points}"
        return sign + format_value(self.change, self.metric.chart_info())

    @property
    def band_tag(self) -> str:
        """GOV.UK tag colours for the bands; the words carry the meaning, not the colour."""
        return BAND_TAGS.get(self.quartile_band, "govuk-tag--grey")

    @property
    def direction(self) -> str:
        """Direction of travel in words, read with the metric's polarity."""
        if self.change is None:
            return ""
        if self.change == 0:
            return "same"
        if self.metric.polarity == Polarity.HIGHER_BETTER:
            return "better" if self.change > 0 else "worse"
        if self.metric.polarity == Polarity.LOWER_BETTER:
            return "better" if self.change < 0 else "worse"
        if self.metric.polarity == Polarity.TARGET and self.metric.target_value is not None:
            before = self.value - self.change
            target = self.metric.target_value
            closer = abs(self.value - target) < abs(before - target)
            return "better" if closer else "worse"
        return "up" if self.change > 0 else "down"


@dataclass
class ElementSection:
    element: str
    label: str
    rows: list[DashboardRow] = field(default_factory=list)


def council_dashboard(
    user, council, group: Group, metric_ids: list[int] | None = None
) -> list[ElementSection]:
    """One section per element, each with a row per metric the user may see for the council
    (only ``metric_ids``, when given), by title.

    A fixed number of queries whatever the number of metrics: the council's visible values,
    the metrics they belong to, and the council's positions in the group (or, for a custom
    group, the group's values, compared now).
    """
    values = access.visible_values(user, council=council)
    if metric_ids is not None:
        values = values.filter(metric_id__in=metric_ids)
    series: dict[int, list[tuple[str, float]]] = defaultdict(list)
    own = list(values.values_list("metric_id", "period", "value", "sample_size", "visibility"))
    for metric_id, period, value, _sample, _visibility in own:
        series[metric_id].append((period, value))
    metrics = Metric.objects.in_bulk(list(series))
    latest = {}
    for metric_id, points in series.items():
        order = sort_periods([p for p, _ in points])
        by_period = dict(points)
        series[metric_id] = [(p, by_period[p]) for p in order]
        latest[metric_id] = order[-1]

    positions = (
        _custom_positions(user, council, group, metrics, latest)
        if group.is_custom
        else _stored_positions(user, council, group, latest, metrics, own)
    )
    sections = {e: ElementSection(e, str(label)) for e, label in Element.choices}
    for metric_id, metric in sorted(metrics.items(), key=lambda item: _order(item[1])):
        period = latest[metric_id]
        row = DashboardRow(
            metric=metric,
            period=period,
            value=dict(series[metric_id])[period],
            series=series[metric_id],
            **positions.get(metric_id, {}),
        )
        sections[metric.element].rows.append(row)
    return [s for s in sections.values() if s.rows]


# A dashboard of up to ALL_ON_ONE_PAGE measures shows them all at once; a bigger one shows one
# element at a time, PAGE_ROWS measures a page.
ALL_ON_ONE_PAGE = 150
PAGE_ROWS = 100


def _order(metric: Metric) -> tuple[str, str]:
    """Dashboards list measures by theme, then by title, in each element."""
    return (metric.theme, metric.title)


@dataclass(frozen=True)
class Measure:
    """A measure on a council's dashboard, before its figures are read."""

    metric_id: int
    code: str
    title: str
    element: str


def dashboard_measures(user, council) -> list[Measure]:
    """Every measure of which the user may see a value for the council, by title: one query,
    which on PostgreSQL reads the council's values from an index alone."""
    visible = access.visible_values(user, council=council).values("metric_id")
    rows = (
        Metric.objects.filter(pk__in=visible)
        .order_by("theme", "title")
        .values_list("pk", "code", "title", "element")
    )
    return [Measure(*row) for row in rows]


def find_measures(measures: list[Measure], text: str) -> list[Measure]:
    """The measures whose title or code contains ``text``, in any case."""
    needle = text.casefold()
    return [m for m in measures if needle in f"{m.title} {m.code}".casefold()]


@dataclass
class DashboardPage:
    """Which measures one page of a dashboard shows."""

    metric_ids: list[int]
    found: int  # measures found, on every page
    parts: list[tuple[str, str, int]] = field(default_factory=list)  # element, label, count
    current: str = ""  # the element shown, when the dashboard is split
    page: Page | None = None


def dashboard_page(
    measures: list[Measure], *, element: str | None, page: str | None
) -> DashboardPage:
    """All the measures of a small dashboard; one element, a page at a time, of a big one."""
    if len(measures) <= ALL_ON_ONE_PAGE:
        return DashboardPage(metric_ids=[m.metric_id for m in measures], found=len(measures))
    by_element = defaultdict(list)
    for measure in measures:
        by_element[measure.element].append(measure)
    parts = [(e, str(label), len(by_element[e])) for e, label in Element.choices if by_element[e]]
    current = element if element in by_element else parts[0][0]
    in_part = by_element[current]
    # Pages of positions in the part, not of measures: a page is small to keep (readcache).
    shown = Paginator(range(len(in_part)), PAGE_ROWS).get_page(page)
    return DashboardPage(
        metric_ids=[in_part[i].metric_id for i in shown.object_list],
        found=len(measures),
        parts=parts,
        current=current,
        page=shown,
    )


@dataclass
class DashboardTables:
    """What a dashboard page shows of its measures: which ones, their rows by element and the
    sources to credit; `html`, the rows as the page shows them, is the view's to fill."""

    shown: DashboardPage
    sections: list[ElementSection]
    attributions: list[str]
    html: str = ""


def dashboard_tables(
    user,
    council,
    group: Group,
    *,
    search: str,
    element: str | None,
    page: str | None,
) -> DashboardTables:
    """One page of a council's dashboard, as the user may see it."""
    measures = dashboard_measures(user, council)
    if search:
        measures = find_measures(measures, search)
    shown = dashboard_page(measures, element=element, page=page)
    sections = council_dashboard(user, council, group, shown.metric_ids)
    return DashboardTables(
        shown=shown,
        sections=sections,
        attributions=attributions(r.metric for s in sections for r in s.rows),
    )


def attributions(metrics) -> list[str]:
    """What a printed page says of its figures' sources: each measure's attribution, or its
    source where it has none, once each."""
    return sorted({m.attribution or m.source for m in metrics if m.attribution or m.source})


@dataclass(frozen=True)
class RowView:
    """A dashboard row as its page shows it, every text already worked out."""

    href: str
    title: str
    polarity: str
    value: str
    period: str
    band: str
    band_tag: str  # a GOV.UK tag class, empty where the row is not placed in a quarter
    count: str
    median: str
    middle_half: str
    change: str
    sparkline: str
    theme: str = ""
    dated: str = ""  # says the figure is old, where it is


# A figure whose period ended more than this many years ago is marked as old.
OLD_AFTER_YEARS = 3


def is_old(period: str, today: date | None = None) -> bool:
    """Whether the period ended more than OLD_AFTER_YEARS years before today."""
    today = today or date.today()
    try:
        end = parse_period(period).end
    except PeriodError:
        return False
    try:
        limit = today.replace(year=today.year - OLD_AFTER_YEARS)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year - OLD_AFTER_YEARS, day=28)
    return end < limit


def by_theme(rows: list) -> list[tuple[str, list]]:
    """Rows (already in theme order) in runs of one theme each."""
    runs: list[tuple[str, list]] = []
    for row in rows:
        if not runs or runs[-1][0] != row.theme:
            runs.append((row.theme, []))
        runs[-1][1].append(row)
    return runs


class RowViews:
    """Turns dashboard rows into RowViews for one page.

    A dashboard of a few hundred measures repeats the same few dozen phrases on every row,
    so each is translated once per page here rather than once per row in the template.
    """

    def __init__(self, *, council, group: Group, show_ranks: bool):
        self.query = "?" + urlencode({"council": council.gss_code, "group": group.label})
        self.show_ranks = show_ranks
        self.bands = {key: str(words) for key, words in BAND_WORDS.items()}
        self.directions = {key: str(words) for key, words in DIRECTION_WORDS.items()}
        self.polarities = {value: str(label) for value, label in Polarity.choices}
        self.points = str(_("points"))
        self.to = str(_("to"))
        self.old = str(_("More than %(years)s years old") % {"years": OLD_AFTER_YEARS})
        self.counts: dict[tuple[int | None, int], str] = {}

    def __call__(self, row: DashboardRow) -> RowView:
        info = row.metric.chart_info()
        banded = row.quartile_band is not None and row.band != NOT_BANDED
        has_median = row.median is not None
        has_quartiles = row.lower_quartile is not None and row.upper_quartile is not None
        return RowView(
            href=reverse("benchmarking:metric", args=[row.metric.code]) + self.query,
            title=row.metric.title,
            polarity=self.polarities.get(row.metric.polarity, ""),
            value=format_value(row.value, info),
            period=row.period,
            band=self.bands[row.band],
            band_tag=row.band_tag if banded else "",
            count=self._count(row),
            median=format_value(row.median, info) if has_median else "–",
            middle_half=(
                f"{format_value(row.lower_quartile, info)} {self.to} "
                f"{format_value(row.upper_quartile, info)}"
                if has_quartiles and not too_few_for_quartiles(row.n)
                else ""
            ),
            change=self._change(row),
            sparkline=sparkline_svg(row.series, row.metric.title),
            theme=row.metric.theme,
            dated=self.old if is_old(row.period) else "",
        )

    def _count(self, row: DashboardRow) -> str:
        if not row.n:
            return ""
        rank = row.rank if self.show_ranks else None
        key = (rank, row.n)
        if key not in self.counts:
            if rank:
                text = ngettext(
                    "ranked %(rank)s of %(counter)s council",
                    "ranked %(rank)s of %(counter)s councils",
                    row.n,
                )
            else:
                text = ngettext("of %(counter)s council", "of %(counter)s councils", row.n)
            self.counts[key] = text % {"rank": rank, "counter": row.n}
        return self.counts[key]

    def _change(self, row: DashboardRow) -> str:
        if row.change is None:
            return "–"
        words = self.directions[row.direction]
        return f"{words} ({row.change_in(self.points)})" if row.change else words


def _stored_positions(
    user, council, group: Group, latest: dict[int, str], metrics: dict[int, Metric], own: list
) -> dict[int, dict]:
    """The council's position in each metric's stored comparison of its latest period, derived
    from the group's sorted values; ``own`` are the council's values the user may see, from
    which those that count in the comparison's audience give the sample size and change."""
    if not latest:
        return {}
    # A by-measure group reads each metric in its own set's group.
    kinds = stored_kinds(council.gss_code) if group.label.startswith(BY_MEASURE) else None
    label_of = {m: group_for_metric(group, metrics[m], kinds).label for m in latest}
    metrics_by_place = defaultdict(list)
    for metric_id, period in latest.items():
        metrics_by_place[period, label_of[metric_id]].append(metric_id)
    wanted = Q()  # each metric's own latest period and group, not those of any other metric
    for (period, label), metric_ids in metrics_by_place.items():
        wanted |= Q(period=period, group=label, metric_id__in=metric_ids)
    statistics = ComparisonStatistic.objects.filter(
        wanted, audience__in=access.audiences_of(user)
    ).only("metric_id", "period", "group", "audience", *STAT_KEYS, "sorted_values", "council_ids")
    chosen: dict[int, ComparisonStatistic] = {}
    for statistic in statistics:
        metric_id = statistic.metric_id
        if statistic.period != latest.get(metric_id) or statistic.group != label_of[metric_id]:
            continue
        # The sector's figures, where they exist, include more councils' values.
        if metric_id in chosen and statistic.audience != Audience.SECTOR:
            continue
        chosen[metric_id] = statistic
    own_by_metric = defaultdict(list)
    for row in own:
        own_by_metric[row[0]].append(row)
    placed = []  # (metric id, statistic, the group's sorted values, the council's value)
    facts: dict[str, list] = {name: [] for name in PLACING_FACTS}
    for metric_id, statistic in chosen.items():
        at = np.flatnonzero(statistic.councils_in_order() == council.pk)
        if not len(at):
            continue
        values = statistic.values_in_order()
        placed.append((metric_id, statistic, values, values[at[0]]))
        counted = selectors.audience_filter(statistic.audience)
        mine = {
            period: (value, sample)
            for _m, period, value, sample, visibility in own_by_metric[metric_id]
            if visibility in counted
        }
        metric = metrics[metric_id]
        facts["polarity"].append(metric.polarity)
        facts["target_value"].append(metric.target_value)  # None is read as missing
        facts["scale"].append(metric.scale)
        facts["sample_size"].append(mine.get(statistic.period, (None, None))[1])
        facts["previous_value"].append(mine.get(_previous(statistic.period), (None, None))[0])
    records = positions_one_in_each(
        [values for _m, _s, values, _v in placed], [v for *_rest, v in placed], **facts
    )
    return {
        metric_id: {
            **{k: getattr(statistic, k) for k in STAT_KEYS},
            **{k: record[k] for k in POSITION_KEYS},
        }
        for (metric_id, statistic, _values, _value), record in zip(placed, records, strict=True)
    }


PLACING_FACTS = ("polarity", "target_value", "scale", "sample_size", "previous_value")


def _custom_positions(user, council, group: Group, metrics, latest) -> dict[int, dict]:
    """Compare the council with a custom group now, every metric at once (one query)."""
    wanted = {(m, p) for m, p in latest.items()} | {
        (m, previous) for m, p in latest.items() if (previous := _previous(p))
    }
    rows = access.visible_values(
        user, council_id__in=group.council_ids, metric_id__in=list(latest)
    ).values_list("council_id", "metric_id", "period", "value", "sample_size")
    frame = pd.DataFrame.from_records(
        [r for r in rows if (r[1], r[2]) in wanted],
        columns=["gss_code", "metric", "period", "value", "sample_size"],
    )
    if frame.empty:
        return {}
    frame["group"] = group.label
    frame["polarity"] = frame["metric"].map(lambda m: metrics[m].polarity)
    frame["target_value"] = frame["metric"].map(lambda m: metrics[m].target_value)
    frame["scale"] = frame["metric"].map(lambda m: metrics[m].scale)
    for column in ("value", "sample_size", "target_value", "scale"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    stats, positions = compare(frame)
    stats = stats.set_index(["metric", "period"])
    mine = positions[positions["gss_code"] == council.pk]
    found = {}
    for row in mine.to_dict("records"):
        if row["period"] != latest[row["metric"]]:
            continue
        group_stats = stats.loc[(row["metric"], row["period"])]
        found[row["metric"]] = {
            **{k: selectors.plain(group_stats[k]) for k in STAT_KEYS},
            **{k: selectors.plain(row[k]) for k in POSITION_KEYS},
        }
    return found


def _previous(label: str) -> str | None:
    try:
        return previous_period(label)
    except PeriodError:
        return None


MAX_COMPARE_COUNCILS = 60  # a table and chart people can still read
MAX_LINES = charts.MAX_SERIES
KIND_WORDS = {
    CALENDAR_YEAR: _("Calendar years"),
    FINANCIAL_YEAR: _("Financial years"),
    QUARTER: _("Quarters"),
}


def kind_words(kind: str) -> str:
    """A kind of period from ``periods.series_kind`` in words."""
    if kind in KIND_WORDS:
        return str(KIND_WORDS[kind])
    years = int(kind.partition(":")[2] or 0)
    return ngettext("Periods of %(years)s year", "Periods of %(years)s years", years) % {
        "years": years
    }


def compare_tables(user, codes_chosen: list[str], group) -> dict:
    """The compare tool's figures: measures by councils by periods as rows; the first measure
    over time, one chart per kind of period so that a line never joins a single year to a
    pooled span; and a scatter of the first two measures at the latest period both have.

    Every council of the group is accounted for: drawn, not drawn (named), without figures
    for the first measure (named), or beyond the MAX_COMPARE_COUNCILS shown (counted).
    Readers who may see the same figures share one copy until they change (readcache)."""
    if group.is_custom:
        return _compare_tables(user, codes_chosen, group)
    parts = (tuple(codes_chosen), group.label)
    return readcache.shared(
        user, "compare", parts, lambda: _compare_tables(user, codes_chosen, group)
    )


def _compare_tables(user, codes_chosen: list[str], group) -> dict:
    by_code = Metric.objects.in_bulk(codes_chosen, field_name="code")
    chosen = [by_code[c] for c in codes_chosen if c in by_code]
    if chosen and group.label.startswith(BY_MEASURE):  # one set for the table: the first's
        kinds = stored_kinds(group.label.partition(":")[2])
        group = group_for_metric(group, chosen[0], kinds)
    everyone = selectors.group_councils(group)
    councils = everyone[:MAX_COMPARE_COUNCILS]
    values = access.visible_values(user, metric__in=chosen, council__in=councils).values_list(
        "council_id", "metric_id", "period", "value"
    )
    found = {(c, m, p): v for c, m, p, v in values}
    periods = sort_periods({p for _c, _m, p in found})
    rows = _compare_rows(found, chosen, councils, periods)
    first = chosen[0] if chosen else None
    line_charts = []
    with_figures = []
    if first:
        line_charts, with_figures = _compare_lines(found, first, councils)
    scatter = scatter_period = None
    if len(chosen) >= 2:
        highlight = group.label.partition(":")[2] if similar_kind(group.label) else None
        scatter, scatter_period = _compare_scatter(
            found, chosen[:2], councils, periods, highlight=highlight
        )
    return {
        "chosen": chosen,
        "councils": councils,
        "truncated": len(everyone) > MAX_COMPARE_COUNCILS,
        "hidden_count": max(len(everyone) - MAX_COMPARE_COUNCILS, 0),
        "not_drawn": [c.name for c in with_figures[MAX_LINES:]],
        "no_figures": [c.name for c in councils if c not in with_figures] if first else [],
        "periods": periods,
        "rows": rows,
        "display_rows": [
            (r["council"], r["period"], [format_value(r[m.code], m.chart_info()) for m in chosen])
            for r in rows
        ],
        "line_charts": line_charts,
        "scatter": scatter,
        "scatter_period": scatter_period,
    }


def _compare_rows(found: dict, chosen: list, councils: list, periods: list[str]) -> list[dict]:
    """A row for each council and period with a figure for any chosen measure."""
    rows = []
    for council in councils:
        for period in periods:
            cells = {m.code: found.get((council.pk, m.pk, period)) for m in chosen}
            if any(v is not None for v in cells.values()):
                rows.append(
                    {
                        "gss_code": council.gss_code,
                        "council": council.name,
                        "period": period,
                        **cells,
                    }
                )
    return rows


def _compare_lines(found: dict, first, councils: list) -> tuple[list[dict], list]:
    """The first measure over time, one chart per kind of period, drawn for the first
    MAX_LINES councils with figures; and every council with figures for it."""
    first_periods = sort_periods({p for (_c, m, p) in found if m == first.pk})
    with_figures = [c for c in councils if any((c.pk, first.pk, p) in found for p in first_periods)]
    drawn = with_figures[:MAX_LINES]
    line_charts = []
    for i, (kind, kind_periods) in enumerate(split_by_series_kind(first_periods).items()):
        series = {c.name: {p: found.get((c.pk, first.pk, p)) for p in kind_periods} for c in drawn}
        line_charts.append(
            {
                "kind": kind_words(kind),
                "chart_id": f"chart-lines-{i + 1}",
                "chart": charts.multi_series(
                    series, metric=first.chart_info(), periods=kind_periods
                ),
            }
        )
    return line_charts, with_figures


def _compare_scatter(found: dict, pair: list, councils: list, periods: list[str], *, highlight):
    """The scatter of two measures at the latest period both have, and that period (None and
    None when they share no period)."""
    x_metric, y_metric = pair
    both = [
        p
        for p in periods
        if any(
            (c.pk, x_metric.pk, p) in found and (c.pk, y_metric.pk, p) in found for c in councils
        )
    ]
    if not both:
        return None, None
    period = both[-1]
    points = [
        {
            "gss_code": c.gss_code,
            "name": c.name,
            "x": found.get((c.pk, x_metric.pk, period)),
            "y": found.get((c.pk, y_metric.pk, period)),
        }
        for c in councils
    ]
    scatter = charts.scatter(
        points, x_metric=x_metric.chart_info(), y_metric=y_metric.chart_info(), highlight=highlight
    )
    return scatter, period
