"""The SMS pages of the portal: outbox with filters and its refreshing fragment, composing a notice (count and
cost before confirming), templates with live preview, opt-outs, statistics, settings, the sandbox page; and who
reaches which (anonymous visitors, another unit, a sibling subtree, read-only viewers)."""

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from care.registers.services import members
from carehub.clock import unit_now
from notifications.models import Category, Message, Notice, OptOut, SmsSettings, Status, Template

from . import sms_gateway as sms
from .billing_data import subscribed
from .conftest import client_for, logged_in
from .test_sms_api import MEETING, P1, P2, P4, P8, people_fixture  # noqa: F401 (fixture)

gateway, sms_gateway = sms.gateway, sms.sms_gateway  # fixtures
S = "/sms"
PAGES = [f"{S}/", f"{S}/notices/", f"{S}/templates/", f"{S}/opt-outs/", f"{S}/stats/"]


def compose_data(people, **extra) -> dict:
    return {"node": people.staff.nodes["east"].pk, "body": MEETING, "template": "", **extra}


def send_notice(people, client=None) -> Notice:
    client = client or logged_in(people.staff)
    response = client.post(f"{S}/notices/send/", compose_data(people, expected=4))
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("alpha"):
        notice = Notice.objects.get()
    assert response["Location"] == f"{S}/?notice={notice.pk}"
    return notice


class TestWhoReachesWhat:
    def test_anonymous_visitors_are_sent_to_sign_in(self, alpha):
        client = client_for(alpha.host)
        for path in [*PAGES, f"{S}/notices/new/", f"{S}/settings/"]:
            response = client.get(path)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], path
        response = client.post(f"{S}/notices/send/", {"body": "x", "expected": 1})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize("role", ["admin", "secretary", "viewer"])
    def test_every_role_reads_the_pages(self, people, role):
        client = logged_in(people.staff, getattr(people.staff, role))
        for path in PAGES:
            assert client.get(path).status_code == 200, path

    def test_viewers_may_not_send_or_record(self, people):
        client = logged_in(people.staff, people.staff.viewer)
        assert client.get(f"{S}/notices/new/").status_code == 403
        assert client.post(f"{S}/notices/send/", compose_data(people, expected=4)).status_code == 403
        client.post(f"{S}/opt-outs/", {"phone": "13800000055", "scope": "all"})
        with schema_context("alpha"):
            assert not Notice.objects.exists() and not OptOut.objects.filter(phone="+8613800000055").exists()

    @pytest.mark.parametrize("role", ["secretary", "viewer"])
    def test_only_admins_change_templates_and_settings(self, people, role):
        client = logged_in(people.staff, getattr(people.staff, role))
        assert client.get(f"{S}/settings/").status_code == 403
        assert client.get(f"{S}/templates/edit/").status_code == 403
        assert client.post(f"{S}/templates/edit/", {"key": "x", "language": "en", "category": "notice",
                                                    "body": "x"}).status_code == 403

    def test_another_unit_sees_nothing_of_alpha(self, people, beta):
        notice = send_notice(people)
        with schema_context("alpha"):
            opt_out = OptOut.objects.get(phone="+8613800000007").pk
        client = logged_in(beta)
        assert MEETING[:10] not in client.get(f"{S}/").content.decode()
        assert client.get(f"{S}/?notice={notice.pk}").context["notice"] is None
        assert client.post(f"{S}/opt-outs/{opt_out}/end/").status_code == 404
        with schema_context("alpha"):
            assert OptOut.objects.get(pk=opt_out).ended_at is None

    def test_a_sibling_subtree_sees_only_its_own_members(self, people):
        response = logged_in(people.staff).post(f"{S}/notices/send/", {"body": MEETING, "expected": 5})
        assert response.status_code == 302
        page = logged_in(people.staff, people.staff.sibling).get(f"{S}/").content.decode()
        assert "王西" in page and "张一" not in page


