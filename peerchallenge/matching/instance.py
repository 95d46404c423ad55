"""The exchange format: the instance checked (``validate_instance``), read into arrays
(``_Round``: who is eligible for what, and each pair's score) and scored one pair at a time."""

from __future__ import annotations

import json
import threading

import numpy as np

from peerchallenge import schema

FORMAT = "peer-challenge-instance/1"

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


# --------------------------------------------------------------------------- validation


INSTANCE_SCHEMA = "matching-instance"  # peerchallenge/schema/matching-instance.schema.json
SOLUTION_SCHEMA = "matching-solution"  # peerchallenge/schema/matching-solution.schema.json
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


def read_assignments(data) -> dict[str, list[str]]:
    """The assignments of a solution file: ours (``{"assignments": {challenge: [peer, ...]}}``,
    with or without the wrapper) or openreview-matcher's (``{challenge: [{"user": peer, ...}]}``),
    checked against `schema/matching-solution.schema.json`; raise ValueError with the first
    problem."""
    for problem in schema.problems(data, SOLUTION_SCHEMA, where=_solution_challenge):
        raise ValueError(problem.message)
    assignments = data.get("assignments", data)
    return {
        str(challenge_id): [str(p["user"] if isinstance(p, dict) else p) for p in peers]
        for challenge_id, peers in assignments.items()
    }


def _solution_challenge(path: tuple) -> str:
    """The challenge a place in a solution file belongs to."""
    path = path[1:] if path[:1] == ("assignments",) else path
    return f"Challenge {path[0]}" if path else ""


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

        self._read_councils(instance)
        self._read_peers(instance)
        self._read_challenges(instance)
        self.reason = self._reasons(excluded or {})
        self.score_matrix = self._scores()
        ci, pi = np.nonzero(self.reason == ELIGIBLE)
        self.pair_c = ci.astype(np.int64)
        self.pair_p = pi.astype(np.int64)
        self.pair_w = self.score_matrix[ci, pi]
        self.pair_of = {(int(c), int(p)): j for j, (c, p) in enumerate(zip(ci, pi, strict=True))}

    def _read_councils(self, instance: dict) -> None:
        """Political control, groupings, neighbours, recent reviews and reciprocity debt."""
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
        years = int(self.rules["recent_review_years"])
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

    def _read_peers(self, instance: dict) -> None:
        """Each peer's council, role, party, expertise, days and weeks off."""
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

    def _read_challenges(self, instance: dict) -> None:
        """Each challenge's host, week, days, team size, focus and role bounds."""
        challenges = instance["challenges"]
        self.challenge_ids = [c["id"] for c in challenges]
        self.challenge_ix = {cid: i for i, cid in enumerate(self.challenge_ids)}
        self.c_host = np.array([self.council_ix[c["host"]] for c in challenges], dtype=np.int64)
        self.c_week = np.array([c["week"] for c in challenges], dtype=np.int64)
        self.c_days = np.array([float(c["days"]) for c in challenges])
        self.c_size = np.array([c["team_size"] for c in challenges], dtype=np.int64)
        self.c_focus = np.array([c["focus"] for c in challenges], dtype=float).reshape(
            -1, len(self.focus_areas)
        )
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
