"""Writes about people's accounts, each in one transaction, emails sent after the commit."""

import secrets

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from selfreg import access
from selfreg.emails import email_send
from selfreg.models import (
    Council,
    Role,
    RoleKind,
    RoleRequest,
    RoleRequestStatus,
    User,
)

NOT_DECIDER = "Only the council's officer-administrator or sector staff decide."


class AccountError(Exception):
    """What was asked cannot be done now; the message says why, for the person."""


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Links in sign-up emails. The account's state is in the hash, so a link works once:
    after the address is confirmed it is no longer valid."""

    key_salt = "selfreg.accounts.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.is_active}{user.password}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()


def _email(*, template: str, to: list[str], context: dict) -> None:
    subject = render_to_string(f"account/email/{template}_subject.txt", context)
    subject = " ".join(subject.split())
    body = render_to_string(f"account/email/{template}.txt", context)
    email_send(subject=subject, body=body, to=to)


def account_sign_up(*, email: str, full_name: str, password: str, site: str) -> None:
    """Make an account that works once its address is confirmed, and email the link.

    What the person sees is the same whether or not the address has an account: the
    address's owner is told by email. A new sign-up never changes an existing account."""
    context = {"site": site.rstrip("/")}
    # The password is hashed whether or not it is kept, so the time taken tells nothing.
    new_user = User(email=email, full_name=full_name.strip(), is_active=False)
    new_user.set_password(password)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is None:
            user = new_user
            user.save()
        if user.is_active:
            _email(template="already_registered", to=[user.email], context=context)
            return
        if user.last_login is not None:
            return  # an account closed by an administrator is not opened again this way
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = email_verification_token.make_token(user)
        context["link"] = context["site"] + reverse("signup_verify", args=[uid, token])
        _email(template="verify", to=[user.email], context=context)


def account_verify(*, uidb64: str, token: str) -> User | None:
    """Confirm the address the link was sent to: the account now works. None if the link
    is wrong, used or out of date."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    with transaction.atomic():
        waiting = User.objects.select_for_update().filter(is_active=False, last_login=None)
        user = waiting.filter(pk=pk).first()
        if user is None or not email_verification_token.check_token(user, token):
            return None
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


def sign_out_everywhere(*, user: User) -> None:
    """End every session of this person, on every device, the current one included."""
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])


def _deciders(role_request: RoleRequest) -> list[str]:
    """Who is told of a new request: the council's officer-administrators where they may
    decide it, otherwise sector staff."""
    roles = Role.objects.filter(user__is_active=True).exclude(user=role_request.user)
    council_admins = roles.filter(kind=RoleKind.COUNCIL_ADMIN, council=role_request.council)
    if role_request.kind != RoleKind.COUNCIL_ADMIN and council_admins.exists():
        return list(council_admins.values_list("user__email", flat=True))
    return list(roles.filter(kind=RoleKind.SECTOR_STAFF).values_list("user__email", flat=True))


def role_request_create(
    *, user: User, kind: str, council: Council, job_title: str = "", reason: str = "", site: str
) -> RoleRequest:
    """Ask for a role at a council; those who may decide are emailed."""
    if Role.objects.filter(user=user, kind=kind, council=council).exists():
        raise AccountError(_("You already hold this role at this council."))
    if not council.is_current:
        raise AccountError(_("This council no longer exists. Choose a current council."))
    with transaction.atomic():
        if RoleRequest.objects.pending().filter(user=user, kind=kind, council=council).exists():
            raise AccountError(_("You have already asked for this role. Wait for the decision."))
        role_request = RoleRequest.objects.create(
            user=user,
            kind=kind,
            council=council,
            job_title=job_title.strip(),
            reason=reason.strip(),
        )
        _email(
            template="role_requested",
            to=_deciders(role_request),
            context={"request": role_request, "site": site.rstrip("/")},
        )
    return role_request


def role_request_decide(
    *, user: User, role_request: RoleRequest, approve: bool, site: str
) -> RoleRequest:
    """Approve (the role is granted) or refuse a request; the person who asked is emailed."""
    with transaction.atomic():
        role_request = (
            RoleRequest.objects.select_for_update().select_related("user", "council")
        ).get(pk=role_request.pk)
        if not access.can_decide_role_request(user, role_request):
            raise PermissionDenied(NOT_DECIDER)
        if role_request.status != RoleRequestStatus.PENDING:
            raise AccountError(_("This request has already been decided."))
        role_request.status = RoleRequestStatus.APPROVED if approve else RoleRequestStatus.REFUSED
        role_request.decided_by = user
        role_request.decided_at = timezone.now()
        role_request.save(update_fields=["status", "decided_by", "decided_at"])
        if approve:
            Role.objects.get_or_create(
                user=role_request.user, kind=role_request.kind, council=role_request.council
            )
        _email(
            template="role_decided",
            to=[role_request.user.email],
            context={"request": role_request, "site": site.rstrip("/")},
        )
    return role_request
