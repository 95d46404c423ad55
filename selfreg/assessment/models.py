"""Self-assessment: the resident perception survey and what councils record of it."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

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
