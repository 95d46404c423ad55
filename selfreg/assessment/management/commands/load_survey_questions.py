import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from benchmarking.services import metrics_import
from selfreg.assessment.models import SurveyQuestion, WordingStatus
from selfreg.assessment.survey import DONT_KNOW, SCALES, scale_answers
from selfreg.fileproblems import FileProblems

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "survey_questions.csv"
COLUMNS = (
    "code",
    "short_name",
    "text",
    "scale",
    "positive_answers",
    "wording_status",
    "metric_code",
    "metric_title",
)
DEFINITION = (
    "% of respondents giving one of the two positive answers, excluding those who answered "
    "don't know. Question: {text}"
)
SOURCE = "Council's own resident survey recorded in the portal"


def read_questions(path: Path) -> list[dict]:
    """The file's rows, checked whole; raise CommandError listing every problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
    reader = csv.DictReader(text.splitlines())
    missing = set(COLUMNS) - set(reader.fieldnames or [])
    if missing:
        raise CommandError(f"The file lacks the columns {', '.join(sorted(missing))}.")
    problems, rows, seen = [], [], set()
    for line, raw in enumerate(reader, start=2):
        row = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        for column in COLUMNS:
            if not row[column]:
                problems.append(f"Row {line}, {column}: this is required.")
        if row["code"] in seen:
            problems.append(f"Row {line}, code: '{row['code']}' repeats an earlier row.")
        seen.add(row["code"])
        if row["scale"] not in SCALES:
            problems.append(f"Row {line}, scale: use one of {', '.join(SCALES)}.")
            continue
        positive = [a.strip() for a in row["positive_answers"].split("|") if a.strip()]
        allowed = set(scale_answers(row["scale"])) - {DONT_KNOW}
        if len(positive) != 2 or not set(positive) <= allowed:
            problems.append(
                f"Row {line}, positive_answers: give two answers of the {row['scale']} scale "
                f"other than {DONT_KNOW}, separated by |."
            )
        if row["wording_status"] not in WordingStatus.values:
            problems.append(f"Row {line}, wording_status: use standard or portal.")
        rows.append({**row, "positive_answers": positive, "position": line - 1})
    if problems:
        raise CommandError("No questions were loaded; nothing changed.\n" + "\n".join(problems))
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
            raise CommandError(f"No questions were loaded; nothing changed.\n{error}") from error
        self.stdout.write(
            f"Survey questions: {created} created, {updated} checked or updated. "
            f"Metrics: {len(metrics.created)} created, {len(metrics.updated)} updated, "
            f"{metrics.unchanged} unchanged."
        )
