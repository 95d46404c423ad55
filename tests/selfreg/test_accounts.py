"""Accounts: sign-up with a confirmed address, password reset, signing out everywhere,
two-factor sign-in, requests for a role and who decides them, API tokens and their scope."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from selfreg import access
from selfreg import settings as portal_settings
from selfreg.accounts import services
from selfreg.models import ApiToken, Role, RoleKind, RoleRequest, RoleRequestStatus, User
from selfreg.tokens import api_token_create
from tests.conftest import DARLINGTON, HARTLEPOOL, PASSWORD, sign_in_fully
from tests.factories import RoleFactory, UserFactory, council

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    """The sign-up and reset limits count in the cache; each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


SIGN_UP = {"full_name": "Nia New", "email": "nia@example.com", "password": PASSWORD}


def signs_in(client, email, password=PASSWORD) -> bool:
    """Through the sign-in page, as a person would."""
    response = client.post(reverse("login"), {"username": email, "password": password})
    return response.status_code == 302


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body)[0]


def sign_up(client, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("signup"), {**SIGN_UP, **data})


def test_sign_up_makes_an_account_that_works_once_its_address_is_confirmed(
    client, django_capture_on_commit_callbacks
):
    response = sign_up(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response.url == reverse("signup_sent")
    user = User.objects.get(email="nia@example.com")
    assert not user.is_active
    assert not signs_in(client, "nia@example.com")
    (message,) = mail.outbox
    assert message.to == ["nia@example.com"]
    link = link_in(message)
    assert client.get(link).url == reverse("login")
    user.refresh_from_db()
    assert user.is_active
    assert client.get(link).status_code == 400  # a link works once
    assert signs_in(client, "nia@example.com")


def test_sign_up_with_a_known_address_looks_the_same_and_changes_nothing(
    client, users, django_capture_on_commit_callbacks
):
    officer = users["officer"]
    password_before = officer.password
    response = sign_up(client, django_capture_on_commit_callbacks, email=officer.email)
    assert response.status_code == 302
    assert response.url == reverse("signup_sent")
    officer.refresh_from_db()
    assert officer.password == password_before
    (message,) = mail.outbox
    assert message.to == [officer.email]
    assert "already has one" in message.body
    assert "/account/sign-up/confirm/" not in message.body


def test_sign_up_checks_the_password_and_writes_nothing_on_bad_input(client):
    response = client.post(reverse("signup"), {**SIGN_UP, "password": "12345678"})
    assert response.status_code == 200
    assert "entirely numeric" in response.text
    assert not User.objects.filter(email="nia@example.com").exists()


def test_a_closed_account_is_not_opened_again_by_signing_up(
    client, django_capture_on_commit_callbacks
):
    closed = UserFactory(email="gone@example.com", is_active=False)
    User.objects.filter(pk=closed.pk).update(last_login="2025-01-01T00:00Z")
    sign_up(client, django_capture_on_commit_callbacks, email="gone@example.com")
    assert mail.outbox == []
    closed.refresh_from_db()
    assert not closed.is_active


def test_sign_up_and_reset_are_limited_per_address_and_per_email(
    client, settings, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_LIMIT_PER_ADDRESS = "3/3600"
    settings.ACCOUNT_LIMIT_PER_EMAIL = "2/3600"
    codes = [
        sign_up(client, django_capture_on_commit_callbacks, email="same@example.com").status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]
    assert len(mail.outbox) == 2
    # The address has had its three: a reset for an unknown email is refused as well.
    response = client.post(reverse("password_reset"), {"email": "someone@example.com"})
    assert response.status_code == 429
    assert "Try again in" in response.text


def test_password_reset_says_the_same_for_any_address_and_emails_only_accounts(
    client, users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
        known = client.post(reverse("password_reset"), {"email": "officer@example.com"})
    assert unknown.status_code == known.status_code == 302
    assert unknown.url == known.url == reverse("password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["officer@example.com"]
    link = link_in(message)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.text
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert done.url == reverse("password_reset_complete")
    assert signs_in(client, "officer@example.com", "a-new-long-passphrase")


def test_sign_out_everywhere_ends_every_session_of_the_user(client, users):
    from django.test import Client

    officer = users["officer"]
    elsewhere = Client()
    elsewhere.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    other_person = Client()
    other_person.force_login(users["councillor"], "django.contrib.auth.backends.ModelBackend")
    sign_in_fully(client, officer)
    assert elsewhere.get(reverse("account")).status_code == 200

    response = client.post(reverse("sign_out_everywhere"))
    assert response.url == reverse("login")
    assert client.get(reverse("account")).status_code == 302
    assert elsewhere.get(reverse("account")).status_code == 302
    assert other_person.get(reverse("account")).status_code == 200
    officer_sessions = [
        s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(officer.pk)
    ]
    assert officer_sessions == []


def code_for(device, drift=0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=drift):06d}"


def test_sector_staff_without_two_factor_are_sent_to_set_it_up(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below does not hold up the right
    staff = UserFactory(email="new.staff@example.com")
    RoleFactory(user=staff, kind=RoleKind.SECTOR_STAFF, council=None)
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("earlywarning:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor_enrol"))
    assert client.get("/api/v1/councils/").status_code == 403

    page = client.get(response.url)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    wrong = client.post(response.url, {"code": "000000", "next": "/early-warning/"})
    assert wrong.status_code == 400
    right = client.post(response.url, {"code": code_for(device), "next": "/early-warning/"})
    assert right.url == "/early-warning/"
    assert client.get("/early-warning/").status_code == 200


def test_a_staff_sign_in_asks_for_the_code_before_anything_else(client, users, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    staff = users["sector_staff"]
    device = TOTPDevice.objects.get(user=staff)
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/early-warning/")
    assert response.url.startswith(reverse("two_factor_verify"))
    # Setting up a new app does not get round the code.
    assert client.get(reverse("two_factor_enrol")).url.startswith(reverse("two_factor_verify"))
    assert client.post(reverse("two_factor_verify"), {"code": "123456"}).status_code == 400
    verified = client.post(
        reverse("two_factor_verify"), {"code": code_for(device), "next": "/early-warning/"}
    )
    assert verified.url == "/early-warning/"
    assert client.get("/early-warning/").status_code == 200


@pytest.mark.parametrize("who", ["site_admin", "council_admin"])
def test_administrators_need_two_factor_too(client, who):
    person = UserFactory(email=f"{who}@example.com", is_staff=who == "site_admin")
    if who == "council_admin":
        RoleFactory(user=person, kind=RoleKind.COUNCIL_ADMIN, council=council(HARTLEPOOL))
    assert access.needs_two_factor(person)
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("account")).url.startswith(reverse("two_factor_enrol"))


def test_officers_do_not_need_two_factor(client, users):
    assert not access.needs_two_factor(users["officer"])
    client.force_login(users["officer"], backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("account")).status_code == 200


def test_passwords_are_kept_as_argon2_and_older_hashes_are_rewritten_at_sign_in(client, settings):
    """The portal's own hashers, not the tests' fast one: a sign-in through the form with a
    password kept by PBKDF2 succeeds and leaves it kept by Argon2."""
    settings.PASSWORD_HASHERS = portal_settings.PASSWORD_HASHERS
    person = UserFactory(email="older.hash@example.com")
    person.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    person.save()
    signed_in = client.post(reverse("login"), {"username": person.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.session[SESSION_KEY] == str(person.pk)
    person.refresh_from_db()
    assert person.password.startswith("argon2$argon2id$")
    assert person.check_password(PASSWORD)


@pytest.fixture
def hartlepool_admin(db):
    person = UserFactory(email="ha.admin@example.com")
    RoleFactory(user=person, kind=RoleKind.COUNCIL_ADMIN, council=council(HARTLEPOOL))
    return person


@pytest.fixture
def darlington_admin(db):
    person = UserFactory(email="da.admin@example.com")
    RoleFactory(user=person, kind=RoleKind.COUNCIL_ADMIN, council=council(DARLINGTON))
    return person


def ask(user, kind=RoleKind.OFFICER, gss=HARTLEPOOL):
    return services.role_request_create(
        user=user, kind=kind, council=council(gss), site="http://testserver/"
    )


def test_a_role_request_emails_the_council_admin_and_approval_grants_the_role(
    hartlepool_admin, darlington_admin, django_capture_on_commit_callbacks
):
    asker = UserFactory(email="asker@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        role_request = ask(asker)
    assert [m.to for m in mail.outbox] == [["ha.admin@example.com"]]
    assert role_request.get_absolute_url() in mail.outbox[0].body
    assert list(access.decidable_role_requests(darlington_admin)) == []
    assert list(access.decidable_role_requests(hartlepool_admin)) == [role_request]

    with pytest.raises(PermissionDenied):
        services.role_request_decide(
            user=darlington_admin, role_request=role_request, approve=True, site=""
        )
    assert not Role.objects.filter(user=asker).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.role_request_decide(
            user=hartlepool_admin, role_request=role_request, approve=True, site=""
        )
    assert Role.objects.filter(user=asker, kind=RoleKind.OFFICER, council__gss_code=HARTLEPOOL)
    assert mail.outbox[-1].to == ["asker@example.com"]
    with pytest.raises(services.AccountError):
        services.role_request_decide(
            user=hartlepool_admin, role_request=role_request, approve=False, site=""
        )


def test_only_sector_staff_decide_who_becomes_a_council_admin(users, hartlepool_admin):
    role_request = ask(users["officer"], kind=RoleKind.COUNCIL_ADMIN)
    assert not access.can_decide_role_request(hartlepool_admin, role_request)
    assert access.can_decide_role_request(users["sector_staff"], role_request)
    own = ask(hartlepool_admin, kind=RoleKind.COUNCILLOR)
    assert not access.can_decide_role_request(hartlepool_admin, own)


def test_a_refusal_grants_nothing_and_a_second_request_waits_for_the_first(users):
    asker = UserFactory(email="asker@example.com")
    role_request = ask(asker)
    with pytest.raises(services.AccountError):
        ask(asker)
    services.role_request_decide(
        user=users["sector_staff"], role_request=role_request, approve=False, site=""
    )
    assert RoleRequest.objects.get().status == RoleRequestStatus.REFUSED
    assert not Role.objects.filter(user=asker).exists()
    with pytest.raises(services.AccountError):
        ask(users["officer"])  # already holds it


def test_an_admin_of_another_council_is_refused_the_decision_page(
    client, darlington_admin, hartlepool_admin
):
    role_request = ask(UserFactory(email="asker@example.com"))
    url = reverse("role_request_detail", args=[role_request.pk])
    sign_in_fully(client, darlington_admin)
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "approve"}).status_code == 403
    assert RoleRequest.objects.get().status == RoleRequestStatus.PENDING
    sign_in_fully(client, hartlepool_admin)
    assert client.get(url).status_code == 200
    assert client.post(url, {"decision": "approve"}).status_code == 302
    assert RoleRequest.objects.get().status == RoleRequestStatus.APPROVED


def test_the_account_page_of_an_administrator_links_to_the_admin(client):
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    page = sign_in_fully(client, admin).get(reverse("account")).text
    assert reverse("admin:index") in page
    assert "You have no roles yet" not in page


def post_values(key, gss):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    rows = [{"gss_code": gss, "metric_code": "x", "period": "2024", "value": "1"}]
    return api.post("/api/v1/values/", rows, format="json")


def test_a_token_is_made_on_the_page_shown_once_and_stored_hashed(client, users):
    officer = users["officer"]
    response = client_post_token(client, officer, scope=HARTLEPOOL)
    key = re.search(r'id="new-token"[^>]*>([^<]+)<', response.text)[1]
    token = ApiToken.objects.get(user=officer)
    assert token.council.gss_code == HARTLEPOOL and not token.read_only
    stored = " ".join(str(v) for v in ApiToken.objects.values_list(flat=False)[0])
    assert key not in stored and key.split(".", 1)[1] not in stored
    assert key not in client.get(reverse("api_tokens")).text


def client_post_token(client, user, scope):
    sign_in_fully(client, user)
    return client.post(reverse("api_tokens"), {"name": "Upload script", "scope": scope})


def test_a_token_writes_no_more_than_its_scope(users, hartlepool):
    staff = users["sector_staff"]
    _t, read_only = api_token_create(user=staff, name="r", read_only=True)
    _t, hartlepool_only = api_token_create(user=staff, name="h", council=hartlepool)
    _t, everything = api_token_create(user=staff, name="a")
    assert post_values(read_only, HARTLEPOOL).status_code == 403
    # Each row names an unknown measure, so nothing is written; what matters is whether the
    # council is also refused.
    refused = post_values(hartlepool_only, DARLINGTON)
    assert refused.status_code == 400
    assert "You cannot submit data for 'E06000005'" in refused.text
    assert "You cannot submit data" not in post_values(hartlepool_only, HARTLEPOOL).text
    assert "You cannot submit data" not in post_values(everything, DARLINGTON).text


def test_a_token_of_an_officer_offers_only_their_councils(client, users):
    sign_in_fully(client, users["officer"])
    page = client.get(reverse("api_tokens")).text
    assert "submit data for Hartlepool" in page
    assert "Darlington" not in page
    bad = client.post(reverse("api_tokens"), {"name": "x", "scope": DARLINGTON})
    assert bad.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it_and_only_its_owner_may(client, users):
    token, key = api_token_create(user=users["officer"], name="old")
    url = reverse("api_token_revoke", args=[token.pk])
    assert sign_in_fully(client, users["other_officer"]).post(url).status_code == 404
    assert sign_in_fully(client, users["officer"]).post(url).status_code == 302
    assert not ApiToken.objects.exists()
    assert post_values(key, HARTLEPOOL).status_code == 401


def test_after_a_wrong_code_the_next_waits_and_the_page_says_so(client, users):
    staff = users["sector_staff"]
    device = TOTPDevice.objects.get(user=staff)
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    client.post(reverse("two_factor_verify"), {"code": "123456"})
    held = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert held.status_code == 400
    assert "Wait a few seconds" in held.text
    assert client.get("/early-warning/").status_code == 302
