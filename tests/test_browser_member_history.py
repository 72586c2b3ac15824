"""The member's care history in a real browser, at a desktop and a phone viewport (390x844): the summary panel at
the top of the profile, and the timeline's filter chips, which are plain links and so work with JavaScript off.
No page width beyond the screen's on the phone."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from care.programme.models import CareTask, Greeting, Rule, Talk, Visit
from care.programme.services import records
from care.registers.models import Member
from care.registers.services import members
from carehub.clock import unit_today
from notifications.models import Category, Message, Notice, Status

from .test_browser import browser, server  # noqa: F401  (fixtures)
from .test_browser_registers import committed, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
NAME = "历史测试员"


def purge() -> None:
    """Remove the member these tests commit, with everything about them; audit rows by plain SQL (the audit trail
    refuses deletes through the ORM by design), in tests only."""
    doomed = list(Member.objects.filter(name=NAME).values_list("pk", flat=True))
    visits = [str(pk) for pk in Visit.objects.filter(member__in=doomed).values_list("pk", flat=True)]
    talks = [str(pk) for pk in Talk.objects.filter(member__in=doomed).values_list("pk", flat=True)]
    notices = list(Message.objects.filter(member__in=doomed).values_list("notice_id", flat=True))
    Message.objects.filter(member__in=doomed).delete()
    Notice.objects.filter(pk__in=[pk for pk in notices if pk]).delete()
    Visit.objects.filter(member__in=doomed).delete()
    Talk.objects.filter(member__in=doomed).delete()
    Greeting.objects.filter(member__in=doomed).delete()
    CareTask.objects.filter(member__in=doomed).delete()
    Member.objects.filter(pk__in=doomed).delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE (object_type = 'member' AND object_id = ANY(%s)) "
                       "OR (object_type = 'visit' AND object_id = ANY(%s)) "
                       "OR (object_type = 'talk' AND object_id = ANY(%s))",
                       [[str(pk) for pk in doomed], visits, talks])


@pytest.fixture
def member(django_db_setup):
    """A member of east1 with a long history: visits, talks, greetings and a notice by SMS."""
    staff = django_db_setup["alpha"]

    def create():
        person = members.create_member(staff.admin, node=staff.nodes["east1"], name=NAME, sex="m",
                                       birth_date="1945-05-06", phone="13712345670", uses_smartphone=False)
        today = unit_today()
        for weeks in range(6):
            day = today - datetime.timedelta(weeks=weeks)
            records.record_visit(staff.admin, person, visited_on=day, occasion=f"第{weeks + 1}次走访",
                                 visitors=[staff.secretary], goods="米、油、一封很长很长很长很长很长很长的慰问信")
            records.record_talk(staff.admin, person, held_on=day, topic=f"第{weeks + 1}次谈心",
                                participants=[staff.admin])
        rule = Rule.objects.select_related("current").get(key="greet-birthday")
        Greeting.objects.create(rule=rule, version=rule.current, member=person, send_on=today, template="birthday",
                                via_sms=True, status="sent")
        Message.objects.create(idempotency_key=f"greeting:birthday:{today}:{person.phone}:{person.pk}",
                               category=Category.GREETING, member=person, to=person.phone, body="生日快乐",
                               status=Status.DELIVERED, not_before=timezone.now(), sent_at=timezone.now())
        return person

    person = committed(create)
    yield person
    committed(purge)


@pytest.mark.parametrize("width,height,javascript", [(1366, 768, True), (390, 844, False)])
def test_the_care_history_and_its_chips(member, server, browser, width, height, javascript):  # noqa: F811
    page = sign_in(browser, server, width=width, height=height)
    if not javascript:  # the chips are links: they work with scripts off (sign-in itself needs none either)
        context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=False)
        context.add_cookies(page.context.cookies())
        page.context.close()
        page = context.new_page()
    profile = f"http://alpha.localhost:{server}/registers/members/{member.pk}/"
    page.goto(profile)
    panel = page.locator("#care-history")
    assert panel.is_visible()
    assert page.inner_text("#care-last-visit").split("\n")[1:] == [unit_today().isoformat(), "by secretary"]
    assert "Greetings this year" in page.inner_text("#care-greetings")
    assert "¥0.00" in page.inner_text("#care-assistance")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for fact in ("last-visit", "assistance"):  # a date or an amount is never cut across lines
        value = page.locator(f"#care-{fact} .care-value")
        assert value.bounding_box()["height"] < 1.8 * float(value.evaluate("e => getComputedStyle(e).fontSize")
                                                             .removesuffix("px"))
    # The panel comes first: on a phone it is on the first screen.
    assert page.locator("#care-history").bounding_box()["y"] < page.locator("#member-facts").bounding_box()["y"]

    page.locator("#history-chips").get_by_role("link", name="Talks").click()
    page.wait_for_url(f"{profile}?history=talk#history")
    timeline = page.inner_text("#timeline")
    assert timeline.count("Talk: ") == 6 and "Visit: " not in timeline
    assert page.get_attribute("#history-chips a[aria-current=true]", "href").endswith("?history=talk#history")
    page.locator("#history-chips").get_by_role("link", name="Greetings").click()
    page.wait_for_url(f"{profile}?history=greeting#history")
    assert "SMS: Delivered" in page.inner_text("#timeline") and "Talk: " not in page.inner_text("#timeline")
    page.locator("#history-chips").get_by_role("link", name="All").click()
    page.wait_for_url(f"{profile}#history")
    assert "Visit: " in page.inner_text("#timeline") and "Talk: " in page.inner_text("#timeline")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.context.close()
