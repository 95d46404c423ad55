"""The report and action plan: sector staff write the report, the host corrects facts, the
council keeps its action plan.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from peerchallenge import access as pc_access
from peerchallenge import selectors, services
from peerchallenge.forms import (
    ActionForm,
    CorrectionForm,
    ReportForm,
)
from peerchallenge.views import _data
from selfreg.decorators import sector_staff_required
from selfreg.refusals import show_refusal


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
        with show_refusal(form):
            services.report_save(user=request.user, challenge=challenge, **form.cleaned_data)
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
        with show_refusal(form):
            services.correction_add(
                user=request.user, challenge=challenge, text=form.cleaned_data["text"]
            )
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
        with show_refusal(form):
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
