from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfregConfig(AppConfig):
    name = "selfreg"
    verbose_name = _("Councils and people")
