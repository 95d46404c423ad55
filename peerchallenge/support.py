"""The peer challenges early warning may link as support: the council's own, not closed."""

from peerchallenge.models import Challenge, ChallengeState
from selfreg.support import SupportOption


def support_options(council) -> list[SupportOption]:
    challenges = (
        Challenge.objects.filter(host=council)
        .exclude(state=ChallengeState.CLOSED)
        .select_related("host")
        .order_by("-created_at")
    )
    return [
        SupportOption(
            kind="peer_challenge",
            title=f"{c} ({c.get_state_display().lower()})",
            url=c.get_absolute_url(),
        )
        for c in challenges
    ]
