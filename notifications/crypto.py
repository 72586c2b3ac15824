"""Encrypting the secrets a unit stores (its own Twilio auth token) with Fernet (AES-CBC + HMAC).

The key is CAREHUB_FERNET_KEY when set (a urlsafe base64 Fernet key, so it can be rotated apart from Django's
signing key), else derived from SECRET_KEY. Changing the key makes stored tokens unreadable: units then enter
their token again."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt"]


def _fernet() -> Fernet:
    key = settings.CAREHUB_FERNET_KEY
    if not key:
        digest = hashlib.sha256(b"carehub-fernet:" + settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest)
    return Fernet(key)


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """Raises InvalidToken when the key changed or the value was tampered with."""
    return _fernet().decrypt(token.encode()).decode()
