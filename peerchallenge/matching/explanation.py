"""Why each proposed team: every chosen peer's score in parts and, for every other peer,
the rule that kept them off or that they score lower."""

from __future__ import annotations

from collections import Counter, defaultdict

from peerchallenge.matching.instance import ELIGIBLE, REASONS, _require_valid, _Round
from peerchallenge.matching.solver import Result

# --------------------------------------------------------------------------- explaining


def explain(instance: dict, result: Result, challenge_id: str) -> dict:
    """Why this team: each chosen peer's score split into fit per focus area and the
    reciprocity term, and for every other peer in the pool the rule that kept them off, or
    that they score lower than those chosen."""
    rnd = _round_for_explaining(instance)
    c = rnd._challenge(challenge_id)
    teams = {
        rnd.challenge_ix[ch]: [rnd.peer_ix[p] for p in members]
        for ch, members in result.assignments.items()
        if ch in rnd.challenge_ix
    }
    team = teams.get(c, [])
    weight = float(rnd.rules["reciprocity_weight"])
    chosen = [
        {
            "peer": rnd.peer_ids[p],
            "role": rnd.roles[rnd.p_role[p]],
            "score": int(rnd.score_matrix[c, p]),
            "fit": rnd.fit_parts(p, c),
            "reciprocity": round(weight * float(rnd.debt[rnd.p_council[p]]), 4),
        }
        for p in team
    ]
    elsewhere: dict[int, list[int]] = defaultdict(list)
    for other, members in teams.items():
        if other != c:
            for p in members:
                elsewhere[p].append(other)
    directions = {
        (int(rnd.p_council[p]), int(rnd.c_host[other]))
        for other, members in teams.items()
        if other != c
        for p in members
    }
    # Eligible peers first, then those a rule kept off, each by score, best first: the
    # closest alternatives to those chosen lead the list.
    others = sorted(
        (p for p in range(rnd.n_peers) if p not in team),
        key=lambda p: (rnd.reason[c, p] != ELIGIBLE, -int(rnd.score_matrix[c, p]), p),
    )
    not_chosen = []
    for p in others:
        reason, detail = _why_not(rnd, c, p, team, elsewhere[p], directions)
        not_chosen.append({"peer": rnd.peer_ids[p], "reason": reason, "detail": detail})
    out = {"chosen": chosen, "not_chosen": not_chosen}
    if challenge_id in result.unstaffed:
        out["unstaffed"] = result.unstaffed[challenge_id]
    return out


_explaining: list = []  # one (fingerprint, _Round): explaining each team of a round reuses it


def _round_for_explaining(instance: dict) -> _Round:
    """The arrays for ``explain``, built once while the same instance object is explained
    team after team (a round's teams are explained one call each)."""
    rules = instance.get("rules") if isinstance(instance, dict) else None
    key = (
        id(instance),
        id(instance.get("peers")) if isinstance(instance, dict) else None,
        id(instance.get("challenges")) if isinstance(instance, dict) else None,
        len(instance.get("peers") or []) if isinstance(instance, dict) else None,
        len(instance.get("challenges") or []) if isinstance(instance, dict) else None,
        tuple(sorted(rules.items())) if isinstance(rules, dict) else None,
    )
    if _explaining and _explaining[0][0] == key and _explaining[0][2] is instance:
        return _explaining[0][1]
    _require_valid(instance)
    rnd = _Round(instance)
    _explaining[:] = [(key, rnd, instance)]
    return rnd


def _why_not(rnd: _Round, c: int, p: int, team: list[int], others: list[int], directions):
    code = int(rnd.reason[c, p])
    if code != ELIGIBLE:
        words = rnd.reason_words(c, p)
        return REASONS[code], words[0].upper() + words[1:] + "."
    if not team:
        return "challenge not staffed", "No team could be formed for this challenge."
    committed = float(sum(rnd.c_days[o] for o in others))
    if committed + rnd.c_days[c] > rnd.capacity[p] + 1e-9:
        return (
            "capacity across the round",
            f"They are already given {committed:g} of their {rnd.capacity[p]:g} days "
            f"({', '.join(rnd.challenge_ids[o] for o in others)}).",
        )
    clash = [o for o in others if rnd.c_week[o] == rnd.c_week[c]]
    if clash:
        return "week clash", f"They are on {rnd.challenge_ids[clash[0]]} that week."
    if rnd.rules["no_mutual_review"] and (int(rnd.c_host[c]), int(rnd.p_council[p])) in directions:
        host = rnd.council_name[rnd.council_ids[rnd.c_host[c]]]
        return (
            "mutual review",
            f"A peer from {host} reviews their council in this round.",
        )
    same_role = [q for q in team if rnd.p_role[q] == rnd.p_role[p]] or list(team)
    blocked = Counter()
    for q in same_role:
        trial = [m for m in team if m != q] + [p]
        rule = _team_rule_broken(rnd, c, trial)
        if rule:
            blocked[rule] += 1
    if len(blocked) and sum(blocked.values()) == len(same_role):
        rule = blocked.most_common(1)[0][0]
        words = {
            "one per council": "The team already has a peer from their council.",
            "party balance": "Swapping them in would break the party balance of the team.",
            "role bounds": "The team already has as many peers of their role as it may.",
        }
        return rule, words[rule]
    lowest = min(int(rnd.score_matrix[c, q]) for q in same_role)
    if int(rnd.score_matrix[c, p]) <= lowest:
        return (
            "lower score than chosen",
            f"Their score {int(rnd.score_matrix[c, p])} is not above the lowest chosen ({lowest}).",
        )
    return (
        "not proven best",
        "They would raise this team's score; the solver stopped before it proved the best answer.",
    )


def _team_rule_broken(rnd: _Round, c: int, team: list[int]) -> str | None:
    if rnd.rules["one_peer_per_council"] and len({int(rnd.p_council[m]) for m in team}) < len(team):
        return "one per council"
    roles = Counter(int(rnd.p_role[m]) for m in team)
    if any(
        not rnd.role_min[c, r] <= roles.get(r, 0) <= rnd.role_max[c, r]
        for r in range(len(rnd.roles))
        if rnd.in_template[c, r]
    ):
        return "role bounds"
    parties = Counter(int(rnd.p_party[m]) for m in team if rnd.p_councillor[m])
    if any(n > rnd.msp for n in parties.values()) or (
        rnd.needs_party_mix(c) and len(parties) < rnd.min_parties
    ):
        return "party balance"
    return None
