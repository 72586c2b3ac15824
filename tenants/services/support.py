"""Support access: an operator enters a unit's portal only while a unit admin's consent is in force.

The unit admin grants consent (for CAREHUB_SUPPORT_CONSENT_HOURS) in their portal and may revoke it. An
operator then gets a one-time link to the unit's host; following it signs them in as the unit's support
account (a read-only viewer) until the consent ends. Granting, revoking and each entry are written to the unit's
audit trail; entries are also kept as UnitEvents on the platform side.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from carehub.accounts.models import Role, User
from carehub.audit.services import record
from tenants.actions import CONSENT_GRANTED, CONSENT_REVOKED, SUPPORT_ENTERED
from tenants.models import SupportConsent, SupportPass, Unit, UnitEvent
from tenants.services.onboarding import base_url
from tenants.signals import support_account_ready

PASS_SECONDS = 120
SUPPORT_EMAIL = "support@carehub.platform"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_consent(unit: Unit, now=None) -> SupportConsent | None:
    now = now or timezone.now()
    return (SupportConsent.objects.filter(unit=unit, revoked_at__isnull=True, expires_at__gt=now)
            .order_by("-expires_at").first())


def grant_consent(admin, unit: Unit, *, reason: str = "", hours: int | None = None) -> SupportConsent:
    """Called in the unit's schema by one of its admins."""
    if getattr(admin, "role", None) != Role.ADMIN or getattr(admin, "is_staff", False):
        raise PermissionDenied
    hours = hours or settings.CAREHUB_SUPPORT_CONSENT_HOURS
    with transaction.atomic():
        consent = SupportConsent.objects.create(unit=unit, granted_by=admin.email, reason=reason[:200],
                                                expires_at=timezone.now() + timedelta(hours=hours))
        record(admin, CONSENT_GRANTED, consent, {"expires_at": [None, consent.expires_at.isoformat()],
                                                   "reason": [None, reason]})
    return consent


def revoke_consent(admin, unit: Unit) -> int:
    """End every consent in force and sign the support account out (it is deactivated)."""
    if getattr(admin, "role", None) != Role.ADMIN or getattr(admin, "is_staff", False):
        raise PermissionDenied
    with transaction.atomic():
        consents = list(SupportConsent.objects.select_for_update().filter(
            unit=unit, revoked_at__isnull=True, expires_at__gt=timezone.now()))
        for consent in consents:
            consent.revoked_at = timezone.now()
            consent.save(update_fields=["revoked_at"])
            record(admin, CONSENT_REVOKED, consent, {"revoked_at": [None, consent.revoked_at.isoformat()]})
        User.objects.filter(email=SUPPORT_EMAIL).update(is_active=False)
    return len(consents)


def issue_pass(operator, unit: Unit) -> str:
    """In the console: a one-time link into the unit's portal, only under a consent in force."""
    if not getattr(operator, "is_staff", False):
        raise PermissionDenied
    consent = active_consent(unit)
    if consent is None:
        raise ValidationError(_("The unit's admin has not allowed support access, or the permission has ended."))
    token = secrets.token_urlsafe(32)
    SupportPass.objects.create(consent=consent, operator=operator, operator_email=operator.email,
                               token_hash=_hash(token),
                               expires_at=timezone.now() + timedelta(seconds=PASS_SECONDS))
    return base_url(unit.domains.get(is_primary=True).domain) + f"/support/enter/{token}/"


def redeem_pass(unit: Unit, token: str) -> tuple[User, SupportConsent]:
    """At the unit's host: spend the link and return the support account to sign in, valid until the consent
    ends. Refused (PermissionDenied) for a wrong, used or expired link, or a consent revoked meanwhile."""
    now = timezone.now()
    with transaction.atomic():
        issued = (SupportPass.objects.select_for_update().select_related("consent")
                  .filter(token_hash=_hash(token), consent__unit=unit).first())
        if issued is None or issued.used_at or issued.expires_at <= now:
            raise PermissionDenied
        consent = issued.consent
        if consent.revoked_at or consent.expires_at <= now:
            raise PermissionDenied
        issued.used_at = now
        issued.save(update_fields=["used_at"])
        operator_email = issued.operator_email
        UnitEvent.objects.create(unit=unit, action=UnitEvent.Action.SUPPORT_ENTERED, actor_id=issued.operator_id,
                                 source="console", note=f"consent={consent.pk} operator={operator_email}")
        with schema_context(unit.schema_name):
            user, _created = User.objects.update_or_create(
                email=SUPPORT_EMAIL,
                defaults={"full_name": _("Platform support (%(operator)s)") % {"operator": operator_email},
                          "role": Role.VIEWER, "is_active": True})
            user.set_unusable_password()
            user.save(update_fields=["password"])
            support_account_ready.send(sender=User, user=user)  # the registers let it read the whole unit
            record(user, SUPPORT_ENTERED, consent, {"operator": [None, operator_email],
                                                    "until": [None, consent.expires_at.isoformat()]})
    return user, consent
