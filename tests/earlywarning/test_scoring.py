"""The pure risk scoring, against hand-worked cases (docs/method/risk-scoring.md)."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from earlywarning import scoring, thresholds
from earlywarning.scoring import Scheme, Signal, TypeInfo, assess, decay, previous_date

TODAY = datetime.date(2024, 6, 30)

SCHEME = Scheme(
    domain_max={"financial": 10, "audit_governance": 10, "service": 10, "corporate": 10},
    domain_max_without_social_care={
        "financial": 10,
        "audit_governance": 10,
        "service": 5,
        "corporate": 10,
    },
    severity_factor={1: 0.5, 2: 1.0, 3: 1.5},
    thresholds={"watch": 0.10, "elevated": 0.25, "high": 0.50},
    period_months=3,
    min_points=0.05,
    type_cap={"spc": 1.0},
)
TYPES = {
    "fin": TypeInfo("fin", "Financial signal", "financial", 4.0, 12),
    "audit": TypeInfo("audit", "Audit signal", "audit_governance", 4.0, 24),
    "svc": TypeInfo("svc", "Service signal", "service", 4.0, 6),
    "corp": TypeInfo("corp", "Corporate signal", "corporate", 2.0, 12),
    "care": TypeInfo("care", "Social care signal", "service", 4.0, 36, social_care_only=True),
    "spc": TypeInfo("spc", "SPC concern", "service", 0.5, 12),
}


def sig(code, severity=2, observed_on=TODAY, **fields):
    return Signal(code=code, observed_on=observed_on, severity=severity, explanation="x", **fields)


def run(signals, social_care=True, previous=None, as_of=TODAY):
    return assess(
        signals,
        as_of=as_of,
        social_care=social_care,
        types=TYPES,
        scheme=SCHEME,
        previous_raw_band=previous,
    )


def test_no_signals_is_low_with_nothing_to_explain():
    """A council with no signals scores 0 of the 40 points that apply and is low."""
    result = run([])
    assert (result.band, result.score, result.points, result.applicable_points) == (
        "low",
        0.0,
        0.0,
        40.0,
    )
    assert result.contributions == []
    assert result.held_back == ""


def test_one_signal_on_the_watch_boundary():
    """4 points of 40 is exactly 10%: the lowest score of watch counts as watch."""
    result = run([sig("fin")])
    assert result.points == pytest.approx(4.0)
    assert result.score == pytest.approx(0.10)
    assert result.band == "watch"


def test_just_below_the_watch_boundary_is_low():
    """A severity 1 signal of a 4-point kind counts 2 points: 5%, low."""
    result = run([sig("fin", severity=1)])
    assert result.points == pytest.approx(2.0)
    assert result.band == "low"


@pytest.mark.parametrize(("severity", "points"), [(1, 2.0), (2, 4.0), (3, 6.0)])
def test_severity_scales_the_points(severity, points):
    """Severity 1, 2 and 3 count a half, one and one and a half times the type's points."""
    assert run([sig("fin", severity=severity)]).points == pytest.approx(points)


def test_decay_halves_at_each_half_life():
    """A signal keeps all its points when new, half after one half-life, a quarter after two."""
    assert decay(0, 12) == 1.0
    assert decay(12, 12) == pytest.approx(0.5)
    assert decay(24, 12) == pytest.approx(0.25)
    assert decay(6, 12) == pytest.approx(2**-0.5)


def test_decay_rejects_impossible_ages_and_half_lives():
    with pytest.raises(ValueError):
        decay(-1, 12)
    with pytest.raises(ValueError):
        decay(1, 0)


def test_a_signal_one_half_life_old_counts_half():
    """A financial signal (half-life 12 months) observed exactly a year of days earlier
    (365.25 days = 12 months by the module's rule) counts 2 of its 4 points."""
    observed = TODAY - datetime.timedelta(days=365)
    result = run([sig("fin", observed_on=observed)], as_of=observed + datetime.timedelta(days=365))
    contribution = result.contributions[0]
    assert contribution.age_months == pytest.approx(365 / (365.25 / 12))
    assert contribution.points == pytest.approx(4 * 0.5 ** (365 / 365.25))
    assert contribution.full_points == 4.0


def test_ageing_moves_a_council_down_a_band():
    """The same signals give a lower band as they age."""
    signals = [sig("fin", 3), sig("fin", 3), sig("corp", 3)]  # 10 (capped) + 3: 32.5%
    assert run(signals).band == "elevated"
    later = datetime.date(2025, 6, 30)  # a year on: 3 + 3 + 1.5 = 7.5 points, 18.75%
    assert run(signals, as_of=later).band == "watch"


