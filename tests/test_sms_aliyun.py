"""Alibaba Cloud SMS, the provider for mainland China, through its official SDK against the sandbox over HTTP: the
adapter (signature, template and OutId; every mapped error code in neutral words; timeouts), a unit choosing it
(AccessKey secret encrypted, push secret), greetings sent through the relay and settled by the vendor's report
pushes, the same follow-ups as Twilio's, replies (退订) through the reply push, forged and foreign pushes, template
compliance in the editor and before sending, approval, and secrets kept out of logs and API answers."""

import datetime
import json
import logging
import socket
from urllib.parse import urlsplit

import pytest
import requests
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from care.programme.models import CareTask, TaskKind
from carehub.audit.models import AuditEvent, Source
from notifications import crypto
from notifications.models import (
    Approval,
    Category,
    Channel,
    LadderEnd,
    LadderSetting,
    Message,
    OptOut,
    OptOutChannel,
    OptOutScope,
    OptOutSource,
    Provider,
    Reach,
    SmsSettings,
    Status,
    Template,
)
from notifications.providers import Account, Delivery, Failure, ProviderError, Sender, VendorTemplate, provider_for
from notifications.providers.aliyun import (
    AliyunProvider,
    billed_parts,
    receipt_failure,
    refusal,
    template_param,
    wait_for_cap,
)
from notifications.services import compliance, notices, templates
from notifications.services import settings as sms_settings
from notifications.services.greetings import queue_due_greetings
from notifications.services.ladder import climb
from notifications.services.outbox import Row, queue_many, template_fields
from notifications.services.refusals import reasons
from notifications.services.relay import relay

from . import sms_gateway as sms
from .api_data import assert_error, session_api
from .conftest import logged_in
from .sms_core_data import DAY, add_member, at
from .test_portal_words import data_values, findings, visible_text
from .test_sms_greetings import greet

gateway, sms_gateway, replay = sms.gateway, sms.sms_gateway, sms.replay
pytestmark = pytest.mark.django_db
KEY = sms.ALIYUN_KEY
PHONE = "+8613800138000"
SIGN = "阿尔法区委"
SENDER = Sender(sign_name=SIGN)
# The Spring Festival greeting as Alibaba Cloud takes it: a promotional text ending with its refusal words.
GREETING = "{member_name}同志：值此春节之际，{unit_name}祝您新春快乐，阖家幸福！拒收请回复R"


def use_aliyun(staff, gateway) -> dict:
    """The unit (inside its schema) sends through Alibaba Cloud with the sandbox's AccessKey; the sandbox pushes
    to its URLs; its Spring Festival greeting is approved as SMS_100. Returns its push URLs."""
    sms_settings.set_provider(staff.admin, Provider.ALIYUN, access_key_id=KEY.sid, access_key_secret=KEY.token,
                              sign_name=SIGN)
    urls = sms_settings.push_urls()
    gateway.aliyun.register(KEY.sid, KEY.token, report_url=urls["report"], reply_url=urls["reply"])
    gateway.configure(templates={"SMS_100": GREETING.replace("{", "${")})
    templates.save_template(staff.admin, key="spring_festival", language="zh-hans", category=Category.GREETING,
                            body=GREETING, vendor_code="SMS_100", approval=Approval.APPROVED)
    return urls


@pytest.fixture
def aliyun(in_alpha, gateway):
    return use_aliyun(in_alpha, gateway)


def path_of(url: str) -> str:
    return urlsplit(url).path


def pushes(gateway, count=1):
    return gateway.wait_for(lambda: gateway.callbacks() if len(gateway.callbacks()) >= count else None)


def greeting_sent(staff, phone=PHONE):
    """A member's Spring Festival greeting queued by the programme's hook and sent by the relay."""
    member = add_member(staff, "王老", phone=phone)
    greet(member)
    queue_due_greetings(None, DAY, now=at(10))
    relay(now=at(10))
    return member, Message.objects.get(member=member)


# --- the adapter ---------------------------------------------------------------------------------------------

