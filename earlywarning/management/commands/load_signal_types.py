from pathlib import Path

import pandas as pd
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from earlywarning.services import signal_types_load

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "signal_types.csv"


class Command(BaseCommand):
    help = "Load or update the catalogue of early-warning signal types. Safe to rerun."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_FILE))

    def handle(self, *args, path, **options):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        try:
            created, updated, unchanged = signal_types_load(frame=frame)
        except (ValidationError, KeyError, ValueError) as error:
            raise CommandError(
                f"The catalogue was not loaded; nothing changed.\n{error}"
            ) from error
        self.stdout.write(
            f"Signal types: {created} created, {updated} updated, {unchanged} unchanged."
        )
