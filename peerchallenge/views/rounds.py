"""Matching rounds and runs, for sector staff: the round, its rules and challenges, the run
and its progress, a solution made elsewhere, and confirming the proposed teams.
"""

import json

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerchallenge import access as pc_access
from peerchallenge import exchange, selectors, services
from peerchallenge.forms import (
    RoundForm,
    RulesForm,
    SolutionForm,
)
from peerchallenge.models import (
    Challenge,
    ChallengeState,
    MatchingRound,
    MatchingRun,
    RunKind,
    RunStatus,
)
from peerchallenge.views import FORM, _data
from selfreg.decorators import sector_staff_required
from selfreg.refusals import act_and_redirect, form_page


@sector_staff_required
def round_list(request):
    return form_page(
        request,
        RoundForm(_data(request)),
        lambda data: services.round_create(user=request.user, **data),
        template="peerchallenge/round_list.html",
        context={
            "rounds": MatchingRound.objects.all(),
            "scoped_waiting": Challenge.objects.filter(
                state=ChallengeState.SCOPING, round__isnull=True
            ).select_related("host"),
        },
        done=_("Round created. Add scoped challenges to it."),
        follow=True,
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
    return form_page(
        request,
        RulesForm(_data(request), initial=matching_round.rules),
        lambda data: services.round_rules_save(
            user=request.user, matching_round=matching_round, rules=data
        ),
        template=FORM,
        context={"title": _("The round's rules"), "round": matching_round},
        done=_("Rules saved. They apply from the next run."),
        to=matching_round,
    )


@sector_staff_required
@require_POST
def round_add(request, pk):
    try:
        challenge_id = int(request.POST.get("challenge", ""))
    except ValueError:
        messages.error(request, _("Choose a challenge to add."))
        return redirect(pc_access.access_round(request.user, pk))
    return _round_change(request, pk, challenge_id, services.round_add, _("%(challenge)s added."))


@sector_staff_required
@require_POST
def round_remove(request, pk, challenge_id):
    return _round_change(
        request, pk, challenge_id, services.round_remove, _("%(challenge)s removed.")
    )


def _round_change(request, pk, challenge_id, change, done):
    """Put a challenge into a round or take it out (`change`, the service)."""
    matching_round = pc_access.access_round(request.user, pk)
    challenge = pc_access.access_challenge(request.user, challenge_id)
    return act_and_redirect(
        request,
        lambda: change(user=request.user, matching_round=matching_round, challenge=challenge),
        done=done % {"challenge": challenge},
        to=matching_round,
    )


@sector_staff_required
@require_POST
def run_start(request, pk):
    matching_round = pc_access.access_round(request.user, pk)
    return act_and_redirect(
        request,
        lambda: services.run_start(user=request.user, matching_round=matching_round),
        to=matching_round,
        follow=True,
    )


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
    return form_page(
        request,
        SolutionForm(_data(request), request.FILES or None),
        lambda data: services.run_import(
            user=request.user, matching_round=matching_round, data=data["file"]
        ),
        template=FORM,
        context={"title": _("Apply a solution made elsewhere"), "round": matching_round},
        done=_("The solution keeps every rule. Check it, then confirm."),
        follow=True,
        field="file",
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
    return act_and_redirect(
        request,
        lambda: services.proposal_confirm(user=request.user, run=run),
        done=lambda created: _("Teams confirmed: %(count)s invitations sent.") % {"count": created},
        to=run.round,
    )
