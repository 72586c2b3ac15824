"""Accessibility and phone layout of the portal's main pages, in a real browser against a real server process.

axe-core (through axe-playwright-python) checks every page at a phone (390x844) and a laptop (1366x768) viewport
and the test fails on any violation of impact "critical" or "serious". At the phone size every page also fits
the screen (no sideways scroll) and no visible text is smaller than 16 px, for readers over 50.

One browser and one login serve all the pages of a test: they are visited in a loop, not one test each. The data the
pages show (a member in the hardship ledger with a care task, a fund with a ledger, an application, a public
disclosure link, a delivered SMS) is committed from another connection and removed afterwards, audit rows
included (see test_browser_registers.committed).
"""

import datetime
import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection
from django.utils import timezone

from care.fund.services import applications, disclosure, funds, ledger
from care.programme.models import CareTask, LifeEvent
from care.programme.services import events, runs
from care.registers.models import HardshipEntry, HardshipReview, Member
from care.registers.services import hardship, members
from carehub.accounts.models import User
from carehub.audit.models import AuditEvent
from notifications.models import Message, Reach, Rung

from .conftest import PASSWORD
from .test_browser import browser, server  # noqa: F401 (fixtures)
from .test_browser_registers import committed, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
MEMBER, PHONE = "无障碍测试员", "+8613912340001"
FUND = "西区总支关爱基金"
PHONE_SIZE, DESKTOP_SIZE = {"width": 390, "height": 844}, {"width": 1366, "height": 768}


def purge(first_event: int, west_id: int) -> None:
    doomed = list(Member.objects.filter(name=MEMBER).values_list("pk", flat=True))
    Message.objects.filter(to=PHONE).delete()
    CareTask.objects.filter(member__in=doomed).delete()
    LifeEvent.objects.filter(member__in=doomed).delete()
    HardshipReview.objects.filter(entry__member__in=doomed).delete()
    HardshipEntry.objects.filter(member__in=doomed).delete()
    with connection.cursor() as cursor:  # the ledger and the audit trail refuse deletes through the ORM, by design
        cursor.execute("SELECT id FROM fund_fund WHERE node_id = %s", [west_id])
        fund_ids = [row[0] for row in cursor.fetchall()]
        for statement in (
            "DELETE FROM fund_step WHERE application_id IN "
            "(SELECT id FROM fund_assistanceapplication WHERE fund_id = ANY(%s))",
            "DELETE FROM fund_assistanceapplication WHERE fund_id = ANY(%s)",
            "DELETE FROM fund_ledgerentry WHERE fund_id = ANY(%s)",
            "DELETE FROM fund_disclosurelink WHERE fund_id = ANY(%s)",
            "DELETE FROM fund_fund WHERE id = ANY(%s)",
        ):
            cursor.execute(statement, [fund_ids])
        cursor.execute("DELETE FROM audit_auditevent WHERE id > %s", [first_event])
    Member.objects.filter(pk__in=doomed).delete()


