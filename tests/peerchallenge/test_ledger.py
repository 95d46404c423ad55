"""The reciprocity ledger (pure), and the ledger read from challenges that happened."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerchallenge import ledger, selectors
from peerchallenge.ledger import Balance, Visit
from peerchallenge.models import ChallengeState, MemberStatus
from tests.peerchallenge.builders import add_member, make_challenge, make_peer

D = datetime.date


def test_each_visit_gives_to_the_host_and_is_given_by_the_peer_council():
    visits = [
        Visit("A", "H", 4, D(2025, 1, 1)),
        Visit("B", "H", 4, D(2025, 1, 1)),
        Visit("H", "A", 3, D(2025, 6, 1)),
    ]
    assert ledger.council_ledger(visits) == {
        "A": Balance(given=4, received=3),
        "B": Balance(given=4, received=0),
        "H": Balance(given=3, received=8),
    }


def test_totals_given_equal_totals_received():
    visits = [Visit(i % 5, (i * 3) % 7, i % 4 + 1, D(2025, 1, 1)) for i in range(40)]
    balances = ledger.council_ledger(visits)
    assert sum(b.given for b in balances.values()) == sum(v.days for v in visits)
    assert sum(b.received for b in balances.values()) == sum(v.days for v in visits)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        ledger.council_ledger([Visit("A", "B", -1, D(2025, 1, 1))])


def test_the_window_is_the_last_three_years_up_to_today():
    today = D(2026, 11, 28)
    visits = [
        Visit("A", "B", 1, D(2023, 11, 27)),  # a day too early
        Visit("A", "B", 2, D(2023, 11, 28)),  # the first day counted
        Visit("A", "B", 4, D(2026, 11, 28)),  # today
        Visit("A", "B", 8, D(2026, 11, 29)),  # planned, not yet happened
    ]
    assert [v.days for v in ledger.in_window(visits, today)] == [2, 4]
    assert ledger.window_start(D(2024, 2, 29)) == D(2021, 2, 28)


def test_groupings_sum_their_councils_and_skip_councils_without_one():
    balances = {"A": Balance(4, 3), "B": Balance(4, 0), "H": Balance(3, 8), "X": Balance(1, 1)}
    totals = ledger.grouping_ledger(balances, {"A": "North", "B": "North", "H": "South"})
    assert totals == {"North": Balance(8, 3), "South": Balance(3, 8)}


@pytest.mark.parametrize(
    ("given", "received", "expected"),
    [(0, 0, 0.0), (4, 0, 0.0), (0, 4, 1.0), (2, 6, 0.5), (6, 2, 0.0), (5, 5, 0.0)],
)
def test_debt_is_the_exchange_format_share(given, received, expected):
    assert ledger.debt(given, received) == expected


def test_councils_receiving_much_more_are_flagged_largest_first():
    balances = {
        "twice_and_five": Balance(5, 10),
        "nothing_given": Balance(0, 12),
        "small": Balance(0, 4),  # twice as much but under five days more
        "almost_twice": Balance(6, 11),
        "giver": Balance(10, 2),
    }
    assert ledger.imbalanced(balances) == ["nothing_given", "twice_and_five"]


@pytest.mark.django_db
def test_only_accepted_members_of_challenges_that_happened_count():
    visited = make_challenge("E06000005", ChallengeState.FEEDBACK, on_site=D(2025, 10, 6))
    planned = make_challenge("E06000001", ChallengeState.TEAM_CONFIRMED, on_site=D(2025, 11, 3))
    kent = make_peer("E10000016", "member", "Con")
    york = make_peer("E06000014")
    add_member(visited, kent)
    add_member(visited, york, MemberStatus.DECLINED)
    add_member(planned, york)
    tables = selectors.ledger_tables(today=D(2026, 1, 1))
    rows = {r["council"].gss_code: (r["given"], r["received"]) for r in tables["councils"]}
    assert rows == {"E10000016": (3, 0), "E06000005": (0, 3)}
    regions = {r["region"]: (r["given"], r["received"]) for r in tables["regions"]}
    assert regions == {"South East": (3, 0), "North East": (0, 3)}


@pytest.mark.django_db
def test_a_council_sees_only_its_own_row():
    visited = make_challenge("E06000005", ChallengeState.CLOSED, on_site=D(2025, 10, 6))
    add_member(visited, make_peer("E06000001", "member", "Lab"))  # Hartlepool gives
    add_member(visited, make_peer("E10000016", "member", "Con"))
    hartlepool_id = visited.host.__class__.objects.get(gss_code="E06000001").pk
    tables = selectors.ledger_tables(today=D(2026, 1, 1), council_ids={hartlepool_id})
    assert [(r["council"].gss_code, r["given"]) for r in tables["councils"]] == [("E06000001", 3)]
    assert tables["regions"] == []


visits_strategy = st.lists(
    st.builds(
        Visit,
        st.integers(0, 6),
        st.integers(0, 6),
        st.integers(0, 10),
        st.dates(D(2022, 1, 1), D(2027, 12, 31)),
    ),
    max_size=60,
)


@given(visits_strategy, st.dates(D(2024, 1, 1), D(2027, 12, 31)))
def test_the_ledger_balances_and_debts_stay_between_0_and_1(visits, today):
    counted = ledger.in_window(visits, today)
    balances = ledger.council_ledger(counted)
    total = sum(v.days for v in counted)
    assert sum(b.given for b in balances.values()) == total
    assert sum(b.received for b in balances.values()) == total
    assert sum(b.net for b in balances.values()) == 0
    for balance in balances.values():
        assert 0.0 <= balance.debt <= 1.0
        assert (balance.debt > 0) == (balance.received > balance.given)
    for key in ledger.imbalanced(balances):
        assert balances[key].received >= 2 * balances[key].given
