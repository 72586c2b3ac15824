"""The current unit and its clock, in one place.

Which unit a request or a task serves is the connection's schema (django-tenants sets it per request,
tenant-schemas-celery per task). Its time zone decides what "today" and "now" are: a task due on the 3rd is
overdue from the unit's midnight, not the server's. On the public schema (the operator console, platform tasks)
there is no unit and the platform's own zone (settings.TIME_ZONE) applies.

Request middleware and the task base class (carehub.tasks) both enter `activate_unit`, so Django's own
`timezone.localtime()` and the active language agree with these functions wherever code runs.
"""

import datetime
import zoneinfo
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django_tenants.utils import get_public_schema_name, get_tenant_model


def current_unit():
    """The unit whose schema the connection is on, or None on the public schema.

    A request's connection carries the Unit itself; a task's or schema_context's carries a stand-in that knows
    only the schema name, so the Unit is read once and put on the connection for the rest of the task."""
    schema = connection.schema_name
    if schema == get_public_schema_name():
        return None
    unit_model = get_tenant_model()
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, unit_model):
        return tenant
    unit = unit_model.objects.filter(schema_name=schema).first()
    if unit is not None:
        connection.set_tenant(unit)
    return unit


def unit_zone(unit=None) -> zoneinfo.ZoneInfo:
    unit = unit or current_unit()
    return zoneinfo.ZoneInfo(getattr(unit, "time_zone", None) or settings.TIME_ZONE)


def unit_now(now: datetime.datetime | None = None, *, unit=None) -> datetime.datetime:
    """Now (or `now`) as an aware datetime in the unit's zone: its wall clock."""
    return (now or timezone.now()).astimezone(unit_zone(unit))


def unit_today(now: datetime.datetime | None = None, *, unit=None) -> datetime.date:
    """Today where the unit is (of `now` when given): what is due, overdue or generated changes at its midnight."""
    return unit_now(now, unit=unit).date()


def unit_language(unit=None) -> str:
    unit = unit or current_unit()
    return getattr(unit, "language", None) or settings.LANGUAGE_CODE


@contextmanager
def activate_unit(unit=None, *, language: str | None = None):
    """Run the block in the unit's time zone and language (`language` overrides the unit's: a user's choice).
    Both are reset afterwards: threads and workers serve many units one after the other."""
    unit = unit or current_unit()
    translation.activate(language or unit_language(unit))
    timezone.activate(unit_zone(unit))
    try:
        yield unit
    finally:
        translation.deactivate()
        timezone.deactivate()
