"""The care programme in a real browser against a real server process: configure a lunar-occasion rule and
preview it, complete a due visit from the task list, record a hospitalisation and see its task appear.

Data the browser needs is committed from another connection (see test_browser_registers.committed) and removed
afterwards with everything the flows created, audit rows included.
"""

import datetime

import pytest
from django.db import connection
from playwright.sync_api import expect

from care.programme.models import (
    CareTask,
    Greeting,
    LifeEvent,
    Pairing,
    Rule,
    RuleVersion,
    Talk,
    TaskKind,
    TaskStatus,
    Visit,
)
from care.programme.services import events, runs
from care.registers.models import HardshipEntry, Member
from care.registers.services import members
from carehub.accounts.models import User
from carehub.audit.models import AuditEvent
from carehub.clock import unit_today

from .test_browser import browser, server  # noqa: F401 (fixtures)
from .test_browser_field import until
from .test_browser_registers import committed, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
OLD, PATIENT = "浏览器老党员", "浏览器住院员"
RULE = "浏览器重阳节走访"


def purge(first_event: int) -> None:
    doomed = Member.objects.filter(name__in=[OLD, PATIENT])
    CareTask.objects.filter(member__in=doomed).delete()
    Greeting.objects.filter(member__in=doomed).delete()
    for model in (Visit, Talk, LifeEvent, Pairing):
        model.objects.filter(member__in=doomed).delete()
    rules = Rule.objects.filter(versions__name=RULE)
    CareTask.objects.filter(rule__in=rules).delete()
    Rule.objects.filter(pk__in=rules).update(current=None)
    RuleVersion.objects.filter(rule__in=rules).delete()
    rules.delete()
    HardshipEntry.objects.filter(member__in=doomed).delete()
    doomed.delete()
    with connection.cursor() as cursor:  # the audit trail refuses deletes through the ORM, by design
        cursor.execute("DELETE FROM audit_auditevent WHERE id > %s", [first_event])


@pytest.fixture
def people(django_db_setup):
    """Two members of east1, committed: an old one and one who will be in hospital."""
    alpha = django_db_setup["alpha"]

    def create():
        first_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        old = members.create_member(alpha.admin, node=alpha.nodes["east1"], name=OLD, sex="m",
                                    birth_date="1941-04-04", joined_on="1966-07-01")
        patient = members.create_member(alpha.admin, node=alpha.nodes["east1"], name=PATIENT, sex="f",
                                        birth_date="1958-08-08", joined_on="1985-07-01")
        return first_event, old, patient

    first_event, old, patient = committed(create)
    yield alpha, old, patient
    committed(lambda: purge(first_event))


def test_configure_a_lunar_occasion_rule_and_preview_it(people, server, browser):  # noqa: F811
    page = sign_in(browser, server)
    page.click("#sections >> text=Care programme")
    page.click("#new-rule")
    page.fill("#id_name", RULE)
    page.check("input[name=trigger][value=occasion]")
    page.select_option("#id_occasion", "")
    page.select_option("#id_calendar", "lunar")
    page.fill("#id_month", "9")
    page.fill("#id_day", "9")
    page.select_option("#id_task_kind", "visit")
    page.fill("#id_lead_days", "90")
    page.fill("#id_due_days", "300")  # whatever the day the test runs, a Double Ninth falls in the window
    page.fill("#id_age_min", "80")
    page.click("#preview-rule")
    summary = page.locator("#preview-summary")
    summary.wait_for()
    assert "This rule would create" in summary.inner_text()
    assert OLD in page.inner_text("#preview-table")
    assert PATIENT not in page.inner_text("#preview-table")  # 68: outside the audience
    page.click("#save-rule")
    page.wait_for_url("**/programme/rules/*/")
    assert RULE in page.inner_text("h1") and "v1" in page.inner_text("h1")

    def planned():
        version = RuleVersion.objects.get(name=RULE)
        assert (version.calendar, version.month, version.day) == ("lunar", 9, 9)
        return list(CareTask.objects.filter(rule=version.rule).values_list("member__name", flat=True))

    assert OLD in committed(planned)
    page.context.close()


