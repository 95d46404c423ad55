"""Writes in the Knowledge Hub. Each checks who may make it, validates before the first write
and runs in one transaction; side effects (email) are queued on commit."""

import csv
import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from knowledgehub import access, search
from knowledgehub.filetypes import FileRefused, sniff
from knowledgehub.models import (
    Attachment,
    CaseStudy,
    CaseStudyState,
    Community,
    Follow,
    Membership,
    MemberStatus,
    Offer,
    Post,
    Provider,
    ProviderKind,
    Report,
    Review,
    ReviewReply,
    ReviewStatus,
    Theme,
    Thread,
)
from selfreg.emails import email_send, portal_link
from selfreg.jobs import job_enqueue

THEMES_FILE = Path(__file__).resolve().parent / "data" / "themes.csv"


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _unique_slug(model, text: str) -> str:
    base = slugify(text)[:70] or "item"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- themes ---------------------------------------------------------------------------------


def themes_load(*, path: Path = THEMES_FILE) -> tuple[int, int]:
    """Create or update the themes from their file. Returns (created, updated)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    slugs = [row["slug"].strip() for row in rows]
    if len(set(slugs)) != len(slugs) or not all(slugs):
        raise ValueError("Every theme needs its own short name.")
    created = updated = 0
    with transaction.atomic():
        for row in rows:
            values = {
                "name": row["name"].strip(),
                "kind": row["kind"].strip(),
                "order": int(row["order"]),
                "description": row["description"].strip(),
            }
            theme, was_created = Theme.objects.get_or_create(
                slug=row["slug"].strip(), defaults=values
            )
            if was_created:
                created += 1
            elif any(getattr(theme, k) != v for k, v in values.items()):
                Theme.objects.filter(pk=theme.pk).update(**values)
                updated += 1
    return created, updated


# --- good-practice library ------------------------------------------------------------------


def _index(case_study: CaseStudy) -> None:
    if connection.vendor == "postgresql":
        CaseStudy.objects.filter(pk=case_study.pk).update(search_vector=search.document_vector())


CASE_STUDY_FIELDS = ["title", "summary", "body", "outcomes", "kind"]


def case_study_save(
    *,
    user,
    case_study: CaseStudy | None = None,
    title: str,
    summary: str,
    body: str,
    outcomes: str = "",
    kind: str = "case_study",
    councils,
    themes,
    metrics=(),
) -> CaseStudy:
    """Create a draft case study, or change a draft."""
    councils = list(councils)
    if case_study is None:
        _require(access.can_write_case_study(user), "You cannot write case studies.")
        case_study = CaseStudy(author=user)
    else:
        _require(access.can_edit_case_study(user, case_study), "Only a draft can be changed.")
    if not councils:
        raise ValidationError({"councils": "Name at least one council."})
    if not access.councils_for_case_study(user, councils):
        raise ValidationError({"councils": "Include at least one council you work for."})
    case_study.title = title.strip()
    case_study.summary = summary.strip()
    case_study.body = body.strip()
    case_study.outcomes = outcomes.strip()
    case_study.kind = kind
    case_study.full_clean(exclude=["author", "reviewed_by", "search_vector"])
    with transaction.atomic():
        if case_study.pk is None:
            case_study.save()
        else:
            case_study.save(update_fields=[*CASE_STUDY_FIELDS, "updated_at"])
        case_study.councils.set(councils)
        case_study.themes.set(themes)
        case_study.metrics.set(metrics)
        _index(case_study)
    return case_study


def case_study_submit(*, user, case_study: CaseStudy) -> CaseStudy:
    """Send a draft to sector staff for review."""
    _require(access.can_edit_case_study(user, case_study), "Only a draft can be sent for review.")
    with transaction.atomic():
        case_study.state = CaseStudyState.IN_REVIEW
        case_study.save(update_fields=["state", "updated_at"])
    return case_study


def case_study_decide(*, user, case_study: CaseStudy, publish: bool, note: str = "") -> CaseStudy:
    """Sector staff publish a case study in review, or return it to its authors as a draft."""
    _require(access.can_publish(user), "Only sector staff publish case studies.")
    if case_study.state != CaseStudyState.IN_REVIEW:
        raise ValidationError("Only a case study in review can be published or returned.")
    with transaction.atomic():
        case_study.reviewed_by = user
        case_study.review_note = note.strip()
        if publish:
            case_study.state = CaseStudyState.PUBLISHED
            case_study.published_at = timezone.now()
        else:
            case_study.state = CaseStudyState.DRAFT
        # Named fields only: the stored search document is written by _index alone.
        case_study.save(
            update_fields=["reviewed_by", "review_note", "state", "published_at", "updated_at"]
        )
    return case_study


def attachment_add(*, user, case_study: CaseStudy, upload) -> Attachment:
    """Check the whole file by its content, then store it."""
    _require(access.can_edit_case_study(user, case_study), "Only a draft can take attachments.")
    name = Path(upload.name or "").name[:200]
    if upload.size is not None and upload.size > 10 * 1024 * 1024:
        raise ValidationError({"file": "The file must be smaller than 10 MB."})
    content = upload.read()
    try:
        sniffed = sniff(content, name)
    except FileRefused as error:
        raise ValidationError({"file": str(error)}) from None
    with transaction.atomic():
        attachment = Attachment(
            case_study=case_study,
            name=name,
            content_type=sniffed.content_type,
            size=len(content),
            uploaded_by=user,
        )
        # The stored name is ours; the uploader's name is only shown.
        attachment.file.save(f"{case_study.pk}.{sniffed.kind}", ContentFile(content), save=False)
        attachment.save()
    return attachment


# --- communities of practice ----------------------------------------------------------------


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
    community.full_clean()
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
        raise ValidationError("That request has already been decided.")
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
    thread.full_clean()
    post.full_clean(exclude=["thread"])
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
        raise ValidationError("This conversation is locked: no more replies.")
    post = Post(thread=thread, author=user, body=body.strip())
    post.full_clean()
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
    report.full_clean()
    with transaction.atomic():
        report.save()
    return report


def report_dismiss(*, user, report: Report) -> None:
    _require(access.is_moderator(user, report.post.thread.community), "Only moderators decide.")
    with transaction.atomic():
        report.resolved_at = timezone.now()
        report.resolved_by = user
        report.save(update_fields=["resolved_at", "resolved_by"])


# --- marketplace ----------------------------------------------------------------------------


PROVIDER_KIND_REFUSED = {
    ProviderKind.COUNCIL: _(
        "Only the council's own officers or sector staff can list a council as a provider."
    ),
    ProviderKind.SECTOR_BODY: _("Only sector staff can list the sector body."),
    "": _("Only providers and sector staff can list a consultancy or voluntary body."),
}


def provider_create(
    *, user, name: str, kind: str, description: str, website: str = "", council=None
) -> Provider:
    _require(
        access.can_create_provider(user),
        "Only providers, council officers and sector staff list providers.",
    )
    if kind != ProviderKind.COUNCIL:
        council = None  # only a council provider stands for a council
    if kind == ProviderKind.COUNCIL and council is None:
        raise ValidationError({"council": "Choose the council that provides the support."})
    if not access.can_list_provider_as(user, kind, council):
        raise ValidationError({"kind": PROVIDER_KIND_REFUSED.get(kind, PROVIDER_KIND_REFUSED[""])})
    provider = Provider(
        slug=_unique_slug(Provider, name),
        name=name.strip(),
        kind=kind,
        description=description.strip(),
        website=website.strip(),
        council=council,
    )
    provider.full_clean()
    with transaction.atomic():
        provider.save()
        provider.managers.add(user)
    return provider


OFFER_FIELDS = (
    "title",
    "theme",
    "description",
    "delivery_mode",
    "typical_duration",
    "price_band",
    "suits",
    "is_active",
)


def offer_save(*, user, provider: Provider, offer: Offer | None = None, **fields) -> Offer:
    _require(access.can_manage_provider(user, provider), "Only the provider lists its offers.")
    offer = offer or Offer(provider=provider)
    if offer.provider_id != provider.pk:
        raise PermissionDenied("That offer belongs to another provider.")
    for name in OFFER_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(offer, name, value.strip() if isinstance(value, str) else value)
    offer.full_clean()
    with transaction.atomic():
        offer.save()
    return offer


def review_save(
    *,
    user,
    offer: Offer,
    council,
    rating: int,
    quality: int,
    value: int,
    impact: int,
    comment: str,
    engaged_on: datetime.date,
) -> Review:
    """Write a council's review of an offer, or update the one it has. Either way the review
    waits for moderation again, and a confirmation of the engagement stands only for the
    engagement it confirmed."""
    _require(
        access.reviewing_councils(user, offer).filter(pk=council.pk).exists(),
        "You can review only for a council you work for, and not your own offer.",
    )
    if engaged_on > timezone.localdate():
        raise ValidationError({"engaged_on": "The date must be today or in the past."})
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(offer=offer, council=council).first()
        if review is None:
            review = Review(offer=offer, council=council)
        if review.engaged_on and review.engaged_on != engaged_on:
            review.verified_at = None
            review.verified_by = None
        review.author = user
        review.rating, review.quality, review.value, review.impact = rating, quality, value, impact
        review.comment = comment.strip()
        review.engaged_on = engaged_on
        review.status = ReviewStatus.PENDING
        review.moderated_by = None
        review.moderated_at = None
        review.full_clean(exclude=["offer", "council"], validate_unique=False)
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:
            raise ValidationError("Your council's review was saved at the same moment.") from None
    return review


def review_moderate(*, user, review: Review, publish: bool) -> Review:
    """Publish or refuse a review. A published review that has no reply yet is emailed to
    the provider's people, who may answer it."""
    _require(access.can_moderate_reviews(user), "Only sector staff moderate reviews.")
    with transaction.atomic():
        review.status = ReviewStatus.PUBLISHED if publish else ReviewStatus.REJECTED
        review.moderated_by = user
        review.moderated_at = timezone.now()
        review.save(update_fields=["status", "moderated_by", "moderated_at", "updated_at"])
        if publish and not hasattr(review, "reply"):
            _email_review_published(review)
    return review


def _email_review_published(review: Review) -> None:
    offer = review.offer
    email_send(
        subject=gettext("A review of “%(offer)s” is waiting for your reply")
        % {"offer": offer.title},
        body=gettext(
            "%(council)s's review of “%(offer)s” has been published, rated %(rating)s out of 5.\n\n"
            "You may reply to it once, in public: %(link)s"
        )
        % {
            "council": review.council.name,
            "offer": offer.title,
            "rating": review.rating,
            "link": portal_link(reverse("knowledgehub:review_reply", args=[review.pk])),
        },
        to=list(offer.provider.managers.filter(is_active=True).values_list("email", flat=True)),
    )


def review_verify(*, user, review: Review) -> Review:
    _require(access.can_verify(user, review), "You cannot confirm this engagement.")
    with transaction.atomic():
        review.verified_by = user
        review.verified_at = timezone.now()
        review.save(update_fields=["verified_by", "verified_at"])
    return review


def review_reply(*, user, review: Review, body: str) -> ReviewReply:
    _require(access.can_reply(user, review), "The provider may reply once to a review.")
    reply = ReviewReply(review=review, author=user, body=body.strip())
    reply.full_clean(exclude=["review"])
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError:
        raise ValidationError("This review already has a reply.") from None
    return reply