def ladder(member, task) -> None:
    """A notice that climbed to the end (its rungs under the outbox's rows and on the member's page)."""
    now = timezone.now()
    sms, call = (Message.objects.create(idempotency_key=f"a11y:{channel}", category="notice", channel=channel,
                                        member=member, to=PHONE, body="请于周五参加支部会议。", status=status,
                                        not_before=now, sent_at=now)
                 for channel, status in (("sms", "undelivered"), ("voice", "unreached")))
    reach = Reach.objects.create(member=member, occasion="a11y", purpose="visit_notice", category="notice",
                                 steps=[["sms"], ["voice"], ["task"]], step=2, status="task", body=sms.body, task=task)
    Rung.objects.bulk_create([Rung(reach=reach, step=0, kind="sms", message=sms, result="undelivered", settled_at=now),
                              Rung(reach=reach, step=1, kind="voice", message=call, result="unreached", settled_at=now),
                              Rung(reach=reach, step=2, kind="task", result="task", settled_at=now)])


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    alpha = django_db_setup["alpha"]
    admin, west = alpha.admin, alpha.nodes["west"]

    def create():
        first_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        member = members.create_member(admin, node=alpha.nodes["west1"], name=MEMBER, sex="f", phone=PHONE,
                                       birth_date="1946-02-03", joined_on="1970-07-01", address="幸福路8号")
        opened = datetime.date.today() - datetime.timedelta(days=200)  # its six-monthly review is due
        hardship.open_entry(admin, member, category="elderly", level=1, reason="独居老人", opened_on=opened)
        event = events.record_life_event(admin, member, kind="hospitalised",
                                         occurred_on=datetime.date.today() - datetime.timedelta(days=1))
        runs.generate_for_event(event.pk)  # committed() has no surrounding transaction to wait for
        # The browser's user has it: my work and the phone's copy of it (the field page) show it.
        CareTask.objects.filter(event=event).update(assignee=User.objects.get(email="browser@alpha.test"))
        fund = funds.create_fund(admin, west, name=FUND)
        ledger.post_entry(admin, fund, kind="dues", amount="800.00", purpose="党费划拨")
        applications.create_application(admin, member, category="elderly", reason="冬季取暖", amount_requested="300",
                                        fund=fund, submit=True)
        link = disclosure.create_link(admin, fund, year=timezone.localdate().year)
        Message.objects.create(idempotency_key="a11y:1", category="greeting", member=member, to=PHONE,
                               body="祝您生日快乐，身体健康！", status="delivered", not_before=timezone.now(),
                               sent_at=timezone.now())
        ladder(member, CareTask.objects.filter(event=event).first())
        return first_event, member, fund, link

    with django_db_blocker.unblock():
        first_event, member, fund, link = committed(create)
        yield {"member": member, "fund": fund, "link": link}
        committed(lambda: purge(first_event, west.pk))


@pytest.fixture
def browser_pages(server, world, browser):  # noqa: F811
    """The unit admin's page (signed in once) and a visitor's page (no login: the public disclosure)."""
    admin = sign_in(browser, server)
    public = browser.new_context(viewport=DESKTOP_SIZE)
    public.add_cookies([{"name": "django_language", "value": "en", "domain": "alpha.localhost", "path": "/"}])
    yield admin, public.new_page()
    admin.context.close()
    public.close()


def main_pages(world) -> list[str]:
    member, fund, link = world["member"], world["fund"], world["link"]
    return ["/", "/registers/tree/", "/registers/members/", f"/registers/members/{member.pk}/",
            "/registers/hardship/", "/registers/hardship/due/", "/programme/", "/programme/my-work/", "/fund/",
            f"/fund/{fund.pk}/", f"/fund/public/{link.token}/", "/fund/applications/", "/sms/", "/reports/",
            "/imports/", "/registers/audit/", "/registers/settings/",
            # The field page as the phone draws it: the list, a member, a visit form.
            "/programme/field/", f"/programme/field/#member={member.pk}",
            f"/programme/field/#record=visit&member={member.pk}"]


def visit(browser_pages, port, path):
    """Open `path` as the admin (the public disclosure as a visitor)."""
    admin, public = browser_pages
    page = public if path.startswith("/fund/public/") else admin
    response = page.goto(f"http://alpha.localhost:{port}{path}")
    if response is None:  # another fragment of the page already open: no new answer
        assert "#" in path, path
    else:
        assert response.ok, (path, response.status)
    if path.startswith("/programme/field/"):  # drawn by its script from what the phone keeps
        page.locator("#field-app > section:not([hidden])").wait_for()
    return page


def test_no_serious_accessibility_violation(browser_pages, world, server):  # noqa: F811
    axe, found = Axe(), {}
    for size in (PHONE_SIZE, DESKTOP_SIZE):
        for page in browser_pages:
            page.set_viewport_size(size)
        for path in main_pages(world):
            page = visit(browser_pages, server, path)
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in ("critical", "serious"):
                    targets = [node["target"] for node in violation["nodes"]][:5]
                    found.setdefault(f"{size['width']} {path}", []).append(f"{violation['id']}: {targets}")
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


