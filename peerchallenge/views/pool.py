"""The peer pool: the list, nominations and their answers, a peer's profile and accreditation."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerchallenge import access as pc_access
from peerchallenge import services
from peerchallenge.forms import (
    NominateForm,
    NominationAnswerForm,
    ProfileForm,
    period_text,
)
from peerchallenge.models import (
    Peer,
    expertise_level,
)
from peerchallenge.views import FORM, _data
from selfreg.decorators import sector_staff_required
from selfreg.refusals import form_page, show_refusal


@sector_staff_required
def peer_list(request):
    peers = Peer.objects.select_related("user", "council").order_by("council__name", "pk")
    nominations = pc_access.pending_nominations(request.user)
    return render(
        request, "peerchallenge/peer_list.html", {"peers": peers, "nominations": nominations}
    )


@login_required
def peer_nominate(request):
    if not pc_access.can_nominate(request.user):
        raise PermissionDenied("Only council officers and sector staff nominate peers.")
    form = NominateForm(_data(request), councils=pc_access.nominating_councils(request.user))
    return form_page(
        request,
        form,
        lambda data: services.peer_nominate(
            user=request.user, base_url=request.build_absolute_uri("/"), **data
        ),
        template=FORM,
        context={"title": _("Nominate a peer")},
        done=lambda _peer: (
            _(
                "We have emailed %(name)s an invitation to join the peer pool. When they "
                "accept, sector staff will review their accreditation."
            )
            % {"name": form.cleaned_data["full_name"]}
        ),
        to="peerchallenge:index",
    )


def nomination_answer(request, token):
    """The nominated person's page, opened from the link in their email. Someone with an
    account answers signed in as it; someone without sets a password to accept."""
    nomination = pc_access.access_nomination_by_token(token)
    has_account = pc_access.nominee_has_account(nomination)
    is_nominee = pc_access.is_nominee(request.user, nomination)
    # Someone signed in as another person answers only after signing out.
    can_answer = is_nominee or not (has_account or request.user.is_authenticated)
    form = NominationAnswerForm(
        _data(request) if can_answer else None,
        nomination=nomination,
        new_account=not has_account,
    )
    if request.method == "POST" and can_answer and form.is_valid():
        data = form.cleaned_data
        accept = data["answer"] == "accept"
        with show_refusal(form):
            peer = services.nomination_answer(
                nomination=nomination,
                accept=accept,
                user=request.user if is_nominee else None,
                full_name=data.get("full_name", ""),
                password=data.get("password1", ""),
            )
            if not accept:
                messages.success(request, _("Thank you. You have declined the nomination."))
                return redirect("peerchallenge:index")
            if not is_nominee:
                login(request, peer.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _(
                    "Welcome to the peer pool. Tell us your expertise and when you are free; "
                    "sector staff will then review your accreditation."
                ),
            )
            return redirect("peerchallenge:peer_profile")
    return render(
        request,
        "peerchallenge/nomination.html",
        {
            "nomination": nomination,
            "form": form,
            "can_answer": can_answer,
            "signed_in_as_other": request.user.is_authenticated and not is_nominee,
        },
        status=400 if form.errors else 200,
    )


@login_required
def peer_profile(request):
    peer = pc_access.access_own_peer(request.user)
    initial = {
        "days_offered": peer.days_offered,
        "conflicts": ", ".join(c.gss_code or "" for c in peer.conflicts.all()),
        "party": peer.party,
        "organisation": peer.organisation,
        **{
            f"expertise_{code}": expertise_level(float(value))
            for code, value in peer.expertise.items()
        },
    }
    form = ProfileForm(_data(request), initial=initial, periods=peer.periods())
    return form_page(
        request,
        form,
        lambda data: services.peer_profile_save(
            user=request.user,
            peer=peer,
            expertise=form.expertise(),
            days_offered=data["days_offered"],
            unavailable_periods=form.periods(),
            conflicts=data["conflicts"],
            party=data["party"],
            organisation=data["organisation"],
        ),
        template=FORM,
        context={"title": _("Your peer profile")},
        done=_("Your profile has been saved."),
        to=peer,
    )


@login_required
def peer_detail(request, pk):
    peer = pc_access.access_peer(request.user, pk)
    return render(
        request,
        "peerchallenge/peer_detail.html",
        {
            "peer": peer,
            "can_accredit": pc_access.can_manage_pool(request.user),
            "is_self": peer.user_id == request.user.pk,
            "periods": [period_text(start, end) for start, end in peer.periods()],
            "memberships": peer.memberships.select_related("challenge__host"),
        },
    )


@sector_staff_required
@require_POST
def peer_accredit(request, pk):
    peer = pc_access.access_peer_for_accreditation(request.user, pk)
    accredited = request.POST.get("accredited") == "yes"
    services.peer_accredit(user=request.user, peer=peer, accredited=accredited)
    messages.success(
        request, _("Accreditation approved.") if accredited else _("Accreditation withdrawn.")
    )
    return redirect(peer)
