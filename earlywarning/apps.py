from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EarlywarningConfig(AppConfig):
    name = "earlywarning"
    verbose_name = _("Early warning")

    def ready(self):
        # Values changing is announced by benchmarking's comparisons recompute finishing;
        # benchmarking may not import early warning, so early warning listens for it.
        from celery.signals import task_postrun

        from earlywarning.tasks import after_comparisons

        task_postrun.connect(after_comparisons, weak=False, dispatch_uid="earlywarning-risk")

        from earlywarning import home
        from selfreg.home import home_council_register, home_work_register

        home_council_register("early_warning", home.council_lines, order=40)
        home_work_register("open_alerts", home.open_alerts, order=30)
        home_work_register("recording", home.recording, order=60)

        # The inspection outcomes are a published dataset too: `import_dataset inspections`.
        from benchmarking.datasets import OGL, Dataset, register
        from earlywarning import inspections
        from earlywarning.services import inspections_import

        register(
            Dataset(
                name="inspections",
                title="Ofsted children's services, CQC adult social care and area SEND outcomes",
                licence=OGL,
                files=tuple(str(inspections.INSPECTIONS_DIR / f) for f in inspections.FILES),
                importer=inspections_import,
            )
        )
