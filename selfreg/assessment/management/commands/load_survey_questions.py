from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from benchmarking.services import metrics_import
from selfreg import filecheck
from selfreg.assessment.models import SurveyQuestion, WordingStatus
from selfreg.assessment.survey import DONT_KNOW, SCALES, scale_answers
from selfreg.filecheck import Column, FileSpec, Lookup, Unique
from selfreg.fileproblems import FileProblems, read_table

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "survey_questions.csv"
REQUIRED = _("this is required.")
QUESTIONS = FileSpec(
    columns=(
        Column("code", blank=REQUIRED),
        Column("short_name", blank=REQUIRED),
        Column("text", blank=REQUIRED),
        Column("scale", blank=REQUIRED, lookups=(Lookup("scales", _("use one of {listed}.")),)),
        Column("positive_answers", blank=REQUIRED),
        Column(
            "wording_status",
            blank=REQUIRED,
            lookups=(Lookup("statuses", _("use standard or portal.")),),
        ),
        Column("metric_code", blank=REQUIRED),
        Column("metric_title", blank=REQUIRED),
    ),
    no_rows=None,
    unique=(Unique(("code",), column="code", message=_("'{text}' repeats an earlier row.")),),
)
DEFINITION = (
    "% of respondents giving one of the two positive answers, excluding those who answered "
    "don't know. Question: {text}"
)
SOURCE = "Council's own resident survey recorded in the portal"
NOT_LOADED = "No questions were loaded; nothing changed."


def read_questions(path: Path) -> list[dict]:
    """The file's rows, checked whole; raise CommandError listing every problem."""
    try:
        content = path.read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
    try:
        frame = read_table(content, path.name)
        if missing := filecheck.missing_columns(frame, QUESTIONS):
            raise CommandError(f"The file lacks the columns {', '.join(sorted(missing))}.")
        checked = filecheck.check(
            frame,
            QUESTIONS,
            scales=set(SCALES),
            listed=", ".join(SCALES),
            statuses=set(WordingStatus.values),
        )
    except FileProblems as error:
        raise CommandError(f"{NOT_LOADED}\n{error}") from error
    rows = []
    for row in checked.records():
        positive = [a.strip() for a in (row["positive_answers"] or "").split("|") if a.strip()]
        if row["scale"]:
            allowed = set(scale_answers(row["scale"])) - {DONT_KNOW}
            if len(positive) != 2 or not set(positive) <= allowed:
                checked.add(
                    row["row"],
                    "positive_answers",
                    f"give two answers of the {row['scale']} scale other than {DONT_KNOW}, "
                    "separated by |.",
                    order=450,
                )
        rows.append({**row, "positive_answers": positive, "position": row["row"] - 1})
    if checked.problems:
        listed = "\n".join(str(p) for p in checked.sorted_problems())
        raise CommandError(f"{NOT_LOADED}\n{listed}")
    return rows


class Command(BaseCommand):
    help = (
        "Load or update the standard resident survey questions and their perception metrics. "
        "Safe to rerun; a bad file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))

    def handle(self, *args, path, **options):
        rows = read_questions(Path(path))
        metric_rows = [
            {
                "code": row["metric_code"],
                "title": row["metric_title"],
                "element": "perception",
                "unit": "%",
                "polarity": "higher_better",
                "decimals": "1",
                "definition": DEFINITION.format(text=row["text"]),
                "source": SOURCE,
                "numerator_label": "Respondents giving one of the two positive answers",
                "denominator_label": "Respondents to the question, excluding don't know",
            }
            for row in rows
        ]
        created = updated = 0
        try:
            with transaction.atomic():
                metrics = metrics_import(rows=metric_rows)
                for row in rows:
                    _question, was_created = SurveyQuestion.objects.update_or_create(
                        code=row["code"],
                        defaults={
                            k: row[k]
                            for k in (
                                "short_name",
                                "text",
                                "scale",
                                "positive_answers",
                                "wording_status",
                                "metric_code",
                                "position",
                            )
                        },
                    )
                    created += was_created
                    updated += not was_created
        except FileProblems as error:
            raise CommandError(f"{NOT_LOADED}\n{error}") from error
        self.stdout.write(
            f"Survey questions: {created} created, {updated} checked or updated. "
            f"Metrics: {len(metrics.created)} created, {len(metrics.updated)} updated, "
            f"{metrics.unchanged} unchanged."
        )
