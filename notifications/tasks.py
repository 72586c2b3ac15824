"""SMS workers (queue "sms"): the relay of each unit, fanned out by beat, dispatched on commit whenever
something due is queued, and woken by beat's watchdog where a worker died holding a claim or an unknown outcome
is due for its lookup. Every path runs the same idempotent relay, so a lost task message costs only delay."""

import time

from django.db import connection
from django_tenants.utils import schema_context

from carehub.audit.models import Source
from carehub.audit.services import source
from carehub.celery import app
from carehub.tasks import PlatformTask, UnitTask, for_each_active_unit
from notifications import leases
from notifications.services.relay import relay

# The staff reminders' tasks live next to their logic (notifications.services.reminders). Imported here, they are
# registered wherever autodiscovery imports this module (every worker), not only where care code imports them.
from notifications.services.reminders import daily_digests, fan_out_digests
from tenants.models import Unit

__all__ = ["daily_digests", "fan_out_digests", "fan_out_relay", "relay_unit", "wake_units"]


@app.task(base=UnitTask)
def relay_unit():
    with source(Source.TASK):
        report = relay()
    return {"unit": connection.schema_name, **(report.as_dict() if report else {"configured": False})}


@app.task(base=PlatformTask)
def fan_out_relay():
    return len(for_each_active_unit(relay_unit))


@app.task(base=PlatformTask)
def wake_units():
    """Beat, every few seconds: run the relay now in the active units that need it (leases.due)."""
    schemas = leases.due(time.time())
    active = list(Unit.objects.active().filter(schema_name__in=schemas).values_list("schema_name", flat=True))
    for schema in active:
        with schema_context(schema):
            relay_unit.apply_async(headers={"_schema_name": schema})
    return len(active)