def test_complete_a_due_visit(people, server, browser):  # noqa: F811
    alpha, _old, patient = people

    def hospitalised():
        event = events.record_life_event(alpha.admin, patient, kind="hospitalised",
                                         occurred_on=datetime.date.today() - datetime.timedelta(days=1))
        runs.generate_for_event(event.pk)  # committed() has no surrounding transaction to wait for
        return CareTask.objects.get(event=event).pk

    task = committed(hospitalised)
    page = sign_in(browser, server)
    page.click("#sections >> text=Care tasks")
    page.click("#task-scopes >> text=Everything I can see")
    row = page.locator(f"#task-{task}")
    assert PATIENT in row.inner_text()
    row.locator("a", has_text="Record visit").click()
    page.wait_for_url(f"**/programme/members/*/visit/?task={task}")
    assert page.locator(f"input[name=tasks][value='{task}']").is_checked()
    page.fill("#id_occasion", "住院探望")
    page.fill("#id_goods", "水果一篮")
    page.click("#save-record")
    page.wait_for_url("**/programme/visits/*/")
    assert page.locator("#visit-tasks a").count() == 1 and page.inner_text("#visit-tasks").startswith("Visit")
    page.click("#sections >> text=Care tasks")
    page.click("#task-scopes >> text=Everything I can see")
    assert page.locator(f"#task-{task}").count() == 0
    assert committed(lambda: CareTask.objects.get(pk=task).status) == "done"
    page.context.close()


def test_record_a_hospitalisation_and_see_the_task_appear(people, server, browser):  # noqa: F811
    _alpha, _old, patient = people
    page = sign_in(browser, server)
    page.goto(f"http://alpha.localhost:{server}/registers/members/{patient.pk}/")
    assert "No open tasks." in page.inner_text("#member-tasks")
    page.click("#record-event")
    page.select_option("#id_kind", "hospitalised")
    page.fill("#id_note", "肺炎住院")
    page.click("#save-record")
    page.wait_for_url(f"**/registers/members/{patient.pk}/")
    tasks = page.inner_text("#member-tasks")
    assert "Visit" in tasks and "住院必访" in tasks
    assert "Life event: Hospitalised" in page.inner_text("#timeline")
    page.context.close()


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)])
def test_my_work_on_a_phone_and_a_desktop(people, server, browser, width, height):  # noqa: F811
    """Signing in opens my work: the late visit first with its member's phone to tap, its one action within the
    screen and no sideways scrolling; the phone's visit form opens prefilled from the task and its visit arrives,
    and a task nobody had is taken with "assign to me"."""
    _alpha, old, patient = people

    def plan():
        me, today = User.objects.get(email="browser@alpha.test"), unit_today()
        Member.objects.filter(pk=old.pk).update(phone="+8613800138000",
                                                address="甘井子区红旗街道幸福路一百二十八号三单元五楼")

        def task(key, member, kind, due, assignee):
            rule = Rule.objects.select_related("current").get(key=key)
            return CareTask.objects.create(rule=rule, version=rule.current, member=member, kind=kind, occurs_on=due,
                                           opens_on=due - datetime.timedelta(days=10), due_on=due,
                                           assignee=assignee, status=TaskStatus.OPEN).pk

        return (task("visit-hospitalised", old, TaskKind.VISIT, today - datetime.timedelta(days=4), me),
                task("talk-yearly", patient, TaskKind.TALK, today, me),
                task("talk-conflict", patient, TaskKind.TALK, today, None))

    late, talk, nobody_s = committed(plan)
    page = sign_in(browser, server, width, height)
    assert page.url.endswith("/programme/my-work/")
    cards = page.locator("#my-work article.work-card")
    assert cards.nth(0).get_attribute("id") == f"work-member-{old.pk}"  # overdue first
    assert "Overdue 4 days" in cards.nth(0).inner_text()
    assert cards.nth(0).locator("a.phone").get_attribute("href") == "tel:+8613800138000"
    assert "138 0013 8000" in cards.nth(0).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for pk in (late, talk):
        action = page.locator(f"#work-task-{pk} a.task-action")
        action.scroll_into_view_if_needed()
        box = action.bounding_box()
        assert action.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= width  # not cut off

    page.click(f"#unassigned-task-{nobody_s} button[type=submit]")  # assign to me
    page.locator(f"#work-task-{nobody_s}").wait_for()
    assert page.locator(f"#unassigned-task-{nobody_s}").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The phone's own form (the field page), kept on the phone when saved and sent at once with a signal.
    page.click(f"#work-task-{late} a.task-action")
    page.wait_for_url(f"**/programme/field/#record=visit&member={old.pk}&task={late}")
    expect(page.locator("#field-occasion")).to_have_value("住院必访")  # the rule's name
    assert "Overdue 4 days" in page.inner_text("#field-record-task")
    page.click("#field-save")
    page.locator("#field-saved").wait_for()
    until(page, "() => CarehubField.records().then((items) => items.length === 0)")
    page.goto(f"http://alpha.localhost:{server}/programme/my-work/")
    assert page.locator(f"#work-task-{late}").count() == 0 and page.locator(f"#work-task-{talk}").count() == 1

    page.goto(f"http://alpha.localhost:{server}/programme/?scope=mine&state=today")  # the list: cards on a phone
    action = page.locator(f"#task-{talk} a.task-action")
    action.scroll_into_view_if_needed()
    box = action.bounding_box()
    assert action.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.context.close()
