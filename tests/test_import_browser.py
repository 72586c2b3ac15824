"""The import wizard in a real browser against a real server process: a file with one bad row is refused with
the row, column and reason shown; the fixed file is uploaded again, committed, and its members are listed. A
unit's own roster goes through the column step, on a phone and on a laptop.

The server process sees only committed rows, so what the import commits is removed afterwards, audit rows
included (see tests/test_browser_registers.py for the same pattern).
"""

import csv
import io
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from care.registers.models import ColumnMapping, ImportBatch, Member

from .conftest import PASSWORD
from .test_browser import browser, server  # noqa: F401  (fixtures)
from .test_browser_a11y import SMALL_TEXT

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
                ColumnMapping.objects.all().delete()  # the column step's choices, remembered by the server
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


def upload(page, content: bytes, name="members.csv", wait="#import-summary") -> None:
    page.set_input_files("#upload-form input[type=file]", files=[{"name": name, "buffer": content,
                                                                  "mimeType": "application/octet-stream"}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector(wait)


def sign_in(browser, server, viewport):  # noqa: F811
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    base = f"http://alpha.localhost:{server}"
    page.goto(f"{base}/accounts/login/?next=/imports/")
    page.fill("input[name=username]", "browser@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/imports/")
    return context, page, base


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def fits(page, phone: bool) -> None:
    """No sideways scroll, no critical or serious axe-core violation, and large type on a phone."""
    assert no_sideways_scroll(page)
    serious = [violation["id"] for violation in Axe().run(page).response["violations"]
               if violation["impact"] in ("critical", "serious")]
    assert not serious, serious
    if phone:
        assert page.evaluate(SMALL_TEXT) == []


def test_import_with_a_bad_row_then_the_fixed_file(server, browser, cleanup):  # noqa: F811
    context, page, base = sign_in(browser, server, {"width": 1366, "height": 768})

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


def roster() -> bytes:
    """A street's own roster: a title row, a serial number, an ID number, remarks and 单位 for the branch."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["红旗街道党员花名册"])
    sheet.append(["序号", "姓名", "性别", "单位", "人员状态", "会用智能手机", "联系电话", "身份证号", "备注"])
    sheet.append([1, f"{PREFIX}丁", "男性", "东一支部", "离退休", "会", "13912345611", "210211195003020011", "组长"])
    sheet.append([2, f"{PREFIX}戊", "女", "东二支部", "在职", "不会", "", "210211194805060022", ""])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 768}],
                         ids=["phone", "laptop"])
def test_the_column_step(server, browser, cleanup, viewport, tmp_path):  # noqa: F811
    context, page, base = sign_in(browser, server, viewport)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base}])
    upload(page, roster(), name="花名册.xlsx", wait="#columns-form")
    assert page.url.endswith("/columns/")
    assert "Still needed: Organisation." in page.inner_text("#missing-columns")
    to_check = page.inner_text("#columns-to-check")
    assert "单位" in to_check and "身份证号" in to_check and "备注" in to_check and "人员状态" not in to_check
    assert page.get_by_label("人员状态").input_value() == "status"
    fits(page, phone=viewport["width"] < 500)
    page.screenshot(path=tmp_path / f"columns-{viewport['width']}.png", full_page=True)

    page.click("#columns-form button[type=submit]")  # nothing chosen for 单位 yet: asked again
    page.wait_for_selector("#columns-form .form-error")
    assert "Organisation" in page.inner_text("#columns-form .form-error")
    page.get_by_label("单位").select_option("node")
    page.click("#columns-form button[type=submit]")
    page.wait_for_selector("#import-summary")
    assert "2 rows are ready" in page.inner_text("#import-summary")
    assert page.inner_text("#ignored-columns").endswith("序号、身份证号、备注")
    fits(page, phone=viewport["width"] < 500)
    page.screenshot(path=tmp_path / f"preview-{viewport['width']}.png", full_page=True)
    page.click("#commit-form button[type=submit]")
    page.wait_for_selector("#import-summary a")
    assert "2 records were imported." in page.inner_text("#import-summary")

    # The next file with the same columns needs no question.
    page.goto(f"{base}/imports/")
    upload(page, roster(), name="花名册.xlsx", wait="#import-summary")
    assert "/columns/" not in page.url
    context.close()
