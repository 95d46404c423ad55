"""A peer's invitations onto teams, and their answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from peerchallenge import access as pc_access
from peerchallenge import services
from peerchallenge.forms import AnswerForm
from peerchallenge.views import _data


@login_required
def invitation_list(request):
    return render(
        request,
        "peerchallenge/invitation_list.html",
        {"invitations": pc_access.invitations_for(request.user).order_by("-invited_at")},
    )


@login_required
def invitation_answer(request, pk):
    member = pc_access.access_invitation(request.user, pk)
    can_answer = pc_access.can_answer(request.user, member)
    form = AnswerForm(_data(request))
    if request.method == "POST":
        member = pc_access.access_invitation_for_answer(request.user, pk)
        if form.is_valid():
            accept = form.cleaned_data["answer"] == "accept"
            services.invitation_answer(
                user=request.user, member=member, accept=accept, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _("Thank you. You have accepted.")
                if accept
                else _("Thank you. You have declined; another peer will be asked."),
            )
            return redirect("peerchallenge:invitation_list")
    return render(
        request,
        "peerchallenge/invitation.html",
        {"member": member, "challenge": member.challenge, "form": form, "can_answer": can_answer},
        status=400 if form.errors else 200,
    )
