"""What the home page shows from peer challenge (registered in `apps.py`): a council's
challenges in progress, a peer's invitations to answer, sector staff's open matching rounds."""

from django.urls import reverse
from django.utils.translation import gettext as _

from peerchallenge import access
from peerchallenge.models import ChallengeState, MatchingRound, MemberStatus, RoundState
from selfreg.home import HomeItem, HomeLine, HomeSection


def council_lines(user, council) -> list[HomeLine]:
    """Each challenge of the council not yet closed that the person may see, at its stage."""
    challenges = (
        access.visible_challenges(user)
        .filter(host=council)
        .exclude(state=ChallengeState.CLOSED)
        .order_by("-created_at")
    )
    title = _("Peer challenge")
    lines = [
        HomeLine(title, c.get_kind_display(), c.get_absolute_url(), c.get_state_display())
        for c in challenges
    ]
    if lines:
        return lines
    if access.can_request_for(user, council):
        return [
            HomeLine(
                title,
                _("None in progress: ask for one"),
                reverse("peerchallenge:challenge_request"),
            )
        ]
    return [HomeLine(title, _("None in progress"), reverse("peerchallenge:index"))]


def peer_invitations(user) -> HomeSection | None:
    """A peer's invitations to join a team, while they can still answer them."""
    if access.peer_of(user) is None:
        return None
    waiting = (
        access.invitations_for(user)
        .filter(status=MemberStatus.INVITED, challenge__state=ChallengeState.INVITATIONS)
        .order_by("invited_at")
    )
    return HomeSection(
        _("Invitations to join a peer challenge team"),
        [
            HomeItem(
                str(member.challenge),
                reverse("peerchallenge:invitation_answer", args=[member.pk]),
                _("%(role)s, %(days)s days")
                % {"role": member.get_role_display(), "days": member.days},
            )
            for member in waiting
        ],
        empty=_("No invitations are waiting for your answer."),
        more_text=_("Your peer profile and availability"),
        more_url=reverse("peerchallenge:peer_profile"),
    )


def matching_rounds(user) -> HomeSection | None:
    """Sector staff: matching rounds whose teams are not all confirmed."""
    if not access.can_run_matching(user):
        return None
    rounds = MatchingRound.objects.filter(state=RoundState.OPEN).order_by("-created_at")
    return HomeSection(
        _("Open matching rounds"),
        [HomeItem(str(r), r.get_absolute_url(), str(r.year)) for r in rounds],
        empty=_("No matching round is open."),
        more_text=_("All rounds"),
        more_url=reverse("peerchallenge:round_list"),
    )