def test_faded_signals_stop_counting():
    """A signal faded below min_points (0.05) is not a contribution at all."""
    old = datetime.date(2010, 1, 1)  # 4 points, half-life 12 months, 14.5 years: ~0.0002
    result = run([sig("fin", observed_on=old)])
    assert result.contributions == []
    assert result.band == "low"


def test_no_look_ahead():
    """A signal observed after the assessment date does not count, not even a little."""
    tomorrow = TODAY + datetime.timedelta(days=1)
    result = run([sig("fin", 3), sig("fin", 3, observed_on=tomorrow)])
    assert len(result.contributions) == 1
    assert result.points == pytest.approx(6.0)


def test_one_domain_cannot_raise_elevated_alone():
    """12 financial points count the domain's 10: 25% of 40, exactly elevated on points, but
    held at watch with a reason."""
    result = run([sig("fin", 3), sig("fin", 3)])
    assert result.raw_band == "elevated"
    assert result.band == "watch"
    assert "one domain (financial)" in result.held_back
    assert result.live_domains == ["financial"]


def test_one_domain_two_periods_running_is_elevated():
    """The same 12 points stand as elevated when the previous period was already elevated."""
    result = run([sig("fin", 3), sig("fin", 3)], previous="elevated")
    assert result.band == "elevated"
    assert result.held_back == ""
    assert run([sig("fin", 3), sig("fin", 3)], previous="high").band == "elevated"
    assert run([sig("fin", 3), sig("fin", 3)], previous="watch").band == "watch"


def test_two_domains_raise_elevated_at_once():
    """12 financial points (capped at the domain's 10) and 3 corporate: 13 of 40 is 32.5%,
    elevated with two domains."""
    result = run([sig("fin", 3), sig("fin", 3), sig("corp", 3)])
    assert result.points == pytest.approx(13.0)
    assert result.band == "elevated"
    assert result.live_domains == ["financial", "corporate"]


def test_domain_maximum_caps_the_points():
    """18 financial points count only the domain's 10; with 10 service points, 20 of 40 is
    50%: high."""
    signals = [sig("fin", 3)] * 3 + [sig("svc", 3), sig("svc", 3)]
    result = run(signals)
    assert result.domains["financial"]["points"] == pytest.approx(10.0)
    assert result.domains["financial"]["uncapped"] == pytest.approx(18.0)
    assert result.domains["service"]["points"] == pytest.approx(10.0)
    assert result.score == pytest.approx(0.5)
    assert result.band == "high"
    counted = sum(c.counted for c in result.contributions if c.domain == "financial")
    assert counted == pytest.approx(10.0)


def test_high_held_at_watch_when_in_one_domain():
    """Even high points in one domain are held at watch without a second domain or period."""
    scheme = Scheme(
        domain_max={"financial": 30, "audit_governance": 10, "service": 10, "corporate": 10},
        domain_max_without_social_care=SCHEME.domain_max_without_social_care,
        severity_factor=SCHEME.severity_factor,
        thresholds=SCHEME.thresholds,
    )
    result = assess([sig("fin", 3)] * 5, as_of=TODAY, social_care=True, types=TYPES, scheme=scheme)
    assert result.raw_band == "high"
    assert result.band == "watch"


def test_type_cap_limits_many_small_signals():
    """Five SPC concerns of 0.5 points count together only their cap of 1 point."""
    result = run([sig("spc")] * 5)
    assert result.domains["service"]["uncapped"] == pytest.approx(1.0)
    assert sum(c.points for c in result.contributions) == pytest.approx(2.5)
    assert sum(c.counted for c in result.contributions) == pytest.approx(1.0)


def test_districts_score_against_the_points_that_apply_to_them():
    """Without social care the service maximum is 5: 35 points apply, and social-care-only
    signals are left out. 4 financial points are 11.4%."""
    result = run([sig("fin"), sig("care", 3)], social_care=False)
    assert result.applicable_points == 35.0
    assert [c.code for c in result.contributions] == ["fin"]
    assert result.score == pytest.approx(4 / 35)
    assert result.band == "watch"
    with_care = run([sig("fin"), sig("care", 3)], social_care=True)
    assert with_care.points == pytest.approx(10.0)