class TestCompose:
    def test_prepare_shows_count_and_cost_before_sending(self, people):
        client = logged_in(people.staff)
        page = client.get(f"{S}/notices/new/").content.decode()
        assert 'id="prepare-notice"' in page and 'name="node"' in page
        answer = client.post(f"{S}/notices/prepare/", compose_data(people), HTTP_HX_REQUEST="true")
        html = answer.content.decode()
        assert answer.context["audience"].recipients == 4 and answer.context["audience"].segments == 4
        assert 'name="expected" value="4"' in html and "张一同志" in html
        with schema_context("alpha"):
            assert not Message.objects.filter(category=Category.NOTICE).exists()  # nothing sent yet

    def test_prepare_tells_the_quota_left_and_the_cost_beyond_it(self, people):
        subscribed(people.staff.unit, sms=2, overage="0.0500")
        answer = logged_in(people.staff).post(f"{S}/notices/prepare/", compose_data(people), HTTP_HX_REQUEST="true")
        outlook = answer.context["audience"].outlook
        assert (outlook.quota_left, outlook.beyond_quota, outlook.extra_cost) == (2, 2, Decimal("0.1000"))
        assert "¥0.10" in answer.content.decode() and 'id="audience-extra-cost"' in answer.content.decode()

    def test_prepare_says_nothing_is_charged_without_a_plan(self, people):
        answer = logged_in(people.staff).post(f"{S}/notices/prepare/", compose_data(people), HTTP_HX_REQUEST="true")
        assert answer.context["audience"].outlook.quota_left is None
        assert 'id="audience-extra-cost"' not in answer.content.decode()

    def test_prepare_says_when_messages_wait_for_the_sending_window(self, people):
        now = unit_now(unit=people.staff.unit)
        start = datetime.time((now.hour + 2) % 24)  # a window opening two hours from now, an hour long
        with schema_context("alpha"):
            SmsSettings.objects.update_or_create(pk=1, defaults={"send_from": start,
                                                                 "send_until": datetime.time((now.hour + 3) % 24)})
        answer = logged_in(people.staff).post(f"{S}/notices/prepare/", compose_data(people), HTTP_HX_REQUEST="true")
        opens = answer.context["audience"].outlook.opens_at
        assert opens.time() == start and opens > now
        assert 'id="audience-waits"' in answer.content.decode()

    def test_send_queues_and_shows_the_notice_in_the_outbox(self, people):
        client = logged_in(people.staff)
        notice = send_notice(people, client)
        page = client.get(f"{S}/?notice={notice.pk}")
        assert page.context["page"].paginator.count == 4
        assert {row.to for row in page.context["page"]} == {P1, P2, P4, P8}
        assert page.context["in_flight"] and 'hx-trigger="every 2s"' in page.content.decode()

    def test_a_changed_count_is_refused_with_the_new_one(self, people):
        client = logged_in(people.staff)
        response = client.post(f"{S}/notices/send/", compose_data(people, expected=3))
        assert response.status_code == 200 and "4" in response.content.decode()
        with schema_context("alpha"):
            assert not Notice.objects.exists()

    def test_the_text_can_come_from_a_template(self, people):
        answer = logged_in(people.staff).post(f"{S}/notices/prepare/", compose_data(
            people, body="", template="visit_notice"))
        assert answer.context["audience"].recipients == 4

    def test_secretaries_compose_within_their_subtree(self, people):
        client = logged_in(people.staff, people.staff.secretary)
        answer = client.post(f"{S}/notices/prepare/", {"body": MEETING})
        assert answer.context["audience"].recipients == 4
        outside = client.post(f"{S}/notices/prepare/", {"body": MEETING, "node": people.staff.nodes["west"].pk})
        assert outside.context["error"]


