"""Writing early-warning signals. Every write checks who may make it and keeps its history."""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from earlywarning import inspections, risk, selectors, thresholds
from earlywarning.access import can_join_conversation, can_record_signal, can_see_signals
from earlywarning.models import (
    BAND_ORDER,
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertReason,
    AlertState,
    Band,
    ConversationMessage,
    CorporateEvent,
    CorporateEventKind,
    InspectionResult,
    RecordedSignal,
    RiskAssessment,
    SignalSource,
    SignalType,
    SignalView,
    SupportLink,
)
from earlywarning.validation import validate_corporate_rows, validate_signal_rows
from selfreg.emails import email_send, officer_addresses, portal_link
from selfreg.jobs import job_enqueue
from selfreg.models import Council
from selfreg.refusals import Refused, refuse_invalid
from selfreg.support import support_options


def _check_recorder(user) -> None:
    if not can_record_signal(user):
        raise PermissionDenied("Only sector staff and peers can record a signal.")


def signal_record(
    *,
    user,
    council: Council,
    signal_type: SignalType,
    observed_on: datetime.date,
    severity: int,
    evidence: str,
    source_url: str = "",
    critical: bool = False,
) -> RecordedSignal:
    """Record one signal about a council. Refused if a field is wrong.

    A signal marked critical opens an alert (or joins the council's open one)."""
    _check_recorder(user)
    signal = RecordedSignal(
        council=council,
        signal_type=signal_type,
        observed_on=observed_on,
        severity=severity,
        evidence=evidence.strip(),
        source_url=source_url.strip(),
        critical=critical,
        recorded_by=user,
    )
    _refuse_invalid_record(signal, day="observed_on")
    with transaction.atomic():
        signal._history_user = user
        signal.save()
        if critical:
            alert_open_for_signal(signal=signal, user=user)
        _enqueue_risk_recompute()
    return signal


def signals_import(*, rows_frame: pd.DataFrame, user) -> list[RecordedSignal]:
    """Check a whole file of signals, then record them all in one transaction.

    Any problem in any row raises FileProblems listing every problem; nothing is written.
    """
    _check_recorder(user)
    councils = dict(Council.objects.with_gss().values_list("gss_code", "id"))
    types = dict(SignalType.objects.filter(source=SignalSource.RECORDED).values_list("code", "id"))
    rows = validate_signal_rows(
        rows_frame,
        councils=set(councils),
        signal_codes=set(types),
        today=timezone.localdate(),
        url_length=RecordedSignal._meta.get_field("source_url").max_length,
    )
    signals = [
        RecordedSignal(
            council_id=councils[row.gss_code],
            signal_type_id=types[row.signal_code],
            observed_on=row.observed_on,
            severity=row.severity,
            evidence=row.evidence,
            source_url=row.source_url,
            recorded_by=user,
        )
        for row in rows
    ]
    return _records_save(signals, user=user)


def _refuse_invalid_record(record, *, day: str) -> None:
    """Refuse a signal or change that is not valid or whose date (the field `day`) is still to
    come."""
    refuse_invalid(record)
    if getattr(record, day) > timezone.localdate():
        raise Refused("The date cannot be in the future.", field=day)


def _records_save(records: list, *, user) -> list:
    """Save a checked file's records in one transaction, each with its history, then ask for
    the risk scores again."""
    with transaction.atomic():
        for record in records:
            record._history_user = user
            record.save()
        _enqueue_risk_recompute()
    return records


