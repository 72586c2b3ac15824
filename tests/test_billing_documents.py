"""Invoice PDFs: rendered in Chinese with the unit's name and totals, stored when the invoice is issued (by the
task, or by the first download if it comes first), and the same bytes on every download afterwards."""

import datetime
import io
import time

import pytest
from django.utils import timezone
from pypdf import PdfReader

from billing.models import Invoice, InvoiceCounter, Plan
from billing.services import documents, invoices
from billing.services.documents import render_invoice_pdf
from billing.services.usage import record_usage
from carehub.celery import app

from .billing_data import committed, purge_committed, subscribed
from .conftest import logged_in
from .platform_data import CONSOLE, console_client

MAY = datetime.date(2026, 5, 1)


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def drafted(alpha, media):
    subscribed(alpha.unit, code="standard", price="2980.00", sms=100, overage="0.0450")
    Plan.objects.filter(code="standard").update(name="标准版")
    record_usage(alpha.unit, "sms_segments", 123, source_key="may", day=MAY + datetime.timedelta(days=3))
    (invoice,) = invoices.draft_invoices(MAY)
    return invoice


@pytest.mark.django_db
def test_issuing_queues_the_render_and_the_task_stores_the_pdf(drafted, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        issued = invoices.issue(None, drafted)
    assert len(callbacks) == 1 and not Invoice.objects.get(pk=issued.pk).pdf  # rendered after the commit
    render_invoice_pdf.apply(args=[issued.pk]).get()
    stored = Invoice.objects.get(pk=issued.pk).pdf
    assert stored.name == f"invoices/{issued.issued_at:%Y}/{issued.number}.pdf"
    text = text_of(stored.read())
    assert "Alpha 区委" in text and issued.number in text  # Chinese glyphs, found again by text extraction
    figures = text.replace(",", "")
    assert "标准版" in text and "2980.00" in figures and "2981.04" in figures  # + 23 × 0.045 = 1.035 → 1.04
    assert "2026-05" in text


@pytest.mark.django_db
def test_every_download_returns_the_stored_bytes(drafted, media):
    issued = invoices.issue(None, drafted)
    client = console_client()
    first = client.get(f"/billing/invoices/{issued.pk}/pdf/")  # before the task: the download stores it
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    stored = Invoice.objects.get(pk=issued.pk).pdf
    assert stored and stored.read() == first.content
    render_invoice_pdf.apply(args=[issued.pk]).get()  # the task, late, changes nothing
    assert Invoice.objects.get(pk=issued.pk).pdf.name == stored.name
    time.sleep(1.1)  # a re-render would differ at least in its timestamps
    invoices.mark_paid(None, issued, paid_on=timezone.localdate(), reference="ICBC 0042")
    assert client.get(f"/billing/invoices/{issued.pk}/pdf/").content == first.content
    assert documents.stored_pdf(issued.pk) == first.content
    assert len(list(media.rglob("*.pdf"))) == 1


@pytest.mark.django_db
def test_a_draft_is_a_preview_never_stored(drafted, media):
    response = console_client().get(f"/billing/invoices/{drafted.pk}/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "Alpha 区委" in text_of(response.content)
    assert not Invoice.objects.get(pk=drafted.pk).pdf and not list(media.rglob("*.pdf"))
    with pytest.raises(ValueError):
        documents.stored_pdf(drafted.pk)


@pytest.mark.django_db
def test_only_operators_download_invoices(drafted, alpha, beta):
    unit_admin = logged_in(alpha)
    assert unit_admin.get(f"/billing/invoices/{drafted.pk}/pdf/").status_code == 404  # no such page in a unit
    unit_admin.defaults["HTTP_HOST"] = CONSOLE  # the unit's session cookie, sent to the console
    assert unit_admin.get(f"/billing/invoices/{drafted.pk}/pdf/").status_code == 302
    assert logged_in(beta).get(f"/billing/invoices/{drafted.pk}/pdf/").status_code == 404


# The real worker: the issue is committed (from another connection), the worker renders on the report queue.

def test_the_worker_stores_the_pdf_after_the_issue_commits(django_db_setup, worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert app.amqp.router.route({}, render_invoice_pdf.name)["queue"].name == worker  # the report queue
    unit = django_db_setup["alpha"].unit
    year = timezone.localdate().year

    def issue():
        before = InvoiceCounter.objects.filter(year=year).values_list("last", flat=True).first() or 0
        plan = subscribed(unit, code="worker-pdf")
        invoice = Invoice.objects.create(unit=unit, plan=plan, period=datetime.date(2024, 1, 1), total="300.00")
        return before, plan.pk, invoices.issue(None, invoice).pk

    before, plan_id, invoice_id = committed(issue)
    try:
        deadline = time.monotonic() + 60
        while not committed(lambda: Invoice.objects.get(pk=invoice_id).pdf.name):
            assert time.monotonic() < deadline, "the worker did not store the PDF"
            time.sleep(0.3)
        assert (tmp_path / committed(lambda: Invoice.objects.get(pk=invoice_id).pdf.name)).stat().st_size > 1000
    finally:
        committed(purge_committed, plan_id, [invoice_id], (year, before))
