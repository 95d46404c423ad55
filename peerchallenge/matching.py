"""Peer-challenge team matching: the best teams for a round, with a proven bound.

Pure Python (numpy and HiGHS through highspy), no Django. The model and the JSON exchange
format are written down in ``docs/method/matching.md``; in short:

* a pair (peer, challenge) is *eligible* when rules E1..E8 hold (no conflict of interest,
  available that week, enough days, a role the team needs, the right party for the lead
  member);
* a team must meet C1..C5 (size, role bounds, political balance, distinct parties, one peer
  per council) and the round must meet C6..C8 (days across the round, one challenge a week,
  no mutual review);
* the score of a pair is an integer, ``w(p, c)``, and the matcher maximises the sum over
  the assigned pairs. No rule is ever traded for score.

Solving is lexicographic and exact. Stage 1 finds the largest number of challenges that can
be staffed together; stage 2 maximises the score with exactly that many staffed. Both are
mixed-integer programmes solved by HiGHS with a zero relative gap and an absolute gap below
one score point, so "optimal" means proven. Large rounds (more than
``COLUMN_STRATEGY_PAIRS`` eligible pairs) are solved by column generation on the linear
relaxation followed by reduced-cost fixing, which keeps the same proof: a pair left out of
the final programme provably cannot be in any assignment better than the one returned. Under
a time limit, when too many pairs survive the fixing for that programme to finish, the best
assignment found is returned with the relaxation's bound and the gap (status "feasible").
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np

from peerchallenge import schema

FORMAT = "peer-challenge-instance/1"

log = logging.getLogger(__name__)

# Above this many eligible pairs the round is solved by column generation (see module doc).
COLUMN_STRATEGY_PAIRS = 120_000
# Under a time limit, the last exact programme of that strategy is run only when reduced-cost
# fixing leaves at most this many pairs; otherwise the incumbent stands with its bound.
FINAL_PAIRS_WITH_LIMIT = 250_000

# The reasons a pair is not eligible, in the order the exchange format lists the rules. The
# first rule that fails is the one reported.
ELIGIBLE = 0
REASONS = {
    1: "conflict: own council",
    2: "conflict: neighbour",
    3: "conflict: same grouping",
    4: "conflict: recent review",
    5: "unavailable that week",
    6: "no capacity",
    7: "role not in template",
    8: "party",
    9: "excluded by staff",
}
RULE_CODES = {1: "E1", 2: "E2", 3: "E3", 4: "E4", 5: "E5", 6: "E6", 7: "E7", 8: "E8", 9: "pin"}
ROUND_RULES = {
    "C6": "capacity across the round",
    "C7": "week clash",
    "C8": "mutual review",
}
ROLE_WORDS = {
    "lead_member": "lead member peer",
    "member": "member peer",
    "chief_exec": "chief executive peer",
    "senior_officer": "senior officer peer",
    "business": "business peer",
    "voluntary": "voluntary sector peer",
}
WEEKS = 53  # weeks are numbered 1..52; index 0 is unused


@dataclass
class Progress:
    """What the solver has so far: the best score found, the best bound proven, the gap
    between them as a share of the bound, and the seconds since ``solve`` started."""

    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float


@dataclass
class Result:
    assignments: dict[str, list[str]]
    objective: int
    bound: float
    gap: float
    status: str
    seconds: float
    unstaffed: dict[str, str] = field(default_factory=dict)
    diagnostics: dict[str, dict[str, dict]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "assignments": self.assignments,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": round(self.seconds, 3),
            "status": self.status,
            "unstaffed": self.unstaffed,
        }


# --------------------------------------------------------------------------- validation


INSTANCE_SCHEMA = "matching-instance"  # peerchallenge/schema/matching-instance.schema.json
_SECTIONS = (
    "format",
    "current_year",
    "focus_areas",
    "roles",
    "councillor_roles",
    "parties",
    "rules",
    "councils",
    "recent_reviews",
    "peers",
    "challenges",
)
_ITEMS = {"councils": "Council", "peers": "Peer", "challenges": "Challenge"}
_NAMES = ("focus_areas", "roles", "councillor_roles", "parties")


def validate_instance(instance: dict) -> list[str]:
    """Every problem with an instance, in words. An empty list means it can be solved.

    The shape is checked against the exchange format's JSON Schema; what a schema cannot say
    is checked here: ids are unique, councils, roles and parties refer to listed ones, each
    vector has one entry per focus area, and a role template allows the team size. A broken
    header (a missing key, a list of names that is not one) is reported alone, as is an
    item without an id.

    jsonschema walks a round of 3,000 peers in seconds, and a run checks its instance again
    for every team it explains, so the last few answers are kept by the instance's JSON text.
    """
    try:
        text = json.dumps(instance, sort_keys=True)
    except (TypeError, ValueError):
        return _instance_problems(instance)
    with _CHECKED_LOCK:
        if text in _CHECKED:
            return list(_CHECKED[text])
    problems = _instance_problems(instance)
    with _CHECKED_LOCK:
        _CHECKED[text] = tuple(problems)
        while len(_CHECKED) > 4:
            _CHECKED.pop(next(iter(_CHECKED)))
    return problems


_CHECKED: dict[str, tuple[str, ...]] = {}
_CHECKED_LOCK = threading.Lock()


def _instance_problems(instance) -> list[str]:
    focus_areas = instance.get("focus_areas") if isinstance(instance, dict) else None
    k = len(focus_areas) if isinstance(focus_areas, list) else 0
    found = [
        (p.path, p.message)
        for p in schema.problems(
            instance, INSTANCE_SCHEMA, where=lambda path: _where(instance, path), k=k
        )
    ]
    if not isinstance(instance, dict):
        return [message for _, message in found]
    header = [m for path, m in found if path[:1] == ("format",)]
    required = schema.schema(INSTANCE_SCHEMA)["required"]
    missing = [key for key in required if key not in instance]
    if missing:
        return [*header, "Missing keys: " + ", ".join(missing) + "."]
    names = [
        (path, m) for path, m in found if path[:1] in {("current_year",), *((n,) for n in _NAMES)}
    ]
    names = [(path, m) for path, m in names if "is empty" not in m]
    if names:
        return _unique([*header, *(m for _, m in names)])
    unnamed = _unnamed_items(instance)
    found = [(path, m) for path, m in found if not _inside_unnamed(path, unnamed)]
    found += _cross_references(instance, unnamed, k)
    found.sort(key=lambda problem: _order(problem[0]))
    return _unique(m for _, m in found)


def _where(instance, path: tuple) -> str:
    """The item a path falls in, as a problem names it: by its id where it has one."""
    if len(path) < 2 or not isinstance(path[1], int):
        return ""
    if path[0] == "recent_reviews":
        return f"Recent review {path[1] + 1}"
    item = instance[path[0]][path[1]]
    ident = item.get("id") if isinstance(item, dict) else None
    if isinstance(ident, str) and ident and path[2:] != ("id",):
        return f"{_ITEMS[path[0]]} {ident}"
    return f"{_ITEMS[path[0]]} {path[1] + 1}"


def _unnamed_items(instance: dict) -> set[tuple[str, int]]:
    """Councils, peers and challenges that are not objects or have no id: nothing else is
    said of them."""
    unnamed = set()
    for section in _ITEMS:
        items = instance[section] if isinstance(instance[section], list) else []
        for index, item in enumerate(items):
            ident = item.get("id") if isinstance(item, dict) else None
            if not (isinstance(ident, str) and ident):
                unnamed.add((section, index))
    return unnamed


def _inside_unnamed(path: tuple, unnamed: set) -> bool:
    return tuple(path[:2]) in unnamed and len(path) > 2 and path[2] != "id"


def _order(path: tuple) -> tuple:
    section = _SECTIONS.index(path[0]) if path and path[0] in _SECTIONS else len(_SECTIONS)
    index = path[1] if len(path) > 1 and isinstance(path[1], int) else -1
    return (section, index)


def _unique(messages) -> list[str]:
    return list(dict.fromkeys(messages))


def _listed(value, names) -> bool:
    return isinstance(value, str) and value in names


def _cross_references(instance: dict, unnamed: set, k: int) -> list[tuple[tuple, str]]:
    """What the schema cannot check: references between the instance's parts."""
    roles = set(instance["roles"])
    parties = set(instance["parties"])
    councillor_roles = set(instance["councillor_roles"])
    found: list[tuple[tuple, str]] = []
    if not councillor_roles <= roles:
        found.append(
            (("councillor_roles",), '"councillor_roles" names a role that is not in "roles".')
        )

    def items(section):
        listed = instance[section] if isinstance(instance[section], list) else []
        for index, item in enumerate(listed):
            if (section, index) not in unnamed:
                where = f"{_ITEMS[section]} {item['id']}"
                yield (section, index), where, item

    ids: dict[str, set[str]] = {}
    for section in _ITEMS:
        ids[section] = set()
        for path, where, item in items(section):
            if item["id"] in ids[section]:
                found.append((path, f"{where} appears twice."))
            ids[section].add(item["id"])
    councils = ids["councils"]

    for path, where, council in items("councils"):
        if council.get("control") != "NOC" and not _listed(council.get("control"), parties):
            found.append((path, f'{where}: control must be a listed party or "NOC".'))
    for index, (_, where, council) in enumerate(items("councils")):
        neighbours = council.get("neighbours", [])
        unknown = (
            [n for n in neighbours if not _listed(n, councils)]
            if isinstance(neighbours, list)
            else []
        )
        if unknown:
            listed = ", ".join(map(str, unknown))
            found.append((("councils", 10**9 + index), f"{where}: unknown neighbours {listed}."))

    reviews = instance["recent_reviews"] if isinstance(instance["recent_reviews"], list) else []
    for index, review in enumerate(reviews):
        if isinstance(review, dict) and not (
            _listed(review.get("reviewer_council"), councils)
            and _listed(review.get("host_council"), councils)
        ):
            found.append(
                (
                    ("recent_reviews", index),
                    f"Recent review {index + 1} needs a known reviewer_council, a known "
                    "host_council and a year.",
                )
            )

    for path, where, peer in items("peers"):
        if not _listed(peer.get("council"), councils):
            found.append(
                (path, f"{where}: council {peer.get('council')!r} is not in the councils.")
            )
        role, party = peer.get("role"), peer.get("party")
        if not _listed(role, roles):
            found.append((path, f"{where}: role {role!r} is not in the roles."))
        if _listed(role, councillor_roles):
            if not _listed(party, parties):
                found.append((path, f"{where}: a councillor needs a listed party, not {party!r}."))
        elif party is not None and not _listed(party, parties):
            found.append((path, f"{where}: party {party!r} is not listed."))
        expertise = peer.get("expertise")
        if isinstance(expertise, list) and len(expertise) != k:
            found.append((path, f"{where}: expertise must be {k} numbers between 0 and 1."))

    for path, where, challenge in items("challenges"):
        if not _listed(challenge.get("host"), councils):
            found.append((path, f"{where}: host {challenge.get('host')!r} is not in the councils."))
        focus = challenge.get("focus")
        if isinstance(focus, list) and len(focus) != k:
            found.append((path, f"{where}: focus must be {k} numbers, 0 or more, not all 0."))
        found += [(path, message) for message in _template_problems(challenge, where, roles)]
    return found