def signal_types_load(*, frame: pd.DataFrame) -> tuple[int, int, int]:
    """Create or update the catalogue from its file. Returns (created, updated, unchanged)."""
    fields = (
        "name",
        "category",
        "description",
        "default_weight",
        "half_life_months",
        "source",
        "domain",
        "social_care_only",
    )
    created = updated = unchanged = 0
    with transaction.atomic():
        for record in frame.to_dict("records"):
            values = {
                "name": record["name"].strip(),
                "category": record["category"].strip(),
                "description": record["description"].strip(),
                "default_weight": float(record["default_weight"]),
                "half_life_months": int(record["half_life_months"]),
                "source": record["source"].strip(),
                "domain": record["domain"].strip(),
                "social_care_only": record["social_care_only"].strip().lower() == "true",
            }
            existing = SignalType.objects.filter(code=record["code"].strip()).first()
            if existing is None:
                signal_type = SignalType(code=record["code"].strip(), **values)
                signal_type.full_clean()
                signal_type.save()
                created += 1
            elif any(getattr(existing, f) != values[f] for f in fields):
                for field, value in values.items():
                    setattr(existing, field, value)
                existing.full_clean()
                existing.save()
                updated += 1
            else:
                unchanged += 1
    return created, updated, unchanged


# --- inspection outcomes --------------------------------------------------------------------

INSPECTION_FIELDS = ("published_on", "judgement", "concern", "source_file")


@dataclass
class InspectionLoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # (gss_code, regime, reason) for every row not written.
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    # (gss_code, regime, judgement) for rows written whose judgement is unreadable.
    unreadable: list[tuple[str, str, str]] = field(default_factory=list)


def _date(value) -> datetime.date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return None
    return pd.Timestamp(value).date()


def inspections_load(*, frame: pd.DataFrame) -> InspectionLoadReport:
    """Create or update one result per (council, regime) from the tidy table, in one
    transaction. Rows whose GSS code is not in the register, or whose council had been
    abolished before the result was published, are skipped and reported."""
    report = InspectionLoadReport()
    councils = {c.gss_code: c for c in Council.objects.with_gss()}
    with transaction.atomic():
        existing = {
            (r.council_id, r.regime): r
            for r in InspectionResult.objects.select_for_update().filter(
                regime__in=set(frame["regime"])
            )
        }
        for record in frame.to_dict("records"):
            gss, regime = record["gss_code"], record["regime"]
            council = councils.get(gss)
            published_on = _date(record["published_on"])
            if council is None:
                report.skipped.append((gss, regime, "GSS code not in the council register"))
                continue
            if council.end_date and published_on and council.end_date <= published_on:
                report.skipped.append(
                    (
                        gss,
                        regime,
                        f"{council} was abolished on {council.end_date}, before "
                        f"publication on {published_on}",
                    )
                )
                continue
            values = {
                "published_on": published_on,
                "judgement": str(record["judgement"]).strip(),
                "concern": bool(record["concern"]),
                "source_file": str(record["source_file"]),
            }
            if not record.get("readable", True):
                report.unreadable.append((gss, regime, values["judgement"]))
            result = existing.get((council.id, regime))
            if result is None:
                result = InspectionResult(council=council, regime=regime, **values)
                result.full_clean(validate_unique=False)
                result.save()
                existing[(council.id, regime)] = result
                report.created += 1
            elif any(getattr(result, f) != values[f] for f in INSPECTION_FIELDS):
                for name, value in values.items():
                    setattr(result, name, value)
                result.full_clean(validate_unique=False)
                result.save()
                report.updated += 1
            else:
                report.unchanged += 1
        if report.created or report.updated:
            _enqueue_risk_recompute()
    return report


# --- corporate changes ----------------------------------------------------------------------


# The task that reassesses every council today (named here: services do not import tasks).
RISK_RECOMPUTE_TASK = "earlywarning.tasks.risk_recompute_task"


def _enqueue_risk_recompute() -> None:
    """Reassess risk once the change commits (kept if the queue is down)."""
    job_enqueue(RISK_RECOMPUTE_TASK)


def corporate_event_record(
    *,
    user,
    council: Council,
    kind: str,
    occurred_on: datetime.date,
    description: str,
    source_url: str = "",
) -> CorporateEvent:
    """Record a change of political control or statutory officer. Refused if wrong."""
    if not can_see_signals(user):
        raise PermissionDenied("Only sector staff can record a corporate change.")
    event = CorporateEvent(
        council=council,
        kind=kind,
        occurred_on=occurred_on,
        description=description.strip(),
        source_url=source_url.strip(),
        recorded_by=user,
    )
    _refuse_invalid_record(event, day="occurred_on")
    with transaction.atomic():
        event._history_user = user
        event.save()
        _enqueue_risk_recompute()
    return event


