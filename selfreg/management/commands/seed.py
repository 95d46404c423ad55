import time
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from selfreg.jobs import jobs_coalesced
from selfreg.sqlite import loading_pragmas

# What `make run` loads, in order. Every step is safe to rerun. The published datasets are
# imported without their own recomputes; the metric-periods they changed wait as pending
# recomputes, and one recompute of them all follows: an unchanged dataset is recognised by
# its fingerprint and not read again, so a second run is quick and recomputes nothing.
# The follow-on jobs the steps queue (a risk reassessment after each import) are held and
# sent once each at the end, except those a later step has done itself: the demo assesses
# today's risk of every council after every figure is loaded, so the held reassessment,
# which would repeat it, is not sent.
# Similar councils are worked out on the first run, before any figures exist, so for today's
# councils, and again only when the register or a context file they are worked out from
# has changed (recognised by the files' fingerprint); earlier years compare with today's
# sets until `similar_councils --compute` (nightly where the scheduler runs) works out each
# earlier era's, which takes about a minute and makes the next run recompute comparisons.
BEFORE = (
    ("migrate", "--no-input", "-v", "0"),
    ("load_councils",),
    ("load_signal_types",),
    ("similar_councils",),
)
DATASETS = (
    "lgbf",
    "england-rs",
    "england-spending-power",
    "england-borrowing",
    "england-capital",
    "england-commercial",
    "england-budget",
    "england-lait",
    "england-waste",
    "england-attainment",
    "england-wellbeing",
    "inspections",
)
AFTER = (
    ("load_survey_questions",),
    ("load_frameworks",),
    ("seed_demo",),
)


class Command(BaseCommand):
    help = (
        "Load the council register, similar councils, the real datasets and the demo content, "
        "in one process, saying what each step loaded and how long it took. Safe to rerun."
    )

    def handle(self, *args, **options):
        started, processor = time.monotonic(), time.process_time()
        # The held jobs run as the inner block ends, so they too write with the loading
        # settings.
        with loading_pragmas(), jobs_coalesced():
            self.load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded in {time.monotonic() - started:.0f} s "
                f"({time.process_time() - processor:.0f} s of processor time)."
            )
        )

    def load(self):
        with queries_not_logged():
            for step in BEFORE:
                self.run(*step)
            for name in DATASETS:
                self.run("import_dataset", name, "--no-recompute")
            self.run("recompute_comparisons", "--pending", "--sync")
        for step in AFTER:
            self.run(*step)

    def run(self, *step):
        # Processor time beside the wall time: on a busy machine the wall time says more
        # about the other work than about the step.
        started, processor = time.monotonic(), time.process_time()
        self.stdout.write(self.style.MIGRATE_HEADING(f"== {' '.join(step)}"))
        # Commands are called by name: the kernel imports none of its tools.
        call_command(*step, stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(
            f"   ({time.monotonic() - started:.1f} s; "
            f"{time.process_time() - processor:.1f} s of processor time)"
        )


@contextmanager
def queries_not_logged():
    """With DEBUG on, Django keeps the text of every query: for bulk loads of millions of rows
    that costs more time and memory than the load itself. Loading needs no query log."""
    debug = settings.DEBUG
    settings.DEBUG = False
    try:
        yield
    finally:
        settings.DEBUG = debug
