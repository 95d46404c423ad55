"""The metric catalogue, submitted values, and the comparisons computed from them."""

import datetime
import re

import numpy as np
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from benchmarking.periods import parse_period
from selfreg.models import Council, Visibility

METRIC_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9&_.\-]{0,39}$")
# How a comparison's sorted values and council ids are packed (ComparisonStatistic).
VALUE_DTYPE = np.dtype("<f8")
COUNCIL_DTYPE = np.dtype("<i4")


class Element(models.TextChoices):
    """The three elements of benchmarking."""

    PERCEPTION = "perception", _("Resident perception")
    COST = "cost", _("Productivity and unit cost")
    OUTCOME = "outcome", _("Outcomes and performance")


class Polarity(models.TextChoices):
    HIGHER_BETTER = "higher_better", _("Higher is better")
    LOWER_BETTER = "lower_better", _("Lower is better")
    TARGET = "target", _("Closest to a target is best")
    NEUTRAL = "neutral", _("Neither higher nor lower is better")


class Comparator(models.TextChoices):
    """Which kind of similar councils a measure is compared with by default."""

    OVERALL = "overall", _("Similar councils overall")
    PEOPLE = "people", _("Councils similar in the people they serve")
    PLACE = "place", _("Councils similar in the place they serve")
    FINANCE = "finance", _("Councils similar in size and finances")


class MetricQuerySet(models.QuerySet):
    def of_element(self, element: str):
        return self.filter(element=element)


class Metric(models.Model):
    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(METRIC_CODE, _("Use letters, digits and & _ . - only."))],
    )
    title = models.CharField(_("title"), max_length=300)
    element = models.CharField(_("element"), max_length=20, choices=Element.choices)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    polarity = models.CharField(
        _("polarity"), max_length=20, choices=Polarity.choices, default=Polarity.NEUTRAL
    )
    target_value = models.FloatField(_("target value"), null=True, blank=True)
    decimals = models.PositiveSmallIntegerField(_("decimal places"), default=1)
    unit_limits = models.BooleanField(
        _("values kept within the unit's limits"),
        default=True,
        help_text=_(
            "Refuse a percentage below 0 or over 100, or a negative count, rate or duration. "
            "Turn off for a measure that can go beyond them, such as spending as a "
            "percentage of a budget, or a change."
        ),
    )
    definition = models.TextField(_("definition"), blank=True)
    source = models.TextField(_("source"), blank=True)
    numerator_label = models.CharField(_("numerator"), max_length=300, blank=True)
    denominator_label = models.CharField(_("denominator"), max_length=300, blank=True)
    frequency = models.CharField(_("frequency"), max_length=40, blank=True)
    context_note = models.TextField(_("what to bear in mind when comparing"), blank=True)
    sdl_reference = models.CharField(_("Single Data List reference"), max_length=100, blank=True)
    dataset = models.CharField(_("dataset"), max_length=40, blank=True)
    # The service area it belongs to, in words (e.g. "Children's services", "Waste"): dashboards
    # and the catalogue group measures by it.
    theme = models.CharField(_("theme"), max_length=80, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    attribution = models.TextField(_("attribution"), blank=True)
    comparator = models.CharField(
        _("compared by default with"),
        max_length=10,
        choices=Comparator.choices,
        blank=True,
        help_text=_("Blank means similar councils overall."),
    )

    objects = MetricQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["element", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(polarity="target") | models.Q(target_value__isnull=False),
                name="target_metric_has_target",
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.code})"

    def chart_info(self) -> dict:
        """What charts and number formatting need to know of the metric."""
        return {
            "title": self.title,
            "unit": self.unit,
            "polarity": self.polarity,
            "decimals": self.decimals,
            "target_value": self.target_value,
        }

    @property
    def limits(self):
        """The values its unit allows (`validation.Limits`), or None."""
        from benchmarking.validation import unit_limits

        return unit_limits(self.unit) if self.unit_limits else None

    @property
    def scale(self) -> float | None:
        """What a proportion is out of, for confidence intervals: 100 for percentages."""
        unit = self.unit.strip().lower()
        if unit in {"%", "percent", "percentage"}:
            return 100.0
        if unit in {"proportion", "rate"}:
            return 1.0
        return None


