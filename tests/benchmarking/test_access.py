"""Benchmarking's access rules (values and uploads), walked with every role."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Value as Literal
from django.http import Http404

from benchmarking import access
from benchmarking.models import Audience, Upload
from selfreg import access as kernel_access
from selfreg.models import Council, Visibility

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
# Who may upload files of values (and write values through the API): officers for their own
# council and sector staff.
UPLOADS = {"officer", "sector_staff", "other_officer"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", SEES)
def test_can_see_value_by_visibility(users, hartlepool, role):
    user = users[role] or AnonymousUser()
    public, sector, council = SEES[role]
    assert access.can_see_value(user, hartlepool, Visibility.PUBLIC) is public
    assert access.can_see_value(user, hartlepool, Visibility.SECTOR) is sector
    assert access.can_see_value(user, hartlepool, Visibility.COUNCIL) is council
    assert access.can_see_value(user, hartlepool, "unknown") is False


@pytest.mark.django_db
@pytest.mark.parametrize("role", SEES)
def test_visible_q_matches_can_see_value(users, hartlepool, darlington, role):
    """The queryset filter and the single-object rule agree for every role and visibility."""
    user = users[role] or AnonymousUser()
    rows = [(c, v) for c in (hartlepool, darlington) for v in Visibility.values]
    q = access.visible_q(user, council_field="pk", visibility_field="vis")
    for council, visibility in rows:
        annotated = Council.objects.filter(pk=council.pk).annotate(vis=Literal(visibility))
        assert annotated.filter(q).exists() is access.can_see_value(user, council, visibility), (
            council,
            visibility,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("role", SEES)
def test_audiences_follow_the_sector_rule(users, role):
    """Whoever may see figures shared with the sector reads the sector's comparisons too."""
    user = users[role] or AnonymousUser()
    sector = SEES[role][1]
    expected = [Audience.PUBLIC, Audience.SECTOR] if sector else [Audience.PUBLIC]
    assert access.audiences_of(user) == expected


@pytest.mark.django_db
def test_inactive_user_sees_no_council_figures(users, hartlepool):
    officer = users["officer"]
    officer.is_active = False
    kernel_access.forget_roles(officer)
    assert not access.can_see_value(officer, hartlepool, Visibility.COUNCIL)


@pytest.mark.django_db
@pytest.mark.parametrize("role", SEES)
def test_who_may_upload_and_write_values(users, role):
    user = users[role] or AnonymousUser()
    assert access.can_upload(user) is (role in UPLOADS)
    assert access.can_submit_values(user) is (role in UPLOADS)
    if role in UPLOADS:
        access.access_uploader(user)
    else:
        with pytest.raises(PermissionDenied):
            access.access_uploader(user)


@pytest.mark.django_db
def test_writable_councils_are_the_officers_own(users, hartlepool):
    assert access.writable_gss_codes(users["officer"]) == {hartlepool.gss_code}
    assert access.writable_gss_codes(users["councillor"]) == set()
    assert hartlepool.gss_code in access.writable_gss_codes(users["sector_staff"])


@pytest.mark.django_db
def test_an_upload_is_seen_by_its_uploader_and_sector_staff_and_confirmed_by_its_uploader(
    users,
):
    upload = Upload.objects.create(original_name="values.csv", uploaded_by=users["officer"])
    assert access.access_upload(users["officer"], upload.pk) == upload
    assert access.access_upload(users["sector_staff"], upload.pk) == upload
    with pytest.raises(Http404):
        access.access_upload(users["other_officer"], upload.pk)
    with pytest.raises(PermissionDenied):
        access.access_upload(users["councillor"], upload.pk)
    assert access.access_upload_for_confirm(users["officer"], upload.pk) == upload
    with pytest.raises(PermissionDenied):
        access.access_upload_for_confirm(users["sector_staff"], upload.pk)
    assert list(access.visible_uploads(users["other_officer"])) == []