def corporate_events_import(*, rows_frame: pd.DataFrame, user) -> list[CorporateEvent]:
    """Check a whole file of corporate changes, then record them all in one transaction.
    Any problem raises FileProblems listing every problem; nothing is written."""
    if not can_see_signals(user):
        raise PermissionDenied("Only sector staff can record a corporate change.")
    councils = dict(Council.objects.with_gss().values_list("gss_code", "id"))
    rows = validate_corporate_rows(
        rows_frame,
        councils=set(councils),
        kinds=set(CorporateEventKind.values),
        existing={
            (gss, kind, day)
            for gss, kind, day in CorporateEvent.objects.values_list(
                "council__gss_code", "kind", "occurred_on"
            )
        },
        today=timezone.localdate(),
        url_length=CorporateEvent._meta.get_field("source_url").max_length,
    )
    events = [
        CorporateEvent(
            council_id=councils[row.gss_code],
            kind=row.kind,
            occurred_on=row.occurred_on,
            description=row.description,
            source_url=row.source_url,
            recorded_by=user,
        )
        for row in rows
    ]
    return _records_save(events, user=user)


# --- risk assessments -----------------------------------------------------------------------


@dataclass
class RiskReport:
    as_of: datetime.date
    results: dict  # GSS code -> scoring.Result
    names: dict  # GSS code -> council name
    saved: int = 0
    alerts_opened: list = field(default_factory=list)


def risk_compute(*, as_of: datetime.date, gss_codes=None) -> RiskReport:
    """Every council's assessment on `as_of`, from what was known then. Writes nothing."""
    councils = selectors.councils(gss_codes)
    results = risk.assess_all(
        councils,
        inputs=selectors.rule_inputs(gss_codes),
        recorded=selectors.recorded_signals(),
        as_of=as_of,
        types=selectors.signal_types(),
        scheme=thresholds.scheme(),
        thresholds=thresholds.rule_thresholds(),
    )
    return RiskReport(as_of, results, {c.gss_code: c.name for c in councils})


