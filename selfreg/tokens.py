"""API tokens, stored hashed (`selfreg.models.ApiToken`): making one and signing in by one.

Clients send `Authorization: Token <key>`, as before. Anyone who had a plain token from the
REST framework's token table keeps it: migration 0002 hashed each into an ApiToken and
removed the plain copy.
"""

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from selfreg.access import TOKEN_ATTR
from selfreg.models import ApiToken, Council

# Writing the time of use on every request would be a write a request; once an hour is
# enough to tell a key in use from one forgotten.
USE_RECORDED_EVERY = datetime.timedelta(hours=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, user, name: str = "", read_only: bool = False, council: Council | None = None
) -> tuple[ApiToken, str]:
    """A new key for this user; returns the stored token and the key, to be shown once.

    `read_only` keys write nothing; a key with a `council` writes for that council only.
    Whoever calls this has checked that the user may write for that council."""
    with transaction.atomic():
        while True:
            prefix = secrets.token_hex(ApiToken.PREFIX_LENGTH // 2)
            if not ApiToken.objects.filter(prefix=prefix).exists():
                break
        key = f"{prefix}.{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:100],
            prefix=prefix,
            key_hash=key_hash(key),
            read_only=read_only,
            council=council,
        )
    return token, key


def api_token_check(key: str) -> ApiToken | None:
    """The token this key is, or None."""
    prefix = key[: ApiToken.PREFIX_LENGTH]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, key_hash(key)):
        return None
    return token


class HashedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, checked against the hashed keys."""

    def authenticate_credentials(self, key):
        token = api_token_check(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # The access rules narrow what this request may write to the token's scope.
        setattr(token.user, TOKEN_ATTR, token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > USE_RECORDED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return (token.user, token)
