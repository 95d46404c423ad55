from django.core.management.base import BaseCommand

from earlywarning.management.recorded_files import records_import
from earlywarning.services import signals_import


class Command(BaseCommand):
    help = (
        "Import recorded signals from a CSV file with columns "
        "gss_code,signal_code,observed_on,severity,evidence,source_url. "
        "Any problem in the file means nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--user", required=True, help="Email of the sector staff member or peer recording"
        )

    def handle(self, *args, path, user, **options):
        created = records_import(path, user, signals_import)
        self.stdout.write(f"Signals recorded: {len(created)}.")
