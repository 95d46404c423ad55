"""Who may see and do what with a council's self-assessment.

Built on `selfreg.access`; one condition per line, so that each rule reads as the policy it
is. Views and services ask here and never check roles themselves. `access_*` functions
return the object or raise: Http404 where it must not be revealed, PermissionDenied where the
person may see it but not do what was asked.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from selfreg import access
from selfreg.assessment.models import (
    NEXT_STATE,
    AssessmentState,
    ScrutinyComment,
    SelfAssessment,
)
from selfreg.models import Council, RoleKind


def can_create(user, council: Council) -> bool:
    """The council's own officers start its assessment; sector staff may start one for it."""
    if access.is_sector_staff(user):
        return True
    return access.is_officer_of(user, council)


def can_see(user, assessment: SelfAssessment) -> bool:
    """Everything from the consultation on is public: the judgements residents were asked
    about stay readable while councillors scrutinise them. Only a draft is the council's own."""
    if assessment.was_consulted:
        return True
    if access.is_sector_staff(user):
        return True
    return access.is_member_of(user, assessment.council)


def can_see_working(user, assessment: SelfAssessment) -> bool:
    """The working view (every theme as drafted, the history of moves): council and sector."""
    if access.is_sector_staff(user):
        return True
    return access.is_member_of(user, assessment.council)


def can_edit(user, assessment: SelfAssessment) -> bool:
    """Only the council's officers write its judgements, and never once it is published."""
    if not assessment.is_editable:
        return False
    return access.is_officer_of(user, assessment.council)


def can_move(user, assessment: SelfAssessment, to_state: str) -> bool:
    """The council's officers move it one step along the cycle, and only forward."""
    if NEXT_STATE.get(assessment.state) != to_state:
        return False
    return access.is_officer_of(user, assessment.council)


def can_respond(user, assessment: SelfAssessment) -> bool:
    """Anyone, signed in or not, may respond while the consultation is open."""
    return assessment.state == AssessmentState.CONSULTATION


def can_see_consultation(user, assessment: SelfAssessment) -> bool:
    """A consultation's page stays public once opened: open, then closed with the responses
    shown and the council's replies."""
    return assessment.was_consulted


def can_reply(user, assessment: SelfAssessment) -> bool:
    """The council's officers say what they did with the responses ("you said, we did") after
    the consultation closes and before the assessment is published, when it is frozen."""
    if assessment.state != AssessmentState.SCRUTINY:
        return False
    return access.is_officer_of(user, assessment.council)


def can_moderate(user, assessment: SelfAssessment) -> bool:
    if access.is_sector_staff(user):
        return True
    return access.is_officer_of(user, assessment.council)


def is_councillor_of(user, council: Council) -> bool:
    return council.pk in access.council_ids(user, {RoleKind.COUNCILLOR})


def can_see_scrutiny(user, assessment: SelfAssessment) -> bool:
    """Scrutiny is the council's own business until the assessment is published."""
    if assessment.is_public:
        return True
    if assessment.state == AssessmentState.DRAFT:
        return False
    return can_see_working(user, assessment)


def can_comment(user, assessment: SelfAssessment) -> bool:
    """Councillors of that council only, and only while the assessment is in scrutiny."""
    if assessment.state != AssessmentState.SCRUTINY:
        return False
    return is_councillor_of(user, assessment.council)


def can_answer(user, comment: ScrutinyComment) -> bool:
    """The council's officers answer its councillors' challenge while scrutiny is open."""
    if comment.assessment.state != AssessmentState.SCRUTINY:
        return False
    return access.is_officer_of(user, comment.assessment.council)


# --- fetching -------------------------------------------------------------------------------


def access_assessment(user, gss_code: str, year: str) -> SelfAssessment:
    assessment = (
        SelfAssessment.objects.select_related("council", "framework")
        .filter(council__gss_code=gss_code, year=year)
        .first()
    )
    if assessment is None or not can_see(user, assessment):
        raise Http404("No self-assessment for that council and year.")
    return assessment


def access_consultation(user, gss_code: str, year: str) -> SelfAssessment:
    assessment = access_assessment(user, gss_code, year)
    if not can_see_consultation(user, assessment):
        raise Http404("This self-assessment has not been open for consultation.")
    return assessment


def access_assessment_for_reply(user, gss_code: str, year: str) -> SelfAssessment:
    assessment = access_consultation(user, gss_code, year)
    if not can_reply(user, assessment):
        raise PermissionDenied("Only the council's officers reply, after the consultation.")
    return assessment


def open_consultations(council: Council | None = None):
    """Consultations open now, for anyone to find and answer, newest first."""
    found = SelfAssessment.objects.filter(state=AssessmentState.CONSULTATION)
    if council is not None:
        found = found.filter(council=council)
    return found.select_related("council").order_by("-year", "council__name")


def access_assessment_working(user, gss_code: str, year: str) -> SelfAssessment:
    assessment = access_assessment(user, gss_code, year)
    if not can_see_working(user, assessment):
        raise PermissionDenied("Only the council and sector staff see the working copy.")
    return assessment


def access_assessment_for_edit(user, gss_code: str, year: str) -> SelfAssessment:
    assessment = access_assessment(user, gss_code, year)
    if not can_edit(user, assessment):
        raise PermissionDenied("Only the council's officers can change its self-assessment.")
    return assessment


def access_assessment_for_moderation(user, gss_code: str, year: str) -> SelfAssessment:
    assessment = access_assessment(user, gss_code, year)
    if not can_moderate(user, assessment):
        raise PermissionDenied("Only the council's officers and sector staff moderate.")
    return assessment


def access_assessment_for_scrutiny(user, gss_code: str, year: str) -> SelfAssessment:
    assessment = access_assessment(user, gss_code, year)
    if not can_see_scrutiny(user, assessment):
        raise PermissionDenied("Scrutiny is open to the council and sector staff.")
    return assessment


def access_comment_for_answer(user, assessment: SelfAssessment, comment_id: int):
    comment = assessment.scrutiny_comments.filter(pk=comment_id).first()
    if comment is None:
        raise Http404("No such comment.")
    if not can_answer(user, comment):
        raise PermissionDenied("Only the council's officers answer scrutiny comments.")
    return comment


def can_manage_frameworks(user) -> bool:
    """Frameworks belong to the sector: its staff make new versions."""
    return access.is_sector_staff(user)
