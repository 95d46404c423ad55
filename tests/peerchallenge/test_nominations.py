"""Nominating a peer invites the person; nothing of theirs exists or changes until they accept
(issue #13, finding 7)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from peerchallenge.models import Nomination, NominationStatus, Peer
from selfreg.models import Role, RoleKind, User
from tests.conftest import PASSWORD
from tests.peerchallenge.builders import make_peer

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a long walk by the sea"


def nominate(client, council, email, **extra):
    return client.post(
        reverse("peerchallenge:peer_nominate"),
        {
            "council": council.pk,
            "full_name": "Sam Peer",
            "email": email,
            "sector": "council",
            "role": "senior_officer",
            **extra,
        },
        follow=True,
    )


def link_in(message) -> str:
    return re.search(r"https?://\S+(/peer-challenge/nominations/[^/\s]+/)", message.body)[1]


def roles_of(user):
    return sorted(Role.objects.filter(user=user).values_list("kind", "council_id"))


def test_nominating_someone_with_an_account_changes_nothing_of_theirs(
    client_for, users, hartlepool, django_capture_on_commit_callbacks
):
    """An officer who types an existing person's email adds no role or home council to that
    account: only an invitation is sent."""
    person = users["councillor"]
    before = roles_of(person)
    officer = client_for(users["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = nominate(officer, hartlepool, person.email.upper())
    assert response.status_code == 200
    assert "We have emailed Sam Peer an invitation" in response.text
    assert roles_of(person) == before
    assert not Peer.objects.filter(user=person).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [person.email.lower()]
    nomination = Nomination.objects.get()
    assert nomination.status == NominationStatus.PENDING and nomination.peer is None


def test_a_nomination_does_not_reveal_who_is_in_the_pool(
    client_for, users, hartlepool, django_capture_on_commit_callbacks
):
    """Nominating a pool member and a stranger read the same: no error names the pool."""
    make_peer("E08000007", "chief_exec", user=users["peer"])
    officer = client_for(users["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        in_pool = nominate(officer, hartlepool, users["peer"].email)
        stranger = nominate(officer, hartlepool, "stranger@example.com")
    for response in (in_pool, stranger):
        assert response.status_code == 200
        assert "We have emailed Sam Peer an invitation" in response.text
        assert "peer pool." not in response.text.replace("join the peer pool.", "")
    assert Peer.objects.get(user=users["peer"]).council.gss_code == "E08000007"
    assert len(mail.outbox) == 2


def test_someone_with_an_account_signs_in_and_accepts(
    client, client_for, users, hartlepool, django_capture_on_commit_callbacks
):
    person = users["councillor"]
    with django_capture_on_commit_callbacks(execute=True):
        nominate(client_for(users["officer"]), hartlepool, person.email)
    link = link_in(mail.outbox[0])
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "Sign in as" in page.text
    assert client.post(link, {"answer": "accept"}).status_code == 200  # not signed in: no effect
    assert not Peer.objects.filter(user=person).exists()
    client.post(reverse("login"), {"username": person.email, "password": PASSWORD})
    response = client.post(link, {"answer": "accept"})
    assert response.status_code == 302 and response.url == reverse("peerchallenge:peer_profile")
    peer = Peer.objects.get(user=person)
    assert peer.council == hartlepool and peer.nominated_by == users["officer"]
    assert (RoleKind.PEER, None) in roles_of(person)
    assert client.get(link).status_code == 404  # used once


def test_someone_new_sets_a_password_through_the_invitation(
    client, client_for, users, hartlepool, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        nominate(client_for(users["officer"]), hartlepool, "New.Person@Example.com")
    assert not User.objects.filter(email__iexact="new.person@example.com").exists()
    link = link_in(mail.outbox[0])
    client.logout()
    refused = client.post(
        link, {"answer": "accept", "full_name": "New Person", "password1": NEW_PASSWORD}
    )
    assert refused.status_code == 400 and "The two passwords are not the same" in refused.text
    short = client.post(
        link, {"answer": "accept", "full_name": "New Person", "password1": "a", "password2": "a"}
    )
    assert short.status_code == 400
    assert not User.objects.filter(email__iexact="new.person@example.com").exists()
    response = client.post(
        link,
        {
            "answer": "accept",
            "full_name": "New Person",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    person = User.objects.get(email="new.person@example.com")
    assert person.check_password(NEW_PASSWORD) and person.full_name == "New Person"
    assert Peer.objects.get(user=person).council == hartlepool
    assert client.get(reverse("peerchallenge:peer_profile")).status_code == 200  # signed in


def test_declining_creates_nothing(
    client, client_for, users, hartlepool, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        nominate(client_for(users["officer"]), hartlepool, "no.thanks@example.com")
    link = link_in(mail.outbox[0])
    client.logout()
    response = client.post(link, {"answer": "decline"})
    assert response.status_code == 302
    assert not User.objects.filter(email="no.thanks@example.com").exists()
    assert Nomination.objects.get().status == NominationStatus.DECLINED
    assert client.get(link).status_code == 404


def test_a_link_with_a_wrong_secret_is_not_found(client):
    assert client.get("/peer-challenge/nominations/not-a-real-token/").status_code == 404


def test_staff_see_nominations_waiting_for_an_answer_in_the_pool(
    client_for, users, hartlepool, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        nominate(client_for(users["officer"]), hartlepool, "waiting@example.com")
    pool = client_for(users["sector_staff"]).get(reverse("peerchallenge:peer_list")).text
    assert "Nominations waiting for an answer" in pool and "Sam Peer" in pool
    link = link_in(mail.outbox[0])
    client = client_for(None)
    client.post(link, {"answer": "decline"})
    pool = client_for(users["sector_staff"]).get(reverse("peerchallenge:peer_list")).text
    assert "Sam Peer" not in pool
