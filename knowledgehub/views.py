"""Knowledge Hub pages. Each view translates the request, asks `access` who may act, calls a
service for any write and redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Value
from django.db.models.functions import Greatest
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from benchmarking.renderers import csv_response
from knowledgehub import access, search, selectors, services
from knowledgehub.forms import (
    AttachmentForm,
    CaseStudyForm,
    CommunityForm,
    DecisionForm,
    MarketplaceFilterForm,
    OfferForm,
    ProviderForm,
    ReplyForm,
    ReportForm,
    ReviewForm,
    ReviewReplyForm,
    SearchForm,
    ThreadForm,
)
from knowledgehub.models import (
    CaseStudy,
    CaseStudyState,
    Community,
    Follow,
    MemberStatus,
    Offer,
    PriceBand,
    Report,
    Review,
    ReviewStatus,
    Theme,
)
from selfreg.access import council_ids, is_sector_staff
from selfreg.decorators import sector_staff_required
from selfreg.models import COUNCIL_ROLES, Council, Role, RoleKind
from selfreg.refusals import show_refusal


def _page(request, template, context, form=None):
    status = 400 if form is not None and form.errors else 200
    return render(request, f"knowledgehub/{template}", context, status=status)


def public(view):
    """Marks a page anyone may open; the access module still decides what it shows."""
    view.is_public = True
    return view


# --- hub ------------------------------------------------------------------------------------


@public
def index(request):
    return render(
        request,
        "knowledgehub/index.html",
        {
            "latest": CaseStudy.objects.published()[:3],
            "themes": Theme.objects.all(),
            "search_form": SearchForm(),
            "communities": Community.objects.count(),
            "offers": Offer.objects.active().count(),
        },
    )


# --- library --------------------------------------------------------------------------------


@public
def search_view(request):
    form = SearchForm(request.GET or None)
    hits, searched = [], False
    if form.is_valid():
        data = form.cleaned_data
        queryset = search.filter_case_studies(
            CaseStudy.objects.published(),
            theme=data["theme"],
            council_type=data["council_type"],
            region=data["region"],
        )
        hits = search.search_case_studies(queryset, data["q"])
        searched = True
    else:
        hits = search.search_case_studies(CaseStudy.objects.published(), "")
    mine = []
    if request.user.is_authenticated:
        mine = (
            access.visible_case_studies(request.user)
            .exclude(state=CaseStudyState.PUBLISHED)
            .filter(Q(author=request.user) | Q(councils__in=council_ids(request.user)))
            .distinct()
        )
    return _page(
        request,
        "search.html",
        {
            "form": form,
            "hits": hits,
            "searched": searched,
            "query": form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else "",
            "mine": mine,
            "can_write": access.can_write_case_study(request.user),
            "can_publish": access.can_publish(request.user),
        },
        form,
    )


@public
def case_study(request, pk):
    case_study = access.access_case_study(request.user, pk)
    return render(
        request,
        "knowledgehub/case_study.html",
        {
            "case_study": case_study,
            "councils": case_study.councils.all(),
            "themes": case_study.themes.all(),
            "metrics": case_study.metrics.all(),
            "attachments": case_study.attachments.all(),
            "can_edit": access.can_edit_case_study(request.user, case_study),
            "can_publish": access.can_publish(request.user)
            and case_study.state == CaseStudyState.IN_REVIEW,
        },
    )


def _initial_codes(user) -> str:
    own = council_ids(user, {RoleKind.OFFICER})
    return ", ".join(Council.objects.filter(pk__in=own).values_list("gss_code", flat=True))


@login_required
def case_study_new(request):
    if not access.can_write_case_study(request.user):
        raise PermissionDenied(_("Only council officers and sector staff write case studies."))
    return _case_study_form(request, None)


@login_required
def case_study_edit(request, pk):
    case_study = access.access_case_study_for_edit(request.user, pk)
    return _case_study_form(request, case_study)


def _case_study_form(request, case_study):
    initial = {"council_codes": _initial_codes(request.user)}
    if case_study is not None:
        initial = {
            "kind": case_study.kind,
            "title": case_study.title,
            "summary": case_study.summary,
            "body": case_study.body,
            "outcomes": case_study.outcomes,
            "council_codes": ", ".join(c.gss_code for c in case_study.councils.all()),
            "themes": list(case_study.themes.all()),
            "metric_codes": ", ".join(m.code for m in case_study.metrics.all()),
        }
    form = CaseStudyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with show_refusal(form, fields={"councils": "council_codes"}):
            saved = services.case_study_save(
                user=request.user,
                case_study=case_study,
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                outcomes=data["outcomes"],
                kind=data["kind"],
                councils=data["council_codes"],
                themes=data["themes"],
                metrics=data["metric_codes"],
            )
            messages.success(request, _("Draft saved. Send it for review when it is ready."))
            return redirect(saved)
    return _page(request, "case_study_form.html", {"form": form, "case_study": case_study}, form)


@login_required
@require_POST
def case_study_submit(request, pk):
    case_study = access.access_case_study_for_edit(request.user, pk)
    services.case_study_submit(user=request.user, case_study=case_study)
    messages.success(request, _("Sent for review. Sector staff will publish it or reply."))
    return redirect(case_study)


@sector_staff_required
def review_queue(request):
    return render(
        request,
        "knowledgehub/review_queue.html",
        {
            "case_studies": CaseStudy.objects.filter(state=CaseStudyState.IN_REVIEW),
            "reviews": selectors.reviews_awaiting_moderation(),
            "reports": Report.objects.filter(resolved_at__isnull=True).select_related(
                "post__thread__community", "reported_by"
            ),
        },
    )


@sector_staff_required
def case_study_decide(request, pk):
    case_study = access.access_case_study_for_review(request.user, pk)
    if case_study.state != CaseStudyState.IN_REVIEW:
        raise Http404("This case study is not in review.")
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        publish = form.cleaned_data["decision"] == "publish"
        services.case_study_decide(
            user=request.user,
            case_study=case_study,
            publish=publish,
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Published.") if publish else _("Returned to its authors."))
        return redirect(case_study)
    return _page(request, "case_study_decide.html", {"form": form, "case_study": case_study}, form)


@login_required
def attachment_add(request, pk):
    case_study = access.access_case_study_for_edit(request.user, pk)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with show_refusal(form):
            services.attachment_add(
                user=request.user, case_study=case_study, upload=form.cleaned_data["file"]
            )
            messages.success(request, _("File attached."))
            return redirect(case_study)
    return _page(request, "attachment_form.html", {"form": form, "case_study": case_study}, form)


@public
def attachment(request, pk, attachment_id):
    case_study = access.access_case_study(request.user, pk)
    item = case_study.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404("No file has that number.")
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=item.name, content_type=item.content_type
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- communities ----------------------------------------------------------------------------


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
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with show_refusal(form):
            community = services.community_create(user=request.user, **form.cleaned_data)
            messages.success(request, _("Community created. You are its moderator."))
            return redirect(community)
    return _page(request, "community_form.html", {"form": form}, form)


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
    form = ThreadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with show_refusal(form):
            thread = services.thread_start(
                user=request.user, community=community, **form.cleaned_data
            )
            messages.success(request, _("Conversation started. You follow it."))
            return redirect(thread)
    return _page(request, "thread_form.html", {"form": form, "community": community}, form)


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


# --- marketplace ----------------------------------------------------------------------------


def _marketplace_filter(request):
    """The marketplace's filter form and the theme and price band it asks for ("" for any)."""
    form = MarketplaceFilterForm(request.GET or None)
    if not form.is_valid():
        return form, "", ""
    return form, form.cleaned_data["theme"], form.cleaned_data["price_band"]