class ReferenceValue(models.Model):
    """A figure for a whole nation or region as its source publishes it (England, say), shown
    beside a group's median; never part of any group's statistics."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="references")
    period = models.CharField(_("period"), max_length=20)
    area_code = models.CharField(_("area code"), max_length=9)
    area_name = models.CharField(_("area"), max_length=100)
    value = models.FloatField(_("value"))
    lower = models.FloatField(_("lower limit"), null=True, blank=True)
    upper = models.FloatField(_("upper limit"), null=True, blank=True)

    class Meta:
        ordering = ["metric", "period", "area_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "period", "area_code"], name="one_reference_per_area"
            )
        ]

    def __str__(self):
        return f"{self.area_name} {self.metric.code} {self.period}: {self.value}"


class DatasetImport(models.Model):
    """When a published dataset was last imported, and the fingerprint of the files it read,
    so that an unchanged dataset is recognised and not imported again."""

    name = models.CharField(_("dataset"), max_length=40, unique=True)
    fingerprint = models.CharField(max_length=64)
    imported_at = models.DateTimeField(_("imported"))
    published = models.CharField(_("source published"), max_length=300, blank=True)
    metrics = models.PositiveIntegerField(_("measures"), default=0)
    values = models.PositiveIntegerField(_("values"), default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.imported_at:%Y-%m-%d})"


class Source(models.TextChoices):
    UPLOAD = "upload", _("File upload")
    FORM = "form", _("Web form")
    API = "api", _("API")
    DATASET = "dataset", _("Dataset import")


class ValueQuerySet(models.QuerySet):
    def for_council(self, council):
        return self.filter(council=council)

    def chronological(self):
        return self.order_by("period_end", "-period_start")


class Value(models.Model):
    """One figure for one council, metric and period."""

    # Indexed by the constraint and the index below, which lead with them; a third index
    # of their own would only slow every import.
    council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="values", db_index=False
    )
    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="values", db_index=False
    )
    period = models.CharField(_("period"), max_length=20)
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.FloatField(_("value"))
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    sample_size = models.FloatField(_("sample size"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    visibility = models.CharField(
        _("who can see it"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    source_ref = models.CharField(_("from"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        "selfreg.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ValueQuerySet.as_manager()
    # The history is written with every import and read only by the admin, a value's own
    # rows at a time (by ``id``): indexing its council, metric and submitter as well cost
    # an import a third of its time.
    history = HistoricalRecords(no_db_index=["council", "metric", "submitted_by"])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["council", "metric", "period"], name="one_value_per_period"
            )
        ]
        indexes = [
            models.Index(fields=["metric", "period"]),
            # A council's dashboard reads every value it shows from this index alone, on
            # PostgreSQL; SQLite has no covering indexes and reads the table. (A unique
            # constraint with the same columns included would save an index on PostgreSQL,
            # but Django does not create such a constraint at all on SQLite.)
            models.Index(
                fields=["council", "metric", "period"],
                include=["visibility", "value"],
                name="council_values",
            ),
        ]

    def __str__(self):
        return f"{self.council} {self.metric.code} {self.period}: {self.value}"

    def set_period(self, label: str) -> None:
        period = parse_period(label)
        self.period, self.period_start, self.period_end = period.label, period.start, period.end


class PendingRecompute(models.Model):
    """A metric-period whose comparisons wait to be recomputed: only the groups of ``council``,
    whose values changed, or (no council) every group.

    Written in the same transaction as the values that changed, so a change never commits
    without it. Changes arriving together (a seed, a batch of uploads, API posts) add to the
    same rows, and one recompute takes them all (`services.comparisons_recompute_pending`).
    A recompute marks the rows it takes with its `claim`; a change arriving meanwhile clears
    the mark (or, for a whole metric-period, adds a row), so that change is recomputed again
    rather than forgotten.
    """

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=20)
    # A council taken out of the register leaves its row standing for every group.
    council = models.ForeignKey(
        Council, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claim = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Rows without a council never clash: a second one is harmless, as both go in the
            # same recompute.
            models.UniqueConstraint(
                fields=["metric", "period", "council"], name="one_pending_recompute_each"
            )
        ]

    def __str__(self):
        return f"{self.metric_id} {self.period} {self.council_id or 'all'}"


class Audience(models.TextChoices):
    """Statistics are computed once over public values and once over what the sector sees."""

    PUBLIC = "public", _("Public")
    SECTOR = "sector", _("Sector")


class ComparisonStatistic(models.Model):
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="statistics")
    period = models.CharField(max_length=20)
    group = models.CharField(max_length=200)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    n = models.PositiveIntegerField()
    median = models.FloatField(null=True)
    lower_quartile = models.FloatField(null=True)
    upper_quartile = models.FloatField(null=True)
    mean = models.FloatField(null=True)
    min = models.FloatField(null=True)
    max = models.FloatField(null=True)
    # Every value of the group in ascending order (little-endian float64) and, in the same
    # order, the ids of the councils they belong to (little-endian int32). A council's rank,
    # percentile and band are derived from these on read (comparisons.positions_in_group):
    # one row per group instead of one per council per group.
    sorted_values = models.BinaryField(default=b"")
    council_ids = models.BinaryField(default=b"")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "period", "group", "audience"], name="one_statistic_per_group"
            )
        ]
        # A dashboard reads one group's statistics of the latest periods, every metric at once.
        indexes = [models.Index(fields=["group", "audience", "period"], name="statistic_by_group")]

    def __str__(self):
        return f"{self.metric.code} {self.period} {self.group} ({self.audience})"

    def values_in_order(self) -> np.ndarray:
        return np.frombuffer(self.sorted_values, dtype=VALUE_DTYPE)

    def councils_in_order(self) -> np.ndarray:
        return np.frombuffer(self.council_ids, dtype=COUNCIL_DTYPE)


class SimilarityKind(models.TextChoices):
    """The similarity sets of docs/method/similar-councils.md."""

    OVERALL = "overall", _("All services")
    PEOPLE = "people", _("People services")
    PLACE = "place", _("Place services")
    FINANCE = "finance", _("Finance")


class SimilarCouncilQuerySet(models.QuerySet):
    def of_kind(self, kind: str):
        return self.filter(kind=kind)

    def current(self):
        """Today's era: the similar councils chosen among the councils that exist now."""
        return self.filter(valid_to__isnull=True)

    def in_era(self, day: datetime.date):
        """The era holding ``day``: chosen among the councils that existed then."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day)
        )

    def as_of(self, day: datetime.date | None):
        """The era holding ``day``, or today's where no era holding it has been worked out
        yet: what the stored comparisons use (eras.periods_to_eras)."""
        if day is None or not SimilarCouncil.objects.in_era(day).exists():
            return self.current()
        return self.in_era(day)


class SimilarCouncil(models.Model):
    """One of a council's nearest neighbours by context, in one similarity set and one register
    era: chosen among the councils that existed from ``valid_from`` to ``valid_to`` (exclusive;
    blank when open), so a comparison of 2012 uses 2012's councils
    (docs/method/similar-councils.md, benchmarking/eras.py)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="neighbours")
    neighbour = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(
        max_length=10, choices=SimilarityKind.choices, default=SimilarityKind.OVERALL
    )
    rank = models.PositiveSmallIntegerField()
    distance = models.FloatField()
    coverage = models.FloatField(default=1.0)
    shares = models.JSONField(default=dict)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    objects = SimilarCouncilQuerySet.as_manager()

    class Meta:
        ordering = ["council", "kind", "valid_from", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "kind", "valid_from", "rank"],
                name="one_neighbour_per_kind_era_rank",
                nulls_distinct=False,
            ),
            models.UniqueConstraint(
                fields=["council", "kind", "valid_from", "neighbour"],
                name="neighbour_once_per_kind_era",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["valid_to", "kind"], name="similar_era_kind")]

    def __str__(self):
        return f"{self.council} ~ {self.neighbour} ({self.rank})"

    def closest_variables(self, n: int = 3) -> list[str]:
        return sorted(self.shares, key=self.shares.get)[:n]


