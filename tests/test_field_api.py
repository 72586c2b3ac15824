"""Field work from a phone, server side: the snapshot a phone keeps offline (the person's tasks of the next two
weeks and those members only, sensitive words only for who may see them), and records sent when the signal
returns: stored once whatever the retries, dated by the phone's moment in the unit's time zone, both times in the
audit trail, conflicts answered clearly with nothing stored, and a deactivated account told to wipe the phone."""

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from care.programme.models import CareTask, Talk, TaskKind, TaskStatus, Visit
from care.programme.services import records, tasks
from care.registers.models import Member
from carehub.accounts.models import User
from carehub.audit.models import AuditEvent
from carehub.clock import unit_today

from .api_data import V1, anonymous_api, assert_error, media_fixture, session_api  # noqa: F401 (fixtures)
from .conftest import logged_in
from .programme_data import PNG, world_fixture  # noqa: F401 (fixture)
from .test_programme_work import make_task

SNAPSHOT, RECORDS = f"{V1}/programme/field/", f"{V1}/programme/field/records/"
DAY = datetime.timedelta(days=1)


@pytest.fixture
def field(world):
    """The world's generated tasks removed; the secretary has three of their own and one nobody has."""
    w = world
    with schema_context("alpha"):
        CareTask.objects.all().delete()
        Member.objects.filter(pk=w.old.pk).update(phone="+8613800138000", proxy_name="王小", proxy_phone="")
        w.today = unit_today()
        secretary = w.staff.secretary
        w.late = make_task("visit-hospitalised", w.old, TaskKind.VISIT, w.today - 2 * DAY, assignee=secretary)
        w.talk_task = make_task("talk-yearly", w.young, TaskKind.TALK, w.today + 5 * DAY, assignee=secretary)
        w.far = make_task("visit-disaster", w.golden, TaskKind.VISIT, w.today + 30 * DAY, assignee=secretary)
        w.nobodys = make_task("talk-conflict", w.lunar, TaskKind.TALK, w.today)
    return w


def phone_moment(hours_ago: float = 2) -> str:
    return (timezone.now() - datetime.timedelta(hours=hours_ago)).isoformat()


def visit_body(task, **fields) -> dict:
    return {"client_id": str(uuid.uuid4()), "kind": "visit", "member": task.member_id, "task": task.pk,
            "happened_at": phone_moment(), "occasion": "住院看望", "goods": "水果一篮", **fields}


# The snapshot ----------------------------------------------------------------------------------------------------

def test_the_snapshot_holds_my_next_two_weeks_and_those_members_only(field):
    w = field
    body = session_api(w.staff, w.staff.secretary).get(SNAPSHOT).json()
    assert [task["id"] for task in body["tasks"]] == [w.late.pk, w.talk_task.pk]  # late first; not in 30 days
    assert {task["form"] for task in body["tasks"]} == {"visit", "talk"}
    assert body["tasks"][0]["kind_label"] == "Visit" and body["tasks"][0]["purpose"]
    assert sorted(member["id"] for member in body["members"]) == sorted([w.old.pk, w.young.pk])
    old = next(member for member in body["members"] if member["id"] == w.old.pk)
    assert old["phone_display"] == "138 0013 8000" and old["proxy_name"] == "王小"
    assert old["last_visit"] == str(w.visit.visited_on) and old["last_talk"] == str(w.talk.held_on)
    assert old["hardship"] is None  # the secretary may not see sensitive details
    assert body["user"] == {"id": w.staff.secretary.pk, "name": w.staff.secretary.get_full_name()}
    generated, expires = (datetime.datetime.fromisoformat(body[key]) for key in ("generated_at", "expires_at"))
    assert expires - generated == datetime.timedelta(hours=72) and body["today"] == str(w.today)


def test_the_snapshot_shows_the_hardship_category_to_who_may_see_it(field):
    w = field
    with schema_context("alpha"):
        tasks.assign(w.staff.admin, w.late, assignee=w.staff.admin)
    body = session_api(w.staff, w.staff.admin).get(SNAPSHOT).json()
    assert [member["hardship"] for member in body["members"]] == ["Elderly"]


def test_the_snapshot_of_a_sibling_or_an_outsider_holds_nothing_of_mine(field):
    w = field
    sibling = session_api(w.staff, w.staff.sibling).get(SNAPSHOT).json()
    assert sibling["tasks"] == [] and sibling["members"] == []
    assert_error(anonymous_api(w.staff).get(SNAPSHOT), 401, "not_authenticated")


def test_a_deactivated_account_is_told_to_wipe_the_phone(field):
    w = field
    client = logged_in(w.staff, w.staff.secretary)
    with schema_context("alpha"):
        User.objects.filter(pk=w.staff.secretary.pk).update(is_active=False)
    assert_error(client.get(SNAPSHOT), 401, "account_deactivated")


# Records from the phone ------------------------------------------------------------------------------------------

