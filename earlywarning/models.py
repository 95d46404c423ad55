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


class SignalType(models.Model):
    """One kind of signal. The catalogue is data (`data/signal_types.csv`)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"))
    default_weight = models.FloatField(_("default weight"))
    half_life_months = models.PositiveIntegerField(_("half-life in months"))
    source = models.CharField(_("source"), max_length=20, choices=SignalSource.choices)

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
    evidence = models.TextField(_("evidence"))
    source_url = models.URLField(
        _("source URL"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
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
