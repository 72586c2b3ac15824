"""The ladder of channels in the portal and the API: a member's contact plan on their page (shown to all who see the
member, changed by those who may change them), the unit's ladder per purpose on the SMS settings (admins), the
rungs under the outbox's messages, opt-outs per channel; and the API's contact plan, ladders and reaches, refusals
in the one error shape."""

import json
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from care.registers.models import Member
from carehub.audit.models import AuditEvent
from notifications.models import Category, ContactPlan, LadderSetting, Message, OptOut, Reach, Rung
from notifications.services import outbox

from .api_data import assert_error, session_api
from .conftest import Staff, logged_in
from .sms_core_data import add_member

API = "/api/v1/sms"
P1, P2 = "+8613800000101", "+8613800000102"


@dataclass
class Ladder:
    staff: Staff
    member: Member
    west: Member
    sms: Message
    call: Message
    reach: Reach


@pytest.fixture(name="ladder")
def ladder_fixture(alpha) -> Ladder:
    """A member in east1 with a proxy whose notice went unanswered by SMS, then rang unanswered: a task."""
    with schema_context("alpha"):
        member = add_member(alpha, "李阶梯", P1, proxy_name="李小梯", proxy_phone=P2)
        west = add_member(alpha, "王西梯", "+8613800000109", node="west1")
        sms = outbox.queue(None, key="ladder:sms", category=Category.NOTICE, to=P1, body="通知", member=member)
        call = outbox.queue(None, key="ladder:voice", category=Category.NOTICE, to=P1, body="通知", member=member)
        Message.objects.filter(pk=sms.pk).update(status="undelivered")
        reach = Reach.objects.create(member=member, occasion="ladder", purpose="visit_notice",
                                     category=Category.NOTICE, steps=[["sms"], ["voice"]], step=1, status="ended",
                                     body="通知")
        now = timezone.now()
        Rung.objects.bulk_create([Rung(reach=reach, step=0, kind="sms", message=sms, result="undelivered",
                                       settled_at=now),
                                  Rung(reach=reach, step=1, kind="voice", message=call, result="unreached",
                                       settled_at=now)])
    return Ladder(alpha, member, west, sms, call, reach)


def portal(staff, user=None, language="en"):
    client = logged_in(staff, user)
    client.cookies["django_language"] = language
    return client


def member_page(ladder, user=None, language="en") -> str:
    client = portal(ladder.staff, user, language)
    response = client.get(f"/registers/members/{ladder.member.pk}/")
    assert response.status_code == 200
    return response.content.decode().split('id="member-sms"')[1]


def plan_path(ladder, member=None) -> str:
    return f"/sms/members/{(member or ladder.member).pk}/contact-plan/"


def put(api, path, data):
    return api.client.put(path, json.dumps(data), content_type="application/json")


class TestContactPlanPage:
    def test_the_panel_shows_the_plan_proxy_and_latest_ladder(self, ladder):
        panel = member_page(ladder, language="zh-hans")
        assert "联系计划" in panel and "短信" in panel
        assert "李小梯" in panel and "138 0000 0102" in panel
        rungs = panel.split(f'id="reach-{ladder.reach.pk}"')[1].split("</ol>")[0]
        assert "未送达" in rungs and "138 0000 0101" in rungs
        assert 'id="contact-plan-form"' in panel

    def test_a_member_without_proxy_is_told_where_to_add_one(self, ladder):
        panel = member_page(ladder)
        assert "No proxy recorded." not in panel
        with schema_context("alpha"):
            Member.objects.filter(pk=ladder.member.pk).update(proxy_phone="", proxy_name="")
        assert "No proxy recorded." in member_page(ladder)

    def test_the_form_saves_and_audits(self, ladder):
        response = portal(ladder.staff, ladder.staff.secretary).post(
            plan_path(ladder), {"plan-preferred": "voice"})  # the box unticked: cannot read an SMS
        assert response.status_code == 302
        assert response["Location"] == f"/registers/members/{ladder.member.pk}/#member-sms"
        with schema_context("alpha"):
            plan = ContactPlan.objects.get(member=ladder.member)
            assert (plan.preferred, plan.reads_sms) == ("voice", False)
            assert AuditEvent.objects.filter(action="sms.contact_plan.set", object_id=str(plan.pk)).exists()
        panel = member_page(ladder)
        assert "Voice call" in panel.split('id="plan-preferred"')[1].split("</dd>")[0]

    def test_bad_input_comes_back_as_a_message(self, ladder):
        client = portal(ladder.staff)
        response = client.post(plan_path(ladder), {"plan-preferred": "fax"}, follow=True)
        assert response.status_code == 200 and "Preferred channel" in response.content.decode()
        with schema_context("alpha"):
            assert not ContactPlan.objects.exists()

    def test_a_viewer_sees_the_plan_but_may_not_change_it(self, ladder):
        panel = member_page(ladder, ladder.staff.viewer)
        assert 'id="contact-plan"' in panel and 'id="contact-plan-form"' not in panel
        viewer = portal(ladder.staff, ladder.staff.viewer)
        assert viewer.post(plan_path(ladder), {"plan-preferred": "voice"}).status_code == 403

    def test_another_subtree_or_unit_finds_nothing(self, ladder, beta):
        sibling = portal(ladder.staff, ladder.staff.sibling)
        assert sibling.post(plan_path(ladder), {"plan-preferred": "voice"}).status_code == 404
        assert portal(beta).post(plan_path(ladder), {"plan-preferred": "voice"}).status_code == 404
        assert portal(ladder.staff).get(plan_path(ladder)).status_code == 405
        with schema_context("alpha"):
            assert not ContactPlan.objects.exists()


