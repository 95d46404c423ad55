"""Early-warning signals: the catalogue of kinds of signal and the signals recorded."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from selfreg.models import Council


class Category(models.TextChoices):
    CORPORATE = "corporate", _("Corporate")
    FINANCIAL = "financial", _("Financial")
    SERVICE = "service", _("Service")
    INSPECTION = "inspection", _("Inspection")


class SignalSource(models.TextChoices):
    RECORDED = "recorded", _("Recorded by sector staff or peers")
    DERIVED = "derived", _("Derived from data")


class Severity(models.IntegerChoices):
    LOW = 1, _("1: low")
    MEDIUM = 2, _("2: medium")
    HIGH = 3, _("3: high")


DOMAIN_CHOICES = [
    ("financial", _("Financial")),
    ("audit_governance", _("Audit and governance")),
    ("service", _("Service")),
    ("corporate", _("Corporate")),
]


class SignalType(models.Model):
    """One kind of signal. The catalogue is data (`data/signal_types.csv`)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"))
    default_weight = models.FloatField(_("default weight"))
    half_life_months = models.PositiveIntegerField(_("half-life in months"))
    source = models.CharField(_("source"), max_length=20, choices=SignalSource.choices)
    domain = models.CharField(
        _("risk domain"), max_length=20, choices=DOMAIN_CHOICES, default="corporate"
    )
    social_care_only = models.BooleanField(
        _("applies only to councils with social care"), default=False
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "name"]

    def __str__(self):
        return self.name


class RecordedSignalQuerySet(models.QuerySet):
    def for_council(self, council):
        return self.filter(council=council)


class RecordedSignal(models.Model):
    """Soft intelligence about a council, recorded by sector staff or a peer, with evidence."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="recorded_signals")
    signal_type = models.ForeignKey(
        SignalType, on_delete=models.PROTECT, related_name="recorded_signals"
    )
    observed_on = models.DateField(_("observed on"))
    severity = models.PositiveSmallIntegerField(
        _("severity"),
        choices=Severity.choices,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
    )
    evidence = models.TextField(_("evidence"), max_length=5000)
    source_url = models.URLField(
        _("source URL"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    critical = models.BooleanField(_("critical"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="recorded_signals",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RecordedSignalQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-observed_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=3),
                name="recorded_signal_severity_1_to_3",
            ),
        ]

    def __str__(self):
        return f"{self.signal_type} at {self.council} on {self.observed_on}"


class SignalView(models.Model):
    """Someone opened a council's signals: every view of this confidential data is audited."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-viewed_at"]

    def __str__(self):
        return f"{self.user} viewed {self.council} at {self.viewed_at}"


class InspectionRegime(models.TextChoices):
    OFSTED_ILACS = "ofsted_ilacs", _("Ofsted children's services (ILACS)")
    CQC_ASC = "cqc_asc", _("CQC adult social care assessment")
    SEND_AREA = "send_area", _("Ofsted/CQC area SEND inspection")


class InspectionResult(models.Model):
    """A council's latest published inspection outcome in one regime, as imported from the
    files in `data/inspections/` (`earlywarning.inspections`)."""

    council = models.ForeignKey(
        Council, on_delete=models.CASCADE, related_name="inspection_results"
    )
    regime = models.CharField(_("regime"), max_length=20, choices=InspectionRegime.choices)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    judgement = models.CharField(_("judgement"), max_length=200, blank=True)
    concern = models.BooleanField(_("concern"), default=False)
    source_file = models.CharField(_("source file"), max_length=200)

    class Meta:
        ordering = ["council", "regime"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "regime"], name="inspection_result_one_per_council_regime"
            ),
        ]

    def __str__(self):
        return f"{self.council} {self.get_regime_display()}: {self.judgement or 'unreadable'}"


class Domain(models.TextChoices):
    """The four domains of the risk assessment (docs/method/risk-scoring.md)."""

    FINANCIAL = DOMAIN_CHOICES[0]
    AUDIT_GOVERNANCE = DOMAIN_CHOICES[1]
    SERVICE = DOMAIN_CHOICES[2]
    CORPORATE = DOMAIN_CHOICES[3]


class CorporateEventKind(models.TextChoices):
    POLITICAL_CONTROL = "political_control", _("Change of political control")
    CHIEF_EXECUTIVE = "chief_executive", _("Change of chief executive")
    S151_OFFICER = "s151_officer", _("Change of section 151 officer")
    MONITORING_OFFICER = "monitoring_officer", _("Change of monitoring officer")


