"""A matching round as the exchange format (`docs/method/peer-challenge.md`), and back.

`round_instance` reads the round, the pool and the ledger and returns the instance dict the
matcher solves and the export downloads. The mapping from the portal's data:

- councils: those hosting a challenge in the instance or home to a peer in it. `grouping` is
  the council's region; `control` is the ruling party agreed at scoping for a host and "NOC"
  for any other council (the rules read control only for hosts); `x`, `y` are the
  register's longitude and latitude; `neighbours` are the other councils in the instance
  within `NEIGHBOUR_KM` of its centroid, and a county and its districts.
- peers: accredited peers, with capacity = days offered less days already committed to
  challenges outside the instance, and unavailable weeks = their own plus the weeks of those
  commitments.
- recent reviews and peer days given and received: from challenges whose team has been on
  site (the reciprocity ledger).
- a peer's declared conflicts and sector staff's exclusions become `excluded`; staff's pins
  and accepted invitations become `pinned`. Both are passed to the solver beside the
  instance and exported with it under the same names.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping

from django.db.models import Q
from django.utils import timezone

from peerchallenge import ledger, selectors
from peerchallenge.models import (
    COUNCILLOR_ROLES,
    Challenge,
    FocusArea,
    MemberStatus,
    Party,
    Peer,
    PeerRole,
    Pin,
    PinKind,
    TeamMember,
    week_number,
)
from selfreg.models import Council, CouncilType

FORMAT = "peer-challenge-instance/1"
NEIGHBOUR_KM = 30.0
COUNCIL_TYPES = {
    CouncilType.COUNTY: "county",
    CouncilType.DISTRICT: "district",
    CouncilType.UNITARY: "unitary",
    CouncilType.METROPOLITAN: "metropolitan",
    CouncilType.LONDON_BOROUGH: "london",
    CouncilType.CITY_CORPORATION: "london",
}


# --- pure helpers ------------------------------------------------------------------------------


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def neighbours(
    points: Mapping[str, tuple[float, float] | None],
    county_of: Mapping[str, str | None],
    radius_km: float = NEIGHBOUR_KM,
) -> dict[str, list[str]]:
    """Each council's neighbours among `points`: within `radius_km`, or county and district.

    Symmetric by construction; a council without a position has only its county links.
    """
    result: dict[str, set[str]] = {key: set() for key in points}
    keys = sorted(points)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            pa, pb = points[a], points[b]
            near = pa is not None and pb is not None and distance_km(pa, pb) <= radius_km
            linked = county_of.get(a) == b or county_of.get(b) == a
            if near or linked:
                result[a].add(b)
                result[b].add(a)
    return {key: sorted(value) for key, value in result.items()}


def assignments_from_solution(data) -> dict[str, list[str]]:
    """The assignments of a solution file, read and checked as `matching.read_assignments`
    does; raise ValueError with the first problem."""
    # Imported here: the matcher's modules load the solver, which only a solution needs.
    from peerchallenge import matching

    return matching.read_assignments(data)


# --- reading the portal ------------------------------------------------------------------------


def _council_entry(council: Council, *, control: str, region: str, balance) -> dict:
    return {
        "id": str(council.pk),
        "name": council.name,
        "type": COUNCIL_TYPES.get(council.kind, "unitary"),
        "region": region,
        "grouping": f"region:{region}" if region else "",
        "control": control,
        "x": council.longitude or 0.0,
        "y": council.latitude or 0.0,
        "neighbours": [],
        "peer_days_given_3y": balance.given,
        "peer_days_received_3y": balance.received,
    }


def commitments(peer_ids: Iterable[int], *, outside: Iterable[int], year: int):
    """Each peer's invitations still standing on challenges outside the instance that year:
    {peer id: [(days, week)]}."""
    rows = (
        TeamMember.objects.filter(
            peer_id__in=list(peer_ids),
            status__in=[MemberStatus.INVITED, MemberStatus.ACCEPTED],
            challenge__on_site_from__year=year,
        )
        .exclude(challenge_id__in=list(outside))
        .select_related("challenge")
    )
    result: dict[int, list[tuple[int, int]]] = {}
    for member in rows:
        result.setdefault(member.peer_id, []).append((member.days, member.challenge.week))
    return result


def constraints_for(challenges: list[Challenge], peers: list[Peer]) -> tuple[dict, dict]:
    """(pinned, excluded) for the solver: staff's pins and exclusions, declared conflicts,
    and the answers already given to invitations (accepted stay, declined stay off)."""
    pinned: dict[str, set[str]] = {}
    excluded: dict[str, set[str]] = {}
    ids = [c.pk for c in challenges]
    for challenge_id, peer_id, kind in Pin.objects.filter(challenge_id__in=ids).values_list(
        "challenge_id", "peer_id", "kind"
    ):
        target = pinned if kind == PinKind.PIN else excluded
        target.setdefault(str(challenge_id), set()).add(str(peer_id))
    for challenge_id, peer_id, status in TeamMember.objects.filter(
        challenge_id__in=ids
    ).values_list("challenge_id", "peer_id", "status"):
        target = excluded if status == MemberStatus.DECLINED else pinned
        target.setdefault(str(challenge_id), set()).add(str(peer_id))
    conflicts = {
        peer.pk: {c.pk for c in peer.conflicts.all()} for peer in peers if peer.conflicts.all()
    }
    for challenge in challenges:
        for peer_id, councils in conflicts.items():
            if challenge.host_id in councils:
                excluded.setdefault(str(challenge.pk), set()).add(str(peer_id))
    # Keeping off a peer who is not in the pool (no longer accredited, say) needs no rule.
    in_pool = {str(peer.pk) for peer in peers}
    excluded = {cid: ids & in_pool for cid, ids in excluded.items()}
    for challenge_id, peer_ids in excluded.items():
        if challenge_id in pinned:
            pinned[challenge_id] -= peer_ids
    as_lists = lambda d: {k: sorted(v, key=int) for k, v in sorted(d.items()) if v}  # noqa: E731
    return as_lists(pinned), as_lists(excluded)


def weeks_unavailable(periods, year: int) -> list[int]:
    """The weeks of `year` (as the matcher numbers them) holding any day of the periods, each
    a (first day, last day) pair of dates. Days of other years do not count."""
    weeks = set()
    for start, end in periods:
        day = max(start, datetime.date(year, 1, 1))
        last = min(end, datetime.date(year, 12, 31))
        while day <= last:
            weeks.add(week_number(day))
            day += datetime.timedelta(days=1)
    return sorted(weeks)


def build_instance(
    challenges: list[Challenge], *, rules: dict, year: int, today: datetime.date | None = None
) -> tuple[dict, dict, dict]:
    """The instance for these scoped challenges and the accredited pool, with (pinned,
    excluded). Raises ValueError naming any challenge that is not scoped."""
    today = today or timezone.localdate()
    unscoped = [str(c) for c in challenges if not c.is_scoped]
    if unscoped:
        raise ValueError("Not scoped yet: " + "; ".join(unscoped))
    peers = list(
        Peer.objects.accredited()
        .select_related("council")
        .prefetch_related("conflicts")
        .order_by("pk")
    )
    committed = commitments([p.pk for p in peers], outside=[c.pk for c in challenges], year=year)
    balances = ledger.council_ledger(ledger.in_window(selectors.ledger_visits(), today))
    reviews = _recent_reviews(year, int(rules.get("recent_review_years", 3)))
    councils = _council_entries(challenges, peers, balances)
    instance = {
        "format": FORMAT,
        "current_year": year,
        "focus_areas": list(FocusArea.values),
        "roles": list(PeerRole.values),
        "councillor_roles": list(COUNCILLOR_ROLES),
        "parties": list(Party.values),
        "rules": dict(rules),
        "councils": list(councils.values()),
        # Only reviews between two councils of the instance can make a pair ineligible.
        "recent_reviews": [
            {"reviewer_council": a, "host_council": b, "year": y}
            for a, b, y in reviews
            if int(a) in councils and int(b) in councils
        ],
        "peers": [_peer_entry(peer, committed.get(peer.pk, []), year) for peer in peers],
        "challenges": [_challenge_entry(c) for c in sorted(challenges, key=lambda c: c.pk)],
    }
    pinned, excluded = constraints_for(challenges, peers)
    return instance, pinned, excluded


def _recent_reviews(year: int, recent_years: int) -> list[tuple[str, str, int]]:
    """(reviewer council id, host council id, year) of every visit from `recent_years` before
    `year` up to it, each once and sorted: the matcher's rules keep such recent pairs apart."""
    return sorted(
        {
            (str(v.peer_council), str(v.host_council), v.on.year)
            for v in selectors.ledger_visits()
            if year - recent_years <= v.on.year <= year
        }
    )