# Every text node's element: visible, with a box, not the screen-reader-only kind; SVG charts are left out (their
# labels scale with the drawing, which names itself to screen readers and whose figures are in the reports).
SMALL_TEXT = """() => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || element.closest("svg, .visually-hidden")) continue;
    if (!element.checkVisibility({visibilityProperty: true})) continue;
    const box = element.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    if (size < 16) small.push(`${element.tagName.toLowerCase()}.${element.className} ${size}px: `
                              + walker.currentNode.textContent.trim().slice(0, 30));
  }
  return [...new Set(small)].slice(0, 8);
}"""


def test_phone_pages_fit_the_screen_in_large_type(browser_pages, world, server):  # noqa: F811
    """In both languages: Chinese is what most readers see, English words are the longest."""
    for page in browser_pages:
        page.set_viewport_size(PHONE_SIZE)
    too_wide, too_small = {}, {}
    for language in ("zh-hans", "en"):
        for page in browser_pages:
            page.context.add_cookies([{"name": "django_language", "value": language, "domain": "alpha.localhost",
                                       "path": "/"}])
        for path in main_pages(world):
            page = visit(browser_pages, server, path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > page.evaluate("window.innerWidth"):
                too_wide[f"{language} {path}"] = width
            if small := page.evaluate(SMALL_TEXT):
                too_small[f"{language} {path}"] = small
    assert not too_wide, too_wide
    assert not too_small, json.dumps(too_small, ensure_ascii=False, indent=1)


# Text nodes in the header's buttons and section links that the browser laid out on more than one line.
BROKEN_LABELS = """() => [...document.querySelectorAll("header button, header nav.sections a")].filter((element) => {
  if (!element.checkVisibility()) return false;
  const range = document.createRange();
  range.selectNodeContents(element);
  return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size > 1;
}).map((element) => element.textContent.trim())"""


def test_sections_fold_behind_menu_on_a_phone(browser, server):  # noqa: F811
    admin = sign_in(browser, server)
    base = f"http://alpha.localhost:{server}"
    admin.goto(f"{base}/registers/members/")
    sections, toggle = admin.locator("#sections"), admin.locator("#sections .menu-toggle")
    care_funds = sections.get_by_role("link", name="Care funds")
    assert toggle.is_hidden() and care_funds.is_visible()  # a laptop: every section shown

    admin.set_viewport_size(PHONE_SIZE)
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert sections.locator("a[aria-current=page]").inner_text() == "Members"  # the section one is in, beside it
    assert care_funds.is_hidden()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and care_funds.is_visible()
    care_funds.focus()
    admin.keyboard.press("Escape")  # closes, and the focus goes back to the link that opened it
    assert toggle.get_attribute("aria-expanded") == "false" and care_funds.is_hidden()
    assert admin.evaluate("document.activeElement.className") == "menu-toggle"
    toggle.focus()
    admin.keyboard.press("Enter")  # a link: Enter opens it as a click does
    care_funds.click()
    admin.wait_for_url("**/fund/")
    assert admin.evaluate(BROKEN_LABELS) == []
    admin.context.close()

    # Without JavaScript the link jumps to #sections, and that opens the list.
    context = browser.new_context(viewport=PHONE_SIZE, java_script_enabled=False)
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "domain": "alpha.localhost", "path": "/"}])
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "browser@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.goto(f"{base}/fund/")
    links = page.locator("#section-list a")
    assert [link.inner_text() for link in links.all() if link.is_visible()] == ["关爱基金"]  # where one is
    page.click("#sections .menu-toggle")
    assert page.url.endswith("#sections") and all(link.is_visible() for link in links.all())
    assert page.evaluate(BROKEN_LABELS) == []  # in Chinese too
    context.close()
