"""What the home page shows of a council's self-assessment (registered in `apps.py`)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from selfreg.assessment import access
from selfreg.assessment.models import AssessmentState, ModerationStatus, SelfAssessment
from selfreg.home import HomeLine


def council_lines(user, council) -> list[HomeLine]:
    """The latest self-assessment the person may see, its stage, and what waits for them:
    responses to moderate during the consultation, comments to make or answer in scrutiny."""
    latest = next(
        (
            a
            for a in SelfAssessment.objects.filter(council=council).order_by("-year")[:5]
            if access.can_see(user, a)
        ),
        None,
    )
    title = _("Self-assessment")
    if latest is None:
        url = reverse("assessment:overview", args=[council.gss_code])
        return [HomeLine(title, _("None started yet"), url)]
    latest.council = council
    lines = [HomeLine(title, latest.year, latest.get_absolute_url(), latest.get_state_display())]
    args = [council.gss_code, latest.year]
    if latest.consultation_is_open:
        text = _("Open consultation")
        if access.can_moderate(user, latest):
            waiting = latest.responses.filter(status=ModerationStatus.PENDING).count()
            text = ngettext(
                "%(n)s response waiting for moderation",
                "%(n)s responses waiting for moderation",
                waiting,
            ) % {"n": waiting}
            url = reverse("assessment:moderation", args=args)
        else:
            url = reverse("assessment:consultation", args=args)
        lines.append(HomeLine(_("Consultation"), text, url, _("Open")))
    if latest.state == AssessmentState.SCRUTINY and access.can_see_scrutiny(user, latest):
        url = reverse("assessment:scrutiny", args=args)
        if access.can_comment(user, latest):
            lines.append(HomeLine(_("Scrutiny"), _("Comment on the self-assessment"), url))
        elif access.can_reply(user, latest):
            waiting = latest.scrutiny_comments.filter(response="").count()
            text = ngettext(
                "%(n)s councillor's comment to answer",
                "%(n)s councillors' comments to answer",
                waiting,
            ) % {"n": waiting}
            lines.append(HomeLine(_("Scrutiny"), text, url))
    return lines