def test_contribution_words_say_rule_value_group_date_and_source():
    """Every contribution reads as a sentence with what it rests on."""
    signal = Signal(
        code="fin",
        observed_on=datetime.date(2024, 3, 31),
        severity=3,
        explanation="Reserves would last 1.4 years; similar councils' median is 6.2 years",
        rule="reserves sustainability",
        value="1.4 years",
        group="similar:E06000001 (its 15 similar councils)",
        data_date="2023-24",
        source="MHCLG Revenue Outturn Summary (RS)",
    )
    words = run([signal]).contributions[0].words
    assert words.startswith("Reserves would last 1.4 years; similar councils' median is 6.2")
    assert "Rule: reserves sustainability." in words
    assert "Compared with similar:E06000001 (its 15 similar councils)." in words
    assert "Data: 2023-24, MHCLG Revenue Outturn Summary (RS)." in words
    assert "half-life 12 months" in words


def test_contributions_are_ordered_by_domain_then_weight():
    result = run([sig("corp"), sig("fin", 1), sig("fin", 3), sig("svc")])
    assert [(c.domain, c.severity) for c in result.contributions] == [
        ("financial", 3),
        ("financial", 1),
        ("service", 2),
        ("corporate", 2),
    ]


def test_unknown_codes_and_severities_are_errors():
    with pytest.raises(ValueError, match="no kind of signal"):
        run([sig("nope")])
    with pytest.raises(ValueError, match="severity"):
        run([sig("fin", severity=4)])


def test_scheme_checks_itself():
    """A scheme missing a domain, with thresholds out of order or no severity factor fails."""
    good = {
        "domain_max": SCHEME.domain_max,
        "domain_max_without_social_care": SCHEME.domain_max_without_social_care,
        "severity_factor": SCHEME.severity_factor,
        "thresholds": SCHEME.thresholds,
    }
    with pytest.raises(ValueError, match="maximum"):
        Scheme(**{**good, "domain_max": {"financial": 1}})
    with pytest.raises(ValueError, match="rise"):
        Scheme(**{**good, "thresholds": {"watch": 0.3, "elevated": 0.2, "high": 0.5}})
    with pytest.raises(ValueError, match="severities"):
        Scheme(**{**good, "severity_factor": {1: 1.0}})


def test_previous_date_steps_back_whole_months():
    assert previous_date(datetime.date(2024, 6, 30), 3) == datetime.date(2024, 3, 31)
    assert previous_date(datetime.date(2024, 5, 31), 3) == datetime.date(2024, 2, 29)
    assert previous_date(datetime.date(2023, 5, 31), 3) == datetime.date(2023, 2, 28)
    assert previous_date(datetime.date(2024, 5, 30), 3) == datetime.date(2024, 2, 29)
    assert previous_date(datetime.date(2024, 2, 29), 12) == datetime.date(2023, 2, 28)
    assert previous_date(datetime.date(2023, 11, 30), -3) == datetime.date(2024, 2, 29)
    assert previous_date(datetime.date(2024, 1, 15), 3) == datetime.date(2023, 10, 15)
    assert previous_date(datetime.date(2024, 1, 15), -3) == datetime.date(2024, 4, 15)


def test_the_shipped_scheme_loads_and_is_consistent():
    """The scheme in data/scoring.csv: districts have smaller maxima, SPC is capped."""
    scheme = thresholds.scheme()
    assert sum(scheme.domain_max.values()) == 30
    assert sum(scheme.domain_max_without_social_care.values()) == 25
    assert scheme.type_cap["spc-service-concern"] == 2
    assert scheme.band_for(scheme.thresholds["watch"] - 0.001) == "low"
    assert scheme.band_for(scheme.thresholds["elevated"]) == "elevated"


signal_strategy = st.builds(
    sig,
    st.sampled_from(sorted(TYPES)),
    st.integers(1, 3),
    st.dates(datetime.date(2015, 1, 1), TODAY),
)


@given(st.lists(signal_strategy, max_size=12), signal_strategy, st.booleans())
def test_adding_a_signal_never_lowers_the_score(signals, extra, social_care):
    """Score stays between 0 and 1, and one more signal can only keep or raise it."""
    before = run(signals, social_care=social_care)
    after = run([*signals, extra], social_care=social_care)
    assert 0.0 <= before.score <= 1.0
    assert after.score >= before.score - 1e-9
    assert scoring.band_rank(after.raw_band) >= scoring.band_rank(before.raw_band)


@given(st.lists(signal_strategy, max_size=12), st.dates(datetime.date(2015, 1, 1), TODAY))
def test_the_band_never_depends_on_signals_after_the_date(signals, as_of):
    """No look-ahead: the result is the same with and without signals observed after it."""
    known = [s for s in signals if s.observed_on <= as_of]
    assert run(signals, as_of=as_of).as_dict() == run(known, as_of=as_of).as_dict()
