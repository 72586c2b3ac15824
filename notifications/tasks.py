"""SMS workers (queue "sms"): the relay of each unit, fanned out by beat, and dispatched on commit whenever
something due is queued. Both paths run the same idempotent relay, so a lost task message costs only delay."""

from django.db import connection

from care.audit.models import Source
from care.audit.services import source
from carehub.celery import app
from carehub.tasks import PlatformTask, UnitTask, for_each_active_unit

from .relay import relay

# The staff reminders' tasks live next to their logic (notifications.reminders). Imported here, they are
# registered wherever autodiscovery imports this module (every worker), not only where care code imports them.
from .reminders import daily_digests, fan_out_digests

__all__ = ["daily_digests", "fan_out_digests", "fan_out_relay", "relay_unit"]


@app.task(base=UnitTask)
def relay_unit():
    with source(Source.TASK):
        report = relay()
    return {"unit": connection.schema_name, **(report.as_dict() if report else {"configured": False})}


@app.task(base=PlatformTask)
def fan_out_relay():
    return len(for_each_active_unit(relay_unit))
