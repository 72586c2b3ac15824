from datetime import timedelta

from billing.services import invoices, metering
from billing.services.documents import render_invoice_pdf  # noqa: F401  (registered with the worker here)
from carehub.celery import app
from carehub.clock import current_unit, unit_today
from carehub.tasks import PlatformTask, UnitTask, for_each_active_unit


@app.task(base=UnitTask)
def meter_unit():
    """Today's count in the unit's own time zone, so each unit's day is its own."""
    return metering.meter_current_unit(current_unit(), unit_today())


@app.task(base=PlatformTask)
def fan_out_metering():
    return len(for_each_active_unit(meter_unit))


@app.task(base=PlatformTask)
def draft_monthly_invoices():
    """On the 1st: drafts for the month that just ended, for an operator to review and issue."""
    last_month = (unit_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    return len(invoices.draft_invoices(last_month))
