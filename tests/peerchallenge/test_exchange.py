"""A round as the exchange format: valid for the matcher, faithful to the portal's data."""

import datetime

import pytest

from peerchallenge import exchange, matching
from peerchallenge.models import ChallengeState, MemberStatus, Pin, PinKind
from selfreg.refusals import Refused
from tests.factories import council
from tests.peerchallenge.builders import (
    add_member,
    make_challenge,
    make_peer,
    make_pool,
    make_round,
)

D = datetime.date


def test_neighbours_are_near_or_county_and_district_and_symmetric():
    points = {
        "hartlepool": (54.69, -1.21),
        "darlington": (54.53, -1.55),
        "plymouth": (50.37, -4.14),
        "kent": (51.2, 0.7),
        "ashford": None,
    }
    near = exchange.neighbours(points, {"ashford": "kent"})
    assert near["hartlepool"] == ["darlington"]
    assert near["darlington"] == ["hartlepool"]
    assert near["plymouth"] == []
    assert near["kent"] == ["ashford"]
    assert near["ashford"] == ["kent"]


def test_distance_is_great_circle_kilometres():
    # London to Paris, a well-known 344 km.
    assert round(exchange.distance_km((51.5074, -0.1278), (48.8566, 2.3522))) == 344


def test_solutions_are_read_in_either_format():
    ours = {"assignments": {"1": ["4", "5"]}}
    openreview = {"1": [{"user": "4", "aggregate_score": 1.0}, {"user": 5}]}
    assert exchange.assignments_from_solution(ours) == {"1": ["4", "5"]}
    assert exchange.assignments_from_solution(openreview) == {"1": ["4", "5"]}
    for bad in ([], {"assignments": {"1": "4"}}, {"1": [{"score": 1}]}, {"1": [True]}):
        with pytest.raises(ValueError):
            exchange.assignments_from_solution(bad)


@pytest.mark.django_db
def test_a_round_exports_a_valid_instance_with_the_portal_data():
    matching_round = make_round()
    pool = make_pool()
    hartlepool = make_challenge(matching_round=matching_round)
    derby = make_challenge("E06000015", matching_round=matching_round, on_site=D(2027, 4, 12))
    make_peer("E06000001", "member", "Con", accredited=False)  # not accredited: left out
    instance, pinned, excluded = exchange.round_instance(matching_round)
    assert matching.validate_instance(instance) == []
    assert instance["format"] == "peer-challenge-instance/1"
    assert {p["id"] for p in instance["peers"]} == {str(p.pk) for p in pool}
    challenges = {c["id"]: c for c in instance["challenges"]}
    assert challenges[str(hartlepool.pk)]["week"] == 10
    assert challenges[str(derby.pk)]["week"] == 15
    assert challenges[str(hartlepool.pk)]["roles"] == {
        "lead_member": [1, 1],
        "member": [1, 1],
        "senior_officer": [1, 2],
    }
    focus = dict(zip(instance["focus_areas"], challenges[str(hartlepool.pk)]["focus"], strict=True))
    assert focus["financial-planning"] == 1.0 and focus["housing"] == 0.0
    councils = {c["id"]: c for c in instance["councils"]}
    assert councils[str(hartlepool.host_id)]["control"] == "Lab"
    assert councils[str(hartlepool.host_id)]["type"] == "unitary"
    assert councils[str(pool[0].council_id)]["control"] == "NOC"
    assert councils[str(pool[0].council_id)]["type"] == "metropolitan"
    assert pinned == {} and excluded == {}


@pytest.mark.django_db
def test_commitments_elsewhere_reduce_capacity_and_block_their_week():
    matching_round = make_round()
    make_challenge(matching_round=matching_round)
    # Away for a week of 2027 (week 30) and for the same dates a year later.
    york = make_peer(
        "E06000014",
        days=10,
        periods=[(D(2027, 7, 26), D(2027, 7, 30)), (D(2028, 8, 1), D(2028, 8, 4))],
    )
    elsewhere = make_challenge("E06000026", ChallengeState.TEAM_CONFIRMED, on_site=D(2027, 6, 7))
    add_member(elsewhere, york)  # three days in week 23
    declined = make_challenge("E06000015", ChallengeState.INVITATIONS, on_site=D(2027, 7, 5))
    add_member(declined, york, MemberStatus.DECLINED)
    instance, _, _ = exchange.round_instance(matching_round)
    entry = next(p for p in instance["peers"] if p["id"] == str(york.pk))
    assert entry["capacity_days"] == 7
    assert entry["unavailable_weeks"] == [23, 30]


