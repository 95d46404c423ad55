"""Challenge pages: asking for a challenge, its page, its scope, moving it on, pins and refills."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from peerchallenge import access as pc_access
from peerchallenge import selectors, services
from peerchallenge.forms import (
    MoveForm,
    PinForm,
    RequestForm,
    ScopeForm,
    weeks_text,
)
from peerchallenge.models import ChallengeState
from peerchallenge.views import FORM, _data
from selfreg.decorators import sector_staff_required
from selfreg.refusals import act_and_redirect, form_page


@login_required
def challenge_list(request):
    challenges = pc_access.visible_challenges(request.user).order_by("-created_at")
    return render(request, "peerchallenge/challenge_list.html", {"challenges": challenges})


@login_required
def challenge_request(request):
    councils = pc_access.requestable_councils(request.user)
    if not councils.exists():
        raise PermissionDenied("Only council officers and sector staff ask for a challenge.")
    form = RequestForm(_data(request), councils=councils)

    def ask(data):
        return services.challenge_request(
            user=request.user,
            host=data["council"],
            kind=data["kind"],
            focus_areas=data["focus_areas"],
            preferred_weeks=data["preferred_weeks"],
            note=data["note"],
        )

    return form_page(
        request,
        form,
        ask,
        template=FORM,
        context={"title": _("Ask for a peer challenge")},
        done=_("Your request has been sent to sector staff."),
        follow=True,
    )


# What moves each stage on, for everyone who sees a challenge but has no button for it.
NEXT_STEP = {
    ChallengeState.REQUESTED: _lazy("Sector staff agree the scope with the council."),
    ChallengeState.SCOPING: _lazy(
        "Sector staff add the challenge to a matching round and run the matcher."
    ),
    ChallengeState.TEAM_PROPOSED: _lazy(
        "Sector staff check the proposed team and send the invitations."
    ),
    ChallengeState.INVITATIONS: _lazy(
        "Each invited peer accepts or declines. The team is confirmed when every place is accepted."
    ),
    ChallengeState.TEAM_CONFIRMED: _lazy("Sector staff record when the team is on site."),
    ChallengeState.ON_SITE: _lazy("Sector staff record when the team has given feedback."),
    ChallengeState.FEEDBACK: _lazy("Sector staff write the report and publish it."),
    ChallengeState.REPORT_PUBLISHED: _lazy("The council publishes its action plan."),
    ChallengeState.ACTION_PLAN: _lazy("The council reports progress at the six-month check-in."),
    ChallengeState.CHECK_IN: _lazy("Sector staff hold the progress review."),
    ChallengeState.PROGRESS_REVIEW: _lazy("Sector staff close the challenge."),
}


@login_required
def challenge_detail(request, pk):
    challenge = pc_access.access_challenge(request.user, pk)
    user = request.user
    next_state = pc_access.NEXT.get(challenge.state)
    can_move = (
        next_state is not None
        and challenge.state in pc_access.MANUAL_MOVES
        and pc_access.can_move(user, challenge, next_state)
    )
    staff = pc_access.can_see_team_working(user, challenge)
    return render(
        request,
        "peerchallenge/challenge_detail.html",
        {
            "challenge": challenge,
            "transitions": challenge.transitions.select_related("by"),
            "members": challenge.members.select_related("peer__user", "peer__council"),
            "next_state": next_state,
            "next_label": ChallengeState(next_state).label if next_state else "",
            "can_move": can_move,
            "next_step": NEXT_STEP.get(challenge.state, ""),
            "can_scope": pc_access.can_scope(user, challenge),
            "can_pin": staff and challenge.state in pc_access.PIN_STATES,
            "can_refill": staff and challenge.state == ChallengeState.INVITATIONS,
            "staff": staff,
            "pins": challenge.pins.select_related("peer__user") if staff else [],
            "report": selectors.report_of(challenge),
            "can_write_report": pc_access.can_write_report(user, challenge),
            "can_correct": pc_access.can_correct_facts(user, challenge),
            "can_see_report": challenge.is_public
            or pc_access.can_see_draft_report(user, challenge),
            "can_edit_actions": pc_access.can_edit_actions(user, challenge),
            "actions": challenge.actions.all(),
            "move_form": MoveForm(),
            "preferred_weeks": weeks_text(challenge.preferred_weeks),
        },
    )


@sector_staff_required
def challenge_scope(request, pk):
    challenge = pc_access.access_challenge_for_scoping(request.user, pk)
    initial = {
        "focus_areas": challenge.focus_areas,
        "on_site_from": challenge.on_site_from,
        "days": challenge.days or 3,
        "team_size": challenge.team_size or 4,
        "host_control": challenge.host_control,
        "lead_member_same_party": challenge.lead_member_same_party,
    }
    for role, bounds in challenge.role_template.items():
        initial[f"min_{role}"], initial[f"max_{role}"] = bounds
    form = ScopeForm(_data(request), initial=initial)

    def scope(data):
        return services.challenge_scope(
            user=request.user,
            challenge=challenge,
            focus_areas=data["focus_areas"],
            on_site_from=data["on_site_from"],
            days=data["days"],
            team_size=data["team_size"],
            role_template=form.role_template(),
            lead_member_same_party=data["lead_member_same_party"],
            host_control=data["host_control"],
        )

    return form_page(
        request,
        form,
        scope,
        template=FORM,
        context={"title": _("Scope the challenge"), "challenge": challenge},
        done=_("Scope saved."),
        to=challenge,
    )


@login_required
@require_POST
def challenge_move(request, pk, state):
    challenge = pc_access.access_challenge_for_move(request.user, pk, state)
    form = MoveForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return act_and_redirect(
        request,
        lambda: services.challenge_move(
            user=request.user, challenge=challenge, to_state=state, note=note
        ),
        done=_("Moved to: %(state)s.") % {"state": ChallengeState(state).label},
        to=challenge,
    )


@sector_staff_required
@require_POST
def challenge_refill(request, pk):
    challenge = pc_access.access_challenge(request.user, pk)
    return act_and_redirect(
        request,
        lambda: services.refill_request(user=request.user, challenge=challenge),
        to=challenge,
        follow=True,
    )


@sector_staff_required
def challenge_pin(request, pk):
    challenge = pc_access.access_challenge(request.user, pk)
    return form_page(
        request,
        PinForm(_data(request)),
        lambda data: services.pin_set(
            user=request.user,
            challenge=challenge,
            peer=data["peer"],
            kind=None if data["kind"] == "clear" else data["kind"],
        ),
        template=FORM,
        context={"title": _("Pin or exclude a peer"), "challenge": challenge},
        done=_("Saved. Run the matcher again to use it."),
        to=challenge,
    )
