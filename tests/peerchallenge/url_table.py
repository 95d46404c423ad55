"""The peerchallenge URLs in the every-URL walk (`tests/test_url_access.py`).

TABLE: name: (kwargs, expected status by role).
POST_TABLE: name: (kwargs, data, expected status by role).
`placeholders(users)` makes the challenges, peer, round and run the kwargs name: all at
Hartlepool, whose officer and councillor the walk's users are.
"""

import datetime

from peerchallenge.models import (
    Action,
    ChallengeState,
    MatchingRun,
    MemberStatus,
    Nomination,
    RunStatus,
)
from tests.conftest import ROLE_NAMES
from tests.url_roles import (
    ALL_OK,
    CAN_CREATE,
    FORBIDDEN,
    NOT_ALLOWED,
    OK,
    REDIRECT_LOGIN,
    SECTOR_ONLY,
    SIGNED_IN_OK,
)

LOGIN = {"anonymous": REDIRECT_LOGIN}
# Sector-staff actions that take only POST: others are refused before the method is checked.
STAFF_POST_ONLY = {**dict.fromkeys(ROLE_NAMES, FORBIDDEN), **LOGIN, "sector_staff": NOT_ALLOWED}
STAFF_POST_OK = {**dict.fromkeys(ROLE_NAMES, FORBIDDEN), **LOGIN, "sector_staff": 302}
# A challenge not yet published: its council and sector staff see it; nobody else learns of it.
HOST_AND_STAFF = {
    **dict.fromkeys(ROLE_NAMES, 404),
    **LOGIN,
    "officer": OK,
    "councillor": OK,
    "sector_staff": OK,
}
PUBLIC_PLAN_EDIT = {
    **dict.fromkeys(ROLE_NAMES, FORBIDDEN),
    **LOGIN,
    "officer": OK,
    "sector_staff": OK,
}
ONLY_PEER = {**dict.fromkeys(ROLE_NAMES, 404), **LOGIN, "peer": OK}
PEER_OR_STAFF = {**ONLY_PEER, "sector_staff": OK}
COUNCILS_AND_STAFF = {
    **dict.fromkeys(ROLE_NAMES, FORBIDDEN),
    **LOGIN,
    "officer": OK,
    "councillor": OK,
    "other_officer": OK,
    "sector_staff": OK,
}

TABLE = {
    "peerchallenge:index": ({}, ALL_OK),
    "peerchallenge:report": ({"pk": "PUBLISHED"}, ALL_OK),
    "peerchallenge:challenge_list": ({}, SIGNED_IN_OK),
    "peerchallenge:challenge_request": ({}, CAN_CREATE),
    "peerchallenge:challenge_detail": ({"pk": "REQUESTED"}, HOST_AND_STAFF),
    "peerchallenge:challenge_scope": ({"pk": "SCOPING"}, SECTOR_ONLY),
    "peerchallenge:challenge_move": (
        {"pk": "REQUESTED", "state": "scoping"},
        {**dict.fromkeys(ROLE_NAMES, NOT_ALLOWED), **LOGIN},
    ),
    "peerchallenge:challenge_pin": ({"pk": "SCOPING"}, SECTOR_ONLY),
    "peerchallenge:challenge_refill": ({"pk": "INVITED"}, STAFF_POST_ONLY),
    "peerchallenge:report_edit": ({"pk": "FEEDBACK"}, SECTOR_ONLY),
    # Only the host's officers correct facts; others who may see the draft are refused.
    "peerchallenge:report_correct": (
        {"pk": "FEEDBACK"},
        {**HOST_AND_STAFF, "councillor": FORBIDDEN, "sector_staff": FORBIDDEN},
    ),
    "peerchallenge:action_new": ({"pk": "PUBLISHED"}, PUBLIC_PLAN_EDIT),
    "peerchallenge:action_edit": ({"pk": "PUBLISHED", "action_id": "ACTION"}, PUBLIC_PLAN_EDIT),
    "peerchallenge:peer_list": ({}, SECTOR_ONLY),
    "peerchallenge:peer_nominate": ({}, CAN_CREATE),
    # Opened by the secret in the emailed link; who may answer is decided on the page.
    "peerchallenge:nomination_answer": ({"token": "NOMINATION"}, ALL_OK),
    "peerchallenge:peer_profile": ({}, ONLY_PEER),
    "peerchallenge:peer_detail": ({"pk": "PEER"}, PEER_OR_STAFF),
    "peerchallenge:peer_accredit": ({"pk": "PEER"}, STAFF_POST_ONLY),
    "peerchallenge:invitation_list": ({}, SIGNED_IN_OK),
    "peerchallenge:invitation_answer": ({"pk": "INVITATION"}, ONLY_PEER),
    "peerchallenge:round_list": ({}, SECTOR_ONLY),
    "peerchallenge:round_detail": ({"pk": "ROUND"}, SECTOR_ONLY),
    "peerchallenge:round_rules": ({"pk": "ROUND"}, SECTOR_ONLY),
    "peerchallenge:round_add": ({"pk": "ROUND"}, STAFF_POST_ONLY),
    "peerchallenge:round_remove": ({"pk": "ROUND", "challenge_id": "SCOPING"}, STAFF_POST_ONLY),
    "peerchallenge:run_start": ({"pk": "ROUND"}, STAFF_POST_ONLY),
    "peerchallenge:round_export": ({"pk": "ROUND"}, SECTOR_ONLY),
    "peerchallenge:round_import": ({"pk": "ROUND"}, SECTOR_ONLY),
    "peerchallenge:run_detail": ({"pk": "RUN"}, SECTOR_ONLY),
    "peerchallenge:run_progress": ({"pk": "RUN"}, SECTOR_ONLY),
    "peerchallenge:run_solution": ({"pk": "RUN"}, SECTOR_ONLY),
    # The check page before invitations go out (a failed run says it cannot be confirmed).
    "peerchallenge:run_confirm": ({"pk": "RUN"}, SECTOR_ONLY),
    "peerchallenge:ledger": ({}, COUNCILS_AND_STAFF),
    "peerchallenge:ledger_csv": ({}, COUNCILS_AND_STAFF),
}

