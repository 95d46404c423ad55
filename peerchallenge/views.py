"""Peer challenge pages. Views translate: forms validate, `access` decides, services act."""

import json

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from benchmarking.renderers import csv_response
from peerchallenge import access as pc_access
from peerchallenge import exchange, selectors, services
from peerchallenge.forms import (
    ActionForm,
    AnswerForm,
    CorrectionForm,
    MoveForm,
    NominateForm,
    NominationAnswerForm,
    PinForm,
    ProfileForm,
    ReportForm,
    RequestForm,
    RoundForm,
    RulesForm,
    ScopeForm,
    SolutionForm,
    period_text,
    weeks_text,
)
from peerchallenge.models import (
    Challenge,
    ChallengeState,
    MatchingRun,
    MemberStatus,
    Peer,
    RunKind,
    RunStatus,
    expertise_level,
)
from selfreg.decorators import sector_staff_required
from selfreg.pdf import printable


def _data(request):
    """The submitted data, bound even when empty so that an empty form shows its errors."""
    return request.POST if request.method == "POST" else None


def _refused(form, error):
    form.add_error(None, str(error))


# --- public -------------------------------------------------------------------------------------


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


# --- challenges ---------------------------------------------------------------------------------


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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            challenge = services.challenge_request(
                user=request.user,
                host=data["council"],
                kind=data["kind"],
                focus_areas=data["focus_areas"],
                preferred_weeks=data["preferred_weeks"],
                note=data["note"],
            )
        except services.Refused as error:
            _refused(form, error)
        else:
            messages.success(request, _("Your request has been sent to sector staff."))
            return redirect(challenge)
    return render(
        request,
        "peerchallenge/form.html",
        {"form": form, "title": _("Ask for a peer challenge")},
        status=400 if form.errors else 200,
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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.challenge_scope(
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
        except services.Refused as error:
            _refused(form, error)
        else:
            messages.success(request, _("Scope saved."))
            return redirect(challenge)
    return render(
        request,
        "peerchallenge/form.html",
        {"form": form, "title": _("Scope the challenge"), "challenge": challenge},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def challenge_move(request, pk, state):
    challenge = pc_access.access_challenge_for_move(request.user, pk, state)
    form = MoveForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.challenge_move(user=request.user, challenge=challenge, to_state=state, note=note)
    except services.Refused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Moved to: %(state)s.") % {"state": ChallengeState(state).label}
        )
    return redirect(challenge)


@sector_staff_required
@require_POST
def challenge_refill(request, pk):
    challenge = pc_access.access_challenge(request.user, pk)
    try:
        run = services.refill_request(user=request.user, challenge=challenge)
    except services.Refused as error:
        messages.error(request, str(error))
        return redirect(challenge)
    return redirect(run)


@sector_staff_required
def challenge_pin(request, pk):
    challenge = pc_access.access_challenge(request.user, pk)
    form = PinForm(_data(request))
    if request.method == "POST" and form.is_valid():
        peer = Peer.objects.filter(pk=form.cleaned_data["peer"]).first()
        if peer is None:
            form.add_error("peer", _("No peer has that number"))
        else:
            kind = form.cleaned_data["kind"]
            try:
                services.pin_set(
                    user=request.user,
                    challenge=challenge,
                    peer=peer,
                    kind=None if kind == "clear" else kind,
                )
            except services.Refused as error:
                _refused(form, error)
            else:
                messages.success(request, _("Saved. Run the matcher again to use it."))
                return redirect(challenge)
    return render(
        request,
        "peerchallenge/form.html",
        {"form": form, "title": _("Pin or exclude a peer"), "challenge": challenge},
        status=400 if form.errors else 200,
    )


# --- reports and action plans -------------------------------------------------------------------


@sector_staff_required
def report_edit(request, pk):
    challenge = pc_access.access_challenge_for_report(request.user, pk)
    report = selectors.report_of(challenge)
    initial = (
        {
            "summary": report.summary,
            "findings": report.findings,
            "recommendations": report.recommendations,
        }
        if report
        else {}
    )
    form = ReportForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_save(user=request.user, challenge=challenge, **form.cleaned_data)
        except services.Refused as error:
            _refused(form, error)
        else:
            messages.success(request, _("Draft report saved."))
            return redirect(challenge)
    return render(
        request,
        "peerchallenge/form.html",
        {
            "form": form,
            "title": _("Write the report"),
            "challenge": challenge,
            "corrections": report.corrections.select_related("by") if report else [],
        },
        status=400 if form.errors else 200,
    )


@login_required
def report_correct(request, pk):
    challenge = pc_access.access_challenge_for_correction(request.user, pk)
    form = CorrectionForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.correction_add(
                user=request.user, challenge=challenge, text=form.cleaned_data["text"]
            )
        except services.Refused as error:
            _refused(form, error)
        else:
            messages.success(request, _("Your correction has been sent to sector staff."))
            return redirect(challenge)
    return render(
        request,
        "peerchallenge/form.html",
        {"form": form, "title": _("Correct a fact in the draft report"), "challenge": challenge},
        status=400 if form.errors else 200,
    )


def _action(request, challenge, action=None):
    initial = {}
    if action is not None:
        initial = {
            "recommendation": action.recommendation,
            "action": action.action,
            "owner": action.owner,
            "due": action.due,
            "status": action.status,
        }
    form = ActionForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.action_save(
                user=request.user,
                challenge=challenge,
                action=action,
                recommendation=data["recommendation"],
                text=data["action"],
                owner=data["owner"],
                due=data["due"],
                status=data["status"],
            )
        except services.Refused as error:
            _refused(form, error)
        else:
            messages.success(request, _("Action saved."))
            return redirect("peerchallenge:report", pk=challenge.pk)
    return render(
        request,
        "peerchallenge/form.html",
        {
            "form": form,
            "title": _("Change an action") if action else _("Add an action"),
            "challenge": challenge,
        },
        status=400 if form.errors else 200,
    )


@login_required
def action_new(request, pk):
    challenge = pc_access.access_challenge_for_actions(request.user, pk)
    return _action(request, challenge)


@login_required
def action_edit(request, pk, action_id):
    challenge = pc_access.access_challenge_for_actions(request.user, pk)
    return _action(request, challenge, pc_access.access_action(request.user, challenge, action_id))


# --- the pool -----------------------------------------------------------------------------------


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
    if request.method == "POST" and form.is_valid():
        try:
            services.peer_nominate(
                user=request.user, base_url=request.build_absolute_uri("/"), **form.cleaned_data
            )
        except services.Refused as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                _(
                    "We have emailed %(name)s an invitation to join the peer pool. When they "
                    "accept, sector staff will review their accreditation."
                )
                % {"name": form.cleaned_data["full_name"]},
            )
            return redirect("peerchallenge:index")
    return render(
        request,
        "peerchallenge/form.html",
        {"form": form, "title": _("Nominate a peer")},
        status=400 if form.errors else 200,
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
        try:
            peer = services.nomination_answer(
                nomination=nomination,
                accept=accept,
                user=request.user if is_nominee else None,
                full_name=data.get("full_name", ""),
                password=data.get("password1", ""),
            )
        except services.Refused as error:
            _refused(form, error)
        else:
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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.peer_profile_save(
                user=request.user,
                peer=peer,
                expertise=form.expertise(),
                days_offered=data["days_offered"],
                unavailable_periods=form.periods(),
                conflicts=data["conflicts"],
                party=data["party"],
                organisation=data["organisation"],
            )
        except services.Refused as error:
            _refused(form, error)
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("peerchallenge:peer_detail", pk=peer.pk)
    return render(
        request,
        "peerchallenge/form.html",
        {"form": form, "title": _("Your peer profile")},
        status=400 if form.errors else 200,
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


# --- invitations --------------------------------------------------------------------------------


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


# --- rounds and runs ----------------------------------------------------------------------------


@sector_staff_required
def round_list(request):
    from peerchallenge.models import MatchingRound

    form = RoundForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            matching_round = services.round_create(user=request.user, **form.cleaned_data)
        except services.Refused as error:
            _refused(form, error)
        else:
            messages.success(request, _("Round created. Add scoped challenges to it."))
            return redirect(matching_round)
    return render(
        request,
        "peerchallenge/round_list.html",
        {
            "rounds": MatchingRound.objects.all(),
            "form": form,
            "scoped_waiting": Challenge.objects.filter(
                state=ChallengeState.SCOPING, round__isnull=True
            ).select_related("host"),
        },
        status=400 if form.errors else 200,
    )


@sector_staff_required
def round_detail(request, pk):
    matching_round = pc_access.access_round(request.user, pk)
    candidates = [
        c
        for c in Challenge.objects.filter(
            state=ChallengeState.SCOPING, round__isnull=True
        ).select_related("host")
        if c.is_scoped and c.on_site_from.year == matching_round.year
    ]
    return render(
        request,
        "peerchallenge/round_detail.html",
        {
            "round": matching_round,
            "challenges": matching_round.challenges.select_related("host").order_by("pk"),
            "candidates": candidates,
            "runs": matching_round.runs.select_related("challenge__host", "started_by"),
        },
    )


@sector_staff_required
def round_rules(request, pk):
    matching_round = pc_access.access_round(request.user, pk)
    form = RulesForm(_data(request), initial=matching_round.rules)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_rules_save(
                user=request.user, matching_round=matching_round, rules=form.cleaned_data
            )
        except services.Refused as error:
            _refused(form, error)
        else:
            messages.success(request, _("Rules saved. They apply from the next run."))
            return redirect(matching_round)
    return render(
        request,
        "peerchallenge/form.html",
        {"form": form, "title": _("The round's rules"), "round": matching_round},
        status=400 if form.errors else 200,
    )


@sector_staff_required
@require_POST
def round_add(request, pk):
    matching_round = pc_access.access_round(request.user, pk)
    try:
        challenge_id = int(request.POST.get("challenge", ""))
    except ValueError:
        messages.error(request, _("Choose a challenge to add."))
        return redirect(matching_round)
    challenge = pc_access.access_challenge(request.user, challenge_id)
    try:
        services.round_add(user=request.user, matching_round=matching_round, challenge=challenge)
    except services.Refused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(challenge)s added.") % {"challenge": challenge})
    return redirect(matching_round)


@sector_staff_required
@require_POST
def round_remove(request, pk, challenge_id):
    matching_round = pc_access.access_round(request.user, pk)
    challenge = pc_access.access_challenge(request.user, challenge_id)
    try:
        services.round_remove(user=request.user, matching_round=matching_round, challenge=challenge)
    except services.Refused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(challenge)s removed.") % {"challenge": challenge})
    return redirect(matching_round)


@sector_staff_required
@require_POST
def run_start(request, pk):
    matching_round = pc_access.access_round(request.user, pk)
    try:
        run = services.run_start(user=request.user, matching_round=matching_round)
    except services.Refused as error:
        messages.error(request, str(error))
        return redirect(matching_round)
    return redirect(run)


@sector_staff_required
def round_export(request, pk):
    """The round as the exchange format, to download."""
    matching_round = pc_access.access_round(request.user, pk)
    try:
        instance, pinned, excluded = exchange.round_instance(matching_round)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(matching_round)
    document = exchange.export_document(instance, pinned, excluded)
    response = HttpResponse(
        json.dumps(document, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="peer-round-{matching_round.pk}.json"'
    return response


def _progress(run: MatchingRun) -> dict:
    """What the run page and the JSON its page polls say about a run."""
    reported = services.progress_read(run.pk) if not run.finished else {}
    objective, bound, gap = reported.get("objective"), reported.get("bound"), reported.get("gap")
    if run.finished:
        message = str(RunStatus(run.status).label)
    elif objective is None:
        message = (
            _("Waiting to start.")
            if run.status == RunStatus.QUEUED
            else _("Looking for a first complete assignment.")
        )
    else:
        message = _(
            "Best total score so far: %(objective)s. Proven bound: %(bound)s. Gap: %(gap)s%%."
        ) % {
            "objective": f"{objective:,.0f}",
            "bound": f"{bound:,.0f}" if bound is not None else "–",
            "gap": f"{100 * gap:.2f}" if gap is not None else "–",
        }
    return {
        "status": run.status,
        "phase": "solving" if objective is not None else run.status,
        "done": None,
        "total": 0,
        "percent": None,
        "finished": run.finished,
        "message": message,
        "objective": objective,
        "bound": bound,
        "gap": gap,
    }


@sector_staff_required
def run_detail(request, pk):
    run = pc_access.access_run(request.user, pk)
    return render(
        request,
        "peerchallenge/run_detail.html",
        {
            "run": run,
            "progress": _progress(run),
            "teams": selectors.team_rows(run)
            if run.status in (RunStatus.SOLVED, RunStatus.CONFIRMED)
            else [],
            "can_confirm": _can_confirm(run),
            "gap_percent": round(100 * run.gap, 3) if run.gap is not None else None,
        },
    )


@sector_staff_required
def run_progress(request, pk):
    run = pc_access.access_run(request.user, pk)
    response = JsonResponse(_progress(run))
    response["Cache-Control"] = "no-store"
    return response


@sector_staff_required
def run_solution(request, pk):
    """The instance a run solved, with its pins, exclusions and solution, to download."""
    run = pc_access.access_run(request.user, pk)
    document = {
        "instance": exchange.export_document(run.instance, run.pinned, run.excluded),
        "assignments": run.result.get("assignments", {}),
        "objective": run.objective,
        "bound": run.bound,
        "gap": run.gap,
        "seconds": run.seconds,
        "status": run.solver_status,
    }
    response = HttpResponse(
        json.dumps(document, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="peer-run-{run.pk}.json"'
    return response


@sector_staff_required
def round_import(request, pk):
    """Apply a solution made elsewhere to the round, once it keeps every rule."""
    matching_round = pc_access.access_round(request.user, pk)
    form = SolutionForm(_data(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.run_import(
                user=request.user, matching_round=matching_round, data=form.cleaned_data["file"]
            )
        except services.Refused as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, _("The solution keeps every rule. Check it, then confirm."))
            return redirect(run)
    return render(
        request,
        "peerchallenge/form.html",
        {"form": form, "title": _("Apply a solution made elsewhere"), "round": matching_round},
        status=400 if form.errors else 200,
    )


def _can_confirm(run: MatchingRun) -> bool:
    return (
        run.kind == RunKind.ROUND
        and run.status == RunStatus.SOLVED
        and run.round.latest_run() == run
    )


@sector_staff_required
def run_confirm(request, pk):
    """Staff check the proposed teams, who will be invited and what follows, then send the
    invitations."""
    run = pc_access.access_run(request.user, pk)
    if request.method != "POST":
        teams = [team for team in selectors.team_rows(run) if team["chosen"]]
        return render(
            request,
            "peerchallenge/run_confirm.html",
            {
                "run": run,
                "teams": teams,
                "can_confirm": _can_confirm(run),
                "invitations": sum(len(team["chosen"]) for team in teams),
            },
        )
    try:
        created = services.proposal_confirm(user=request.user, run=run)
    except services.Refused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Teams confirmed: %(count)s invitations sent.") % {"count": created}
        )
    return redirect(run.round)


# --- the ledger ---------------------------------------------------------------------------------


def _ledger_or_403(user) -> dict:
    councils = pc_access.ledger_councils(user)
    if councils is not None and not councils:
        raise PermissionDenied("The ledger is for councils and sector staff.")
    return selectors.ledger_tables(council_ids=councils)


@login_required
def ledger(request):
    tables = _ledger_or_403(request.user)
    return render(
        request,
        "peerchallenge/ledger.html",
        {"tables": tables, "everyone": pc_access.ledger_councils(request.user) is None},
    )


LEDGER_CSV_COLUMNS = ["gss_code", "council", "region", "days_given", "days_received", "net"]


@login_required
def ledger_csv(request):
    tables = _ledger_or_403(request.user)
    rows = [
        {
            "gss_code": row["council"].gss_code,
            "council": row["council"].name,
            "region": row["region"],
            "days_given": row["given"],
            "days_received": row["received"],
            "net": row["net"],
        }
        for row in tables["councils"]
    ]
    return csv_response(rows, "peer-days-ledger.csv", header=LEDGER_CSV_COLUMNS)