def _template_problems(challenge: dict, where: str, roles: set[str]) -> list[str]:
    """A role template's roles are listed ones, each min is at most its max, and the bounds
    allow the team size."""
    template = challenge.get("roles")
    if not isinstance(template, dict) or not template:
        return []
    problems = []
    low = high = 0
    for role, bounds in template.items():
        if role not in roles:
            problems.append(f"{where}: role {role!r} is not in the roles.")
            continue
        well_formed = (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(isinstance(b, int) and not isinstance(b, bool) and b >= 0 for b in bounds)
        )
        if not well_formed:
            continue  # the schema says so
        if bounds[0] > bounds[1]:
            problems.append(f"{where}: role {role} needs [min, max] with 0 <= min <= max.")
            continue
        low += bounds[0]
        high += bounds[1]
    size = challenge.get("team_size")
    if isinstance(size, int) and not isinstance(size, bool) and not low <= size <= high:
        problems.append(
            f"{where}: team_size {size} is outside what the roles allow ({low} to {high})."
        )
    return problems


def _require_valid(instance: dict) -> None:
    problems = validate_instance(instance)
    if problems:
        raise ValueError("The instance is not valid: " + " ".join(problems[:20]))


def read_assignments(data: dict) -> dict[str, list[str]]:
    """Assignments from a solution file: ``{"assignments": {challenge: [peer, ...]}}`` or
    openreview-matcher's ``{challenge: [{"user": peer, ...}]}``."""
    if not isinstance(data, dict):
        raise ValueError("A solution must be a JSON object.")
    raw = data.get("assignments", data)
    if not isinstance(raw, dict):
        raise ValueError('"assignments" must map challenge ids to lists of peers.')
    out: dict[str, list[str]] = {}
    for challenge, team in raw.items():
        if not isinstance(team, list):
            raise ValueError(f"The team of challenge {challenge} must be a list.")
        out[str(challenge)] = [
            str(m["user"]) if isinstance(m, dict) and "user" in m else str(m) for m in team
        ]
    return out


# --------------------------------------------------------------------------- the data


