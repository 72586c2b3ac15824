"""Metering: each day, the members a plan counts (see limits.counted_members) and the unit's last activity.
SMS segments are recorded by the SMS workers as they send (record_usage with the message as source)."""

from datetime import date

from django.db.models import Max
from django_tenants.utils import get_tenant_model

from billing.services.limits import counted_members
from billing.services.usage import record_usage


def meter_current_unit(unit, day: date) -> int:
    """Run inside the unit's schema. Idempotent per unit and day: the day's first count stands."""
    from carehub.accounts.models import User
    from carehub.audit.models import AuditEvent

    members = counted_members().count()
    record_usage(unit, "active_members", members, source_key=f"day:{day.isoformat()}", day=day)
    moments = [AuditEvent.objects.aggregate(at=Max("at"))["at"], User.objects.aggregate(at=Max("last_login"))["at"]]
    latest = max((moment for moment in moments if moment), default=None)
    if latest:
        get_tenant_model().objects.filter(pk=unit.pk).update(last_activity_at=latest)
    return members
