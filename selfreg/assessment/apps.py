from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "selfreg.assessment"
    label = "assessment"
    verbose_name = _("Self-assessment")

    def ready(self):
        from selfreg.assessment import home
        from selfreg.home import home_council_register

        home_council_register("self_assessment", home.council_lines, order=20)