def test_send_goes_as_signature_template_variables_and_our_id(gateway):
    result = provider_for(KEY, "aliyun").send(
        PHONE, "王建国同志：值此春节之际，…", SENDER, reference="42",
        template=VendorTemplate("SMS_100", {"member_name": "王建国", "unit_name": "阿尔法 区委"}))
    assert result.status == Delivery.QUEUED and result.sid.endswith("^0") and result.segments == 1
    [message] = gateway.aliyun.messages()
    assert (message["phone_number"], message["sign_name"], message["template_code"], message["out_id"]) == (
        "13800138000", SIGN, "SMS_100", "42")
    assert message["template_param"] == {"member_name": "王建国", "unit_name": "阿尔法 区委"}


def test_the_sandbox_checks_the_sdks_signature_against_each_accesskey(gateway):
    wrong = AliyunProvider(Account(KEY.sid, "not-the-secret"), endpoint=gateway.url)
    with pytest.raises(ProviderError) as caught:
        wrong.send(PHONE, "x", SENDER, template=VendorTemplate("SMS_100"))
    assert (caught.value.code, caught.value.failure) == ("SignatureDoesNotMatch", Failure.PERMANENT)
    unknown = AliyunProvider(Account("LTAI" + "9" * 20, KEY.token), endpoint=gateway.url)
    with pytest.raises(ProviderError) as caught:
        unknown.send(PHONE, "x", SENDER, template=VendorTemplate("SMS_100"))
    assert caught.value.code == "InvalidAccessKeyId.NotFound"
    assert not gateway.aliyun.messages()


@pytest.mark.parametrize(("behaviour", "code", "failure"), [
    ("invalid", "isv.MOBILE_NUMBER_ILLEGAL", Failure.UNREACHABLE),
    ("rate_limited", "Throttling.User", Failure.RETRYABLE),
    ("server_error", "isp.SYSTEM_ERROR", Failure.RETRYABLE),
    ("phone_cap", "isv.BUSINESS_LIMIT_CONTROL", Failure.RETRYABLE),
    ("no_balance", "isv.AMOUNT_NOT_ENOUGH", Failure.PERMANENT),
    ("bad_template", "isv.SMS_TEMPLATE_ILLEGAL", Failure.PERMANENT),
    ("bad_signature", "isv.SMS_SIGNATURE_ILLEGAL", Failure.PERMANENT),
])
def test_each_refusal_in_neutral_words(gateway, behaviour, code, failure):
    gateway.configure(next=[behaviour])
    with pytest.raises(ProviderError) as caught:
        provider_for(KEY, "aliyun").send(PHONE, "x", SENDER, template=VendorTemplate("SMS_100"))
    assert (caught.value.code, caught.value.failure) == (code, failure)
    # The cap per phone is the day's (notifications: 50 a day per signature and template): retried tomorrow.
    assert caught.value.retry_after == (24 * 3600 if behaviour == "phone_cap" else None)


@pytest.mark.parametrize(("code", "status", "failure"), [
    ("isv.DAY_LIMIT_CONTROL", 200, Failure.RETRYABLE),  # the account's daily volume
    ("isp.GATEWAY_ERROR", 200, Failure.RETRYABLE),
    ("isp.SOMETHING_NEW", 200, Failure.RETRYABLE),  # the vendor's side, whatever it is
    ("isv.BLACK_KEY_CONTROL_LIMIT", 200, Failure.PERMANENT),
    ("isv.PARAM_LENGTH_LIMIT", 200, Failure.PERMANENT),
    ("isv.OUT_OF_SERVICE", 200, Failure.PERMANENT),
    ("None", 503, Failure.RETRYABLE),  # no code: the HTTP status decides
    ("None", 404, Failure.PERMANENT),
])
def test_codes_without_a_sandbox_behaviour(code, status, failure):
    error = refusal(code, "message", status=status)
    assert error.failure == failure and error.code == (code if code != "None" else f"http-{status}")


def test_cap_waits_and_report_codes():
    assert (wait_for_cap("触发分钟级流控Permits:1"), wait_for_cap("触发小时级流控Permits:5"),
            wait_for_cap("触发天级流控Permits:50"), wait_for_cap("?")) == (60, 3600, 86400, None)
    assert receipt_failure("MBBLACK") == Failure.OPTED_OUT  # the carrier's blacklist: the phone unsubscribed
    assert receipt_failure("DB:0144") == Failure.OPTED_OUT
    assert receipt_failure("MK:0001") == Failure.UNREACHABLE  # no such subscriber
    assert receipt_failure("EXPIRED") == Failure.UNREACHABLE
    assert receipt_failure("MN:0017") == Failure.UNREACHABLE  # another handset state
    assert receipt_failure("MK:0115") == Failure.PERMANENT  # spam filter: the text, not the phone
    assert receipt_failure("XYZ") == Failure.PERMANENT


