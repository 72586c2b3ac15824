"""Operators' two-factor login for the console: password, then a TOTP code (RFC 6238, any authenticator app).

An operator without a confirmed device enrols on first login by scanning a QR code and typing a first code.
Failed passwords and codes count against the account for LOCK_SECONDS; after MAX_FAILURES it is locked out for
the rest of that window, whatever it sends, so guessing either secret is bounded. A code is accepted once.
"""

import pyotp
import segno
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tenants.models import OperatorDevice

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
ISSUER = "Carehub"


def _key(email: str) -> str:
    return f"operator-login-failures:{(email or '').strip().lower()}"


def is_locked(email: str) -> bool:
    return cache.get(_key(email), 0) >= MAX_FAILURES


def register_failure(email: str) -> None:
    key = _key(email)
    cache.add(key, 0, LOCK_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, LOCK_SECONDS)


def clear_failures(email: str) -> None:
    cache.delete(_key(email))


def device_for(user) -> OperatorDevice:
    """The operator's device, created (unconfirmed, with a fresh secret) if they have none."""
    device, _created = OperatorDevice.objects.get_or_create(user=user, defaults={"secret": pyotp.random_base32()})
    return device


def provisioning_uri(device: OperatorDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.email, issuer_name=ISSUER)


def qr_svg(device: OperatorDevice) -> str:
    """The enrolment QR code as inline SVG (no image request, nothing leaves the server)."""
    return segno.make(provisioning_uri(device), error="m").svg_inline(scale=4)


def verify(device: OperatorDevice, code: str, *, now=None) -> bool:
    """Accept a current code (one step of clock drift either way) not used before; confirms a new device."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(device.secret)
    moment = now or timezone.now()
    for drift in (0, -1, 1):
        step = totp.timecode(moment) + drift
        if totp.generate_otp(step) == code:
            with transaction.atomic():
                # Conditional update: two requests with the same code cannot both pass.
                updated = OperatorDevice.objects.filter(pk=device.pk, last_step__lt=step).update(
                    last_step=step, confirmed_at=device.confirmed_at or moment)
            return updated == 1
    return False