def risk_recompute(
    *,
    as_of: datetime.date | None = None,
    open_alerts: bool = True,
    save: bool = True,
    gss_codes=None,
) -> RiskReport:
    """Compute and store every council's assessment on `as_of` (today by default), then open
    an alert for each council whose band rose to elevated or high. Safe to run twice: the
    second run rewrites the same rows and opens nothing new. Given `gss_codes`, only those
    councils are assessed and stored (see `risk_chunks`); the others' rows are left alone.

    A replay (a date before today) stores its assessments but never opens or raises an
    alert: the triage queue is for what is true now, and an alert from a replay would show
    there as new and current."""
    # Long: read, assess, store and open alerts in one transaction, as the steps say.
    today = timezone.localdate()
    as_of = as_of or today
    open_alerts = open_alerts and as_of >= today
    report = risk_compute(as_of=as_of, gss_codes=gss_codes)
    if not save:
        return report
    ids = dict(Council.objects.with_gss().values_list("gss_code", "pk"))
    stored = RiskAssessment.objects.all()
    if gss_codes is not None:
        stored = stored.filter(council__gss_code__in=list(gss_codes))
    with transaction.atomic():
        # The band each council had at its latest assessment before this date.
        before = dict(
            stored.filter(as_of__lt=as_of)
            .order_by("council_id", "as_of")
            .values_list("council_id", "band")
        )
        stored.filter(as_of=as_of).delete()
        rows = []
        for gss, result in report.results.items():
            rows.append(
                RiskAssessment(
                    council_id=ids[gss],
                    as_of=as_of,
                    band=result.band,
                    score=result.score,
                    points=result.points,
                    applicable_points=result.applicable_points,
                    domains=result.domains,
                    contributions=[c.as_dict() for c in result.contributions],
                    held_back=result.held_back,
                )
            )
        RiskAssessment.objects.bulk_create(rows, batch_size=500)
        report.saved = len(rows)
        if open_alerts:
            for gss, result in report.results.items():
                council_id = ids[gss]
                rank = BAND_ORDER[result.band]
                alert = Alert.objects.open().filter(council_id=council_id).first()
                if alert is not None:
                    # An open alert keeps the highest band its council reached while open:
                    # staff close it, ageing data does not.
                    if rank > alert.band_rank:
                        alert.band, alert.band_rank = result.band, rank
                        alert.save(update_fields=["band", "band_rank", "updated_at"])
                        AlertEvent.objects.create(
                            alert=alert,
                            kind=AlertEventKind.SIGNAL,
                            text=f"The risk band rose to {result.band} on {as_of:%-d %B %Y}.",
                        )
                    continue
                previous = before.get(council_id)
                if rank >= BAND_ORDER[Band.ELEVATED] and (
                    previous is None or BAND_ORDER[previous] < BAND_ORDER[Band.ELEVATED]
                ):
                    report.alerts_opened.append(
                        _alert_open(
                            council_id=council_id,
                            reason=AlertReason.BAND,
                            band=result.band,
                            categories=_categories(result),
                            summary=(
                                f"The risk band rose to {result.band} on {as_of:%-d %B %Y} "
                                f"({result.score:.0%} of the points that apply)."
                            ),
                        )
                    )
    return report


def risk_chunks(size: int) -> list[list[str]]:
    """The councils an assessment covers, by GSS code, in chunks of `size` to be assessed
    side by side; each chunk reads only its councils' figures and their similar councils'."""
    codes = [c.gss_code for c in selectors.councils()]
    return [codes[start : start + size] for start in range(0, len(codes), size)]


def risk_recompute_finish(*, as_of: datetime.date, assessed: list[str]) -> int:
    """After every chunk: remove the assessments on `as_of` of councils no longer assessed
    (retired from the register since an earlier run that day). Returns how many went."""
    return (
        RiskAssessment.objects.filter(as_of=as_of)
        .exclude(council__gss_code__in=assessed)
        .delete()[0]
    )


def _categories(result) -> list[str]:
    types = dict(SignalType.objects.values_list("code", "category"))
    return sorted({types.get(c.code, "") for c in result.contributions} - {""})


def _alert_open(*, council_id, reason, band, categories, summary, user=None) -> Alert:
    alert = Alert.objects.create(
        council_id=council_id,
        reason=reason,
        band=band,
        band_rank=BAND_ORDER[band],
        categories="," + ",".join(categories) + "," if categories else "",
        summary=summary,
    )
    AlertEvent.objects.create(
        alert=alert, kind=AlertEventKind.OPENED, to_state=AlertState.NEW, text=summary, user=user
    )
    return alert


def alert_open_for_signal(*, signal: RecordedSignal, user) -> Alert:
    """A signal marked critical opens an alert, or is added to the council's open one."""
    text = f"Critical signal recorded: {signal.signal_type.name} ({signal.observed_on:%-d %B %Y})."
    with transaction.atomic():
        alert = Alert.objects.open().filter(council=signal.council).first()
        if alert is not None:
            AlertEvent.objects.create(alert=alert, kind=AlertEventKind.SIGNAL, text=text, user=user)
            return alert
        latest = RiskAssessment.objects.filter(council=signal.council).order_by("-as_of").first()
        return _alert_open(
            council_id=signal.council_id,
            reason=AlertReason.CRITICAL,
            band=latest.band if latest else Band.LOW,
            categories=[signal.signal_type.category],
            summary=text,
            user=user,
        )


# --- triage ---------------------------------------------------------------------------------

