"""Early-warning pages: for sector staff only, apart from the conversation a council is
invited into. Nothing here is published, and councils are never ranked."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from earlywarning.access import (
    access_alert,
    access_conversation,
    access_council_for_recording,
    access_council_for_signals,
    access_recording,
    can_see_signals,
    conversations_for,
)
from earlywarning.forms import (
    AssignForm,
    CorporateEventForm,
    CouncilFindForm,
    MessageForm,
    NoteForm,
    QueueFilterForm,
    RecordCouncilForm,
    SignalForm,
    SupportLinkForm,
    TransitionForm,
)
from earlywarning.models import (
    OPEN_STATES,
    Alert,
    Category,
    CorporateEvent,
    Domain,
    RecordedSignal,
    RiskAssessment,
)
from earlywarning.services import (
    alert_assign,
    alert_invite,
    alert_note,
    alert_support_link,
    alert_transition,
    conversation_post,
    corporate_event_record,
    signal_record,
    signals_viewed,
)
from selfreg.decorators import sector_staff_required
from selfreg.models import Council
from selfreg.refusals import form_page, show_refusal
from selfreg.support import support_options


@sector_staff_required
def index(request):
    """Councils with recorded signals and how many of each category: counts, never a score."""
    find = CouncilFindForm(request.GET or None)
    if find.is_valid():
        return redirect("earlywarning:council", gss_code=find.cleaned_data["gss_code"].gss_code)
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
            "find": find,
        },
    )


@sector_staff_required
def council(request, gss_code):
    council = access_council_for_signals(request.user, gss_code)
    signals_viewed(user=request.user, council=council)
    signals = (
        RecordedSignal.objects.for_council(council)
        .select_related("signal_type", "recorded_by")
        .order_by("-observed_on", "-created_at")
    )
    return render(request, "earlywarning/council.html", {"council": council, "signals": signals})


@login_required
def record_start(request):
    """For sector staff, peers and the political groups' leads: choose the council."""
    access_recording(request.user)
    councils = Council.objects.current().with_gss().order_by("name")
    form = RecordCouncilForm(request.GET or None, councils=councils.values_list("gss_code", "name"))
    if form.is_valid():
        return redirect("earlywarning:record", gss_code=form.cleaned_data["council"])
    return render(
        request,
        "earlywarning/record_start.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def record(request, gss_code):
    """Record soft intelligence about a council. Peers and political leads may record but not
    read back: after recording they return here, never to the council's signals."""
    council = access_council_for_recording(request.user, gss_code)
    staff = can_see_signals(request.user)
    return form_page(
        request,
        SignalForm(request.POST or None),
        lambda data: signal_record(user=request.user, council=council, **data),
        template="earlywarning/record.html",
        context={"council": council, "staff": staff},
        done=_("Signal recorded for %(council)s.") % {"council": council.name},
        to=reverse("earlywarning:council", args=[council.gss_code])
        if staff
        else "earlywarning:record_start",
    )


# --- risk -----------------------------------------------------------------------------------


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


@sector_staff_required
def risk(request, gss_code):
    """A council's latest risk assessment with every contribution in words and in a table."""
    council = access_council_for_signals(request.user, gss_code)
    signals_viewed(user=request.user, council=council)
    stored = RiskAssessment.objects.filter(council=council).order_by("-as_of")
    chosen = request.GET.get("as_of", "")
    assessment = (stored.filter(as_of=chosen).first() if _is_date(chosen) else None) or (
        stored.first()
    )
    history = stored[:12]
    domains = []
    if assessment:
        for code, label in Domain.choices:
            entry = assessment.domains.get(code, {})
            domains.append(
                {
                    "label": label,
                    "points": entry.get("points", 0),
                    "max": entry.get("max", 0),
                    "signals": entry.get("signals", 0),
                }
            )
    alerts = Alert.objects.filter(council=council).order_by("-opened_at")
    return render(
        request,
        "earlywarning/risk.html",
        {
            "council": council,
            "assessment": assessment,
            "domains": domains,
            "history": history,
            "alerts": alerts,
            "domain_labels": dict(Domain.choices),
        },
    )


@sector_staff_required
def corporate(request, gss_code):
    """Record a change of political control or statutory officer; list those recorded."""
    council = access_council_for_signals(request.user, gss_code)
    return form_page(
        request,
        CorporateEventForm(request.POST or None),
        lambda data: corporate_event_record(user=request.user, council=council, **data),
        template="earlywarning/corporate.html",
        context={
            "council": council,
            "events": CorporateEvent.objects.filter(council=council).select_related("recorded_by"),
        },
        done=_("Change recorded for %(c)s.") % {"c": council.name},
        to=reverse("earlywarning:corporate", args=[council.gss_code]),
    )


# --- alerts and triage ----------------------------------------------------------------------


@sector_staff_required
def queue(request):
    """Open alerts, highest band first, then oldest first; filters by region and category."""
    # order_by() first: the register's default ordering (by name) would otherwise make each
    # (region, name) pair distinct and list a region once per council.
    regions = list(
        Council.objects.with_gss()
        .exclude(region="")
        .order_by()
        .values_list("region", flat=True)
        .distinct()
        .order_by("region")
    )
    form = QueueFilterForm(request.GET or None, regions=regions)
    alerts = Alert.objects.open().select_related("council", "assignee")
    if form.is_valid():
        if form.cleaned_data["region"]:
            alerts = alerts.filter(council__region=form.cleaned_data["region"])
        if form.cleaned_data["category"]:
            alerts = alerts.filter(categories__contains=f",{form.cleaned_data['category']},")
    alerts = alerts.order_by("-band_rank", "opened_at")
    today = timezone.localdate()
    rows = [{"alert": a, "age": (today - timezone.localdate(a.opened_at)).days} for a in alerts]
    closed = Alert.objects.exclude(state__in=OPEN_STATES).select_related("council")[:20]
    return render(
        request, "earlywarning/queue.html", {"form": form, "rows": rows, "closed": closed}
    )


def _alert_page(request, alert, status=200, **forms):
    context = {
        "alert": alert,
        "events": alert.events.select_related("user"),
        "links": alert.support_links.all(),
        "conversation": alert.messages.select_related("author"),
        "transition_form": forms.get("transition_form") or TransitionForm(alert=alert),
        "assign_form": forms.get("assign_form")
        or AssignForm(initial={"assignee": alert.assignee_id, "due_on": alert.due_on}),
        "note_form": forms.get("note_form") or NoteForm(prefix="note"),
        "support_form": forms.get("support_form")
        or SupportLinkForm(options=support_options(alert.council)),
        "message_form": forms.get("message_form") or MessageForm(prefix="message"),
        "assessment": RiskAssessment.objects.filter(council=alert.council)
        .order_by("-as_of")
        .first(),
    }
    names = ("transition_form", "assign_form", "note_form", "support_form", "message_form")
    context["failed_forms"] = [context[n] for n in names if context[n].errors]
    return render(request, "earlywarning/alert.html", context, status=status)


@sector_staff_required
def alert(request, pk):
    item = access_alert(request.user, pk)
    signals_viewed(user=request.user, council=item.council)
    return _alert_page(request, item)


def _apply(request, alert, form, key, action, done):
    if form.is_valid():
        with show_refusal(form):
            action(form.cleaned_data)
            messages.success(request, done)
            return redirect("earlywarning:alert", pk=alert.pk)
    return _alert_page(request, alert, status=400, **{key: form})


@sector_staff_required
@require_POST
def alert_transition_view(request, pk):
    item = access_alert(request.user, pk)
    form = TransitionForm(request.POST, alert=item)
    return _apply(
        request,
        item,
        form,
        "transition_form",
        lambda d: alert_transition(
            user=request.user, alert=item, state=d["state"], reason=d["reason"]
        ),
        _("The alert has moved on."),
    )


@sector_staff_required
@require_POST
def alert_assign_view(request, pk):
    item = access_alert(request.user, pk)
    form = AssignForm(request.POST)
    return _apply(
        request,
        item,
        form,
        "assign_form",
        lambda d: alert_assign(
            user=request.user, alert=item, assignee=d["assignee"], due_on=d["due_on"]
        ),
        _("Assignment saved."),
    )


@sector_staff_required
@require_POST
def alert_note_view(request, pk):
    item = access_alert(request.user, pk)
    form = NoteForm(request.POST, prefix="note")
    return _apply(
        request,
        item,
        form,
        "note_form",
        lambda d: alert_note(user=request.user, alert=item, text=d["text"]),
        _("Note added."),
    )


@sector_staff_required
@require_POST
def alert_support_view(request, pk):
    item = access_alert(request.user, pk)
    form = SupportLinkForm(request.POST, options=support_options(item.council))
    return _apply(
        request,
        item,
        form,
        "support_form",
        lambda d: alert_support_link(user=request.user, alert=item, **d["support"]),
        _("Support linked."),
    )


@sector_staff_required
@require_POST
def alert_invite_view(request, pk):
    item = access_alert(request.user, pk)
    alert_invite(user=request.user, alert=item)
    messages.success(request, _("The council's officers can now see the shared messages."))
    return redirect("earlywarning:alert", pk=item.pk)


@sector_staff_required
@require_POST
def alert_message_view(request, pk):
    item = access_alert(request.user, pk)
    form = MessageForm(request.POST, prefix="message")
    return _apply(
        request,
        item,
        form,
        "message_form",
        lambda d: conversation_post(
            user=request.user, alert=item, text=d["text"], shared=d["shared"]
        ),
        _("Message added."),
    )


@login_required
def conversation(request, pk):
    """The conversation a council has been invited into: only the messages shared with it.
    No band, score, signal or note is shown here."""
    item = access_conversation(request.user, pk)
    return form_page(
        request,
        MessageForm(request.POST or None, staff=False),
        lambda data: conversation_post(
            user=request.user, alert=item, text=data["text"], shared=True
        ),
        template="earlywarning/conversation.html",
        context={
            "alert": item,
            "conversation": item.messages.filter(shared_with_council=True).select_related("author"),
        },
        done=_("Message sent."),
        to=reverse("earlywarning:conversation", args=[item.pk]),
        field="text",
    )


@login_required
def conversations(request):
    """The conversations the user's council has been invited into."""
    return render(
        request,
        "earlywarning/conversations.html",
        {"alerts": conversations_for(request.user)},
    )
