"""Demo content for a first run: a pool of demo peers from real councils, a demo matching
round of three scoped requests ready for sector staff to run the matcher, and one completed
challenge with a published report and action plan. Idempotent. The people, the reports and the
actions are demo content; councils come from the register. The political control entered at
scoping is as the councils stood after their 2024 elections.
"""

import datetime

from django.conf import settings
from django.db import transaction

from peerchallenge import services
from peerchallenge.models import (
    ActionStatus,
    Challenge,
    ChallengeState,
    MatchingRound,
    MemberStatus,
    Peer,
    Report,
    TeamMember,
)
from peerchallenge.services.lifecycle import _set_state
from selfreg.demo import demo_password_hash
from selfreg.models import Council, Role, RoleKind, User

DEMO_MARK = "Demo request."
ROUND_NAME = "Demo round"
ROUND_YEAR = 2027

# (email, name, home council GSS, sector, role, party, expertise by focus area)
PEERS = [
    (
        "peer@example.com",
        "Pat Peer",
        "E08000007",
        "council",
        "chief_exec",
        "",
        {
            "leadership": 0.9,
            "governance-culture": 0.8,
            "financial-planning": 0.7,
            "local-priorities": 0.6,
            "capacity-for-improvement": 0.8,
        },
    ),
    (
        "demo-peer-wiltshire@example.com",
        "Wyn Walters",
        "E06000054",
        "council",
        "chief_exec",
        "",
        {"leadership": 0.8, "financial-planning": 0.9, "adult-social-care": 0.6},
    ),
    (
        "demo-peer-manchester@example.com",
        "Maya Mistry",
        "E08000003",
        "council",
        "lead_member",
        "Lab",
        {"local-priorities": 0.9, "leadership": 0.8, "economic-growth": 0.7},
    ),
    (
        "demo-peer-leeds@example.com",
        "Lee Lawson",
        "E08000035",
        "council",
        "lead_member",
        "Lab",
        {"governance-culture": 0.8, "housing": 0.7, "climate": 0.6},
    ),
    (
        "demo-peer-kent@example.com",
        "Kit Kendall",
        "E10000016",
        "council",
        "lead_member",
        "Con",
        {"financial-planning": 0.8, "leadership": 0.7, "childrens-safeguarding": 0.5},
    ),
    (
        "demo-peer-bath@example.com",
        "Bea Bramley",
        "E06000022",
        "council",
        "lead_member",
        "LD",
        {"local-priorities": 0.7, "climate": 0.9, "community-safety": 0.4},
    ),
    (
        "demo-peer-norfolk@example.com",
        "Nia Norris",
        "E10000020",
        "council",
        "member",
        "Con",
        {"financial-planning": 0.7, "adult-social-care": 0.8, "governance-culture": 0.5},
    ),
    (
        "demo-peer-sheffield@example.com",
        "Sam Sheridan",
        "E08000019",
        "council",
        "member",
        "Lab",
        {"childrens-safeguarding": 0.8, "local-priorities": 0.6, "housing": 0.5},
    ),
    (
        "demo-peer-cornwall@example.com",
        "Cai Curnow",
        "E06000052",
        "council",
        "member",
        "LD",
        {"economic-growth": 0.7, "climate": 0.7, "governance-culture": 0.6},
    ),
    (
        "demo-peer-brighton@example.com",
        "Bryn Hove",
        "E06000043",
        "council",
        "member",
        "Green",
        {"climate": 0.9, "housing": 0.6, "community-safety": 0.5},
    ),
    (
        "demo-peer-york@example.com",
        "Yas Yeadon",
        "E06000014",
        "council",
        "senior_officer",
        "",
        {"financial-planning": 0.9, "capacity-for-improvement": 0.7, "governance-culture": 0.6},
    ),
    (
        "demo-peer-bristol@example.com",
        "Bel Bristow",
        "E06000023",
        "council",
        "senior_officer",
        "",
        {"housing": 0.9, "community-safety": 0.7, "local-priorities": 0.5},
    ),
    (
        "demo-peer-camden@example.com",
        "Cam Denby",
        "E09000007",
        "council",
        "senior_officer",
        "",
        {"childrens-safeguarding": 0.9, "adult-social-care": 0.6, "nhs-integration": 0.7},
    ),
    (
        "demo-peer-leicester@example.com",
        "Lei Chester",
        "E06000016",
        "council",
        "senior_officer",
        "",
        {"economic-growth": 0.8, "financial-planning": 0.6, "capacity-for-improvement": 0.6},
    ),
    (
        "demo-peer-hackney@example.com",
        "Hal Hackett",
        "E09000012",
        "council",
        "senior_officer",
        "",
        {"nhs-integration": 0.8, "adult-social-care": 0.8, "governance-culture": 0.5},
    ),
    (
        "demo-peer-business@example.com",
        "Bo Bizby",
        "E08000035",
        "business",
        "business",
        "",
        {"economic-growth": 0.9, "financial-planning": 0.6},
    ),
    (
        "demo-peer-voluntary@example.com",
        "Val Vance",
        "E06000023",
        "voluntary",
        "voluntary",
        "",
        {"community-safety": 0.7, "local-priorities": 0.7, "adult-social-care": 0.5},
    ),
]