def _council_entries(
    challenges: list[Challenge], peers: list[Peer], balances: Mapping
) -> dict[int, dict]:
    """The instance's councils by primary key, in key order: every host and every peer's
    council, with its control, region, ledger balance and neighbours."""
    council_ids = {c.host_id for c in challenges} | {p.council_id for p in peers}
    councils = {c.pk: c for c in Council.objects.filter(pk__in=council_ids)}
    control = {c.host_id: c.host_control for c in challenges}
    entries = {}
    for pk, council in sorted(councils.items()):
        entries[pk] = _council_entry(
            council,
            control=control.get(pk, "NOC"),
            region=council.region or council.nation,
            balance=balances.get(pk, ledger.Balance()),
        )
    for key, near in _council_neighbours(councils).items():
        entries[int(key)]["neighbours"] = near
    return entries


def _council_neighbours(councils: Mapping[int, Council]) -> dict[str, list[str]]:
    """Each council's neighbours among `councils`, by id as text: near by the register's
    position, or its county and districts when both are in the instance."""
    points = {
        str(pk): (c.latitude, c.longitude) if c.latitude is not None else None
        for pk, c in councils.items()
    }
    county_of = {
        str(pk): str(c.county_id) if c.county_id in councils else None for pk, c in councils.items()
    }
    return neighbours(points, county_of)