class TestOutbox:
    def test_statuses_and_errors_with_filters(self, people):
        notice = send_notice(people)
        with schema_context("alpha"):
            Message.objects.filter(to=P4).update(status=Status.UNDELIVERED, error_code="30003",
                                                 error_message="Unreachable handset", sent_at=timezone.now())
        client = logged_in(people.staff)
        page = client.get(f"{S}/", {"status": "undelivered"})
        assert [row.to for row in page.context["page"]] == [P4]
        body = page.content.decode()
        assert "Unreachable handset" in body and "30003" in body  # the carrier's own code is worth quoting
        with schema_context("alpha"):
            Message.objects.filter(to=P4).update(error_code="lost", error_message="Outcome unknown")
        rows = client.get(f"{S}/", {"status": "undelivered"}).content.decode().split('id="outbox-rows"')[1]
        assert "Outcome unknown" in rows and "lost" not in rows  # our own codes never reach the page
        assert client.get(f"{S}/", {"q": "张一"}).context["page"].paginator.count == 1
        assert client.get(f"{S}/", {"category": "greeting"}).context["page"].paginator.count == 0
        today = timezone.localdate().isoformat()
        assert client.get(f"{S}/", {"date": today, "notice": notice.pk}).context["page"].paginator.count == 4

    def test_the_fragment_refreshes_until_nothing_is_in_flight(self, people):
        notice = send_notice(people)
        client = logged_in(people.staff)
        headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "outbox-rows"}
        fragment = client.get(f"{S}/?notice={notice.pk}", **headers)
        assert fragment.content.decode().startswith('<div id="outbox-rows"')
        assert "<html" not in fragment.content.decode() and fragment.context["in_flight"]
        with schema_context("alpha"):
            Message.objects.filter(notice=notice).update(status=Status.DELIVERED, sent_at=timezone.now())
        done = client.get(f"{S}/?notice={notice.pk}", **headers)
        assert not done.context["in_flight"] and "every 2s" not in done.content.decode()
        assert done.content.decode().count("status-delivered") == 4


class TestTemplates:
    def test_live_preview(self, people):
        client = logged_in(people.staff, people.staff.viewer)
        answer = client.post(f"{S}/templates/preview/", {"body": "{member_name}同志：" + "你" * 70})
        html = answer.content.decode()
        assert "王建国同志" in html or "Wang Jianguo" in html
        assert answer.context["count"].encoding == "UCS-2" and answer.context["count"].segments == 2
        gsm = client.post(f"{S}/templates/preview/", {"body": "Meet\u00a0at nine {foo}"})
        assert gsm.context["count"].encoding == "GSM-7" and gsm.context["unknown"] == ["foo"]

    def test_edit_save_and_go_back_to_the_built_in_text(self, people):
        """The key is in the address, never on the form; variables read as words and are kept by name."""
        client = logged_in(people.staff)
        client.cookies["django_language"] = "en"
        edit = f"{S}/templates/edit/?key=staff_digest&language=zh-hans"
        page = client.get(edit).content.decode()
        assert "{number of tasks}" in page and 'hx-post="/sms/templates/preview/"' in page
        assert "staff_digest" not in page.split("<main")[1].replace("key=staff_digest", "")
        assert 'name="name"' not in page  # a built-in purpose keeps its name
        response = client.post(edit, {"language": "zh-hans", "category": "staff",
                                      "body": "待办{number of tasks}项：{tasks}"})
        assert response.status_code == 302
        with schema_context("alpha"):
            template = Template.objects.get(key="staff_digest", language="zh-hans")
        assert template.body == "待办{count}项：{tasks}"
        assert "待办{number of tasks}项" in client.get(f"{S}/templates/").content.decode()
        client.post(f"{S}/templates/{template.pk}/delete/")
        with schema_context("alpha"):
            assert not Template.objects.exists()

    def test_a_new_purpose_is_named_and_its_key_made_from_the_name(self, people):
        client = logged_in(people.staff)
        client.cookies["django_language"] = "en"
        page = client.get(f"{S}/templates/edit/").content.decode()
        assert 'name="name"' in page and 'name="key"' not in page
        assert client.post(f"{S}/templates/edit/", {"name": "支部会议通知", "language": "zh-hans", "category": "notice",
                                                    "body": "{member name}同志：请参加支部会议。"}).status_code == 302
        with schema_context("alpha"):
            template = Template.objects.get()
        assert (template.key, template.name) == ("own-1", "支部会议通知")
        assert template.body == "{member_name}同志：请参加支部会议。"
        listing = client.get(f"{S}/templates/").content.decode()
        assert "支部会议通知" in listing and ">own-1<" not in listing
        assert "?key=own-1&amp;language=en" in listing  # offered in the other language, under the same name
        english = client.get(f"{S}/templates/edit/", {"key": "own-1", "language": "en"})
        assert english.context["form"].initial["name"] == "支部会议通知"
        compose = client.get(f"{S}/notices/new/").content.decode()
        assert '<option value="own-1">支部会议通知</option>' in compose and "Visit notice" in compose

    def test_errors_are_shown_next_to_the_text(self, people):
        response = logged_in(people.staff).post(f"{S}/templates/edit/", {
            "key": "meeting", "language": "zh-hans", "category": "notice", "body": "很长的通知。" * 60})
        assert response.status_code == 200 and response.context["form"].errors["body"]


