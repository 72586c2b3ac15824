"""The import wizard in a real browser against a real server process: a file with one bad row is refused with
the row, column and reason shown; the fixed file is uploaded again, committed, and its members are listed.

The server process sees only committed rows, so what the import commits is removed afterwards, audit rows
included (see tests/test_browser_registers.py for the same pattern).
"""

import csv
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from care.registers.models import ImportBatch, Member

from .conftest import PASSWORD
from .test_browser import browser, server  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
PREFIX = "导入测试"
HEADER = ["姓名", "性别", "出生日期", "入党日期", "手机", "所属组织"]


def members_file(bad_phone: str) -> bytes:
    rows = [[f"{PREFIX}甲", "男", "1950-03-02", "1975-07-01", "13912345601", "东一支部"],
            [f"{PREFIX}乙", "女", "1948/5/6", "1970年7月1日", bad_phone, "东二支部"],
            [f"{PREFIX}丙", "男", "1980-01-15", "2005-07-01", "13912345603", "东区总支/东一支部"]]
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *rows])
    return text.getvalue().encode("gb18030")  # as Excel in China saves CSV


def purge() -> None:
    """In alpha's schema, on a connection of its own (the test's sits in a transaction that is rolled back)."""
    def work():
        try:
            with schema_context("alpha"):
                doomed = [str(pk) for pk in Member.objects.filter(name__startswith=PREFIX).values_list("pk", flat=True)]
                batches = ImportBatch.objects.filter(created_by__email="browser@alpha.test")
                batch_ids = [str(pk) for pk in batches.values_list("pk", flat=True)]
                Member.objects.filter(pk__in=doomed).delete()
                batches.delete()
                with connection.cursor() as cursor:  # the audit trail refuses ORM deletes by design
                    cursor.execute("DELETE FROM audit_auditevent WHERE (object_type = 'member' AND object_id = ANY(%s))"
                                   " OR (object_type = 'importbatch' AND object_id = ANY(%s))", [doomed, batch_ids])
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(work).result()


@pytest.fixture
def cleanup():
    yield
    purge()


def upload(page, content: bytes) -> None:
    page.set_input_files("#upload-form input[type=file]",
                         files=[{"name": "members.csv", "mimeType": "text/csv", "buffer": content}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#import-summary")


def test_import_with_a_bad_row_then_the_fixed_file(server, browser, cleanup):  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    page = context.new_page()
    base = f"http://alpha.localhost:{server}"
    page.goto(f"{base}/accounts/login/?next=/imports/")
    page.fill("input[name=username]", "browser@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/imports/")

    upload(page, members_file(bad_phone="12345"))
    bad = page.locator("#import-rows tr.row-error")
    assert bad.count() == 1
    assert bad.get_attribute("data-row") == "3"
    assert "手机" in bad.inner_text() and "12345" in bad.inner_text()
    assert page.locator("#commit-form").count() == 0

    upload(page, members_file(bad_phone="13912345602"))
    assert page.locator("#import-rows tr.row-error").count() == 0
    page.click("#commit-form button[type=submit]")
    page.wait_for_selector("#import-summary a")
    assert "3" in page.inner_text("#import-summary")

    page.click("#import-summary a")
    page.wait_for_url(f"{base}/registers/members/")
    page.goto(f"{base}/registers/members/?q={PREFIX}")
    for name in ("甲", "乙", "丙"):
        assert page.get_by_text(PREFIX + name).count() >= 1
    context.close()
