"""Self-assessment: the resident perception survey and what councils record of it."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from benchmarking.dashboards import BAND_TAGS, BAND_WORDS, NOT_BANDED
from benchmarking.periods import FINANCIAL_YEAR, PeriodError, parse_period
from selfreg.assessment.survey import SCALES
from selfreg.models import Council


def validate_financial_year(label: str) -> None:
    try:
        period = parse_period(label)
    except PeriodError as error:
        raise ValidationError(str(error)) from error
    if period.kind != FINANCIAL_YEAR:
        raise ValidationError(_("Enter a financial year, for example 2024-25."))


class WordingStatus(models.TextChoices):
    STANDARD = "standard", _("Standard wording")
    PORTAL = "portal", _("The portal's own wording")


class SurveyQuestion(models.Model):
    """One question of the standard set, loaded from `data/survey_questions.csv`."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    short_name = models.CharField(_("short name"), max_length=100)
    text = models.TextField(_("question"))
    scale = models.CharField(_("answer scale"), max_length=20, choices=[(s, s) for s in SCALES])
    positive_answers = models.JSONField(_("positive answers"), default=list)
    wording_status = models.CharField(_("wording"), max_length=10, choices=WordingStatus.choices)
    metric_code = models.CharField(_("benchmarking metric"), max_length=40)
    position = models.PositiveSmallIntegerField(_("order in the questionnaire"), default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self):
        return self.short_name

    def text_for(self, council) -> str:
        """The question as the council's residents read it, with the council's name in."""
        return self.text.replace("[council]", council.official_name or council.name)

    @property
    def answers(self) -> list[tuple[str, str]]:
        """The scale's answers as (code, label), in questionnaire order."""
        return list(SCALES[self.scale])


class SurveyMethod(models.TextChoices):
    ONLINE = "online", _("Online")
    TELEPHONE = "telephone", _("Telephone")
    FACE_TO_FACE = "face_to_face", _("Face to face")
    POSTAL = "postal", _("Postal")
    MIXED = "mixed", _("Mixed methods")


class SurveyStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded")