class TestLadderSettings:
    def test_admins_set_how_far_a_purpose_climbs(self, ladder):
        client = portal(ladder.staff)
        page = client.get("/sms/settings/").content.decode()
        assert 'id="sms-ladders"' in page and "Every greeting" in page and "Visit notice" in page
        assert "Care fund payment notice" in page
        response = client.post("/sms/settings/", {"save_ladders": "1", "ladder-greetings": "proxy",
                                                  "ladder-notices": "task", "ladder-visit_notice": "own",
                                                  "ladder-fund_notice": "task"})
        assert response.status_code == 302
        with schema_context("alpha"):
            assert dict(LadderSetting.objects.values_list("purpose", "end")) == {
                "greetings": "proxy", "notices": "task", "visit_notice": "own", "fund_notice": "task"}

    def test_an_unknown_end_is_shown_on_the_form(self, ladder):
        response = portal(ladder.staff).post("/sms/settings/", {"save_ladders": "1", "ladder-greetings": "x"})
        assert response.status_code == 200 and "has-error" in response.content.decode()
        with schema_context("alpha"):
            assert not LadderSetting.objects.exists()

    def test_only_admins(self, ladder):
        secretary = portal(ladder.staff, ladder.staff.secretary)
        response = secretary.post("/sms/settings/", {"save_ladders": "1", "ladder-greetings": "task"})
        assert response.status_code == 403


class TestOutbox:
    def test_each_message_shows_its_ladder(self, ladder):
        client = portal(ladder.staff, language="zh-hans")
        page = client.get("/sms/").content.decode()
        line = page.split(f'id="ladder-{ladder.sms.pk}-{ladder.reach.pk}"')[1].split("</small>")[0]
        assert "短信" in line and "未送达" in line and "→" in line and "语音电话" in line
        assert f'id="ladder-{ladder.call.pk}-{ladder.reach.pk}"' in page

    def test_the_ladders_cost_the_same_queries_whatever_the_rows(self, ladder):
        client = portal(ladder.staff)
        client.get("/sms/")  # the session and the unit's settings warm

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get("/sms/").status_code == 200
            return len(captured)

        before = queries()
        with schema_context("alpha"):
            for index in range(5):
                message = outbox.queue(None, key=f"more:{index}", category=Category.NOTICE, to=P1, body="再通知",
                                       member=ladder.member)
                reach = Reach.objects.create(member=ladder.member, occasion=f"more:{index}", purpose="notices",
                                             category=Category.NOTICE, steps=[["sms"]], body="再通知")
                Rung.objects.create(reach=reach, step=0, kind="sms", message=message)
        assert queries() == before


class TestOptOutChannel:
    def test_staff_record_an_opt_out_of_calls_only(self, ladder):
        client = portal(ladder.staff)
        response = client.post(f"/sms/opt-outs/?member={ladder.member.pk}", {
            "phone": "13800000101", "scope": "all", "channel": "voice", "member": ladder.member.pk})
        assert response.status_code == 302
        with schema_context("alpha"):
            assert OptOut.objects.get(ended_at__isnull=True).channel == "voice"
        assert "Calls only" in client.get("/sms/opt-outs/").content.decode()

    def test_the_form_refuses_everything_by_default(self, ladder):
        page = portal(ladder.staff).get("/sms/opt-outs/").content.decode()
        assert 'value="all" ' in page.split('name="channel"')[1] or 'value="all" checked' in page

    def test_the_api_takes_the_channel(self, ladder):
        api = session_api(ladder.staff)
        answer = api.post(f"{API}/opt-outs/", {"member": ladder.member.pk, "scope": "all", "channel": "sms"})
        assert answer.status_code == 201 and answer.json()["channel"] == "sms"
        assert_error(api.post(f"{API}/opt-outs/", {"member": ladder.member.pk, "scope": "all", "channel": "fax"}),
                     400)


