from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeerchallengeConfig(AppConfig):
    name = "peerchallenge"
    verbose_name = _("Peer challenge")

    def ready(self):
        from peerchallenge import support
        from selfreg.support import support_lister_register

        support_lister_register("peer_challenge", support.support_options)

        from peerchallenge import home
        from selfreg.home import home_council_register, home_work_register

        home_council_register("peer_challenge", home.council_lines, order=30)
        home_work_register("peer_invitations", home.peer_invitations, order=10)
        home_work_register("matching_rounds", home.matching_rounds, order=40)