class TestOptOuts:
    def test_record_for_a_member_and_end(self, people):
        client = logged_in(people.staff, people.staff.secretary)
        page = client.get(f"{S}/opt-outs/", {"member": people.one.pk})
        assert page.context["form"].initial["phone"] == P1
        response = client.post(f"{S}/opt-outs/", {"member": people.one.pk, "phone": P1, "scope": "greetings",
                                                  "note": "当面告知"})
        assert response.status_code == 302
        with schema_context("alpha"):
            opt_out = OptOut.objects.get(phone=P1, ended_at__isnull=True)
            assert (opt_out.member_id, opt_out.source, opt_out.created_by) == (people.one.pk, "staff",
                                                                                people.staff.secretary)
        client.post(f"{S}/opt-outs/{opt_out.pk}/end/")
        with schema_context("alpha"):
            assert OptOut.objects.get(pk=opt_out.pk).ended_at is not None

    def test_a_member_out_of_scope_is_not_found(self, people):
        client = logged_in(people.staff, people.staff.sibling)
        assert client.get(f"{S}/opt-outs/", {"member": people.one.pk}).status_code == 404

    def test_another_subtree_sees_ends_and_learns_nothing(self, people):
        """The east's opt-out on P8, a phone the west's member shares as a proxy: hidden from the west's
        secretary on the page, when ending it, and when recording the same phone."""
        with schema_context("alpha"):
            opt_out = OptOut.objects.get(phone=P8)
            OptOut.objects.filter(pk=opt_out.pk).update(note="东区书记电话告知")
            members.update_member(people.staff.admin, people.west, proxy_name="王小西", proxy_phone=P8)
        client = logged_in(people.staff, people.staff.sibling)
        assert "张八" not in client.get(f"{S}/opt-outs/", {"show": "all"}).content.decode()
        assert client.post(f"{S}/opt-outs/{opt_out.pk}/end/").status_code == 404
        response = client.post(f"{S}/opt-outs/", {"member": people.west.pk, "phone": P8, "scope": "all"})
        assert response.status_code == 200 and response.context["form"].errors["phone"]
        assert "张八" not in response.content.decode() and "东区书记" not in response.content.decode()
        with schema_context("alpha"):
            assert OptOut.objects.get(phone=P8, ended_at__isnull=True).pk == opt_out.pk

    def test_invalid_phone_shown_on_the_field(self, people):
        response = logged_in(people.staff).post(f"{S}/opt-outs/", {"phone": "123", "scope": "all"})
        assert response.status_code == 200 and response.context["form"].errors["phone"]


