from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from benchmarking import (
    access,
    charts,
    dashboards,
    families,
    hexmap,
    likeness,
    readcache,
    selectors,
    services,
)
from benchmarking import api_docs as api_docs_module
from benchmarking.forms import (
    CompareForm,
    ComparisonGroupForm,
    SaveComparisonForm,
    SharingForm,
)
from benchmarking.groups import (
    BY_MEASURE,
    GroupNotFound,
    codes,
    describe_group,
    group_for_metric,
    resolve_group,
    stored_kinds,
)
from benchmarking.models import Element, Metric, SavedComparison, SimilarityKind
from benchmarking.periods import period_sort_key, sort_periods
from selfreg import access as kernel_access
from selfreg.csvfiles import csv_response
from selfreg.models import GroupingKind, Visibility
from selfreg.pdf import printable


def index(request):
    return render(request, "benchmarking/index.html")


def api_docs(request):
    return render(request, "benchmarking/api_docs.html", {"endpoints": api_docs_module.endpoints()})


@printable
@readcache.shared_page("group", "councils", "ranks", "element", "page", "format")
def council_dashboard(request, gss_code):
    council = kernel_access.access_council_by_gss(request.user, gss_code)
    groupings = council.groupings.exclude(kind=GroupingKind.REGION).distinct()
    form = ComparisonGroupForm(
        request.GET or None,
        council=council,
        has_similar=council.neighbours.exists(),  # in any era: the periods it existed in
        groupings=groupings,
    )
    problem = None
    try:
        group = resolve_group(request.user, form.group_text())
    except GroupNotFound as error:
        problem = str(error)
        group = resolve_group(request.user, f"type:{council.kind}")
    search = request.GET.get("q", "").strip()[:100]
    if request.GET.get("format") == "csv":
        chosen = None
        if search:
            measures = dashboards.dashboard_measures(request.user, council)
            chosen = [m.metric_id for m in dashboards.find_measures(measures, search)]
        return _dashboard_csv(
            dashboards.council_dashboard(request.user, council, group, chosen), council, group
        )
    group_name = describe_group(group)
    page = _dashboard_tables(request, council, group, group_name, form, search)
    shown = page.shown
    keep = request.GET.copy()  # what the search form, parts and pages carry along
    for name in ("q", "element", "page", "format"):
        keep.pop(name, None)
    return render(
        request,
        "benchmarking/council_dashboard.html",
        {
            "council": council,
            "predecessors": council.predecessors.with_gss().order_by("name"),
            "form": form,
            "group": group,
            "group_name": group_name,
            "similar_url": _similar_url(group),
            "group_problem": problem,
            "can_choose_sharing": kernel_access.can_choose_sharing(request.user, council),
            "search": search,
            "keep": keep,
            "shown": shown,
            "sections": page.sections,
            "tables_html": page.html,
            "parts": [
                (element, label, count, _query(keep, q=search, element=element))
                for element, label, count in shown.parts
            ],
            "query": _query(keep, q=search, element=shown.current),
            "attributions": page.attributions,
        },
    )


def _dashboard_tables(request, council, group, group_name, form, search):
    """The dashboard's measures and tables, the tables rendered. Readers who may see the same
    figures share one copy until they change (readcache); searches and custom groups are
    worked out each time."""
    element, page = request.GET.get("element"), request.GET.get("page")

    def compute() -> dashboards.DashboardTables:
        found = dashboards.dashboard_tables(
            request.user, council, group, search=search, element=element, page=page
        )
        row_view = dashboards.RowViews(council=council, group=group, show_ranks=form.show_ranks())
        tables = [(s, dashboards.by_theme([row_view(r) for r in s.rows])) for s in found.sections]
        context = {"tables": tables, "council": council, "group_name": group_name}
        found.html = render_to_string("benchmarking/includes/dashboard_tables.html", context)
        return found

    # Not kept: what could be anything (a search, a made-up page), which would fill the cache.
    if group.is_custom or search or (page and not (page.isdigit() and len(page) < 5)):
        return compute()
    known = element if element in Element.values else None  # any other shows the first part
    parts = (council.pk, group.label, known, page or None, form.show_ranks())
    return readcache.shared(request.user, "dashboard", parts, compute)


def _similar_url(group) -> str:
    """The "Councils like …" page for a group of similar councils, at the group's set."""
    prefix, _sep, gss = group.label.partition(":")
    kind = families.similar_kind(group.label)
    if kind is None and prefix != BY_MEASURE:
        return ""
    url = reverse("benchmarking:similar", args=[gss])
    return f"{url}#{kind}" if kind else url