POST_TABLE = {
    # Officers and councillors see their council's request but only sector staff scope it.
    "peerchallenge:challenge_move": (
        {"pk": "REQUESTED", "state": "scoping"},
        {},
        {
            **dict.fromkeys(ROLE_NAMES, 404),
            **LOGIN,
            "officer": FORBIDDEN,
            "councillor": FORBIDDEN,
            "sector_staff": 302,
        },
    ),
    "peerchallenge:peer_accredit": ({"pk": "PEER"}, {"accredited": "yes"}, STAFF_POST_OK),
    # Every place has a peer invited: staff are told so and sent back to the challenge.
    "peerchallenge:challenge_refill": ({"pk": "INVITED"}, {}, STAFF_POST_OK),
    "peerchallenge:invitation_answer": (
        {"pk": "INVITATION"},
        {"answer": "accept"},
        {**ONLY_PEER, "peer": 302},
    ),
    "peerchallenge:round_add": (
        {"pk": "ROUND"},
        {"challenge": "0"},
        {**STAFF_POST_OK, "sector_staff": 404},
    ),
    "peerchallenge:round_remove": (
        {"pk": "ROUND", "challenge_id": "SCOPING"},
        {},
        STAFF_POST_OK,
    ),
    # An empty round: staff are told to add challenges first and sent back to it.
    "peerchallenge:run_start": ({"pk": "ROUND"}, {}, STAFF_POST_OK),
    "peerchallenge:run_confirm": ({"pk": "RUN"}, {}, STAFF_POST_OK),
}


def placeholders(users) -> dict:
    from tests.peerchallenge.builders import (
        add_member,
        add_report,
        make_challenge,
        make_peer,
        make_round,
    )

    matching_round = make_round()
    requested = make_challenge(state=ChallengeState.REQUESTED, scoped=False)
    scoping = make_challenge(state=ChallengeState.SCOPING, matching_round=matching_round)
    feedback = make_challenge(state=ChallengeState.FEEDBACK, on_site=datetime.date(2026, 3, 2))
    add_report(feedback)
    published = make_challenge(state=ChallengeState.REPORT_PUBLISHED)
    add_report(published, state="published")
    action = Action.objects.create(
        challenge=published,
        recommendation="Do one thing",
        action="Do it",
        owner="Chief executive",
        due="2027-06-30",
    )
    peer = make_peer("E08000007", "chief_exec", user=users["peer"])
    invited = make_challenge(
        state=ChallengeState.INVITATIONS, team_size=1, template={"chief_exec": [1, 1]}
    )
    invitation = add_member(invited, peer, MemberStatus.INVITED)
    run = MatchingRun.objects.create(round=matching_round, status=RunStatus.FAILED)
    empty_round = make_round(2028)
    Nomination.objects.create(
        council=requested.host,
        email="nominee@example.com",
        full_name="A Nominee",
        sector="council",
        role="senior_officer",
        token_hash=Nomination.hash_token("walk-nomination-token"),
    )
    return {
        "REQUESTED": requested.pk,
        "SCOPING": scoping.pk,
        "FEEDBACK": feedback.pk,
        "PUBLISHED": published.pk,
        "ACTION": action.pk,
        "PEER": peer.pk,
        "INVITATION": invitation.pk,
        "INVITED": invited.pk,
        "ROUND": empty_round.pk,
        "RUN": run.pk,
        "NOMINATION": "walk-nomination-token",
    }