def test_a_visit_from_the_phone_is_stored_once_with_its_photo_and_both_times(field):
    w = field
    api = session_api(w.staff, w.staff.secretary)
    happened = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=3)
    body = visit_body(w.late, happened_at=happened.isoformat())
    first = api.upload(RECORDS, {**body, "photos": [SimpleUploadedFile("p.png", PNG, content_type="image/png")]})
    assert first.status_code == 201, first.content
    receipt = first.json()
    assert receipt["duplicate"] is False and receipt["task"] == w.late.pk
    again = api.upload(RECORDS, {**body, "photos": [SimpleUploadedFile("p.png", PNG, content_type="image/png")]})
    assert again.status_code == 200 and again.json() == {**receipt, "duplicate": True}
    with schema_context("alpha"):
        visit = Visit.objects.get(client_id=body["client_id"])
        assert Visit.objects.filter(member=w.old).count() == 2  # the world's own and this one
        assert visit.photos.count() == 1 and list(visit.visitors.all()) == [w.staff.secretary]
        assert visit.happened_at == happened and visit.visited_on == timezone.localtime(happened).date()
        assert CareTask.objects.get(pk=w.late.pk).status == TaskStatus.DONE
        created = AuditEvent.objects.get(action="programme.visit.created", object_id=str(visit.pk))
        assert created.changes["happened_at"][1] and created.at > happened  # the phone's time and the server's
        assert AuditEvent.objects.filter(action="programme.visit.created", object_id=str(visit.pk)).count() == 1


def test_a_talk_from_the_phone_completes_its_task(field):
    w = field
    response = session_api(w.staff, w.staff.secretary).upload(RECORDS, {
        "client_id": str(uuid.uuid4()), "kind": "talk", "member": w.young.pk, "task": w.talk_task.pk,
        "happened_at": phone_moment(), "topic": "年度谈心谈话", "summary": "思想稳定"})
    assert response.status_code == 201, response.content
    with schema_context("alpha"):
        talk = Talk.objects.get(pk=response.json()["id"])
        assert list(talk.participants.all()) == [w.staff.secretary]
        assert CareTask.objects.get(pk=w.talk_task.pk).talk_id == talk.pk


def test_a_task_completed_meanwhile_is_a_conflict_and_nothing_is_stored(field):
    w = field
    with schema_context("alpha"):
        records.record_visit(w.staff.admin, w.old, visited_on=w.today, occasion="看望", visitors=[w.staff.admin],
                             tasks=[w.late])
        before = Visit.objects.count()
    api = session_api(w.staff, w.staff.secretary)
    error = assert_error(api.upload(RECORDS, visit_body(w.late)), 409, "task_done")
    assert w.staff.admin.get_full_name() in error["message"]
    body = visit_body(w.late)
    del body["task"]  # the person keeps it as a visit without the task
    assert api.upload(RECORDS, body).status_code == 201
    with schema_context("alpha"):
        assert Visit.objects.count() == before + 1
        tasks.cancel(w.staff.admin, w.talk_task, reason="已调走")
    talk = {"client_id": str(uuid.uuid4()), "kind": "talk", "member": w.young.pk, "task": w.talk_task.pk,
            "happened_at": phone_moment(), "topic": "谈心"}
    assert_error(api.upload(RECORDS, talk), 409, "task_cancelled")


def test_a_member_out_of_scope_is_a_conflict(field):
    w = field
    error = assert_error(session_api(w.staff, w.staff.sibling).upload(RECORDS, visit_body(w.late)), 409,
                         "member_out_of_scope")
    assert "no longer in your organisations" in error["message"]
    with schema_context("alpha"):
        assert not Visit.objects.filter(happened_at__isnull=False).exists()


def test_bad_records_are_refused_with_the_fields_named(field):
    w = field
    api = session_api(w.staff, w.staff.secretary)
    future = visit_body(w.late, happened_at=(timezone.now() + datetime.timedelta(days=1)).isoformat())
    assert "happened_at" in assert_error(api.upload(RECORDS, future), 400)["fields"]
    assert "occasion" in assert_error(api.upload(RECORDS, visit_body(w.late, occasion="")), 400)["fields"]
    assert "topic" in assert_error(api.upload(RECORDS, visit_body(w.late, topic="谈心")), 400)["fields"]
    assert "task" in assert_error(api.upload(RECORDS, visit_body(w.late, member=w.young.pk)), 400)["fields"]
    assert "client_id" in assert_error(api.upload(RECORDS, visit_body(w.late, client_id="phone-1")), 400)["fields"]
    talk_by_visit = visit_body(w.talk_task, member=w.young.pk)
    assert "task" in assert_error(api.upload(RECORDS, talk_by_visit), 400)["fields"]
    with schema_context("alpha"):
        assert not Visit.objects.filter(happened_at__isnull=False).exists()


def test_another_persons_client_id_is_refused(field):
    w = field
    body = visit_body(w.late)
    assert session_api(w.staff, w.staff.secretary).upload(RECORDS, body).status_code == 201
    again = session_api(w.staff, w.staff.admin).upload(RECORDS, {**body, "task": w.far.pk, "member": w.golden.pk})
    assert "client_id" in assert_error(again, 400)["fields"]


def test_read_only_staff_and_outsiders_cannot_send(field):
    w = field
    assert_error(session_api(w.staff, w.staff.viewer).upload(RECORDS, visit_body(w.late)), 403)
    with schema_context("alpha"):
        assert not Visit.objects.filter(happened_at__isnull=False).exists()