class CorporateEvent(models.Model):
    """A change of political control or of a statutory officer, as the portal records it."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="corporate_events")
    kind = models.CharField(_("kind of change"), max_length=30, choices=CorporateEventKind.choices)
    occurred_on = models.DateField(_("date of the change"))
    description = models.TextField(_("what changed"), max_length=2000)
    source_url = models.URLField(
        _("source URL"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "kind", "occurred_on"], name="corporate_event_once"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.council} on {self.occurred_on}"


class Band(models.TextChoices):
    LOW = "low", _("Low")
    WATCH = "watch", _("Watch")
    ELEVATED = "elevated", _("Elevated")
    HIGH = "high", _("High")


BAND_ORDER = {Band.LOW: 0, Band.WATCH: 1, Band.ELEVATED: 2, Band.HIGH: 3}
BAND_TAGS = {
    Band.LOW: "govuk-tag--grey",
    Band.WATCH: "govuk-tag--yellow",
    Band.ELEVATED: "govuk-tag--orange",
    Band.HIGH: "govuk-tag--red",
}


class RiskAssessment(models.Model):
    """A council's risk band on a date, with every contribution that made it. Confidential."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField(_("as of"))
    band = models.CharField(_("band"), max_length=10, choices=Band.choices)
    score = models.FloatField(_("share of applicable points"))
    points = models.FloatField(_("points"))
    applicable_points = models.FloatField(_("applicable points"))
    domains = models.JSONField(default=dict)
    contributions = models.JSONField(default=list)
    held_back = models.TextField(_("why the band was held back"), blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["council", "-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["council", "as_of"], name="one_assessment_per_date")
        ]

    def __str__(self):
        return f"{self.council} on {self.as_of}: {self.band}"

    @property
    def band_rank(self) -> int:
        return BAND_ORDER[self.band]

    @property
    def band_tag(self) -> str:
        return BAND_TAGS[self.band]

    @property
    def score_percent(self) -> str:
        return f"{self.score:.0%}"


class AlertState(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    IN_CONVERSATION = "in_conversation", _("In conversation")
    SUPPORT_OFFERED = "support_offered", _("Support offered")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")
    DISMISSED = "dismissed", _("Dismissed")


OPEN_STATES = (
    AlertState.NEW,
    AlertState.TRIAGED,
    AlertState.IN_CONVERSATION,
    AlertState.SUPPORT_OFFERED,
    AlertState.MONITORING,
)


class AlertReason(models.TextChoices):
    BAND = "band", _("Risk band rose")
    CRITICAL = "critical", _("Signal marked critical")


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)


class Alert(models.Model):
    """A prompt for sector staff to look at a council: confidential, triaged, never published."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("why it opened"), max_length=10, choices=AlertReason.choices)
    summary = models.TextField(_("summary"))
    # The highest band the council reached while the alert is open.
    band = models.CharField(_("band"), max_length=10, choices=Band.choices)
    band_rank = models.PositiveSmallIntegerField(default=0)
    categories = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=AlertState.choices, default=AlertState.NEW
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_alerts",
        verbose_name=_("assigned to"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    dismissed_reason = models.TextField(_("why it was dismissed"), blank=True)
    council_invited = models.BooleanField(_("council invited into the conversation"), default=False)
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-band_rank", "opened_at"]

    def __str__(self):
        return f"Alert {self.pk}: {self.council}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def band_tag(self) -> str:
        return BAND_TAGS[self.band]

    def category_list(self) -> list[str]:
        return [c for c in self.categories.split(",") if c]


class AlertEventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    STATE = "state", _("State changed")
    ASSIGNED = "assigned", _("Assigned")
    DUE = "due", _("Due date set")
    NOTE = "note", _("Note")
    SUPPORT = "support", _("Support linked")
    INVITED = "invited", _("Council invited")
    SIGNAL = "signal", _("New signal")


class AlertEvent(models.Model):
    """One entry in an alert's full history."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=AlertEventKind.choices)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    text = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} on alert {self.alert_id}"

    @property
    def from_label(self) -> str:
        return AlertState(self.from_state).label if self.from_state else ""

    @property
    def to_label(self) -> str:
        return AlertState(self.to_state).label if self.to_state else ""


class SupportKind(models.TextChoices):
    PEER_CHALLENGE = "peer_challenge", _("Peer challenge request")
    IMPROVEMENT_SUPPORT = "improvement_support", _("Improvement-support offer")
    LIBRARY = "library", _("Library item")
    # Links made before support was chosen from a list; no longer offered.
    OTHER = "other", _("Other support")


class SupportLink(models.Model):
    """Support offered to the council, linked by its address in the portal."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="support_links")
    kind = models.CharField(_("kind of support"), max_length=30, choices=SupportKind.choices)
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("address in the portal"), max_length=300)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at"]

    def __str__(self):
        return self.title


class ConversationMessage(models.Model):
    """A message about an alert. Only messages shared with the council are ever shown to it."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("message"))
    shared_with_council = models.BooleanField(_("shared with the council"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Message on alert {self.alert_id}"
