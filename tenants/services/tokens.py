"""Operator API tokens: the key is shown once; only its SHA-256 is kept."""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from tenants.models import OperatorToken

PREFIX = "chp_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(operator, name: str) -> tuple[OperatorToken, str]:
    if not getattr(operator, "is_staff", False):
        raise PermissionDenied
    if not (name or "").strip():
        raise ValidationError({"name": _("Name the token, e.g. after the system that uses it.")})
    key = PREFIX + secrets.token_urlsafe(32)
    token = OperatorToken.objects.create(user=operator, name=name.strip()[:100], key_hash=_hash(key),
                                         prefix=key[:8])
    return token, key


def revoke_token(operator, token: OperatorToken) -> None:
    if token.user_id != operator.pk:
        raise PermissionDenied
    OperatorToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


class OperatorTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token chp_...` for operators; a unit's tokens live in the unit and mean nothing here."""

    def authenticate_credentials(self, key):
        token = (OperatorToken.objects.select_related("user")
                 .filter(key_hash=_hash(key), revoked_at__isnull=True).first())
        if token is None or not token.user.is_active or not token.user.is_staff:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        OperatorToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token