class _Round:
    """The instance as arrays: councils, peers and challenges numbered, the reason every pair
    is or is not eligible, and every pair's score."""

    def __init__(self, instance: dict, excluded: dict[str, list[str]] | None = None):
        self.instance = instance
        rules = instance["rules"]
        self.rules = rules
        self.focus_areas = list(instance["focus_areas"])
        self.roles = list(instance["roles"])
        self.parties = list(instance["parties"])
        self.councillor_roles = set(instance["councillor_roles"])
        self.msp = int(rules["max_same_party"])
        self.min_parties = int(rules["min_parties"])

        councils = instance["councils"]
        self.council_ids = [c["id"] for c in councils]
        self.council_ix = {cid: i for i, cid in enumerate(self.council_ids)}
        self.council_name = {c["id"]: c.get("name", c["id"]) for c in councils}
        nk = len(councils)
        self.control = np.array(
            [
                self.parties.index(c["control"]) if c["control"] in self.parties else -1
                for c in councils
            ],
            dtype=np.int64,
        )
        groupings = {}
        self.grouping = np.array(
            [
                groupings.setdefault(c.get("grouping"), len(groupings))
                if c.get("grouping")
                else -1 - i
                for i, c in enumerate(councils)
            ],
            dtype=np.int64,
        )
        self.neighbour = np.zeros((nk, nk), dtype=bool)
        for i, c in enumerate(councils):
            for n in c.get("neighbours", []):
                j = self.council_ix[n]
                self.neighbour[i, j] = self.neighbour[j, i] = True
        self.reviewed = np.zeros((nk, nk), dtype=bool)
        years = int(rules["recent_review_years"])
        for r in instance["recent_reviews"]:
            if instance["current_year"] - r["year"] <= years:
                i, j = self.council_ix[r["reviewer_council"]], self.council_ix[r["host_council"]]
                self.reviewed[i, j] = self.reviewed[j, i] = True
        given = np.array([float(c["peer_days_given_3y"]) for c in councils])
        received = np.array([float(c["peer_days_received_3y"]) for c in councils])
        total = given + received
        self.debt = np.where(
            total > 0, np.maximum(0.0, received - given) / np.where(total > 0, total, 1), 0.0
        )

        peers = instance["peers"]
        self.peer_ids = [p["id"] for p in peers]
        self.peer_ix = {pid: i for i, pid in enumerate(self.peer_ids)}
        self.p_council = np.array([self.council_ix[p["council"]] for p in peers], dtype=np.int64)
        self.p_role = np.array([self.roles.index(p["role"]) for p in peers], dtype=np.int64)
        self.p_councillor = np.array(
            [p["role"] in self.councillor_roles for p in peers], dtype=bool
        )
        self.p_party = np.array(
            [
                self.parties.index(p["party"]) if p.get("party") in self.parties else -1
                for p in peers
            ],
            dtype=np.int64,
        )
        k = len(self.focus_areas)
        self.expertise = np.array([p["expertise"] for p in peers], dtype=float).reshape(-1, k)
        self.capacity = np.array([float(p["capacity_days"]) for p in peers])
        self.unavailable = np.zeros((len(peers), WEEKS), dtype=bool)
        for i, p in enumerate(peers):
            self.unavailable[i, p.get("unavailable_weeks", [])] = True

        challenges = instance["challenges"]
        self.challenge_ids = [c["id"] for c in challenges]
        self.challenge_ix = {cid: i for i, cid in enumerate(self.challenge_ids)}
        self.c_host = np.array([self.council_ix[c["host"]] for c in challenges], dtype=np.int64)
        self.c_week = np.array([c["week"] for c in challenges], dtype=np.int64)
        self.c_days = np.array([float(c["days"]) for c in challenges])
        self.c_size = np.array([c["team_size"] for c in challenges], dtype=np.int64)
        self.c_focus = np.array([c["focus"] for c in challenges], dtype=float).reshape(-1, k)
        self.c_lmsp = np.array(
            [bool(c.get("lead_member_same_party", False)) for c in challenges], dtype=bool
        )
        nr = len(self.roles)
        self.role_min = np.zeros((len(challenges), nr), dtype=np.int64)
        self.role_max = np.zeros((len(challenges), nr), dtype=np.int64)
        self.in_template = np.zeros((len(challenges), nr), dtype=bool)
        for i, c in enumerate(challenges):
            for role, (low, high) in c["roles"].items():
                r = self.roles.index(role)
                self.role_min[i, r], self.role_max[i, r] = low, high
                self.in_template[i, r] = True
        councillor_cols = [self.roles.index(r) for r in self.councillor_roles]
        self.min_councillors = self.role_min[:, councillor_cols].sum(axis=1)

        self.reason = self._reasons(excluded or {})
        self.score_matrix = self._scores()
        ci, pi = np.nonzero(self.reason == ELIGIBLE)
        self.pair_c = ci.astype(np.int64)
        self.pair_p = pi.astype(np.int64)
        self.pair_w = self.score_matrix[ci, pi]
        self.pair_of = {(int(c), int(p)): j for j, (c, p) in enumerate(zip(ci, pi, strict=True))}

    @property
    def n_challenges(self) -> int:
        return len(self.challenge_ids)

    @property
    def n_peers(self) -> int:
        return len(self.peer_ids)

    def _reasons(self, excluded: dict[str, list[str]]) -> np.ndarray:
        """A challenges-by-peers matrix: 0 where the pair is eligible, else the first rule
        (1..8 for E1..E8, 9 for a staff exclusion) that rules it out."""
        host = self.c_host[:, None]
        council = self.p_council[None, :]
        lead = self.roles.index("lead_member") if "lead_member" in self.roles else -1
        control = self.control[self.c_host][:, None]
        conditions = [
            council == host,
            self.neighbour[self.c_host][:, self.p_council]
            if self.rules["conflict_neighbours"]
            else np.zeros((self.n_challenges, self.n_peers), dtype=bool),
            (self.grouping[self.c_host][:, None] == self.grouping[self.p_council][None, :])
            if self.rules["conflict_same_grouping"]
            else np.zeros((self.n_challenges, self.n_peers), dtype=bool),
            self.reviewed[self.c_host][:, self.p_council],
            self.unavailable[:, self.c_week].T,
            self.c_days[:, None] > self.capacity[None, :] + 1e-9,
            self.role_max[:, self.p_role] <= 0,
            (self.p_role[None, :] == lead)
            & self.c_lmsp[:, None]
            & (control >= 0)
            & (self.p_party[None, :] != control),
        ]
        reason = np.select(conditions, list(range(1, 9)), default=ELIGIBLE).astype(np.int8)
        for challenge, peers in excluded.items():
            c = self._challenge(challenge)
            for peer in peers:
                p = self._peer(peer)
                if reason[c, p] == ELIGIBLE:
                    reason[c, p] = 9
        return reason

    def _challenge(self, cid) -> int:
        try:
            return self.challenge_ix[str(cid)]
        except KeyError:
            raise ValueError(f"There is no challenge {cid} in the instance.") from None

    def _peer(self, pid) -> int:
        try:
            return self.peer_ix[str(pid)]
        except KeyError:
            raise ValueError(f"There is no peer {pid} in the instance.") from None

    def _scores(self) -> np.ndarray:
        """w(p, c) for every pair, computed term by term in a fixed order so that `score`
        (one pair, plain floats) gives the same integer."""
        num = np.zeros((self.n_challenges, self.n_peers))
        for k in range(len(self.focus_areas)):
            num = num + self.c_focus[:, k][:, None] * self.expertise[:, k][None, :]
        total = np.zeros(self.n_challenges)
        for k in range(len(self.focus_areas)):
            total = total + self.c_focus[:, k]
        fit = num / total[:, None]
        value = fit + float(self.rules["reciprocity_weight"]) * self.debt[self.p_council][None, :]
        return 1 + np.rint(float(self.rules["score_scale"]) * value).astype(np.int64)

    def fit_parts(self, p: int, c: int) -> dict[str, float]:
        total = float(self.c_focus[c].sum())
        return {
            area: round(float(self.c_focus[c, k] * self.expertise[p, k] / total), 4)
            for k, area in enumerate(self.focus_areas)
            if self.c_focus[c, k] > 0
        }

    def needs_party_mix(self, c: int) -> bool:
        """C4 applies: the template requires at least two councillors."""
        return self.min_parties > 0 and self.min_councillors[c] >= 2

    def reason_words(self, c: int, p: int) -> str:
        code = int(self.reason[c, p])
        host = self.council_ids[self.c_host[c]]
        council = self.council_ids[self.p_council[p]]
        name = self.council_name
        if code == 1:
            return f"they are from the host council, {name[host]}"
        if code == 2:
            return f"their council, {name[council]}, neighbours the host, {name[host]}"
        if code == 3:
            return f"their council, {name[council]}, is in the host's grouping"
        if code == 4:
            return f"{name[council]} and {name[host]} reviewed each other recently"
        if code == 5:
            return f"they are unavailable in week {self.c_week[c]}"
        if code == 6:
            return (
                f"the challenge takes {self.c_days[c]:g} days and they have "
                f"{self.capacity[p]:g} left"
            )
        if code == 7:
            return (
                f"the team has no place for a {ROLE_WORDS.get(self.roles[self.p_role[p]], 'peer')}"
            )
        if code == 8:
            return (
                f"the lead member peer must be of the host's ruling party "
                f"({self.parties[self.control[self.c_host[c]]]})"
            )
        if code == 9:
            return "staff excluded them from this challenge"
        return "eligible"

    def diagnostics(self, c: int) -> dict[str, dict]:
        out = {}
        for r, role in enumerate(self.roles):
            if not self.in_template[c, r]:
                continue
            codes = self.reason[c, self.p_role == r]
            counts = np.bincount(codes, minlength=10)
            out[role] = {
                "eligible": int(counts[ELIGIBLE]),
                "removed_by": {REASONS[i]: int(counts[i]) for i in range(1, 10) if counts[i]},
            }
        return out


def count_eligible(instance: dict) -> int:
    """How many (peer, challenge) pairs pass E1..E8."""
    return len(_Round(instance).pair_c)


def score(instance: dict, peer_id: str, challenge_id: str) -> int:
    """w(p, c) = 1 + round(score_scale * (fit + reciprocity_weight * debt)), rounding half to
    even, as Python and numpy round."""
    peer = next((p for p in instance["peers"] if p["id"] == peer_id), None)
    challenge = next((c for c in instance["challenges"] if c["id"] == challenge_id), None)
    if peer is None or challenge is None:
        raise ValueError(f"There is no peer {peer_id} or no challenge {challenge_id}.")
    council = next(c for c in instance["councils"] if c["id"] == peer["council"])
    num = 0.0
    total = 0.0
    for f, e in zip(challenge["focus"], peer["expertise"], strict=True):
        num = num + float(f) * float(e)
    for f in challenge["focus"]:
        total = total + float(f)
    given = float(council["peer_days_given_3y"])
    received = float(council["peer_days_received_3y"])
    debt = max(0.0, received - given) / (received + given) if received + given > 0 else 0.0
    rules = instance["rules"]
    value = num / total + float(rules["reciprocity_weight"]) * debt
    return 1 + round(float(rules["score_scale"]) * value)


# --------------------------------------------------------------------------- the model