def _peer_entry(peer: Peer, taken: list[tuple[int, int]], year: int) -> dict:
    """A peer as the matcher sees it. `taken` are the peer's (days, week) committed to
    challenges outside the instance: they lower the days on offer and block their weeks,
    beside the peer's own unavailable periods."""
    weeks = set(weeks_unavailable(peer.periods(), year)) | {w for _, w in taken if w}
    return {
        "id": str(peer.pk),
        "council": str(peer.council_id),
        "role": peer.role,
        "party": (peer.party or None) if peer.role in COUNCILLOR_ROLES else None,
        "expertise": peer.expertise_vector(),
        "capacity_days": max(0, peer.days_offered - sum(d for d, _ in taken)),
        "unavailable_weeks": sorted(w for w in weeks if 1 <= w <= 52),
    }


def _challenge_entry(challenge: Challenge) -> dict:
    """A scoped challenge as the matcher sees it: when, how long, the team it needs."""
    return {
        "id": str(challenge.pk),
        "host": str(challenge.host_id),
        "week": challenge.week,
        "days": challenge.days,
        "team_size": challenge.team_size,
        "focus": challenge.focus_vector(),
        "roles": {role: list(bounds) for role, bounds in challenge.role_template.items()},
        "lead_member_same_party": challenge.lead_member_same_party,
    }


def round_instance(matching_round) -> tuple[dict, dict, dict]:
    """The round's scoped challenges still to be staffed, as (instance, pinned, excluded)."""
    challenges = list(
        matching_round.challenges.filter(Q(state__in=selectors.MATCHABLE_STATES)).select_related(
            "host"
        )
    )
    return build_instance(challenges, rules=matching_round.rules, year=matching_round.year)


def export_document(instance: dict, pinned: dict, excluded: dict) -> dict:
    """What the round's export downloads: the instance, with pins and exclusions beside."""
    return {**instance, "pinned": pinned, "excluded": excluded}
