"""Invoice PDFs, in the reports' Chinese-capable print layout (carehub.pdf).

An issued invoice's PDF is rendered once and stored (Django storage), by a task queued when the invoice is issued
or by the first download if that comes sooner; every later download returns the stored bytes, whatever happens
to the invoice (paid, void), the templates or the translations afterwards. Drafts are previews rendered on request
and never stored.
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.models import Invoice
from carehub.celery import app
from carehub.pdf import PdfError
from carehub.tasks import PlatformTask

ISSUER = "Carehub"


def render(invoice: Invoice) -> bytes:
    """The invoice as a PDF, in the language its lines were drafted in."""
    from carehub.pdf import render_pdf

    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("billing/invoice_pdf.html", {
            "invoice": invoice, "lines": invoice.lines.all(), "title": _("Invoice"),
            "unit_name": invoice.unit.name, "generated_at": invoice.issued_at or timezone.now(),
            "generated_by": ISSUER, "period_label": f"{invoice.period:%Y-%m}",
            "subtitle": invoice.number or _("Draft"),
        })
    return render_pdf(html)


def _read(invoice: Invoice) -> bytes:
    with invoice.pdf.open("rb") as handle:
        return handle.read()


def stored_pdf(invoice_id: int) -> bytes:
    """The issued invoice's stored PDF, rendered and stored first if it is not there yet. Rendering happens
    outside the row lock (it takes a while); if two renders race, the first one stored wins and the other
    returns the stored bytes, so every caller gets the same document."""
    invoice = Invoice.objects.select_related("unit", "plan").get(pk=invoice_id)
    if invoice.pdf:
        return _read(invoice)
    if not invoice.number:
        raise ValueError("Only issued invoices have a stored PDF; render a draft with render().")
    pdf = render(invoice)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice_id)
        if locked.pdf:
            return _read(locked)
        locked.pdf.save(f"invoices/{invoice.issued_at:%Y}/{invoice.number}.pdf", ContentFile(pdf), save=False)
        Invoice.objects.filter(pk=invoice_id).update(pdf=locked.pdf.name)
    return pdf


def pdf_of(invoice: Invoice) -> bytes:
    """What a download returns: the stored PDF of an issued invoice, a fresh preview of a draft."""
    return stored_pdf(invoice.pk) if invoice.number else render(invoice)


# Defined with the service that issues it (as pretix does), so neither module imports the other; carehub.celery
# routes this module's tasks to the report workers' queue with the other WeasyPrint work.
@app.task(base=PlatformTask, bind=True, max_retries=2)
def render_invoice_pdf(self, invoice_id: int):
    """Store an issued invoice's PDF (does nothing if it is stored already)."""
    try:
        stored_pdf(invoice_id)
    except PdfError as exc:
        if not exc.retryable:
            raise
        raise self.retry(exc=exc, countdown=60) from exc
    return invoice_id