@dataclass
class _Model:
    """A programme in column form. Columns: the x pairs first, then one s per challenge,
    then auxiliary columns (y for C4, u for C8)."""

    cols: np.ndarray  # pair index of each x column
    n_x: int
    s_offset: int
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    n_int: int  # x and s are integer; the auxiliary columns are continuous

    def lp(self, relax: bool = False) -> highspy.HighsLp:
        lp = highspy.HighsLp()
        lp.num_col_ = len(self.cost)
        lp.num_row_ = len(self.row_lower)
        lp.col_cost_ = self.cost
        lp.col_lower_ = self.col_lower
        lp.col_upper_ = self.col_upper
        lp.row_lower_ = self.row_lower
        lp.row_upper_ = self.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = self.start.astype(np.int32)
        lp.a_matrix_.index_ = self.index.astype(np.int32)
        lp.a_matrix_.value_ = self.value
        if not relax:
            integer = highspy.HighsVarType.kInteger
            continuous = highspy.HighsVarType.kContinuous
            lp.integrality_ = [integer] * self.n_int + [continuous] * (len(self.cost) - self.n_int)
        return lp

    def subset(self, keep: np.ndarray) -> _Model:
        """The same rows with only the x columns at positions ``keep`` (sorted)."""
        keep = np.asarray(keep, dtype=np.int64)
        columns = np.concatenate([keep, np.arange(self.n_x, len(self.cost))])
        lengths = self.start[columns + 1] - self.start[columns]
        start = np.r_[0, np.cumsum(lengths)]
        gather = np.repeat(self.start[columns] - start[:-1], lengths) + np.arange(start[-1])
        return _Model(
            cols=self.cols[keep],
            n_x=len(keep),
            s_offset=len(keep),
            cost=self.cost[columns],
            col_lower=self.col_lower[columns],
            col_upper=self.col_upper[columns],
            row_lower=self.row_lower,
            row_upper=self.row_upper,
            start=start,
            index=self.index[gather],
            value=self.value[gather],
            n_int=len(keep) + self.n_int - self.n_x,
        )

    def reduced_costs(self, row_dual: np.ndarray) -> np.ndarray:
        """c - A'y for the x columns (minimisation form)."""
        ends = self.start[: self.n_x + 1]
        products = self.value[: ends[-1]] * row_dual[self.index[: ends[-1]]]
        sums = np.zeros(self.n_x)
        nonempty = ends[1:] > ends[:-1]
        sums[nonempty] = np.add.reduceat(products, ends[:-1][nonempty])
        return self.cost[: self.n_x] - sums


