"""Reads that span several models: the ledger's visits and tables, challenge lists."""

from __future__ import annotations

import datetime

from django.utils import timezone

from peerchallenge import ledger
from peerchallenge.models import (
    VISITED_STATES,
    ActionStatus,
    Challenge,
    ChallengeState,
    MemberStatus,
    TeamMember,
)
from selfreg.models import Council

# A challenge the matcher may (re)staff: scoped, or proposed but not yet invited.
MATCHABLE_STATES = (ChallengeState.SCOPING, ChallengeState.TEAM_PROPOSED)


def ledger_visits() -> list[ledger.Visit]:
    """Every accepted team member's days on a challenge whose team has been on site."""
    rows = TeamMember.objects.filter(
        status=MemberStatus.ACCEPTED,
        challenge__state__in=VISITED_STATES,
        challenge__on_site_from__isnull=False,
    ).values_list("peer__council_id", "challenge__host_id", "days", "challenge__on_site_from")
    return [ledger.Visit(peer, host, days, on) for peer, host, days, on in rows]


def ledger_tables(today: datetime.date | None = None, council_ids=None) -> dict:
    """The ledger over the window as rows for pages and CSV: per council (all, or only
    `council_ids`) and per region, with the councils receiving much more than they give."""
    today = today or timezone.localdate()
    balances = ledger.council_ledger(ledger.in_window(ledger_visits(), today))
    councils = {c.pk: c for c in Council.objects.filter(pk__in=list(balances))}
    regions = {pk: (c.region or c.nation) for pk, c in councils.items()}
    by_region = ledger.grouping_ledger(balances, regions)
    flagged = set(ledger.imbalanced(balances))
    council_rows = [
        {
            "council": councils[pk],
            "region": regions[pk],
            "given": b.given,
            "received": b.received,
            "net": b.net,
            "debt": round(b.debt, 2),
            "flagged": pk in flagged,
        }
        for pk, b in balances.items()
        if council_ids is None or pk in council_ids
    ]
    council_rows.sort(key=lambda r: r["council"].name)
    region_rows = [
        {"region": name, "given": b.given, "received": b.received, "net": b.net}
        for name, b in by_region.items()
    ]
    return {
        "since": ledger.window_start(today),
        "today": today,
        "councils": council_rows,
        "regions": region_rows if council_ids is None else [],
        "flagged": [r for r in council_rows if r["flagged"]],
    }


def action_progress(challenge: Challenge) -> dict:
    """How many of a challenge's actions are done, in progress and not started."""
    counts = dict.fromkeys(ActionStatus.values, 0)
    for status in challenge.actions.values_list("status", flat=True):
        counts[status] += 1
    total = sum(counts.values())
    return {
        "total": total,
        "done": counts[ActionStatus.DONE],
        "in_progress": counts[ActionStatus.IN_PROGRESS],
        "not_started": counts[ActionStatus.NOT_STARTED],
        "percent_done": round(100 * counts[ActionStatus.DONE] / total) if total else 0,
    }
