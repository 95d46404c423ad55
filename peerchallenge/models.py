"""Peer challenge: the peer pool, challenges through their lifecycle, matching rounds, reports
and action plans.

The lifecycle is a row per challenge moving through `ChallengeState`, every move recorded in
`Transition` (who and when). Matching rounds gather scoped challenges; each run of the matcher
is a `MatchingRun` row holding the instance it solved and what it found.
"""

import datetime
import hashlib

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from selfreg.models import Council


class FocusArea(models.TextChoices):
    """The five Corporate Peer Challenge core elements, then specialisms. The order is the
    order of every expertise and focus vector in the exchange format."""

    PRIORITIES = "local-priorities", _("Local priorities and outcomes")
    LEADERSHIP = "leadership", _("Organisational and place leadership")
    GOVERNANCE = "governance-culture", _("Governance and culture")
    FINANCE = "financial-planning", _("Financial planning and management")
    IMPROVEMENT = "capacity-for-improvement", _("Capacity for improvement")
    SAFEGUARDING = "childrens-safeguarding", _("Children's safeguarding")
    ADULT_CARE = "adult-social-care", _("Adult social care")
    HOUSING = "housing", _("Housing")
    COMMUNITY_SAFETY = "community-safety", _("Community safety")
    NHS = "nhs-integration", _("NHS integration")
    GROWTH = "economic-growth", _("Economic growth")
    CLIMATE = "climate", _("Climate")


CORE_FOCUS = [
    FocusArea.PRIORITIES,
    FocusArea.LEADERSHIP,
    FocusArea.GOVERNANCE,
    FocusArea.FINANCE,
    FocusArea.IMPROVEMENT,
]


class PeerSector(models.TextChoices):
    COUNCIL = "council", _("Council")
    BUSINESS = "business", _("Business")
    VOLUNTARY = "voluntary", _("Voluntary sector")


class PeerRole(models.TextChoices):
    """The exchange format's role names."""

    LEAD_MEMBER = "lead_member", _("Lead member peer")
    MEMBER = "member", _("Member peer")
    CHIEF_EXEC = "chief_exec", _("Chief executive peer")
    SENIOR_OFFICER = "senior_officer", _("Senior officer peer")
    BUSINESS = "business", _("Business peer")
    VOLUNTARY = "voluntary", _("Voluntary sector peer")


COUNCILLOR_ROLES = (PeerRole.LEAD_MEMBER, PeerRole.MEMBER)
ROLE_LABELS = dict(PeerRole.choices)


class Party(models.TextChoices):
    CON = "Con", _("Conservative")
    LAB = "Lab", _("Labour")
    LD = "LD", _("Liberal Democrat")
    IND = "Ind", _("Independent")
    GREEN = "Green", _("Green")


class Control(models.TextChoices):
    CON = "Con", _("Conservative")
    LAB = "Lab", _("Labour")
    LD = "LD", _("Liberal Democrat")
    IND = "Ind", _("Independent")
    GREEN = "Green", _("Green")
    NOC = "NOC", _("No overall control")


class Expertise(models.TextChoices):
    """The named levels a peer gives their expertise in each focus area. The matcher reads
    each as a number from 0 to 1 (`EXPERTISE_VALUES`)."""

    NONE = "none", _("None")
    SOME = "some", _("Some knowledge")
    EXPERIENCED = "experienced", _("Experienced")
    EXPERT = "expert", _("Expert")


EXPERTISE_VALUES = {
    Expertise.NONE: 0.0,
    Expertise.SOME: 0.33,
    Expertise.EXPERIENCED: 0.67,
    Expertise.EXPERT: 1.0,
}


def expertise_level(value: float) -> Expertise:
    """The named level nearest a stored number (the higher level on a tie)."""
    return min(
        EXPERTISE_VALUES,
        key=lambda level: (abs(EXPERTISE_VALUES[level] - value), -EXPERTISE_VALUES[level]),
    )


def week_number(day: datetime.date) -> int:
    """The week of the year the matcher reads for a day: its ISO week, 1 to 52 (week 53
    counts as 52)."""
    return min(day.isocalendar().week, 52)


