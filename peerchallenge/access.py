"""Who may see and do what in peer challenge. Built on the kernel's `selfreg.access`.

One condition per line, so each rule reads as the policy it is. Views and services ask here
and never check roles themselves. `access_*` functions return the object or raise: Http404
where it must not be revealed, PermissionDenied where the person may see it but not act.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from peerchallenge.models import (
    NOMINATION_LIFETIME,
    Challenge,
    ChallengeState,
    MatchingRound,
    MatchingRun,
    MemberStatus,
    Nomination,
    NominationStatus,
    Peer,
    TeamMember,
)
from selfreg import access
from selfreg.models import Council, RoleKind, User

STAFF, HOST_OFFICER = "staff", "host_officer"
S = ChallengeState
# Each move along the lifecycle and who may make it. The matcher's run moves a challenge to
# "team proposed" in the name of the staff member who started it; the last acceptance of an
# invitation confirms the team in the name of that peer (`services`).
MOVES = {
    (S.REQUESTED, S.SCOPING): {STAFF},
    (S.SCOPING, S.TEAM_PROPOSED): {STAFF},
    (S.TEAM_PROPOSED, S.INVITATIONS): {STAFF},
    (S.INVITATIONS, S.TEAM_CONFIRMED): {STAFF},
    (S.TEAM_CONFIRMED, S.ON_SITE): {STAFF},
    (S.ON_SITE, S.FEEDBACK): {STAFF},
    (S.FEEDBACK, S.REPORT_PUBLISHED): {STAFF},
    (S.REPORT_PUBLISHED, S.ACTION_PLAN): {STAFF, HOST_OFFICER},
    (S.ACTION_PLAN, S.CHECK_IN): {STAFF, HOST_OFFICER},
    (S.CHECK_IN, S.PROGRESS_REVIEW): {STAFF},
    (S.PROGRESS_REVIEW, S.CLOSED): {STAFF},
}
# The one next stage of each stage, read by the stage a challenge is at. Built from the keys:
# `dict(MOVES)` would copy the table, keyed by (stage, next stage), and find nothing.
NEXT = dict(MOVES.keys())
# The stages left by a person's own "Move to" button. Saving the scope moves a request on;
# the matcher and the invitations make the other moves.
MANUAL_MOVES = {
    S.TEAM_CONFIRMED,
    S.ON_SITE,
    S.FEEDBACK,
    S.REPORT_PUBLISHED,
    S.ACTION_PLAN,
    S.CHECK_IN,
    S.PROGRESS_REVIEW,
}
PIN_STATES = {S.SCOPING, S.TEAM_PROPOSED, S.INVITATIONS}
ACTION_PLAN_STATES = {S.REPORT_PUBLISHED, S.ACTION_PLAN, S.CHECK_IN, S.PROGRESS_REVIEW}


def peer_of(user) -> Peer | None:
    if not user or not user.is_authenticated:
        return None
    return Peer.objects.filter(user=user).first()


# --- requests -----------------------------------------------------------------------------------


def can_request_for(user, council: Council) -> bool:
    """A council's own officers ask for its challenge; sector staff may ask on its behalf."""
    if access.is_sector_staff(user):
        return True
    return access.is_officer_of(user, council)


def requestable_councils(user):
    if access.is_sector_staff(user):
        return Council.objects.current().with_gss()
    return Council.objects.filter(pk__in=access.council_ids(user, {RoleKind.OFFICER}))


def can_request(user) -> bool:
    return requestable_councils(user).exists()


# --- challenges ---------------------------------------------------------------------------------


def is_on_team(user, challenge: Challenge) -> bool:
    """Invited to the team, whatever the answer."""
    peer = peer_of(user)
    return peer is not None and challenge.members.filter(peer=peer).exists()


def can_see(user, challenge: Challenge) -> bool:
    """Published challenges are public; before that, the host council, the team and staff."""
    if challenge.is_public:
        return True
    if access.is_sector_staff(user):
        return True
    if access.is_member_of(user, challenge.host):
        return True
    return is_on_team(user, challenge)


def visible_challenges(user):
    """The challenges a person's list shows: every one for sector staff, else their councils'
    and those they are invited to."""
    challenges = Challenge.objects.select_related("host")
    if access.is_sector_staff(user):
        return challenges
    own = access.council_ids(user)
    peer = peer_of(user)
    mine = challenges.filter(host_id__in=own)
    if peer is not None:
        mine = mine | challenges.filter(members__peer=peer)
    return mine.distinct()


