from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeerchallengeConfig(AppConfig):
    name = "peerchallenge"
    verbose_name = _("Peer challenge")

    def ready(self):
        from peerchallenge import support
        from selfreg.support import support_lister_register

        support_lister_register("peer_challenge", support.support_options)
