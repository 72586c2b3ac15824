"""In a real browser against a real server process: the unit admin asks for a fund report on the reports page,
watches it render (a real Celery worker consuming the "reports" queue the server sends to), downloads the PDF, and
the test reads the unit's name and the totals back from the PDF's text.

The server sees only committed rows, so the fund and its entries are committed and removed afterwards."""

import io
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from pypdf import PdfReader

from care.fund.services import funds, ledger
from care.reports.models import ReportRun
from carehub.celery import app

from .conftest import PASSWORD
from .test_browser import browser, server  # noqa: F401  (fixtures)
from .test_browser_fund import purge
from .test_browser_registers import committed

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def report_worker(django_db_setup, django_db_blocker):
    """A worker on the queue the server process routes reports to (its own configuration, not the tests')."""
    with django_db_blocker.unblock(), start_worker(app, queues=[app.conf.carehub_queues["reports"]],
                                                   perform_ping_check=False, concurrency=1, pool="solo",
                                                   loglevel="WARNING"):
        yield


@pytest.fixture
def fund(django_db_setup):
    alpha = django_db_setup["alpha"]

    def create():
        fund = funds.create_fund(alpha.admin, alpha.nodes["east"], name="东区总支帮扶基金")
        ledger.post_entry(alpha.admin, fund, kind="dues", amount="1234.50", purpose="党费划拨")
        ledger.post_entry(alpha.admin, fund, kind="visit_gift", amount="200.00", purpose="春节慰问品")
        return fund

    yield committed(create)

    def cleanup():
        for run in ReportRun.objects.all():
            for field in (run.pdf, run.xlsx):
                if field:
                    field.delete(save=False)
        ReportRun.objects.all().delete()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE object_type = 'report'")
        purge(alpha.nodes["east"].pk)

    committed(cleanup)


def test_request_a_fund_report_and_download_it(fund, report_worker, server, browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    context.add_cookies([{"name": "django_language", "value": "en", "domain": "alpha.localhost", "path": "/"}])
    page = context.new_page()
    page.goto(f"http://alpha.localhost:{server}/accounts/login/")
    page.fill("input[name=username]", "browser@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # the start page is the user's own work
    page.click("#sections a[href='/reports/']")
    page.select_option("#id_kind", "fund")
    page.select_option("#id_node", str(fund.node_id))
    page.select_option("#id_period", "year")
    page.fill("#id_year", str(timezone.localdate().year))
    page.click("#request-report")
    page.wait_for_url(f"http://alpha.localhost:{server}/reports/")
    row = page.locator("#report-runs tbody tr").first
    assert "东区总支" in row.inner_text()
    started = time.monotonic()
    # HTMX polls the row until the worker has rendered the report.
    page.wait_for_selector("#report-runs .download-pdf", timeout=120_000)
    assert "Ready" in row.inner_text() and time.monotonic() - started < 120
    with page.expect_download() as download:
        page.click("#report-runs .download-pdf")
    data = download.value.path().read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Alpha 区委" in text and "东区总支帮扶基金" in text
    assert "¥1,234.50" in text and "¥200.00" in text and "¥1,034.50" in text
    context.close()
