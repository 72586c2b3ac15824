"""The programme pages of the portal: every page and form, and who reaches which (anonymous visitors, another
unit, a secretary of a sibling subtree, read-only viewers)."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from care.programme.models import (
    CareTask,
    Commendation,
    LifeEvent,
    Pairing,
    ProgrammeSettings,
    Rule,
    Talk,
    TaskStatus,
    Visit,
)
from care.programme.portal.forms import RuleForm
from carehub.audit.models import AuditEvent
from carehub.clock import unit_today

from .api_data import media_fixture  # noqa: F401 (fixture)
from .conftest import client_for, logged_in
from .programme_data import LAST_WEEK, PNG, world_fixture  # noqa: F401 (fixture)

R = "/programme"


def pages(w) -> list[str]:
    """Pages about east1's member and its records (not found for the sibling secretary)."""
    member = w.old.pk
    return [f"{R}/tasks/{w.task.pk}/", f"{R}/visits/{w.visit.pk}/", f"{R}/talks/{w.talk.pk}/",
            f"{R}/photos/{w.photo.pk}/", f"{R}/members/{member}/visit/", f"{R}/members/{member}/talk/",
            f"{R}/members/{member}/event/", f"{R}/members/{member}/commend/", f"{R}/members/{member}/pairing/"]


UNIT_PAGES = ["/", f"{R}/", f"{R}/?scope=unit&state=overdue", f"{R}/rules/", f"{R}/calendar/?year=2026",
              f"{R}/coverage/", f"{R}/commendations/"]


def posts(w) -> list[tuple[str, dict]]:
    member, until = w.old.pk, (unit_today() + datetime.timedelta(days=3)).isoformat()
    return [
        (f"{R}/tasks/{w.task.pk}/snooze/", {"until": until, "reason": "住院"}),
        (f"{R}/tasks/{w.task.pk}/cancel/", {"reason": "不需要"}),
        (f"{R}/members/{member}/visit/", {"visited_on": str(LAST_WEEK), "occasion": "看望", "other_visitors": "x"}),
        (f"{R}/members/{member}/talk/", {"held_on": str(LAST_WEEK), "topic": "谈心",
                                         "participants": [w.staff.secretary.pk]}),
        (f"{R}/members/{member}/event/", {"kind": "hospitalised", "occurred_on": str(LAST_WEEK)}),
        (f"{R}/members/{member}/commend/", {"title": "优秀", "year": unit_today().year}),
        (f"{R}/members/{member}/pairing/", {"partner": w.staff.secretary.pk}),
    ]


def counts():
    with schema_context("alpha"):
        return (Visit.objects.count(), Talk.objects.count(), LifeEvent.objects.count(), Pairing.objects.count(),
                Commendation.objects.count(), CareTask.objects.exclude(status=TaskStatus.OPEN).count())


class TestWhoReachesWhat:
    def test_anonymous_visitors_are_sent_to_sign_in(self, world):
        client = client_for(world.staff.host)
        for path in [*UNIT_PAGES[1:], *pages(world)]:
            response = client.get(path)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], path

    def test_another_unit_answers_404(self, world, beta):
        client = logged_in(beta)
        for path in pages(world):
            assert client.get(path).status_code == 404, path
        for path, body in posts(world):
            assert client.post(path, body).status_code == 404, path

    def test_a_sibling_subtree_secretary_gets_404_and_changes_nothing(self, world):
        client = logged_in(world.staff, world.staff.sibling)
        before = counts()
        for path in pages(world):
            assert client.get(path).status_code == 404, path
        for path, body in posts(world):
            assert client.post(path, body).status_code == 404, path
        assert counts() == before
        body = client.get(f"{R}/?scope=unit&state=upcoming").content.decode()
        assert "王老" not in body and "吴西" in body

    def test_viewers_read_but_get_403_on_every_write(self, world):
        client = logged_in(world.staff, world.staff.viewer)
        before = counts()
        for path in [*UNIT_PAGES, f"{R}/tasks/{world.task.pk}/", f"{R}/visits/{world.visit.pk}/"]:
            assert client.get(path).status_code == 200, path
        for path, body in posts(world):
            assert client.post(path, body).status_code == 403, path
        rule = Rule.objects.values_list("pk", flat=True)
        with schema_context("alpha"):
            rule = rule.first()
        for path in (f"{R}/rules/new/", f"{R}/run/", f"{R}/settings/", f"{R}/rules/{rule}/active/"):
            assert client.post(path, {"name": "x"}).status_code == 403, path
        assert counts() == before


