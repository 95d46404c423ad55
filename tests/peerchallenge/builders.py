"""Building peer-challenge data for tests: peers, scoped challenges at a given stage."""

import datetime
import itertools

from peerchallenge.models import (
    Challenge,
    ChallengeState,
    MatchingRound,
    MemberStatus,
    Peer,
    Report,
    TeamMember,
    default_rules,
)
from selfreg.models import RoleKind
from tests.factories import RoleFactory, UserFactory, council

_numbers = itertools.count(1)
EXPERT = {
    "local-priorities": 0.8,
    "leadership": 0.7,
    "governance-culture": 0.6,
    "financial-planning": 0.9,
    "capacity-for-improvement": 0.5,
}
TEMPLATE = {"lead_member": [1, 1], "member": [1, 1], "senior_officer": [1, 2]}


def make_peer(
    gss: str,
    role: str = "senior_officer",
    party: str = "",
    *,
    user=None,
    days: int = 12,
    accredited: bool = True,
    expertise=None,
    periods=(),
) -> Peer:
    """A peer; `periods` are (first day, last day) pairs of dates they are not available."""
    if user is None:
        user = UserFactory(email=f"testpeer{next(_numbers)}@example.com")
        RoleFactory(user=user, kind=RoleKind.PEER, council=None)
    return Peer.objects.create(
        user=user,
        council=council(gss),
        sector="council",
        role=role,
        party=party,
        expertise=expertise if expertise is not None else dict(EXPERT),
        days_offered=days,
        unavailable_periods=[[a.isoformat(), b.isoformat()] for a, b in periods],
        accredited=accredited,
        accredited_on=datetime.date(2026, 1, 1) if accredited else None,
    )


def make_pool() -> list[Peer]:
    """A pool far from the North East that can staff a Labour-run host's team of four."""
    return [
        make_peer("E08000003", "lead_member", "Lab"),  # Manchester
        make_peer("E08000035", "lead_member", "Lab"),  # Leeds
        make_peer("E10000016", "member", "Con"),  # Kent
        make_peer("E06000022", "member", "LD"),  # Bath and North East Somerset
        make_peer("E06000014", "senior_officer"),  # York
        make_peer("E06000023", "senior_officer"),  # Bristol
        make_peer("E09000007", "senior_officer"),  # Camden
        make_peer("E06000016", "senior_officer"),  # Leicester
    ]


def make_challenge(
    gss: str = "E06000001",
    state: str = ChallengeState.SCOPING,
    *,
    on_site: datetime.date = datetime.date(2027, 3, 8),
    team_size: int = 4,
    template=None,
    control: str = "Lab",
    matching_round: MatchingRound | None = None,
    scoped: bool = True,
) -> Challenge:
    challenge = Challenge.objects.create(
        host=council(gss),
        kind="corporate",
        focus_areas=["financial-planning", "leadership"],
        state=state,
        round=matching_round,
    )
    if scoped:
        challenge.on_site_from = on_site
        challenge.days = 3
        challenge.team_size = team_size
        challenge.role_template = template or dict(TEMPLATE)
        challenge.lead_member_same_party = True
        challenge.host_control = control
        challenge.save()
    return challenge


def make_round(year: int = 2027) -> MatchingRound:
    return MatchingRound.objects.create(name=f"Round {year}", year=year, rules=default_rules())


def add_member(challenge: Challenge, peer: Peer, status: str = MemberStatus.ACCEPTED):
    return TeamMember.objects.create(
        challenge=challenge, peer=peer, role=peer.role, days=challenge.days or 3, status=status
    )


def add_report(challenge: Challenge, **fields) -> Report:
    return Report.objects.create(
        challenge=challenge,
        summary=fields.pop("summary", "A summary."),
        recommendations=fields.pop("recommendations", "Do one thing\nDo another"),
        **fields,
    )
