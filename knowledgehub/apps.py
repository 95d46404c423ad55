from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgehubConfig(AppConfig):
    name = "knowledgehub"
    verbose_name = _("Knowledge Hub")
