"""Reads that span several models: the marketplace comparison and the hub's queues."""

from collections import defaultdict
from dataclasses import dataclass

from knowledgehub import fair
from knowledgehub.models import Offer, Review, ReviewStatus


@dataclass
class OfferRow:
    offer: Offer
    score: fair.OfferScore
    verified: int

    @property
    def distribution_rows(self):
        """(stars, count) from five stars down, every level shown even at zero."""
        return list(zip(reversed(fair.SCALE), reversed(self.score.distribution), strict=True))


def published_ratings() -> dict[int, list[int]]:
    """Overall ratings of every published review, by offer, across the whole marketplace."""
    ratings: dict[int, list[int]] = defaultdict(list)
    for offer_id, rating in Review.objects.published().values_list("offer_id", "rating"):
        ratings[offer_id].append(rating)
    return ratings


def offer_comparison(*, theme: str = "", price_band: str = "") -> list[OfferRow]:
    """Listed offers, filtered, best fair average first. The fair averages are always
    against the mean of the whole marketplace, whatever the filter."""
    offers = Offer.objects.active().select_related("provider", "theme")
    if theme:
        offers = offers.filter(theme__slug=theme)
    if price_band:
        offers = offers.filter(price_band=price_band)
    offers = {offer.pk: offer for offer in offers}
    ratings = published_ratings()
    everything = {**dict.fromkeys(offers, []), **ratings}
    scores = fair.score_offers(everything)
    verified = defaultdict(int)
    for offer_id in (
        Review.objects.published()
        .filter(offer_id__in=offers, verified_at__isnull=False)
        .values_list("offer_id", flat=True)
    ):
        verified[offer_id] += 1
    return [
        OfferRow(offer=offers[pk], score=scores[pk], verified=verified[pk])
        for pk in fair.ranked({pk: scores[pk] for pk in offers})
    ]


def offer_score(offer: Offer) -> OfferRow:
    ratings = published_ratings()
    everything = {**ratings, offer.pk: ratings.get(offer.pk, [])}
    score = fair.score_offers(everything)[offer.pk]
    verified = Review.objects.published().filter(offer=offer, verified_at__isnull=False).count()
    return OfferRow(offer=offer, score=score, verified=verified)


def reviews_awaiting_moderation():
    return Review.objects.filter(status=ReviewStatus.PENDING).select_related(
        "offer__provider", "council", "author"
    )