@public
def marketplace(request):
    form, theme, price_band = _marketplace_filter(request)
    rows = selectors.offer_comparison(theme=theme, price_band=price_band)
    return _page(
        request,
        "marketplace.html",
        {
            "form": form,
            "rows": rows,
            "can_create_provider": access.can_create_provider(request.user),
            "managed": request.user.managed_providers.all()
            if request.user.is_authenticated
            else [],
            "price_bands": PriceBand,
        },
        form,
    )


MARKETPLACE_CSV_COLUMNS = [
    "offer", "provider", "provider_kind", "theme", "price_band", "delivery_mode", "reviews",
    "fair_average", "plain_average", "verified_engagements",
    *(f"rated_{n}" for n in range(1, 6)),
]  # fmt: skip


@public
def marketplace_csv(request):
    """The comparison as a CSV file, in the same order and with the same filters."""
    _form, theme, price_band = _marketplace_filter(request)
    rows = [
        {
            "offer": row.offer.title,
            "provider": row.offer.provider.name,
            "provider_kind": row.offer.provider.get_kind_display(),
            "theme": row.offer.theme.name,
            "price_band": row.offer.get_price_band_display(),
            "delivery_mode": row.offer.get_delivery_mode_display(),
            "reviews": row.score.count,
            "fair_average": round(row.score.fair, 3) if row.score.count else None,
            "plain_average": round(row.score.mean, 3) if row.score.count else None,
            "verified_engagements": row.verified,
            **{f"rated_{n}": count for n, count in enumerate(row.score.distribution, start=1)},
        }
        for row in selectors.offer_comparison(theme=theme, price_band=price_band)
    ]
    return csv_response(rows, "improvement-support-offers.csv", header=MARKETPLACE_CSV_COLUMNS)


