"""The register's main flows in a real browser against a real server process: creating a member through the
form (with an inline error fixed before saving), and reviewing a hardship entry that is due.

The server process sees only committed rows, while ordinary tests run in rolled-back transactions. So data the
browser needs is committed by a fixture (or created through the UI) and removed afterwards, audit rows included.
"""

import datetime
import zoneinfo
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from care.registers.models import Evidence, HardshipEntry, HardshipReview, Member
from care.registers.services import hardship, members
from carehub.portal.widgets import NodeSelect

from .conftest import PASSWORD
from .test_browser import browser, server  # noqa: F401  (fixtures)

# django_db: the test database must exist even when these are the only tests run (they use no `db` fixture
# otherwise, and the session's units would be created in the development database).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]
NEW_MEMBER = "浏览器测试员"
DUE_MEMBER = "复审测试员"


def committed(function):
    """Run `function` in alpha's schema on a connection of its own, in another thread. The test's connection
    sits in a transaction that is rolled back, which the server process would never see; this one commits at
    once. (Playwright's event loop in the test's thread also forbids database calls there.)"""
    def work():
        try:
            with schema_context("alpha"):
                return function()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


def purge() -> None:
    """Remove the members these tests commit, with their history. The audit trail refuses deletes through the
    ORM by design, so its rows go by plain SQL, in tests only."""
    doomed = list(Member.objects.filter(name__in=[NEW_MEMBER, DUE_MEMBER]).values_list("pk", flat=True))
    entries = list(HardshipEntry.objects.filter(member__in=doomed).values_list("pk", flat=True))
    HardshipReview.objects.filter(entry__in=entries).delete()
    Evidence.objects.filter(entry__in=entries).delete()
    HardshipEntry.objects.filter(pk__in=entries).delete()
    Member.objects.filter(pk__in=doomed).delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE (object_type = 'member' AND object_id = ANY(%s)) "
                       "OR (object_type = 'hardshipentry' AND object_id = ANY(%s))",
                       [[str(pk) for pk in doomed], [str(pk) for pk in entries]])


@pytest.fixture
def cleanup():
    yield
    committed(purge)


@pytest.fixture
def due_entry(cleanup, django_db_setup) -> HardshipEntry:
    """An entry opened 200 days ago, so its six-monthly review is due."""
    admin, east1 = django_db_setup["alpha"].admin, django_db_setup["alpha"].nodes["east1"]

    def create():
        member = members.create_member(admin, node=east1, name=DUE_MEMBER, sex="f", birth_date="1948-05-06",
                                       phone="13712345678")
        opened = datetime.date.today() - datetime.timedelta(days=200)
        return hardship.open_entry(admin, member, category="elderly", level=1, reason="独居老人", opened_on=opened)

    return committed(create)


def sign_in(browser, port, width=1366, height=768):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": "django_language", "value": "en", "domain": "alpha.localhost", "path": "/"}])
    page = context.new_page()
    page.goto(f"http://alpha.localhost:{port}/accounts/login/")
    page.fill("input[name=username]", "browser@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # the start page is the user's own work
    return page


def test_create_a_member_fixing_an_inline_error(cleanup, server, browser):  # noqa: F811  # noqa: F811
    page = sign_in(browser, server)
    page.click("#sections >> text=Members")
    page.click("#add-member")
    page.select_option("#id_node", label=NodeSelect.INDENT * 2 + "东一支部")  # two levels below the top
    page.fill("#id_name", NEW_MEMBER)
    page.select_option("#id_sex", "f")
    page.fill("#id_birth_date", "1950-03-02")
    page.fill("#id_joined_on", "1960-01-01")  # aged 9: the service refuses it as soon as the field changes
    page.locator("#err-joined_on").get_by_text("Members join at 18 or older").wait_for()
    page.fill("#id_joined_on", "1975-07-01")
    page.locator("#err-joined_on p").wait_for(state="detached")
    page.fill("#id_phone", "139 1234 5678")
    page.locator("#id_phone").dispatch_event("change")
    page.click("#save-member")
    page.wait_for_url("**/registers/members/*/")
    assert page.inner_text("#member-name").startswith(NEW_MEMBER)
    facts = page.inner_text("#member-facts")
    assert "139 1234 5678" in facts and "1975-07-01" in facts and "东一支部" in facts  # as people write it
    assert page.get_attribute("#member-facts a.phone", "href") == "tel:+8613912345678"  # dials when tapped
    assert "Record created" in page.inner_text("#timeline")

    # Found again by live search on the pinyin initials, without a page load.
    page.click("#sections >> text=Members")
    page.fill("#search", "llq")
    page.wait_for_url("**/registers/members/?*q=llq*")  # pushed, so the list can be shared or reloaded
    page.locator("#result-count", has_text="1 member").wait_for()
    assert NEW_MEMBER in page.inner_text("#member-table")
    page.context.close()


def test_review_a_due_entry_as_changed(due_entry, server, browser):  # noqa: F811
    entry = due_entry
    page = sign_in(browser, server)
    page.click("#sections >> text=Reviews due")
    page.locator("#entry-table tr", has_text=DUE_MEMBER).get_by_role("button", name="Review").click()
    page.wait_for_url(f"**/registers/hardship/{entry.pk}/#review")
    assert "Nothing has changed since the last review" in page.inner_text("#since-last-review")

    page.check("input[name=outcome][value=changed]")
    page.select_option("#id_level", "2")
    page.fill("#id_note", "住院后需要更多照顾")
    page.click("#save-review")
    page.wait_for_url(f"**/registers/hardship/{entry.pk}/")

    local_today = timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    assert page.inner_text("#review-due") == hardship.add_months(local_today, 6).isoformat()
    assert page.inner_text("#entry-level") == "Serious"
    reviews = page.inner_text("#reviews")
    assert "Changed" in reviews and "住院后需要更多照顾" in reviews and "General → Serious" in reviews

    page.locator("nav[aria-label=breadcrumb]").get_by_role("link", name=DUE_MEMBER).click()
    timeline = page.inner_text("#timeline")
    assert "Hardship review: Changed" in timeline and "General → Serious" in timeline
    page.context.close()


def test_no_page_scrolls_sideways_on_a_phone(due_entry, server, browser, django_db_setup):  # noqa: F811
    """At 390 px wide (a common phone), the pages a secretary uses between visits fit the screen: cards in
    columns used to ask for 22rem (396 px at 18 px type) and pushed every detail page to 414 px."""
    entry, node = due_entry, django_db_setup["alpha"].nodes["east1"]
    page = sign_in(browser, server, width=390, height=844)
    paths = ["/", f"/registers/members/{entry.member_id}/", f"/registers/hardship/{entry.pk}/",
             f"/registers/tree/{node.pk}/", "/registers/members/", "/programme/", "/programme/coverage/",
             "/programme/rules/", "/sms/opt-outs/", "/sms/windows/", "/fund/"]
    too_wide = {}
    for path in paths:
        page.goto(f"http://alpha.localhost:{server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = width
    assert too_wide == {}
    page.context.close()