class TestStatsAndSettings:
    def test_monthly_statistics(self, people):
        notice = send_notice(people)
        with schema_context("alpha"):
            Message.objects.filter(notice=notice).update(status=Status.DELIVERED, sent_at=timezone.now())
        page = logged_in(people.staff).get(f"{S}/stats/")
        [month] = page.context["months"]
        assert (month["sent"], month["delivered"], month["segments"]) == (4, 4, 4)

    def test_settings_and_a_write_only_token(self, people):
        client = logged_in(people.staff)
        response = client.post(f"{S}/settings/", {
            "save_settings": "1", "sms-messaging_service_sid": "", "sms-from_number": "", "sms-send_from": "08:00",
            "sms-send_until": "21:00", "sms-max_segments": 4, "sms-daily_cap_per_recipient": 2,
            "sms-rate_per_second": 20})
        assert response.status_code == 302, response.content.decode()[:3000]
        sid = "AC" + "4" * 32
        assert client.post(f"{S}/settings/", {"save_account": "1", "account-account_sid": sid,
                                              "account-auth_token": "secret-token"}).status_code == 302
        with schema_context("alpha"):
            sms_settings = SmsSettings.objects.get()
            assert (sms_settings.send_from.hour, sms_settings.max_segments, sms_settings.account_sid) == (8, 4, sid)
            assert "secret-token" not in sms_settings.auth_token_encrypted
        page = client.get(f"{S}/settings/").content.decode()
        assert sid in page and "secret-token" not in page
        missing = client.post(f"{S}/settings/", {"save_account": "1", "account-account_sid": sid})
        assert missing.status_code == 200 and missing.context["account_form"].errors["auth_token"]


class TestSandboxPage:
    def test_only_in_development_with_the_sandbox(self, people, sms_gateway):
        client = logged_in(people.staff)
        assert client.get(f"{S}/sandbox/").status_code == 404  # DEBUG is off in tests
        with override_settings(DEBUG=True, TWILIO_API_BASE_URL="https://api.twilio.com"):
            assert client.get(f"{S}/sandbox/").status_code == 404

    def test_shows_what_the_gateway_delivered_to_a_phone(self, people, gateway):
        from notifications.providers import Account, Sender, TwilioProvider

        provider = TwilioProvider(Account(sms.ACCOUNT.sid, sms.ACCOUNT.token))
        result = provider.send(P1, "张一同志：明天开会。", Sender(from_number="+15005550006"), None)
        with schema_context("alpha"):
            Message.objects.filter(to=P1).delete()
            from notifications.services import outbox

            outbox.queue(None, key="sandbox:1", category=Category.NOTICE, to=P1, body="张一同志：明天开会。",
                         member=people.one)
            Message.objects.filter(idempotency_key="sandbox:1").update(sid=result.sid, status=Status.SENT)
        with override_settings(DEBUG=True):
            page = logged_in(people.staff).get(f"{S}/sandbox/")
        assert page.status_code == 200 and page.context["phone"] == P1
        assert "张一同志：明天开会。" in page.content.decode()
        with override_settings(DEBUG=True):
            other = logged_in(people.staff, people.staff.sibling).get(f"{S}/sandbox/", {"phone": P1})
        assert other.context["phone"] == "" and "明天开会" not in other.content.decode()


def test_phones_read_as_people_write_them_on_the_sms_pages(people):
    client = logged_in(people.staff)
    panel = client.get(f"/registers/members/{people.opted_out.pk}/").content.decode().split('id="member-sms"')[1]
    assert 'href="tel:+8613800000007" class="phone">138 0000 0007</a>' in panel
    assert "+8613800000007" not in panel.split("tel:")[0]
    assert "138 0000 0007" in panel.split('id="member-opt-out"')[1].split("</p>")[0]
    assert "138 0000 0007" in client.get(f"{S}/opt-outs/").content.decode()
