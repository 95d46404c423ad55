from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from earlywarning import inspections
from earlywarning.services import inspections_load

DEFAULT_DATA_DIR = Path(settings.BASE_DIR) / "data"


class Command(BaseCommand):
    help = (
        "Import the latest published Ofsted ILACS, CQC adult social care and area SEND "
        "inspection outcomes from data/inspections/. Safe to rerun."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "data_dir",
            nargs="?",
            default=str(DEFAULT_DATA_DIR),
            help="The folder holding inspections/ (default: the project's data/).",
        )

    def handle(self, *args, data_dir, **options):
        try:
            content = inspections.load(data_dir)
            report = inspections_load(frame=content.results)
        except (OSError, KeyError, ValueError, ValidationError) as error:
            raise CommandError(
                f"The inspections were not imported; nothing changed.\n{error}"
            ) from error
        self.stdout.write(
            f"Inspection results: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.skipped)} skipped."
        )
        for gss, regime, reason in report.skipped:
            self.stdout.write(f"Skipped {regime} {gss}: {reason}.")
        for note in content.notes:
            self.stdout.write(f"Left out: {note}")
        if report.unreadable:
            listed = ", ".join(
                f"{regime} {gss} ({j or 'blank'})" for gss, regime, j in report.unreadable
            )
            self.stdout.write(f"Unreadable judgements (not concerns): {listed}")
