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

        from knowledgehub import home
        from selfreg.home import home_work_register

        home_work_register("reviews_to_answer", home.reviews_to_answer, order=20)
        home_work_register("reviews_to_moderate", home.reviews_to_moderate, order=50)
