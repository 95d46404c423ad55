"""The access rules, walked with every role against every visibility."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Value
from django.http import Http404

from selfreg import access, services
from selfreg.models import AreaGrouping, Council, GroupingMembership, Visibility

SEES = {
    # role: (public, sector, council) for Hartlepool's data
    "anonymous": (True, False, False),
    "officer": (True, True, True),
    "councillor": (True, True, True),
    "other_officer": (True, True, False),
    "sector_staff": (True, True, False),
    "peer": (True, False, False),
    "provider": (True, False, False),
    "political_lead": (True, False, False),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", SEES)
def test_can_see_by_visibility(users, hartlepool, role):
    user = users[role] or AnonymousUser()
    public, sector, council = SEES[role]
    assert access.can_see(user, hartlepool, Visibility.PUBLIC) is public
    assert access.can_see(user, hartlepool, Visibility.SECTOR) is sector
    assert access.can_see(user, hartlepool, Visibility.COUNCIL) is council
    assert access.can_see(user, hartlepool, "unknown") is False


@pytest.mark.django_db
@pytest.mark.parametrize("role", SEES)
def test_visible_q_matches_can_see(users, hartlepool, darlington, role):
    """The queryset filter and the single-object rule agree for every role and visibility."""
    user = users[role] or AnonymousUser()
    rows = [(c, v) for c in (hartlepool, darlington) for v in Visibility.values]
    q = access.visible_q(user, council_field="pk", visibility_field="vis")
    for council, visibility in rows:
        annotated = Council.objects.filter(pk=council.pk).annotate(vis=Value(visibility))
        assert annotated.filter(q).exists() is access.can_see(user, council, visibility), (
            council,
            visibility,
        )


SUBMITS = {
    "anonymous": False,
    "officer": True,
    "councillor": False,
    "other_officer": False,
    "sector_staff": True,
    "peer": False,
    "provider": False,
    "political_lead": False,
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", SUBMITS)
def test_submit_rights(users, hartlepool, role):
    user = users[role] or AnonymousUser()
    assert access.can_submit_for(user, hartlepool) is SUBMITS[role]
    if SUBMITS[role]:
        assert access.access_council_for_submit(user, "E06000001") == hartlepool
    else:
        with pytest.raises(PermissionDenied):
            access.access_council_for_submit(user, "E06000001")


@pytest.mark.django_db
def test_unknown_council_is_404(users):
    with pytest.raises(Http404):
        access.access_council_by_gss(users["sector_staff"], "E99999999")


@pytest.mark.django_db
def test_inactive_user_has_no_rights(users, hartlepool):
    officer = users["officer"]
    officer.is_active = False
    access.forget_roles(officer)
    assert not access.can_submit_for(officer, hartlepool)
    assert not access.can_see(officer, hartlepool, Visibility.COUNCIL)


MANAGES_FOOTPRINT = {
    "anonymous": False,
    "officer": True,
    "councillor": False,
    "other_officer": False,
    "sector_staff": True,
    "peer": False,
    "provider": False,
    "political_lead": False,
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", MANAGES_FOOTPRINT)
def test_footprint_management(users, hartlepool, role):
    footprint = services.grouping_create(user=users["officer"], owner=hartlepool, name="Tees")
    region = AreaGrouping.objects.get(slug="region-north-east")
    user = users[role] or AnonymousUser()
    assert access.can_manage_grouping(user, footprint) is MANAGES_FOOTPRINT[role]
    assert access.can_manage_grouping(user, region) is False


@pytest.mark.django_db
def test_only_invited_councils_officer_answers(users, hartlepool, darlington):
    footprint = services.grouping_create(user=users["officer"], owner=hartlepool, name="Tees")
    services.grouping_invite(user=users["officer"], grouping=footprint, council=darlington)
    with pytest.raises(PermissionDenied):
        access.access_invitation_for_answer(users["officer"], footprint.slug, "E06000005")
    membership = access.access_invitation_for_answer(
        users["other_officer"], footprint.slug, "E06000005"
    )
    assert isinstance(membership, GroupingMembership)
    with pytest.raises(Http404):
        access.access_invitation_for_answer(users["other_officer"], footprint.slug, "E06000001")
