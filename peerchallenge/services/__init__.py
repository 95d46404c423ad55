"""Writes for peer challenge: the pool, the lifecycle, matching runs, invitations, reports and
action plans. Each is one transaction, checks who may make it first, and records who and when.

One module per part: `pool`, `lifecycle`, `reports`, and `rounds` (matching rounds and runs,
refills and invitations). The names below are the ones the rest of the portal calls.
"""

from peerchallenge.services.lifecycle import (
    challenge_move,
    challenge_request,
    challenge_scope,
    template_problems,
)
from peerchallenge.services.pool import (
    nomination_answer,
    peer_accredit,
    peer_nominate,
    peer_profile_save,
)
from peerchallenge.services.reports import (
    action_save,
    correction_add,
    report_save,
)
from peerchallenge.services.rounds import (
    invitation_answer,
    pin_set,
    progress_key,
    progress_read,
    proposal_confirm,
    refill_request,
    refill_start,
    round_add,
    round_create,
    round_remove,
    round_rules_save,
    run_execute,
    run_import,
    run_start,
)

__all__ = [
    "action_save",
    "challenge_move",
    "challenge_request",
    "challenge_scope",
    "correction_add",
    "invitation_answer",
    "nomination_answer",
    "peer_accredit",
    "peer_nominate",
    "peer_profile_save",
    "pin_set",
    "progress_key",
    "progress_read",
    "proposal_confirm",
    "refill_request",
    "refill_start",
    "report_save",
    "round_add",
    "round_create",
    "round_remove",
    "round_rules_save",
    "run_execute",
    "run_import",
    "run_start",
    "template_problems",
]
