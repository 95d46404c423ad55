from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfregConfig(AppConfig):
    name = "selfreg"
    verbose_name = _("Councils and people")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from selfreg.middleware import session_mark_seen, two_factor_note

        user_logged_in.connect(session_mark_seen, dispatch_uid="selfreg_session_seen")
        user_logged_in.connect(two_factor_note, dispatch_uid="selfreg_two_factor_note")
