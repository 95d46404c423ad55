from django.core.management.base import BaseCommand, CommandError

from earlywarning.management.recorded_files import records_import
from earlywarning.services import corporate_events_import


class Command(BaseCommand):
    help = (
        "Import changes of political control and statutory officers from a CSV file with "
        "columns gss_code,kind,occurred_on,description,source_url (kind: political_control, "
        "chief_executive, s151_officer or monitoring_officer). Any problem means nothing is "
        "written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--user", required=True, help="Email of the sector staff member")

    def handle(self, *args, path, user, **options):
        try:
            created = records_import(path, user, corporate_events_import)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        self.stdout.write(f"Corporate changes recorded: {len(created)}.")