class TestApi:
    def test_the_contact_plan_reads_and_changes(self, ladder):
        api, path = session_api(ladder.staff, ladder.staff.secretary), f"{API}/members/{ladder.member.pk}/contact-plan/"
        assert api.get(path).json() == {"member": ladder.member.pk, "preferred": "sms", "reads_sms": True,
                                        "proxy_name": "李小梯", "proxy_phone": P2}
        answer = put(api, path, {"preferred": "both", "reads_sms": False})
        assert answer.status_code == 200 and answer.json()["preferred"] == "both"
        with schema_context("alpha"):
            assert ContactPlan.objects.get(member=ladder.member).reads_sms is False

    @pytest.mark.parametrize("body", [{}, {"preferred": "fax", "reads_sms": True},
                                      {"preferred": "sms", "reads_sms": "perhaps"}, [1, 2], "sms",
                                      {"preferred": "sms", "reads_sms": True, "proxy_phone": "13800000000"}])
    def test_bad_input_is_a_400(self, ladder, body):
        api = session_api(ladder.staff)
        assert_error(put(api, f"{API}/members/{ladder.member.pk}/contact-plan/", body), 400)

    def test_who_may_not(self, ladder, beta):
        path, body = f"{API}/members/{ladder.member.pk}/contact-plan/", {"preferred": "voice", "reads_sms": True}
        assert_error(put(session_api(ladder.staff, ladder.staff.viewer), path, body), 403)
        assert session_api(ladder.staff, ladder.staff.viewer).get(path).status_code == 200
        sibling = session_api(ladder.staff, ladder.staff.sibling)
        assert_error(sibling.get(path), 404)
        assert_error(put(sibling, path, body), 404)
        assert_error(sibling.get(f"{API}/members/{ladder.member.pk}/reaches/"), 404)
        assert_error(put(session_api(beta), path, body), 404)
        assert_error(session_api(ladder.staff).get(f"{API}/members/{ladder.west.pk + 1000}/contact-plan/"), 404)

    def test_the_reaches_of_a_member(self, ladder):
        answer = session_api(ladder.staff).get(f"{API}/members/{ladder.member.pk}/reaches/")
        assert answer.status_code == 200
        (reach,) = answer.json()
        assert (reach["purpose"], reach["purpose_name"], reach["status"]) == ("visit_notice", "Visit notice", "ended")
        assert [(rung["kind"], rung["phone"], rung["result"]) for rung in reach["rungs"]] == [
            ("sms", P1, "undelivered"), ("voice", P1, "unreached")]
        assert_error(session_api(ladder.staff).client.put(f"{API}/members/{ladder.member.pk}/reaches/"), 405)

    def test_the_ladders_read_by_all_set_by_admins(self, ladder):
        rows = session_api(ladder.staff, ladder.staff.viewer).get(f"{API}/ladders/").json()
        greetings = next(row for row in rows if row["purpose"] == "greetings")
        assert greetings == {"purpose": "greetings", "name": "Every greeting", "end": "first", "default": "first"}
        assert_error(put(session_api(ladder.staff, ladder.staff.secretary), f"{API}/ladders/",
                         {"greetings": "task"}), 403)
        answer = put(session_api(ladder.staff), f"{API}/ladders/", {"greetings": "task"})
        assert answer.status_code == 200
        assert next(row for row in answer.json() if row["purpose"] == "greetings")["end"] == "task"

    @pytest.mark.parametrize("body", [{"greetings": "never"}, {"no_such_purpose": "task"}, [["greetings", "task"]],
                                      "task", {"greetings": ["task"]}, {"greetings": None}])
    def test_bad_ladders_are_a_400(self, ladder, body):
        error = assert_error(put(session_api(ladder.staff), f"{API}/ladders/", body), 400)
        assert "Traceback" not in error["message"]
        with schema_context("alpha"):
            assert not LadderSetting.objects.exists()