class Survey(models.Model):
    """A council's resident survey for one financial year: how it was done, and its counts.

    Its results are written into benchmarking as `perception` values; they are read back from
    there, so the council's sharing choice applies to them.
    """

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="resident_surveys")
    period = models.CharField(
        _("financial year of the fieldwork"),
        max_length=20,
        validators=[validate_financial_year],
    )
    fieldwork_start = models.DateField(_("fieldwork started"))
    fieldwork_end = models.DateField(_("fieldwork ended"))
    method = models.CharField(_("method"), max_length=20, choices=SurveyMethod.choices)
    sample_size = models.PositiveIntegerField(_("number of people who took part"))
    weighting_note = models.TextField(_("how the results were weighted"), blank=True)
    recorded_by = models.ForeignKey(
        "selfreg.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.RECORDED
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["council", "-fieldwork_end"]
        constraints = [
            models.UniqueConstraint(fields=["council", "period"], name="one_survey_per_year")
        ]

    def __str__(self):
        return f"{self.council} resident survey {self.period}"

    def get_absolute_url(self):
        return reverse("assessment:survey_list", args=[self.council.gss_code])


class SurveyAnswerCount(models.Model):
    """How many people gave one answer to one question of a survey."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="counts")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("answer"), max_length=40)
    count = models.PositiveIntegerField(_("number of people"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "question", "answer"], name="one_count_per_answer"
            )
        ]

    def __str__(self):
        return f"{self.survey_id} {self.question_id} {self.answer}: {self.count}"


# --- the self-assessment: frameworks and the yearly cycle -----------------------------------


class Framework(models.Model):
    """One version of a self-assessment framework: its themes and rating scale, as data.

    A version that any assessment uses is frozen: its themes are never edited again, so an
    assessment always reads the framework it was made on. Changes make a new version
    (`services.framework_new_version`).
    """

    slug = models.SlugField(_("short name"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveSmallIntegerField(_("version"))
    published = models.BooleanField(_("published for councils to use"), default=False)
    description = models.TextField(_("description"), blank=True)
    scale = models.JSONField(
        _("rating scale"),
        default=list,
        help_text=_("Levels from best to worst, each {code, label, description}."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="one_framework_version")
        ]

    def __str__(self):
        return f"{self.name} (version {self.version})"

    @property
    def is_frozen(self) -> bool:
        """In use by an assessment: its themes and scale may no longer change."""
        return self.assessments.exists()

    @property
    def level_codes(self) -> list[str]:
        return [level["code"] for level in self.scale]

    def level_label(self, code: str) -> str:
        return next((lvl["label"] for lvl in self.scale if lvl["code"] == code), "")


class Theme(models.Model):
    """One theme of a framework version: what good looks like, in a few plain prompts."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="themes")
    code = models.SlugField(_("code"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    optional = models.BooleanField(_("optional: a council chooses whether to add it"))
    prompts = models.TextField(_("what good looks like"), help_text=_("One prompt per line."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="one_theme_code_per_version")
        ]

    def __str__(self):
        return self.title

    @property
    def prompt_list(self) -> list[str]:
        return [line.strip() for line in self.prompts.splitlines() if line.strip()]


class AssessmentState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONSULTATION = "consultation", _("Open for consultation")
    SCRUTINY = "scrutiny", _("In scrutiny")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


# The cycle, in order: the only moves a person can make. Archiving happens when the next
# year's assessment is published.
NEXT_STATE = {
    AssessmentState.DRAFT: AssessmentState.CONSULTATION,
    AssessmentState.CONSULTATION: AssessmentState.SCRUTINY,
    AssessmentState.SCRUTINY: AssessmentState.PUBLISHED,
}
EDITABLE_STATES = {
    AssessmentState.DRAFT,
    AssessmentState.CONSULTATION,
    AssessmentState.SCRUTINY,
}
PUBLIC_STATES = {AssessmentState.PUBLISHED, AssessmentState.ARCHIVED}
# Stages after the consultation opened: its page stays readable, open or closed, from then on.
CONSULTED_STATES = {AssessmentState.CONSULTATION, AssessmentState.SCRUTINY, *PUBLIC_STATES}


class SelfAssessment(models.Model):
    """A council's self-assessment for one financial year, on one framework version."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="self_assessments")
    year = models.CharField(
        _("financial year"), max_length=20, validators=[validate_financial_year]
    )
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="assessments")
    optional_themes = models.ManyToManyField(
        Theme, blank=True, related_name="+", verbose_name=_("optional themes chosen")
    )
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=AssessmentState.choices,
        default=AssessmentState.DRAFT,
    )
    created_by = models.ForeignKey(
        "selfreg.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[optional_themes])

    class Meta:
        ordering = ["council", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["council", "year"], name="one_assessment_per_year")
        ]

    def __str__(self):
        return f"{self.council} self-assessment {self.year}"

    def get_absolute_url(self):
        return reverse("assessment:detail", args=[self.council.gss_code, self.year])

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES

    @property
    def was_consulted(self) -> bool:
        return self.state in CONSULTED_STATES

    @property
    def consultation_is_open(self) -> bool:
        return self.state == AssessmentState.CONSULTATION

    @property
    def next_state(self) -> str | None:
        return NEXT_STATE.get(self.state)

    def unjudged_core_themes(self) -> list[str]:
        """Titles of the core themes not judged yet, in framework order."""
        return [
            ta.theme.title
            for ta in self.theme_assessments.select_related("theme").order_by(
                "theme__order", "theme__code"
            )
            if not ta.theme.optional and not ta.judgement
        ]

    def themes(self):
        """The core themes of its framework version and the optional ones chosen."""
        return self.framework.themes.filter(
            models.Q(optional=False) | models.Q(pk__in=self.optional_themes.all())
        )


class ThemeAssessment(models.Model):
    """The council's judgement on one theme, with its narrative, evidence and cited metrics."""

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="theme_assessments"
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    judgement = models.CharField(_("judgement"), max_length=40, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    metric_codes = models.JSONField(_("benchmarking metrics cited"), default=list, blank=True)
    updated_by = models.ForeignKey(
        "selfreg.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "theme__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "theme"], name="one_judgement_per_theme")
        ]

    def __str__(self):
        return f"{self.assessment}: {self.theme}"


class CitedFigure(models.Model):
    """A cited measure's figure as the public could read it when the assessment was published.

    Written once, at publication (`services.assessment_move`), so that a published judgement
    is always shown beside the evidence it was made on, not today's figure. `period` is blank
    where no figure of the measure was public then.
    """

    theme_assessment = models.ForeignKey(
        ThemeAssessment, on_delete=models.CASCADE, related_name="cited_figures"
    )
    order = models.PositiveSmallIntegerField(default=0)
    metric_code = models.CharField(_("measure code"), max_length=40)
    title = models.CharField(_("measure"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    period = models.CharField(_("period"), max_length=20, blank=True)
    value = models.FloatField(_("figure at publication"), null=True, blank=True)
    band = models.CharField(
        _("against similar councils"),
        max_length=10,
        blank=True,
        help_text=_("1 to 4 for the quarter, 'neutral' where not banded, blank if not compared."),
    )
    change = models.FloatField(_("change on the year before"), null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["theme_assessment", "order"]

    def __str__(self):
        return f"{self.theme_assessment}: {self.metric_code} {self.period}"

    @property
    def quartile_band(self) -> int | None:
        """The quarter (1 best) it was in, None where not banded or not compared."""
        return int(self.band) if self.band.isdigit() else None

    @property
    def band_words(self):
        return BAND_WORDS[self.quartile_band or (NOT_BANDED if self.band == NOT_BANDED else None)]

    @property
    def band_tag(self) -> str:
        return BAND_TAGS.get(self.quartile_band, "govuk-tag--grey")


class Agreement(models.TextChoices):
    AGREE = "agree", _("Agree")
    PARTLY = "partly", _("Partly agree")
    DISAGREE = "disagree", _("Disagree")


class ModerationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    SHOWN = "shown", _("Shown")
    HIDDEN = "hidden", _("Hidden")


class ConsultationResponse(models.Model):
    """What a resident said of one theme. No personal data beyond an optional name."""

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="responses"
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    agreement = models.CharField(_("do you agree?"), max_length=10, choices=Agreement.choices)
    comment = models.TextField(_("comment"), blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    status = models.CharField(
        _("moderation"),
        max_length=10,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PENDING,
    )
    moderated_by = models.ForeignKey(
        "selfreg.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "created_at"]

    def __str__(self):
        return f"{self.assessment}: {self.get_agreement_display()}"


class ConsultationReply(models.Model):
    """ "You said, we did": the council's reply to what residents said of one theme.

    Written by the council's officers once the consultation has closed, and shown on the
    closed consultation page beside the responses.
    """

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="consultation_replies"
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("what the council did"))
    written_by = models.ForeignKey(
        "selfreg.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "theme__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "theme"], name="one_reply_per_theme")
        ]

    def __str__(self):
        return f"{self.assessment}: reply on {self.theme}"


class ScrutinyComment(models.Model):
    """A councillor's challenge of the assessment (or of one theme), and the council's answer."""

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="scrutiny_comments"
    )
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    councillor = models.ForeignKey("selfreg.User", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    response = models.TextField(_("the council's response"), blank=True)
    responded_by = models.ForeignKey(
        "selfreg.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "created_at"]

    def __str__(self):
        return f"{self.assessment}: comment {self.pk}"


class Transition(models.Model):
    """One move of an assessment through its cycle: who moved it, when."""

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.CharField(max_length=20, choices=AssessmentState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=AssessmentState.choices)
    by = models.ForeignKey(
        "selfreg.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "at", "pk"]

    def __str__(self):
        return f"{self.assessment}: {self.from_state} → {self.to_state}"