TEMPLATE = {
    "lead_member": [1, 1],
    "member": [1, 1],
    "chief_exec": [1, 1],
    "senior_officer": [1, 2],
    "business": [0, 1],
    "voluntary": [0, 1],
}

# (host GSS, kind, focus areas, first day on site, host's political control)
ROUND_REQUESTS = [
    (
        "E06000001",
        "corporate",
        [
            "local-priorities",
            "leadership",
            "governance-culture",
            "financial-planning",
            "capacity-for-improvement",
        ],
        datetime.date(2027, 3, 8),
        "Lab",
    ),
    (
        "E06000015",
        "finance",
        ["financial-planning", "governance-culture"],
        datetime.date(2027, 4, 12),
        "Lab",
    ),
    (
        "E06000026",
        "thematic",
        ["housing", "community-safety", "climate"],
        datetime.date(2027, 5, 10),
        "Lab",
    ),
]

COMPLETED_HOST = "E06000005"  # Darlington, Hartlepool's neighbour
COMPLETED_TEAM = [
    "demo-peer-kent@example.com",
    "demo-peer-sheffield@example.com",
    "demo-peer-wiltshire@example.com",
    "demo-peer-york@example.com",
]


def _council(gss: str) -> Council:
    return Council.objects.get(gss_code=gss)


def _staff() -> User:
    staff = User.objects.filter(email="staff@example.com").first()
    if staff is None:
        raise ValueError("Create the demo users first.")
    return staff


def _peers(staff: User) -> dict[str, Peer]:
    peers = {}
    for email, name, gss, sector, role, party, expertise in PEERS:
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": name})
        if created:
            user.password = demo_password_hash(settings.DEMO_PASSWORD)
            user.save()
        Role.objects.get_or_create(user=user, kind=RoleKind.PEER, council=None)
        peer, _ = Peer.objects.get_or_create(
            user=user,
            defaults={
                "council": _council(gss),
                "sector": sector,
                "role": role,
                "party": party,
                "expertise": expertise,
                "days_offered": 12,
                "accredited": True,
                "accredited_on": datetime.date(2026, 1, 15),
                "accredited_by": staff,
                "nominated_by": staff,
                "organisation": "Demo organisation" if sector != "council" else "",
            },
        )
        peers[email] = peer
    return peers


def _round(staff: User) -> MatchingRound:
    matching_round = MatchingRound.objects.filter(name=ROUND_NAME, year=ROUND_YEAR).first()
    if matching_round is None:
        matching_round = services.round_create(
            user=staff, name=ROUND_NAME, year=ROUND_YEAR, time_limit=30
        )
    for gss, kind, focus, on_site, control in ROUND_REQUESTS:
        host = _council(gss)
        if Challenge.objects.filter(host=host, request_note__startswith=DEMO_MARK).exists():
            continue
        requester = User.objects.filter(email="officer@example.com").first()
        if requester is None or not requester.roles.filter(council=host).exists():
            requester = staff
        challenge = services.challenge_request(
            user=requester,
            host=host,
            kind=kind,
            focus_areas=focus,
            preferred_weeks=[on_site.isocalendar().week],
            note=f"{DEMO_MARK} Help us test our plans with a fresh pair of eyes.",
        )
        services.challenge_move(user=staff, challenge=challenge, to_state=ChallengeState.SCOPING)
        services.challenge_scope(
            user=staff,
            challenge=challenge,
            focus_areas=focus,
            on_site_from=on_site,
            days=4,
            team_size=5,
            role_template=TEMPLATE,
            lead_member_same_party=True,
            host_control=control,
        )
        services.round_add(user=staff, matching_round=matching_round, challenge=challenge)
    return matching_round