def can_move(user, challenge: Challenge, to_state: str) -> bool:
    """One step forward along the lifecycle, by whoever that step belongs to."""
    who = MOVES.get((challenge.state, to_state))
    if who is None:
        return False
    if STAFF in who and access.is_sector_staff(user):
        return True
    return HOST_OFFICER in who and access.is_officer_of(user, challenge.host)


def can_scope(user, challenge: Challenge) -> bool:
    """Sector staff agree the scope with the council, from the request until the team is
    invited. Saving the scope of a request moves it to "scoping"."""
    if challenge.state not in (S.REQUESTED, S.SCOPING, S.TEAM_PROPOSED):
        return False
    return access.is_sector_staff(user)


def can_see_team_working(user, challenge: Challenge) -> bool:
    """Proposals, explanations and pins are for sector staff."""
    return access.is_sector_staff(user)


def access_challenge(user, challenge_id: int) -> Challenge:
    challenge = Challenge.objects.select_related("host", "round").filter(pk=challenge_id).first()
    if challenge is None or not can_see(user, challenge):
        raise Http404("No such peer challenge.")
    return challenge


def access_challenge_for_scoping(user, challenge_id: int) -> Challenge:
    challenge = access_challenge(user, challenge_id)
    if not can_scope(user, challenge):
        raise PermissionDenied("Only sector staff scope a challenge, before invitations.")
    return challenge


def access_challenge_for_move(user, challenge_id: int, to_state: str) -> Challenge:
    challenge = access_challenge(user, challenge_id)
    if not can_move(user, challenge, to_state):
        raise PermissionDenied("You cannot move this challenge to that stage.")
    return challenge


# --- reports and action plans ------------------------------------------------------------------


def can_write_report(user, challenge: Challenge) -> bool:
    """Sector staff write up the team's report after feedback, until it is published."""
    if challenge.state != S.FEEDBACK:
        return False
    return access.is_sector_staff(user)


def can_correct_facts(user, challenge: Challenge) -> bool:
    """The host council's officers may correct facts in the draft, never after publication."""
    if challenge.state != S.FEEDBACK:
        return False
    report = getattr(challenge, "report", None)
    if report is None or report.is_published:
        return False
    return access.is_officer_of(user, challenge.host)


def can_see_draft_report(user, challenge: Challenge) -> bool:
    if access.is_sector_staff(user):
        return True
    if access.is_member_of(user, challenge.host):
        return True
    return is_on_team(user, challenge)


def can_edit_actions(user, challenge: Challenge) -> bool:
    """The host council's officers keep the action plan, with sector staff, until closed."""
    if challenge.state not in ACTION_PLAN_STATES:
        return False
    if access.is_sector_staff(user):
        return True
    return access.is_officer_of(user, challenge.host)


def access_challenge_for_report(user, challenge_id: int) -> Challenge:
    challenge = access_challenge(user, challenge_id)
    if not can_write_report(user, challenge):
        raise PermissionDenied("Only sector staff write the report, before it is published.")
    return challenge


def access_challenge_for_correction(user, challenge_id: int) -> Challenge:
    challenge = access_challenge(user, challenge_id)
    if not can_correct_facts(user, challenge):
        raise PermissionDenied("Only the council's officers correct facts, before publication.")
    return challenge


def access_challenge_for_actions(user, challenge_id: int) -> Challenge:
    challenge = access_challenge(user, challenge_id)
    if not can_edit_actions(user, challenge):
        raise PermissionDenied("Only the council's officers and sector staff keep the plan.")
    return challenge


def access_action(user, challenge: Challenge, action_id: int):
    action = challenge.actions.filter(pk=action_id).first()
    if action is None:
        raise Http404("No such action.")
    return action


# --- the pool ----------------------------------------------------------------------------------


def can_manage_pool(user) -> bool:
    """Sector staff approve accreditation and see the whole pool."""
    return access.is_sector_staff(user)


def can_nominate(user) -> bool:
    """A council's officers nominate peers; sector staff may add anyone."""
    if access.is_sector_staff(user):
        return True
    return bool(access.council_ids(user, {RoleKind.OFFICER}))


def nominating_councils(user):
    if access.is_sector_staff(user):
        return Council.objects.current().with_gss()
    return Council.objects.filter(pk__in=access.council_ids(user, {RoleKind.OFFICER}))


