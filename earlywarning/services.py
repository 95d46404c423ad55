"""Writing early-warning signals. Every write checks who may make it and keeps its history."""

import datetime

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from earlywarning.access import can_record_signal
from earlywarning.models import RecordedSignal, SignalType
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
