from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarking.services import metrics_import, metrics_read_csv
from selfreg.fileproblems import FileProblems


class Command(BaseCommand):
    help = "Load or update metrics from a CSV (columns code, title, element required)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            rows = metrics_read_csv(Path(path).read_bytes())
            report = metrics_import(rows=rows)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except FileProblems as error:
            raise CommandError(f"No metrics were loaded; nothing changed.\n{error}") from error
        self.stdout.write(
            f"Metrics: {len(report.created)} created, {len(report.updated)} updated, "
            f"{report.unchanged} unchanged."
        )