def test_variables_are_cut_to_the_vendors_length_and_parts_count_the_signature():
    param = template_param({"tasks": "走访王老（10-18）；" * 5, "count": 3})
    assert '"count": "3"' in param and "…" in param
    assert len(json.loads(param)["tasks"]) == 35
    assert (billed_parts(SIGN, "你" * 63), billed_parts(SIGN, "你" * 64)) == (1, 2)  # 【阿尔法区委】 is 7


def test_a_read_timeout_is_ambiguous_and_a_refused_connection_retryable(gateway):
    gateway.configure(next=["timeout"], hold_seconds=3)
    with pytest.raises(ProviderError) as caught:
        AliyunProvider(KEY, endpoint=gateway.url, timeout=0.5).send(PHONE, "x", SENDER,
                                                                      template=VendorTemplate("SMS_100"))
    assert (caught.value.code, caught.value.failure) == ("timeout", Failure.AMBIGUOUS)
    assert len(gateway.aliyun.messages()) == 1  # the vendor took it: never resent blindly
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ProviderError) as caught:
        AliyunProvider(KEY, endpoint=f"http://127.0.0.1:{port}", timeout=1).send(
            PHONE, "x", SENDER, template=VendorTemplate("SMS_100"))
    assert (caught.value.code, caught.value.failure) == ("connect", Failure.RETRYABLE)


def test_lookups_by_biz_id_and_by_phone(gateway):
    provider = provider_for(KEY, "aliyun")
    gateway.configure(numbers={PHONE: "unknown"})
    result = provider.send(PHONE, "x", SENDER, reference="7", template=VendorTemplate("SMS_100"))
    found = gateway.wait_for(lambda: provider.fetch(result.sid, to=PHONE) if provider.fetch(
        result.sid, to=PHONE).status == Delivery.UNDELIVERED else None)
    assert (found.error_code, found.failure, found.reference) == ("MK:0001", Failure.UNREACHABLE, "7")
    [listed] = provider.recent_messages(PHONE, since=found.date_created - datetime.timedelta(minutes=5))
    assert (listed.reference, listed.sid, listed.body.startswith("【")) == ("7", "", False)
    with pytest.raises(ProviderError) as caught:
        provider.fetch("123^0", to=PHONE)
    assert caught.value.code == "not-found"


def test_a_message_without_a_template_is_never_sent(gateway):
    with pytest.raises(ProviderError) as caught:
        provider_for(KEY, "aliyun").send(PHONE, "typed by someone", SENDER)
    assert caught.value.failure == Failure.PERMANENT and not gateway.aliyun.messages()


# --- a unit on Alibaba Cloud ---------------------------------------------------------------------------------

def test_choosing_alibaba_cloud_stores_the_secret_encrypted_and_makes_a_push_secret(in_alpha, aliyun):
    sms_row = SmsSettings.objects.get()
    assert sms_row.provider == Provider.ALIYUN and KEY.token not in sms_row.aliyun_secret_encrypted
    assert crypto.decrypt(sms_row.aliyun_secret_encrypted) == KEY.token
    secret = crypto.decrypt(sms_row.push_secret_encrypted)
    assert len(secret) >= 32 and aliyun["report"].endswith(f"alpha.localhost/hooks/aliyun/{secret}/report/")
    event = AuditEvent.objects.filter(action="sms.provider.changed").latest("pk")
    assert event.changes["aliyun_access_key_secret"] == ["…", "…"] and KEY.token not in str(event.changes)
    # Saving again without the secret keeps it, and the push secret stays the same.
    sms_settings.set_provider(in_alpha.admin, Provider.ALIYUN, access_key_id=KEY.sid, sign_name="阿尔法")
    assert sms_settings.push_urls() == aliyun


