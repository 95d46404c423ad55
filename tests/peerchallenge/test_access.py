"""peerchallenge.access, rule by rule, with every role."""

import pytest

from peerchallenge import access as pc_access
from peerchallenge.models import ChallengeState, MemberStatus, ReportState
from tests.conftest import ROLE_NAMES
from tests.peerchallenge.builders import add_member, add_report, make_challenge, make_peer

S = ChallengeState
pytestmark = pytest.mark.django_db


def who(users, rule, *args) -> set[str]:
    return {role for role in ROLE_NAMES if users[role] and rule(users[role], *args)}


def anonymous_may(rule, *args) -> bool:
    from django.contrib.auth.models import AnonymousUser

    return rule(AnonymousUser(), *args)


def test_requests_are_for_the_councils_officers_and_staff(users, hartlepool, darlington):
    assert who(users, pc_access.can_request_for, hartlepool) == {"officer", "sector_staff"}
    assert who(users, pc_access.can_request_for, darlington) == {"other_officer", "sector_staff"}
    assert not anonymous_may(pc_access.can_request_for, hartlepool)


def test_a_challenge_before_publication_is_for_its_council_its_team_and_staff(users):
    challenge = make_challenge(state=S.INVITATIONS)
    assert who(users, pc_access.can_see, challenge) == {"officer", "councillor", "sector_staff"}
    add_member(challenge, make_peer("E08000007", "chief_exec", user=users["peer"]), "invited")
    assert who(users, pc_access.can_see, challenge) == {
        "officer",
        "councillor",
        "sector_staff",
        "peer",
    }
    assert not anonymous_may(pc_access.can_see, challenge)
    assert who(users, pc_access.can_see_team_working, challenge) == {"sector_staff"}


def test_a_published_challenge_is_public(users):
    challenge = make_challenge(state=S.REPORT_PUBLISHED)
    assert who(users, pc_access.can_see, challenge) == {r for r in ROLE_NAMES if users[r]}
    assert anonymous_may(pc_access.can_see, challenge)


def test_lists_show_staff_everything_and_others_their_own(users):
    own = make_challenge(state=S.REQUESTED)
    other = make_challenge("E06000005", state=S.REQUESTED)
    assert set(pc_access.visible_challenges(users["sector_staff"])) == {own, other}
    assert set(pc_access.visible_challenges(users["officer"])) == {own}
    assert set(pc_access.visible_challenges(users["other_officer"])) == {other}
    assert set(pc_access.visible_challenges(users["provider"])) == set()


def test_only_host_officers_correct_facts_and_only_in_a_draft(users):
    challenge = make_challenge(state=S.FEEDBACK)
    assert who(users, pc_access.can_correct_facts, challenge) == set()  # no draft yet
    report = add_report(challenge)
    challenge.refresh_from_db()
    assert who(users, pc_access.can_correct_facts, challenge) == {"officer"}
    report.state = ReportState.PUBLISHED
    report.save()
    challenge.refresh_from_db()
    assert who(users, pc_access.can_correct_facts, challenge) == set()
    assert who(users, pc_access.can_write_report, challenge) == {"sector_staff"}


def test_only_the_invited_peer_answers_while_invitations_are_out(users):
    peer = make_peer("E08000007", "chief_exec", user=users["peer"])
    challenge = make_challenge(state=S.INVITATIONS)
    member = add_member(challenge, peer, MemberStatus.INVITED)
    assert who(users, pc_access.can_answer, member) == {"peer"}
    member.status = MemberStatus.ACCEPTED
    assert who(users, pc_access.can_answer, member) == set()


def test_the_ledger_is_for_staff_and_each_council_itself(users, hartlepool, darlington):
    assert who(users, pc_access.can_see_ledger, hartlepool) == {
        "officer",
        "councillor",
        "sector_staff",
    }
    assert who(users, pc_access.can_see_ledger, darlington) == {"other_officer", "sector_staff"}
    assert pc_access.ledger_councils(users["sector_staff"]) is None
    assert pc_access.ledger_councils(users["peer"]) == set()


def test_the_pool_rounds_and_explanations_are_for_staff(users):
    assert who(users, lambda u: pc_access.can_run_matching(u)) == {"sector_staff"}
    assert who(users, lambda u: pc_access.can_manage_pool(u)) == {"sector_staff"}
    assert who(users, lambda u: pc_access.can_nominate(u)) == {
        "officer",
        "other_officer",
        "sector_staff",
    }