def access_nomination_by_token(token: str) -> Nomination:
    """A nomination is opened only by its link's secret, while it waits for an answer and
    the link has not expired; anything else is not found."""
    nomination = (
        Nomination.objects.select_related("council", "nominated_by")
        .filter(token_hash=Nomination.hash_token(token), status=NominationStatus.PENDING)
        .first()
    )
    if nomination is None or nomination.expires_at < timezone.now():
        raise Http404("No such nomination.")
    return nomination


def pending_nominations(user):
    """Nominations not yet answered whose link still works: for sector staff, who keep the
    pool (an officer is told nothing of who has answered)."""
    if not can_manage_pool(user):
        return Nomination.objects.none()
    return Nomination.objects.filter(
        status=NominationStatus.PENDING, created_at__gte=timezone.now() - NOMINATION_LIFETIME
    ).select_related("council", "nominated_by")


def nominee_has_account(nomination: Nomination) -> bool:
    """Told only to whoever holds the nomination's link: the person it was sent to."""
    return User.objects.filter(email__iexact=nomination.email).exists()


def is_nominee(user, nomination: Nomination) -> bool:
    return bool(user and user.is_authenticated and user.email.lower() == nomination.email)


def can_see_peer(user, peer: Peer) -> bool:
    if access.is_sector_staff(user):
        return True
    return peer.user_id == user.pk


def access_peer(user, peer_id: int) -> Peer:
    peer = Peer.objects.select_related("user", "council").filter(pk=peer_id).first()
    if peer is None or not can_see_peer(user, peer):
        raise Http404("No such peer.")
    return peer


def access_own_peer(user) -> Peer:
    """A peer keeps their own profile; nobody else edits it."""
    peer = peer_of(user)
    if peer is None:
        raise Http404("You have no peer profile.")
    return peer


def access_peer_for_accreditation(user, peer_id: int) -> Peer:
    peer = access_peer(user, peer_id)
    if not can_manage_pool(user):
        raise PermissionDenied("Only sector staff approve accreditation.")
    return peer


# --- invitations -------------------------------------------------------------------------------


def can_answer(user, member: TeamMember) -> bool:
    """Only the invited peer answers, and only while the invitation is open."""
    if member.status != MemberStatus.INVITED:
        return False
    if member.challenge.state != S.INVITATIONS:
        return False
    return member.peer.user_id == user.pk


def invitations_for(user):
    peer = peer_of(user)
    if peer is None:
        return TeamMember.objects.none()
    return TeamMember.objects.filter(peer=peer).select_related("challenge", "challenge__host")


def access_invitation(user, member_id: int) -> TeamMember:
    member = invitations_for(user).filter(pk=member_id).first()
    if member is None:
        raise Http404("No such invitation.")
    return member


def access_invitation_for_answer(user, member_id: int) -> TeamMember:
    member = access_invitation(user, member_id)
    if not can_answer(user, member):
        raise PermissionDenied("This invitation has been answered already.")
    return member


# --- rounds and the ledger ---------------------------------------------------------------------


def can_run_matching(user) -> bool:
    """Rounds, runs, explanations and exports are for sector staff."""
    return access.is_sector_staff(user)


def require_matching(user) -> None:
    """Refuse anyone but sector staff a round, a run or a change to either."""
    if not can_run_matching(user):
        raise PermissionDenied("Matching is for sector staff.")


def access_round(user, round_id: int) -> MatchingRound:
    require_matching(user)
    matching_round = MatchingRound.objects.filter(pk=round_id).first()
    if matching_round is None:
        raise Http404("No such round.")
    return matching_round


def access_run(user, run_id: int) -> MatchingRun:
    require_matching(user)
    run = MatchingRun.objects.select_related("round", "challenge").filter(pk=run_id).first()
    if run is None:
        raise Http404("No such run.")
    return run


def can_see_ledger(user, council: Council) -> bool:
    """Sector staff see every council's ledger; a council's officers and councillors its own."""
    if access.is_sector_staff(user):
        return True
    return access.is_member_of(user, council)


def ledger_councils(user) -> set[int] | None:
    """The councils whose ledger rows this person sees: None for all (sector staff)."""
    if access.is_sector_staff(user):
        return None
    return access.council_ids(user)


def access_council_ledger(user, gss_code: str) -> Council:
    council = access.access_council_by_gss(user, gss_code)
    if not can_see_ledger(user, council):
        raise PermissionDenied("A council's ledger is for the council and sector staff.")
    return council
