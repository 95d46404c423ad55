from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from earlywarning.services import signals_import
from selfreg.fileproblems import FileProblems, read_table


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
        recorder = get_user_model().objects.filter(email__iexact=user).first()
        if recorder is None:
            raise CommandError(f"No user has the email address {user}.")
        file = Path(path)
        try:
            frame = read_table(file.read_bytes(), file.name)
            created = signals_import(rows_frame=frame, user=recorder)
        except FileProblems as error:
            listed = "\n".join(str(p) for p in error.problems)
            raise CommandError(f"The file was not imported; nothing changed.\n{listed}") from error
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Signals recorded: {len(created)}.")
