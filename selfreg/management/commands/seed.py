import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

# What `make run` loads, in order. Every step is safe to rerun, and an unchanged dataset is
# recognised by its fingerprint and not read again, so a second run is quick.
STEPS = (
    ("migrate", "--no-input", "-v", "0"),
    ("load_councils",),
    ("load_signal_types",),
    ("similar_councils", "--compute"),
    ("import_dataset", "lgbf"),
    ("import_dataset", "england-rs"),
    ("import_dataset", "england-spending-power"),
    ("import_dataset", "england-borrowing"),
    ("import_dataset", "england-capital"),
    ("import_dataset", "england-commercial"),
    ("import_dataset", "england-budget"),
    ("import_dataset", "england-lait"),
    ("import_dataset", "england-waste"),
    ("import_dataset", "england-attainment"),
    ("import_dataset", "england-wellbeing"),
    ("import_dataset", "inspections"),
    ("load_survey_questions",),
    ("load_frameworks",),
    ("recompute_risk", "--summary"),
    ("seed_demo",),
)


class Command(BaseCommand):
    help = (
        "Load the council register, similar councils, the real datasets and the demo content, "
        "in one process, saying what each step loaded and how long it took. Safe to rerun."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        for step in STEPS:
            step_started = time.monotonic()
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {' '.join(step)}"))
            # Commands are called by name: the kernel imports none of its tools.
            call_command(*step, stdout=self.stdout, stderr=self.stderr)
            self.stdout.write(f"   ({time.monotonic() - step_started:.1f} s)")
        self.stdout.write(self.style.SUCCESS(f"Seeded in {time.monotonic() - started:.0f} s."))