TRANSITIONS = {
    AlertState.NEW: {AlertState.TRIAGED, AlertState.DISMISSED},
    AlertState.TRIAGED: {
        AlertState.IN_CONVERSATION,
        AlertState.SUPPORT_OFFERED,
        AlertState.MONITORING,
        AlertState.CLOSED,
        AlertState.DISMISSED,
    },
    AlertState.IN_CONVERSATION: {
        AlertState.SUPPORT_OFFERED,
        AlertState.MONITORING,
        AlertState.CLOSED,
        AlertState.DISMISSED,
    },
    AlertState.SUPPORT_OFFERED: {
        AlertState.IN_CONVERSATION,
        AlertState.MONITORING,
        AlertState.CLOSED,
    },
    AlertState.MONITORING: {AlertState.IN_CONVERSATION, AlertState.CLOSED},
    AlertState.CLOSED: set(),
    AlertState.DISMISSED: set(),
}


def _check_staff(user) -> None:
    if not can_see_signals(user):
        raise PermissionDenied("Only sector staff can work on alerts.")


def alert_transition(*, user, alert: Alert, state: str, reason: str = "") -> Alert:
    """Move an alert to its next state; dismissing needs a reason. Refused if not
    allowed."""
    _check_staff(user)
    if state not in TRANSITIONS.get(alert.state, set()):
        raise Refused(
            f"An alert that is {alert.get_state_display().lower()} cannot move to "
            f"{AlertState(state).label.lower() if state in AlertState.values else state}.",
            field="state",
        )
    reason = reason.strip()
    if state == AlertState.DISMISSED and not reason:
        raise Refused("Enter why the alert is dismissed.", field="reason")
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if state not in TRANSITIONS.get(alert.state, set()):
            raise Refused("The alert has moved on; reload the page.", field="state")
        previous = alert.state
        alert.state = state
        if state == AlertState.DISMISSED:
            alert.dismissed_reason = reason
        alert.save(update_fields=["state", "dismissed_reason", "updated_at"])
        AlertEvent.objects.create(
            alert=alert,
            kind=AlertEventKind.STATE,
            from_state=previous,
            to_state=state,
            text=reason,
            user=user,
        )
    return alert


def alert_assign(*, user, alert: Alert, assignee, due_on: datetime.date | None = None) -> Alert:
    """Give the alert to a member of sector staff (and a due date); they are emailed."""
    _check_staff(user)
    if assignee is not None and not can_see_signals(assignee):
        raise Refused("Alerts can only be assigned to sector staff.", field="assignee")
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        changed_assignee = alert.assignee_id != (assignee.pk if assignee else None)
        changed_due = alert.due_on != due_on
        alert.assignee, alert.due_on = assignee, due_on
        alert.save(update_fields=["assignee", "due_on", "updated_at"])
        if changed_assignee:
            AlertEvent.objects.create(
                alert=alert,
                kind=AlertEventKind.ASSIGNED,
                text=f"Assigned to {assignee}." if assignee else "No longer assigned.",
                user=user,
            )
            if assignee is not None and assignee.email:
                _email_assignment(alert, assignee)
        if changed_due:
            AlertEvent.objects.create(
                alert=alert,
                kind=AlertEventKind.DUE,
                text=f"Due {due_on:%-d %B %Y}." if due_on else "Due date removed.",
                user=user,
            )
    return alert


def _email_assignment(alert: Alert, assignee) -> None:
    """Tell the assignee, by an email sent in the background once the change commits."""
    path = reverse("earlywarning:alert", args=[alert.pk])
    email_send(
        subject=f"Early-warning alert assigned to you: {alert.council.name}",
        body=(
            f"An early-warning alert about {alert.council.name} has been assigned to you.\n\n"
            f"{alert.summary}\n\nOpen it in the portal: {portal_link(path)}\n\n"
            "This alert is confidential to sector staff."
        ),
        to=[assignee.email],
    )