@pytest.mark.parametrize(("fields", "error"), [
    ({"access_key_id": "short", "access_key_secret": "s", "sign_name": SIGN}, "aliyun_access_key_id"),
    ({"access_key_id": "LTAI" + "7" * 20, "sign_name": SIGN}, "aliyun_access_key_secret"),
    ({"access_key_id": KEY.sid, "access_key_secret": "s", "sign_name": "【阿尔法】"}, "sign_name"),
    ({"access_key_id": KEY.sid, "access_key_secret": "s", "sign_name": "阿"}, "sign_name"),
    ({"access_key_id": KEY.sid, "access_key_secret": "s", "sign_name": "12345"}, "sign_name"),
    ({"access_key_id": KEY.sid, "access_key_secret": "s", "sign_name": "阿尔法区委员会第一党支部委员"}, "sign_name"),
])
def test_the_settings_refuse_what_the_vendor_would(in_alpha, fields, error):
    with pytest.raises(ValidationError) as caught:
        sms_settings.set_provider(in_alpha.admin, Provider.ALIYUN, **fields)
    assert error in caught.value.message_dict
    assert SmsSettings.objects.get_or_create(pk=1)[0].provider == Provider.TWILIO


def test_a_greeting_goes_through_the_relay_and_a_report_settles_it_delivered(in_alpha, aliyun, gateway, client):
    member, message = greeting_sent(in_alpha)
    assert message.status == Status.SENT and message.account_sid == KEY.sid
    [sent] = gateway.aliyun.messages()
    assert (sent["template_code"], sent["out_id"], sent["sign_name"]) == ("SMS_100", str(message.pk), SIGN)
    assert sent["template_param"] == {"member_name": "王老", "unit_name": "Alpha 区委"}
    assert sent["content"] == f"【{SIGN}】{message.body}"  # the vendor's text is ours
    [report] = pushes(gateway)
    assert report.url == aliyun["report"] and report.body[0]["success"] is True
    [answer] = replay(client, [report])
    assert answer.status_code == 200 and answer.json() == {"code": 0, "msg": "成功"}
    message.refresh_from_db()
    assert message.status == Status.DELIVERED and message.sid == sent["biz_id"]
    replay(client, [report])  # the vendor pushes again: nothing more happens
    assert AuditEvent.objects.filter(action="sms.reach_task.created").count() == 0


def test_an_undelivered_report_climbs_the_members_ladder_to_a_call(in_alpha, aliyun, gateway, client):
    LadderSetting.objects.create(purpose="greetings", end=LadderEnd.TASK)
    gateway.configure(numbers={PHONE: "undeliverable"})
    member, message = greeting_sent(in_alpha)
    replay(client, pushes(gateway))
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Status.UNDELIVERED, "EXPIRED")
    assert not CareTask.objects.filter(member=member, kind=TaskKind.REACH).exists()  # the ladder decides
    assert climb(at(11)) == 1
    call = Message.objects.get(channel=Channel.VOICE, member=member)
    assert call.idempotency_key == f"voice:greeting:spring_festival:{DAY}:{PHONE}" and call.status == Status.PENDING
    reach = Reach.objects.get(member=member)
    assert reach.step == 1 and [(rung.kind, rung.result) for rung in reach.rungs.all()] == [
        ("sms", Status.UNDELIVERED), ("voice", "")]


def test_a_blacklisted_phone_in_a_report_is_opted_out(in_alpha, aliyun, gateway, client):
    gateway.configure(numbers={PHONE: "opted_out"})
    greeting_sent(in_alpha)
    replay(client, pushes(gateway))
    assert OptOut.objects.get(phone=PHONE, ended_at__isnull=True).source == OptOutSource.PROVIDER


def test_a_report_finds_a_message_whose_answer_was_lost_by_our_id(in_alpha, aliyun, gateway, client, settings):
    settings.ALIYUN_TIMEOUT_SECONDS = 1
    gateway.configure(next=["timeout"], hold_seconds=2)
    member, message = greeting_sent(in_alpha)
    assert message.status == Status.UNKNOWN and message.sid is None
    replay(client, pushes(gateway))
    message.refresh_from_db()
    assert message.status == Status.DELIVERED and message.sid == gateway.aliyun.messages()[0]["biz_id"]


