import pytest
from django.urls import reverse

from selfreg.models import AreaGrouping, GroupingKind, MembershipStatus
from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_home_and_hartlepool_from_real_register(client):
    assert "Find a council" in client.get("/").content.decode()
    page = client.get("/councils/E06000001/").content.decode()
    assert '<h1 class="govuk-heading-xl">Hartlepool</h1>' in page
    assert "93,836" in page
    assert "North East" in page


@pytest.mark.django_db
def test_unknown_gss_code_is_a_govuk_404(client):
    response = client.get("/councils/E99999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert "govuk-heading-xl" in body
    assert "Traceback" not in body


@pytest.mark.django_db
def test_council_search_filters_and_counts(client):
    body = client.get("/councils/", {"q": "hartle"}).content.decode()
    assert "1 council found" in body
    body = client.get("/councils/", {"kind": "CTY"}).content.decode()
    assert "21 councils found" in body  # current English county councils
    body = client.get("/councils/", {"kind": "CTY", "include_former": "on"}).content.decode()
    assert "27 councils found" in body
    assert "Former" in body


@pytest.mark.django_db
def test_former_council_page_names_its_successors(client):
    body = client.get("/councils/E07000026/").content.decode()  # Allerdale
    assert "This council no longer exists" in body
    assert "Cumberland" in body


@pytest.mark.django_db
def test_county_page_lists_districts(client):
    body = client.get("/councils/E10000016/").content.decode()
    assert "District councils in this county" in body
    assert "Maidstone" in body


@pytest.mark.django_db
def test_footprint_journey(client_for, users, hartlepool, darlington):
    officer = client_for(users["officer"])
    response = officer.post(
        reverse("grouping_create"),
        {"owner": hartlepool.pk, "name": "Tees Valley partners", "description": "Sub-region"},
    )
    grouping = AreaGrouping.objects.get(name="Tees Valley partners")
    assert response.status_code == 302
    assert grouping.kind == GroupingKind.FOOTPRINT
    assert grouping.owner == hartlepool

    response = officer.post(reverse("grouping_invite", args=[grouping.slug]), {"gss_code": "XX"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert body.count("Choose a council from the list") == 2  # summary and field
    assert '<option value="E06000005">Darlington</option>' in body  # chosen by name

    officer.post(reverse("grouping_invite", args=[grouping.slug]), {"gss_code": "e06000005"})
    invitation = grouping.memberships.get(council=darlington)
    assert invitation.status == MembershipStatus.INVITED

    other = client_for(users["other_officer"])
    assert grouping.slug in other.get(reverse("account")).content.decode()
    other.post(
        reverse("invitation_answer", args=[grouping.slug, "E06000005"]), {"answer": "accept"}
    )
    invitation.refresh_from_db()
    assert invitation.status == MembershipStatus.MEMBER
    assert "Darlington" in client_for(None).get(grouping.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_owner_cannot_be_removed_and_others_cannot_manage(client_for, users, hartlepool):
    officer = client_for(users["officer"])
    officer.post(reverse("grouping_create"), {"owner": hartlepool.pk, "name": "Mine"})
    grouping = AreaGrouping.objects.get(name="Mine")
    officer.post(reverse("grouping_remove", args=[grouping.slug, "E06000001"]))
    assert grouping.memberships.filter(council=hartlepool).exists()
    other = client_for(users["other_officer"])
    response = other.post(
        reverse("grouping_invite", args=[grouping.slug]), {"gss_code": "E06000005"}
    )
    assert response.status_code == 403
    assert not grouping.memberships.filter(council__gss_code="E06000005").exists()


@pytest.mark.django_db
def test_sign_in_and_lockout_after_five_failures(client, users):
    url = reverse("login")
    for _ in range(4):
        response = client.post(url, {"username": "officer@example.com", "password": "wrong"})
        assert response.status_code == 200
        body = response.content.decode()
        assert "There is a problem" in body
        assert "Enter a correct email address and password" in body
    response = client.post(url, {"username": "officer@example.com", "password": "wrong"})
    assert response.status_code == 429
    assert "You are locked out" in response.content.decode()
    # Even the right password is refused while locked out.
    response = client.post(url, {"username": "officer@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_in_with_email(client, users):
    response = client.post(
        reverse("login"), {"username": "officer@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("account")).status_code == 200


@pytest.mark.django_db
def test_no_stack_trace_reaches_users(client, settings, monkeypatch):
    """An unexpected error shows the service's 500 page, never a traceback."""
    from selfreg import views

    def broken(*args, **kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(views.access, "access_council_by_gss", broken)
    client.raise_request_exception = False
    response = client.get("/councils/E06000001/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Sorry, there is a problem with the service" in body
    assert "database exploded" not in body
    assert "Traceback" not in body


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()


@pytest.mark.django_db
def test_council_self_assessment_address_leads_to_its_overview(client):
    response = client.get("/councils/E06000001/self-assessment/")
    assert response.status_code == 302
    assert response.url == reverse("assessment:overview", args=["E06000001"])


@pytest.mark.django_db
def test_pages_carry_a_print_stylesheet(client):
    assert 'css/print.css" media="print"' in client.get("/").content.decode()
