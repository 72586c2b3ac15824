"""Unit lifecycle beyond status changes: renaming, moving to another address, resending the first admin's
invitation, and deletion (requested, then after a grace period confirmed a second time, then the schema is
dropped). Each action takes the acting operator, runs in one transaction and writes a UnitEvent."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from carehub.accounts.models import Invitation, Role, User
from carehub.accounts.services import IssuedInvitation, hash_token
from tenants.models import Domain, Unit, UnitEvent, UnitStatus
from tenants.services.onboarding import base_url, change_status, domain_for, locked, record_event, validate_slug


def rename(actor, unit: Unit, name: str, *, source: str = "console") -> Unit:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("The unit needs a name.")})
    with transaction.atomic():
        unit = locked(unit)
        before, unit.name = unit.name, name
        unit.save(update_fields=["name"])
        record_event(actor, unit, UnitEvent.Action.RENAMED, f"name: {before} -> {name}", source)
    return unit


def change_address(actor, unit: Unit, slug: str, *, source: str = "console") -> Unit:
    """Move the unit to {slug}.{base domain}. The schema keeps its name, so nothing inside the unit moves;
    sessions are per schema and per host, so other units' sessions are untouched (the unit's own staff sign
    in again at the new address, since browsers keep cookies per host)."""
    with transaction.atomic():
        unit = locked(unit)
        if slug == unit.slug:
            return unit
        slug = validate_slug(slug)
        before, unit.slug = unit.slug, slug
        unit.save(update_fields=["slug"])
        Domain.objects.filter(tenant=unit).delete()
        Domain.objects.create(domain=domain_for(slug), tenant=unit, is_primary=True)
        record_event(actor, unit, UnitEvent.Action.RENAMED, f"address: {before} -> {slug}", source)
    return unit


def resend_invitation(actor, unit: Unit, *, source: str = "console") -> str:
    """A new one-time link for the first admin who has not accepted theirs yet; earlier links stop working."""
    import secrets

    with transaction.atomic(), schema_context(unit.schema_name):
        admin = User.objects.filter(role=Role.ADMIN, is_active=False, last_login__isnull=True,
                                    invitations__isnull=False).order_by("date_joined").first()
        if admin is None:
            raise ValidationError(_("Every admin of this unit has already accepted their invitation."))
        Invitation.objects.filter(user=admin, used_at__isnull=True).update(expires_at=timezone.now())
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            user=admin, token_hash=hash_token(token),
            expires_at=timezone.now() + timedelta(days=settings.CAREHUB_INVITATION_DAYS))
        email = admin.email
    record_event(actor, unit, UnitEvent.Action.INVITATION_RESENT, email, source)
    return base_url(unit.domains.get(is_primary=True).domain) + IssuedInvitation(invitation, token).path


def request_deletion(actor, unit: Unit, *, source: str = "console") -> Unit:
    """Only an archived unit can be deleted, and not before the grace period has passed."""
    with transaction.atomic():
        unit = locked(unit)
        if unit.status != UnitStatus.ARCHIVED:
            raise ValidationError(_("Archive the unit before deleting it."))
        if unit.delete_after is None:
            unit.delete_after = timezone.now() + timedelta(days=settings.CAREHUB_DELETION_GRACE_DAYS)
            unit.save(update_fields=["delete_after"])
            record_event(actor, unit, UnitEvent.Action.DELETION_REQUESTED, f"after={unit.delete_after:%Y-%m-%d %H:%M}",
                   source)
    return unit


def cancel_deletion(actor, unit: Unit, *, source: str = "console") -> Unit:
    with transaction.atomic():
        unit = locked(unit)
        if unit.delete_after is not None and unit.status == UnitStatus.ARCHIVED:
            unit.delete_after = None
            unit.save(update_fields=["delete_after"])
            record_event(actor, unit, UnitEvent.Action.DELETION_CANCELLED, "", source)
    return unit


def delete_unit(actor, unit: Unit, *, confirm_slug: str, now=None, source: str = "console") -> Unit:
    """Drop the unit's schema: the second confirmation is the unit's slug typed again, after the grace period.
    The Unit row stays (status deleted) for invoices and the lifecycle record; its domains go."""
    now = now or timezone.now()
    with transaction.atomic():
        unit = locked(unit)
        if unit.status != UnitStatus.ARCHIVED or unit.delete_after is None:
            raise ValidationError(_("Request the deletion of an archived unit first."))
        if now < unit.delete_after:
            raise ValidationError(_("The unit can be deleted after %(when)s.")
                                  % {"when": timezone.localtime(unit.delete_after).strftime("%Y-%m-%d %H:%M")})
        if confirm_slug != unit.slug:
            raise ValidationError({"confirm_slug": _("Type the unit's slug to confirm the deletion.")})
        with connection.cursor() as cursor:
            # Deferred foreign-key checks still pending in this transaction would block dropping their tables.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"DROP SCHEMA {connection.ops.quote_name(unit.schema_name)} CASCADE")
        Domain.objects.filter(tenant=unit).delete()
        # Not unit.save(): django-tenants recreates a saved tenant's missing schema.
        Unit.objects.filter(pk=unit.pk).update(status=UnitStatus.DELETED)
        unit.status = UnitStatus.DELETED
        record_event(actor, unit, UnitEvent.Action.DELETED, f"schema {unit.schema_name} dropped", source)
    return unit


BILLING_SOURCE = "billing"  # UnitEvent.source of suspensions made by the unit's subscription


def follow_subscription(sender, *, actor, unit, status: str, stops_unit: bool, **kwargs) -> None:
    """Receiver of billing.signals.subscription_changed (connected in tenants.apps). Suspend the unit when its
    subscription stops it; resume it when the subscription is good again, but only if the subscription
    suspended it (a suspension an operator made by hand stays until they lift it)."""
    unit.refresh_from_db(fields=["status"])
    note = f"subscription {status}"
    if stops_unit and unit.status == UnitStatus.ACTIVE:
        change_status(actor, unit, UnitEvent.Action.SUSPENDED, note=note, source=BILLING_SOURCE)
    elif not stops_unit and unit.status == UnitStatus.SUSPENDED:
        last = unit.events.filter(action=UnitEvent.Action.SUSPENDED).order_by("-at", "-pk").first()
        if last is not None and last.source == BILLING_SOURCE:
            change_status(actor, unit, UnitEvent.Action.RESUMED, note=note, source=BILLING_SOURCE)
