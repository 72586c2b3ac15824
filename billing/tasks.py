import zoneinfo
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from billing.services import documents, invoices, metering
from carehub.celery import app
from carehub.clock import unit_today
from carehub.pdf import PdfError
from carehub.tasks import PlatformTask, UnitTask, for_each_active_unit
from tenants.models import Unit


@app.task(base=UnitTask)
def meter_unit():
    """Today's count in the unit's own time zone, so each unit's day is its own."""
    unit = Unit.objects.get(schema_name=connection.schema_name)
    return metering.meter_current_unit(unit, timezone.localdate(timezone=zoneinfo.ZoneInfo(unit.time_zone)))


@app.task(base=PlatformTask)
def fan_out_metering():
    return len(for_each_active_unit(meter_unit))


@app.task(base=PlatformTask)
def draft_monthly_invoices():
    """On the 1st: drafts for the month that just ended, for an operator to review and issue."""
    last_month = (unit_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    return len(invoices.draft_invoices(last_month))


# Named under "billing.pdf.", which carehub.celery routes to the report workers' queue with the other WeasyPrint work.
@app.task(base=PlatformTask, bind=True, name="billing.pdf.render_invoice", max_retries=2)
def render_invoice_pdf(self, invoice_id: int):
    """Store an issued invoice's PDF (does nothing if it is stored already)."""
    try:
        documents.stored_pdf(invoice_id)
    except PdfError as exc:
        if not exc.retryable:
            raise
        raise self.retry(exc=exc, countdown=60) from exc
    return invoice_id