class PeerQuerySet(models.QuerySet):
    def accredited(self):
        return self.filter(accredited=True)


class Peer(models.Model):
    """A person who offers days as a peer, with their expertise and availability.

    Business and voluntary sector peers name their organisation and the council area they
    are based in: the conflict rules read the home council whatever the sector.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="peer_profile"
    )
    council = models.ForeignKey(
        Council,
        verbose_name=_("home council"),
        on_delete=models.PROTECT,
        related_name="peers",
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    sector = models.CharField(_("sector"), max_length=20, choices=PeerSector.choices)
    role = models.CharField(_("peer role"), max_length=20, choices=PeerRole.choices)
    party = models.CharField(_("political party"), max_length=10, choices=Party.choices, blank=True)
    expertise = models.JSONField(
        _("expertise"),
        default=dict,
        blank=True,
        help_text=_("For each focus area, 0 (none) to 1 (expert), as the matcher reads it."),
    )
    days_offered = models.PositiveSmallIntegerField(_("days offered this year"), default=0)
    # [[first day, last day], ...] as ISO dates; the exchange turns them into the weeks of a
    # round's year.
    unavailable_periods = models.JSONField(_("dates unavailable"), default=list, blank=True)
    conflicts = models.ManyToManyField(
        Council,
        blank=True,
        related_name="conflicted_peers",
        verbose_name=_("declared conflicts of interest"),
    )
    accredited = models.BooleanField(_("accredited"), default=False)
    accredited_on = models.DateField(_("accreditation approved on"), null=True, blank=True)
    accredited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PeerQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[conflicts])

    class Meta:
        ordering = ["user__full_name", "user__email"]

    def __str__(self):
        return str(self.user)

    def get_absolute_url(self):
        return reverse("peerchallenge:peer_detail", args=[self.pk])

    @property
    def is_councillor(self) -> bool:
        return self.role in COUNCILLOR_ROLES

    def expertise_vector(self) -> list[float]:
        return [float(self.expertise.get(code, 0.0)) for code in FocusArea.values]

    def expertise_rows(self) -> list[tuple[str, str]]:
        """Each focus area with the peer's named level in it."""
        return [
            (area.label, expertise_level(float(self.expertise.get(area.value, 0.0))).label)
            for area in FocusArea
        ]

    def periods(self) -> list[tuple[datetime.date, datetime.date]]:
        return [
            (datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))
            for start, end in self.unavailable_periods
        ]


class NominationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


# How long the link in a nomination's email works.
NOMINATION_DAYS = 30
NOMINATION_LIFETIME = datetime.timedelta(days=NOMINATION_DAYS)


