"""Who may see and change council data.

Every view, API endpoint and service that reads or writes council-owned data asks here. Each
rule is one condition per line so that it reads as the policy it is, and each is tested with
every role. Fetch functions (`access_*`) return the object or raise: Http404 where the object
must not be revealed, PermissionDenied where the user may see it but not do what was asked.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from selfreg.models import (
    COUNCIL_ROLES,
    AreaGrouping,
    Council,
    GroupingMembership,
    MembershipStatus,
    Role,
    RoleKind,
    Visibility,
)

_CACHE_ATTR = "_portal_roles"


def _roles(user) -> list[tuple[str, int | None]]:
    """The user's roles as (kind, council id) pairs, read once per request."""
    if not user or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Role.objects.filter(user=user).values_list("kind", "council_id"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user) -> None:
    """Drop the per-request cache after roles change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(user, kind: str) -> bool:
    return any(role_kind == kind for role_kind, _ in _roles(user))


def is_sector_staff(user) -> bool:
    return has_role(user, RoleKind.SECTOR_STAFF)


def council_ids(user, kinds=COUNCIL_ROLES) -> set[int]:
    """Ids of the councils where the user holds one of the given roles."""
    return {council_id for kind, council_id in _roles(user) if kind in kinds and council_id}


def is_member_of(user, council: Council) -> bool:
    """An officer or councillor of this council."""
    return council.pk in council_ids(user)


def is_officer_of(user, council: Council) -> bool:
    return council.pk in council_ids(user, {RoleKind.OFFICER})


def is_in_sector(user) -> bool:
    """Signed in as someone from a council, or as sector staff: the `sector` audience."""
    if is_sector_staff(user):
        return True
    return bool(council_ids(user))


def can_see(user, council: Council, visibility: str) -> bool:
    """May the user see data of this council published at this visibility?"""
    if visibility == Visibility.PUBLIC:
        return True
    if visibility == Visibility.SECTOR:
        return is_in_sector(user)
    if visibility == Visibility.COUNCIL:
        return is_member_of(user, council)
    return False


def visible_q(user, council_field: str = "council", visibility_field: str = "visibility") -> Q:
    """A filter for querysets of council data: only rows this user may see."""
    q = Q(**{visibility_field: Visibility.PUBLIC})
    if is_in_sector(user):
        q |= Q(**{visibility_field: Visibility.SECTOR})
    own = council_ids(user)
    if own:
        q |= Q(**{visibility_field: Visibility.COUNCIL, f"{council_field}__in": own})
    return q


def can_submit_for(user, council: Council) -> bool:
    """May the user submit or correct data for this council?"""
    if is_sector_staff(user):
        return True
    return is_officer_of(user, council)


def can_choose_sharing(user, council: Council) -> bool:
    """Only the council itself decides what it shares: its officers."""
    return is_officer_of(user, council)


def access_council_for_sharing(user, gss_code: str) -> Council:
    council = access_council_by_gss(user, gss_code)
    if not can_choose_sharing(user, council):
        raise PermissionDenied("Only the council's own officers choose what it shares.")
    return council


def submittable_councils(user):
    """Councils the user may submit data for."""
    if is_sector_staff(user):
        return Council.objects.all()
    return Council.objects.filter(pk__in=council_ids(user, {RoleKind.OFFICER}))


def access_council_by_gss(user, gss_code: str) -> Council:
    """The council register is public: anyone may read a council's facts."""
    council = Council.objects.select_related("county").filter(gss_code=gss_code).first()
    if council is None:
        raise Http404("No council has that code.")
    return council


def access_council_for_submit(user, gss_code: str) -> Council:
    council = access_council_by_gss(user, gss_code)
    if not can_submit_for(user, council):
        raise PermissionDenied("You cannot submit data for this council.")
    return council


def access_grouping_by_slug(user, slug: str) -> AreaGrouping:
    """Groupings and their members are public."""
    grouping = AreaGrouping.objects.select_related("owner").filter(slug=slug).first()
    if grouping is None:
        raise Http404("No grouping has that name.")
    return grouping


def can_manage_grouping(user, grouping: AreaGrouping) -> bool:
    """Only footprints are managed in the portal; the register derives the rest."""
    if not grouping.is_footprint:
        return False
    if is_sector_staff(user):
        return True
    return grouping.owner_id is not None and grouping.owner_id in council_ids(
        user, {RoleKind.OFFICER}
    )


def access_grouping_for_change(user, slug: str) -> AreaGrouping:
    grouping = access_grouping_by_slug(user, slug)
    if not can_manage_grouping(user, grouping):
        raise PermissionDenied("Only officers of the owning council can change this grouping.")
    return grouping


def access_invitation_for_answer(user, slug: str, gss_code: str) -> GroupingMembership:
    """An invitation may be answered by an officer of the invited council."""
    membership = (
        GroupingMembership.objects.select_related("grouping", "council")
        .filter(grouping__slug=slug, council__gss_code=gss_code, status=MembershipStatus.INVITED)
        .first()
    )
    if membership is None:
        raise Http404("There is no open invitation.")
    if not is_officer_of(user, membership.council):
        raise PermissionDenied("Only an officer of the invited council can answer.")
    return membership


def invitations_for(user):
    """Open invitations to the councils where the user is an officer."""
    return GroupingMembership.objects.filter(
        council_id__in=council_ids(user, {RoleKind.OFFICER}), status=MembershipStatus.INVITED
    ).select_related("grouping", "council")
