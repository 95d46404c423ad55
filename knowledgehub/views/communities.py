"""Communities of practice: groups, members and requests, threads, replies and moderation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Value
from django.db.models.functions import Greatest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from knowledgehub import access, services
from knowledgehub.forms.communities import CommunityForm, ReplyForm, ReportForm, ThreadForm
from knowledgehub.models import (
    Community,
    Follow,
    MemberStatus,
    Report,
)
from knowledgehub.views import _page
from selfreg.decorators import sector_staff_required
from selfreg.models import COUNCIL_ROLES, Role
from selfreg.refusals import form_page, show_refusal


@login_required
def community_list(request):
    memberships = {m.community_id: m for m in request.user.hub_memberships.all()}
    communities = Community.objects.annotate(
        members=Count("memberships", filter=Q(memberships__status=MemberStatus.MEMBER))
    ).select_related("theme")
    rows = [(c, memberships.get(c.pk)) for c in communities]
    return render(
        request,
        "knowledgehub/community_list.html",
        {"rows": rows, "can_create": access.can_create_community(request.user)},
    )


@sector_staff_required
def community_new(request):
    return form_page(
        request,
        CommunityForm(request.POST or None),
        lambda data: services.community_create(user=request.user, **data),
        template="knowledgehub/community_form.html",
        done=_("Community created. You are its moderator."),
        follow=True,
    )


@login_required
def community(request, slug):
    community = access.access_community(request.user, slug)
    can_read = access.can_read_community(request.user, community)
    is_moderator = access.is_moderator(request.user, community)
    threads = (
        community.threads.annotate(
            replies=Greatest(Count("posts", filter=Q(posts__is_hidden=False)) - 1, Value(0))
        ).select_related("author")
        if can_read
        else []
    )
    return render(
        request,
        "knowledgehub/community.html",
        {
            "community": community,
            "membership": access.membership_of(request.user, community),
            "can_read": can_read,
            "can_post": access.can_post(request.user, community),
            "is_moderator": is_moderator,
            "threads": threads,
            "pending": community.memberships.filter(status=MemberStatus.REQUESTED).count()
            if is_moderator
            else 0,
            "open_reports": Report.objects.filter(
                post__thread__community=community, resolved_at__isnull=True
            ).count()
            if is_moderator
            else 0,
        },
    )


@login_required
@require_POST
def community_join(request, slug):
    community = access.access_community(request.user, slug)
    membership = services.community_join(user=request.user, community=community)
    if membership.status == MemberStatus.MEMBER:
        messages.success(request, _("You have joined %(name)s.") % {"name": community.name})
    else:
        messages.success(
            request, _("You have asked to join. A moderator will decide on your request.")
        )
    return redirect(community)


@login_required
@require_POST
def community_leave(request, slug):
    community = access.access_community(request.user, slug)
    services.community_leave(user=request.user, community=community)
    messages.success(request, _("You have left %(name)s.") % {"name": community.name})
    return redirect(community)


@login_required
def community_members(request, slug):
    community = access.access_community_for_reading(request.user, slug)
    members = community.memberships.filter(status=MemberStatus.MEMBER).select_related("user")
    roles = {}
    for role in Role.objects.filter(
        user__in=[m.user_id for m in members], kind__in=COUNCIL_ROLES
    ).select_related("council"):
        roles.setdefault(role.user_id, []).append(role)
    rows = [(m, roles.get(m.user_id, [])) for m in members]
    return render(
        request, "knowledgehub/community_members.html", {"community": community, "rows": rows}
    )


@login_required
def community_requests(request, slug):
    community = access.access_community_for_moderation(request.user, slug)
    return render(
        request,
        "knowledgehub/community_requests.html",
        {
            "community": community,
            "requests": community.memberships.filter(status=MemberStatus.REQUESTED).select_related(
                "user"
            ),
            "reports": Report.objects.filter(
                post__thread__community=community, resolved_at__isnull=True
            ).select_related("post__thread", "post__author", "reported_by"),
        },
    )


@login_required
@require_POST
def request_decide(request, slug, membership_id):
    membership = access.access_request(request.user, slug, membership_id)
    approve = request.POST.get("decision") == "approve"
    services.membership_decide(user=request.user, membership=membership, approve=approve)
    name = str(membership.user)
    if approve:
        messages.success(request, _("%(name)s is now a member.") % {"name": name})
    else:
        messages.success(request, _("You refused %(name)s's request.") % {"name": name})
    return redirect("knowledgehub:community_requests", slug=slug)


@login_required
@require_POST
def report_dismiss(request, slug, report_id):
    report = access.access_report(request.user, slug, report_id)
    services.report_dismiss(user=request.user, report=report)
    messages.success(request, _("Report dismissed; the post stays."))
    return redirect("knowledgehub:community_requests", slug=slug)


@login_required
def thread_new(request, slug):
    community = access.access_community_for_reading(request.user, slug)
    if not access.can_post(request.user, community):
        raise PermissionDenied(_("Join the group to start a conversation."))
    return form_page(
        request,
        ThreadForm(request.POST or None),
        lambda data: services.thread_start(user=request.user, community=community, **data),
        template="knowledgehub/thread_form.html",
        context={"community": community},
        done=_("Conversation started. You follow it."),
        follow=True,
    )


@login_required
def thread(request, slug, thread_id):
    thread = access.access_thread(request.user, slug, thread_id)
    community = thread.community
    is_moderator = access.is_moderator(request.user, community)
    can_post = access.can_post(request.user, community) and not thread.is_locked
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        if not can_post:
            raise PermissionDenied(_("You cannot reply to this conversation."))
        if form.is_valid():
            with show_refusal(form):
                services.thread_reply(
                    user=request.user, thread=thread, body=form.cleaned_data["body"]
                )
                messages.success(request, _("Reply posted."))
                return redirect(thread)
    posts = thread.posts.select_related("author")
    if not is_moderator:
        posts = posts.filter(is_hidden=False)
    return _page(
        request,
        "thread.html",
        {
            "thread": thread,
            "community": community,
            "posts": posts,
            "form": form,
            "can_post": can_post,
            "is_moderator": is_moderator,
            "following": Follow.objects.filter(thread=thread, user=request.user).exists(),
        },
        form,
    )


@login_required
@require_POST
def thread_follow(request, slug, thread_id):
    thread = access.access_thread(request.user, slug, thread_id)
    follow = request.POST.get("follow") == "on"
    services.follow_set(user=request.user, thread=thread, follow=follow)
    messages.success(
        request,
        _("You follow this conversation: new replies are emailed to you.")
        if follow
        else _("You no longer follow this conversation."),
    )
    return redirect(thread)


@login_required
@require_POST
def thread_lock(request, slug, thread_id):
    thread = access.access_thread_for_moderation(request.user, slug, thread_id)
    locked = request.POST.get("lock") == "on"
    services.thread_lock(user=request.user, thread=thread, locked=locked)
    messages.success(request, _("Conversation locked.") if locked else _("Conversation reopened."))
    return redirect(thread)


@login_required
@require_POST
def post_hide(request, slug, post_id):
    post = access.access_post_for_moderation(request.user, slug, post_id)
    hidden = request.POST.get("hide") == "on"
    services.post_hide(user=request.user, post=post, hidden=hidden)
    messages.success(request, _("Post hidden.") if hidden else _("Post shown again."))
    return redirect(post.thread)


@login_required
def post_report(request, slug, post_id):
    post = access.access_post(request.user, slug, post_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.post_report(user=request.user, post=post, reason=form.cleaned_data["reason"])
        messages.success(request, _("Thank you. The group's moderators will look at the post."))
        return redirect(post.thread)
    return _page(request, "post_report.html", {"form": form, "post": post}, form)
