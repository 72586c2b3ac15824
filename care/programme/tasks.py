"""Workers of the care programme: the daily run of each unit (cancel what no longer applies, generate the
horizon, escalate overdue tasks), fanned out by beat to every active unit. Idempotent, as acks_late requires."""

from django.db import connection

from care.programme.services.runs import run_daily
from carehub.celery import app
from carehub.tasks import PlatformTask, UnitTask, for_each_active_unit


@app.task(base=UnitTask)
def daily_run():
    report = run_daily()  # UnitTask runs it in the unit's zone, with the audit source "task"
    return {"unit": connection.schema_name, "today": str(report.today), "cancelled": report.cancelled,
            "tasks": report.generated.tasks, "greetings": report.generated.greetings, "escalated": report.escalated}


@app.task(base=PlatformTask)
def fan_out_daily_run():
    return len(for_each_active_unit(daily_run))
