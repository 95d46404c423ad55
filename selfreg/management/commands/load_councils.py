from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from selfreg.register import RegisterError, parse_register
from selfreg.services import register_load

DEFAULT_REGISTER = Path(settings.BASE_DIR) / "data" / "councils" / "uk_local_authorities.csv"


class Command(BaseCommand):
    help = "Load or update the council register. Safe to rerun; a bad file changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_REGISTER))

    def handle(self, *args, path, **options):
        try:
            records = parse_register(Path(path))
        except RegisterError as error:
            raise CommandError(f"The register was not loaded; nothing changed.\n{error}") from error
        report = register_load(records=records)
        self.stdout.write(
            f"Councils: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.retired)} retired, {report.unchanged} unchanged. "
            f"{report.groupings} groupings derived."
        )
        if report.retired:
            self.stdout.write(f"Retired: {', '.join(report.retired)}")
        if report.not_in_file:
            self.stdout.write(
                f"In the portal but not in this file (kept): {', '.join(report.not_in_file)}"
            )
