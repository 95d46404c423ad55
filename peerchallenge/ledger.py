"""The reciprocity ledger: peer days each council gives and receives (pure).

A visit is one peer's days on one challenge: the peer's home council gives those days and the
host council receives them. Only challenges where the team has been on site count, over the
three years up to today. `docs/method/peer-challenge.md` explains the method.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

WINDOW_YEARS = 3
# A council is shown as receiving much more than it gives when it has received at least
# twice what it gave and at least this many days more.
IMBALANCE_RATIO = 2.0
IMBALANCE_MIN_DAYS = 5


@dataclass(frozen=True)
class Visit:
    peer_council: Hashable
    host_council: Hashable
    days: int
    on: datetime.date


@dataclass(frozen=True)
class Balance:
    given: int = 0
    received: int = 0

    @property
    def net(self) -> int:
        """Days received less days given: positive means the council owes the sector."""
        return self.received - self.given

    @property
    def debt(self) -> float:
        return debt(self.given, self.received)


def window_start(today: datetime.date, years: int = WINDOW_YEARS) -> datetime.date:
    """The first day counted: the same day `years` years ago (28 February for 29 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def in_window(visits: Iterable[Visit], today: datetime.date, years: int = WINDOW_YEARS):
    """Visits on site from `window_start` up to and including today."""
    start = window_start(today, years)
    return [v for v in visits if start <= v.on <= today]


def council_ledger(visits: Iterable[Visit]) -> dict[Hashable, Balance]:
    """Days given and received per council. A council appears if it gave or received."""
    given: dict[Hashable, int] = {}
    received: dict[Hashable, int] = {}
    for visit in visits:
        if visit.days < 0:
            raise ValueError("A visit cannot have negative days.")
        given[visit.peer_council] = given.get(visit.peer_council, 0) + visit.days
        received[visit.host_council] = received.get(visit.host_council, 0) + visit.days
    return {
        key: Balance(given.get(key, 0), received.get(key, 0))
        for key in sorted(set(given) | set(received), key=str)
    }


def grouping_ledger(
    balances: Mapping[Hashable, Balance], grouping_of: Mapping[Hashable, Hashable]
) -> dict[Hashable, Balance]:
    """Sum councils' balances by grouping; councils with no grouping are left out."""
    totals: dict[Hashable, Balance] = {}
    for council, balance in balances.items():
        grouping = grouping_of.get(council)
        if grouping is None:
            continue
        total = totals.get(grouping, Balance())
        totals[grouping] = Balance(total.given + balance.given, total.received + balance.received)
    return dict(sorted(totals.items(), key=lambda item: str(item[0])))


def debt(given: int, received: int) -> float:
    """The exchange format's debt: max(0, received - given) / (received + given), 0 if none."""
    if given < 0 or received < 0:
        raise ValueError("Days cannot be negative.")
    total = given + received
    if total == 0:
        return 0.0
    return max(0, received - given) / total


def receives_much_more(
    balance: Balance, ratio: float = IMBALANCE_RATIO, min_days: int = IMBALANCE_MIN_DAYS
) -> bool:
    """Has received at least `ratio` times what it gave and at least `min_days` more."""
    return balance.received >= ratio * balance.given and balance.net >= min_days


def imbalanced(
    balances: Mapping[Hashable, Balance],
    ratio: float = IMBALANCE_RATIO,
    min_days: int = IMBALANCE_MIN_DAYS,
) -> list[Hashable]:
    """Councils receiving much more than they give, the largest net receivers first."""
    keys = [k for k, b in balances.items() if receives_much_more(b, ratio, min_days)]
    return sorted(keys, key=lambda k: (-balances[k].net, str(k)))
