"""Checking any assignment against every eligibility, team and round rule."""

from __future__ import annotations

from collections import Counter, defaultdict

from peerchallenge.matching.instance import (
    ELIGIBLE,
    REASONS,
    ROLE_WORDS,
    RULE_CODES,
    _require_valid,
    _Round,
)

# --------------------------------------------------------------------------- checking


def check_solution(instance: dict, assignments: dict[str, list[str]]) -> list[str]:
    """Every eligibility rule (E1..E8) and team or round rule (C1..C8) the assignment breaks,
    in words, each starting with the rule's code. A challenge left out (or with an empty
    team) is unstaffed, which breaks no rule."""
    _require_valid(instance)
    rnd = _Round(instance)
    problems: list[str] = []
    teams: dict[int, list[int]] = {}
    for challenge, members in assignments.items():
        if challenge not in rnd.challenge_ix:
            problems.append(f"Unknown challenge {challenge}.")
            continue
        c = rnd.challenge_ix[challenge]
        team = []
        for peer in members:
            if peer not in rnd.peer_ix:
                problems.append(f"Unknown peer {peer} on challenge {challenge}.")
            elif rnd.peer_ix[peer] in team:
                problems.append(f"C1 team size: peer {peer} is listed twice on {challenge}.")
            else:
                team.append(rnd.peer_ix[peer])
        if team:
            teams[c] = team
    for c, team in teams.items():
        problems += _check_team(rnd, c, team)
    problems += _check_round(rnd, teams)
    return problems


def _check_team(rnd: _Round, c: int, team: list[int]) -> list[str]:
    problems = []
    cid = rnd.challenge_ids[c]
    for p in team:
        code = int(rnd.reason[c, p])
        if code != ELIGIBLE:
            problems.append(
                f"{RULE_CODES[code]} {REASONS[code]}: peer {rnd.peer_ids[p]} on {cid}: "
                f"{rnd.reason_words(c, p)}."
            )
    if len(team) != rnd.c_size[c]:
        problems.append(
            f"C1 team size: {cid} has {len(team)} peers; its team size is {rnd.c_size[c]}."
        )
    roles = Counter(int(rnd.p_role[p]) for p in team)
    for r, role in enumerate(rnd.roles):
        if not rnd.in_template[c, r]:
            continue
        n = roles.get(r, 0)
        if not rnd.role_min[c, r] <= n <= rnd.role_max[c, r]:
            problems.append(
                f"C2 role bounds: {cid} has {n} {ROLE_WORDS.get(role, role)}s; it needs "
                f"{rnd.role_min[c, r]} to {rnd.role_max[c, r]}."
            )
    parties = Counter(
        int(rnd.p_party[p]) for p in team if rnd.p_councillor[p] and rnd.p_party[p] >= 0
    )
    for q, n in parties.items():
        if n > rnd.msp:
            problems.append(
                f"C3 political balance: {cid} has {n} {rnd.parties[q]} councillors; at most "
                f"{rnd.msp} of one party."
            )
    if rnd.needs_party_mix(c) and len(parties) < rnd.min_parties:
        problems.append(
            f"C4 distinct parties: {cid}'s councillors are of {len(parties)} "
            f"part{'y' if len(parties) == 1 else 'ies'}; it needs {rnd.min_parties}."
        )
    if rnd.rules["one_peer_per_council"]:
        councils = Counter(int(rnd.p_council[p]) for p in team)
        for k, n in councils.items():
            if n > 1:
                problems.append(
                    f"C5 one peer per council: {cid} has {n} peers from "
                    f"{rnd.council_name[rnd.council_ids[k]]}."
                )
    return problems


def _check_round(rnd: _Round, teams: dict[int, list[int]]) -> list[str]:
    problems = []
    on: dict[int, list[int]] = defaultdict(list)
    for c, team in teams.items():
        for p in team:
            on[p].append(c)
    for p, cs in on.items():
        days = float(sum(rnd.c_days[c] for c in cs))
        if days > rnd.capacity[p] + 1e-9:
            problems.append(
                f"C6 capacity: peer {rnd.peer_ids[p]} is given {days:g} days; they have "
                f"{rnd.capacity[p]:g}."
            )
        weeks = Counter(int(rnd.c_week[c]) for c in cs)
        for week, n in weeks.items():
            if n > 1:
                names = ", ".join(rnd.challenge_ids[c] for c in cs if rnd.c_week[c] == week)
                problems.append(
                    f"C7 week clash: peer {rnd.peer_ids[p]} is on {n} challenges in week "
                    f"{week} ({names})."
                )
    if rnd.rules["no_mutual_review"]:
        directions = set()
        for c, team in teams.items():
            for p in team:
                directions.add((int(rnd.p_council[p]), int(rnd.c_host[c])))
        for a, b in sorted(directions):
            if a < b and (b, a) in directions:
                problems.append(
                    f"C8 mutual review: a peer from {rnd.council_name[rnd.council_ids[a]]} "
                    f"reviews {rnd.council_name[rnd.council_ids[b]]} and a peer from "
                    f"{rnd.council_name[rnd.council_ids[b]]} reviews "
                    f"{rnd.council_name[rnd.council_ids[a]]} in the same round."
                )
    return problems
