"""Signed-in pages are not cached, idle sessions end, and HTTPS requests get HSTS."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from selfreg.middleware import SESSION_SEEN_KEY
from tests.conftest import PASSWORD
from tests.factories import UserFactory


@pytest.mark.django_db
def test_signed_in_pages_are_private_and_not_stored(client_for, users):
    client = client_for(users["officer"])
    for url in ("/", "/account/", "/benchmarking/"):
        response = client.get(url)
        assert response.status_code == 200
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url


@pytest.mark.django_db
def test_public_pages_for_anonymous_visitors_may_be_cached(client):
    response = client.get("/")
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_the_answer_to_signing_in_is_private(client):
    user = UserFactory(email="someone@example.com")
    user.set_password(PASSWORD)
    user.save()
    response = client.post("/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_session_in_use_moves_its_expiry_on(client_for, users, settings):
    client = client_for(users["officer"])
    client.get("/account/")
    session = Session.objects.get(session_key=client.session.session_key)
    # The person was last seen long ago and the session is about to end.
    data = session.get_decoded()
    data[SESSION_SEEN_KEY] = 0
    session.session_data = Session.objects.encode(data)
    session.expire_date = timezone.now() + datetime.timedelta(minutes=1)
    session.save()

    assert client.get("/account/").status_code == 200

    session.refresh_from_db()
    left = session.expire_date - timezone.now()
    assert left > datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


@pytest.mark.django_db
def test_an_idle_session_ends(client_for, users, settings):
    assert settings.SESSION_COOKIE_AGE == 60 * 60
    client = client_for(users["officer"])
    assert client.get("/account/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


@pytest.mark.django_db
def test_https_requests_get_strict_transport_security(client):
    secure = client.get("/", headers={"x-forwarded-proto": "https"})
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in client.get("/")