def _dashboard_csv(sections, council, group):
    rows = [
        {
            "council": council.gss_code,
            "group": group.label,
            "element": section.element,
            "metric": row.metric.code,
            "title": row.metric.title,
            "unit": row.metric.unit,
            "period": row.period,
            "value": row.value,
            "quartile_band": row.quartile_band,
            "n": row.n,
            "median": row.median,
            "lower_quartile": row.lower_quartile,
            "upper_quartile": row.upper_quartile,
            "band_note": str(row.band_words) if row.band == dashboards.TOO_FEW else "",
            "change": row.change,
        }
        for section in sections
        for row in section.rows
    ]
    return csv_response(rows, f"{council.gss_code}-benchmarking.csv")


def _query(params, **more) -> str:
    """``params`` with ``more`` added, leaving out empty values, for a link's query string."""
    query = params.copy()
    for name, value in more.items():
        if value:
            query[name] = value
    return query.urlencode()


@printable
@readcache.shared_page("council", "group", "period")
def metric_detail(request, code):
    """One metric for one period across a comparison group, and over time."""
    metric = get_object_or_404(Metric, code=code)
    council = None
    if request.GET.get("council"):
        council = kernel_access.access_council_by_gss(request.user, request.GET["council"].upper())
    group, problem = _metric_group(request, metric, council)
    group_name = describe_group(group)
    visible = access.visible_values(request.user, metric=metric)
    periods = sort_periods(set(visible.values_list("period", flat=True)))
    period = request.GET.get("period") if request.GET.get("period") in periods else None
    period = period or (periods[-1] if periods else None)
    comparison = None
    if period:
        try:
            comparison = selectors.comparison_read(request.user, metric, period, group)
        except LookupError as error:
            problem = problem or str(error)
    metric_info = metric.chart_info()
    highlight = council.gss_code if council else None
    distribution = history = hex_map = None
    shown = codes(",".join(request.GET.getlist("show")))  # chosen by name, or typed codes
    if comparison:
        hex_map, distribution = _comparison_charts(
            comparison, metric_info, highlight=highlight, shown=shown, group_name=group_name
        )
    if council:
        history = charts.time_series(
            _council_points(visible, council),
            metric=metric_info,
            group_points=selectors.group_history(request.user, metric, group),
            council_name=council.name,
            group_label=group_name,
            reference_points=selectors.reference_history(metric),
        )
    own_value = visible.filter(council=council, period=period).first() if council else None
    query = {"metric": metric.code, "period": period or "latest", "group": group.label}
    return render(
        request,
        "benchmarking/metric_detail.html",
        {
            "metric": metric,
            "attributions": dashboards.attributions([metric]),
            "council": council,
            "group": group,
            "group_name": group_name,
            "similar_url": _similar_url(group),
            "periods": periods,
            "period": period,
            "comparison": comparison,
            "distribution": distribution,
            "history": history,
            "hex_map": hex_map,
            "period_old": dashboards.is_old(period) if period else False,
            "references": selectors.reference_values(metric, period) if period else [],
            "predecessors": selectors.predecessor_history(request.user, metric, council)
            if council
            else None,
            "problem": problem,
            "own_value": own_value,
            "show": shown,
            "show_choices": sorted(
                ((c["gss_code"], c["name"]) for c in comparison.councils), key=lambda c: c[1]
            )
            if comparison
            else [],
            "csv_url": f"{reverse('api_comparison')}?{urlencode({**query, 'format': 'csv'})}",
        },
    )


def _metric_group(request, metric: Metric, council):
    """The comparison group asked for (by default the council's own similar councils for this
    measure, or every council), and the problem to show when it cannot be found."""
    default_group = f"{BY_MEASURE}:{council.gss_code}" if council else "all"
    problem = None
    try:
        group = resolve_group(request.user, request.GET.get("group") or default_group)
    except GroupNotFound as error:
        problem, group = str(error), resolve_group(request.user, "all")
    if group.label.startswith(BY_MEASURE):  # this measure's own set of similar councils
        group = group_for_metric(group, metric, stored_kinds(group.label.partition(":")[2]))
    return group, problem


def _comparison_charts(comparison, metric_info, *, highlight, shown, group_name):
    """The hex map of every council compared, and the distribution of those chosen to show
    (all when none is chosen; the highlighted council always)."""
    layouts = selectors.hex_layouts()
    placed = [c["gss_code"] for c in comparison.councils]
    hex_map = hexmap.hex_map(
        layouts[hexmap.choose_layout(layouts, placed)],
        comparison.councils,
        metric=metric_info,
        highlight=highlight,
        group_label=group_name,
    )
    rows = [
        c
        for c in comparison.councils
        if not shown or c["gss_code"] in shown or c["gss_code"] == highlight
    ]
    distribution = charts.group_distribution(
        rows,
        metric=metric_info,
        highlight=highlight,
        stats=comparison.statistics,
        group_label=group_name,
    )
    return hex_map, distribution


