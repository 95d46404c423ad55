"""Reads that span several models: the ledger's visits and tables, challenge lists, reports,
and a matching run's teams as staff see them."""

from __future__ import annotations

import datetime

from django.utils import timezone

from peerchallenge import ledger
from peerchallenge.models import (
    ROLE_LABELS,
    VISITED_STATES,
    ActionStatus,
    Challenge,
    ChallengeState,
    FocusArea,
    MatchingRun,
    MemberStatus,
    Peer,
    Report,
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


def report_of(challenge: Challenge) -> Report | None:
    return Report.objects.filter(challenge=challenge).first()


def team_rows(run: MatchingRun) -> list[dict]:
    """Each proposed team with its peers' explanation, for sector staff."""
    assignments = run.result.get("assignments", {})
    unstaffed = run.result.get("unstaffed", {})
    diagnostics = run.result.get("diagnostics", {})
    ids = [int(c) for c in {*assignments, *unstaffed}]
    challenges = {str(c.pk): c for c in Challenge.objects.filter(pk__in=ids).select_related("host")}
    peer_ids = {int(p) for ps in assignments.values() for p in ps}
    for explanation in run.explanations.values():
        peer_ids |= {int(n["peer"]) for n in explanation.get("not_chosen", [])}
    peers = {
        str(p.pk): p for p in Peer.objects.filter(pk__in=peer_ids).select_related("user", "council")
    }
    areas = dict(FocusArea.choices)
    rows = []
    for cid in sorted(challenges, key=int):
        explanation = run.explanations.get(cid, {})
        chosen = []
        for entry in explanation.get("chosen", []):
            fit = [
                (areas.get(area, area), round(value, 2))
                for area, value in entry.get("fit", {}).items()
                if value
            ]
            chosen.append(
                {
                    "peer": peers.get(str(entry.get("peer"))),
                    "role": ROLE_LABELS.get(entry.get("role"), entry.get("role")),
                    "score": entry.get("score"),
                    "fit": fit,
                    "reciprocity": entry.get("reciprocity"),
                }
            )
        if not chosen:
            chosen = [
                {"peer": peers.get(p), "role": "", "score": None, "fit": [], "reciprocity": None}
                for p in assignments.get(cid, [])
            ]
        not_chosen = [
            {
                "peer": peers.get(str(n["peer"])),
                "reason": n.get("reason", ""),
                "detail": n.get("detail", ""),
            }
            for n in explanation.get("not_chosen", [])
        ]
        diagnosis = [
            {
                "role": ROLE_LABELS.get(role, role),
                "eligible": info.get("eligible"),
                "removed_by": sorted(info.get("removed_by", {}).items()),
            }
            for role, info in diagnostics.get(cid, {}).items()
        ]
        rows.append(
            {
                "challenge": challenges[cid],
                "chosen": chosen,
                "not_chosen": not_chosen[:15],
                "not_chosen_more": max(0, len(not_chosen) - 15),
                "unstaffed": unstaffed.get(cid),
                "diagnosis": diagnosis,
            }
        )
    return rows