class CouncilContext(models.Model):
    """The context figures a council's similar councils were found from, kept so the page that
    explains them can show what makes councils alike (docs/method/similar-councils.md)."""

    council = models.OneToOneField(Council, on_delete=models.CASCADE, related_name="context")
    pool = models.CharField(max_length=80)
    figures = models.JSONField(default=dict)

    def __str__(self):
        return f"{self.council} context"


class SharingChoice(models.Model):
    """What a council shares of one element of its data: with itself, the sector or everyone.

    New values take this visibility; changing it moves the council's existing values too.
    """

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="sharing")
    element = models.CharField(max_length=20, choices=Element.choices)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    changed_by = models.ForeignKey(
        "selfreg.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["council", "element"], name="one_choice_per_element")
        ]

    def __str__(self):
        return f"{self.council}: {self.element} {self.visibility}"


class SavedComparison(models.Model):
    """A view of the compare tool kept under a name and shared by its link."""

    slug = models.SlugField(max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=200)
    query = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        "selfreg.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name


class UploadStatus(models.TextChoices):
    CHECKING = "checking", _("Checking")
    REJECTED = "rejected", _("Rejected")
    READY = "ready", _("Ready to confirm")
    COMMITTING = "committing", _("Saving")
    COMMITTED = "committed", _("Saved")
    FAILED = "failed", _("Not saved")