class Nomination(models.Model):
    """An invitation to join the peer pool, sent to an email address.

    Nothing is created or changed for the person until they accept it: then (with a
    password, if they have no account yet) they get the peer role and a profile. Only a hash
    of the link's secret is kept.
    """

    council = models.ForeignKey(
        Council,
        verbose_name=_("home council"),
        on_delete=models.PROTECT,
        related_name="peer_nominations",
    )
    email = models.EmailField(_("email address"))
    full_name = models.CharField(_("full name"), max_length=200)
    sector = models.CharField(_("sector"), max_length=20, choices=PeerSector.choices)
    role = models.CharField(_("peer role"), max_length=20, choices=PeerRole.choices)
    party = models.CharField(_("political party"), max_length=10, choices=Party.choices, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        max_length=10, choices=NominationStatus.choices, default=NominationStatus.PENDING
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    peer = models.ForeignKey(
        Peer, null=True, blank=True, on_delete=models.SET_NULL, related_name="nominations"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def expires_at(self) -> datetime.datetime:
        return self.created_at + NOMINATION_LIFETIME


class ChallengeKind(models.TextChoices):
    CORPORATE = "corporate", _("Corporate peer challenge")
    FINANCE = "finance", _("Finance peer challenge")
    THEMATIC = "thematic", _("Thematic peer challenge")


class ChallengeState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SCOPING = "scoping", _("Scoping")
    TEAM_PROPOSED = "team_proposed", _("Team proposed")
    INVITATIONS = "invitations", _("Invitations sent")
    TEAM_CONFIRMED = "team_confirmed", _("Team confirmed")
    ON_SITE = "on_site", _("On site")
    FEEDBACK = "feedback", _("Feedback")
    REPORT_PUBLISHED = "report_published", _("Report published")
    ACTION_PLAN = "action_plan", _("Action plan")
    CHECK_IN = "check_in", _("Six-month check-in")
    PROGRESS_REVIEW = "progress_review", _("Progress review")
    CLOSED = "closed", _("Closed")


STATE_ORDER = list(ChallengeState.values)
# From feedback on, the team has been on site: the challenge counts in the reciprocity ledger
# and as a recent review between the councils.
VISITED_STATES = set(STATE_ORDER[STATE_ORDER.index(ChallengeState.FEEDBACK) :])
PUBLIC_STATES = set(STATE_ORDER[STATE_ORDER.index(ChallengeState.REPORT_PUBLISHED) :])


class ChallengeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state__in=PUBLIC_STATES)

    def visited(self):
        return self.filter(state__in=VISITED_STATES)


class Challenge(models.Model):
    """A council's peer challenge, from its request to its close."""

    host = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="peer_challenges")
    kind = models.CharField(_("type of challenge"), max_length=20, choices=ChallengeKind.choices)
    focus_areas = models.JSONField(_("focus areas"), default=list)
    preferred_weeks = models.JSONField(_("preferred weeks"), default=list, blank=True)
    request_note = models.TextField(_("what the council wants from the challenge"), blank=True)
    state = models.CharField(
        _("stage"), max_length=20, choices=ChallengeState.choices, default=ChallengeState.REQUESTED
    )
    # Agreed at scoping.
    on_site_from = models.DateField(_("first day on site"), null=True, blank=True)
    days = models.PositiveSmallIntegerField(_("days on site"), null=True, blank=True)
    team_size = models.PositiveSmallIntegerField(_("team size"), null=True, blank=True)
    role_template = models.JSONField(
        _("role template"), default=dict, blank=True, help_text=_("{role: [min, max]}")
    )
    lead_member_same_party = models.BooleanField(
        _("lead member peer from the host's ruling party"), default=True
    )
    host_control = models.CharField(
        _("political control of the host council"),
        max_length=10,
        choices=Control.choices,
        blank=True,
    )
    round = models.ForeignKey(
        "MatchingRound",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="challenges",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChallengeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()}, {self.host}"

    def get_absolute_url(self):
        return reverse("peerchallenge:challenge_detail", args=[self.pk])

    @property
    def is_scoped(self) -> bool:
        return bool(
            self.on_site_from
            and self.days
            and self.team_size
            and self.role_template
            and self.host_control
        )

    @property
    def week(self) -> int | None:
        """The week of the year of the first day on site, as the matcher reads it."""
        if self.on_site_from is None:
            return None
        return week_number(self.on_site_from)

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES

    def focus_vector(self) -> list[float]:
        return [1.0 if code in self.focus_areas else 0.0 for code in FocusArea.values]

    def focus_labels(self) -> list[str]:
        return [area.label for area in FocusArea if area.value in self.focus_areas]

    def role_rows(self) -> list[tuple[str, int, int]]:
        return [
            (PeerRole(role).label, bounds[0], bounds[1])
            for role, bounds in self.role_template.items()
            if role in PeerRole.values
        ]


class Transition(models.Model):
    """One move of a challenge through its lifecycle: who moved it, when, with what note."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=ChallengeState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=ChallengeState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["challenge", "at", "pk"]

    def __str__(self):
        return f"{self.challenge}: {self.from_state} → {self.to_state}"


class MemberStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class TeamMember(models.Model):
    """A peer invited onto a challenge's team, and their answer."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="members")
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role on the team"), max_length=20, choices=PeerRole.choices)
    days = models.PositiveSmallIntegerField(_("days"))
    status = models.CharField(
        _("answer"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.INVITED
    )
    score = models.IntegerField(_("matching score"), null=True, blank=True)
    explanation = models.JSONField(default=dict, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["challenge", "role", "invited_at"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "peer"], name="one_invitation_per_peer")
        ]

    def __str__(self):
        return f"{self.peer} on {self.challenge}"


