"""Writes for the improvement-support marketplace: providers and their offers, councils' reviews,
their moderation and confirmation, and the provider's reply.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from knowledgehub import access
from knowledgehub.models import (
    Offer,
    Provider,
    ProviderKind,
    Review,
    ReviewReply,
    ReviewStatus,
)
from knowledgehub.services.common import _require, _unique_slug
from selfreg.emails import email_send, portal_link
from selfreg.refusals import Refused, refuse_invalid

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
        raise Refused("Choose the council that provides the support.", field="council")
    if not access.can_list_provider_as(user, kind, council):
        raise Refused(PROVIDER_KIND_REFUSED.get(kind, PROVIDER_KIND_REFUSED[""]), field="kind")
    provider = Provider(
        slug=_unique_slug(Provider, name),
        name=name.strip(),
        kind=kind,
        description=description.strip(),
        website=website.strip(),
        council=council,
    )
    refuse_invalid(provider)
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
    refuse_invalid(offer)
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
        raise Refused("The date must be today or in the past.", field="engaged_on")
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
        refuse_invalid(review, exclude=["offer", "council"], validate_unique=False)
        _save_once(review, taken="Your council's review was saved at the same moment.")
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
    refuse_invalid(reply, exclude=["review"])
    _save_once(reply, taken="This review already has a reply.")
    return reply


def _save_once(instance, *, taken: str) -> None:
    """Save ``instance`` in a savepoint of its own: a row that someone saved at the same moment
    breaks a unique constraint, and is refused with ``taken`` rather than an error page, the
    transaction around it still usable."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise Refused(taken) from None


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
