"""Who may see and submit benchmarking's values, and who may see an upload.

Built on the kernel's access module, which keeps the rules every tool shares: councils, roles,
who submits for which council and who chooses what a council shares. One condition per line,
so that each rule reads as the policy it is. Views, selectors and services ask here and never
check roles themselves. `access_*` functions return the object or raise: Http404 where the
object must not be revealed, PermissionDenied where the person may see it but not do what was
asked.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from benchmarking.models import Audience, Upload, Value
from selfreg import access
from selfreg.models import Council, Visibility

# --- values -----------------------------------------------------------------------------------


def can_see_value(user, council: Council, visibility: str) -> bool:
    """May the user see a figure of this council published at this visibility?"""
    if visibility == Visibility.PUBLIC:
        return True
    if visibility == Visibility.SECTOR:
        return access.is_in_sector(user)
    if visibility == Visibility.COUNCIL:
        return access.is_member_of(user, council)
    return False


def visible_q(user, council_field: str = "council", visibility_field: str = "visibility") -> Q:
    """`can_see_value` as a filter for querysets of values: only rows this user may see."""
    q = Q(**{visibility_field: Visibility.PUBLIC})
    if access.is_in_sector(user):
        q |= Q(**{visibility_field: Visibility.SECTOR})
    own = access.council_ids(user)
    if own:
        q |= Q(**{visibility_field: Visibility.COUNCIL, f"{council_field}__in": own})
    return q


def visible_values(user, **filters):
    """The values the user may see, narrowed by ``filters``."""
    return Value.objects.filter(visible_q(user)).filter(**filters)


def audiences_of(user) -> list[str]:
    """The audiences whose stored comparisons the user may read: everyone reads the public
    ones, and people in the sector also those counting figures shared with the sector."""
    if access.is_in_sector(user):
        return [Audience.PUBLIC, Audience.SECTOR]
    return [Audience.PUBLIC]


def reader_of(user) -> tuple[bool, tuple[int, ...]]:
    """All that `visible_q` and `audiences_of` read of the user: whether they are in the
    sector, and the councils whose own figures they may see. People with the same answer
    see the same figures, so benchmarking.readcache keeps one copy of a read for them."""
    return access.is_in_sector(user), tuple(sorted(access.council_ids(user)))


def can_submit_values(user) -> bool:
    """Writing values needs a user who may submit for at least one council."""
    return access.submittable_councils(user).exists()


def writable_gss_codes(user) -> set[str]:
    """The GSS codes of the councils whose values the user may write."""
    councils = access.submittable_councils(user).with_gss()
    return set(councils.values_list("gss_code", flat=True))


# --- uploads ----------------------------------------------------------------------------------


def can_upload(user) -> bool:
    """Council officers (for their own council) and sector staff may upload files of values."""
    return access.submittable_councils(user).with_gss().exists()


def access_uploader(user) -> None:
    if not can_upload(user):
        raise PermissionDenied(_("Only council officers and sector staff can submit data."))


def visible_uploads(user):
    """The uploads this user may see: their own, or every upload for sector staff."""
    uploads = Upload.objects.select_related("uploaded_by")
    if access.is_sector_staff(user):
        return uploads
    return uploads.filter(uploaded_by_id=user.pk)


def access_upload(user, upload_id: int) -> Upload:
    """An upload its uploader or sector staff may see; 404 for anyone else who may upload."""
    access_uploader(user)
    upload = visible_uploads(user).filter(pk=upload_id).first()
    if upload is None:
        raise Http404("There is no such upload.")
    return upload


def access_upload_for_confirm(user, upload_id: int) -> Upload:
    """Only the uploader confirms: the values are saved in their name and with their rights."""
    upload = access_upload(user, upload_id)
    if upload.uploaded_by_id != user.pk:
        raise PermissionDenied(_("Only the person who uploaded a file can confirm it."))
    return upload
