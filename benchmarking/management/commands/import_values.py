from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarking.models import Source
from benchmarking.services import values_import
from selfreg.fileproblems import FileProblems, read_table
from selfreg.models import Visibility


class Command(BaseCommand):
    help = (
        "Import values from CSV or XLSX in long form: gss_code, metric_code, period, value "
        "(optional numerator, denominator, sample_size, note). A bad row means nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--visibility", choices=Visibility.values, default=Visibility.PUBLIC)

    def handle(self, *args, path, visibility, **options):
        try:
            frame = read_table(Path(path).read_bytes(), path)
            report = values_import(
                frame=frame, source=Source.UPLOAD, visibility=visibility, source_ref=Path(path).name
            )
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except FileProblems as error:
            raise CommandError(error.rejection("The file")) from error
        self.stdout.write(
            f"Values: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
