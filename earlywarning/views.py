"""Early-warning pages: for sector staff only. No page shows a score or a ranking."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from earlywarning.access import access_council_for_recording, access_council_for_signals
from earlywarning.forms import SignalForm
from earlywarning.models import Category, RecordedSignal, SignalView
from earlywarning.services import signal_record
from selfreg.decorators import sector_staff_required
from selfreg.models import Council


@sector_staff_required
def index(request):
    """Councils with recorded signals and how many of each category: counts, never a score."""
    gss_query = request.GET.get("gss_code", "").strip().upper()
    if gss_query and Council.objects.filter(gss_code=gss_query).exists():
        return redirect("earlywarning:council", gss_code=gss_query)
    counts = {
        category: Count(
            "recorded_signals", filter=Q(recorded_signals__signal_type__category=category)
        )
        for category in Category.values
    }
    councils = (
        Council.objects.filter(recorded_signals__isnull=False)
        .distinct()
        .annotate(**counts)
        .order_by("name")
    )
    rows = [
        {"council": c, "counts": [getattr(c, category) for category in Category.values]}
        for c in councils
    ]
    return render(
        request,
        "earlywarning/index.html",
        {
            "rows": rows,
            "categories": Category.labels,
            "gss_query": gss_query,
            "not_found": bool(gss_query),
        },
    )


@sector_staff_required
def council(request, gss_code):
    council = access_council_for_signals(request.user, gss_code)
    SignalView.objects.create(user=request.user, council=council)
    signals = (
        RecordedSignal.objects.for_council(council)
        .select_related("signal_type", "recorded_by")
        .order_by("-observed_on", "-created_at")
    )
    return render(request, "earlywarning/council.html", {"council": council, "signals": signals})


@sector_staff_required
def record(request, gss_code):
    council = access_council_for_recording(request.user, gss_code)
    form = SignalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signal_record(user=request.user, council=council, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, _("Signal recorded for %(council)s.") % {"council": council.name}
            )
            return redirect("earlywarning:council", gss_code=council.gss_code)
    return render(
        request,
        "earlywarning/record.html",
        {"council": council, "form": form},
        status=400 if form.errors else 200,
    )
