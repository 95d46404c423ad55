"""Peer challenge's public pages: published reports and action plans, and each person's way in."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from peerchallenge import access as pc_access
from peerchallenge import selectors
from peerchallenge.models import (
    Challenge,
    MemberStatus,
)
from selfreg.pdf import printable


def index(request):
    """Published reports and action plans, and each person's way in."""
    published = [
        (challenge, selectors.action_progress(challenge))
        for challenge in Challenge.objects.published()
        .select_related("host", "report")
        .order_by("host__name")
    ]
    user = request.user
    return render(
        request,
        "peerchallenge/index.html",
        {
            "published": published,
            "can_request": user.is_authenticated and pc_access.can_request(user),
            "can_nominate": user.is_authenticated and pc_access.can_nominate(user),
            "is_staff": pc_access.can_run_matching(user),
            "peer": pc_access.peer_of(user),
        },
    )


@printable
def report(request, pk):
    """A challenge's report and action plan: public once published."""
    challenge = pc_access.access_challenge(request.user, pk)
    report = selectors.report_of(challenge)
    if not challenge.is_public and not pc_access.can_see_draft_report(request.user, challenge):
        raise PermissionDenied("The report is not published yet.")
    return render(
        request,
        "peerchallenge/report.html",
        {
            "challenge": challenge,
            "report": report,
            "actions": challenge.actions.all(),
            "progress": selectors.action_progress(challenge),
            "can_edit_actions": pc_access.can_edit_actions(request.user, challenge),
            "members": challenge.members.filter(status=MemberStatus.ACCEPTED).select_related(
                "peer__user", "peer__council"
            ),
        },
    )
