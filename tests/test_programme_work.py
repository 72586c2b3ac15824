"""The secretary's day: "my work" (the first page after signing in), "this week" defined once for the lists and the
dashboard, the one action that fits each task's type, forms prefilled from their task, assigning tasks (service,
portal, API), the task lists' organisation filter, and a hardship review completing the member's review tasks."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from care.programme.models import CareTask, Rule, TaskKind, TaskStatus
from care.programme.services import coverage, tasks
from care.programme.signals import tasks_assigned
from care.registers.models import HardshipEntry, Member
from care.registers.services import hardship
from carehub.accounts.models import User
from carehub.audit.models import AuditEvent
from carehub.clock import unit_today
from notifications.models import Message
from notifications.services.followups import reach_rule

from .api_data import assert_error, media_fixture, session_api  # noqa: F401 (fixtures)
from .conftest import PASSWORD, client_for, logged_in
from .programme_data import world_fixture  # noqa: F401 (fixture)

DAY = datetime.timedelta(days=1)
R = "/programme"


def make_task(key: str, member: Member, kind: str, due: datetime.date, **fields) -> CareTask:
    """A task of the preset rule `key` (or the SMS engine's reach rule), due on `due`."""
    rule = reach_rule() if key == "reach" else Rule.objects.select_related("current").get(key=key)
    return CareTask.objects.create(rule=rule, version=rule.current, member=member, kind=kind, occurs_on=due,
                                   opens_on=due - 10 * DAY, due_on=due, status=TaskStatus.OPEN, **fields)


def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def day(world):
    """The world without its generated tasks, and the secretary's contact details on 王老: tests make their own."""
    with schema_context("alpha"):
        CareTask.objects.all().delete()
        Member.objects.filter(pk=world.old.pk).update(phone="+8613800138000", address="幸福路1号3单元")
        world.old.refresh_from_db()
        world.today = unit_today()
        world.monday, world.sunday = tasks.this_week(world.today)
    return world


# "This week", once ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("today", ["2026-05-11", "2026-05-13", "2026-05-17"])
def test_this_week_is_the_calendar_week_monday_to_sunday(today):
    assert tasks.this_week(datetime.date.fromisoformat(today)) == (datetime.date(2026, 5, 11),
                                                                   datetime.date(2026, 5, 17))


def test_the_dashboard_and_the_lists_agree_on_this_week(day):
    w, secretary = day, day.staff.secretary
    with schema_context("alpha"):
        make_task("visit-hospitalised", w.old, TaskKind.VISIT, w.today - DAY, assignee=secretary)  # overdue
        make_task("visit-disaster", w.old, TaskKind.VISIT, w.today, assignee=secretary)
        make_task("talk-yearly", w.young, TaskKind.TALK, w.sunday, assignee=secretary)
        make_task("talk-conflict", w.young, TaskKind.TALK, w.sunday + DAY, assignee=secretary)  # next week
        # Far from due but postponed into this week: the snooze date counts.
        make_task("talk-complaint", w.golden, TaskKind.TALK, w.today + 60 * DAY, snoozed_until=w.sunday)
        visible = CareTask.objects.all()
        assert tasks.in_state(visible, "today", w.today).count() == (1 if w.today < w.sunday else 3)
        week = tasks.in_state(visible, "week", w.today).count()
        assert week == 3  # what is already late is overdue, not "this week"
        assert coverage.tiles(w.staff.admin)["due_this_week"] == week
    client = english(logged_in(w.staff))
    dashboard = client.get("/").content.decode()
    tile = re.search(r'id="tile-due-this-week">.*?href="([^"]+)".*?class="figure">(\d+)<', dashboard, re.S)
    assert int(tile.group(2)) == week
    listed = client.get(tile.group(1).replace("&amp;", "&"))
    assert listed.context["page"].paginator.count == week


# My work -------------------------------------------------------------------------------------------------------

def test_signing_in_lands_on_my_work(alpha):
    client = client_for(alpha.host)
    response = client.post("/accounts/login/", {"username": alpha.secretary.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/programme/my-work/"
    page = client.get(response["Location"]).content.decode()
    first = re.search(r'<li><a href="([^"]+)"', page.split('id="sections"')[1])
    assert first.group(1) == "/programme/my-work/"  # the first of the sections


def test_my_work_groups_by_member_overdue_first(day):
    w, secretary = day, day.staff.secretary
    with schema_context("alpha"):
        late = make_task("visit-hospitalised", w.old, TaskKind.VISIT, w.today - 3 * DAY, assignee=secretary)
        talk = make_task("talk-yearly", w.old, TaskKind.TALK, w.sunday, assignee=secretary)
        yesterday = make_task("visit-disaster", w.golden, TaskKind.VISIT, w.today - DAY, assignee=secretary)
        today = make_task("talk-conflict", w.lunar, TaskKind.TALK, w.today, assignee=secretary)
        # Escalated to the secretary though someone else has it: theirs to see to.
        escalated = make_task("visit-bereavement", w.young, TaskKind.VISIT, w.today, assignee=w.staff.admin,
                              escalated_to=secretary)
        others = make_task("talk-complaint", w.leap_day, TaskKind.TALK, w.today, assignee=w.staff.admin)
        next_week = make_task("talk-retirement", w.leap_day, TaskKind.TALK, w.sunday + DAY, assignee=secretary)
        nobody = make_task("talk-job-change", w.leap_day, TaskKind.TALK, w.today - 2 * DAY)
    response = english(logged_in(w.staff, secretary)).get(f"{R}/my-work/")
    body = response.content.decode()
    cards = re.findall(r'id="work-member-(\d+)"', body)
    # 王老 first (3 days late), then 郑金 (a day late), then today's two by pinyin: 李青 (li), 孙农 (sun).
    assert cards == [str(w.old.pk), str(w.golden.pk), str(w.young.pk), str(w.lunar.pk)]
    old_card = body.split(f'id="work-member-{w.old.pk}"')[1].split("</article>")[0]
    assert f'href="/registers/members/{w.old.pk}/"' in old_card
    assert 'href="tel:+8613800138000"' in old_card and "138 0013 8000" in old_card and "幸福路1号3单元" in old_card
    assert old_card.index(f'id="work-task-{late.pk}"') < old_card.index(f'id="work-task-{talk.pk}"')
    assert "Overdue 3 days" in old_card
    assert "Overdue 1 day<" in body.split(f'id="work-task-{yesterday.pk}"')[1]
    assert "Due today" in body.split(f'id="work-task-{today.pk}"')[1]
    assert "Escalated to you" in body.split(f'id="work-task-{escalated.pk}"')[1]
    for absent in (others, next_week):
        assert f'id="work-task-{absent.pk}"' not in body
    # What nobody has, with "assign to me"; the summary counts the secretary's own.
    nobody_s = body.split('id="unassigned-work"')[1]
    assert f'id="unassigned-task-{nobody.pk}"' in nobody_s and f'action="{R}/tasks/{nobody.pk}/assign/"' in nobody_s
    assert "5 tasks to do by Sunday" in body and "2 overdue" in body


def test_each_task_offers_the_action_that_fits_its_type(day):
    w, secretary = day, day.staff.secretary
    with schema_context("alpha"):
        entry = HardshipEntry.objects.get(member=w.old)
        member_tasks = {
            "visit": make_task("visit-hospitalised", w.golden, TaskKind.VISIT, w.today, assignee=secretary),
            "talk": make_task("talk-yearly", w.golden, TaskKind.TALK, w.today, assignee=secretary),
            "review": make_task("review-hardship", w.old, TaskKind.REVIEW, w.today, assignee=secretary),
            "review_without_entry": make_task("review-hardship", w.lunar, TaskKind.REVIEW, w.today,
                                              assignee=secretary),
            "death": make_task("death-care", w.leap_day, TaskKind.DEATH_CARE, w.today, assignee=secretary),
            "reach": make_task("reach", w.old, TaskKind.REACH, w.today, assignee=secretary),
        }
    client = english(logged_in(w.staff, secretary))
    for path, row, end in ((f"{R}/my-work/", "work-task", "</li>"), (f"{R}/?scope=mine&state=today", "task", "</tr>")):
        body = client.get(path).content.decode()

        def actions(name, body=body, row=row, end=end):
            block = body.split(f'id="{row}-{member_tasks[name].pk}"')[1].split(end)[0]
            return re.findall(r'(?:href|action)="([^"]+)"', block), block

        visit, _block = actions("visit")
        assert f"{R}/members/{w.golden.pk}/visit/?task={member_tasks['visit'].pk}" in visit
        talk, _block = actions("talk")
        assert f"{R}/members/{w.golden.pk}/talk/?task={member_tasks['talk'].pk}" in talk
        review, _block = actions("review")
        assert f"/registers/hardship/{entry.pk}/#review" in review and not any("/visit/" in a for a in review)
        missing, block = actions("review_without_entry")
        assert "No open hardship entry to review" in block
        assert f"{R}/members/{w.lunar.pk}/visit/?task={member_tasks['review_without_entry'].pk}" in missing
        death, _block = actions("death")
        assert f"{R}/members/{w.leap_day.pk}/visit/?task={member_tasks['death'].pk}" in death
        reach, _block = actions("reach")
        assert "tel:+8613800138000" in reach
        assert f"{R}/members/{w.old.pk}/talk/?task={member_tasks['reach'].pk}" in reach
    page = client.get(f"{R}/tasks/{member_tasks['review'].pk}/").content.decode()
    assert f'href="/registers/hardship/{entry.pk}/#review"' in page.split('id="task-actions"')[1]


def test_my_work_says_kindly_when_there_is_nothing(day):
    body = english(logged_in(day.staff, day.staff.viewer)).get(f"{R}/my-work/").content.decode()
    empty = body.split('id="work-empty"')[1]
    assert "Nothing is waiting for you this week." in empty and f'href="{R}/?scope=' in empty
    assert 'id="unassigned-work"' not in body  # viewers take no tasks


def test_a_clear_week_shows_what_comes_next(day):
    w, secretary = day, day.staff.secretary
    with schema_context("alpha"):
        later = [make_task("talk-yearly", member, TaskKind.TALK, w.sunday + n * DAY, assignee=secretary)
                 for n, member in ((20, w.old), (9, w.young))]
        make_task("talk-conflict", w.golden, TaskKind.TALK, w.sunday + 5 * DAY)  # nobody's: not "mine"
    body = english(logged_in(w.staff, secretary)).get(f"{R}/my-work/").content.decode()
    coming = body.split('id="coming-work"')[1]
    assert "Nothing is waiting for you this week." in body and "Coming next" in coming
    assert coming.index(f'id="coming-task-{later[1].pk}"') < coming.index(f'id="coming-task-{later[0].pk}"')
    assert w.golden.name not in coming
    with schema_context("alpha"):
        make_task("visit-disaster", w.golden, TaskKind.VISIT, w.today, assignee=secretary)
    body = english(logged_in(w.staff, secretary)).get(f"{R}/my-work/").content.decode()
    assert 'id="coming-work"' not in body  # a week with work shows that work only


@pytest.mark.parametrize(("key", "kind", "form", "field", "words"), [
    ("visit-hospitalised", TaskKind.VISIT, "visit", "occasion", "住院必访"),
    ("death-care", TaskKind.DEATH_CARE, "visit", "occasion", "Condolences to the family"),
    ("talk-yearly", TaskKind.TALK, "talk", "topic", "年度谈心谈话"),
    ("reach", TaskKind.REACH, "talk", "topic", "Phone call: our SMS did not reach the member"),
    ("review-hardship", TaskKind.REVIEW, "visit", "occasion", "困难党员半年复核"),
])
def test_a_form_opened_from_a_task_is_prefilled(day, key, kind, form, field, words):
    w = day
    with schema_context("alpha"):
        task = make_task(key, w.old, kind, w.today, assignee=w.staff.secretary)
        other = make_task("visit-disaster", w.golden, TaskKind.VISIT, w.today)
    client = english(logged_in(w.staff, w.staff.secretary))
    page = client.get(f"{R}/members/{w.old.pk}/{form}/?task={task.pk}")
    assert page.context["form"].initial[field] == words
    body = page.content.decode()
    assert re.search(rf'name="tasks" value="{task.pk}"[^>]*checked', body)
    assert re.search(rf'value="{w.today:%Y-%m-%d}"', body)  # the date: today
    assert f"{w.old.name}" in body
    # Another member's task is no purpose of this form.
    assert field not in client.get(f"{R}/members/{w.old.pk}/{form}/?task={other.pk}").context["form"].initial


# Assigning -----------------------------------------------------------------------------------------------------

def test_assign_gives_the_task_audited_and_announced(day):
    w, secretary, admin = day, day.staff.secretary, day.staff.admin
    heard = []

    def listen(sender, tasks, **kwargs):
        heard.append(list(tasks.values_list("pk", flat=True)))

    with schema_context("alpha"):
        User.objects.filter(pk=admin.pk).update(phone="+8613900139000")
        admin.refresh_from_db()
        task = make_task("visit-hospitalised", w.old, TaskKind.VISIT, w.today)
        tasks_assigned.connect(listen)
        try:
            tasks.assign(secretary, task, assignee=admin)  # to someone else: they hear of it
            tasks.assign(secretary, task, assignee=secretary)  # taken by oneself: nobody to tell
        finally:
            tasks_assigned.disconnect(listen)
        assert heard == [[task.pk]]
        assert Message.objects.filter(idempotency_key=f"assigned:{task.pk}:{admin.pk}").exists()  # by SMS
        task.refresh_from_db()
        assert task.assignee == secretary
        events = AuditEvent.objects.filter(action="programme.task.assigned", object_id=str(task.pk)).order_by("pk")
        assert [event.changes["assignee"] for event in events] == [[None, admin.pk], [admin.pk, secretary.pk]]
        with pytest.raises(ValidationError) as again:
            tasks.assign(secretary, task, assignee=secretary)
        assert "assignee" in again.value.message_dict


def test_assign_is_refused_outside_the_subtree_and_to_who_cannot_see_the_member(day):
    w = day
    with schema_context("alpha"):
        task = make_task("visit-hospitalised", w.old, TaskKind.VISIT, w.today)
        for actor in (w.staff.sibling, w.staff.viewer, w.staff.sensitive_viewer):  # another subtree, read-only
            with pytest.raises(PermissionDenied):
                tasks.assign(actor, task, assignee=w.staff.secretary)
        w.staff.viewer.is_active = False
        w.staff.viewer.save()
        for assignee in (w.staff.sibling, w.staff.viewer):  # the west's secretary; an inactive account
            with pytest.raises(ValidationError) as refused:
                tasks.assign(w.staff.admin, task, assignee=assignee)
            assert "assignee" in refused.value.message_dict
        tasks.cancel(w.staff.admin, task, reason="不再需要")
        with pytest.raises(ValidationError):
            tasks.assign(w.staff.admin, task, assignee=w.staff.secretary)
        assert not AuditEvent.objects.filter(action="programme.task.assigned").exists()


def test_assign_on_the_task_page_and_assign_to_me_on_the_lists(day):
    w = day
    staff = w.staff
    with schema_context("alpha"):
        task = make_task("visit-hospitalised", w.old, TaskKind.VISIT, w.today - 5 * DAY)
        for user, name in ((staff.admin, "赵管理"), (staff.secretary, "陈书记"), (staff.viewer, "李观察"),
                           (staff.sensitive_viewer, "王敏感"), (staff.sibling, "安西区")):
            User.objects.filter(pk=user.pk).update(full_name=name)
    client = english(logged_in(w.staff, w.staff.secretary))
    page = client.get(f"{R}/tasks/{task.pk}/")
    choices = [label for value, label in page.context["assign_form"].fields["assignee"].choices if value]
    # By pinyin, with the organisation of those who have one; not the west's secretary, who does not see 王老.
    assert [label for label in choices if "@" not in label] == ["陈书记 · 东区总支", "李观察", "王敏感", "赵管理"]
    response = client.post(f"{R}/tasks/{task.pk}/assign/", {"assignee": w.staff.admin.pk})
    assert response.status_code == 302 and response["Location"] == f"{R}/tasks/{task.pk}/"
    assert "赵管理" in client.get(response["Location"]).content.decode().split('id="task-assignee"')[1]
    # "Assign to me" comes back to the list it was pressed on; a foreign address is not followed.
    back = client.post(f"{R}/tasks/{task.pk}/assign/", {"assignee": w.staff.secretary.pk,
                                                         "next": f"{R}/my-work/"})
    assert back["Location"] == f"{R}/my-work/"
    assert f'id="work-task-{task.pk}"' in client.get(back["Location"]).content.decode()
    away = client.post(f"{R}/tasks/{task.pk}/assign/", {"assignee": w.staff.admin.pk, "next": "https://evil.test/"})
    assert away["Location"] == f"{R}/tasks/{task.pk}/"
    refused = client.post(f"{R}/tasks/{task.pk}/assign/", {"assignee": w.staff.sibling.pk}).content.decode()
    assert 'id="err-assignee"' in refused
    assert english(logged_in(w.staff, w.staff.viewer)).post(
        f"{R}/tasks/{task.pk}/assign/", {"assignee": w.staff.viewer.pk}).status_code == 403
    assert english(logged_in(w.staff, w.staff.sibling)).post(
        f"{R}/tasks/{task.pk}/assign/", {"assignee": w.staff.sibling.pk}).status_code == 404


def test_assign_through_the_api(day):
    w = day
    with schema_context("alpha"):
        task = make_task("visit-hospitalised", w.old, TaskKind.VISIT, w.today)
    api = session_api(w.staff, w.staff.secretary)
    path = f"/api/v1/programme/tasks/{task.pk}/assign/"
    assert api.get("/api/v1/programme/tasks/", {"unassigned": "true", "state": "today"}).json()["count"] == 1
    answer = api.post(path, {"assignee": w.staff.admin.pk})
    assert answer.status_code == 200 and answer.json()["assignee"]["id"] == w.staff.admin.pk
    assert api.get("/api/v1/programme/tasks/", {"unassigned": "true", "state": "today"}).json()["count"] == 0
    assert set(assert_error(api.post(path, {"assignee": w.staff.sibling.pk}), 400)["fields"]) == {"assignee"}
    assert_error(session_api(w.staff, w.staff.viewer).post(path, {"assignee": w.staff.viewer.pk}), 403,
                 "permission_denied")
    assert_error(session_api(w.staff, w.staff.sibling).post(path, {"assignee": w.staff.sibling.pk}), 404,
                 "not_found")


# The task lists ------------------------------------------------------------------------------------------------

def test_every_scope_filters_by_organisation_and_names_sort_by_pinyin(day):
    w, secretary = day, day.staff.secretary
    with schema_context("alpha"):
        east1 = [make_task("talk-yearly", member, TaskKind.TALK, w.today, assignee=secretary)
                 for member in (w.lunar, w.golden, w.old)]  # 孙农 sun, 郑金 zheng, 王老 wang
        east2 = make_task("talk-yearly", w.young, TaskKind.TALK, w.today)
    client = english(logged_in(w.staff, secretary))
    east2_node = w.staff.nodes["east2"].pk
    for scope, expected in (("mine", []), ("unassigned", [east2.pk]), ("unit", [east2.pk])):
        page = client.get(f"{R}/", {"scope": scope, "state": "today", "node": east2_node})
        assert [task.pk for task in page.context["page"]] == expected, scope
    page = client.get(f"{R}/", {"scope": "mine", "state": "today", "node": w.staff.nodes["east1"].pk})
    assert [task.member.name for task in page.context["page"]] == ["孙农", "王老", "郑金"]
    assert [task.pk for task in page.context["page"]] == [east1[0].pk, east1[2].pk, east1[1].pk]
    body = page.content.decode()
    assert re.search(r'<select name="node"[^>]*data-tree-search', body)
    assert 'class="striped list cards"' in body
    assert all('data-label="' in cell for cell in re.findall(r"<td[^>]*>", body.split("<tbody>")[1]))
    # The scope links keep the organisation and state chosen.
    assert f'href="?scope=unassigned&amp;state=today&amp;node={w.staff.nodes["east1"].pk}"' in body
    assert client.get(f"{R}/", {"state": "nonsense", "node": "abc", "scope": "x"}).status_code == 200


# Hardship reviews ----------------------------------------------------------------------------------------------

def test_reviewing_the_hardship_entry_completes_the_review_tasks(day):
    w = day
    with schema_context("alpha"):
        entry = HardshipEntry.objects.get(member=w.old)
        current = make_task("review-hardship", w.old, TaskKind.REVIEW, w.today + 3 * DAY,
                            assignee=w.staff.secretary)
        later = CareTask.objects.create(rule=current.rule, version=current.version, member=w.old,
                                        kind=TaskKind.REVIEW, occurs_on=w.today + 180 * DAY,
                                        opens_on=w.today + 180 * DAY, due_on=w.today + 200 * DAY)
        visit = make_task("visit-hospitalised", w.old, TaskKind.VISIT, w.today)
    client = english(logged_in(w.staff, w.staff.secretary))
    response = client.post(f"/registers/hardship/{entry.pk}/review/", {
        "outcome": "unchanged", "category": entry.category, "level": entry.level, "reason": entry.reason})
    assert response.status_code == 302
    with schema_context("alpha"):
        statuses = dict(CareTask.objects.filter(pk__in=[current.pk, later.pk, visit.pk])
                        .values_list("pk", "status"))
        assert statuses == {current.pk: "done", later.pk: "open", visit.pk: "open"}  # a later period's stays
        assert CareTask.objects.get(pk=current.pk).done_on == w.today
        completed = AuditEvent.objects.get(action="programme.task.completed", object_id=str(current.pk))
        assert completed.changes["status"] == ["open", "done"] and completed.source == "portal"
        # A review refused completes nothing; any outcome completes, closing too.
        again = make_task("review-hardship", w.old, TaskKind.REVIEW, w.today - DAY)
        with pytest.raises(ValidationError):
            hardship.review_entry(w.staff.admin, entry, outcome="changed", note="x")
        assert CareTask.objects.get(pk=again.pk).status == "open"
        hardship.review_entry(w.staff.admin, entry, outcome="closed", note="已脱困")
        assert CareTask.objects.get(pk=again.pk).status == "done"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pages_render_in_both_languages(day, language):
    w = day
    with schema_context("alpha"):
        task = make_task("review-hardship", w.lunar, TaskKind.REVIEW, w.today - 2 * DAY, assignee=w.staff.secretary)
        make_task("reach", w.old, TaskKind.REACH, w.today)
    client = logged_in(w.staff, w.staff.secretary)
    client.cookies["django_language"] = language
    for path in (f"{R}/my-work/", f"{R}/?scope=unit&state=week", f"{R}/tasks/{task.pk}/"):
        assert client.get(path).status_code == 200, path
