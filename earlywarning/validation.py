"""Checking a file of recorded signals before anything is written.

Pure: takes the file's rows and what the portal knows (council GSS codes, signal codes) as
plain data, and returns clean rows or raises FileProblems listing every problem with its row,
column and reason. One problem anywhere means nothing is written.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pandas as pd
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from selfreg.fileproblems import FileProblems, Problem

COLUMNS = ("gss_code", "signal_code", "observed_on", "severity", "evidence", "source_url")
OPTIONAL = ("source_url",)
_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class SignalRow:
    row: int
    gss_code: str
    signal_code: str
    observed_on: datetime.date
    severity: int
    evidence: str
    source_url: str


def _is_url(text: str) -> bool:
    try:
        _url(text)
    except ValidationError:
        return False
    return True


def validate_signal_rows(
    frame: pd.DataFrame, *, councils: set[str], signal_codes: set[str], today: datetime.date
) -> list[SignalRow]:
    """Check every row; return clean rows or raise FileProblems listing every problem."""
    frame = frame.copy()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in COLUMNS if c not in frame.columns and c not in OPTIONAL]
    if missing:
        raise FileProblems([Problem(1, c, "This column is missing.") for c in missing])
    problems = [Problem(1, c, "This column is not recognised.") for c in frame if c not in COLUMNS]
    if frame.empty:
        raise FileProblems([*problems, Problem(0, "", "The file has no rows of signals.")])
    if "source_url" not in frame:
        frame["source_url"] = ""
    frame = frame.astype(object).where(frame.notna(), "").astype(str)

    clean: list[SignalRow] = []
    seen: dict[tuple[str, str, datetime.date], int] = {}
    for index, record in enumerate(frame.to_dict("records")):
        row = index + 2  # the header is row 1
        before = len(problems)
        gss = record["gss_code"].strip().upper()
        code = record["signal_code"].strip()
        date_text = record["observed_on"].strip()
        severity_text = record["severity"].strip()
        evidence = record["evidence"].strip()
        url = record["source_url"].strip()

        if not gss:
            problems.append(Problem(row, "gss_code", "Enter the council's GSS code."))
        elif gss not in councils:
            problems.append(Problem(row, "gss_code", f"No council has the code '{gss}'."))
        if not code:
            problems.append(Problem(row, "signal_code", "Enter the signal code."))
        elif code not in signal_codes:
            problems.append(Problem(row, "signal_code", f"No signal has the code '{code}'."))
        observed_on = None
        try:
            observed_on = datetime.date.fromisoformat(date_text)
        except ValueError:
            problems.append(
                Problem(
                    row,
                    "observed_on",
                    f"'{date_text}' is not a date. Write it as YYYY-MM-DD, like 2025-03-31.",
                )
            )
        else:
            if observed_on > today:
                problems.append(Problem(row, "observed_on", "The date cannot be in the future."))
        severity = None
        if severity_text in {"1", "2", "3"}:
            severity = int(severity_text)
        else:
            problems.append(Problem(row, "severity", "Severity must be 1, 2 or 3."))
        if not evidence:
            problems.append(Problem(row, "evidence", "Enter the evidence for the signal."))
        if url and not _is_url(url):
            problems.append(
                Problem(row, "source_url", f"'{url}' is not a web address starting http or https.")
            )
        if observed_on is not None and gss and code:
            key = (gss, code, observed_on)
            if key in seen:
                problems.append(
                    Problem(row, "signal_code", f"This signal is already in row {seen[key]}.")
                )
            else:
                seen[key] = row
        if len(problems) == before:
            clean.append(SignalRow(row, gss, code, observed_on, severity, evidence, url))
    if problems:
        raise FileProblems(problems)
    return clean


CORPORATE_COLUMNS = ("gss_code", "kind", "occurred_on", "description", "source_url")


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
) -> list[CorporateRow]:
    """Check every row of a file of corporate changes; return clean rows or raise FileProblems
    listing every problem. `existing` holds (gss_code, kind, date) already recorded."""
    frame = frame.copy()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in CORPORATE_COLUMNS if c not in frame.columns and c != "source_url"]
    if missing:
        raise FileProblems([Problem(1, c, "This column is missing.") for c in missing])
    problems = [
        Problem(1, c, "This column is not recognised.") for c in frame if c not in CORPORATE_COLUMNS
    ]
    if frame.empty:
        raise FileProblems([*problems, Problem(0, "", "The file has no rows of changes.")])
    if "source_url" not in frame:
        frame["source_url"] = ""
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    kinds_text = ", ".join(sorted(kinds))
    clean: list[CorporateRow] = []
    seen: dict[tuple[str, str, datetime.date], int] = {}
    for index, record in enumerate(frame.to_dict("records")):
        row = index + 2
        before = len(problems)
        gss = record["gss_code"].strip().upper()
        kind = record["kind"].strip().lower()
        date_text = record["occurred_on"].strip()
        description = record["description"].strip()
        url = record["source_url"].strip()
        if not gss:
            problems.append(Problem(row, "gss_code", "Enter the council's GSS code."))
        elif gss not in councils:
            problems.append(Problem(row, "gss_code", f"No council has the code '{gss}'."))
        if kind not in kinds:
            problems.append(Problem(row, "kind", f"The kind must be one of {kinds_text}."))
        occurred_on = None
        try:
            occurred_on = datetime.date.fromisoformat(date_text)
        except ValueError:
            problems.append(
                Problem(
                    row,
                    "occurred_on",
                    f"'{date_text}' is not a date. Write it as YYYY-MM-DD, like 2025-03-31.",
                )
            )
        else:
            if occurred_on > today:
                problems.append(Problem(row, "occurred_on", "The date cannot be in the future."))
        if not description:
            problems.append(Problem(row, "description", "Enter what changed."))
        if url and not _is_url(url):
            problems.append(
                Problem(row, "source_url", f"'{url}' is not a web address starting http or https.")
            )
        if occurred_on is not None and gss and kind:
            key = (gss, kind, occurred_on)
            if key in existing:
                problems.append(Problem(row, "occurred_on", "This change is already recorded."))
            elif key in seen:
                problems.append(
                    Problem(row, "occurred_on", f"This change is already in row {seen[key]}.")
                )
            else:
                seen[key] = row
        if len(problems) == before:
            clean.append(CorporateRow(row, gss, kind, occurred_on, description, url))
    if problems:
        raise FileProblems(problems)
    return clean