def test_lost_reports_are_fetched_by_biz_id(in_alpha, aliyun, gateway, settings):
    """The vendor finds a message by phone and day: sent now (the sandbox keeps the real date), looked up later."""
    SmsSettings.objects.filter(pk=1).update(send_from=datetime.time(0, 0), send_until=datetime.time(23, 59, 59))
    gateway.configure(lost_callbacks=1.0)
    queue_many(None, [Row(key="k", category=Category.GREETING, to=PHONE, body="x", **template_fields(
        "spring_festival", "zh-hans", GREETING, {"member_name": "王老", "unit_name": "u"}))])
    relay()
    message = Message.objects.get()
    assert message.status == Status.SENT
    gateway.wait_for(lambda: gateway.aliyun.messages()[0]["send_status"] == 3)
    relay(now=timezone.now() + datetime.timedelta(seconds=settings.SMS_SENT_SETTLE_SECONDS + 1))
    message.refresh_from_db()
    assert message.status == Status.DELIVERED and not gateway.callbacks()


@pytest.mark.parametrize("word", ["退订", "TD", "t"])
def test_a_reply_through_the_vendors_push_opts_the_phone_out(in_alpha, aliyun, gateway, client, word):
    [answer] = replay(client, [gateway.aliyun.reply(KEY.sid, PHONE, word, sign_name=SIGN)])
    assert answer.status_code == 200 and answer.json()["code"] == 0
    opt_out = OptOut.objects.get(phone=PHONE, ended_at__isnull=True)
    assert (opt_out.scope, opt_out.source) == (OptOutScope.ALL, OptOutSource.REPLY)
    assert AuditEvent.objects.get(action="sms.optout.created").source == Source.WEBHOOK
    replay(client, [gateway.aliyun.reply(KEY.sid, PHONE, "恢复")])
    assert not OptOut.objects.filter(phone=PHONE, ended_at__isnull=True).exists()


def test_after_a_reply_the_ladder_calls_the_member_instead(in_alpha, aliyun, gateway, client):
    """A reply refuses texts, not calls: a member's next notice goes by voice (Twilio) and climbs from there."""
    member = add_member(in_alpha, "王老", phone=PHONE)
    replay(client, [gateway.aliyun.reply(KEY.sid, PHONE, "退订", sign_name=SIGN)])
    assert OptOut.objects.get(phone=PHONE, ended_at__isnull=True).channel == OptOutChannel.SMS
    audience = notices.prepare(in_alpha.admin, filters={}, body="明天上午九点开会。")
    assert (audience.recipients, audience.calls) == (1, 1)
    notices.send_notice(in_alpha.admin, filters={}, body="明天上午九点开会。", expected=1)
    [call] = Message.objects.filter(member=member)
    assert (call.channel, call.status) == (Channel.VOICE, Status.PENDING)


def test_new_push_addresses_retire_the_old_ones(in_alpha, aliyun, gateway, client):
    """An admin renews leaked push addresses on the settings page: the old ones answer 404, the new ones work."""
    page = logged_in(in_alpha).get("/sms/settings/", HTTP_HOST="alpha.localhost").content.decode()
    assert 'id="renew-push"' in page and aliyun["reply"] in page
    response = logged_in(in_alpha).post("/sms/settings/", {"renew_push": "1"}, HTTP_HOST="alpha.localhost")
    assert response.status_code == 302
    renewed = sms_settings.push_urls()
    assert renewed["reply"] != aliyun["reply"] and renewed["report"] != aliyun["report"]
    hook = gateway.aliyun.reply(KEY.sid, PHONE, "退订", sign_name=SIGN)  # to the address the console still has
    assert replay(client, [hook])[0].status_code == 404 and not OptOut.objects.exists()
    gateway.aliyun.register(KEY.sid, KEY.token, report_url=renewed["report"], reply_url=renewed["reply"])
    assert replay(client, [gateway.aliyun.reply(KEY.sid, PHONE, "退订", sign_name=SIGN)])[0].status_code == 200
    assert OptOut.objects.filter(phone=PHONE).exists()
    event = AuditEvent.objects.get(action="sms.push.renewed")
    assert event.changes == {"push_secret": ["…", "…"]} and event.actor == in_alpha.admin
    with pytest.raises(PermissionDenied):
        sms_settings.renew_push_secret(in_alpha.secretary)


