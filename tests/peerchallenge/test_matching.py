"""Tests for peerchallenge.matching: the rules, the optimum, pins and exclusions, and the
reasons given for challenges left unstaffed. Pure: no database.

The brute force below enumerates every assignment of small rounds, checks each rule as the
exchange format words it (written again here, independently of the module), and keeps the
best by (challenges staffed, total score): the matcher must reach exactly that.
"""

import copy
import itertools
import random

import pytest

from peerchallenge import matching
from peerchallenge.matching import check_solution, explain, score, solve, validate_instance
from scripts.bench import generator

RULES = {
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


def council(cid, *, control="Lab", grouping=None, neighbours=(), given=10, received=10):
    return {
        "id": cid,
        "name": f"Council {cid}",
        "type": "unitary",
        "region": "North East",
        "grouping": grouping or f"g-{cid}",
        "control": control,
        "x": 0.0,
        "y": 0.0,
        "neighbours": list(neighbours),
        "peer_days_given_3y": given,
        "peer_days_received_3y": received,
    }


def peer(pid, home, role, party=None, expertise=(0.5, 0.5), capacity=10, off=()):
    return {
        "id": pid,
        "council": home,
        "role": role,
        "party": party,
        "expertise": list(expertise),
        "capacity_days": capacity,
        "unavailable_weeks": list(off),
    }


def challenge(cid, host, *, week=10, days=3, size=2, roles=None, focus=(1.0, 1.0), lmsp=True):
    return {
        "id": cid,
        "host": host,
        "week": week,
        "days": days,
        "team_size": size,
        "focus": list(focus),
        "roles": roles or {"chief_exec": [0, 1], "senior_officer": [0, 2]},
        "lead_member_same_party": lmsp,
    }


def instance(councils, peers, challenges, *, reviews=(), **rules):
    return {
        "format": matching.FORMAT,
        "current_year": 2026,
        "focus_areas": ["finance", "housing"],
        "roles": ["lead_member", "member", "chief_exec", "senior_officer", "business", "voluntary"],
        "councillor_roles": ["lead_member", "member"],
        "parties": ["Con", "Lab", "LD", "Ind", "Green"],
        "rules": {**RULES, **rules},
        "councils": councils,
        "recent_reviews": list(reviews),
        "peers": peers,
        "challenges": challenges,
    }


# --------------------------------------------------------------------------- the brute force


def brute_score(inst, p, c):
    """w(p, c) from the format's formula, with plain floats."""
    total = sum(c["focus"])
    fit = sum(f * e for f, e in zip(c["focus"], p["expertise"], strict=True)) / total
    home = next(k for k in inst["councils"] if k["id"] == p["council"])
    given, received = home["peer_days_given_3y"], home["peer_days_received_3y"]
    debt = max(0, received - given) / (received + given) if received + given else 0.0
    rules = inst["rules"]
    return 1 + round(rules["score_scale"] * (fit + rules["reciprocity_weight"] * debt))


def brute_eligible(inst, p, c):
    councils = {k["id"]: k for k in inst["councils"]}
    host, home = councils[c["host"]], councils[p["council"]]
    rules = inst["rules"]
    if home["id"] == host["id"]:
        return False
    if rules["conflict_neighbours"] and (
        home["id"] in host["neighbours"] or host["id"] in home["neighbours"]
    ):
        return False
    if rules["conflict_same_grouping"] and home["grouping"] == host["grouping"]:
        return False
    for r in inst["recent_reviews"]:
        if {r["reviewer_council"], r["host_council"]} == {home["id"], host["id"]} and (
            inst["current_year"] - r["year"] <= rules["recent_review_years"]
        ):
            return False
    if c["week"] in p["unavailable_weeks"] or c["days"] > p["capacity_days"]:
        return False
    if c["roles"].get(p["role"], [0, 0])[1] <= 0:
        return False
    return not (
        p["role"] == "lead_member"
        and c["lead_member_same_party"]
        and host["control"] != "NOC"
        and p["party"] != host["control"]
    )


def brute_team_ok(inst, c, team):
    rules = inst["rules"]
    if len(team) != c["team_size"]:
        return False
    for role, (low, high) in c["roles"].items():
        if not low <= sum(p["role"] == role for p in team) <= high:
            return False
    councillors = [p for p in team if p["role"] in inst["councillor_roles"]]
    parties = [p["party"] for p in councillors]
    if any(parties.count(q) > rules["max_same_party"] for q in parties):
        return False
    need = sum(c["roles"].get(r, [0, 0])[0] for r in inst["councillor_roles"])
    if need >= 2 and len(set(parties)) < rules["min_parties"]:
        return False
    homes = [p["council"] for p in team]
    return not (rules["one_peer_per_council"] and len(set(homes)) < len(homes))


def brute_round_ok(inst, teams):
    """teams: list of (challenge, team) for the staffed challenges."""
    days, weeks, directions = {}, set(), set()
    for c, team in teams:
        for p in team:
            days[p["id"]] = days.get(p["id"], 0) + c["days"]
            if days[p["id"]] > p["capacity_days"]:
                return False
            if (p["id"], c["week"]) in weeks:
                return False
            weeks.add((p["id"], c["week"]))
            directions.add((p["council"], c["host"]))
    if inst["rules"]["no_mutual_review"]:
        return not any((b, a) in directions for a, b in directions)
    return True


def brute_force(inst):
    """The best (staffed count, score) over every assignment of the round."""
    options = []
    for c in inst["challenges"]:
        pool = [p for p in inst["peers"] if brute_eligible(inst, p, c)]
        teams = [
            t for t in itertools.combinations(pool, c["team_size"]) if brute_team_ok(inst, c, t)
        ]
        options.append([None, *teams])
    best = (0, 0)
    for combo in itertools.product(*options):
        teams = [(c, t) for c, t in zip(inst["challenges"], combo, strict=True) if t]
        if not brute_round_ok(inst, teams):
            continue
        value = (len(teams), sum(brute_score(inst, p, c) for c, t in teams for p in t))
        best = max(best, value)
    return best


def random_round(seed):
    """A round small enough to enumerate, with every kind of conflict likely to bite: shared
    weeks, tight days, neighbours, a shared grouping, a recent review, parties."""
    rng = random.Random(seed)
    parties = ["Con", "Lab", "LD"]
    ids = ["A", "B", "C", "D", "E"]
    councils = [
        council(
            k,
            control=rng.choice([*parties, "NOC"]),
            grouping="shire" if k in "DE" else None,
            neighbours=["B"] if k == "A" else [],
            given=rng.randint(0, 20),
            received=rng.randint(0, 20),
        )
        for k in ids
    ]
    roles = ["lead_member", "member", "chief_exec", "senior_officer"]
    peers = []
    for i in range(rng.randint(8, 10)):
        role = rng.choice(roles)
        peers.append(
            peer(
                f"p{i}",
                rng.choice(ids),
                role,
                party=rng.choice(parties) if role in ("lead_member", "member") else None,
                expertise=(round(rng.random(), 2), round(rng.random(), 2)),
                capacity=rng.choice([3, 5, 6, 9]),
                off=[rng.choice([1, 2, 3])] if rng.random() < 0.3 else [],
            )
        )
    templates = [
        ({"lead_member": [1, 1], "member": [1, 1]}, 2),
        ({"chief_exec": [0, 1], "senior_officer": [1, 2]}, 2),
        ({"lead_member": [0, 1], "member": [0, 1], "senior_officer": [0, 2]}, 2),
        ({"lead_member": [0, 1], "chief_exec": [0, 1], "senior_officer": [0, 2]}, 3),
    ]
    challenges = []
    for j, host in enumerate(rng.sample(ids, 3)):
        template, size = rng.choice(templates)
        challenges.append(
            challenge(
                f"c{j}",
                host,
                week=rng.choice([1, 2]),
                days=rng.choice([2, 3]),
                size=size,
                roles=template,
                focus=(rng.choice([0.0, 1.0, 2.0]), 1.0),
            )
        )
    reviews = [{"reviewer_council": "C", "host_council": "A", "year": 2025}]
    return instance(councils, peers, challenges, reviews=reviews)


@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force_on_small_rounds(seed):
    """On rounds small enough to enumerate, the matcher staffs as many challenges as any
    rule-abiding assignment can and, among those, reaches the highest total score."""
    inst = random_round(seed)
    count, best = brute_force(inst)
    result = solve(inst)
    assert check_solution(inst, result.assignments) == []
    assert (len(result.assignments), result.objective) == (count, best)
    assert result.status == ("optimal" if count else "infeasible")
    assert result.bound == best
    assert result.gap == 0.0


@pytest.mark.parametrize("seed", range(12))
def test_column_generation_reaches_the_same_optimum(seed, monkeypatch):
    """The large-round strategy (column generation, reduced-cost fixing) proves the same
    optimum as solving the whole programme at once."""
    inst = random_round(seed)
    count, best = brute_force(inst)
    monkeypatch.setattr(matching.solver, "COLUMN_STRATEGY_PAIRS", 0)
    result = solve(inst)
    assert check_solution(inst, result.assignments) == []
    assert (len(result.assignments), result.objective) == (count, best)


def test_column_generation_on_a_generated_round(monkeypatch):
    """On a generated round the column strategy matches the direct solve exactly."""
    inst = generator.generate(challenges=8, peers=90, seed=3)
    direct = solve(inst)
    monkeypatch.setattr(matching.solver, "COLUMN_STRATEGY_PAIRS", 0)
    columns = solve(inst)
    assert check_solution(inst, columns.assignments) == []
    assert columns.objective == direct.objective
    assert columns.status == direct.status == "optimal"


# --------------------------------------------------------------------------- solved rounds


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_rounds_solve_within_every_rule(seed):
    """Generated rounds are solved to a proven optimum that breaks no rule, and every
    challenge is either staffed with a full team or explained."""
    inst = generator.generate(challenges=8, peers=90, seed=seed)
    assert validate_instance(inst) == []
    result = solve(inst)
    assert result.status == "optimal"
    assert result.objective == result.bound
    assert check_solution(inst, result.assignments) == []
    sizes = {c["id"]: c["team_size"] for c in inst["challenges"]}
    for cid, team in result.assignments.items():
        assert len(team) == sizes[cid]
    assert set(result.assignments) | set(result.unstaffed) == set(sizes)
    assert not set(result.assignments) & set(result.unstaffed)
    assert result.objective == sum(
        score(inst, p, c) for c, team in result.assignments.items() for p in team
    )


def test_progress_is_reported_while_solving():
    """The caller hears the best answer so far and the bound, not a silent wait."""
    seen = []
    inst = generator.generate(challenges=8, peers=90, seed=1)
    result = solve(inst, on_progress=seen.append)
    assert seen
    assert seen[-1].objective == result.objective
    assert seen[-1].bound == result.bound
    assert seen[-1].gap == 0.0
    assert all(isinstance(p, matching.Progress) for p in seen)


def test_to_json_has_the_exchange_keys():
    inst = generator.generate(challenges=4, peers=60, seed=2)
    out = solve(inst).to_json()
    assert set(out) == {
        "assignments",
        "objective",
        "bound",
        "gap",
        "seconds",
        "status",
        "unstaffed",
    }


# --------------------------------------------------------------------------- the score


def test_score_follows_the_formula():
    """w = 1 + round(1000 * (fit + 0.2 * debt)): fit (2*0.5 + 1*0.8)/3 = 0.6; the home
    council received 30 and gave 10, so debt = 20/40 = 0.5; 1 + round(1000 * 0.7) = 701."""
    inst = instance(
        [council("A", given=10, received=30), council("B")],
        [peer("p", "A", "chief_exec", expertise=(0.5, 0.8))],
        [challenge("c", "B", focus=(2.0, 1.0))],
    )
    assert score(inst, "p", "c") == 701


def test_score_refuses_unknown_ids():
    inst = generator.generate(challenges=2, peers=10, seed=1)
    with pytest.raises(ValueError, match="no peer"):
        score(inst, "nobody", inst["challenges"][0]["id"])


def test_scores_agree_with_the_matrix_on_generated_rounds():
    inst = generator.generate(challenges=6, peers=80, seed=4)
    rnd = matching._Round(inst)
    for c in inst["challenges"]:
        for p in inst["peers"][:40]:
            w = rnd.score_matrix[rnd.challenge_ix[c["id"]], rnd.peer_ix[p["id"]]]
            assert score(inst, p["id"], c["id"]) == w == brute_score(inst, p, c)


# --------------------------------------------------------------------------- check_solution


def rule_round():
    """Eight councils; challenges at B and C in the same week, at E later, and one at B
    for two councillors."""
    councils = [
        council("A", neighbours=["B"]),
        council("B", control="Lab", grouping="shire"),
        council("C", control="NOC"),
        council("D", grouping="shire"),
        council("E"),
        council("F"),
        council("G"),
        council("H"),
    ]
    peers = [
        peer("ceA", "A", "chief_exec"),
        peer("ceB", "B", "chief_exec"),
        peer("ceC", "C", "chief_exec"),
        peer("ceD", "D", "chief_exec"),
        peer("ceE", "E", "chief_exec", capacity=4),
        peer("ceE2", "E", "chief_exec"),
        peer("soF", "F", "senior_officer", off=[10]),
        peer("soE", "E", "senior_officer", capacity=2),
        peer("bizF", "F", "business"),
        peer("lmCon", "F", "lead_member", party="Con"),
        peer("lmLab", "E", "lead_member", party="Lab"),
        peer("mLab", "F", "member", party="Lab"),
        peer("soB", "B", "senior_officer"),
        peer("soC", "C", "senior_officer"),
        peer("ceG", "G", "chief_exec"),
        peer("soH", "H", "senior_officer"),
    ]
    challenges = [
        challenge("atB", "B", week=10, days=3, size=2),
        challenge("atC", "C", week=10, days=3, size=2),
        challenge("atE", "E", week=20, days=3, size=2),
        challenge(
            "pol",
            "B",
            week=30,
            size=2,
            roles={"lead_member": [1, 1], "member": [1, 1]},
        ),
    ]
    reviews = [{"reviewer_council": "F", "host_council": "C", "year": 2024}]
    return instance(councils, peers, challenges, reviews=reviews)


@pytest.mark.parametrize(
    ("assignments", "code"),
    [
        ({"atB": ["ceB", "ceE2"]}, "E1"),  # own council
        ({"atB": ["ceA", "ceE2"]}, "E2"),  # A neighbours B
        ({"atB": ["ceD", "ceE2"]}, "E3"),  # B and D share a grouping
        ({"atC": ["soF", "ceE2"]}, "E4"),  # F reviewed C in 2024
        ({"atE": ["soF", "ceC"]}, "E5"),  # soF is away in week 10? no: atE is week 20
        ({"atB": ["soE", "ceE2"]}, "E6"),  # soE has 2 days, the challenge takes 3
        ({"atB": ["bizF", "ceE2"]}, "E7"),  # no business place in the template
        ({"pol": ["lmCon", "mLab"]}, "E8"),  # B is Labour-run
        ({"atB": ["ceE2"]}, "C1"),  # team of 1, size 2
        ({"atB": ["ceC", "ceE2"]}, "C2"),  # two chief executives, at most 1
        ({"pol": ["lmLab", "mLab"]}, "C3"),  # two Labour councillors
        ({"atB": ["ceE", "soE"]}, "C5"),  # two peers from E
        ({"atB": ["ceE", "ceC"], "atE": ["ceC", "ceE"]}, "C6"),
        ({"atB": ["ceE2", "soC"], "atC": ["ceE2", "soB"]}, "C7"),
        ({"atB": ["ceC", "soF"], "atC": ["ceB", "soE"]}, "C8"),
    ],
)
def test_check_solution_names_each_broken_rule(assignments, code):
    """Each hand-built bad assignment is caught under the rule it breaks."""
    inst = rule_round()
    if code == "E5":
        inst["challenges"][2]["week"] = 10
    problems = check_solution(inst, assignments)
    assert any(p.startswith(code) for p in problems), problems


def test_check_solution_catches_too_few_parties():
    """With at most 2 of one party but 2 parties required, two Labour councillors break C4
    and not C3."""
    inst = rule_round()
    inst["rules"]["max_same_party"] = 2
    inst["challenges"][3]["lead_member_same_party"] = False
    problems = check_solution(inst, {"pol": ["lmLab", "mLab"]})
    assert [p[:2] for p in problems] == ["C4"]


def test_check_solution_accepts_a_good_assignment():
    inst = rule_round()
    good = {"atB": ["ceE2", "soC"], "atE": ["ceC", "soF"]}
    assert check_solution(inst, good) == []


def test_check_solution_reports_unknown_ids_and_duplicates():
    inst = rule_round()
    problems = check_solution(inst, {"nope": ["x"], "atB": ["ceC", "ceC"], "atC": ["ghost"]})
    assert "Unknown challenge nope." in problems
    assert "Unknown peer ghost on challenge atC." in problems
    assert any(p.startswith("C1") and "twice" in p for p in problems)


def test_read_assignments_accepts_openreview_format():
    data = {"c1": [{"user": "p1", "aggregate_score": 0.5}, {"user": "p2"}]}
    assert matching.read_assignments(data) == {"c1": ["p1", "p2"]}
    assert matching.read_assignments({"assignments": {"c1": ["p1"]}}) == {"c1": ["p1"]}


# --------------------------------------------------------------------------- pins, exclusions


def test_pinned_and_excluded_peers_are_honoured():
    """A pinned peer stays on the team even when another scores more; an excluded peer is
    never used there; the rest is still the best it can be."""
    inst = generator.generate(challenges=6, peers=80, seed=5)
    first = solve(inst)
    cid, team = next(iter(first.assignments.items()))
    rnd = matching._Round(inst)
    c = rnd.challenge_ix[cid]
    dropped = team[-1]
    role = rnd.p_role[rnd.peer_ix[dropped]]
    spare = next(
        rnd.peer_ids[p]
        for p in range(rnd.n_peers)
        if rnd.reason[c, p] == 0
        and rnd.p_role[p] == role
        and rnd.peer_ids[p] not in team
        and rnd.p_council[p] not in {rnd.p_council[rnd.peer_ix[q]] for q in team[:-1]}
    )
    second = solve(inst, pinned={cid: [spare]}, excluded={cid: [team[0]]})
    assert spare in second.assignments[cid]
    assert team[0] not in second.assignments[cid]
    assert check_solution(inst, second.assignments) == []
    assert second.objective <= first.objective
    assert second.status == "optimal"


def test_a_decline_is_refilled_with_accepted_peers_kept():
    """When one peer declines, re-running with the others pinned and the decliner excluded
    keeps every accepted peer and fills the place."""
    inst = generator.generate(challenges=6, peers=80, seed=6)
    first = solve(inst)
    cid, team = next(iter(first.assignments.items()))
    declined, accepted = team[0], team[1:]
    pinned = {c: list(t) for c, t in first.assignments.items()}
    pinned[cid] = accepted
    again = solve(inst, pinned=pinned, excluded={cid: [declined]})
    assert set(accepted) < set(again.assignments[cid])
    assert declined not in again.assignments[cid]
    assert len(again.assignments[cid]) == len(team)
    for c, t in first.assignments.items():
        if c != cid:
            assert again.assignments[c] == t
    assert check_solution(inst, again.assignments) == []


def test_pins_naming_unknown_peers_are_refused():
    inst = generator.generate(challenges=3, peers=40, seed=1)
    with pytest.raises(ValueError, match="no peer"):
        solve(inst, pinned={inst["challenges"][0]["id"]: ["nobody"]})
    with pytest.raises(ValueError, match="no challenge"):
        solve(inst, excluded={"nothing": []})


def test_an_ineligible_pin_leaves_the_challenge_unstaffed_with_the_rule():
    """Pinning a peer from the host council cannot be honoured: the challenge is left
    unstaffed, saying which rule the pin breaks, and the others are still staffed."""
    inst = rule_round()
    result = solve(inst, pinned={"atB": ["ceB"]})
    assert "atB" not in result.assignments
    assert "conflict: own council" in result.unstaffed["atB"]
    assert "atC" in result.assignments


# --------------------------------------------------------------------------- unstaffed


def test_unstaffed_challenge_names_the_rule_that_removed_the_peers():
    """The host is Liberal Democrat-run and no lead member peer is a Liberal Democrat: the
    challenge is unstaffed, the reason counts the lead member peers the party rule removed,
    and the other challenge is staffed."""
    councils = [council("A", control="LD"), council("B", control="Con"), council("C")]
    peers = [
        peer("lm1", "C", "lead_member", party="Lab"),
        peer("lm2", "C", "lead_member", party="Con", capacity=20),
        peer("m1", "A", "member", party="Lab"),
        peer("m2", "C", "member", party="Lab"),
    ]
    roles = {"lead_member": [1, 1], "member": [1, 1]}
    challenges = [
        challenge("atA", "A", roles=roles, week=5),
        challenge("atB", "B", roles=roles, week=6),
    ]
    inst = instance(councils, peers, challenges, one_peer_per_council=False)
    result = solve(inst)
    assert result.assignments == {"atB": ["lm2", "m1"]}
    assert "lead member peer" in result.unstaffed["atA"]
    assert "party 2" in result.unstaffed["atA"]
    assert result.diagnostics["atA"]["lead_member"] == {"eligible": 0, "removed_by": {"party": 2}}
    assert result.status == "optimal"
    assert check_solution(inst, result.assignments) == []


def test_unstaffed_when_everyone_is_away_that_week():
    councils = [council("A"), council("B"), council("C")]
    peers = [peer(f"ce{i}", "B", "chief_exec", off=[7]) for i in range(3)]
    inst = instance(
        councils,
        peers,
        [challenge("c", "A", week=7, size=1, roles={"chief_exec": [1, 1]})],
    )
    result = solve(inst)
    assert result.status == "infeasible"
    assert result.assignments == {}
    assert "unavailable that week 3" in result.unstaffed["c"]
    assert result.diagnostics["c"]["chief_exec"]["removed_by"] == {"unavailable that week": 3}


def test_round_competition_is_explained():
    """Two challenges in the same week each need the only chief executive peer: one is
    staffed (the one where they score more) and the other says the round rule that stops it."""
    councils = [council("A"), council("B"), council("C")]
    peers = [peer("ce", "C", "chief_exec", expertise=(1.0, 0.0))]
    one = {"chief_exec": [1, 1]}
    challenges = [
        challenge("finance", "A", week=4, size=1, roles=one, focus=(1.0, 0.0)),
        challenge("housing", "B", week=4, size=1, roles=one, focus=(0.0, 1.0)),
    ]
    inst = instance(councils, peers, challenges)
    result = solve(inst)
    assert result.assignments == {"finance": ["ce"]}
    assert "week clash" in result.unstaffed["housing"]
    assert "could be formed for this challenge alone" in result.unstaffed["housing"]


def test_a_team_the_rules_cannot_form_is_explained():
    """Both lead member peers are Labour and at most one councillor of a party may sit on a
    team: the counts pass but no team meets the party balance."""
    councils = [council("A", control="NOC"), council("B"), council("C")]
    peers = [
        peer("lm", "B", "lead_member", party="Lab"),
        peer("m", "C", "member", party="Lab"),
    ]
    roles = {"lead_member": [1, 1], "member": [1, 1]}
    inst = instance(councils, peers, [challenge("c", "A", roles=roles)])
    result = solve(inst)
    assert result.status == "infeasible"
    assert "party" in result.unstaffed["c"]


def test_infeasible_by_construction():
    """A team needing two chief executive peers from a pool of one cannot be formed."""
    councils = [council("A"), council("B")]
    inst = instance(
        councils,
        [peer("ce", "B", "chief_exec")],
        [challenge("c", "A", size=2, roles={"chief_exec": [2, 2]})],
    )
    result = solve(inst)
    assert result.status == "infeasible"
    assert result.assignments == {}
    assert result.objective == 0
    assert "needs 2 chief executive peers but 1 is eligible" in result.unstaffed["c"]


def test_empty_round():
    inst = instance([council("A")], [], [])
    result = solve(inst)
    assert result.assignments == {} and result.status == "optimal"


# --------------------------------------------------------------------------- explain


def test_explain_gives_fit_and_the_reason_for_everyone_else():
    inst = rule_round()
    result = solve(inst)
    out = explain(inst, result, "atB")
    chosen = {c["peer"]: c for c in out["chosen"]}
    assert set(chosen) == set(result.assignments["atB"])
    for peer_id, entry in chosen.items():
        assert entry["score"] == score(inst, peer_id, "atB")
        assert set(entry["fit"]) == {"finance", "housing"}
    reasons = {n["peer"]: n["reason"] for n in out["not_chosen"]}
    assert reasons["ceB"] == "conflict: own council"
    assert reasons["ceA"] == "conflict: neighbour"
    assert reasons["ceD"] == "conflict: same grouping"
    assert reasons["bizF"] == "role not in template"
    assert reasons["soE"] == "no capacity"
    assert len(out["chosen"]) + len(out["not_chosen"]) == len(inst["peers"])


def test_explain_names_round_rules_and_lower_scores():
    """A peer already on a same-week challenge is a week clash; a peer free in every way
    who was passed over scores lower than those chosen."""
    councils = [council(k) for k in "ABCD"]
    peers = [
        peer("best", "C", "chief_exec", expertise=(1.0, 1.0)),
        peer("good", "D", "chief_exec", expertise=(0.6, 0.6)),
        peer("weak", "D", "senior_officer", expertise=(0.1, 0.1)),
    ]
    one = {"chief_exec": [0, 1], "senior_officer": [0, 1]}
    challenges = [
        challenge("x", "A", week=3, size=1, roles=one),
        challenge("y", "B", week=3, size=1, roles=one),
    ]
    inst = instance(councils, peers, challenges)
    result = solve(inst)
    assert result.assignments == {"x": ["best"], "y": ["good"]} or result.assignments == {
        "x": ["good"],
        "y": ["best"],
    }
    taken_x = result.assignments["x"][0]
    reasons = {n["peer"]: n["reason"] for n in explain(inst, result, "x")["not_chosen"]}
    other = "good" if taken_x == "best" else "best"
    assert reasons[other] == "week clash"
    assert reasons["weak"] == "lower score than chosen"


# --------------------------------------------------------------------------- validation


def test_validate_accepts_generated_rounds():
    assert validate_instance(generator.generate(challenges=5, peers=50, seed=9)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda i: i.update(format="other"), '"format" must be'),
        (lambda i: i.pop("peers"), "Missing keys: peers"),
        (lambda i: i["peers"][0].update(expertise=[0.5]), "expertise must be 12 numbers"),
        (lambda i: i["peers"][0].update(expertise=[2.0] * 12), "expertise must be 12 numbers"),
        (lambda i: i["peers"][0].update(council="nowhere"), "is not in the councils"),
        (lambda i: i["peers"][0].update(role="mayor"), "is not in the roles"),
        (lambda i: i["peers"].append(dict(i["peers"][0])), "appears twice"),
        (lambda i: i["peers"][0].update(unavailable_weeks=[53]), "week numbers 1 to 52"),
        (lambda i: i["peers"][0].update(id=7), "needs an id (text)"),
        (lambda i: i["challenges"][0].update(week=0), "week must be"),
        (lambda i: i["challenges"][0].update(focus=[0.0] * 12), "not all 0"),
        (lambda i: i["challenges"][0].update(team_size=40), "outside what the roles allow"),
        (lambda i: i["challenges"][0]["roles"].update(chief_exec=[2, 1]), "0 <= min <= max"),
        (lambda i: i["challenges"][0].update(host="nowhere"), "is not in the councils"),
        (lambda i: i["councils"][0].update(control="Whig"), "control must be"),
        (lambda i: i["councils"][0].update(neighbours=["zz"]), "unknown neighbours zz"),
        (lambda i: i["rules"].update(max_same_party=0), "max_same_party must be at least 1"),
        (lambda i: i["rules"].pop("no_mutual_review"), "rules.no_mutual_review"),
        (lambda i: i["recent_reviews"].append({"year": 2020}), "Recent review"),
    ],
)
def test_validate_names_each_problem(change, expected):
    inst = copy.deepcopy(generator.generate(challenges=3, peers=20, seed=2))
    change(inst)
    problems = validate_instance(inst)
    assert any(expected in p for p in problems), problems