@public
def provider(request, slug):
    provider = access.access_provider(request.user, slug)
    can_manage = access.can_manage_provider(request.user, provider)
    offers = provider.offers.select_related("theme")
    if not can_manage:
        offers = offers.filter(is_active=True)
    return render(
        request,
        "knowledgehub/provider.html",
        {"provider": provider, "offers": offers, "can_manage": can_manage},
    )


@login_required
def provider_new(request):
    if not access.can_create_provider(request.user):
        raise PermissionDenied(
            _("Only providers, council officers and sector staff list providers.")
        )
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with show_refusal(form):
            provider = services.provider_create(
                user=request.user,
                name=data["name"],
                kind=data["kind"],
                description=data["description"],
                website=data["website"],
                council=data["council"],
            )
            messages.success(request, _("Provider listed. Now add its offers."))
            return redirect(provider)
    return _page(request, "provider_form.html", {"form": form}, form)


@login_required
def offer_new(request, slug):
    provider = access.access_provider_for_change(request.user, slug)
    return _offer_form(request, provider, None)


@login_required
def offer_edit(request, pk):
    offer = access.access_offer_for_change(request.user, pk)
    return _offer_form(request, offer.provider, offer)


def _offer_form(request, provider, offer):
    initial = {"is_active": True}
    if offer is not None:
        initial = {name: getattr(offer, name) for name in services.OFFER_FIELDS}
    form = OfferForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with show_refusal(form):
            saved = services.offer_save(
                user=request.user, provider=provider, offer=offer, **form.cleaned_data
            )
            messages.success(request, _("Offer saved."))
            return redirect(saved)
    return _page(
        request, "offer_form.html", {"form": form, "provider": provider, "offer": offer}, form
    )


@public
def offer(request, pk):
    offer = access.access_offer(request.user, pk)
    reviews = list(
        offer.reviews.select_related("council", "reply").filter(status=ReviewStatus.PUBLISHED)
    )
    own = council_ids(request.user)
    own_reviews = (
        offer.reviews.filter(council_id__in=own).exclude(status=ReviewStatus.PUBLISHED)
        if own
        else Review.objects.none()
    )
    runs = access.runs_provider(request.user, offer.provider)
    for review in reviews:
        review.can_verify = access.can_verify(request.user, review, runs=runs)
        review.can_reply = access.can_reply(request.user, review, runs=runs)
    return render(
        request,
        "knowledgehub/offer.html",
        {
            "offer": offer,
            "row": selectors.offer_score(offer),
            "reviews": reviews,
            "own_reviews": own_reviews.select_related("council"),
            "can_review": access.can_review(request.user, offer),
            "can_manage": access.can_manage_provider(request.user, offer.provider),
            "is_staff": is_sector_staff(request.user),
        },
    )


@login_required
def review_write(request, pk):
    offer = access.access_offer_for_review(request.user, pk)
    councils = access.reviewing_councils(request.user, offer)
    existing = Review.objects.filter(offer=offer, council__in=councils).first()
    initial = {}
    if existing is not None:
        initial = {
            "council": existing.council_id,
            "rating": existing.rating,
            "quality": existing.quality,
            "value": existing.value,
            "impact": existing.impact,
            "comment": existing.comment,
            "engaged_on": existing.engaged_on,
        }
    form = ReviewForm(request.POST or None, councils=councils, initial=initial)
    if request.method == "POST" and form.is_valid():
        with show_refusal(form):
            services.review_save(user=request.user, offer=offer, **form.cleaned_data)
            messages.success(
                request,
                _("Thank you. Your review will show once sector staff have checked it."),
            )
            return redirect(offer)
    return _page(
        request,
        "review_form.html",
        {"form": form, "offer": offer, "existing": existing},
        form,
    )


@sector_staff_required
@require_POST
def review_moderate(request, review_id):
    review = access.access_review_for_moderation(request.user, review_id)
    publish = request.POST.get("decision") == "publish"
    services.review_moderate(user=request.user, review=review, publish=publish)
    messages.success(request, _("Review published.") if publish else _("Review not published."))
    return redirect("knowledgehub:review_queue")


@login_required
@require_POST
def review_verify(request, review_id):
    review = access.access_review_for_verification(request.user, review_id)
    services.review_verify(user=request.user, review=review)
    messages.success(request, _("Engagement confirmed."))
    return redirect(review.offer)


@login_required
def review_reply(request, review_id):
    review = access.access_review_for_reply(request.user, review_id)
    form = ReviewReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with show_refusal(form):
            services.review_reply(user=request.user, review=review, body=form.cleaned_data["body"])
            messages.success(request, _("Reply published under the review."))
            return redirect(review.offer)
    return _page(request, "review_reply.html", {"form": form, "review": review}, form)
