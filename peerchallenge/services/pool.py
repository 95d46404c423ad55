"""Writes for the peer pool: nominations and their answers, a peer's own profile, accreditation."""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerchallenge import access as pc_access
from peerchallenge.models import (
    NOMINATION_DAYS,
    FocusArea,
    Nomination,
    NominationStatus,
    Party,
    Peer,
    PeerRole,
    PeerSector,
)
from selfreg.emails import email_send, portal_link
from selfreg.models import Role, RoleKind, User
from selfreg.refusals import Refused


def _clean_expertise(expertise: dict) -> dict:
    clean = {}
    for code, value in expertise.items():
        if code not in FocusArea.values:
            raise Refused(_("Unknown focus area: %(code)s") % {"code": code})
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise Refused(_("Expertise must be between 0 and 1."))
        if value:
            clean[code] = round(value, 2)
    return clean


def _clean_weeks(weeks) -> list[int]:
    result = sorted({int(w) for w in weeks})
    if any(w < 1 or w > 52 for w in result):
        raise Refused(_("Weeks are numbered 1 to 52."))
    return result


def _clean_periods(periods) -> list[list[str]]:
    clean = set()
    for start, end in periods:
        if end < start:
            raise Refused(_("The last day of a period must be on or after its first day."))
        if (end - start).days > 366:
            raise Refused(_("A period can be at most a year long."))
        clean.add((start.isoformat(), end.isoformat()))
    return [list(period) for period in sorted(clean)]


def _check_party(role: str, party: str) -> str:
    if role in (PeerRole.LEAD_MEMBER, PeerRole.MEMBER):
        if party not in Party.values:
            raise Refused(_("Choose the councillor's political party."))
        return party
    return ""


def peer_nominate(
    *,
    user,
    council,
    email: str,
    full_name: str,
    sector: str,
    role: str,
    party: str = "",
    organisation: str = "",
    base_url: str = "",
) -> Nomination:
    """A council's officer (or sector staff) invites a person to join the peer pool.

    Only the invitation is written and emailed: no account, role or profile is created or
    changed until the person accepts it (`nomination_answer`). The answer is the same
    whoever the address belongs to, so a nomination tells nobody who is in the pool.
    `base_url` is the portal's address the email's link starts with."""
    if not pc_access.can_nominate(user):
        raise PermissionDenied("Only council officers and sector staff nominate peers.")
    if not pc_access.nominating_councils(user).filter(pk=council.pk).exists():
        raise PermissionDenied("You can nominate peers only from your own council.")
    if sector not in PeerSector.values or role not in PeerRole.values:
        raise Refused(_("Choose the peer's sector and role."))
    party = _check_party(role, party)
    email = User.objects.normalize_email(email.strip()).lower()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        nomination = Nomination.objects.create(
            council=council,
            email=email,
            full_name=full_name.strip(),
            sector=sector,
            role=role,
            party=party,
            organisation=organisation.strip(),
            token_hash=Nomination.hash_token(token),
            nominated_by=user,
        )
        _email_nomination(nomination, token, base_url)
    return nomination


def _email_nomination(nomination: Nomination, token: str, base_url: str) -> None:
    path = reverse("peerchallenge:nomination_answer", args=[token])
    by = nomination.nominated_by
    email_send(
        subject=_("You have been nominated as a peer"),
        body=_(
            "%(by)s has nominated you to join the peer pool for %(council)s as a %(role)s.\n\n"
            "To accept or decline, open this link within %(days)s days: %(link)s\n\n"
            "Nothing changes for you unless you accept."
        )
        % {
            "by": (by.full_name or by.email) if by else _("Sector staff"),
            "council": nomination.council.name,
            "role": nomination.get_role_display().lower(),
            "days": NOMINATION_DAYS,
            "link": f"{base_url.rstrip('/')}{path}" if base_url else portal_link(path),
        },
        to=[nomination.email],
    )


def nomination_answer(
    *,
    nomination: Nomination,
    accept: bool,
    user=None,
    full_name: str = "",
    password: str = "",
) -> Peer | None:
    """The nominated person answers. Someone with an account answers signed in as it; someone
    without one sets their password here. Accepting gives them the peer role and a profile
    to complete (or keeps the profile they have); declining changes nothing else."""
    if user is not None and user.email.lower() != nomination.email:
        raise PermissionDenied("This nomination is for another email address.")
    if accept and user is None:
        if User.objects.filter(email__iexact=nomination.email).exists():
            raise Refused(_("You already have an account. Sign in to answer."))
        if not full_name.strip():
            raise Refused(_("Enter your full name."))
        if not password:
            raise Refused(_("Choose a password."))
    with transaction.atomic():
        locked = Nomination.objects.select_for_update().get(pk=nomination.pk)
        if locked.status != NominationStatus.PENDING:
            raise Refused(_("This nomination has been answered already."))
        locked.answered_at = timezone.now()
        if not accept:
            locked.status = NominationStatus.DECLINED
            locked.save(update_fields=["status", "answered_at"])
            return None
        if user is None:
            user = User.objects.create_user(
                email=locked.email, full_name=full_name.strip(), password=password
            )
        peer = Peer.objects.filter(user=user).first()
        if peer is None:
            Role.objects.get_or_create(user=user, kind=RoleKind.PEER, council=None)
            peer = Peer.objects.create(
                user=user,
                council=locked.council,
                sector=locked.sector,
                role=locked.role,
                party=locked.party,
                organisation=locked.organisation,
                nominated_by=locked.nominated_by,
            )
        locked.status = NominationStatus.ACCEPTED
        locked.peer = peer
        locked.save(update_fields=["status", "answered_at", "peer"])
    nomination.refresh_from_db()
    return peer


def peer_profile_save(
    *,
    user,
    peer: Peer,
    expertise: dict,
    days_offered: int,
    unavailable_periods,
    conflicts,
    party: str = "",
    organisation: str = "",
) -> Peer:
    """A peer keeps their own expertise, days, the dates they cannot take part (pairs of
    first and last day) and declared conflicts."""
    if peer.user_id != user.pk:
        raise PermissionDenied("Only the peer keeps their own profile.")
    if days_offered < 0 or days_offered > 60:
        raise Refused(_("Offer between 0 and 60 days."))
    clean = _clean_expertise(expertise)
    periods = _clean_periods(unavailable_periods)
    party = _check_party(peer.role, party)
    with transaction.atomic():
        peer.expertise = clean
        peer.days_offered = days_offered
        peer.unavailable_periods = periods
        peer.party = party
        peer.organisation = organisation.strip()
        peer._history_user = user
        peer.save()
        peer.conflicts.set(conflicts)
    return peer


def peer_accredit(*, user, peer: Peer, accredited: bool) -> Peer:
    """Sector staff approve (or withdraw) a peer's accreditation, recording who and when."""
    if not pc_access.can_manage_pool(user):
        raise PermissionDenied("Only sector staff approve accreditation.")
    with transaction.atomic():
        peer.accredited = accredited
        peer.accredited_on = timezone.localdate() if accredited else None
        peer.accredited_by = user if accredited else None
        peer._history_user = user
        peer.save()
    return peer
