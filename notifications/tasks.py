"""SMS workers (queue "sms"): the relay of each unit, run by beat every 30 s, dispatched on commit whenever
something due is queued (notifications.services.outbox), and woken by beat's watchdog where a worker died
holding a claim or an unknown outcome is due for its lookup. Every path runs the same idempotent relay, so a lost
task message costs only delay. Each task's logic is a service; the tasks defined next to it (the relay's, the
staff reminders') are imported here so that every worker registers them."""

import logging
import time

from django_tenants.utils import schema_context

from carehub.celery import app
from carehub.tasks import PlatformTask, UnitTask, for_each_active_unit
from notifications import leases
from notifications.services.greetings import queue_due_greetings
from notifications.services.ladder import climb
from notifications.services.relay import relay_unit
from notifications.services.reminders import daily_digests, fan_out_digests
from tenants.models import Unit

logger = logging.getLogger(__name__)
__all__ = ["climb_and_relay", "daily_digests", "fan_out_digests", "fan_out_relay", "greet_and_relay", "relay_unit",
           "wake_units"]


@app.task(base=UnitTask)
def greet_and_relay():
    """Beat's relay of one unit: first today's greetings not yet in the outbox (a rule created during the day
    planned them, and they go out the same day), the ladders whose step is over, then the relay."""
    queue_due_greetings(None)
    _climb()
    return relay_unit.run()


@app.task(base=UnitTask)
def climb_and_relay():
    """The watchdog's run of one unit: the ladders whose step is over (a message settled), then the relay (which
    sends their next rungs, and settles what a dead worker left)."""
    _climb()
    return relay_unit.run()


def _climb() -> None:
    """Climb the unit's ladders; a failure is reported, never allowed to stop the relay that follows (the unit's
    messages and their reports must keep moving; the ladders climb at the next run)."""
    try:
        climb()
    except Exception:  # noqa: BLE001 - reported to Sentry through the log
        logger.exception("climbing the ladders of channels failed")


@app.task(base=PlatformTask)
def fan_out_relay():
    return len(for_each_active_unit(greet_and_relay))


@app.task(base=PlatformTask)
def wake_units():
    """Beat, every few seconds: climb the ladders and run the relay now in the active units that need it
    (leases.due)."""
    schemas = leases.due(time.time())
    active = list(Unit.objects.active().filter(schema_name__in=schemas).values_list("schema_name", flat=True))
    for schema in active:
        with schema_context(schema):
            climb_and_relay.apply_async(headers={"_schema_name": schema})
    return len(active)
