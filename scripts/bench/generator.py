"""Synthetic peer-challenge rounds in the exchange format, for tests and benchmarks.

Pure Python (the standard library's seeded random), no Django. The councils are invented
("Synthetic council 001", not real places) but shaped like England's: types and regions in
roughly the real proportions, map positions clustered by region, neighbours from the map,
groupings of nearby councils, political control and a reciprocity ledger. Peers belong to
councils, hold one of the six roles, have a few strong areas of expertise, some weeks off and
a number of days left. Challenges use the usual role template: a lead member peer of the
host's ruling party, a member peer (of another party, by the balance rule), a chief executive
peer and senior officer peers for the focus areas, sometimes a business or voluntary peer.
"""

from __future__ import annotations

import math
import random

from peerchallenge.matching import FORMAT

FOCUS_AREAS = [
    "local-priorities",
    "leadership",
    "governance-culture",
    "financial-planning",
    "capacity-for-improvement",
    "childrens-safeguarding",
    "adult-social-care",
    "housing",
    "community-safety",
    "nhs-integration",
    "economic-growth",
    "climate",
]
CORE = 5
ROLES = ["lead_member", "member", "chief_exec", "senior_officer", "business", "voluntary"]
COUNCILLOR_ROLES = ["lead_member", "member"]
PARTIES = ["Con", "Lab", "LD", "Ind", "Green"]
REGIONS = [
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
]
TYPES = [("district", 0.50), ("unitary", 0.20), ("metropolitan", 0.12), ("london", 0.11),
         ("county", 0.07)]  # fmt: skip
CONTROL = [("Con", 0.34), ("Lab", 0.36), ("LD", 0.10), ("Ind", 0.02), ("Green", 0.02),
           ("NOC", 0.16)]  # fmt: skip
ROLE_SHARE = [("lead_member", 0.14), ("member", 0.18), ("chief_exec", 0.10),
              ("senior_officer", 0.48), ("business", 0.05), ("voluntary", 0.05)]  # fmt: skip
MEMBER_PARTY = [("Con", 0.36), ("Lab", 0.36), ("LD", 0.16), ("Ind", 0.06), ("Green", 0.06)]