def test_validate_rejects_a_non_object_and_a_councillor_without_party():
    assert validate_instance([]) == ["The instance must be a JSON object."]
    inst = generator.generate(challenges=3, peers=40, seed=2)
    councillor = next(p for p in inst["peers"] if p["role"] == "member")
    councillor["party"] = None
    assert any("a councillor needs a listed party" in p for p in validate_instance(inst))


def test_solve_refuses_an_invalid_instance():
    with pytest.raises(ValueError, match="not valid"):
        solve({"format": "nothing"})


def test_check_and_explain_refuse_an_invalid_instance():
    inst = generator.generate(challenges=2, peers=10, seed=1)
    inst["peers"][0]["council"] = "nowhere"
    with pytest.raises(ValueError, match="not valid"):
        check_solution(inst, {})
    result = matching.Result({}, 0, 0.0, 0.0, "optimal", 0.0)
    with pytest.raises(ValueError, match="not valid"):
        explain(inst, result, inst["challenges"][0]["id"])


def test_explain_lists_the_closest_alternatives_first():
    """Peers who were eligible come before those a rule kept off, each by score."""
    inst = generator.generate(challenges=6, peers=80, seed=5)
    result = solve(inst)
    cid = next(iter(result.assignments))
    rows = explain(inst, result, cid)["not_chosen"]
    rnd = matching._Round(inst)
    c = rnd.challenge_ix[cid]
    keys = [
        (rnd.reason[c, rnd.peer_ix[r["peer"]]] != 0, -rnd.score_matrix[c, rnd.peer_ix[r["peer"]]])
        for r in rows
    ]
    assert keys == sorted(keys)
    assert rows[0]["reason"] not in matching.REASONS.values()