def test_forged_and_foreign_pushes_are_404_and_change_nothing(alpha, beta, gateway, client):
    with schema_context("alpha"):
        urls = use_aliyun(alpha, gateway)
        member, message = greeting_sent(alpha)
    [report] = pushes(gateway)
    secret = path_of(urls["report"]).split("/")[3]
    forged = [path_of(urls["report"]).replace(secret, secret[:-1] + "x"), f"/hooks/aliyun/{secret[:8]}/report/",
              path_of(urls["reply"]).replace(secret, "s" * len(secret))]
    for path in forged:
        response = client.post(path, report.body, HTTP_HOST="alpha.localhost", content_type="application/json")
        assert response.status_code == 404
    # Alpha's secret at beta's host: beta has no such secret (and sends through Twilio).
    for path in (path_of(urls["report"]), path_of(urls["reply"])):
        assert client.post(path, [{"phone_number": PHONE[3:], "content": "退订"}], HTTP_HOST="beta.localhost",
                           content_type="application/json").status_code == 404
    # Beta on Alibaba Cloud with a secret of its own: alpha's report pushed to it finds nothing at beta.
    with schema_context("beta"):
        sms_settings.set_provider(beta.admin, Provider.ALIYUN, access_key_id=KEY.sid, access_key_secret=KEY.token,
                                  sign_name="贝塔学校")
        beta_urls = sms_settings.push_urls()
    assert path_of(beta_urls["report"]) != path_of(urls["report"])
    assert client.post(path_of(beta_urls["report"]), report.body, HTTP_HOST="beta.localhost",
                       content_type="application/json").json()["code"] == 0
    with schema_context("alpha"):
        message.refresh_from_db()
        assert message.status == Status.SENT and not OptOut.objects.exists()
    with schema_context("beta"):
        assert not Message.objects.exists() and not OptOut.objects.exists()


def test_a_twilio_unit_has_no_push_urls(in_alpha, client):
    SmsSettings.objects.update_or_create(pk=1, defaults={"push_secret_encrypted": crypto.encrypt("s" * 32)})
    response = client.post("/hooks/aliyun/" + "s" * 32 + "/report/", [], HTTP_HOST="alpha.localhost",
                           content_type="application/json")
    assert response.status_code == 404


# --- compliance and approval ---------------------------------------------------------------------------------

def test_the_rules_in_words():
    with translation.override("en"):
        check_the_rules()


def check_the_rules():
    review = compliance.review("{member_name}{unit_name}详见 www.example.cn 【通知】★{member_name}",
                               category=Category.GREETING, sign_name=SIGN, unit_name="甘井子区委")
    problems = " ".join(review.problems)
    for words in ("Links", "【 and 】", "★", "more than once", "side by side", "拒收请回复R"):
        assert words in problems
    long = compliance.review("{member_name}同志：" + "你" * 50 + "{date}", category=Category.NOTICE,
                             sign_name=SIGN, unit_name="u")
    assert long.characters == 7 + 10 + 3 + 50 + 11 and "Shorten it by 11" in " ".join(long.problems)
    ok = compliance.review(GREETING, category=Category.GREETING, sign_name=SIGN, unit_name="Alpha 区委")
    assert ok.problems == [] and ok.vendor_text.startswith("${member_name}同志")
    assert [(v["kind"], v["vendor"], v["longest"]) for v in ok.variables] == [("a person's name", "人名", 10),
                                                                              ("other text", "其他", 8)]
    assert compliance.signature_problems(SIGN) == [] and compliance.signature_problems("阿 尔")


def test_a_non_compliant_template_is_shown_with_its_problems_and_refused_at_send(in_alpha, aliyun, gateway):
    client = logged_in(in_alpha)
    client.cookies["django_language"] = "en"
    bad = "{member_name}同志：春节快乐！详见 www.example.cn"
    preview = client.post("/sms/templates/preview/", {"body": bad, "category": "greeting"}).content.decode()
    assert "Links are not allowed" in preview and "拒收请回复R" in preview
    templates.save_template(in_alpha.admin, key="spring_festival", language="zh-hans", category=Category.GREETING,
                            body=bad)
    Template.objects.filter(key="spring_festival").update(approval=Approval.APPROVED)  # the vendor let it pass
    listing = client.get("/sms/templates/").content.decode()
    assert "Links are not allowed" in listing
    member, message = greeting_sent(in_alpha)
    assert (message.status, message.error_code) == (Status.CANCELLED, compliance.NOT_COMPLIANT)
    with translation.override("zh-hans"):  # the unit's language, in which greetings are queued
        assert message.error_message == reasons()[compliance.NOT_COMPLIANT]
    assert not gateway.aliyun.messages()


