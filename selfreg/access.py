"""The kernel's access rules: councils, groupings, roles and API tokens, who submits data for
which council and who chooses what a council shares.

Every tool builds its own access module on these (`benchmarking/access.py` for values and
uploads, `knowledgehub/access.py`, `peerchallenge/access.py`, ...), and views, API endpoints
and services ask those modules, never the models. Each rule is one condition per line so that
it reads as the policy it is, and each is tested with every role. Fetch functions (`access_*`)
return the object or raise: Http404 where the object must not be revealed, PermissionDenied
where the user may see it but not do what was asked.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from selfreg.models import (
    COUNCIL_ROLES,
    ApiToken,
    AreaGrouping,
    Council,
    GroupingMembership,
    MembershipStatus,
    Role,
    RoleKind,
    RoleRequest,
    RoleRequestStatus,
)

_CACHE_ATTR = "_portal_roles"
# The API token a request was signed in by (`selfreg.tokens`): its scope narrows what the
# user may write in that request.
TOKEN_ATTR = "_portal_api_token"  # noqa: S105 (an attribute name)


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


def _token(user) -> ApiToken | None:
    return getattr(user, TOKEN_ATTR, None)


def token_allows_write(user, council: Council) -> bool:
    """Signed in by an API token, the token's scope must cover the council too."""
    token = _token(user)
    if token is None:
        return True
    if token.read_only:
        return False
    return token.council_id is None or token.council_id == council.pk


def can_submit_for(user, council: Council) -> bool:
    """May the user submit or correct data for this council?"""
    if not token_allows_write(user, council):
        return False
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
    """Councils the user may submit data for (in this request, if signed in by a token)."""
    if is_sector_staff(user):
        councils = Council.objects.all()
    else:
        councils = Council.objects.filter(pk__in=council_ids(user, {RoleKind.OFFICER}))
    token = _token(user)
    if token is not None and token.read_only:
        return councils.none()
    if token is not None and token.council_id is not None:
        return councils.filter(pk=token.council_id)
    return councils


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


# --- accounts: two-factor sign-in, role requests, API tokens ---------------------------------


def is_council_admin_of(user, council: Council) -> bool:
    return council.pk in council_ids(user, {RoleKind.COUNCIL_ADMIN})


def needs_two_factor(user) -> bool:
    """Sector staff, the portal's administrators and councils' officer-administrators hold
    confidential intelligence or give others access: they sign in with a second factor."""
    if not user or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if is_sector_staff(user):
        return True
    return bool(council_ids(user, {RoleKind.COUNCIL_ADMIN}))


def can_decide_role_request(user, role_request: RoleRequest) -> bool:
    """Sector staff decide any request; a council's officer-administrator decides requests
    for officer and councillor roles at their own council, and never their own request."""
    if role_request.user_id == user.pk:
        return False
    if is_sector_staff(user):
        return True
    if role_request.kind == RoleKind.COUNCIL_ADMIN:
        return False
    return is_council_admin_of(user, role_request.council)


def decidable_role_requests(user):
    """Requests waiting for this user's decision."""
    requests = RoleRequest.objects.pending().select_related("user", "council")
    requests = requests.exclude(user=user)
    if is_sector_staff(user):
        return requests
    return requests.filter(
        council_id__in=council_ids(user, {RoleKind.COUNCIL_ADMIN}),
        kind__in=[RoleKind.OFFICER, RoleKind.COUNCILLOR],
    )


def may_decide_role_requests(user) -> bool:
    return is_sector_staff(user) or bool(council_ids(user, {RoleKind.COUNCIL_ADMIN}))


def access_role_request_for_decision(user, pk: int) -> RoleRequest:
    """A request shown to be decided: refused to anyone who may not decide it."""
    role_request = RoleRequest.objects.select_related("user", "council").filter(pk=pk).first()
    if role_request is None:
        raise Http404("There is no such request.")
    if not can_decide_role_request(user, role_request):
        raise PermissionDenied("Only the council's officer-administrator or sector staff decide.")
    if role_request.status != RoleRequestStatus.PENDING:
        raise Http404("This request has been decided.")
    return role_request


def access_api_token_for_revoke(user, pk: int) -> ApiToken:
    """Each person revokes their own tokens only; another's is not found."""
    token = ApiToken.objects.filter(pk=pk, user_id=user.pk).first()
    if token is None:
        raise Http404("You have no such token.")
    return token
