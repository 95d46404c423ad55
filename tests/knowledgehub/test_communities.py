"""Communities of practice: joining, posting, following with email, moderation, safety."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from knowledgehub import access, services
from knowledgehub.models import Follow, Membership, MemberStatus, Post, Report
from selfreg.refusals import Refused
from tests.factories import RoleFactory, UserFactory
from tests.inert import assert_inert
from tests.knowledgehub import helpers

XSS = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
XSS_MARKDOWN = (
    "<script>alert(1)</script> [x](javascript:alert(1)) <svg onload=alert(1)> "
    '<a href="javascript:alert(1)">y</a> [d](data:text/html,<script>alert(1)</script>)'
)


@pytest.fixture
def open_group(users):
    return helpers.community(users["sector_staff"])


@pytest.fixture
def closed_group(users):
    return helpers.community(users["sector_staff"], kind="closed", name="Chief executives")


@pytest.mark.parametrize("role", ["officer", "councillor", "other_officer", "peer", "provider"])
def test_only_sector_staff_create_communities(users, role):
    with pytest.raises(PermissionDenied):
        helpers.community(users[role])


def test_creator_moderates(users, open_group):
    membership = Membership.objects.get(community=open_group)
    assert membership.user == users["sector_staff"]
    assert membership.is_moderator


def test_joining_an_open_group_is_immediate_and_idempotent(users, open_group):
    services.community_join(user=users["officer"], community=open_group)
    services.community_join(user=users["officer"], community=open_group)
    membership = Membership.objects.get(community=open_group, user=users["officer"])
    assert membership.status == MemberStatus.MEMBER
    assert access.can_post(users["officer"], open_group)


def test_closed_group_needs_a_moderator_to_approve(users, closed_group):
    request = services.community_join(user=users["officer"], community=closed_group)
    assert request.status == MemberStatus.REQUESTED
    assert not access.can_read_community(users["officer"], closed_group)
    assert not access.can_post(users["officer"], closed_group)
    for role in ["officer", "councillor", "other_officer", "peer", "provider"]:
        with pytest.raises(PermissionDenied):
            services.membership_decide(user=users[role], membership=request, approve=True)
    services.membership_decide(user=users["sector_staff"], membership=request, approve=True)
    assert access.can_read_community(users["officer"], closed_group)


def test_a_group_moderator_who_is_not_staff_can_approve(users, closed_group):
    moderator = UserFactory(email="mod@example.com")
    Membership.objects.create(
        community=closed_group, user=moderator, status=MemberStatus.MEMBER, is_moderator=True
    )
    request = services.community_join(user=users["officer"], community=closed_group)
    services.membership_decide(user=moderator, membership=request, approve=False)
    assert not Membership.objects.filter(pk=request.pk).exists()


def test_closed_group_threads_and_directory_are_for_members(users, closed_group, client_for):
    thread = services.thread_start(
        user=users["sector_staff"], community=closed_group, title="Private", body="Members only"
    )
    client = client_for(users["officer"])
    assert client.get(thread.get_absolute_url()).status_code == 403
    assert (
        client.get(reverse("knowledgehub:community_members", args=[closed_group.slug])).status_code
        == 403
    )
    page = client.get(closed_group.get_absolute_url()).content.decode()
    assert "Private" not in page
    assert "Ask to join" in page


def test_posting_needs_membership(users, open_group):
    with pytest.raises(PermissionDenied):
        services.thread_start(user=users["officer"], community=open_group, title="t", body="b")
    services.community_join(user=users["officer"], community=open_group)
    thread = services.thread_start(
        user=users["officer"], community=open_group, title="Council tax support", body="Ideas?"
    )
    assert Follow.objects.filter(thread=thread, user=users["officer"]).exists()


def test_member_directory_lists_members_with_their_councils(users, open_group, client_for):
    services.community_join(user=users["officer"], community=open_group)
    services.community_join(user=users["councillor"], community=open_group)
    page = client_for(users["councillor"]).get(
        reverse("knowledgehub:community_members", args=[open_group.slug])
    )
    text = page.content.decode()
    assert str(users["officer"]) in text
    assert "Council officer, Hartlepool" in text
    assert "Moderator" in text


def test_reply_emails_the_other_followers_once(
    users, open_group, client_for, django_capture_on_commit_callbacks
):
    for role in ["officer", "councillor", "other_officer"]:
        services.community_join(user=users[role], community=open_group)
    thread = services.thread_start(
        user=users["officer"], community=open_group, title="Budget consultation", body="How?"
    )
    services.follow_set(user=users["councillor"], thread=thread, follow=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(users["other_officer"]).post(
            thread.get_absolute_url(), {"body": "We use a simulator."}
        )
    assert response.status_code == 302
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["councillor@example.com", "officer@example.com"]
    assert "Budget consultation" in mail.outbox[0].subject
    assert "We use a simulator." in mail.outbox[0].body
    # The replier now follows; a second run of the job sends nothing.
    assert Follow.objects.filter(thread=thread, user=users["other_officer"]).exists()
    post = Post.objects.filter(thread=thread).last()
    assert services.post_notify(post_id=post.pk) == 0
    assert len(mail.outbox) == 2


def test_unfollowing_stops_the_emails(users, open_group, django_capture_on_commit_callbacks):
    services.community_join(user=users["officer"], community=open_group)
    services.community_join(user=users["councillor"], community=open_group)
    thread = services.thread_start(
        user=users["officer"], community=open_group, title="Topic", body="Start"
    )
    services.follow_set(user=users["officer"], thread=thread, follow=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_reply(user=users["councillor"], thread=thread, body="Reply")
    assert mail.outbox == []


def test_moderators_lock_hide_and_handle_reports(users, open_group, client_for):
    services.community_join(user=users["officer"], community=open_group)
    services.community_join(user=users["councillor"], community=open_group)
    thread = services.thread_start(
        user=users["officer"], community=open_group, title="Topic", body="Rude words"
    )
    post = thread.posts.get()
    report = services.post_report(user=users["councillor"], post=post, reason="Rude")
    # A member who is not a moderator cannot hide or lock.
    with pytest.raises(PermissionDenied):
        services.post_hide(user=users["councillor"], post=post, hidden=True)
    with pytest.raises(PermissionDenied):
        services.thread_lock(user=users["councillor"], thread=thread, locked=True)
    services.post_hide(user=users["sector_staff"], post=post, hidden=True)
    report.refresh_from_db()
    assert report.resolved_by == users["sector_staff"]
    page = client_for(users["councillor"]).get(thread.get_absolute_url()).content.decode()
    assert "Rude words" not in page
    services.thread_lock(user=users["sector_staff"], thread=thread, locked=True)
    thread.refresh_from_db()
    with pytest.raises(Refused):
        services.thread_reply(user=users["officer"], thread=thread, body="More")
    response = client_for(users["officer"]).post(thread.get_absolute_url(), {"body": "More"})
    assert response.status_code == 403


def test_report_form_records_a_report(users, open_group, client_for):
    services.community_join(user=users["officer"], community=open_group)
    thread = services.thread_start(
        user=users["officer"], community=open_group, title="Topic", body="Text"
    )
    post = thread.posts.get()
    response = client_for(users["peer"]).post(
        reverse("knowledgehub:post_report", args=[open_group.slug, post.pk]),
        {"reason": "Off topic"},
    )
    assert response.status_code == 302
    assert Report.objects.get().reason == "Off topic"


def test_attack_strings_in_group_thread_and_post_are_inert(users, client_for):
    staff = users["sector_staff"]
    group = services.community_create(user=staff, name=XSS, description=XSS_MARKDOWN, kind="open")
    thread = services.thread_start(user=staff, community=group, title=XSS, body=XSS_MARKDOWN)
    services.post_report(user=staff, post=thread.posts.get(), reason=XSS)
    viewer = UserFactory(email="viewer@example.com")
    RoleFactory(user=viewer, kind="peer", council=None)
    services.community_join(user=viewer, community=group)
    for user in [staff, viewer]:
        client = client_for(user)
        for url in [
            reverse("knowledgehub:community_list"),
            group.get_absolute_url(),
            thread.get_absolute_url(),
            reverse("knowledgehub:community_members", args=[group.slug]),
            reverse("knowledgehub:community_requests", args=[group.slug]),
            reverse("knowledgehub:review_queue"),
        ]:
            response = client.get(url)
            if response.status_code == 403:
                continue
            assert response.status_code == 200, url
            html = response.content.decode()
            assert_inert(html, page=True)
            assert "<script>alert" not in html
