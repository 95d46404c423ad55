from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from earlywarning.services import inspections_import

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
            lines = inspections_import(Path(data_dir))
        except (OSError, ValueError) as error:
            raise CommandError(
                f"The inspections were not imported; nothing changed.\n{error}"
            ) from error
        for line in lines:
            self.stdout.write(line)
