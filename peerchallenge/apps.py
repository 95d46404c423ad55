from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeerchallengeConfig(AppConfig):
    name = "peerchallenge"
    verbose_name = _("Peer challenge")
