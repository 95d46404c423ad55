"""Fair averages of review ratings: a Bayesian average pulled toward the marketplace mean.

A plain average lets one enthusiastic five-star review beat forty reviews averaging 4.6. The
fair average treats every offer as if it started with `prior_weight` imaginary reviews at
the marketplace mean, then adds its real reviews:

    fair = (prior_weight * marketplace_mean + sum of ratings) / (prior_weight + n)

With few reviews an offer sits near the marketplace mean; as reviews accumulate its own
average takes over. `docs/method/fair-average.md` works through examples.

Pure: plain numbers in, plain numbers out.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SCALE = (1, 2, 3, 4, 5)
# Five imaginary reviews: about what the typical offer gathers in its first year. Large
# enough that a single review cannot top the table, small enough that ten reviews speak
# mostly for themselves.
PRIOR_WEIGHT = 5.0
# With no reviews anywhere, the middle of the scale stands in for the marketplace mean.
EMPTY_MEAN = 3.0


@dataclass(frozen=True)
class OfferScore:
    count: int
    mean: float | None  # the plain average of its own reviews, None with no reviews
    fair: float  # the fair average
    distribution: tuple[int, int, int, int, int]  # how many reviews gave 1, 2, 3, 4, 5


def check_rating(rating: int) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in SCALE:
        raise ValueError(f"A rating is a whole number from 1 to 5, not {rating!r}.")
    return rating


def marketplace_mean(ratings_by_offer: Mapping[object, Iterable[int]]) -> float:
    """The mean of every review in the marketplace (each review counts once)."""
    total = count = 0
    for ratings in ratings_by_offer.values():
        for rating in ratings:
            total += check_rating(rating)
            count += 1
    return total / count if count else EMPTY_MEAN


def fair_average(
    ratings: Iterable[int], *, prior_mean: float, prior_weight: float = PRIOR_WEIGHT
) -> float:
    if prior_weight < 0:
        raise ValueError("The prior weight cannot be negative.")
    ratings = [check_rating(r) for r in ratings]
    if not ratings and prior_weight == 0:
        return prior_mean
    return (prior_weight * prior_mean + sum(ratings)) / (prior_weight + len(ratings))


def distribution(ratings: Iterable[int]) -> tuple[int, int, int, int, int]:
    counts = dict.fromkeys(SCALE, 0)
    for rating in ratings:
        counts[check_rating(rating)] += 1
    return tuple(counts[s] for s in SCALE)


def score_offers(
    ratings_by_offer: Mapping[object, Iterable[int]], *, prior_weight: float = PRIOR_WEIGHT
) -> dict[object, OfferScore]:
    """Each offer's count, plain mean, fair average and distribution, all against the
    mean of the whole marketplace."""
    materialised = {key: list(ratings) for key, ratings in ratings_by_offer.items()}
    prior_mean = marketplace_mean(materialised)
    return {
        key: OfferScore(
            count=len(ratings),
            mean=sum(ratings) / len(ratings) if ratings else None,
            fair=fair_average(ratings, prior_mean=prior_mean, prior_weight=prior_weight),
            distribution=distribution(ratings),
        )
        for key, ratings in materialised.items()
    }


def ranked(scores: Mapping[object, OfferScore]) -> list[object]:
    """Keys best first: by fair average, then more reviews, then key. Offers with no
    reviews come after every reviewed offer: an absence of evidence is not a middling score."""

    def order(key):
        score = scores[key]
        return (score.count == 0, -score.fair, -score.count, str(key))

    return sorted(scores, key=order)
