from django.core.management.base import BaseCommand

from benchmarking.recompute import comparisons_recompute
from benchmarking.tasks import comparisons_recompute_task


class Command(BaseCommand):
    help = "Recompute every stored comparison (in the background unless --sync)."

    def add_arguments(self, parser):
        parser.add_argument("--sync", action="store_true", help="Run here and wait.")

    def handle(self, *args, sync, **options):
        if not sync:
            result = comparisons_recompute_task.delay()
            self.stdout.write(f"Recompute queued as job {result.id}.")
            return
        report = comparisons_recompute()
        self.stdout.write(
            f"Comparisons: {report.statistics} group statistics and "
            f"{report.values} values of their councils in order."
        )
