"""The exchange format: the instance checked (``validate_instance``), read into arrays
(``_Round``: who is eligible for what, and each pair's score) and scored one pair at a time."""

from __future__ import annotations

import math

import numpy as np

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


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validate_instance(instance: dict) -> list[str]:
    """Every problem with an instance, in words. An empty list means it can be solved."""
    if not isinstance(instance, dict):
        return ["The instance must be a JSON object."]
    problems: list[str] = []
    if instance.get("format") != FORMAT:
        problems.append(f'"format" must be "{FORMAT}".')
    required = [
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
    ]
    missing = [key for key in required if key not in instance]
    if missing:
        problems.append("Missing keys: " + ", ".join(missing) + ".")
        return problems
    if not _is_int(instance["current_year"]):
        problems.append('"current_year" must be a whole number.')
    for key in ("focus_areas", "roles", "councillor_roles", "parties"):
        value = instance[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f'"{key}" must be a list of text values.')
        elif len(set(value)) != len(value):
            problems.append(f'"{key}" lists a value twice.')
    if problems:
        return problems
    k = len(instance["focus_areas"])
    if k == 0:
        problems.append('"focus_areas" is empty.')
    roles = set(instance["roles"])
    parties = set(instance["parties"])
    councillor_roles = set(instance["councillor_roles"])
    if not councillor_roles <= roles:
        problems.append('"councillor_roles" names a role that is not in "roles".')
    problems += _validate_rules(instance["rules"])

    councils = instance["councils"]
    council_ids: set[str] = set()
    if not isinstance(councils, list):
        problems.append('"councils" must be a list.')
        councils = []
    for i, council in enumerate(councils):
        where = f"Council {i + 1}"
        if not isinstance(council, dict):
            problems.append(f"{where} must be an object.")
            continue
        cid = council.get("id")
        if not isinstance(cid, str) or not cid:
            problems.append(f"{where} needs an id (text).")
            continue
        where = f"Council {cid}"
        if cid in council_ids:
            problems.append(f"{where} appears twice.")
        council_ids.add(cid)
        control = council.get("control")
        if control != "NOC" and control not in parties:
            problems.append(f'{where}: control must be a listed party or "NOC".')
        for key in ("peer_days_given_3y", "peer_days_received_3y"):
            if not _is_number(council.get(key)) or council.get(key) < 0:
                problems.append(f"{where}: {key} must be a number of days, 0 or more.")
        if not isinstance(council.get("neighbours", []), list):
            problems.append(f"{where}: neighbours must be a list of council ids.")
        grouping = council.get("grouping")
        if grouping is not None and not isinstance(grouping, str):
            problems.append(f"{where}: grouping must be text.")
    for council in councils:
        if isinstance(council, dict) and isinstance(council.get("neighbours"), list):
            unknown = [n for n in council["neighbours"] if n not in council_ids]
            if unknown:
                listed = ", ".join(map(str, unknown))
                problems.append(f"Council {council.get('id')}: unknown neighbours {listed}.")

    reviews = instance["recent_reviews"]
    if not isinstance(reviews, list):
        problems.append('"recent_reviews" must be a list.')
        reviews = []
    for i, review in enumerate(reviews):
        if (
            not isinstance(review, dict)
            or review.get("reviewer_council") not in council_ids
            or review.get("host_council") not in council_ids
            or not _is_int(review.get("year"))
        ):
            problems.append(
                f"Recent review {i + 1} needs a known reviewer_council, a known host_council "
                "and a year."
            )

    peers = instance["peers"]
    peer_ids: set[str] = set()
    if not isinstance(peers, list):
        problems.append('"peers" must be a list.')
        peers = []
    for i, peer in enumerate(peers):
        where = f"Peer {i + 1}"
        if not isinstance(peer, dict):
            problems.append(f"{where} must be an object.")
            continue
        pid = peer.get("id")
        if not isinstance(pid, str) or not pid:
            problems.append(f"{where} needs an id (text).")
            continue
        where = f"Peer {pid}"
        if pid in peer_ids:
            problems.append(f"{where} appears twice.")
        peer_ids.add(pid)
        if peer.get("council") not in council_ids:
            problems.append(f"{where}: council {peer.get('council')!r} is not in the councils.")
        role = peer.get("role")
        if role not in roles:
            problems.append(f"{where}: role {role!r} is not in the roles.")
        party = peer.get("party")
        if role in councillor_roles:
            if party not in parties:
                problems.append(f"{where}: a councillor needs a listed party, not {party!r}.")
        elif party is not None and party not in parties:
            problems.append(f"{where}: party {party!r} is not listed.")
        expertise = peer.get("expertise")
        if (
            not isinstance(expertise, list)
            or len(expertise) != k
            or not all(_is_number(e) and 0 <= e <= 1 for e in expertise)
        ):
            problems.append(f"{where}: expertise must be {k} numbers between 0 and 1.")
        if not _is_number(peer.get("capacity_days")) or peer.get("capacity_days") < 0:
            problems.append(f"{where}: capacity_days must be a number, 0 or more.")
        weeks = peer.get("unavailable_weeks", [])
        if not isinstance(weeks, list) or not all(_is_int(w) and 1 <= w <= 52 for w in weeks):
            problems.append(f"{where}: unavailable_weeks must be week numbers 1 to 52.")

    challenges = instance["challenges"]
    challenge_ids: set[str] = set()
    if not isinstance(challenges, list):
        problems.append('"challenges" must be a list.')
        challenges = []
    for i, challenge in enumerate(challenges):
        where = f"Challenge {i + 1}"
        if not isinstance(challenge, dict):
            problems.append(f"{where} must be an object.")
            continue
        chid = challenge.get("id")
        if not isinstance(chid, str) or not chid:
            problems.append(f"{where} needs an id (text).")
            continue
        where = f"Challenge {chid}"
        if chid in challenge_ids:
            problems.append(f"{where} appears twice.")
        challenge_ids.add(chid)
        if challenge.get("host") not in council_ids:
            problems.append(f"{where}: host {challenge.get('host')!r} is not in the councils.")
        week = challenge.get("week")
        if not _is_int(week) or not 1 <= week <= 52:
            problems.append(f"{where}: week must be a week number from 1 to 52.")
        days = challenge.get("days")
        if not _is_number(days) or days <= 0:
            problems.append(f"{where}: days must be a number above 0.")
        size = challenge.get("team_size")
        if not _is_int(size) or size < 1:
            problems.append(f"{where}: team_size must be a whole number, 1 or more.")
        focus = challenge.get("focus")
        if (
            not isinstance(focus, list)
            or len(focus) != k
            or not all(_is_number(f) and f >= 0 for f in focus)
            or not any(f > 0 for f in focus)
        ):
            problems.append(f"{where}: focus must be {k} numbers, 0 or more, not all 0.")
        if not isinstance(challenge.get("lead_member_same_party", False), bool):
            problems.append(f"{where}: lead_member_same_party must be true or false.")
        template = challenge.get("roles")
        if not isinstance(template, dict) or not template:
            problems.append(f"{where}: roles must map each role to [min, max].")
            continue
        low = high = 0
        for role, bounds in template.items():
            if role not in roles:
                problems.append(f"{where}: role {role!r} is not in the roles.")
                continue
            if (
                not isinstance(bounds, list)
                or len(bounds) != 2
                or not all(_is_int(b) for b in bounds)
                or not 0 <= bounds[0] <= bounds[1]
            ):
                problems.append(f"{where}: role {role} needs [min, max] with 0 <= min <= max.")
                continue
            low += bounds[0]
            high += bounds[1]
        if _is_int(size) and not low <= size <= high:
            problems.append(
                f"{where}: team_size {size} is outside what the roles allow ({low} to {high})."
            )
    return problems


def _validate_rules(rules) -> list[str]:
    if not isinstance(rules, dict):
        return ['"rules" must be an object.']
    problems = []
    for key in (
        "conflict_neighbours",
        "conflict_same_grouping",
        "one_peer_per_council",
        "no_mutual_review",
    ):
        if not isinstance(rules.get(key), bool):
            problems.append(f"rules.{key} must be true or false.")
    for key in ("recent_review_years", "max_same_party", "min_parties", "score_scale"):
        if not _is_int(rules.get(key)) or rules.get(key) < 0:
            problems.append(f"rules.{key} must be a whole number, 0 or more.")
    if _is_int(rules.get("max_same_party")) and rules["max_same_party"] < 1:
        problems.append("rules.max_same_party must be at least 1.")
    weight = rules.get("reciprocity_weight")
    if not _is_number(weight) or weight < 0:
        problems.append("rules.reciprocity_weight must be a number, 0 or more.")
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
