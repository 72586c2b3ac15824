"""The SMS API: templates with preview, notices (prepare then send, counts and cost), the outbox, opt-outs,
monthly statistics and settings; and who may reach what (roles, subtrees, another unit, anonymous)."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from care.registers.models import Member
from care.registers.services import members
from notifications.models import Category, Message, Notice, OptOut, Status
from notifications.services import optouts

from .api_data import anonymous_api, assert_error, session_api
from .conftest import Staff

S = "/api/v1/sms"
MEETING = "{member_name}同志：请于周五下午三点到党员活动室参加支部会议。{unit_name}"
P1, P2, P4, P6, P7, P8, P9 = (f"+861380000000{n}" for n in (1, 2, 4, 6, 7, 8, 9))


@dataclass
class Audience:
    staff: Staff
    one: Member  # east1, own phone
    two: Member  # east1, shares P2 with three
    three: Member  # east2
    proxied: Member  # east1, no phone of their own, a proxy's phone
    phoneless: Member  # east1
    deceased: Member  # east1
    opted_out: Member  # east2, declined everything
    greetings_only: Member  # east2, declined greetings only: notices still reach them
    west: Member  # west1, the sibling secretary's


def add(staff: Staff, node: str, name: str, phone: str = "", **data) -> Member:
    return members.create_member(staff.admin, node=staff.nodes[node], name=name, sex="f", birth_date="1950-03-03",
                                 phone=phone, uses_smartphone=False, **data)


def make_audience(staff: Staff) -> Audience:
    """Inside the unit's schema (the caller's transaction)."""
    admin = staff.admin
    audience = Audience(
        staff, one=add(staff, "east1", "张一", P1), two=add(staff, "east1", "张二", P2),
        three=add(staff, "east2", "张三", P2), proxied=add(staff, "east1", "张四", proxy_name="张小四", proxy_phone=P4),
        phoneless=add(staff, "east1", "张五"), deceased=add(staff, "east1", "张六", P6),
        opted_out=add(staff, "east2", "张七", P7), greetings_only=add(staff, "east2", "张八", P8),
        west=add(staff, "west1", "王西", P9))
    members.change_status(admin, audience.deceased, "deceased", died_on=datetime.date(2025, 3, 1))
    optouts.record_opt_out(admin, phone=P7, scope="all", source="staff", member=audience.opted_out)
    optouts.record_opt_out(admin, phone=P8, scope="greetings", source="staff", member=audience.greetings_only)
    return audience


@pytest.fixture(name="people")
def people_fixture(alpha):
    with schema_context("alpha"):
        return make_audience(alpha)


def east(people) -> dict:
    return {"filters": {"node": people.staff.nodes["east"].pk}, "body": MEETING}


class TestNotices:
    def test_prepare_counts_recipients_and_cost(self, people):
        answer = session_api(people.staff).post(f"{S}/notices/prepare/", east(people)).json()
        assert answer["members"] == 8
        assert answer["recipients"] == 4  # P1, P2 (张二 and 张三 together), the proxy's P4, P8
        assert answer["excluded"] == {"gone": 1, "no_phone": 1, "opted_out": 1}
        assert answer["shared"] == 2
        assert answer["segments"] == 4 and answer["encoding"] == "UCS-2"
        assert answer["sample"].startswith("张一同志") and people.staff.unit.name in answer["sample"]

    def test_long_texts_cost_more_segments(self, people):
        body = {**east(people), "body": "会议通知：" + "请准时参加。" * 12}  # 77 UCS-2 units: 2 segments
        answer = session_api(people.staff).post(f"{S}/notices/prepare/", body).json()
        assert (answer["recipients"], answer["segments"], answer["characters"]) == (4, 8, 77)

    def test_filters_of_the_member_list(self, people):
        api = session_api(people.staff)
        everyone = api.post(f"{S}/notices/prepare/", {"body": MEETING}).json()
        assert everyone["recipients"] == 5  # the west member too
        branch = api.post(f"{S}/notices/prepare/", {"filters": {"node": people.staff.nodes["east2"].pk},
                                                    "body": MEETING}).json()
        assert branch["recipients"] == 2  # 张三's shared phone (张二 is not in east2) and 张八
        no_smartphone = api.post(f"{S}/notices/prepare/", {"filters": {"uses_smartphone": False, "age_min": 70},
                                                           "body": MEETING}).json()
        assert no_smartphone["members"] == 9
        error = assert_error(api.post(f"{S}/notices/prepare/", {"filters": {"age_min": "old"}, "body": MEETING}),
                             400, "invalid")
        assert "filters.age_min" in error["fields"]

    def test_send_queues_one_message_per_phone(self, people):
        api = session_api(people.staff)
        response = api.post(f"{S}/notices/send/", {**east(people), "expected": 4})
        assert response.status_code == 201, response.content
        notice = response.json()
        assert (notice["recipients"], notice["segments"]) == (4, 4)
        with schema_context("alpha"):
            sent = {message.to: message for message in Message.objects.filter(notice_id=notice["id"])}
            assert set(sent) == {P1, P2, P4, P8}
            assert sent[P2].body.startswith("张二、张三同志") and sent[P2].category == Category.NOTICE
            assert sent[P2].idempotency_key == f"notice:{notice['id']}:{P2}"
            assert all(message.status == Status.PENDING for message in sent.values())
        assert api.get(f"{S}/notices/{notice['id']}/").json()["statuses"] == {"pending": 4}

    def test_send_refuses_when_the_count_changed(self, people):
        api = session_api(people.staff)
        with schema_context("alpha"):
            add(people.staff, "east1", "新来的", "+8613800000010")
        error = assert_error(api.post(f"{S}/notices/send/", {**east(people), "expected": 4}), 400, "invalid")
        assert "5" in error["fields"]["expected"][0]
        with schema_context("alpha"):
            assert not Notice.objects.exists() and not Message.objects.filter(category=Category.NOTICE).exists()

    def test_a_template_gives_the_text(self, people):
        body = {"filters": {"node": people.staff.nodes["east1"].pk}, "template": "visit_notice"}
        answer = session_api(people.staff).post(f"{S}/notices/prepare/", body).json()
        assert "将于" in answer["sample"] or "will visit" in answer["sample"]

    def test_bad_texts_are_refused(self, people):
        api = session_api(people.staff)
        for body in ("", "{name}同志", "很长的通知。" * 60):
            error = assert_error(api.post(f"{S}/notices/prepare/", {**east(people), "body": body}), 400, "invalid")
            assert "body" in error["fields"]

    def test_secretaries_reach_only_their_subtree(self, people):
        api = session_api(people.staff, people.staff.secretary)
        assert api.post(f"{S}/notices/prepare/", {"body": MEETING}).json()["recipients"] == 4
        error = assert_error(api.post(f"{S}/notices/prepare/", {"filters": {"node": people.staff.nodes["west"].pk},
                                                                "body": MEETING}), 400, "invalid")
        assert "filters.node" in error["fields"]
        sibling = session_api(people.staff, people.staff.sibling)
        assert sibling.post(f"{S}/notices/prepare/", {"body": MEETING}).json()["recipients"] == 1

    @pytest.mark.parametrize("role", ["viewer", "sensitive_viewer"])
    def test_viewers_may_not_send(self, people, role):
        api = session_api(people.staff, getattr(people.staff, role))
        assert_error(api.post(f"{S}/notices/prepare/", east(people)), 403, "permission_denied")
        assert_error(api.post(f"{S}/notices/send/", {**east(people), "expected": 4}), 403, "permission_denied")
        assert api.get(f"{S}/notices/").status_code == 200


class TestTemplates:
    def test_list_shows_defaults_and_the_units_own(self, people):
        api = session_api(people.staff, people.staff.viewer)
        rows = api.get(f"{S}/templates/", {"page_size": 200}).json()["results"]
        digest = [row for row in rows if row["key"] == "staff_digest"]
        assert {row["language"] for row in digest} == {"zh-hans", "en"} and all(row["is_default"] for row in digest)

    def test_admins_save_update_and_delete(self, people):
        api = session_api(people.staff)
        response = api.post(f"{S}/templates/", {"key": "meeting", "language": "zh-hans", "category": "notice",
                                                "body": MEETING})
        assert response.status_code == 201, response.content
        pk = response.json()["id"]
        changed = api.patch(f"{S}/templates/{pk}/", {"body": "{member_name}：开会"}).json()
        assert changed["body"] == "{member_name}：开会"
        assert api.get(f"{S}/templates/{pk}/").json()["is_default"] is False
        assert api.delete(f"{S}/templates/{pk}/").status_code == 204
        assert_error(api.get(f"{S}/templates/{pk}/"), 404, "not_found")

    def test_over_the_segment_limit_or_unknown_variables_refused(self, people):
        api = session_api(people.staff)
        for body in ("很长的通知。" * 60, "{member}同志"):
            error = assert_error(api.post(f"{S}/templates/", {"key": "x", "language": "zh-hans",
                                                              "category": "notice", "body": body}), 400, "invalid")
            assert "body" in error["fields"]

    @pytest.mark.parametrize("body, encoding, characters, segments", [
        ("a" * 160, "GSM-7", 160, 1), ("a" * 161, "GSM-7", 161, 2), ("€" * 80, "GSM-7", 160, 1),
        ("你" * 70, "UCS-2", 70, 1), ("你" * 71, "UCS-2", 71, 2), ("Meet\u00a0at “nine”", "GSM-7", 14, 1),
    ])
    def test_preview_counts(self, people, body, encoding, characters, segments):
        answer = session_api(people.staff, people.staff.viewer).post(f"{S}/templates/preview/", {"body": body}).json()
        assert (answer["encoding"], answer["characters"], answer["segments"]) == (encoding, characters, segments)
        assert answer["max_segments"] == 3

    def test_preview_fills_in_variables(self, people):
        answer = session_api(people.staff).post(f"{S}/templates/preview/", {
            "body": "{member_name}，{foo}", "context": {"member_name": "张一"}}).json()
        assert answer["text"] == "张一，{foo}" and answer["unknown_variables"] == ["foo"]

    @pytest.mark.parametrize("role", ["secretary", "viewer"])
    def test_only_admins_change_templates(self, people, role):
        api = session_api(people.staff, getattr(people.staff, role))
        assert_error(api.post(f"{S}/templates/", {"key": "x", "language": "en", "category": "notice",
                                                  "body": "x"}), 403, "permission_denied")


def queue_sent(people) -> int:
    response = session_api(people.staff).post(f"{S}/notices/send/", {"body": MEETING, "expected": 5})
    assert response.status_code == 201, response.content
    return response.json()["id"]


class TestOutbox:
    def test_status_and_error_per_message_with_filters(self, people):
        notice = queue_sent(people)
        with schema_context("alpha"):
            Message.objects.filter(to=P1).update(status=Status.DELIVERED, sent_at=timezone.now())
            Message.objects.filter(to=P4).update(status=Status.UNDELIVERED, sent_at=timezone.now(),
                                                 error_code="30003", error_message="Unreachable handset")
        api = session_api(people.staff)
        rows = api.get(f"{S}/messages/", {"notice": notice}).json()["results"]
        assert len(rows) == 5
        [failed] = api.get(f"{S}/messages/", {"status": "undelivered"}).json()["results"]
        assert (failed["to"], failed["error_code"], failed["member"]["name"]) == (P4, "30003", "张四")
        assert api.get(f"{S}/messages/", {"member": people.one.pk}).json()["count"] == 1
        assert api.get(f"{S}/messages/", {"category": "greeting"}).json()["count"] == 0
        today = timezone.localdate().isoformat()
        assert api.get(f"{S}/messages/", {"created_after": today}).json()["count"] >= 5
        assert api.get(f"{S}/messages/", {"to": "0004"}).json()["count"] == 1

    def test_scope_of_each_role(self, people, beta):
        notice = queue_sent(people)
        secretary = session_api(people.staff, people.staff.secretary)
        assert {row["to"] for row in secretary.get(f"{S}/messages/").json()["results"]} == {P1, P2, P4, P8}
        sibling = session_api(people.staff, people.staff.sibling)
        [west] = sibling.get(f"{S}/messages/").json()["results"]
        assert west["to"] == P9
        assert sibling.get(f"{S}/notices/{notice}/").status_code == 200  # it reached their member
        with schema_context("alpha"):
            east_message = Message.objects.get(to=P1).pk
        assert_error(sibling.get(f"{S}/messages/{east_message}/"), 404, "not_found")
        other = session_api(beta)
        assert_error(other.get(f"{S}/messages/{east_message}/"), 404, "not_found")
        assert_error(other.get(f"{S}/notices/{notice}/"), 404, "not_found")
        assert other.get(f"{S}/messages/").json()["count"] == 0

    def test_staff_see_their_own_reminders(self, people):
        from notifications.services import outbox

        with schema_context("alpha"):
            outbox.queue(None, key="digest:test", category=Category.STAFF, to="+8613900000099", body="x",
                         user=people.staff.viewer)
        rows = session_api(people.staff, people.staff.viewer).get(f"{S}/messages/").json()["results"]
        assert [row["idempotency_key"] for row in rows] == ["digest:test"]


class TestOptOuts:
    def test_record_by_member_and_end(self, people):
        api = session_api(people.staff, people.staff.secretary)
        response = api.post(f"{S}/opt-outs/", {"member": people.one.pk, "scope": "greetings",
                                               "note": "电话告知支部书记"})
        assert response.status_code == 201, response.content
        opt_out = response.json()
        assert (opt_out["phone"], opt_out["source"], opt_out["member"]["name"]) == (P1, "staff", "张一")
        ended = api.post(f"{S}/opt-outs/{opt_out['id']}/end/").json()
        assert ended["ended_at"]
        assert api.get(f"{S}/opt-outs/", {"current": "true", "phone": P1[-4:]}).json()["count"] == 0

    def test_record_by_phone_alone(self, people):
        api = session_api(people.staff)
        response = api.post(f"{S}/opt-outs/", {"phone": "13800000055", "scope": "all"})
        assert response.status_code == 201 and response.json()["phone"] == "+8613800000055"
        assert_error(api.post(f"{S}/opt-outs/", {"phone": "123", "scope": "all"}), 400, "invalid")
        assert_error(api.post(f"{S}/opt-outs/", {"phone": "13800000056", "scope": "some"}), 400, "invalid")

    def test_who_may_record(self, people, beta):
        sibling = session_api(people.staff, people.staff.sibling)
        error = assert_error(sibling.post(f"{S}/opt-outs/", {"member": people.one.pk, "scope": "all"}), 400)
        assert "member" in error["fields"]  # out of scope: does not exist
        viewer = session_api(people.staff, people.staff.viewer)
        assert_error(viewer.post(f"{S}/opt-outs/", {"member": people.one.pk, "scope": "all"}), 403)
        with schema_context("alpha"):
            opt_out = OptOut.objects.get(phone=P7).pk
        assert_error(viewer.post(f"{S}/opt-outs/{opt_out}/end/"), 403)
        assert_error(session_api(beta).post(f"{S}/opt-outs/{opt_out}/end/"), 404)
        assert {row["phone"] for row in viewer.get(f"{S}/opt-outs/").json()["results"]} == {P7, P8}
        assert sibling.get(f"{S}/opt-outs/").json()["count"] == 0

    def test_another_subtree_cannot_read_end_or_learn_it(self, people):
        """An east member's opt-out, on a phone a west member's proxy shares: the west's secretary gets it neither
        by id, nor by ending it, nor by recording the same phone, nor in the list."""
        with schema_context("alpha"):
            opt_out = OptOut.objects.get(phone=P7)
            OptOut.objects.filter(pk=opt_out.pk).update(note="东区书记电话告知")
            members.update_member(people.staff.admin, people.west, proxy_name="王小西", proxy_phone=P7)
        sibling = session_api(people.staff, people.staff.sibling)
        assert_error(sibling.get(f"{S}/opt-outs/{opt_out.pk}/"), 404, "not_found")
        assert_error(sibling.post(f"{S}/opt-outs/{opt_out.pk}/end/"), 404, "not_found")
        for body in ({"phone": P7, "scope": "all"}, {"phone": P7, "scope": "greetings"},
                     {"member": people.west.pk, "phone": P7, "scope": "all"}):
            response = sibling.post(f"{S}/opt-outs/", body)
            assert "phone" in assert_error(response, 400, "invalid")["fields"]
            assert "张七" not in response.content.decode() and "东区书记" not in response.content.decode()
        assert sibling.get(f"{S}/opt-outs/").json()["count"] == 0
        with schema_context("alpha"):
            assert OptOut.objects.get(phone=P7, ended_at__isnull=True).pk == opt_out.pk

    def test_phone_only_opt_outs_belong_to_the_subtrees_using_the_phone(self, people):
        with schema_context("alpha"):
            stop = optouts.record_opt_out(None, phone=P9, scope="all", source="reply", note="Replied STOP")
            stranger = optouts.record_opt_out(people.staff.admin, phone="+8613800000055", scope="all",
                                              source="staff", note="单位统一登记")
        sibling = session_api(people.staff, people.staff.sibling)  # the west's 王西 uses P9
        assert [row["id"] for row in sibling.get(f"{S}/opt-outs/").json()["results"]] == [stop.pk]
        assert_error(sibling.get(f"{S}/opt-outs/{stranger.pk}/"), 404, "not_found")
        assert_error(session_api(people.staff, people.staff.secretary).get(f"{S}/opt-outs/{stop.pk}/"), 404)
        assert sibling.post(f"{S}/opt-outs/{stop.pk}/end/").json()["ended_at"]

    def test_a_subtree_records_only_its_members_phones_and_for_a_member(self, people):
        sibling = session_api(people.staff, people.staff.sibling)
        response = sibling.post(f"{S}/opt-outs/", {"phone": P9, "scope": "greetings", "note": "电话告知"})
        assert response.status_code == 201 and response.json()["member"]["name"] == "王西"
        for phone in ("13800000055", P1):  # nobody's phone; an east member's phone
            error = assert_error(sibling.post(f"{S}/opt-outs/", {"phone": phone, "scope": "all"}), 400, "invalid")
            assert "phone" in error["fields"]
        with schema_context("alpha"):
            assert not OptOut.objects.filter(phone__in=["+8613800000055", P1]).exists()

    @pytest.mark.parametrize("path", ["/opt-outs/abc/end/", "/opt-outs/abc/", "/opt-outs/1.5/end/"])
    def test_a_malformed_id_is_not_found(self, people, path):
        assert_error(session_api(people.staff).post(S + path), 404, "not_found")
        assert_error(session_api(people.staff).get(S + path), 404, "not_found")


class TestStatsAndSettings:
    def test_monthly_statistics(self, people):
        queue_sent(people)
        with schema_context("alpha"):
            Message.objects.filter(to__in=[P1, P2]).update(status=Status.DELIVERED, sent_at=timezone.now(),
                                                           segments=2)
            Message.objects.filter(to=P4).update(status=Status.UNDELIVERED, sent_at=timezone.now())
            Message.objects.filter(to=P8).update(status=Status.FAILED)
        [month] = session_api(people.staff).get(f"{S}/stats/").json()
        assert month["month"] == timezone.localdate().replace(day=1).isoformat()
        assert (month["sent"], month["delivered"], month["undelivered"], month["failed"], month["waiting"]) == (
            3, 2, 1, 1, 1)
        assert month["segments"] == 5
        assert session_api(people.staff, people.staff.sibling).get(f"{S}/stats/").json()[0]["sent"] == 0

    def test_settings_for_admins_with_a_write_only_token(self, people):
        api = session_api(people.staff)
        sid = "AC" + "3" * 32
        answer = api.patch(f"{S}/settings/", {"send_from": "08:30", "daily_cap_per_recipient": 2,
                                              "account_sid": sid, "auth_token": "secret-token"}).json()
        assert answer["send_from"] == "08:30:00" and answer["daily_cap_per_recipient"] == 2
        assert answer["account_sid"] == sid and answer["has_own_account"] is True
        assert "auth_token" not in answer and "secret-token" not in str(api.get(f"{S}/settings/").json())
        error = assert_error(api.patch(f"{S}/settings/", {"max_segments": 99}), 400, "invalid")
        assert "max_segments" in error["fields"]
        assert_error(session_api(people.staff, people.staff.secretary).get(f"{S}/settings/"), 403)


ENDPOINTS = ["/templates/", "/notices/", "/messages/", "/opt-outs/", "/stats/", "/settings/"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_anonymous_gets_401(alpha, path):
    assert_error(anonymous_api(alpha).get(S + path), 401, "not_authenticated")


def test_anonymous_writes_get_401(alpha):
    api = anonymous_api(alpha)
    for path in ("/notices/prepare/", "/notices/send/", "/opt-outs/", "/templates/", "/templates/preview/"):
        assert_error(api.post(S + path, {"body": "x"}), 401, "not_authenticated")


def test_schema_documents_the_sms_api(alpha):
    schema = anonymous_api(alpha).get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/sms/templates/preview/", "/api/v1/sms/notices/prepare/", "/api/v1/sms/notices/send/",
                 "/api/v1/sms/messages/", "/api/v1/sms/opt-outs/{id}/end/", "/api/v1/sms/stats/"):
        assert path in schema["paths"], path
    send = schema["paths"]["/api/v1/sms/notices/send/"]["post"]
    assert {"201", "400", "401", "403"} <= set(send["responses"])
    assert "auth_token" not in schema["components"]["schemas"]["SmsSettings"]["properties"]
