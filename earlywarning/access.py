"""Who may record and see early-warning signals. Built on the kernel's access module.

Early warning is confidential to the sector: a council's own officers and councillors never
see what is recorded about it, and nothing here is published.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from selfreg.access import (
    access_council_by_gss,
    council_ids,
    has_role,
    is_officer_of,
    is_sector_staff,
)
from selfreg.models import Council, RoleKind, Visibility


def can_record_signal(user) -> bool:
    """Sector staff, peers and the political groups' leads may record a signal about any
    council. Only sector staff see what is recorded."""
    if is_sector_staff(user):
        return True
    if has_role(user, RoleKind.PEER):
        return True
    return has_role(user, RoleKind.POLITICAL_LEAD)


def can_see_signals(user) -> bool:
    """Only sector staff may list recorded signals, including those others recorded."""
    return is_sector_staff(user)


def access_council_for_signals(user, gss_code: str) -> Council:
    council = access_council_by_gss(user, gss_code)
    if not can_see_signals(user):
        raise PermissionDenied("Only sector staff can see early-warning signals.")
    return council


def access_council_for_recording(user, gss_code: str) -> Council:
    council = access_council_by_gss(user, gss_code)
    if not can_record_signal(user):
        raise PermissionDenied("Only sector staff, peers and political leads can record.")
    return council


def access_recording(user) -> None:
    """The page where a recorder chooses the council: refused to anyone who may not record."""
    if not can_record_signal(user):
        raise PermissionDenied("Only sector staff, peers and political leads can record.")


def access_alert(user, alert_id: int):
    """An alert, for sector staff only. Anyone else is refused before the alert is looked up."""
    from earlywarning.models import Alert

    if not can_see_signals(user):
        raise PermissionDenied("Only sector staff can see early-warning alerts.")
    alert = Alert.objects.select_related("council", "assignee").filter(pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert.")
    return alert


def can_join_conversation(user, alert) -> bool:
    """Sector staff, and the officers of the council once it has been invited in."""
    if is_sector_staff(user):
        return True
    if not alert.council_invited:
        return False
    return is_officer_of(user, alert.council)


def access_conversation(user, alert_id: int):
    """The conversation about an alert. To anyone not in it, it does not exist (404), so the
    existence of an alert about a council is never revealed."""
    from earlywarning.models import Alert

    alert = Alert.objects.select_related("council").filter(pk=alert_id).first()
    if alert is None or not can_join_conversation(user, alert):
        raise Http404("No such conversation.")
    return alert


def conversations_for(user):
    """The conversations a council officer has been invited into."""
    from earlywarning.models import Alert

    return Alert.objects.filter(
        council_invited=True, council_id__in=council_ids(user, {RoleKind.OFFICER})
    ).select_related("council")


def access_council_for_resilience(user, gss_code: str) -> Council:
    """The financial resilience page is made of published figures: anyone may read it, for
    any council in the register. The risk band and recorded signals are not on it."""
    return access_council_by_gss(user, gss_code)


def resilience_visibilities(user) -> list[str]:
    """Which values the financial resilience page reads: the public figures for everyone;
    sector staff also read figures councils share with the sector."""
    if is_sector_staff(user):
        return [Visibility.PUBLIC, Visibility.SECTOR]
    return [Visibility.PUBLIC]