def _council_points(visible, council) -> list[dict]:
    """The council's visible values of the measure, oldest period first."""
    pairs = visible.filter(council=council).values_list("period", "value")
    return [
        {"period": p, "value": v} for p, v in sorted(pairs, key=lambda pv: period_sort_key(pv[0]))
    ]


SET_ORDER = ("people", "place", "finance", "overall")
SET_TEXT = {
    "people": _(
        "Used for education, children's and adults' social care and housing. Chosen on "
        "deprivation, children in poverty and the age of residents."
    ),
    "place": _(
        "Used for waste, roads, planning, leisure and culture. Chosen on population, how "
        "densely people live, area, road length and growth."
    ),
    "finance": _(
        "Used for reserves, debt and budgets. Chosen on population, spending power per "
        "resident and deprivation."
    ),
    "overall": _("Used for measures of no one kind of service. Chosen on every figure below."),
}


def similar_councils(request, gss_code):
    """Councils like this one: each set of similar councils, and what makes them close."""
    council = kernel_access.access_council_by_gss(request.user, gss_code)
    by_kind, figures = selectors.similar_sets(council)
    sections = []
    for kind in SET_ORDER:
        rows = by_kind.get(kind, [])
        if not rows:
            continue
        label = SimilarityKind(kind).label
        codes_near = [r.neighbour.gss_code for r in rows]
        # A figure the set gives no weight did not make these councils similar.
        chosen = [v for v, w in families.set_weights(kind).items() if w > 0]
        table = likeness.profile(figures, council.gss_code, codes_near, chosen)
        nearest, furthest = likeness.nearest_and_furthest(table)
        family_words = _("its %(n)s similar councils") % {"n": len(rows)}
        sections.append(
            {
                "kind": kind,
                "label": label,
                "text": SET_TEXT[kind],
                "nearest": [likeness.words(v) for v in nearest],
                "furthest": [likeness.words(v) for v in furthest],
                "councils": [
                    (
                        r,
                        *[
                            [likeness.words(v) for v in part]
                            for part in likeness.pair_words(r.shares)
                        ],
                    )
                    for r in rows
                ],
                "chart": likeness.profile_chart(
                    table, council_name=council.name, family_words=family_words
                ),
                "csv_url": reverse("api_council_similar", args=[council.gss_code])
                + "?"
                + urlencode({"kind": kind, "format": "csv"}),
            }
        )
    return render(
        request,
        "benchmarking/similar_councils.html",
        {"council": council, "sections": sections},
    )


@login_required
def sharing(request, gss_code):
    """A council's officers choose, per element, who sees its figures."""
    council = kernel_access.access_council_for_sharing(request.user, gss_code)
    current = dict(council.sharing.values_list("element", "visibility"))
    form = SharingForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        moved = 0
        for element, visibility in form.cleaned_data.items():
            if current.get(element, Visibility.PUBLIC) != visibility or element not in current:
                moved += services.sharing_set(
                    user=request.user, council=council, element=element, visibility=visibility
                )
        messages.success(
            request,
            _("Your choices are saved. %(n)s figures changed who can see them.") % {"n": moved},
        )
        return redirect("benchmarking:sharing", gss_code=council.gss_code)
    return render(request, "benchmarking/sharing.html", {"council": council, "form": form})


@readcache.shared_page("metric_1", "metric_2", "metric_3", "councils", "group", "format")
def compare(request, slug=None):
    """The compare tool: measures by councils by periods, as a table, lines and a scatter."""
    saved = get_object_or_404(SavedComparison, slug=slug) if slug else None
    params = saved.query if saved else request.GET
    # Only what the lists of measures show: a model instance for each of thousands of
    # measures took a third of the page's time.
    metrics = Metric.objects.values_list("code", "title", "element", named=True)
    form = CompareForm(params or None, metrics=metrics)
    context = {"form": form, "saved": saved, "save_form": SaveComparisonForm()}
    if form.is_valid():
        try:
            group = resolve_group(request.user, form.group_text())
        except GroupNotFound as error:
            form.add_error("councils" if form.cleaned_data.get("councils") else "group", str(error))
        else:
            context.update(dashboards.compare_tables(request.user, form.metric_codes(), group))
            context["query"] = form.query()
            if request.GET.get("format") == "csv" and not saved:
                return csv_response(context["rows"], "comparison.csv")
    return render(request, "benchmarking/compare.html", context)


@login_required
@require_POST
def compare_save(request):
    form = SaveComparisonForm(request.POST)
    query = dict(QueryDict(request.POST.get("query", "")).items())
    if not form.is_valid() or not query:
        messages.error(request, _("Enter a name for the comparison."))
        return redirect(f"{reverse('benchmarking:compare')}?{request.POST.get('query', '')}")
    saved = services.comparison_save(user=request.user, name=form.cleaned_data["name"], query=query)
    messages.success(request, _("Saved. Anyone with this page's link can open it."))
    return redirect("benchmarking:compare_saved", slug=saved.slug)