def test_every_page_renders_for_the_admin(world):
    client = logged_in(world.staff)
    with schema_context("alpha"):
        rule = Rule.objects.get(key="visit-spring-festival-hardship").pk
    for path in [*UNIT_PAGES, *pages(world), f"{R}/rules/new/", f"{R}/rules/{rule}/"]:
        assert client.get(path).status_code == 200, path


def test_dashboard_tiles(world):
    body = logged_in(world.staff).get("/").content.decode()
    for tile in ("tile-due-this-week", "tile-overdue", "tile-talk-coverage", "tile-hardship-visits"):
        assert f'id="{tile}"' in body
    assert "本年已走访 1 人 / 共 2 人" in body  # 王老 visited last week; 吴西 not (zh-hans is the default)


def test_member_profile_shows_the_programme_and_the_timeline(world):
    body = logged_in(world.staff).get(f"/registers/members/{world.old.pk}/").content.decode()
    assert 'id="member-programme"' in body and 'id="record-event"' in body
    assert "走访" in body and "年度谈心" in body  # the visit and the talk in the timeline
    assert "家庭矛盾" not in body  # confidential notes never in the timeline


def test_talk_notes_only_for_those_allowed(world):
    path = f"{R}/talks/{world.talk.pk}/"
    assert "家庭矛盾" not in logged_in(world.staff, world.staff.viewer).get(path).content.decode()
    assert "家庭矛盾" in logged_in(world.staff, world.staff.secretary).get(path).content.decode()
    with schema_context("alpha"):
        assert AuditEvent.objects.filter(action="programme.talk.confidential_viewed", source="portal").count() == 1


def test_rule_form_preview_and_save(world):
    client = logged_in(world.staff)
    form = {"name": "重阳节走访", "trigger": "occasion", "occasion": "double_ninth", "calendar": "solar",
            "task_kind": "visit", "lead_days": 90, "due_days": 300, "age_min": 70, "uses_smartphone": "unknown"}
    preview = client.post(f"{R}/rules/preview/", form, HTTP_HX_REQUEST="true").content.decode()
    assert "此规则将在未来 60 天内生成" in preview and "王老" in preview
    response = client.post(f"{R}/rules/new/", form)
    assert response.status_code == 302
    with schema_context("alpha"):
        rule = Rule.objects.get(current__name="重阳节走访")
        assert rule.current.calendar == "lunar" and rule.current.audience == {"age_min": 70}
    bad = client.post(f"{R}/rules/new/", {**form, "trigger": "cadence", "every_months": ""}).content.decode()
    assert 'id="err-every_months"' in bad and "请选择 1、2、3、4、6 或 12 个月。" in bad


def test_record_a_visit_with_a_photo_completing_a_task(world):
    client = logged_in(world.staff, world.staff.secretary)
    with schema_context("alpha"):
        task = CareTask.objects.filter(member=world.old, status="open", kind="visit").first()
    form = client.get(f"{R}/members/{world.old.pk}/visit/?task={task.pk}").content.decode()
    assert re.search(rf'name="tasks" value="{task.pk}"[^>]*checked', form)  # the task asked for is ticked
    response = client.post(f"{R}/members/{world.old.pk}/visit/", {
        "visited_on": str(LAST_WEEK), "occasion": "春节走访", "visitors": [world.staff.secretary.pk],
        "goods": "米、油", "tasks": [task.pk], "photo": SimpleUploadedFile("p.png", PNG, content_type="image/png")})
    assert response.status_code == 302, response.context["form"].errors
    with schema_context("alpha"):
        task.refresh_from_db()
        assert task.status == "done" and task.visit.photos.count() == 1
    assert client.get(response["Location"]).status_code == 200