def _completed(staff: User, peers: dict[str, Peer]) -> Challenge:
    host = _council(COMPLETED_HOST)
    existing = Challenge.objects.filter(host=host, request_note__startswith=DEMO_MARK).first()
    if existing is not None:
        return existing
    focus = ["local-priorities", "leadership", "governance-culture", "financial-planning"]
    challenge = services.challenge_request(
        user=staff,
        host=host,
        kind="corporate",
        focus_areas=focus,
        note=f"{DEMO_MARK} A corporate peer challenge two years after the last.",
    )
    services.challenge_move(user=staff, challenge=challenge, to_state=ChallengeState.SCOPING)
    services.challenge_scope(
        user=staff,
        challenge=challenge,
        focus_areas=focus,
        on_site_from=datetime.date(2025, 10, 6),
        days=4,
        team_size=4,
        role_template={
            "lead_member": [1, 1],
            "member": [1, 1],
            "chief_exec": [1, 1],
            "senior_officer": [1, 1],
        },
        lead_member_same_party=False,
        host_control="NOC",
    )
    _set_state(challenge, ChallengeState.TEAM_PROPOSED, staff, "Proposed by the matcher")
    _set_state(challenge, ChallengeState.INVITATIONS, staff, "Proposed team confirmed")
    for email in COMPLETED_TEAM:
        peer = peers[email]
        TeamMember.objects.create(
            challenge=challenge,
            peer=peer,
            role=peer.role,
            days=challenge.days,
            status=MemberStatus.ACCEPTED,
            invited_by=staff,
        )
    challenge.refresh_from_db()
    for state in (ChallengeState.TEAM_CONFIRMED, ChallengeState.ON_SITE, ChallengeState.FEEDBACK):
        challenge = services.challenge_move(user=staff, challenge=challenge, to_state=state)
    recommendations = [
        "Agree a shared set of priorities across the council and its partners",
        "Strengthen the medium-term financial plan with clear savings milestones",
        "Give scrutiny a work programme that follows the council's biggest risks",
    ]
    services.report_save(
        user=staff,
        challenge=challenge,
        summary=(
            "Demo report. The council has a clear ambition for the place, committed staff and "
            "good partnerships. The team found the council well placed to improve further."
        ),
        findings=(
            "Demo findings. Leadership is visible and respected. The financial position is "
            "sound for the next two years, with gaps beyond that still to be closed."
        ),
        recommendations="\n".join(recommendations),
    )
    challenge = services.challenge_move(
        user=staff, challenge=challenge, to_state=ChallengeState.REPORT_PUBLISHED
    )
    statuses = [ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.NOT_STARTED]
    for i, (recommendation, status) in enumerate(zip(recommendations, statuses, strict=True)):
        services.action_save(
            user=staff,
            challenge=challenge,
            recommendation=recommendation,
            text=f"Demo action {i + 1}: {recommendation.lower()}.",
            owner=["Chief executive", "Director of resources", "Head of democratic services"][i],
            due=datetime.date(2026, 6 + 3 * i, 30),
            status=status,
        )
    services.challenge_move(user=staff, challenge=challenge, to_state=ChallengeState.ACTION_PLAN)
    _backdate(challenge)
    return challenge


# When each step of the completed demo challenge happened.
COMPLETED_DATES = {
    ChallengeState.REQUESTED: datetime.date(2025, 3, 3),
    ChallengeState.SCOPING: datetime.date(2025, 3, 17),
    ChallengeState.TEAM_PROPOSED: datetime.date(2025, 6, 2),
    ChallengeState.INVITATIONS: datetime.date(2025, 6, 3),
    ChallengeState.TEAM_CONFIRMED: datetime.date(2025, 6, 20),
    ChallengeState.ON_SITE: datetime.date(2025, 10, 6),
    ChallengeState.FEEDBACK: datetime.date(2025, 10, 9),
    ChallengeState.REPORT_PUBLISHED: datetime.date(2026, 1, 20),
    ChallengeState.ACTION_PLAN: datetime.date(2026, 3, 2),
}


def _backdate(challenge: Challenge) -> None:
    """Demo history reads as a challenge that took a year, not one that took a second."""
    for transition in challenge.transitions.all():
        day = COMPLETED_DATES[transition.to_state]
        stamp = datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC)
        transition.__class__.objects.filter(pk=transition.pk).update(at=stamp)
    published = datetime.datetime.combine(
        COMPLETED_DATES[ChallengeState.REPORT_PUBLISHED], datetime.time(10), tzinfo=datetime.UTC
    )
    Report.objects.filter(challenge=challenge).update(published_at=published)


def seed(stdout) -> None:
    with transaction.atomic():
        staff = _staff()
        peers = _peers(staff)
        completed = _completed(staff, peers)
        matching_round = _round(staff)
    published = Report.objects.filter(challenge=completed, state="published").exists()
    stdout.write(
        f"Peer challenge: {len(peers)} demo peers; round '{matching_round}' with "
        f"{matching_round.challenges.count()} scoped challenges; completed challenge at "
        f"{completed.host} ({'report published' if published else 'report not published'})."
    )
