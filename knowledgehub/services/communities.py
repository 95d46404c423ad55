"""Writes for communities of practice: groups and their members, threads and replies, following
and the email to followers, and moderation.
"""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from knowledgehub import access
from knowledgehub.models import (
    Community,
    Follow,
    Membership,
    MemberStatus,
    Post,
    Report,
    Thread,
)
from knowledgehub.services.common import _require, _unique_slug
from selfreg.emails import email_send
from selfreg.jobs import job_enqueue
from selfreg.refusals import Refused, refuse_invalid


def community_create(*, user, name: str, description: str, kind: str, theme=None) -> Community:
    _require(access.can_create_community(user), "Only sector staff create communities.")
    community = Community(
        slug=_unique_slug(Community, name),
        name=name.strip(),
        description=description.strip(),
        kind=kind,
        theme=theme,
        created_by=user,
    )
    refuse_invalid(community)
    with transaction.atomic():
        community.save()
        Membership.objects.create(
            community=community, user=user, status=MemberStatus.MEMBER, is_moderator=True
        )
    return community


def community_join(*, user, community: Community) -> Membership:
    """Join an open group, or ask to join a closed one. Joining twice changes nothing."""
    _require(user.is_authenticated, "Sign in to join.")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            community=community,
            user=user,
            defaults={
                "status": MemberStatus.REQUESTED if community.is_closed else MemberStatus.MEMBER
            },
        )
    return membership


def community_leave(*, user, community: Community) -> None:
    with transaction.atomic():
        Membership.objects.filter(community=community, user=user).delete()
        Follow.objects.filter(thread__community=community, user=user).delete()


def membership_decide(*, user, membership: Membership, approve: bool) -> None:
    """A moderator approves or refuses a request to join a closed group."""
    _require(access.is_moderator(user, membership.community), "Only moderators decide.")
    if membership.status != MemberStatus.REQUESTED:
        raise Refused("That request has already been decided.")
    with transaction.atomic():
        if approve:
            membership.status = MemberStatus.MEMBER
            membership.decided_by = user
            membership.save(update_fields=["status", "decided_by"])
        else:
            membership.delete()


def thread_start(*, user, community: Community, title: str, body: str) -> Thread:
    _require(access.can_post(user, community), "Join the group to start a conversation.")
    thread = Thread(community=community, title=title.strip(), author=user)
    post = Post(author=user, body=body.strip())
    refuse_invalid(thread)
    refuse_invalid(post, exclude=["thread"])
    with transaction.atomic():
        thread.save()
        post.thread = thread
        post.save()
        Follow.objects.create(thread=thread, user=user)
    return thread


def thread_reply(*, user, thread: Thread, body: str) -> Post:
    """Add a reply and, once it is saved, email everyone else who follows the thread."""
    _require(access.can_post(user, thread.community), "Join the group to reply.")
    if thread.is_locked:
        raise Refused("This conversation is locked: no more replies.")
    post = Post(thread=thread, author=user, body=body.strip())
    refuse_invalid(post)
    with transaction.atomic():
        post.save()
        Thread.objects.filter(pk=thread.pk).update(last_post_at=post.created_at)
        Follow.objects.get_or_create(thread=thread, user=user)
        job_enqueue("knowledgehub.tasks.notify_followers", post_id=post.pk)
    return post


def post_notify(*, post_id: int) -> int:
    """Email the thread's followers, except the author, about a new reply, once: a second
    run for the same post sends nothing. Returns how many emails were sent."""
    with transaction.atomic():
        post = (
            Post.objects.select_for_update(of=("self",))
            .select_related("thread__community", "author")
            .filter(pk=post_id, notified_at__isnull=True)
            .first()
        )
        if post is None:
            return 0
        post.notified_at = timezone.now()
        post.save(update_fields=["notified_at"])
        if post.is_hidden:
            return 0
        thread = post.thread
        recipients = [
            follow.user
            for follow in Follow.objects.filter(thread=thread)
            .exclude(user_id=post.author_id)
            .select_related("user")
            if follow.user.is_active and access.can_read_community(follow.user, thread.community)
        ]
        # Each email is its own job, retried on its own while the mail server is away.
        for recipient in recipients:
            email_send(
                subject=f"New reply in “{thread.title}”",
                body=render_to_string(
                    "knowledgehub/email/new_reply.txt",
                    {
                        "post": post,
                        "thread": thread,
                        "recipient": recipient,
                        "portal_url": getattr(settings, "PORTAL_URL", ""),
                    },
                ),
                to=[recipient.email],
            )
    return len(recipients)


def follow_set(*, user, thread: Thread, follow: bool) -> None:
    _require(access.can_read_community(user, thread.community), "You cannot follow this.")
    with transaction.atomic():
        if follow:
            Follow.objects.get_or_create(thread=thread, user=user)
        else:
            Follow.objects.filter(thread=thread, user=user).delete()


def thread_lock(*, user, thread: Thread, locked: bool) -> None:
    _require(access.is_moderator(user, thread.community), "Only moderators lock conversations.")
    with transaction.atomic():
        thread.is_locked = locked
        thread.save(update_fields=["is_locked"])


def post_hide(*, user, post: Post, hidden: bool) -> None:
    """Hide a post (or show it again). Hiding settles every open report about it."""
    _require(access.is_moderator(user, post.thread.community), "Only moderators hide posts.")
    with transaction.atomic():
        post.is_hidden = hidden
        post.hidden_by = user if hidden else None
        post.save(update_fields=["is_hidden", "hidden_by"])
        if hidden:
            post.reports.filter(resolved_at__isnull=True).update(
                resolved_at=timezone.now(), resolved_by=user
            )


def post_report(*, user, post: Post, reason: str) -> Report:
    _require(access.can_read_community(user, post.thread.community), "You cannot report this post.")
    report = Report(post=post, reported_by=user, reason=reason.strip())
    refuse_invalid(report)
    with transaction.atomic():
        report.save()
    return report


def report_dismiss(*, user, report: Report) -> None:
    _require(access.is_moderator(user, report.post.thread.community), "Only moderators decide.")
    with transaction.atomic():
        report.resolved_at = timezone.now()
        report.resolved_by = user
        report.save(update_fields=["resolved_at", "resolved_by"])