def test_record_a_life_event_creates_its_task(world, django_capture_on_commit_callbacks):
    client = logged_in(world.staff, world.staff.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{R}/members/{world.young.pk}/event/", {"kind": "hospitalised",
                                                                        "occurred_on": str(unit_today())})
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "住院必访" in body


def test_snooze_and_cancel_with_inline_errors(world):
    client = logged_in(world.staff, world.staff.secretary)
    path = f"{R}/tasks/{world.task.pk}"
    assert 'id="err-reason"' in client.post(f"{path}/cancel/", {"reason": ""}).content.decode()
    past = client.post(f"{path}/snooze/", {"until": "2020-01-01", "reason": "x"}).content.decode()
    assert "Choose a day after today." in past or "选择" in past
    assert client.post(f"{path}/cancel/", {"reason": "搬走了"}).status_code == 302
    with schema_context("alpha"):
        assert CareTask.objects.get(pk=world.task.pk).status == "cancelled"


def test_pairing_and_commendations_pages(world):
    client = logged_in(world.staff)
    assert client.post(f"{R}/members/{world.old.pk}/pairing/", {"partner": world.staff.secretary.pk}).status_code == 302
    assert "王老" not in client.get(f"{R}/coverage/").content.decode().split('id="workload"')[0]
    year = unit_today().year
    response = client.post(f"{R}/commendations/new/", {"node": world.staff.nodes["east1"].pk, "title": "先进支部",
                                                        "year": year})
    assert response.status_code == 302
    assert "先进支部" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_task_list_renders_in_both_languages(world, language):
    client = logged_in(world.staff)
    client.cookies["django_language"] = language
    assert client.get(f"{R}/?scope=unit&state=upcoming").status_code == 200


def test_rule_edit_toggle_settings_and_run_now(world):
    client = logged_in(world.staff)
    with schema_context("alpha"):
        rule = Rule.objects.select_related("current").get(key="visit-july-1-old-members")
        form = {key: value for key, value in RuleForm.initial_for(rule.current).items() if value not in (None, [])}
    form.update({"name": "七一走访老党员（六十年）", "years_min": 60, "uses_smartphone": "unknown"})
    assert client.post(f"{R}/rules/{rule.pk}/", form).status_code == 302
    assert client.post(f"{R}/rules/{rule.pk}/active/", {"active": "0"}).status_code == 302
    assert client.post(f"{R}/settings/", {"horizon_days": 90, "escalate_after_days": 5}).status_code == 302
    assert client.post(f"{R}/run/").status_code == 302
    with schema_context("alpha"):
        rule.refresh_from_db()
        assert rule.current.number == 2 and rule.current.audience == {"years_min": 60} and not rule.is_active
        assert ProgrammeSettings.load().horizon_days == 90
        actions = set(AuditEvent.objects.filter(object_type__in=["rule", "programmesettings"], source="portal")
                      .values_list("action", flat=True))
        assert {"programme.rule.updated", "programme.rule.deactivated", "programme.settings.updated"} <= actions
    page = client.get(f"{R}/rules/{rule.pk}/").content.decode()
    assert "v2" in page and 'id="versions"' in page


@pytest.mark.parametrize(("fields", "words"), [
    ({"trigger": "occasion", "occasion": "double_ninth"}, "Double Ninth (Seniors' Day)"),
    ({"trigger": "occasion", "calendar": "lunar", "month": 8, "day": 1}, "Lunar (Chinese), month 8 day 1"),
    ({"trigger": "anniversary", "anniversary_of": "birthday", "round_every": 10}, "Birthday, every 10 years"),
    ({"trigger": "anniversary", "anniversary_of": "political_birthday", "round_years": [50, 60]},
     "Political birthday (date joined): years 50, 60"),
    ({"trigger": "cadence", "every_months": 3}, "Every 3 months"),
    ({"trigger": "cadence", "every_months": 1}, "Every month"),
    ({"trigger": "life_event", "event_kind": "hospitalised"}, "Life event: Hospitalised"),
])
def test_the_rules_list_says_when_each_rule_fires(fields, words):
    from django.utils import translation

    from care.programme.models import RuleVersion
    from care.programme.templatetags.programme import trigger_words

    with translation.override("en"):
        assert trigger_words(RuleVersion(**fields)) == words
