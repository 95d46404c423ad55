"""What the measure catalogue says of each measure's coverage: its first and latest period,
how many councils have a figure in the latest period, and in which nations.

Pure: it reads the stored group statistics (each already limited to what an audience may
see), never the values, so it counts exactly what the reader could compare and nothing a
council kept to itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from benchmarking.periods import sort_periods

NATION_OF_REGION = {
    "scotland": "Scotland",
    "wales": "Wales",
    "northern-ireland": "Northern Ireland",
}


@dataclass
class Coverage:
    periods: list[str] = field(default_factory=list)  # oldest first
    councils: int = 0  # with a figure in the latest period
    nations: list[str] = field(default_factory=list)

    @property
    def first(self) -> str:
        return self.periods[0] if self.periods else ""

    @property
    def latest(self) -> str:
        return self.periods[-1] if self.periods else ""


def coverage(rows: Iterable[tuple[int, str, str, int]]) -> dict[int, Coverage]:
    """Coverage per metric id from (metric id, period, group, n) rows of the `all` and
    `region:` groups. Where a period has rows for more than one audience, the larger count is
    the reader's (the sector audience sees more, never less)."""
    counts: dict[int, dict[str, int]] = {}
    nations: dict[int, set[str]] = {}
    for metric_id, period, group, n in rows:
        if group == "all":
            seen = counts.setdefault(metric_id, {})
            seen[period] = max(seen.get(period, 0), n)
        elif group.startswith("region:") and n:
            region = group.removeprefix("region:")
            nations.setdefault(metric_id, set()).add(NATION_OF_REGION.get(region, "England"))
    found = {}
    for metric_id, by_period in counts.items():
        periods = sort_periods(p for p, n in by_period.items() if n)
        found[metric_id] = Coverage(
            periods=periods,
            councils=by_period[periods[-1]] if periods else 0,
            nations=sorted(nations.get(metric_id, ())),
        )
    return found