DEFAULT_RULES = {
    "conflict_neighbours": True,
    "conflict_same_grouping": True,
    "recent_review_years": 3,
    "max_same_party": 1,
    "min_parties": 2,
    "one_peer_per_council": True,
    "no_mutual_review": True,
    "reciprocity_weight": 0.2,
    "score_scale": 1000,
}


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def generate(
    challenges: int = 50,
    peers: int = 400,
    seed: int = 1,
    *,
    councils: int | None = None,
    current_year: int = 2026,
    rules: dict | None = None,
    unavailable_weeks: int = 8,
) -> dict:
    """A round of ``challenges`` challenges and a pool of ``peers`` peers."""
    rng = random.Random(seed)
    n_councils = councils or max(challenges + challenges // 5 + 4, min(360, peers // 4), 8)
    region_centre = {r: (rng.uniform(0, 100), rng.uniform(0, 100)) for r in REGIONS}
    council_rows = []
    for i in range(n_councils):
        region = REGIONS[i % len(REGIONS)]
        cx, cy = region_centre[region]
        council_rows.append(
            {
                "id": f"S{i + 1:04d}",
                "name": f"Synthetic council {i + 1:03d}",
                "type": _pick(rng, TYPES) if region != "London" else "london",
                "region": region,
                "grouping": None,
                "control": _pick(rng, CONTROL),
                "x": round(cx + rng.gauss(0, 7), 2),
                "y": round(cy + rng.gauss(0, 7), 2),
                "neighbours": [],
                "peer_days_given_3y": rng.randint(0, 60),
                "peer_days_received_3y": rng.randint(0, 60),
            }
        )
    # Neighbours: the three nearest councils, made symmetric.
    for a in council_rows:
        nearest = sorted(
            (b for b in council_rows if b is not a),
            key=lambda b: math.dist((a["x"], a["y"]), (b["x"], b["y"])),
        )[:3]
        for b in nearest:
            if b["id"] not in a["neighbours"]:
                a["neighbours"].append(b["id"])
            if a["id"] not in b["neighbours"]:
                b["neighbours"].append(a["id"])
    # Groupings: within a region, councils go to the nearest of a few county-like centres.
    for region in REGIONS:
        members = [c for c in council_rows if c["region"] == region]
        centres = members[::6] or members
        for c in members:
            home = min(centres, key=lambda h: math.dist((c["x"], c["y"]), (h["x"], h["y"])))
            c["grouping"] = f"{region} group {centres.index(home) + 1}"
    for c in council_rows:
        c["neighbours"].sort()

    reviews = []
    for _ in range(n_councils // 3):
        a, b = rng.sample(council_rows, 2)
        reviews.append(
            {
                "reviewer_council": a["id"],
                "host_council": b["id"],
                "year": current_year - rng.randint(1, 5),
            }
        )

    peer_rows = []
    for i in range(peers):
        council = rng.choice(council_rows)
        role = _pick(rng, ROLE_SHARE)
        party = None
        if role in COUNCILLOR_ROLES:
            if council["control"] != "NOC" and rng.random() < 0.6:
                party = council["control"]
            else:
                party = _pick(rng, MEMBER_PARTY)
        strong = set(rng.sample(range(len(FOCUS_AREAS)), rng.randint(2, 4)))
        expertise = [
            round(rng.uniform(0.6, 1.0) if k in strong else rng.uniform(0.0, 0.4), 2)
            for k in range(len(FOCUS_AREAS))
        ]
        start = rng.randint(1, 52)
        off = {((start + d - 1) % 52) + 1 for d in range(unavailable_weeks // 2)}
        while len(off) < unavailable_weeks:
            off.add(rng.randint(1, 52))
        peer_rows.append(
            {
                "id": f"P{i + 1:05d}",
                "council": council["id"],
                "role": role,
                "party": party,
                "expertise": expertise,
                "capacity_days": rng.choice([5, 8, 10, 10, 12, 15, 20]),
                "unavailable_weeks": sorted(off),
            }
        )

    hosts = rng.sample(council_rows, min(challenges, n_councils))
    while len(hosts) < challenges:
        hosts.append(rng.choice(council_rows))
    challenge_rows = []
    for i, host in enumerate(hosts):
        kind = rng.choices(["corporate", "finance", "thematic"], weights=[0.6, 0.2, 0.2])[0]
        focus = [0.0] * len(FOCUS_AREAS)
        if kind == "corporate":
            for k in range(CORE):
                focus[k] = 1.0
            focus[rng.randrange(CORE, len(FOCUS_AREAS))] = 0.5
            days = 4
        elif kind == "finance":
            focus[3] = 3.0
            focus[rng.randrange(CORE)] = max(focus[0], 1.0)
            days = 3
        else:
            focus[rng.randrange(CORE, len(FOCUS_AREAS))] = 3.0
            focus[rng.randrange(CORE)] = 1.0
            days = 3
        officers = rng.choice([1, 2, 2, 3])
        roles = {
            "lead_member": [1, 1],
            "member": [1, 1],
            "chief_exec": [1, 1],
            "senior_officer": [officers, officers + 1],
        }
        size = 3 + officers
        if rng.random() < 0.3:
            roles[rng.choice(["business", "voluntary"])] = [0, 1]
            size += rng.randint(0, 1)
        challenge_rows.append(
            {
                "id": f"C{i + 1:04d}",
                "host": host["id"],
                "kind": kind,
                "week": rng.choice([w for w in range(2, 51) if not 30 <= w <= 34]),
                "days": days,
                "team_size": size,
                "focus": focus,
                "roles": roles,
                "lead_member_same_party": True,
            }
        )

    return {
        "format": FORMAT,
        "seed": seed,
        "params": {"challenges": challenges, "peers": peers, "councils": n_councils},
        "current_year": current_year,
        "focus_areas": list(FOCUS_AREAS),
        "roles": list(ROLES),
        "councillor_roles": list(COUNCILLOR_ROLES),
        "parties": list(PARTIES),
        "rules": {**DEFAULT_RULES, **(rules or {})},
        "councils": council_rows,
        "recent_reviews": reviews,
        "peers": peer_rows,
        "challenges": challenge_rows,
    }
