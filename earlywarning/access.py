"""Who may record and see early-warning signals. Built on the kernel's access module.

Early warning is confidential to the sector: a council's own officers and councillors never
see what is recorded about it, and nothing here is published.
"""

from django.core.exceptions import PermissionDenied

from selfreg.access import access_council_by_gss, has_role, is_sector_staff
from selfreg.models import Council, RoleKind


def can_record_signal(user) -> bool:
    """Sector staff and peers may record a signal about any council."""
    if is_sector_staff(user):
        return True
    return has_role(user, RoleKind.PEER)


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
        raise PermissionDenied("Only sector staff and peers can record a signal.")
    return council