class Upload(models.Model):
    """A file of values: checked in full, confirmed by its uploader, then saved in the background.

    `problems` holds every reason a file was rejected, as {row, column, message}; `summary`
    what a valid file would change, worked out when it was checked. While the file is being
    saved, the rows done so far are reported through the cache (see `benchmarking.uploads`);
    `progress` and the counts here are written when the job ends.
    """

    file = models.FileField(_("file"), upload_to="uploads/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(
        "selfreg.User",
        null=True,
        on_delete=models.SET_NULL,
        related_name="value_uploads",
        verbose_name=_("uploaded by"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=UploadStatus.choices, default=UploadStatus.CHECKING
    )
    visibility = models.CharField(
        _("who can see the values"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    problems = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    progress = models.PositiveIntegerField(_("rows saved"), default=0)
    total = models.PositiveIntegerField(_("rows to save"), default=0)
    created_count = models.PositiveIntegerField(_("new values"), default=0)
    updated_count = models.PositiveIntegerField(_("changed values"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged values"), default=0)
    error_message = models.TextField(_("why it was not saved"), blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    committed_at = models.DateTimeField(_("saved"), null=True, blank=True)
    # When the job to save it was handed to the queue; empty while it waits for the queue.
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    # How many times its current job (the check, or the save) has been handed to the queue.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["uploaded_by", "-created_at"])]

    def __str__(self):
        return f"{self.original_name} ({self.status})"

    @property
    def visibility_shown(self) -> list[tuple[str, int]]:
        """Who will see the values, as the preview worked it out: (label, rows) pairs."""
        counts = self.summary.get("visibility") or {self.visibility: self.row_count}
        return [(Visibility(v).label, n) for v, n in counts.items()]

    @property
    def visibility_narrowed(self) -> bool:
        """Whether a council's own sharing choice keeps some rows from more people than the
        uploader chose."""
        counts = self.summary.get("visibility")
        return counts is not None and list(counts) != [self.visibility]

    @property
    def status_tag(self) -> str:
        """The GOV.UK tag colour that goes with the status."""
        return {
            UploadStatus.CHECKING: "govuk-tag--grey",
            UploadStatus.REJECTED: "govuk-tag--red",
            UploadStatus.READY: "govuk-tag--yellow",
            UploadStatus.COMMITTING: "govuk-tag--light-blue",
            UploadStatus.COMMITTED: "govuk-tag--green",
            UploadStatus.FAILED: "govuk-tag--red",
        }.get(self.status, "govuk-tag--grey")