class RoundState(models.TextChoices):
    OPEN = "open", _("Open")
    CONFIRMED = "confirmed", _("Teams confirmed")


def default_rules() -> dict:
    return {
        "conflict_neighbours": True,
        "conflict_same_grouping": False,
        "recent_review_years": 3,
        "max_same_party": 2,
        "min_parties": 2,
        "one_peer_per_council": True,
        "no_mutual_review": True,
        "reciprocity_weight": 0.3,
        "score_scale": 1000,
    }


class MatchingRound(models.Model):
    """Scoped challenges matched together against the pool."""

    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(
        _("state"), max_length=20, choices=RoundState.choices, default=RoundState.OPEN
    )
    rules = models.JSONField(_("rules"), default=default_rules)
    time_limit = models.PositiveIntegerField(_("time limit in seconds"), default=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("peerchallenge:round_detail", args=[self.pk])

    def latest_run(self):
        return self.runs.filter(kind=RunKind.ROUND).order_by("-pk").first()


class PinKind(models.TextChoices):
    PIN = "pin", _("Must be on the team")
    EXCLUDE = "exclude", _("Must not be on the team")


class Pin(models.Model):
    """Sector staff fix a peer onto, or keep them off, a challenge's team before a run."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="pins")
    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="pins")
    kind = models.CharField(max_length=10, choices=PinKind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["challenge", "peer"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "peer"], name="one_pin_per_peer")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.peer} on {self.challenge}"


class RunKind(models.TextChoices):
    ROUND = "round", _("Whole round")
    REFILL = "refill", _("Refill after a decline")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    SOLVED = "solved", _("Solved")
    FAILED = "failed", _("Failed")
    CONFIRMED = "confirmed", _("Confirmed")


class MatchingRun(models.Model):
    """One run of the matcher: the instance it was given and what it found."""

    round = models.ForeignKey(MatchingRound, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=10, choices=RunKind.choices, default=RunKind.ROUND)
    challenge = models.ForeignKey(
        Challenge, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    instance = models.JSONField(default=dict, blank=True)
    pinned = models.JSONField(default=dict, blank=True)
    excluded = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    explanations = models.JSONField(default=dict, blank=True)
    objective = models.FloatField(null=True, blank=True)
    bound = models.FloatField(null=True, blank=True)
    gap = models.FloatField(null=True, blank=True)
    solver_status = models.CharField(max_length=40, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.round} run {self.pk}"

    def get_absolute_url(self):
        return reverse("peerchallenge:run_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status not in (RunStatus.QUEUED, RunStatus.RUNNING)


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Report(models.Model):
    """The team's report. Immutable once published (`services` refuses every change)."""

    challenge = models.OneToOneField(Challenge, on_delete=models.CASCADE, related_name="report")
    summary = models.TextField(_("summary"))
    findings = models.TextField(_("findings"), blank=True)
    recommendations = models.TextField(
        _("recommendations"), blank=True, help_text=_("One recommendation per line.")
    )
    state = models.CharField(max_length=10, choices=ReportState.choices, default=ReportState.DRAFT)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_at"]

    def __str__(self):
        return f"Report: {self.challenge}"

    @property
    def is_published(self) -> bool:
        return self.state == ReportState.PUBLISHED

    def recommendation_list(self) -> list[str]:
        return [line.strip() for line in self.recommendations.splitlines() if line.strip()]


class FactualCorrection(models.Model):
    """A correction of fact the host council asks for before the report is published."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField(_("correction of fact"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "at"]

    def __str__(self):
        return f"Correction to {self.report}"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Action(models.Model):
    """One action of the council's action plan, answering a recommendation."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="actions")
    recommendation = models.TextField(_("recommendation"))
    action = models.TextField(_("action"))
    owner = models.CharField(_("owner"), max_length=200)
    due = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["challenge", "due", "pk"]

    def __str__(self):
        return self.action[:60]

    @property
    def is_overdue(self) -> bool:
        return self.status != ActionStatus.DONE and self.due < datetime.date.today()
