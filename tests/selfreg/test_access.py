"""The kernel's access rules, walked with every role."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from selfreg import access, services
from selfreg.models import AreaGrouping, GroupingMembership

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
