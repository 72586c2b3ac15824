"""SMS workers (queue "sms"): the relay of each unit, run by beat every 30 s, dispatched on commit whenever
something due is queued (notifications.services.outbox), and woken by beat's watchdog where a worker died
holding a claim or an unknown outcome is due for its lookup. Every path runs the same idempotent relay, so a lost
task message costs only delay. Each task's logic is a service; the tasks defined next to it (the relay's, the
staff reminders') are imported here so that every worker registers them."""

import time

from django_tenants.utils import schema_context

from carehub.celery import app
from carehub.tasks import PlatformTask, UnitTask, for_each_active_unit
from notifications import leases
from notifications.services.greetings import queue_due_greetings
from notifications.services.relay import relay_unit
from notifications.services.reminders import daily_digests, fan_out_digests
from tenants.models import Unit

__all__ = ["daily_digests", "fan_out_digests", "fan_out_relay", "greet_and_relay", "relay_unit", "wake_units"]


@app.task(base=UnitTask)
def greet_and_relay():
    """Beat's relay of one unit: first today's greetings not yet in the outbox (a rule created during the day
    planned them, and they go out the same day), then the relay."""
    queue_due_greetings(None)
    return relay_unit.run()


@app.task(base=PlatformTask)
def fan_out_relay():
    return len(for_each_active_unit(greet_and_relay))


@app.task(base=PlatformTask)
def wake_units():
    """Beat, every few seconds: run the relay now in the active units that need it (leases.due)."""
    schemas = leases.due(time.time())
    active = list(Unit.objects.active().filter(schema_name__in=schemas).values_list("schema_name", flat=True))
    for schema in active:
        with schema_context(schema):
            relay_unit.apply_async(headers={"_schema_name": schema})
    return len(active)