def alert_note(*, user, alert: Alert, text: str) -> AlertEvent:
    _check_staff(user)
    text = text.strip()
    if not text:
        raise Refused("Enter the note.", field="text")
    with transaction.atomic():
        return AlertEvent.objects.create(
            alert=alert, kind=AlertEventKind.NOTE, text=text, user=user
        )


def alert_support_link(*, user, alert: Alert, kind: str, url: str) -> SupportLink:
    """Link support offered to the council: one of the peer challenges, marketplace offers
    or library items the portal holds for it (`selfreg.support`), never a typed address."""
    _check_staff(user)
    option = next(
        (o for o in support_options(alert.council) if (o.kind, o.url) == (kind, url)), None
    )
    if option is None:
        raise Refused("Choose support from the list.", field="support")
    link = SupportLink(alert=alert, kind=kind, title=option.title[:200], url=url, added_by=user)
    refuse_invalid(link)
    with transaction.atomic():
        link.save()
        AlertEvent.objects.create(
            alert=alert,
            kind=AlertEventKind.SUPPORT,
            text=f"{link.get_kind_display()}: {link.title} ({link.url}).",
            user=user,
        )
    return link


def alert_invite(*, user, alert: Alert) -> Alert:
    """Invite the council's officers into the conversation about this alert. They see only
    the messages shared with them, never the band or the signals."""
    _check_staff(user)
    with transaction.atomic():
        if not alert.council_invited:
            alert.council_invited = True
            alert.save(update_fields=["council_invited", "updated_at"])
            AlertEvent.objects.create(
                alert=alert,
                kind=AlertEventKind.INVITED,
                text=f"{alert.council.name}'s officers invited into the conversation.",
                user=user,
            )
            _email_invitation(alert)
    return alert


def _email_invitation(alert: Alert) -> None:
    """Tell the council's officers they are invited; the email says nothing of the alert."""
    path = reverse("earlywarning:conversation", args=[alert.pk])
    email_send(
        subject=f"Sector staff would like to talk with {alert.council.name}",
        body=(
            f"Sector support staff have invited {alert.council.name}'s officers into a "
            "conversation about how they can support the council.\n\n"
            f"Read it and reply in the portal: {portal_link(path)}"
        ),
        to=officer_addresses(alert.council),
    )


def conversation_post(*, user, alert: Alert, text: str, shared: bool) -> ConversationMessage:
    """Add a message. Sector staff choose whether the council sees it; a council officer's
    message is always shared."""
    text = text.strip()
    if not text:
        raise Refused("Enter your message.", field="text")
    if can_see_signals(user):
        shared_with_council = shared
    elif can_join_conversation(user, alert):
        shared_with_council = True
    else:
        raise PermissionDenied("You are not part of this conversation.")
    with transaction.atomic():
        return ConversationMessage.objects.create(
            alert=alert, author=user, text=text, shared_with_council=shared_with_council
        )


def inspections_import(data_dir: Path) -> list[str]:
    """Read the inspection files in `data_dir`/inspections whole and load them; the lines of
    a report for whoever ran it. Raises ValueError, with nothing written, if they cannot be
    read. Used by `import_inspections` and by `import_dataset inspections`."""
    try:
        content = inspections.load(data_dir)
        report = inspections_load(frame=content.results)
    except (KeyError, ValidationError) as error:
        raise ValueError(str(error)) from error
    lines = [
        f"Inspection results: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.skipped)} skipped."
    ]
    lines += [f"Skipped {regime} {gss}: {reason}." for gss, regime, reason in report.skipped]
    lines += [f"Left out: {note}" for note in content.notes]
    if report.unreadable:
        listed = ", ".join(
            f"{regime} {gss} ({j or 'blank'})" for gss, regime, j in report.unreadable
        )
        lines.append(f"Unreadable judgements (not concerns): {listed}")
    return lines


def signals_viewed(*, user, council: Council) -> None:
    """Audit that someone opened a council's confidential signals, risk or alert."""
    SignalView.objects.create(user=user, council=council)
