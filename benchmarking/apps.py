from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchmarkingConfig(AppConfig):
    name = "benchmarking"
    verbose_name = _("Benchmarking")

    def ready(self):
        from benchmarking import home, signals
        from selfreg.home import home_council_register

        home_council_register("benchmarking", home.council_lines, order=10)
        signals.connect()
