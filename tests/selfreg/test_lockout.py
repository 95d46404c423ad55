"""Sign-in lock-out counts failures per account and per real client address: behind a proxy,
one person's failures do not lock everyone else out, on the sign-in page or the admin's."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.factories import UserFactory


@pytest.fixture
def one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def fail_five_times(client, url, email, address):
    for _ in range(5):
        response = client.post(
            url,
            {"username": email, "password": "wrong"},
            headers={"x-forwarded-for": address},
        )
    return response


@pytest.mark.django_db
def test_failures_behind_a_proxy_lock_out_only_their_own_client(client, users, one_proxy):
    url = reverse("login")
    locked = fail_five_times(client, url, "officer@example.com", "203.0.113.5")
    assert locked.status_code == 429
    # The same proxy (REMOTE_ADDR), another client behind it: the officer signs in.
    response = client.post(
        url,
        {"username": "officer@example.com", "password": PASSWORD},
        headers={"x-forwarded-for": "198.51.100.7"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(users["officer"].pk)
    # The failing client stays locked out.
    client.logout()
    response = client.post(
        url,
        {"username": "officer@example.com", "password": PASSWORD},
        headers={"x-forwarded-for": "203.0.113.5"},
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_the_admin_sign_in_is_locked_out_the_same_way(client, one_proxy):
    admin = UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    admin.set_password(PASSWORD)
    admin.save()
    url = reverse("admin:login")
    locked = fail_five_times(client, url, admin.email, "203.0.113.5")
    assert locked.status_code == 429
    response = client.post(
        url,
        {"username": admin.email, "password": PASSWORD, "next": "/admin/"},
        headers={"x-forwarded-for": "198.51.100.7"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(client, users, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    url = reverse("login")
    for number in range(5):
        client.post(
            url,
            {"username": "officer@example.com", "password": "wrong"},
            headers={"x-forwarded-for": f"203.0.113.{number}"},
        )
    response = client.post(
        url,
        {"username": "officer@example.com", "password": PASSWORD},
        headers={"x-forwarded-for": "198.51.100.7"},
    )
    assert response.status_code == 429
