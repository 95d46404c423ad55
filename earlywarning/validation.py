"""Checking a file of recorded signals or corporate changes before anything is written.

Pure: takes the file's rows and what the portal knows (council GSS codes, signal codes) as
plain data, and returns clean rows or raises FileProblems listing every problem with its row,
column and reason. One problem anywhere means nothing is written. Each file is declared for
the kernel's whole-file check (`selfreg.filecheck`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pandas as pd
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from selfreg import filecheck
from selfreg.filecheck import Column, FileSpec, Limit, Lookup, Unique

_url = URLValidator(schemes=["http", "https"])


def web_address(text: str) -> str:
    try:
        _url(text)
    except ValidationError:
        raise ValueError(text) from None
    return text


def severity(text: str) -> int:
    if text not in {"1", "2", "3"}:
        raise ValueError(text)
    return int(text)


GSS_CODE = Column(
    "gss_code",
    blank=_("Enter the council's GSS code."),
    tidy=filecheck.upper,
    lookups=(Lookup("councils", _("No council has the code '{text}'.")),),
)
SOURCE_URL = Column(
    "source_url",
    required=False,
    parse=web_address,
    invalid=_("'{text}' is not a web address starting http or https."),
    max_length="url_length",
)
NOT_A_DATE = _("'{text}' is not a date. Write it as YYYY-MM-DD, like 2025-03-31.")
SEVERITY = _("Severity must be 1, 2 or 3.")


def _past_date(name: str) -> Column:
    """A date written YYYY-MM-DD, not after today."""
    return Column(
        name,
        parse=filecheck.iso_date,
        invalid=NOT_A_DATE,
        blank=NOT_A_DATE,
        limits=(Limit(_("The date cannot be in the future."), high="today"),),
    )


SIGNALS = FileSpec(
    columns=(
        GSS_CODE,
        Column(
            "signal_code",
            blank=_("Enter the signal code."),
            lookups=(Lookup("signal_codes", _("No signal has the code '{text}'.")),),
        ),
        _past_date("observed_on"),
        Column("severity", blank=SEVERITY, parse=severity, invalid=SEVERITY),
        Column("evidence", blank=_("Enter the evidence for the signal.")),
        SOURCE_URL,
    ),
    no_rows=_("The file has no rows of signals."),
    unique=(
        Unique(
            ("gss_code", "signal_code", "observed_on"),
            column="signal_code",
            message=_("This signal is already in row {first}."),
        ),
    ),
)


@dataclass(frozen=True)
class SignalRow:
    row: int
    gss_code: str
    signal_code: str
    observed_on: datetime.date
    severity: int
    evidence: str
    source_url: str


def validate_signal_rows(
    frame: pd.DataFrame,
    *,
    councils: set[str],
    signal_codes: set[str],
    today: datetime.date,
    url_length: int | None = None,
) -> list[SignalRow]:
    """Check every row; return clean rows or raise FileProblems listing every problem.
    `url_length` is the longest source address that can be stored."""
    checked = filecheck.check(
        frame,
        SIGNALS,
        councils=councils,
        signal_codes=signal_codes,
        today=today,
        url_length=url_length,
    )
    checked.raise_problems()
    return [SignalRow(**_filled(record, "source_url")) for record in checked.records()]


def _filled(record: dict, *optional: str) -> dict:
    return {**record, **{name: record[name] or "" for name in optional}}


KIND = _("The kind must be one of {choices}.")
CORPORATE = FileSpec(
    columns=(
        GSS_CODE,
        Column("kind", blank=KIND, tidy=filecheck.lower, lookups=(Lookup("kinds", KIND),)),
        _past_date("occurred_on"),
        Column("description", blank=_("Enter what changed.")),
        SOURCE_URL,
    ),
    no_rows=_("The file has no rows of changes."),
    unique=(
        Unique(
            ("gss_code", "kind", "occurred_on"),
            column="occurred_on",
            message=_("This change is already in row {first}."),
            known="existing",
            stored=_("This change is already recorded."),
        ),
    ),
)


@dataclass(frozen=True)
class CorporateRow:
    row: int
    gss_code: str
    kind: str
    occurred_on: datetime.date
    description: str
    source_url: str


def validate_corporate_rows(
    frame: pd.DataFrame,
    *,
    councils: set[str],
    kinds: set[str],
    existing: set[tuple[str, str, datetime.date]],
    today: datetime.date,
    url_length: int | None = None,
) -> list[CorporateRow]:
    """Check every row of a file of corporate changes; return clean rows or raise FileProblems
    listing every problem. `existing` holds (gss_code, kind, date) already recorded."""
    checked = filecheck.check(
        frame,
        CORPORATE,
        councils=councils,
        kinds=kinds,
        existing=existing,
        today=today,
        url_length=url_length,
    )
    checked.raise_problems()
    return [CorporateRow(**_filled(record, "source_url")) for record in checked.records()]
