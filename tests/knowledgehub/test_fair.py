"""The fair average: a Bayesian average toward the marketplace mean (knowledgehub/fair.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledgehub import fair


def test_one_five_star_review_does_not_beat_forty_averaging_4_6():
    """Forty reviews averaging 4.6 (24 fives and 16 fours) outrank a single five."""
    forty = [5] * 24 + [4] * 16
    assert sum(forty) / len(forty) == pytest.approx(4.6)
    scores = fair.score_offers({"lone": [5], "established": forty, "other": [3, 4, 3, 2]})
    assert scores["lone"].mean == 5.0
    assert scores["established"].fair > scores["lone"].fair
    assert fair.ranked(scores)[0] == "established"


def test_hand_worked_example():
    """Marketplace mean 4.0 (ratings 5, 3, 4, 4); prior weight 5. An offer rated 5 once:
    (5 x 4.0 + 5) / (5 + 1) = 25 / 6 = 4.1667."""
    scores = fair.score_offers({"a": [5], "b": [3, 4, 4]})
    assert fair.marketplace_mean({"a": [5], "b": [3, 4, 4]}) == 4.0
    assert scores["a"].fair == pytest.approx(25 / 6)
    # (5 x 4.0 + 11) / 8 = 31 / 8
    assert scores["b"].fair == pytest.approx(31 / 8)


def test_no_reviews_anywhere_uses_the_middle_of_the_scale():
    scores = fair.score_offers({"a": [], "b": []})
    assert scores["a"].fair == fair.EMPTY_MEAN
    assert scores["a"].mean is None
    assert scores["a"].count == 0


def test_unreviewed_offers_come_last_even_when_the_mean_beats_a_reviewed_one():
    scores = fair.score_offers({"empty": [], "poor": [1, 1], "good": [5, 5, 5]})
    assert fair.ranked(scores) == ["good", "poor", "empty"]


def test_distribution_counts_every_rating_and_never_drops_low_ones():
    assert fair.distribution([1, 1, 2, 5, 5, 5]) == (2, 1, 0, 0, 3)
    assert fair.score_offers({"x": [1, 5]})["x"].distribution == (1, 0, 0, 0, 1)


@pytest.mark.parametrize("bad", [0, 6, 4.5, "5", None, True])
def test_ratings_outside_one_to_five_are_refused(bad):
    with pytest.raises(ValueError):
        fair.distribution([bad])


def test_prior_weight_zero_is_the_plain_mean_and_negative_is_refused():
    assert fair.fair_average([2, 4], prior_mean=5, prior_weight=0) == 3
    with pytest.raises(ValueError):
        fair.fair_average([2], prior_mean=3, prior_weight=-1)


def test_ties_broken_by_more_reviews_then_key():
    scores = {
        "b": fair.OfferScore(count=2, mean=4, fair=4.0, distribution=(0, 0, 0, 2, 0)),
        "a": fair.OfferScore(count=2, mean=4, fair=4.0, distribution=(0, 0, 0, 2, 0)),
        "c": fair.OfferScore(count=9, mean=4, fair=4.0, distribution=(0, 0, 0, 9, 0)),
    }
    assert fair.ranked(scores) == ["c", "a", "b"]


ratings = st.lists(st.integers(min_value=1, max_value=5), max_size=60)


@given(st.dictionaries(st.text(max_size=3), ratings, min_size=1, max_size=8))
def test_fair_average_lies_between_the_offer_mean_and_the_marketplace_mean(data):
    mean = fair.marketplace_mean(data)
    for key, score in fair.score_offers(data).items():
        if score.count:
            low, high = sorted([score.mean, mean])
            assert low - 1e-9 <= score.fair <= high + 1e-9
        assert 1 <= score.fair <= 5
        assert sum(score.distribution) == score.count == len(data[key])


@given(ratings, st.integers(min_value=1, max_value=5))
def test_one_more_high_review_never_lowers_the_fair_average(existing, extra):
    before = fair.fair_average(existing, prior_mean=3.5)
    after = fair.fair_average([*existing, 5], prior_mean=3.5)
    assert after >= before - 1e-12


def test_the_worked_example_in_the_method_note():
    """docs/method/fair-average.md: marketplace average 201/45; A 4.56, B 4.59, C 3.81."""
    data = {"A": [5], "B": [5] * 24 + [4] * 16, "C": [3, 4, 3, 2]}
    assert fair.marketplace_mean(data) == pytest.approx(201 / 45)
    scores = fair.score_offers(data)
    assert {k: round(v.fair, 2) for k, v in scores.items()} == {"A": 4.56, "B": 4.59, "C": 3.81}
    assert fair.ranked(scores) == ["B", "A", "C"]