def test_an_unapproved_template_is_refused_and_a_changed_text_waits_again(in_alpha, aliyun, gateway):
    templates.save_template(in_alpha.admin, key="spring_festival", language="zh-hans", category=Category.GREETING,
                            body=GREETING.replace("阖家幸福", "万事如意"))
    assert Template.objects.get(key="spring_festival").approval == Approval.PENDING  # the vendor saw the old text
    member, message = greeting_sent(in_alpha)
    assert (message.status, message.error_code) == (Status.CANCELLED, compliance.NOT_APPROVED)
    with translation.override("zh-hans"):
        assert message.error_message == reasons()[compliance.NOT_APPROVED]
    assert not gateway.aliyun.messages()


def test_a_template_rejected_after_queuing_is_refused_when_claimed(in_alpha, aliyun, gateway):
    queue_many(None, [Row(key="k", category=Category.GREETING, to=PHONE, body="x",
                          **template_fields("spring_festival", "zh-hans", GREETING, {"member_name": "王老",
                                                                                     "unit_name": "u"}))],
               now=at(10))
    Template.objects.filter(key="spring_festival").update(approval=Approval.REJECTED)  # before the relay claims
    relay(now=at(10))
    assert Message.objects.get().error_code == compliance.NOT_APPROVED and not gateway.aliyun.messages()


@translation.override("en")
def test_a_typed_notice_is_refused_before_sending(in_alpha, aliyun):
    add_member(in_alpha, "王老", phone=PHONE, node="east1")
    with pytest.raises(ValidationError) as caught:
        notices.prepare(in_alpha.admin, filters={}, body="明天上午九点开会")
    assert "approved templates" in " ".join(caught.value.messages)
    with pytest.raises(ValidationError) as caught:
        notices.prepare(in_alpha.admin, filters={}, body=templates.template_text("visit_notice", "zh-hans"),
                        template_key="visit_notice")
    assert "not approved" in " ".join(caught.value.messages)


def test_the_editor_shows_code_approval_and_the_cap(in_alpha, aliyun):
    client = logged_in(in_alpha)
    client.cookies["django_language"] = "en"
    page = client.get("/sms/templates/edit/", {"key": "spring_festival", "language": "zh-hans"})
    text = page.content.decode()
    assert 'name="vendor_code"' in text and 'value="SMS_100"' in text and "50 notifications a day" in text
    assert "hx-include" in text  # the preview is told the kind of message: greetings have a rule of their own
    saved = client.post("/sms/templates/edit/?key=spring_festival&language=zh-hans", {
        "language": "zh-hans", "category": "greeting", "body": GREETING, "vendor_code": "SMS_200",
        "approval": "rejected"})
    assert saved.status_code == 302
    assert Template.objects.values_list("vendor_code", "approval").get(key="spring_festival") == ("SMS_200",
                                                                                                  "rejected")


# --- secrets ---------------------------------------------------------------------------------------------------

def test_secrets_stay_out_of_logs_api_answers_and_pages(in_alpha, aliyun, gateway, client, caplog):
    secret = aliyun["report"].split("/")[-3]
    with caplog.at_level(logging.DEBUG):
        member, message = greeting_sent(in_alpha)
        replay(client, pushes(gateway))
        wrong = client.post(path_of(aliyun["report"]).replace(secret, secret[:-1]), [], HTTP_HOST="alpha.localhost",
                            content_type="application/json")
        get = client.get(path_of(aliyun["report"]), HTTP_HOST="alpha.localhost")
    assert wrong.status_code == 404 and get.status_code == 200 and get.json()["code"] == 1
    logged = caplog.text + " ".join(str(record.args) for record in caplog.records)
    assert KEY.token not in logged and secret not in logged and secret[:-1] not in logged
    api = session_api(in_alpha)
    answer = api.get("/api/v1/sms/settings/").json()
    assert answer["provider"] == "aliyun" and answer["has_aliyun_secret"] is True
    assert KEY.token not in str(answer) and secret not in str(answer)
    assert KEY.token not in repr(KEY)
    changed = api.patch("/api/v1/sms/settings/", {"sign_name": "阿尔法"}).json()
    assert changed["sign_name"] == "阿尔法" and KEY.token not in str(changed)
    assert_error(api.patch("/api/v1/sms/settings/", {"sign_name": "阿"}), 400)
    page = logged_in(in_alpha).get("/sms/settings/").content.decode()
    assert secret in page and KEY.token not in page  # the push URLs are for the admin to copy, the key is not


