"""The programme API: rules with versions and previews, task lists and their actions, visits with photos, talks
with confidential notes, life events, pairing and coverage, commendations; and who may reach what."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from care.programme.models import CareTask, Rule
from carehub.audit.models import AuditEvent
from carehub.clock import unit_today

from .api_data import anonymous_api, assert_error, media_fixture, session_api  # noqa: F401 (fixtures)
from .programme_data import LAST_WEEK, PNG, world_fixture  # noqa: F401 (fixtures)

P = "/api/v1/programme"
def details(w) -> list[str]:
    return [f"{P}/tasks/{w.task.pk}/", f"{P}/visits/{w.visit.pk}/", f"{P}/talks/{w.talk.pk}/",
            f"{P}/visits/{w.visit.pk}/photos/{w.photo.pk}/"]


def writes(w) -> list[tuple[str, dict]]:
    member = w.old.pk
    return [
        (f"{P}/tasks/{w.task.pk}/snooze/", {"until": str(unit_today() + datetime.timedelta(days=3)), "reason": "x"}),
        (f"{P}/tasks/{w.task.pk}/cancel/", {"reason": "x"}),
        (f"{P}/visits/", {"member": member, "visited_on": str(LAST_WEEK), "occasion": "看望", "other_visitors": "x"}),
        (f"{P}/talks/", {"member": member, "held_on": str(LAST_WEEK), "topic": "谈心",
                         "participants": [w.staff.secretary.pk]}),
        (f"{P}/life-events/", {"member": member, "kind": "hospitalised", "occurred_on": str(LAST_WEEK)}),
        (f"{P}/pairings/", {"member": member, "partner": w.staff.secretary.pk}),
        (f"{P}/commendations/", {"member": member, "title": "优秀共产党员"}),
    ]


LISTS = ["/rules/", "/tasks/", "/greetings/", "/visits/", "/talks/", "/life-events/", "/pairings/",
         "/commendations/", "/occasions/", "/coverage/", "/settings/"]


class TestWhoReachesWhat:
    @pytest.mark.parametrize("path", LISTS)
    def test_anonymous_gets_401(self, alpha, path):
        assert_error(anonymous_api(alpha).get(P + path), 401, "not_authenticated")

    def test_anonymous_writes_get_401(self, world):
        for path, body in [*writes(world), (f"{P}/run/", {})]:
            assert_error(anonymous_api(world.staff).post(path, body), 401, "not_authenticated")

    def test_another_unit_gets_404(self, world, beta):
        api = session_api(beta)
        for path in [*details(world), f"{P}/rules/{world.rule_created.pk}/"]:
            assert_error(api.get(path), 404, "not_found")
        for path, body in writes(world)[:2]:
            assert_error(api.post(path, body), 404, "not_found")
        assert api.get(f"{P}/tasks/").json()["count"] == 0

    def test_sibling_subtree_sees_nothing_of_east(self, world):
        api = session_api(world.staff, world.staff.sibling)
        for path in details(world):
            assert_error(api.get(path), 404, "not_found")
        names = {task["member"]["name"] for task in api.get(f"{P}/tasks/", {"page_size": 200}).json()["results"]}
        assert names == {"吴西"}
        for path in ("/visits/", "/talks/", "/greetings/"):
            assert all(item["member"]["name"] == "吴西" for item in api.get(P + path).json()["results"])
        for path, body in writes(world)[:2]:
            assert_error(api.post(path, body), 404, "not_found")
        for path, body in writes(world)[2:]:  # naming a member out of scope: "does not exist"
            assert_error(api.post(path, body), 400, "invalid")

    @pytest.mark.parametrize("role", ["viewer", "sensitive_viewer"])
    def test_read_only_roles_get_403_on_writes(self, world, role):
        api = session_api(world.staff, getattr(world.staff, role))
        for path, body in [*writes(world), (f"{P}/rules/", {"name": "x", "trigger": "cadence"}), (f"{P}/run/", {})]:
            assert_error(api.post(path, body), 403, "permission_denied")
        assert_error(api.patch(f"{P}/settings/", {"horizon_days": 30}), 403, "permission_denied")
        assert api.get(f"{P}/tasks/").status_code == 200

    def test_secretaries_may_not_change_rules(self, world):
        api = session_api(world.staff, world.staff.secretary)
        rule = Rule.objects.filter(key="talk-yearly").values_list("pk", flat=True)
        with schema_context("alpha"):
            rule = rule.get()
        assert_error(api.patch(f"{P}/rules/{rule}/", {"name": "改"}), 403, "permission_denied")
        assert api.get(f"{P}/rules/{rule}/").status_code == 200
        assert api.get(f"{P}/rules/{rule}/preview/").status_code == 200


class TestConfidentialNotes:
    def test_hidden_from_those_not_allowed(self, world):
        for user in (world.staff.viewer, world.staff.sibling):
            body = session_api(world.staff, user).get(f"{P}/talks/{world.talk.pk}/")
            if user == world.staff.sibling:
                assert_error(body, 404)
            else:
                assert body.json()["confidential_notes"] is None and body.json()["summary"] == "身体尚可"
        assert "confidential_notes" not in session_api(world.staff).get(f"{P}/talks/").json()["results"][0]

    @pytest.mark.parametrize("who", ["sensitive_viewer", "secretary", "admin"])
    def test_shown_to_the_allowed_and_the_participants_and_audited(self, world, who):
        user = getattr(world.staff, who)
        talk = session_api(world.staff, user).get(f"{P}/talks/{world.talk.pk}/").json()
        assert talk["confidential_notes"] == "家庭矛盾"
        with schema_context("alpha"):
            event = AuditEvent.objects.get(action="programme.talk.confidential_viewed")
            assert (event.actor_id, event.source, event.object_id) == (user.pk, "api", str(world.talk.pk))
            assert "家庭矛盾" not in str(AuditEvent.objects.filter(object_type="talk").values_list("changes"))


class TestRules:
    SPEC = {"name": "中秋走访", "trigger": "occasion", "occasion": "mid_autumn", "task_kind": "visit",
            "lead_days": 60, "audience": {"age_min": 70}}

    def test_preview_then_create_then_edit_into_a_new_version(self, world):
        api = session_api(world.staff)
        preview = api.post(f"{P}/rules/preview/", self.SPEC).json()
        assert preview["horizon"] == 60 and preview["tasks"] == len(preview["rows"]) <= 20
        created = api.post(f"{P}/rules/", self.SPEC)
        assert created.status_code == 201, created.content
        rule = created.json()
        assert rule["current"]["number"] == 1 and rule["current"]["calendar"] == "lunar"
        edited = api.patch(f"{P}/rules/{rule['id']}/", {"lead_days": 10, "is_active": False}).json()
        assert [v["number"] for v in edited["versions"]] == [2, 1] and not edited["is_active"]
        with schema_context("alpha"):
            assert AuditEvent.objects.filter(object_type="rule", object_id=str(rule["id"]), source="api").count() == 3

    def test_bad_rules_name_their_fields(self, world):
        api = session_api(world.staff)
        error = assert_error(api.post(f"{P}/rules/", {"name": "x", "trigger": "cadence", "every_months": 5,
                                                      "task_kind": "talk", "audience": {"extra": {"nope": "1"}}}),
                             400, "invalid")
        assert set(error["fields"]) == {"every_months", "audience.extra.nope"}

    def test_occasion_calendar_shows_solar_dates_of_lunar_occasions(self, world):
        rows = session_api(world.staff, world.staff.viewer).get(f"{P}/occasions/", {"year": 2026}).json()
        by_key = {row["key"]: row for row in rows}
        assert by_key["spring_festival"]["dates"] == ["2026-02-17"]
        assert by_key["double_ninth"]["dates"] == ["2026-10-18"]
        assert "春节走访困难党员" in by_key["spring_festival"]["rules"]

    def test_run_now_and_settings(self, world):
        api = session_api(world.staff)
        assert api.post(f"{P}/run/").json() == {"tasks": 0, "greetings": 0}  # the fixture generated already
        assert api.patch(f"{P}/settings/", {"escalate_after_days": 3}).json()["escalate_after_days"] == 3


class TestWork:
    def test_task_lists_by_state_and_assignee(self, world):
        api = session_api(world.staff, world.staff.secretary)
        mine = api.get(f"{P}/tasks/", {"mine": "true", "state": "open", "page_size": 200}).json()
        assert mine["count"] > 0 and all(task["assignee"]["id"] == world.staff.secretary.pk
                                          for task in mine["results"])
        east = api.get(f"{P}/tasks/", {"node": world.staff.nodes["east2"].pk}).json()["results"]
        assert {task["member"]["name"] for task in east} == {"李青"}

    def test_snooze_and_cancel_need_a_reason(self, world):
        api = session_api(world.staff, world.staff.secretary)
        path = f"{P}/tasks/{world.task.pk}"
        assert set(assert_error(api.post(f"{path}/cancel/", {"reason": " "}), 400)["fields"]) == {"reason"}
        until = str(unit_today() + datetime.timedelta(days=5))
        assert api.post(f"{path}/snooze/", {"until": until, "reason": "住院中"}).json()["effective_due"] == until
        assert api.post(f"{path}/cancel/", {"reason": "已搬走"}).json()["status"] == "cancelled"
        assert_error(api.post(f"{path}/cancel/", {"reason": "again"}), 400)

    def test_a_visit_completes_the_tasks_it_names(self, world):
        api = session_api(world.staff, world.staff.secretary)
        with schema_context("alpha"):
            open_tasks = list(CareTask.objects.filter(member=world.old, status="open", kind__in=["visit",
                                                      "hardship_review"]).values_list("pk", flat=True)[:2])
        body = {"member": world.old.pk, "visited_on": str(LAST_WEEK), "occasion": "春节走访",
                "visitors": [world.staff.secretary.pk, world.staff.admin.pk], "goods": "米、油", "tasks": open_tasks}
        visit = api.post(f"{P}/visits/", body)
        assert visit.status_code == 201, visit.content
        assert sorted(visit.json()["tasks"]) == sorted(open_tasks) and len(visit.json()["visitors"]) == 2
        with schema_context("alpha"):
            assert set(CareTask.objects.filter(pk__in=open_tasks).values_list("status", flat=True)) == {"done"}

    def test_photos_are_served_only_after_the_access_check(self, world):
        path = f"{P}/visits/{world.visit.pk}/photos/{world.photo.pk}/"
        response = session_api(world.staff, world.staff.viewer).get(path)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
        assert response["Cache-Control"] == "private, no-store"
        upload = session_api(world.staff, world.staff.secretary).upload(
            f"{P}/visits/{world.visit.pk}/photos/", {"file": SimpleUploadedFile("x.txt", b"not an image")})
        assert_error(upload, 400, "invalid")

    def test_a_life_event_creates_its_task_at_once(self, world, django_capture_on_commit_callbacks):
        api = session_api(world.staff, world.staff.secretary)
        with django_capture_on_commit_callbacks(execute=True):
            event = api.post(f"{P}/life-events/", {"member": world.young.pk, "kind": "hospitalised",
                                                   "occurred_on": str(unit_today())})
        assert event.status_code == 201
        tasks = api.get(f"{P}/tasks/", {"member": world.young.pk, "kind": "visit", "state": "due"}).json()
        assert [task["event"] for task in tasks["results"]] == [event.json()["id"]]

    def test_pairing_and_coverage(self, world):
        api = session_api(world.staff)
        unpaired = {m["name"] for m in api.get(f"{P}/coverage/").json()["unpaired"]}
        assert unpaired == {"王老", "吴西"}
        paired = api.post(f"{P}/pairings/", {"member": world.old.pk, "partner": world.staff.secretary.pk})
        assert paired.status_code == 201
        coverage = api.get(f"{P}/coverage/").json()
        assert {m["name"] for m in coverage["unpaired"]} == {"吴西"}
        workload = coverage["workload"][0]
        assert workload["partner"] == world.staff.secretary.pk and workload["members"] == 1
        refused = api.post(f"{P}/pairings/", {"member": world.west.pk, "partner": world.staff.secretary.pk})
        assert set(assert_error(refused, 400)["fields"]) == {"partner"}  # west is outside the secretary's scope
        ended = api.post(f"{P}/pairings/{paired.json()['id']}/end/", {"note": "调离"}).json()
        assert ended["ended_on"] is not None

    def test_commendations_by_year_call_for_a_talk(self, world, django_capture_on_commit_callbacks):
        api = session_api(world.staff)
        with django_capture_on_commit_callbacks(execute=True):
            created = api.post(f"{P}/commendations/", {"member": world.young.pk, "title": "优秀共产党员",
                                                       "awarded_on": str(unit_today())})
        assert created.status_code == 201, created.content
        year = unit_today().year
        listed = api.get(f"{P}/commendations/", {"year": year}).json()["results"]
        assert [commendation["title"] for commendation in listed] == ["优秀共产党员"]
        assert api.get(f"{P}/commendations/", {"year": year - 1}).json()["count"] == 0
        assert api.get(f"{P}/tasks/", {"member": world.young.pk, "kind": "talk", "state": "due"}).json()["count"] == 2


def test_openapi_documents_the_programme(alpha):
    schema = session_api(alpha).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in ("/api/v1/programme/rules/preview/", "/api/v1/programme/tasks/{id}/snooze/",
                 "/api/v1/programme/visits/{id}/photos/{photo_id}/", "/api/v1/programme/coverage/"):
        assert path in paths
    assert "confidential_notes" in schema["components"]["schemas"]["TalkDetail"]["properties"]
