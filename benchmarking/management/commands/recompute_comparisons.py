from django.core.management.base import BaseCommand

from benchmarking.recompute import comparisons_recompute
from benchmarking.services import comparisons_recompute_pending
from benchmarking.tasks import comparisons_recompute_pending_task, comparisons_recompute_task


class Command(BaseCommand):
    help = (
        "Recompute every stored comparison, or with --pending those of the metric-periods "
        "waiting for it (in the background unless --sync)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sync", action="store_true", help="Run here and wait.")
        parser.add_argument(
            "--pending",
            action="store_true",
            help="Only the metric-periods whose values changed since their last recompute.",
        )

    def handle(self, *args, sync, pending, **options):
        if not sync:
            task = comparisons_recompute_pending_task if pending else comparisons_recompute_task
            self.stdout.write(f"Recompute queued as job {task.delay().id}.")
            return
        if pending:
            done = comparisons_recompute_pending()
            self.stdout.write(f"Comparisons recomputed for {len(done)} metric-periods.")
            return
        report = comparisons_recompute()
        self.stdout.write(
            f"Comparisons: {report.statistics} group statistics and "
            f"{report.values} values of their councils in order."
        )
