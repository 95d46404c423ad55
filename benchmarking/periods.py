"""Period labels used across the portal: parsing, ordering and stepping back.

Four kinds of label are accepted, and no others:

* calendar year, ``2019``: 1 January to 31 December 2019;
* financial year, ``2019-20``: 1 April 2019 to 31 March 2020;
* quarter of a financial year, ``2019-20 Q1``: Q1 is April to June, Q2 July to September,
  Q3 October to December and Q4 January to March;
* multi-year span, ``2019-22``: financial years pooled from 1 April 2019 to 31 March 2022
  (the end year is more than one year after the start year, written with two digits).

Labels are read after Unicode NFKC normalisation, so full-width digits and dashes give the
same period as plain ones, and only the ASCII digits 0 to 9 count as digits.

Ordering rule: periods sort by end date, and periods that end on the same day sort shortest
first. So the quarters of a year come before the year itself (``2019-20 Q1`` … ``2019-20 Q4``,
then ``2019-20``), and a pooled span comes straight after the financial year it ends with. Within
one kind this is plain chronological order.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

CALENDAR_YEAR = "calendar_year"
FINANCIAL_YEAR = "financial_year"
QUARTER = "quarter"
MULTI_YEAR = "multi_year"
KINDS = (CALENDAR_YEAR, FINANCIAL_YEAR, QUARTER, MULTI_YEAR)

MIN_YEAR = 1900
MAX_YEAR = 2100
MAX_SPAN_YEARS = 10

# ASCII digits only: Python's \d also matches other scripts' digits, which int() reads, so
# '٢٠١٩' would otherwise be a second, differently written 2019.
_YEAR_RE = re.compile(r"(\d{4})", re.ASCII)
_RANGE_RE = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_QUARTER_RE = re.compile(r"(\d{4})-(\d{2}) Q(\d)", re.IGNORECASE | re.ASCII)
_FOUR_DIGIT_END_RE = re.compile(r"\d{4}-\d{4}", re.ASCII)

_EXAMPLES = "Use 2019, 2019-20, 2019-20 Q1 or 2019-22."


class PeriodError(ValueError):
    """A period label that cannot be understood."""


@functools.total_ordering
@dataclass(frozen=True)
class Period:
    """One reporting period, with its first and last day (both inclusive)."""

    label: str
    kind: str
    start: date
    end: date

    @property
    def sort_key(self) -> tuple[int, int, str]:
        """Key that orders periods by end date, then shortest first."""
        # Negated start: of two periods ending together, the one starting later is shorter.
        return (self.end.toordinal(), -self.start.toordinal(), self.label)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.sort_key < other.sort_key

    def __str__(self) -> str:
        return self.label


def _check_year(year: int, label: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(
            f"'{label}' is not a valid period: years must be between {MIN_YEAR} and {MAX_YEAR}."
        )


def _end_year(start: int, two_digits: str, label: str) -> int:
    """Turn the two-digit end year into a full year after ``start``."""
    yy = int(two_digits)
    end = start - start % 100 + yy
    # Only a period starting in the 90s may run into the next century (1999-00).
    if end <= start and start % 100 >= 90:
        end += 100
    if end <= start:
        raise PeriodError(
            f"'{label}' is not a valid period: the end year must be after the start year. "
            f"For the financial year starting in {start}, write {start}-{(start + 1) % 100:02d}."
        )
    if end - start > MAX_SPAN_YEARS:
        raise PeriodError(
            f"'{label}' is not a valid period: a span can be at most {MAX_SPAN_YEARS} years long."
        )
    return end


def _financial_year_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


@functools.lru_cache(maxsize=4096)
def parse_period(label: str) -> Period:
    """Parse a period label, raising ``PeriodError`` with a plain-English message if it is bad."""
    if not isinstance(label, str):
        raise PeriodError(f"A period label must be text, not {type(label).__name__}. {_EXAMPLES}")
    # Full-width digits and dashes (２０１９－２０) are the same characters to a reader:
    # NFKC turns them into plain ones, so they name the same period, not a second one.
    text = unicodedata.normalize("NFKC", label).strip()
    if not text:
        raise PeriodError(f"The period label is empty. {_EXAMPLES}")

    if m := _YEAR_RE.fullmatch(text):
        year = int(m.group(1))
        _check_year(year, text)
        return Period(text, CALENDAR_YEAR, date(year, 1, 1), date(year, 12, 31))

    if m := _RANGE_RE.fullmatch(text):
        start = int(m.group(1))
        _check_year(start, text)
        end = _end_year(start, m.group(2), text)
        kind = FINANCIAL_YEAR if end == start + 1 else MULTI_YEAR
        return Period(text, kind, date(start, 4, 1), date(end, 3, 31))

    if m := _QUARTER_RE.fullmatch(text):
        start = int(m.group(1))
        _check_year(start, text)
        end = _end_year(start, m.group(2), text)
        if end != start + 1:
            raise PeriodError(
                f"'{text}' is not a valid period: quarters belong to a single financial year, "
                f"such as {_financial_year_label(start)} Q1."
            )
        quarter = int(m.group(3))
        if not 1 <= quarter <= 4:
            raise PeriodError(
                f"'{text}' is not a valid period: the quarter must be Q1, Q2, Q3 or Q4."
            )
        # Q1 starts in April; Q4 runs January to March of the following calendar year.
        first_month = 4 + 3 * (quarter - 1)
        year = start + (first_month - 1) // 12
        month = (first_month - 1) % 12 + 1
        q_start = date(year, month, 1)
        next_month = month + 3
        q_end = (
            date(year + 1, next_month - 12, 1) if next_month > 12 else date(year, next_month, 1)
        ) - timedelta(days=1)
        return Period(f"{_financial_year_label(start)} Q{quarter}", QUARTER, q_start, q_end)

    if _FOUR_DIGIT_END_RE.fullmatch(text):
        raise PeriodError(
            f"'{text}' is not a valid period: write the end year with two digits, "
            f"for example {text[:4]}-{text[-2:]}."
        )
    raise PeriodError(f"'{text}' is not a recognised period label. {_EXAMPLES}")


def period_sort_key(label: str) -> tuple[int, int, str]:
    """Sort key for a label: ``sorted(labels, key=period_sort_key)`` is chronological."""
    return parse_period(label).sort_key


def sort_periods(labels: Iterable[str]) -> list[str]:
    """Distinct labels in chronological order."""
    return sorted(set(labels), key=period_sort_key)


def previous_period(label: str) -> str:
    """The period of the same kind and length immediately before this one."""
    period = parse_period(label)
    start = period.start.year
    if period.kind == CALENDAR_YEAR:
        return str(start - 1)
    if period.kind == FINANCIAL_YEAR:
        return _financial_year_label(start - 1)
    if period.kind == QUARTER:
        quarter = int(period.label[-1])
        fy_start = int(period.label[:4])
        if quarter == 1:
            return f"{_financial_year_label(fy_start - 1)} Q4"
        return f"{_financial_year_label(fy_start)} Q{quarter - 1}"
    length = period.end.year - start
    return f"{start - length}-{start % 100:02d}"


def latest(labels: Iterable[str], n: int = 1, kind: str | None = None) -> list[str]:
    """The last ``n`` distinct labels, oldest first, optionally of one kind only."""
    if n < 1:
        raise ValueError("n must be at least 1.")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"Unknown period kind '{kind}'. Use one of: {', '.join(KINDS)}.")
    ordered = sort_periods(labels)
    if kind is not None:
        ordered = [label for label in ordered if parse_period(label).kind == kind]
    return ordered[-n:]


def series_kind(label: str) -> str:
    """Which periods may share a line on a chart: the kind, and for pooled spans their length
    in years (``multi_year:3``), so single years and three-year spans are never joined."""
    period = parse_period(label)
    if period.kind != MULTI_YEAR:
        return period.kind
    return f"{MULTI_YEAR}:{period.end.year - period.start.year}"


def split_by_series_kind(labels: Iterable[str]) -> dict[str, list[str]]:
    """``labels`` in order, split by ``series_kind``, kinds in order of their first period."""
    kinds: dict[str, list[str]] = {}
    for label in sort_periods(labels):
        kinds.setdefault(series_kind(label), []).append(label)
    return kinds