def test_the_settings_page_chooses_the_provider(in_alpha, gateway):
    client = logged_in(in_alpha)
    response = client.post("/sms/settings/", {
        "save_provider": "1", "provider-provider": "aliyun", "provider-aliyun_access_key_id": KEY.sid,
        "provider-aliyun_access_key_secret": KEY.token, "provider-sign_name": SIGN})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get("/sms/settings/").content.decode()
    assert 'id="push-report"' in page and "/hooks/aliyun/" in page and KEY.token not in page
    missing = client.post("/sms/settings/", {"save_provider": "1", "provider-provider": "aliyun",
                                             "provider-aliyun_access_key_id": "LTAI" + "8" * 20,
                                             "provider-sign_name": SIGN})
    assert missing.status_code == 200 and missing.context["provider_form"].errors["aliyun_access_key_secret"]


def test_the_api_shows_each_templates_state(in_alpha, aliyun):
    rows = {(row["key"], row["language"]): row for row in session_api(in_alpha).get(
        "/api/v1/sms/templates/", {"language": "zh-hans"}).json()["results"]}
    assert (rows["spring_festival", "zh-hans"]["vendor_code"], rows["spring_festival", "zh-hans"]["approval"],
            rows["spring_festival", "zh-hans"]["problems"]) == ("SMS_100", "approved", [])
    assert rows["birthday", "zh-hans"]["approval"] == "pending" and rows["birthday", "zh-hans"]["problems"]


@override_settings(DEBUG=True)
def test_in_development_the_sandbox_learns_the_units_key_and_push_urls(in_alpha, gateway,
                                                                       django_capture_on_commit_callbacks):
    other = Account("LTAI" + "6" * 20, "another-secret")
    with pytest.raises(ProviderError):  # the sandbox does not know this key yet
        AliyunProvider(other, endpoint=gateway.url).send(PHONE, "x", SENDER, template=VendorTemplate("SMS_1"))
    with django_capture_on_commit_callbacks(execute=True):
        sms_settings.set_provider(in_alpha.admin, Provider.ALIYUN, access_key_id=other.sid,
                                  access_key_secret=other.token, sign_name=SIGN)
    assert gateway.aliyun.push[other.sid]["report"] == sms_settings.push_urls()["report"]
    assert AliyunProvider(other, endpoint=gateway.url).send(PHONE, "x", SENDER,
                                                            template=VendorTemplate("SMS_1")).sid
    # What the phone "received", for the development inbox: Alibaba Cloud's messages beside Twilio's.
    [received] = requests.get(f"{gateway.url}/_sandbox/messages", params={"to": PHONE}, timeout=5).json()["messages"]
    assert (received["provider"], received["body"]) == ("aliyun", f"【{SIGN}】(SMS_1) ")
    assert received["status"] in ("sent", "delivered")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_alibaba_cloud_pages_read_as_words(alpha, gateway, language):
    """The settings, template list and editor of a unit on Alibaba Cloud, with problems shown (the pages of a
    unit on Twilio are test_portal_words'). The console's names of variable types are Chinese in both."""
    with schema_context("alpha"):
        use_aliyun(alpha, gateway)
        data = data_values("alpha")
    client = logged_in(alpha)
    client.cookies["django_language"] = language
    pages = ["/sms/settings/", "/sms/templates/", "/sms/templates/edit/?key=spring_festival&language=zh-hans",
             "/sms/templates/edit/?key=birthday&language=zh-hans"]
    texts = [client.get(path).content.decode() for path in pages]
    texts.append(client.post("/sms/templates/preview/", {"body": "{姓名}{姓名}你好", "category": "greeting"})
                 .content.decode())
    console = {"人名", "时间", "仅数字", "其他", "拒收请回复", "你好", "同志", "生日", "姓名"}
    wrong = [finding for text in texts for finding in findings(visible_text(text), language, data)
             if not any(word in finding for word in console)]
    assert not wrong