@pytest.mark.django_db
def test_conflicts_pins_and_answers_become_pinned_and_excluded():
    matching_round = make_round()
    challenge = make_challenge(matching_round=matching_round)
    pool = make_pool()
    pool[4].conflicts.add(council("E06000001"))
    Pin.objects.create(challenge=challenge, peer=pool[5], kind=PinKind.EXCLUDE)
    Pin.objects.create(challenge=challenge, peer=pool[0], kind=PinKind.PIN)
    add_member(challenge, pool[2], MemberStatus.ACCEPTED)
    add_member(challenge, pool[3], MemberStatus.DECLINED)
    instance, pinned, excluded = exchange.build_instance(
        [challenge], rules=matching_round.rules, year=2027
    )
    key = str(challenge.pk)
    assert pinned == {key: sorted([str(pool[0].pk), str(pool[2].pk)], key=int)}
    assert excluded == {key: sorted([str(p.pk) for p in pool[3:6]], key=int)}
    result = matching.solve(instance, pinned=pinned, excluded=excluded)
    team = set(result.assignments[key])
    assert {str(pool[0].pk), str(pool[2].pk)} <= team
    assert not team & {str(p.pk) for p in pool[3:6]}
    assert matching.check_solution(instance, result.assignments) == []


@pytest.mark.django_db
def test_recent_reviews_and_ledger_days_come_from_challenges_that_happened():
    matching_round = make_round()
    make_challenge("E06000005", matching_round=matching_round)  # Darlington hosts
    kent = make_peer("E10000016", "lead_member", "Con")
    past = make_challenge("E10000016", ChallengeState.CLOSED, on_site=D(2025, 10, 6))
    darlington_peer = make_peer("E06000005", "member", "Lab")
    add_member(past, darlington_peer)
    instance, _, _ = exchange.round_instance(matching_round)
    darlington, kent_id = str(darlington_peer.council_id), str(kent.council_id)
    assert {"reviewer_council": darlington, "host_council": kent_id, "year": 2025} in instance[
        "recent_reviews"
    ]
    councils = {c["id"]: c for c in instance["councils"]}
    assert councils[darlington]["peer_days_given_3y"] == 3
    assert councils[kent_id]["peer_days_received_3y"] == 3
    result = matching.solve(instance)
    # Kent's peer may not review Darlington, whose peer reviewed Kent in 2025.
    assert str(kent.pk) not in result.assignments.get(
        next(c["id"] for c in instance["challenges"]), []
    )


@pytest.mark.django_db
def test_an_unscoped_challenge_cannot_be_exported():
    challenge = make_challenge(scoped=False)
    with pytest.raises(ValueError, match="Not scoped"):
        exchange.build_instance([challenge], rules={}, year=2027)


@pytest.mark.django_db
def test_exclusions_of_peers_outside_the_pool_are_dropped_and_pins_need_accreditation(users):
    matching_round = make_round()
    challenge = make_challenge(matching_round=matching_round)
    pool = make_pool()
    lapsed = make_peer("E06000023", accredited=False)
    Pin.objects.create(challenge=challenge, peer=lapsed, kind=PinKind.EXCLUDE)
    add_member(challenge, pool[0], MemberStatus.DECLINED)
    _, _, excluded = exchange.round_instance(matching_round)
    assert excluded == {str(challenge.pk): [str(pool[0].pk)]}
    from peerchallenge import services

    with pytest.raises(Refused, match="accredited"):
        services.pin_set(
            user=users["sector_staff"], challenge=challenge, peer=lapsed, kind=PinKind.PIN
        )


@pytest.mark.parametrize(
    ("periods", "year", "weeks"),
    [
        ([], 2027, []),
        ([(D(2027, 7, 26), D(2027, 7, 26))], 2027, [30]),  # a Monday
        ([(D(2027, 7, 25), D(2027, 7, 26))], 2027, [29, 30]),  # Sunday to Monday
        ([(D(2027, 8, 2), D(2027, 8, 22))], 2027, [31, 32, 33]),
        ([(D(2026, 12, 28), D(2027, 1, 5))], 2027, [1, 52]),  # 1-3 Jan 2027 are in ISO week 53
        ([(D(2027, 12, 27), D(2028, 1, 10))], 2027, [52]),
        ([(D(2028, 3, 1), D(2028, 3, 9))], 2027, []),  # another year does not count
    ],
)
def test_dates_unavailable_become_the_weeks_of_the_rounds_year(periods, year, weeks):
    """The matcher reads weeks; a peer gives dates. Only days in the round's year count, each
    in its week as the matcher numbers a challenge's first day (ISO week, 53 counted as 52)."""
    assert exchange.weeks_unavailable(periods, year) == weeks
