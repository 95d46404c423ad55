"""The report and action plan: sector staff write the report, the host corrects facts, the
council keeps its action plan.
"""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils.translation import gettext as _

from peerchallenge import access as pc_access
from peerchallenge import selectors, services
from peerchallenge.forms import (
    ActionForm,
    CorrectionForm,
    ReportForm,
)
from peerchallenge.views import FORM, _data
from selfreg.decorators import sector_staff_required
from selfreg.refusals import form_page


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
    return form_page(
        request,
        ReportForm(_data(request), initial=initial),
        lambda data: services.report_save(user=request.user, challenge=challenge, **data),
        template=FORM,
        context={
            "title": _("Write the report"),
            "challenge": challenge,
            "corrections": report.corrections.select_related("by") if report else [],
        },
        done=_("Draft report saved."),
        to=challenge,
    )


@login_required
def report_correct(request, pk):
    challenge = pc_access.access_challenge_for_correction(request.user, pk)
    return form_page(
        request,
        CorrectionForm(_data(request)),
        lambda data: services.correction_add(
            user=request.user, challenge=challenge, text=data["text"]
        ),
        template=FORM,
        context={"title": _("Correct a fact in the draft report"), "challenge": challenge},
        done=_("Your correction has been sent to sector staff."),
        to=challenge,
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
    return form_page(
        request,
        ActionForm(_data(request), initial=initial),
        lambda data: services.action_save(
            user=request.user,
            challenge=challenge,
            action=action,
            recommendation=data["recommendation"],
            text=data["action"],
            owner=data["owner"],
            due=data["due"],
            status=data["status"],
        ),
        template=FORM,
        context={
            "title": _("Change an action") if action else _("Add an action"),
            "challenge": challenge,
        },
        done=_("Action saved."),
        to=reverse("peerchallenge:report", args=[challenge.pk]),
    )


@login_required
def action_new(request, pk):
    challenge = pc_access.access_challenge_for_actions(request.user, pk)
    return _action(request, challenge)


@login_required
def action_edit(request, pk, action_id):
    challenge = pc_access.access_challenge_for_actions(request.user, pk)
    return _action(request, challenge, pc_access.access_action(request.user, challenge, action_id))
