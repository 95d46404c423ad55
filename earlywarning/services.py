"""Writing early-warning signals. Every write checks who may make it and keeps its history."""

import datetime
from dataclasses import dataclass, field

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from earlywarning.access import can_record_signal
from earlywarning.models import InspectionResult, RecordedSignal, SignalType
from earlywarning.validation import validate_signal_rows
from selfreg.models import Council


def _check_recorder(user) -> None:
    if not can_record_signal(user):
        raise PermissionError("Only sector staff and peers can record a signal.")


def signal_record(
    *,
    user,
    council: Council,
    signal_type: SignalType,
    observed_on: datetime.date,
    severity: int,
    evidence: str,
    source_url: str = "",
) -> RecordedSignal:
    """Record one signal about a council. Raise ValidationError if a field is wrong."""
    _check_recorder(user)
    signal = RecordedSignal(
        council=council,
        signal_type=signal_type,
        observed_on=observed_on,
        severity=severity,
        evidence=evidence.strip(),
        source_url=source_url.strip(),
        recorded_by=user,
    )
    signal.full_clean()
    if observed_on > timezone.localdate():
        raise ValidationError({"observed_on": "The date cannot be in the future."})
    with transaction.atomic():
        signal._history_user = user
        signal.save()
    return signal


def signals_import(*, rows_frame: pd.DataFrame, user) -> list[RecordedSignal]:
    """Check a whole file of signals, then record them all in one transaction.

    Any problem in any row raises FileProblems listing every problem; nothing is written.
    """
    _check_recorder(user)
    councils = dict(Council.objects.with_gss().values_list("gss_code", "id"))
    types = dict(SignalType.objects.values_list("code", "id"))
    rows = validate_signal_rows(
        rows_frame, councils=set(councils), signal_codes=set(types), today=timezone.localdate()
    )
    created = []
    with transaction.atomic():
        for row in rows:
            signal = RecordedSignal(
                council_id=councils[row.gss_code],
                signal_type_id=types[row.signal_code],
                observed_on=row.observed_on,
                severity=row.severity,
                evidence=row.evidence,
                source_url=row.source_url,
                recorded_by=user,
            )
            signal._history_user = user
            signal.save()
            created.append(signal)
    return created


def signal_types_load(*, frame: pd.DataFrame) -> tuple[int, int, int]:
    """Create or update the catalogue from its file. Returns (created, updated, unchanged)."""
    fields = ("name", "category", "description", "default_weight", "half_life_months", "source")
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
    return report
