"""Reads that span several models: the ledger's visits and tables, challenge lists, reports,
and a matching run's teams as staff see them."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerchallenge import ledger
from peerchallenge.models import (
    COUNCILLOR_ROLES,
    ROLE_LABELS,
    VISITED_STATES,
    ActionStatus,
    Challenge,
    ChallengeState,
    FocusArea,
    MatchingRun,
    MemberStatus,
    Party,
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
        team = [c["peer"] for c in chosen if c["peer"] is not None]
        rows.append(
            {
                "challenge": challenges[cid],
                "chosen": chosen,
                "checks": team_checks(challenges[cid], team, run.instance.get("rules", {}))
                if team
                else [],
                "not_chosen": not_chosen[:15],
                "not_chosen_more": max(0, len(not_chosen) - 15),
                "unstaffed": unstaffed.get(cid),
                "diagnosis": diagnosis,
            }
        )
    return rows


def _party_names(parties) -> str:
    labels = dict(Party.choices)
    return ", ".join(f"{labels.get(p, p)} {n}" for p, n in sorted(parties.items()))


def team_checks(challenge: Challenge, team: list[Peer], rules: dict) -> list[dict]:
    """The balance rules a proposed team must keep, each with what the team has, so staff can
    check it by eye: roles against the scope, councillors' parties, the lead member's party
    against the host's control, and home councils. Each row: rule, team, ok."""
    checks = []
    counts = dict.fromkeys(challenge.role_template, 0)
    for peer in team:
        counts[peer.role] = counts.get(peer.role, 0) + 1
    for role, count in counts.items():
        low, high = challenge.role_template.get(role, [0, 0])
        checks.append(
            {
                "rule": _("%(role)s: %(low)s to %(high)s")
                % {"role": ROLE_LABELS.get(role, role), "low": low, "high": high},
                "team": str(count),
                "ok": low <= count <= high,
            }
        )
    councillors = [p for p in team if p.role in COUNCILLOR_ROLES]
    parties: dict[str, int] = {}
    for peer in councillors:
        parties[peer.party] = parties.get(peer.party, 0) + 1
    most, fewest = int(rules.get("max_same_party", 2)), int(rules.get("min_parties", 2))
    if len(councillors) >= 2:
        checks.append(
            {
                "rule": ngettext(
                    "Councillors: at most %(most)s of one party",
                    "Councillors: at most %(most)s of one party",
                    most,
                )
                % {"most": most},
                "team": _party_names(parties),
                "ok": max(parties.values()) <= most,
            }
        )
        checks.append(
            {
                "rule": _("Councillors: at least %(fewest)s parties") % {"fewest": fewest},
                "team": _party_names(parties),
                "ok": len(parties) >= fewest,
            }
        )
    leads = [p for p in team if p.role == "lead_member"]
    if challenge.lead_member_same_party and challenge.host_control not in ("", "NOC") and leads:
        checks.append(
            {
                "rule": _("Lead member peer from the host's ruling party (%(party)s)")
                % {"party": challenge.get_host_control_display()},
                "team": ", ".join(p.get_party_display() for p in leads),
                "ok": all(p.party == challenge.host_control for p in leads),
            }
        )
    if rules.get("one_peer_per_council", True):
        homes = [p.council_id for p in team]
        checks.append(
            {
                "rule": _("At most one peer from any one council"),
                "team": ngettext(
                    "%(n)s council for %(peers)s peer",
                    "%(n)s councils for %(peers)s peers",
                    len(team),
                )
                % {"n": len(set(homes)), "peers": len(team)},
                "ok": len(set(homes)) == len(homes),
            }
        )
    checks.append(
        {
            "rule": _("No peer from the host council"),
            "team": ", ".join(sorted({p.council.name for p in team})),
            "ok": all(p.council_id != challenge.host_id for p in team),
        }
    )
    return checks
