"""The pure check of a theme's judgement against the quartile bands of its cited metrics."""

import itertools

import pytest

from selfreg.assessment.evidence import judgement_check

TOP, SECOND, THIRD, BOTTOM = 0, 1, 2, 3


@pytest.mark.parametrize(
    ("level", "bands", "disagrees"),
    [
        (TOP, [4, 4, 1], True),  # two of three in the worst quarter
        (TOP, [4], True),
        (TOP, [4, 4, 1, 1], False),  # half is not most
        (TOP, [4, 3, 3], False),  # the second-worst quarter is not the worst
        (TOP, [4, None, None], True),  # metrics without a band are not counted
        (BOTTOM, [1, 1, 4], True),
        (BOTTOM, [1, 2, 2], False),
        (BOTTOM, [1, 1, 4, 4], False),
        (SECOND, [4, 4, 4], False),  # middle judgements are never flagged
        (THIRD, [1, 1, 1], False),
        (TOP, [1, 1, 1], False),
        (BOTTOM, [4, 4, 4], False),
        (TOP, [], False),
        (BOTTOM, [None, None], False),
    ],
)
def test_disagreement_cases(level, bands, disagrees):
    assert judgement_check(level=level, levels=4, bands=bands).disagrees is disagrees


def test_exhaustive_over_three_metrics():
    """Every combination of up to three bands (or none) at every level follows the rule."""
    options = [1, 2, 3, 4, None]
    for level in range(4):
        for n in range(4):
            for bands in itertools.product(options, repeat=n):
                compared = [b for b in bands if b is not None]
                expected = bool(compared) and (
                    (level == 0 and compared.count(4) * 2 > len(compared))
                    or (level == 3 and compared.count(1) * 2 > len(compared))
                )
                check = judgement_check(level=level, levels=4, bands=list(bands))
                assert check.disagrees is expected, (level, bands)
                assert check.compared == len(compared)
                assert check.reason


def test_reason_says_how_many_and_which_way():
    top = judgement_check(level=0, levels=4, bands=[4, 4, 2])
    assert top.reason == (
        "Judged at the top level, but 2 of the 3 compared metrics are in the worst quarter "
        "of similar councils."
    )
    bottom = judgement_check(level=3, levels=4, bands=[1])
    assert bottom.reason == (
        "Judged at the bottom level, but 1 of the 1 compared metric is in the best quarter "
        "of similar councils."
    )
    assert "None of the cited metrics" in judgement_check(level=0, levels=4, bands=[]).reason


@pytest.mark.parametrize(
    ("level", "levels", "bands"), [(4, 4, []), (-1, 4, []), (0, 1, []), (0, 4, [5]), (0, 4, [0])]
)
def test_nonsense_is_refused(level, levels, bands):
    with pytest.raises(ValueError):
        judgement_check(level=level, levels=levels, bands=bands)


def test_a_two_level_scale_checks_both_ends():
    assert judgement_check(level=0, levels=2, bands=[4]).disagrees
    assert judgement_check(level=1, levels=2, bands=[1]).disagrees
