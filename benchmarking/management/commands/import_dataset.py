from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from benchmarking.datasets import DATASETS, GroupingError, dataset_import
from benchmarking.models import DatasetImport
from benchmarking.services import comparisons_recompute_pending, dataset_import_record
from selfreg.fileproblems import FileProblems
from selfreg.models import Council

DATA_DIR = Path(settings.BASE_DIR) / "data"


class Command(BaseCommand):
    help = (
        "Import a published dataset whole: its metrics, family groups and values, then "
        "recompute the comparisons that changed. Safe to rerun. A bad value means nothing is "
        "written."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The dataset's name; see --list.")
        parser.add_argument(
            "--list", action="store_true", dest="list_only", help="List the datasets and stop."
        )
        parser.add_argument(
            "--no-recompute",
            action="store_true",
            help="Do not recompute comparisons (run recompute_comparisons later).",
        )
        parser.add_argument("--data-dir", default=str(DATA_DIR), help=f"Default: {DATA_DIR}")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Import even if the files and their importer are unchanged since the last import.",
        )

    def handle(self, *args, name, list_only, no_recompute, data_dir, force, **options):
        if list_only or not name:
            self.list_datasets()
            if not list_only:
                raise CommandError("Name a dataset to import.")
            return
        dataset = DATASETS.get(name)
        if dataset is None:
            raise CommandError(
                f"There is no dataset called '{name}'. Use one of: {', '.join(DATASETS)}."
            )
        try:
            fingerprint = dataset.fingerprint(data_dir)
        except OSError as error:
            raise CommandError(
                f"{name} was not imported; nothing changed.\n"
                f"Cannot read the files of {name}: {error.strerror}: {error.filename}."
            ) from error
        last = DatasetImport.objects.filter(name=name).first()
        if last and last.fingerprint == fingerprint and not force:
            self.stdout.write(
                f"{dataset.title}: unchanged since it was imported on "
                f"{last.imported_at:%d %B %Y at %H:%M} ({last.metrics} measures, "
                f"{last.values} values); not imported again. Use --force to import anyway."
            )
            return
        if dataset.importer is not None:
            self.run_importer(dataset, Path(data_dir), fingerprint)
            return
        content = self.load(dataset, Path(data_dir))
        self.stdout.write(f"{dataset.title}\n{dataset.licence}")
        if dataset.published:
            self.stdout.write(f"Published: {dataset.published}")
        report = self.write(dataset, content)
        self.recompute(dataset, fingerprint, report, no_recompute=no_recompute)

    def list_datasets(self):
        for dataset in DATASETS.values():
            self.stdout.write(f"{dataset.name}: {dataset.title}\n    {dataset.licence}")
            if dataset.published:
                self.stdout.write(f"    Published: {dataset.published}")

    def run_importer(self, dataset, data_dir, fingerprint):
        """A dataset of another kind, which imports itself whole."""
        self.stdout.write(f"{dataset.title}\n{dataset.licence}")
        try:
            lines = dataset.importer(data_dir)
        except (OSError, ValueError) as error:
            raise CommandError(
                f"{dataset.name} was not imported; nothing changed.\n{error}"
            ) from error
        for line in lines:
            self.stdout.write(line)
        dataset_import_record(
            name=dataset.name, fingerprint=fingerprint, published=dataset.published
        )

    def load(self, dataset, data_dir):
        """The dataset's content, read against the councils the portal holds."""
        councils = dict(Council.objects.with_gss().values_list("gss_code", "ecode"))
        if not councils:
            raise CommandError("The council register is empty. Run load_councils first.")
        try:
            return dataset.load(data_dir, councils)
        except OSError as error:
            raise CommandError(
                f"Cannot read the files of {dataset.name}: {error.strerror}: {error.filename}."
            ) from error
        except ValueError as error:
            raise CommandError(
                f"{dataset.name} was not imported; nothing changed.\n{error}"
            ) from error

    def write(self, dataset, content):
        """Store the dataset in one transaction and say what changed."""
        name = dataset.name
        try:
            report = dataset_import(name=name, content=content)
        except FileProblems as error:
            raise CommandError(error.rejection(name)) from error
        except GroupingError as error:
            raise CommandError(f"{name} was not imported; nothing changed.\n{error}") from error
        metrics, groupings, values = report.metrics, report.groupings, report.values
        self.stdout.write(
            f"Metrics: {len(metrics.created)} created, {len(metrics.updated)} updated, "
            f"{metrics.unchanged} unchanged."
        )
        if content.groupings:
            self.stdout.write(
                f"Family groups: {len(groupings.created)} created, {len(groupings.updated)} "
                f"updated, {groupings.unchanged} unchanged; {groupings.joined} councils "
                f"joined, {groupings.left} left."
            )
        self.stdout.write(
            f"Values: {values.created} created, {values.updated} updated, "
            f"{values.unchanged} unchanged."
        )
        if content.references or (report.references and report.references.deleted):
            refs = report.references
            self.stdout.write(
                f"Reference figures (England): {refs.created} created, {refs.updated} updated, "
                f"{refs.unchanged} unchanged, {refs.deleted} removed."
            )
        for heading, lines in (
            (f"Left out ({len(content.skipped)}):", content.skipped),
            ("Notes:", content.notes),
        ):
            if lines:
                self.stdout.write(heading)
                for line in lines:
                    self.stdout.write(f"  - {line}")
        return report

    def recompute(self, dataset, fingerprint, report, *, no_recompute):
        """Recompute the comparisons that changed, then record the import."""
        metrics, values, pairs = report.metrics, report.values, report.pairs
        record = {
            "name": dataset.name,
            "fingerprint": fingerprint,
            "published": dataset.published,
            "metrics": len(metrics.created) + len(metrics.updated) + metrics.unchanged,
            "values": values.created + values.updated + values.unchanged,
        }
        dataset_import_record(**record)
        if no_recompute:
            # The changed metric-periods wait as pending recomputes: the caller recomputes
            # them (`manage.py seed` does, once, after all its datasets).
            self.stdout.write(
                f"Comparisons not recomputed ({len(pairs)} metric-periods changed). "
                "Run recompute_comparisons --pending when ready."
            )
            return
        if not pairs:
            self.stdout.write("Comparisons: nothing changed, so nothing to recompute.")
            return
        done = comparisons_recompute_pending()
        self.stdout.write(f"Comparisons recomputed for {len(done)} metric-periods.")
