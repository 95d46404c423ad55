from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgehubConfig(AppConfig):
    name = "knowledgehub"
    verbose_name = _("Knowledge Hub")

    def ready(self):
        from knowledgehub import support
        from selfreg.support import support_lister_register

        support_lister_register("improvement_support", support.offer_options)
        support_lister_register("library", support.library_options)
