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