def _build(
    rnd: _Round,
    cols: np.ndarray,
    *,
    s_lower: np.ndarray,
    s_upper: np.ndarray,
    objective: str,
    pins: list[tuple[int, int]],
    drop: frozenset = frozenset(),
    staffed_count: int | None = None,
) -> _Model:
    """The programme over the given eligible pairs (minimisation form).

    Columns: x (one per pair), s (one per challenge: staffed), y (C4: party present), u (C8:
    which way a pair of host councils may review). Rows as in the method note.
    """
    nc = rnd.n_challenges
    pc = rnd.pair_c[cols]
    pp = rnd.pair_p[cols]
    n = len(cols)
    s0 = n
    ncol = n + nc
    rows_r: list[np.ndarray] = []
    rows_c: list[np.ndarray] = []
    rows_v: list[np.ndarray] = []
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    nrow = 0
    xs = np.arange(n, dtype=np.int64)

    def add(row_ids, col_ids, vals):
        rows_r.append(np.asarray(row_ids, dtype=np.int64))
        rows_c.append(np.asarray(col_ids, dtype=np.int64))
        rows_v.append(np.broadcast_to(np.asarray(vals, dtype=float), len(row_ids)).copy())

    def new_rows(lo, hi):
        nonlocal nrow
        lo = np.asarray(lo, dtype=float)
        hi = np.asarray(hi, dtype=float)
        first = nrow
        nrow += len(lo)
        lower.append(lo)
        upper.append(hi)
        return first

    # C1: sum x - size * s = 0
    first = new_rows(np.zeros(nc), np.zeros(nc))
    add(first + pc, xs, 1.0)
    add(first + np.arange(nc), s0 + np.arange(nc), -rnd.c_size.astype(float))

    # C2: min * s <= sum of role r <= max * s
    nr = len(rnd.roles)
    role = rnd.p_role[pp]
    key = pc * nr + role
    for bound in ("min", "max"):
        table = rnd.role_min if bound == "min" else rnd.role_max
        if bound == "min":
            need = rnd.in_template & (table > 0)
        else:
            need = rnd.in_template & (table < rnd.c_size[:, None])
        cc, rr = np.nonzero(need)
        if not len(cc):
            continue
        lookup = np.full(nc * nr, -1, dtype=np.int64)
        lookup[cc * nr + rr] = np.arange(len(cc))
        if bound == "min":
            first = new_rows(np.zeros(len(cc)), np.full(len(cc), np.inf))
        else:
            first = new_rows(np.full(len(cc), -np.inf), np.zeros(len(cc)))
        hit = lookup[key] >= 0
        add(first + lookup[key[hit]], xs[hit], 1.0)
        add(first + np.arange(len(cc)), s0 + cc, -table[cc, rr].astype(float))

    # C3 and C4 by party
    npty = len(rnd.parties)
    councillor = rnd.p_councillor[pp] & (rnd.p_party[pp] >= 0)
    pkey = pc[councillor] * npty + rnd.p_party[pp][councillor]
    pxs = xs[councillor]
    counts = np.bincount(pkey, minlength=nc * npty)
    over = np.nonzero(counts > rnd.msp)[0]
    if len(over):
        lookup = np.full(nc * npty, -1, dtype=np.int64)
        lookup[over] = np.arange(len(over))
        first = new_rows(np.full(len(over), -np.inf), np.full(len(over), float(rnd.msp)))
        hit = lookup[pkey] >= 0
        add(first + lookup[pkey[hit]], pxs[hit], 1.0)
    aux_cost: list[float] = []
    aux_upper: list[float] = []
    mix = np.array(
        [
            rnd.needs_party_mix(c) and -(-rnd.min_councillors[c] // rnd.msp) < rnd.min_parties
            for c in range(nc)
        ],
        dtype=bool,
    )
    if mix.any():
        present = np.nonzero((counts > 0) & np.repeat(mix, npty))[0]
        lookup = np.full(nc * npty, -1, dtype=np.int64)
        lookup[present] = np.arange(len(present))
        y0 = ncol
        ncol += len(present)
        aux_cost += [0.0] * len(present)
        aux_upper += [1.0] * len(present)
        # y - sum x of that party <= 0
        first = new_rows(np.full(len(present), -np.inf), np.zeros(len(present)))
        add(first + np.arange(len(present)), y0 + np.arange(len(present)), 1.0)
        hit = lookup[pkey] >= 0
        add(first + lookup[pkey[hit]], pxs[hit], -1.0)
        # sum y - min_parties * s >= 0
        mc = np.nonzero(mix)[0]
        first = new_rows(np.zeros(len(mc)), np.full(len(mc), np.inf))
        row_of = np.full(nc, -1, dtype=np.int64)
        row_of[mc] = first + np.arange(len(mc))
        add(row_of[present // npty], y0 + np.arange(len(present)), 1.0)
        add(row_of[mc], s0 + mc, -float(rnd.min_parties))

    # C5 and C8 by (challenge, peer council)
    nk = len(rnd.council_ids)
    pk = rnd.p_council[pp]
    host = rnd.c_host[pc]
    ckey = pc * nk + pk
    ccounts = np.bincount(ckey, minlength=nc * nk)
    mutual_dir = np.zeros(0, dtype=np.int64)
    if rnd.rules["no_mutual_review"] and "C8" not in drop:
        direct = np.zeros((nk, nk), dtype=bool)  # direct[a, b]: a peer of a could sit at b
        direct[pk, host] = True
        mutual = direct & direct.T
        a_ix, b_ix = np.nonzero(np.triu(mutual, 1))
        u_of = np.full((nk, nk), -1, dtype=np.int64)
        u0 = ncol
        u_of[a_ix, b_ix] = u0 + np.arange(len(a_ix))
        u_of[b_ix, a_ix] = u0 + np.arange(len(a_ix))
        ncol += len(a_ix)
        aux_cost += [0.0] * len(a_ix)
        aux_upper += [1.0] * len(a_ix)
        mutual_dir = np.where(mutual[pk, host], np.where(pk < host, 1, -1), 0)
    one = rnd.rules["one_peer_per_council"] and "C5" not in drop
    if one:
        is_mut = np.zeros(nc * nk, dtype=bool)
        if len(mutual_dir):
            is_mut[ckey[mutual_dir != 0]] = True
        keys = np.nonzero((ccounts >= 2) | is_mut)[0]
        lookup = np.full(nc * nk, -1, dtype=np.int64)
        lookup[keys] = np.arange(len(keys))
        kc, kk = keys // nk, keys % nk
        kh = rnd.c_host[kc]
        direction = np.zeros(len(keys), dtype=np.int64)
        if len(mutual_dir):
            direction = np.where(is_mut[keys], np.where(kk < kh, 1, -1), 0)
        hi = np.where(direction == 1, 0.0, 1.0)
        first = new_rows(np.full(len(keys), -np.inf), hi)
        hit = lookup[ckey] >= 0
        add(first + lookup[ckey[hit]], xs[hit], 1.0)
        if len(mutual_dir):
            m = direction != 0
            add(first + np.nonzero(m)[0], u_of[kk[m], kh[m]], -direction[m].astype(float))
    elif len(mutual_dir):
        m = np.nonzero(mutual_dir != 0)[0]
        d = mutual_dir[m]
        first = new_rows(np.full(len(m), -np.inf), np.where(d == 1, 0.0, 1.0))
        add(first + np.arange(len(m)), xs[m], 1.0)
        add(first + np.arange(len(m)), u_of[pk[m], host[m]], -d.astype(float))

    # C6: days across the round
    if "C6" not in drop:
        days = rnd.c_days[pc]
        load = np.bincount(pp, weights=days, minlength=rnd.n_peers)
        tight = np.nonzero(load > rnd.capacity + 1e-9)[0]
        if len(tight):
            lookup = np.full(rnd.n_peers, -1, dtype=np.int64)
            lookup[tight] = np.arange(len(tight))
            first = new_rows(np.full(len(tight), -np.inf), rnd.capacity[tight])
            hit = lookup[pp] >= 0
            add(first + lookup[pp[hit]], xs[hit], days[hit])
            _capacity_cuts(rnd, tight, pp[hit], pc[hit], xs[hit], add, new_rows)

    # C7: one challenge a week
    if "C7" not in drop:
        wkey = pp * WEEKS + rnd.c_week[pc]
        wcounts = np.bincount(wkey, minlength=rnd.n_peers * WEEKS)
        clash = np.nonzero(wcounts >= 2)[0]
        if len(clash):
            lookup = np.full(rnd.n_peers * WEEKS, -1, dtype=np.int64)
            lookup[clash] = np.arange(len(clash))
            first = new_rows(np.full(len(clash), -np.inf), np.ones(len(clash)))
            hit = lookup[wkey] >= 0
            add(first + lookup[wkey[hit]], xs[hit], 1.0)

    # Pins: a pinned peer sits on the team exactly when it is staffed.
    if pins:
        position = {int(j): i for i, j in enumerate(cols)}
        pin_x = [position[rnd.pair_of[(c, p)]] for c, p in pins]
        pin_c = [c for c, _ in pins]
        first = new_rows(np.zeros(len(pins)), np.zeros(len(pins)))
        add(first + np.arange(len(pins)), pin_x, 1.0)
        add(first + np.arange(len(pins)), s0 + np.array(pin_c), -1.0)

    if staffed_count is not None:
        first = new_rows([float(staffed_count)], [float(staffed_count)])
        add(np.full(nc, first), s0 + np.arange(nc), 1.0)

    r = np.concatenate(rows_r)
    c = np.concatenate(rows_c)
    v = np.concatenate(rows_v)
    order = np.lexsort((r, c))
    r, c, v = r[order], c[order], v[order]
    start = np.searchsorted(c, np.arange(ncol + 1)).astype(np.int32)

    if objective == "score":
        cost = np.concatenate([-rnd.pair_w[cols].astype(float), np.zeros(nc)])
    else:
        cost = np.concatenate([np.zeros(n), -np.ones(nc)])
    return _Model(
        cols=np.asarray(cols, dtype=np.int64),
        n_x=n,
        s_offset=s0,
        cost=np.concatenate([cost, np.array(aux_cost)]),
        col_lower=np.concatenate([np.zeros(n), s_lower.astype(float), np.zeros(ncol - n - nc)]),
        col_upper=np.concatenate([np.ones(n), s_upper.astype(float), np.array(aux_upper)]),
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        start=start.astype(np.int64),
        index=r,
        value=v,
        n_int=n + nc,
    )


def _capacity_cuts(rnd, tight, peers, challenges, columns, add, new_rows) -> None:
    """Valid inequalities that tighten each peer's days budget (C6) in the relaxation.

    A peer with 10 days can take two 4-day challenges, not the 2.5 the relaxation allows.
    Counting the challenges a peer takes by length (n_k of length d_k), every integer
    choice satisfies ``sum_k a_k n_k <= b`` where b is the most ``a . n`` over the integer
    choices that fit the days. Small whole a (0..3) are tried and those that cut off part of
    the relaxation are added; they exclude no rule-abiding assignment, so the optimum is
    unchanged and only the bound gets closer to it.
    """
    lengths = np.unique(rnd.c_days)
    m = len(lengths)
    if m > 4 or not len(tight):
        return
    klass = np.searchsorted(lengths, rnd.c_days[challenges])
    order = np.full(rnd.n_peers, -1, dtype=np.int64)
    order[tight] = np.arange(len(tight))
    counts = np.bincount(order[peers] * m + klass, minlength=len(tight) * m).reshape(-1, m)
    caps = rnd.capacity[tight]
    upper = np.minimum(counts, np.floor(caps[:, None] / lengths[None, :] + 1e-9)).astype(int)
    signatures: dict[tuple, int] = {}
    sig_of = np.empty(len(tight), dtype=np.int64)
    for i in range(len(tight)):
        key = (float(caps[i]), tuple(upper[i]))
        sig_of[i] = signatures.setdefault(key, len(signatures))
    top = 3 if m <= 3 else 2
    found: list[list[tuple[tuple[int, ...], int]]] = []
    for cap, ub in signatures:
        points = [
            n
            for n in itertools.product(*(range(u + 1) for u in ub))
            if float(np.dot(n, lengths)) <= cap + 1e-9
        ]
        cuts = []
        for a in itertools.product(range(top + 1), repeat=m):
            if not any(a) or math.gcd(*a) > 1:
                continue
            best = max(sum(x * y for x, y in zip(a, n, strict=True)) for n in points)
            if _knapsack_lp(a, lengths, ub, cap) > best + 1e-6:
                cuts.append((a, best))
        found.append(cuts)
    most = max((len(c) for c in found), default=0)
    for t in range(most):
        has = np.array([len(found[sig]) > t for sig in sig_of], dtype=bool)
        if not has.any():
            continue
        row_of = np.full(len(tight), -1, dtype=np.int64)
        row_of[has] = np.arange(int(has.sum()))
        rhs = np.array([found[sig][t][1] for sig in sig_of[has]], dtype=float)
        first = new_rows(np.full(len(rhs), -np.inf), rhs)
        coef = np.zeros((len(found), m))
        for sig, cuts in enumerate(found):
            if len(cuts) > t:
                coef[sig] = cuts[t][0]
        local = order[peers]
        value = coef[sig_of[local], klass]
        keep = (row_of[local] >= 0) & (value > 0)
        add(first + row_of[local[keep]], columns[keep], value[keep])


def _knapsack_lp(a, lengths, upper, cap) -> float:
    """The most ``a . n`` with ``lengths . n <= cap`` and ``0 <= n <= upper`` (fractional)."""
    total = 0.0
    room = cap
    for k in sorted(range(len(a)), key=lambda k: -a[k] / lengths[k]):
        if a[k] <= 0 or room <= 0:
            continue
        take = min(float(upper[k]), room / lengths[k])
        total += a[k] * take
        room -= take * lengths[k]
    return total


class _Clock:
    """Time left and progress reports."""

    def __init__(self, limit: float | None, on_progress):
        self.start = time.monotonic()
        self.limit = limit
        self.on_progress = on_progress
        self.last = -1.0
        self.latest: tuple[float | None, float | None] = (None, None)

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def left(self) -> float | None:
        if self.limit is None:
            return None
        return max(0.0, self.limit - self.elapsed())

    def report(self, objective=None, bound=None, *, force=False):
        if self.on_progress is None:
            return
        self.latest = (objective, bound)
        now = self.elapsed()
        if not force and now - self.last < 1.0:
            return
        self.last = now
        progress = Progress(
            objective=objective, bound=bound, gap=_gap(objective, bound), seconds=now
        )
        try:
            self.on_progress(progress)
        except Exception:
            # A failing progress display must not stop the solve (it runs inside HiGHS).
            log.exception("The progress callback failed")


def _finite(value: float) -> float | None:
    return value if abs(value) < 1e30 else None


def _gap(objective, bound) -> float | None:
    if objective is None or bound is None:
        return None
    if bound <= 0:
        return 0.0
    return max(0.0, (bound - objective) / bound)


@dataclass
class _Solved:
    status: str  # optimal | time_limit | infeasible | none
    values: np.ndarray | None
    objective: float | None  # maximisation form
    bound: float | None  # maximisation form
    col_dual: np.ndarray | None = None
    row_dual: np.ndarray | None = None


def _run(
    model: _Model,
    clock: _Clock,
    *,
    budget: float | None = None,
    start: np.ndarray | None = None,
    report: bool = True,
    lp_only: bool = False,
    bound_cap: float | None = None,
    bound_only_cap: bool = False,
) -> _Solved:
    """Solve one programme. Progress shows HiGHS's bound, or ``bound_cap`` where that is
    lower; with ``bound_only_cap`` HiGHS's bound is not a bound on the whole round (a
    restricted programme) and only ``bound_cap`` is shown."""
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.99)  # scores are whole numbers
    h.setOptionValue("random_seed", 1)
    left = clock.left()
    limits = [t for t in (left, budget) if t is not None]
    if limits:
        h.setOptionValue("time_limit", max(0.5, min(limits)))
    h.passModel(model.lp(relax=lp_only))
    if lp_only:
        h.setOptionValue("solver", "simplex")
    if start is not None:
        h.setSolution(
            len(start), np.arange(len(start), dtype=np.int32), np.asarray(start, dtype=float)
        )
    if clock.on_progress is not None and not report and not lp_only:

        def heartbeat(event):
            clock.report()

        h.cbMipInterrupt += heartbeat
    if report and clock.on_progress is not None and not lp_only:

        def shown(out):
            bound = None if bound_only_cap else _finite(-out.mip_dual_bound)
            if bound_cap is not None:
                bound = bound_cap if bound is None else min(bound, bound_cap)
            return bound

        def improving(event):
            out = event.data_out
            clock.report(_finite(-out.mip_primal_bound), shown(out), force=True)

        def ticking(event):
            out = event.data_out
            clock.report(_finite(-out.mip_primal_bound), shown(out))

        h.cbMipImprovingSolution += improving
        h.cbMipInterrupt += ticking
    began = time.monotonic()
    if clock.on_progress is None:
        h.run()
    else:
        # HiGHS calls back only once its search has started; while it presolves a large
        # programme the caller still hears every few seconds that work goes on.
        solver = h.startSolve()
        while not h.wait(2.0)[0]:
            clock.report(*clock.latest)
        solver.join()
    status = h.getModelStatus()
    log.debug(
        "%s: %d columns, %d rows, %s in %.1f s",
        "LP" if lp_only else "MIP",
        len(model.cost),
        len(model.row_lower),
        h.modelStatusToString(status),
        time.monotonic() - began,
    )
    info = h.getInfo()
    solution = h.getSolution()
    has = solution.value_valid and info.primal_solution_status == 2
    values = np.asarray(solution.col_value) if has else None
    if lp_only:
        if status != highspy.HighsModelStatus.kOptimal:
            return _Solved("none", None, None, None)
        return _Solved(
            "optimal",
            values,
            -info.objective_function_value,
            -info.objective_function_value,
            np.asarray(solution.col_dual),
            np.asarray(solution.row_dual),
        )
    if status == highspy.HighsModelStatus.kInfeasible:
        return _Solved("infeasible", None, None, None)
    objective = -info.objective_function_value if has else None
    bound = -info.mip_dual_bound if abs(info.mip_dual_bound) < 1e30 else None
    if status == highspy.HighsModelStatus.kOptimal:
        return _Solved("optimal", values, objective, objective if bound is None else bound)
    return _Solved("time_limit" if has else "none", values, objective, bound)


# --------------------------------------------------------------------------- solving


def solve(
    instance: dict,
    *,
    time_limit: float | None = None,
    pinned: dict[str, list[str]] | None = None,
    excluded: dict[str, list[str]] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Result:
    """The best assignment for the round. Raises ValueError on an invalid instance or on pins
    and exclusions naming unknown challenges or peers."""
    _require_valid(instance)
    clock = _Clock(time_limit, on_progress)
    clock.report(force=True)
    rnd = _Round(instance, excluded)
    nc = rnd.n_challenges
    pins: list[tuple[int, int]] = []
    unstaffed: dict[int, str] = {}
    for challenge, peers in (pinned or {}).items():
        c = rnd._challenge(challenge)
        for peer in peers:
            p = rnd._peer(peer)
            if rnd.reason[c, p] != ELIGIBLE:
                unstaffed[c] = (
                    f"Pinned peer {peer} cannot sit on this team "
                    f"({REASONS[int(rnd.reason[c, p])]}: {rnd.reason_words(c, p)})."
                )
            else:
                pins.append((c, p))
    for c in range(nc):
        if c not in unstaffed:
            why = _counting_check(rnd, c, [p for cc, p in pins if cc == c])
            if why:
                unstaffed[c] = why
    pins = [(c, p) for c, p in pins if c not in unstaffed]
    candidate = np.array([c not in unstaffed for c in range(nc)], dtype=bool)
    use_columns = len(rnd.pair_c) > COLUMN_STRATEGY_PAIRS
    all_cols = np.nonzero(candidate[rnd.pair_c])[0]

    # Stage 1: the most challenges that can be staffed together.
    budget1 = None if time_limit is None else max(5.0, 0.3 * time_limit)
    seed: set[int] = set()
    if use_columns:
        seed = _greedy(rnd, candidate, pins)
    log.debug("%d eligible pairs; %d candidate challenges", len(rnd.pair_c), candidate.sum())
    if seed and len({int(rnd.pair_c[j]) for j in seed}) == int(candidate.sum()):
        # Every challenge that could be staffed is: nothing to maximise in stage 1.
        start_pairs = set(seed)
        staffed = _start_staffed(rnd, start_pairs)
        proven_count = True
    else:
        # Large rounds try growing shares of the pairs before all of them; each attempt
        # starts from the last one's answer. A share that staffs every candidate is proof
        # enough; otherwise only the attempt over all pairs proves the count.
        attempts = (
            [_initial_columns(rnd, candidate, pins, n) for n in (10, 30)] if use_columns else []
        )
        attempts.append(all_cols)
        for stage1_cols in attempts:
            stage1_cols = np.union1d(stage1_cols, np.fromiter(seed, dtype=np.int64))
            first = _stage1(rnd, stage1_cols, candidate, pins, clock, budget1, seed)
            if first.values is not None:
                seed = set(stage1_cols[first.values[: len(stage1_cols)] > 0.5].tolist())
            if first.status == "infeasible" or _count(first) >= candidate.sum():
                break
        if first.values is None:
            if first.status != "infeasible" and candidate.any():
                return _give_up(rnd, clock, unstaffed)
            staffed = np.zeros(nc, dtype=bool)
            start_pairs = set()
        else:
            staffed = first.values[len(stage1_cols) : len(stage1_cols) + nc] > 0.5
            start_pairs = set(seed)
        proven_count = first.status == "optimal" or int(staffed.sum()) == int(candidate.sum())
    k_star = int(staffed.sum())

    if k_star == 0:
        second = _Solved("optimal", None, 0.0, 0.0)
        chosen: set[int] = set()
    else:
        if k_star == int(candidate.sum()):
            s_lower = candidate.astype(float)
            count = None
        else:
            s_lower = np.zeros(nc)
            count = k_star
        s_upper = candidate.astype(float)
        if use_columns:
            second, chosen = _stage2_columns(
                rnd,
                all_cols,
                np.union1d(
                    _initial_columns(rnd, candidate, pins),
                    np.fromiter(start_pairs, dtype=np.int64),
                ),
                start_pairs,
                s_lower,
                s_upper,
                count,
                pins,
                clock,
            )
        else:
            model = _build(
                rnd,
                all_cols,
                s_lower=s_lower,
                s_upper=s_upper,
                objective="score",
                pins=pins,
                staffed_count=count,
            )
            start = _start_vector(model, start_pairs, staffed, rnd)
            second = _run(model, clock, start=start)
            chosen = (
                set(all_cols[second.values[: model.n_x] > 0.5].tolist())
                if second.values is not None
                else start_pairs
            )
            if second.values is None:
                second = _Solved(
                    "time_limit",
                    None,
                    float(rnd.pair_w[list(start_pairs)].sum()) if start_pairs else 0.0,
                    second.bound,
                )

    assignments: dict[str, list[str]] = {}
    for j in sorted(chosen, key=lambda j: (rnd.pair_c[j], rnd.pair_p[j])):
        assignments.setdefault(rnd.challenge_ids[rnd.pair_c[j]], []).append(
            rnd.peer_ids[rnd.pair_p[j]]
        )
    objective = int(sum(int(rnd.pair_w[j]) for j in chosen))
    bound = second.bound if second.bound is not None else float(objective)
    bound = float(max(objective, math.floor(bound + 1e-6)))
    staffed_now = {rnd.challenge_ix[c] for c in assignments}
    probes: dict[str, list[str]] = {}
    for c in range(nc):
        if c not in staffed_now and c not in unstaffed:
            unstaffed[c] = _round_reason(
                rnd, c, pins, staffed_now, clock, use_columns, candidate, probes
            )
    if objective >= bound and proven_count:
        status = "optimal"
    elif second.status == "time_limit" or not proven_count:
        status = "time_limit"
    else:
        status = "feasible"
    if nc and not assignments:
        status = "infeasible" if proven_count else "time_limit"
    clock.report(objective, bound, force=True)
    return Result(
        assignments=assignments,
        objective=objective,
        bound=bound,
        gap=_gap(objective, bound) or 0.0,
        status=status,
        seconds=clock.elapsed(),
        unstaffed={rnd.challenge_ids[c]: why for c, why in sorted(unstaffed.items())},
        diagnostics={rnd.challenge_ids[c]: rnd.diagnostics(c) for c in range(nc)},
    )


def _count(solved: _Solved) -> int:
    return int(round(solved.objective)) if solved.objective is not None else 0


def _give_up(rnd: _Round, clock: _Clock, unstaffed: dict[int, str]) -> Result:
    for c in range(rnd.n_challenges):
        unstaffed.setdefault(c, "No assignment was found within the time limit.")
    return Result(
        assignments={},
        objective=0,
        bound=0.0,
        gap=0.0,
        status="time_limit",
        seconds=clock.elapsed(),
        unstaffed={rnd.challenge_ids[c]: why for c, why in sorted(unstaffed.items())},
        diagnostics={rnd.challenge_ids[c]: rnd.diagnostics(c) for c in range(rnd.n_challenges)},
    )


def _stage1(rnd, cols, candidate, pins, clock, budget, seed=frozenset()) -> _Solved:
    model = _build(
        rnd,
        cols,
        s_lower=np.zeros(rnd.n_challenges),
        s_upper=candidate.astype(float),
        objective="count",
        pins=pins,
    )
    start = _start_vector(model, set(seed), _start_staffed(rnd, set(seed)), rnd)
    return _run(model, clock, budget=budget, report=False, start=start)


def _start_vector(model: _Model, pairs: set[int], staffed: np.ndarray, rnd: _Round):
    """A warm start: x and s set, auxiliary columns left for HiGHS to complete."""
    if not pairs:
        return None
    x = np.fromiter((1.0 if int(j) in pairs else 0.0 for j in model.cols), dtype=float)
    return np.concatenate([x, staffed.astype(float)])


def _greedy(rnd: _Round, candidate: np.ndarray, pins: list[tuple[int, int]]) -> set[int]:
    """A quick rule-abiding assignment, built challenge by challenge (scarcest first) from
    the highest-scoring peers that break no rule. It is only a starting point for the exact
    programmes: it seeds their columns and warm-starts them."""
    nc = rnd.n_challenges
    left = rnd.capacity.copy()
    busy: set[tuple[int, int]] = set()  # (peer, week)
    directions: set[tuple[int, int]] = set()  # (peer council, host council)
    chosen: set[int] = set()
    by_challenge = [np.nonzero(rnd.pair_c == c)[0] for c in range(nc)]
    pinned_of = defaultdict(list)
    for c, p in pins:
        pinned_of[c].append(p)
    scarcity = [len(by_challenge[c]) for c in range(nc)]
    one = rnd.rules["one_peer_per_council"]
    mutual = rnd.rules["no_mutual_review"]
    for c in sorted(range(nc), key=lambda c: scarcity[c]):
        if not candidate[c]:
            continue
        pairs = by_challenge[c]
        pairs = pairs[np.argsort(-rnd.pair_w[pairs], kind="stable")]
        week, days, host = int(rnd.c_week[c]), float(rnd.c_days[c]), int(rnd.c_host[c])
        team: list[int] = []
        roles: Counter = Counter()
        parties: Counter = Counter()
        councils: set[int] = set()
        picks = [rnd.pair_of[(c, p)] for p in pinned_of[c]]
        # Pins, then each role's minimum with the scarcest role first (so that a member
        # peer of the host's party does not shut out the lead member peer), then the rest
        # of the team, best score first.
        pair_roles = rnd.p_role[rnd.pair_p[pairs]]
        by_role = sorted(
            (r for r in range(len(rnd.roles)) if rnd.role_min[c, r] > 0),
            key=lambda r: int((pair_roles == r).sum()),  # noqa: B023
        )
        phases = [("pins", picks, rnd.role_max[c])]
        phases += [("min", pairs[pair_roles == r], rnd.role_min[c]) for r in by_role]
        phases.append(("max", pairs, rnd.role_max[c]))
        for phase, candidates, room in phases:
            for j in candidates:
                if len(team) >= rnd.c_size[c]:
                    break
                p = int(rnd.pair_p[j])
                r = int(rnd.p_role[p])
                k = int(rnd.p_council[p])
                party = int(rnd.p_party[p]) if rnd.p_councillor[p] else None
                if phase != "pins" and (
                    p in team
                    or roles[r] >= room[r]
                    or left[p] + 1e-9 < days
                    or (p, week) in busy
                    or (one and k in councils)
                    or (mutual and (host, k) in directions)
                    or (party is not None and parties[party] >= rnd.msp)
                ):
                    continue
                team.append(p)
                roles[r] += 1
                councils.add(k)
                if party is not None:
                    parties[party] += 1
        if rnd.needs_party_mix(c) and len(parties) < rnd.min_parties:
            continue
        team_ok = len(team) == rnd.c_size[c] and all(
            rnd.role_min[c, r] <= roles[r] <= rnd.role_max[c, r] for r in range(len(rnd.roles))
        )
        if not team_ok:
            continue
        for p in team:
            left[p] -= days
            busy.add((p, week))
            directions.add((int(rnd.p_council[p]), host))
            chosen.add(rnd.pair_of[(c, p)])
    return chosen


def _initial_columns(rnd: _Round, candidate: np.ndarray, pins, per_peer: int = 10) -> np.ndarray:
    """A small share of all pairs that leaves the solver real choices: the best few for
    every (challenge, role, party), and every peer's best few challenges, so that peers who
    are nobody's first choice are there when the first choices run out of days."""
    pc, pp = rnd.pair_c, rnd.pair_p
    group = (pc * len(rnd.roles) + rnd.p_role[pp]) * (len(rnd.parties) + 1) + (rnd.p_party[pp] + 1)
    keep_n = 3 * rnd.role_max[pc, rnd.p_role[pp]] + 6
    chosen = [_top_per_group(group, rnd.pair_w, keep_n)]
    chosen.append(_top_per_group(pp, rnd.pair_w, np.full(len(pp), per_peer)))
    chosen.append(np.array([rnd.pair_of[pin] for pin in pins], dtype=np.int64))
    out = np.unique(np.concatenate(chosen))
    return out[candidate[pc[out]]]


def _top_per_group(group: np.ndarray, weight: np.ndarray, keep_n: np.ndarray) -> np.ndarray:
    order = np.lexsort((-weight, group))
    g = group[order]
    first_of = np.r_[0, np.nonzero(np.diff(g))[0] + 1]
    rank = np.arange(len(g)) - np.repeat(first_of, np.diff(np.r_[first_of, len(g)]))
    return order[rank < keep_n[order]]


def _stage2_columns(rnd, all_cols, init_cols, start_pairs, s_lower, s_upper, count, pins, clock):
    """Stage 2 for large rounds: column generation on the linear relaxation, then
    reduced-cost fixing, then the programme over the pairs that are left.

    With row duals y from the restricted relaxation and d = c - A'y over every pair (in
    minimisation form), any assignment that uses pair j scores at most ``L - d_j`` where
    ``L`` is the Lagrangian bound (the restricted optimum plus every improving d). A pair
    with ``L - d_j`` not above the incumbent's score + 0.5 cannot be in a better assignment,
    because scores are whole numbers, so it is left out without losing the optimum.
    """
    full = _build(
        rnd,
        all_cols,
        s_lower=s_lower,
        s_upper=s_upper,
        objective="score",
        pins=pins,
        staffed_count=count,
    )
    position = np.full(len(rnd.pair_c), -1, dtype=np.int64)
    position[all_cols] = np.arange(len(all_cols))
    active = np.zeros(full.n_x, dtype=bool)
    active[position[init_cols]] = True
    if start_pairs:
        active[position[np.fromiter(start_pairs, dtype=np.int64)]] = True
    bound_lp = None
    reduced = None
    for _ in range(50):
        keep = np.nonzero(active)[0]
        relaxed = _run(full.subset(keep), clock, lp_only=True)
        if relaxed.status != "optimal":
            break
        reduced = full.reduced_costs(relaxed.row_dual)
        improving = ~active & (reduced < -1e-7)
        bound_lp = relaxed.objective + float(-reduced[improving].sum())
        clock.report(None, bound_lp, force=True)
        if not improving.any() or (clock.left() is not None and clock.left() < 30):
            break
        entering = np.nonzero(improving)[0]
        if len(entering) > 20_000:
            entering = entering[np.argsort(reduced[entering])[:20_000]]
        active[entering] = True

    # An incumbent: the exact programme over the pairs the relaxation uses and those whose
    # reduced cost is small, widening while time allows. Each answer breaks no rule.
    incumbent_pairs = set(start_pairs)
    incumbent = float(rnd.pair_w[list(incumbent_pairs)].sum()) if incumbent_pairs else 0.0
    first = _Solved("time_limit", None, incumbent, bound_lp)
    if reduced is not None and bound_lp is not None:
        support = np.zeros(full.n_x, dtype=bool)
        support[keep[relaxed.values[: len(keep)] > 1e-6]] = True
        for width in (20.0, 100.0, 400.0):
            left = clock.left()
            if left is not None and left < 20:
                break
            near = support | (reduced <= width)
            near[position[np.fromiter(incumbent_pairs, dtype=np.int64)]] = True
            pairs = full.cols[np.nonzero(near)[0]]
            sub = _build(
                rnd,
                pairs,
                s_lower=s_lower,
                s_upper=s_upper,
                objective="score",
                pins=pins,
                staffed_count=count,
            )
            start = _start_vector(sub, incumbent_pairs, _start_staffed(rnd, incumbent_pairs), rnd)
            budget = 120.0 if left is None else max(10.0, 0.3 * left)
            first = _run(
                sub, clock, budget=budget, start=start, bound_cap=bound_lp, bound_only_cap=True
            )
            if first.values is not None:
                found = set(sub.cols[first.values[: sub.n_x] > 0.5].tolist())
                value = float(rnd.pair_w[list(found)].sum())
                if value >= incumbent:
                    incumbent_pairs, incumbent = found, value
            log.debug("incumbent %s from %d pairs (width %s)", incumbent, len(pairs), width)
            clock.report(incumbent, bound_lp, force=True)
            if bound_lp - incumbent < 1 or first.status != "optimal":
                break
    if reduced is None or bound_lp is None:
        return first, incumbent_pairs

    # Reduced-cost fixing, then the exact programme over what is left.
    fixed_keep = (bound_lp - reduced) > incumbent + 0.5
    if incumbent_pairs:
        fixed_keep[position[np.fromiter(incumbent_pairs, dtype=np.int64)]] = True
    keep = np.nonzero(fixed_keep)[0]
    log.debug("reduced-cost fixing keeps %d of %d pairs", len(keep), full.n_x)
    if clock.limit is not None and len(keep) > FINAL_PAIRS_WITH_LIMIT:
        # Too many pairs survive for the exact programme to finish in the time given: the
        # incumbent stands, with the relaxation's bound beside it.
        value = float(rnd.pair_w[list(incumbent_pairs)].sum()) if incumbent_pairs else 0.0
        return _Solved("feasible", None, value, bound_lp), incumbent_pairs
    sub = full.subset(keep)
    start = _start_vector(sub, incumbent_pairs, _start_staffed(rnd, incumbent_pairs), rnd)
    final = _run(sub, clock, start=start, bound_cap=bound_lp)
    if final.values is not None and final.objective is not None and final.objective >= incumbent:
        chosen = set(sub.cols[final.values[: sub.n_x] > 0.5].tolist())
    else:
        chosen = incumbent_pairs
    value = float(rnd.pair_w[list(chosen)].sum()) if chosen else 0.0
    bounds = [bound_lp]
    if final.bound is not None:
        bounds.append(max(final.bound, incumbent))
    status = "optimal" if final.status == "optimal" else "time_limit"
    return _Solved(status, None, value, min(bounds)), chosen


def _start_staffed(rnd: _Round, pairs: set[int]) -> np.ndarray:
    staffed = np.zeros(rnd.n_challenges, dtype=bool)
    for j in pairs:
        staffed[rnd.pair_c[j]] = True
    return staffed


# --------------------------------------------------------------------------- explanations


def _counting_check(rnd: _Round, c: int, pinned: list[int]) -> str | None:
    """Reasons a team cannot be formed at all, read off the counts (most unstaffable
    challenges fail here)."""
    problems = []
    eligible = rnd.reason[c] == ELIGIBLE
    one = rnd.rules["one_peer_per_council"]
    for r, role in enumerate(rnd.roles):
        low = rnd.role_min[c, r]
        if low <= 0:
            continue
        mask = eligible & (rnd.p_role == r)
        n = int(mask.sum())
        words = ROLE_WORDS.get(role, role)
        if n < low:
            problems.append(
                f"It needs {low} {words}{'s' if low > 1 else ''} but {n} "
                f"{'is' if n == 1 else 'are'} eligible ({_removed(rnd, c, r)})."
            )
        elif one and len(set(rnd.p_council[mask].tolist())) < low:
            problems.append(
                f"It needs {low} {words}s from different councils but the eligible ones come "
                f"from {len(set(rnd.p_council[mask].tolist()))} (one peer per council)."
            )
    usable = eligible & rnd.in_template[c, rnd.p_role]
    if int(usable.sum()) < rnd.c_size[c]:
        problems.append(
            f"It needs a team of {rnd.c_size[c]} but only {int(usable.sum())} peers are eligible."
        )
    elif one and len(set(rnd.p_council[usable].tolist())) < rnd.c_size[c]:
        problems.append(
            f"It needs a team of {rnd.c_size[c]} from different councils but the eligible "
            f"peers come from {len(set(rnd.p_council[usable].tolist()))} councils "
            "(one peer per council)."
        )
    if rnd.needs_party_mix(c):
        parties = set(rnd.p_party[usable & rnd.p_councillor].tolist()) - {-1}
        if len(parties) < rnd.min_parties:
            problems.append(
                f"It needs councillors of {rnd.min_parties} parties but the eligible ones are "
                f"of {len(parties)} (party balance)."
            )
    return " ".join(problems) or None


def _removed(rnd: _Round, c: int, r: int) -> str:
    removed = rnd.diagnostics(c)[rnd.roles[r]]["removed_by"]
    if not removed:
        return "there are none in the pool"
    return "removed: " + ", ".join(f"{label} {n}" for label, n in removed.items())


def _round_reason(rnd, c, pins, staffed_now, clock, use_columns, candidate, probes) -> str:
    """Why a challenge that passed the counting check is not staffed: its team rules cannot
    be met (a small programme for this challenge alone), or it competes with the rest of the
    round for the same peers. In the second case each round rule is lifted in turn (once
    for the whole round, kept in ``probes``) to name those that stand in the way."""
    cols = np.nonzero(rnd.pair_c == c)[0]
    alone_mask = np.zeros(rnd.n_challenges, dtype=bool)
    alone_mask[c] = True
    my_pins = [(cc, p) for cc, p in pins if cc == c]
    alone = _stage1(rnd, cols, alone_mask, my_pins, _Clock(30.0, None), 30.0)
    if alone.status == "infeasible" or (alone.objective is not None and alone.objective < 0.5):
        if my_pins:
            free = _stage1(rnd, cols, alone_mask, [], _Clock(30.0, None), 30.0)
            if free.objective and free.objective > 0.5:
                return "The pinned peers cannot all sit on one team that meets the team rules."
        return (
            "No team of eligible peers meets the team rules together (size, role bounds, "
            "party balance, one peer per council)."
        )
    text = (
        "A team could be formed for this challenge alone, but not while the other challenges "
        "are staffed: the same peers are needed elsewhere in the round"
    )
    left = clock.left()
    if use_columns or (left is not None and left < 5):
        return text + "."
    if "binding" not in probes:
        probes["binding"] = []
        all_cols = np.nonzero(candidate[rnd.pair_c])[0]
        for rule, words in ROUND_RULES.items():
            probe = _build(
                rnd,
                all_cols,
                s_lower=np.zeros(rnd.n_challenges),
                s_upper=candidate.astype(float),
                objective="count",
                pins=pins,
                drop=frozenset({rule}),
            )
            budget = 20.0 if left is None else max(1.0, min(20.0, left / 4))
            solved = _run(probe, _Clock(budget, None), report=False)
            if solved.objective is not None and solved.objective > len(staffed_now) + 0.5:
                probes["binding"].append(words)
    if probes["binding"]:
        return text + " (" + ", ".join(probes["binding"]) + ")."
    return text + "."


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
