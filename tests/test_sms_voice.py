"""Voice calls (Twilio Programmable Voice) end to end: the relay places the call through the official client at the
sandbox, which fetches our TwiML over real HTTP from the app served on a port of its own, "hears" it, presses the
key a test asks for and posts signed status callbacks; what follows (a visit task, heard, retries in the sending
window, unreached and the follow-up task, minutes metered) is checked in the unit's tables. Also: the TwiML itself,
forged and foreign webhooks, a shared phone called once per occasion, another unit unable to touch a call, and the
minutes counted in the plan's allowance."""

import datetime
import threading
from urllib.parse import urlsplit

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from billing.models import Metric, UsageRecord
from billing.services.limits import reserve_sms_segments, reserved_sms_segments
from care.programme.models import CareTask, TaskKind
from carehub.audit.models import AuditEvent
from notifications.models import Call, CallOutcome, Category, Channel, Message, SmsSettings, Status
from notifications.providers.base import CallReport
from notifications.sandbox.callbacks import signed
from notifications.services import calls, relay, voice
from notifications.timeline import items_for

from . import sms_committed
from . import sms_gateway as sms
from .api_data import session_api
from .billing_data import subscribed
from .conftest import logged_in
from .sms_core_data import add_member, at, ready_to_send
from .test_programme_workers import in_thread

gateway, sms_gateway, replay = sms.gateway, sms.sms_gateway, sms.replay
committed = sms_committed.committed
pytestmark = pytest.mark.django_db
PHONE = "+8613800138000"
CALLER = "+8657100000000"
TEXT = "王老同志您好，重阳节敬老活动十月十八日上午九点在社区活动室举行。"
PREFIX = sms_committed.PREFIX


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker):
    """The app on a port of its own (threads with their own connections: they see committed rows only)."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=True)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with django_db_blocker.unblock():
        thread.start()
        yield server.server_address[1]
        server.shutdown()
        server.server_close()


@pytest.fixture
def live(committed, web, gateway, settings):
    """alpha ready to call, with its public URLs pointing at `web`; the test's members and tasks removed after."""
    settings.CAREHUB_PUBLIC_SCHEME, settings.CAREHUB_PUBLIC_PORT = "http", web
    gateway.configure(callback_delay_ms=0)

    def caller():
        SmsSettings.objects.filter(pk=1).update(voice_number=CALLER)

    in_thread(caller)
    yield
    in_thread(lambda: UsageRecord.objects.filter(source_key__startswith="voice:alpha:").delete())


def member_called(staff, name="王老", phone=PHONE):
    """A member (committed) and a voice call queued for them and placed by the relay; returns the message id."""
    def queue():
        member = add_member(staff, f"{PREFIX}{name}", phone=phone)
        return voice.call_member(None, member, text=TEXT, occasion="notice:test").pk

    pk = in_thread(queue)
    in_thread(relay.relay)
    return pk


def message(pk) -> Message:
    return in_thread(lambda: Message.objects.get(pk=pk))


def settled(pk, *statuses, timeout=15) -> Message:
    return sms_gateway_wait(lambda: (found := message(pk)).status in statuses and found, timeout)


def sms_gateway_wait(predicate, timeout=15, interval=0.05):
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=timeout)
    while True:
        value = predicate()
        if value:
            return value
        if datetime.datetime.now() > deadline:
            raise AssertionError("condition not met in time")
        threading.Event().wait(interval)


def waiting_for_key(gateway, phone=PHONE):
    return gateway.wait_for(lambda: next((call for call in gateway.calls(to=phone) if call["awaiting_key"]), None))


# --- end to end: the relay, the sandbox and the app over HTTP ----------------------------------------------------

def test_key_1_asks_for_a_visit_and_the_call_is_heard(live, gateway, django_db_setup):
    alpha = django_db_setup["alpha"]
    pk = member_called(alpha)
    call = waiting_for_key(gateway)
    # What the phone heard: the text in Mandarin, then once more, then the question.
    assert call["said"][:2] == [TEXT, voice.AGAIN + TEXT] and call["said"][2] == voice.QUESTION
    assert call["answered_by"] == "human" and call["from"] == CALLER
    assert gateway.press(call["sid"], "1")
    found = settled(pk, Status.HEARD)
    gateway.wait_for(lambda: gateway.calls(to=PHONE)[0]["status"] == "completed")
    assert gateway.calls(to=PHONE)[0]["said"][-1] == voice.AFTER_KEY["1"]

    def seen():
        tries = list(Call.objects.filter(message_id=pk).values_list("digit", "outcome", "seconds"))
        task = CareTask.objects.select_related("rule").get(member_id=found.member_id, kind=TaskKind.VISIT)
        usage = UsageRecord.objects.get(source_key=f"voice:alpha:{call['sid']}")
        return tries, task, usage

    tries, task, usage = sms_gateway_wait(lambda: in_thread(seen) if in_thread(
        lambda: Call.objects.filter(message_id=pk).exclude(outcome="").exists()) else None)
    assert tries == [("1", CallOutcome.COMPLETED, 40)]
    assert task.assignee_id == alpha.secretary.pk and task.rule.key == "builtin-visit-request"
    assert (usage.metric, usage.quantity) == (Metric.VOICE_MINUTES, 1)
    assert message(pk).status == Status.HEARD  # the later "completed" does not take "heard" back

    def timeline():
        member = Message.objects.get(pk=pk).member
        with translation.override("en"):
            return [item for item in items_for(member, alpha.admin) if item["kind"] == "voice"]

    [item] = in_thread(timeline)
    assert "pressed 1" in item["note"] and "Delivered and heard" in item["note"]


def test_key_2_means_received(live, gateway, django_db_setup):
    pk = member_called(django_db_setup["alpha"])
    gateway.press(waiting_for_key(gateway)["sid"], "2")
    found = settled(pk, Status.HEARD)
    gateway.wait_for(lambda: gateway.calls(to=PHONE)[0]["status"] == "completed")
    assert not in_thread(lambda: CareTask.objects.filter(member_id=found.member_id).exists())


def test_no_key_says_goodbye_and_the_call_is_delivered(live, gateway, django_db_setup):
    gateway.configure(key_wait_ms=100)
    pk = member_called(django_db_setup["alpha"])
    settled(pk, Status.DELIVERED)
    assert gateway.calls(to=PHONE)[0]["said"][-1] == voice.GOODBYE


def test_busy_three_times_is_unreached_and_the_secretary_reaches_the_member(live, gateway, django_db_setup):
    alpha = django_db_setup["alpha"]
    gateway.configure(numbers={PHONE: "busy"})
    pk = member_called(alpha)
    for attempt in (1, 2):
        waiting = settled(pk, Status.PENDING)
        with translation.override(alpha.unit.language):  # written by the webhook, in the unit's language
            words = _("%(outcome)s Try %(try)d of %(tries)d; calling again later.") % {
                "outcome": calls.WORDS[CallOutcome.BUSY], "try": attempt, "tries": 3}
        assert (waiting.error_code, waiting.error_message) == (CallOutcome.BUSY, words)
        assert waiting.not_before > timezone.now() + datetime.timedelta(hours=1)  # later, not at once
        in_thread(lambda: Message.objects.filter(pk=pk).update(not_before=timezone.now()))
        in_thread(relay.relay)
    found = settled(pk, Status.UNREACHED)
    assert len(gateway.calls(to=PHONE)) == 3
    assert in_thread(lambda: list(Call.objects.filter(message_id=pk).values_list("outcome", flat=True))) == [
        CallOutcome.BUSY] * 3
    task = in_thread(lambda: CareTask.objects.get(member_id=found.member_id, kind=TaskKind.REACH))
    assert task.assignee_id == alpha.secretary.pk and PHONE in task.reason and found.error_message in task.reason
    assert not in_thread(lambda: UsageRecord.objects.filter(source_key__startswith="voice:alpha:").exists())


def test_an_answering_machine_is_tried_again(live, gateway, django_db_setup):
    gateway.configure(numbers={PHONE: "machine"})
    pk = member_called(django_db_setup["alpha"])
    waiting = settled(pk, Status.PENDING)
    assert waiting.error_code == CallOutcome.MACHINE and waiting.sid is None
    assert gateway.calls(to=PHONE)[0]["said"] == []  # nothing is read to a machine


def test_a_call_through_a_real_worker(live, gateway, django_db_setup, worker, settings):
    settings.SMS_RELAY_PARALLEL = 1  # queuing dispatches the relay on commit

    def queue():
        member = add_member(django_db_setup["alpha"], f"{PREFIX}李老", phone=PHONE)
        return voice.call_member(None, member, text=TEXT, occasion="notice:worker").pk

    pk = in_thread(queue)
    gateway.press(waiting_for_key(gateway)["sid"], "2")
    settled(pk, Status.HEARD, timeout=30)


# --- the TwiML and the webhooks, through Django's test client ---------------------------------------------------

HOOK = "https://alpha.localhost/hooks/twilio/voice/"


def queued_call(alpha, phone=PHONE) -> Message:
    ready_to_send(voice_number=CALLER)
    member = add_member(alpha, "王老", phone=phone)
    return voice.call_member(None, member, text="<重阳> & 敬老", occasion="notice:1")


def post(client, url, params, *, token=sms.ACCOUNT.token, host="alpha.localhost"):
    hook = signed(url, params, token)
    path = urlsplit(url).path + "?" + urlsplit(url).query
    return client.post(path, params, HTTP_HOST=host, secure=True, headers={"X-Twilio-Signature": hook.signature})


def fields(call_sid="CA" + "1" * 32, **extra):
    return {"CallSid": call_sid, "AccountSid": sms.ACCOUNT.sid, "From": CALLER, "To": PHONE,
            "CallStatus": "in-progress", "Direction": "outbound-api", **extra}


def test_twiml_reads_the_text_twice_in_mandarin_and_asks_for_one_key(in_alpha, client):
    queued = queued_call(in_alpha)
    Message.objects.filter(pk=queued.pk).update(status=Status.SENT)
    response = post(client, f"{HOOK}?m={queued.pk}", fields(AnsweredBy="human"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    twiml = response.content.decode()
    assert twiml.count('<Say language="cmn-CN" voice="Polly.Zhiyu">') == 4
    assert "&lt;重阳&gt; &amp; 敬老" in twiml  # escaped by the library, never concatenated
    assert (f'<Gather action="{HOOK}gather/?m={queued.pk}" input="dtmf" method="POST" numDigits="1" '
            'timeout="8">') in twiml
    machine = post(client, f"{HOOK}?m={queued.pk}", fields("CA" + "2" * 32, AnsweredBy="machine_start"))
    assert machine.content.decode().endswith("<Response><Hangup /></Response>")


def test_forged_voice_webhooks_are_refused_and_change_nothing(in_alpha, client):
    queued = queued_call(in_alpha)
    Message.objects.filter(pk=queued.pk).update(status=Status.SENT)
    for path, extra in (("", {}), ("gather/", {"Digits": "1"}), ("status/", {"CallStatus": "busy"})):
        url = f"{HOOK}{path}?m={queued.pk}"
        assert post(client, url, fields(**extra), token="not-the-token").status_code == 403  # wrong token
        assert client.post(url, fields(**extra), HTTP_HOST="alpha.localhost", secure=True).status_code == 403
        tampered = signed(url, fields(**extra), sms.ACCOUNT.token)
        assert client.post(f"/hooks/twilio/voice/{path}?m={queued.pk}", {**fields(**extra), "Digits": "2"},
                           HTTP_HOST="alpha.localhost", secure=True,
                           headers={"X-Twilio-Signature": tampered.signature}).status_code == 403
    assert Message.objects.get(pk=queued.pk).status == Status.SENT
    assert not Call.objects.exists() and not CareTask.objects.exists()


def test_another_unit_cannot_touch_a_call(alpha, beta, client):
    with schema_context("alpha"):
        queued = queued_call(alpha)
        Message.objects.filter(pk=queued.pk).update(status=Status.SENT, sid="CA" + "1" * 32)
    # Alpha's signed request replayed at beta's host: the signature covers the host, so it is refused.
    hook = signed(f"{HOOK}gather/?m={queued.pk}", fields(Digits="1"), sms.ACCOUNT.token)
    assert client.post(f"/hooks/twilio/voice/gather/?m={queued.pk}", fields(Digits="1"), HTTP_HOST="beta.localhost",
                       secure=True, headers={"X-Twilio-Signature": hook.signature}).status_code == 403
    # Signed for beta's own host with alpha's id and call: beta has no such voice message; nothing happens.
    beta_hook = "https://beta.localhost/hooks/twilio/voice/"
    answer = post(client, f"{beta_hook}gather/?m={queued.pk}", fields(Digits="1"), host="beta.localhost")
    assert answer.status_code == 200 and voice.GOODBYE in answer.content.decode()
    assert post(client, f"{beta_hook}status/?m={queued.pk}", fields(CallStatus="busy"),
                host="beta.localhost").status_code == 204
    with schema_context("alpha"):
        assert Message.objects.get(pk=queued.pk).status == Status.SENT
        assert not Call.objects.exists() and not CareTask.objects.exists()


def test_a_shared_phone_is_called_once_per_occasion(in_alpha):
    ready_to_send(voice_number=CALLER)
    wife = add_member(in_alpha, "王老", phone="138 0013 8000")
    husband = add_member(in_alpha, "李老", phone=PHONE)
    queued = voice.call_members(None, [wife, husband], text=TEXT, occasion="double_ninth:2026-10-18")
    assert (len(queued.created), queued.duplicates) == (1, 1)
    again = voice.call_member(None, wife, text=TEXT, occasion="double_ninth:2026-10-18")
    assert again is None
    [row] = Message.objects.all()
    assert (row.channel, row.to, row.status, row.idempotency_key) == (
        Channel.VOICE, PHONE, Status.PENDING, f"voice:double_ninth:2026-10-18:{PHONE}")
    other = voice.call_member(None, wife, text=TEXT, occasion="notice:2")
    assert other is not None  # another occasion calls again
    assert AuditEvent.objects.filter(action="sms.call.queued").count() == 2


def test_minutes_count_in_the_plans_allowance(in_alpha):
    """A call reserves a minute before it is placed; 130 seconds answered are 3 minutes, recorded once and counted
    in the month's allowance; an unanswered try gives its minute back."""
    subscribed(in_alpha.unit, sms=100, overage_allowed=False)
    queued = queued_call(in_alpha)
    month = datetime.date.today()
    assert reserve_sms_segments(in_alpha.unit, queued.segments, month=month).allowed  # as the relay does
    Message.objects.filter(pk=queued.pk).update(status=Status.SENT, sid="CA" + "1" * 32)
    Call.objects.create(message=queued, sid="CA" + "1" * 32, account_sid=sms.ACCOUNT.sid)
    report = CallReport("CA" + "1" * 32, CallOutcome.COMPLETED, seconds=130)
    assert calls.call_ended(report, message_id=str(queued.pk), account_sid=sms.ACCOUNT.sid) == Status.DELIVERED
    assert calls.call_ended(report, message_id=str(queued.pk), account_sid=sms.ACCOUNT.sid) is None  # once
    usage = UsageRecord.objects.get(metric=Metric.VOICE_MINUTES)
    assert (usage.quantity, usage.source_key) == (3, f"voice:alpha:{'CA' + '1' * 32}")
    assert reserved_sms_segments(in_alpha.unit, month) == 3


def test_the_next_try_is_morning_afternoon_or_evening_inside_the_window():
    window, tz = (datetime.time(9), datetime.time(20)), at(0).tzinfo
    assert calls.next_try(at(9, 30), window, tz) == at(15)
    assert calls.next_try(at(15, 1), window, tz) == at(19)
    assert calls.next_try(at(18, 0), window, tz) == at(10, day=at(0).date() + datetime.timedelta(days=1))
    evening_only = (datetime.time(18), datetime.time(21))
    assert calls.next_try(at(9, 30), evening_only, tz) == at(18)


def test_a_voice_row_without_a_caller_number_fails_visibly(in_alpha, gateway):
    ready_to_send(send_from=datetime.time(0), send_until=datetime.time(23, 59, 59))
    member = add_member(in_alpha, "王老", phone=PHONE)
    row = voice.call_member(None, member, text=TEXT, occasion="notice:4")
    relay.relay(now=timezone.now() + datetime.timedelta(seconds=1))
    row.refresh_from_db()
    assert (row.status, row.error_code) == (Status.FAILED, "no-caller")
    assert not gateway.calls()
    assert row.category == Category.NOTICE


# --- pages and API ----------------------------------------------------------------------------------------------

def test_the_outbox_shows_a_call_with_its_channel_tries_and_outcome_in_words(in_alpha):
    queued = queued_call(in_alpha)
    Message.objects.filter(pk=queued.pk).update(status=Status.HEARD, sid="CA" + "1" * 32)
    Call.objects.create(message=queued, sid="CA" + "9" * 32, outcome=CallOutcome.BUSY)
    Call.objects.create(message=queued, sid="CA" + "1" * 32, outcome=CallOutcome.COMPLETED, digit="1", seconds=50)
    with translation.override("en"):
        assert voice.outcome_words(queued) == "2 of 3 calls: Busy, Answered; pressed 1: asked for a visit"
    client = logged_in(in_alpha)
    page = client.get("/sms/", {"channel": Channel.VOICE}).content.decode()
    row = page[page.index(f'id="message-{queued.pk}"'):]
    row = row[:row.index("</tr>")]
    with translation.override(in_alpha.unit.language):  # the portal speaks the unit's language
        expected = [str(Channel.VOICE.label), str(Status.HEARD.label), voice.outcome_words(queued)]
    assert all(words in row for words in expected), (expected, row)
    assert f'id="message-{queued.pk}"' not in client.get("/sms/", {"channel": Channel.SMS}).content.decode()
    api = session_api(in_alpha)
    [listed] = api.get("/api/v1/sms/messages/", {"channel": "voice"}).json()["results"]
    assert (listed["id"], listed["channel"], listed["status"]) == (queued.pk, "voice", "heard")


def test_a_notice_can_be_read_by_voice_call(in_alpha):
    ready_to_send(voice_number=CALLER)
    add_member(in_alpha, "王老", phone=PHONE)
    add_member(in_alpha, "李老", phone="+8613800138001", node="east2")
    api = session_api(in_alpha)
    body = {"body": "{member_name}同志：周五上午九点支部开会。", "channel": "voice",
            "filters": {"node": in_alpha.nodes["east"].pk}}
    prepared = api.post("/api/v1/sms/notices/prepare/", body).json()
    assert (prepared["recipients"], prepared["segments"]) == (2, 2)
    sent = api.post("/api/v1/sms/notices/send/", {**body, "expected": 2})
    assert sent.status_code == 201 and sent.json()["channel"] == "voice"
    rows = Message.objects.order_by("to")
    assert [(row.channel, row.to, row.body) for row in rows] == [
        (Channel.VOICE, PHONE, "王老同志：周五上午九点支部开会。"),
        (Channel.VOICE, "+8613800138001", "李老同志：周五上午九点支部开会。")]
    assert all(row.idempotency_key.startswith("voice:notice:") for row in rows)
    # The same through the portal's compose page.
    page = logged_in(in_alpha).post("/sms/notices/prepare/", {
        "node": in_alpha.nodes["east"].pk, "body": "开会", "template": "", "channel": "voice"})
    assert 'id="audience-voice"' in page.content.decode()


def test_a_number_twilio_refuses_fails_and_asks_the_secretary_to_reach_the_member(in_alpha, gateway):
    ready_to_send(voice_number=CALLER, send_from=datetime.time(0), send_until=datetime.time(23, 59, 59))
    gateway.configure(numbers={PHONE: "invalid"})
    member = add_member(in_alpha, "王老", phone=PHONE)
    row = voice.call_member(None, member, text=TEXT, occasion="notice:5")
    relay.relay(now=timezone.now() + datetime.timedelta(seconds=1))
    row.refresh_from_db()
    assert (row.status, row.error_code) == (Status.FAILED, "21211")
    task = CareTask.objects.get(member=member, kind=TaskKind.REACH)
    assert task.reason == (_("Voice call to %(phone)s failed (%(code)s %(error)s); reach the member another way.") % {
        "phone": PHONE, "code": row.error_code, "error": row.error_message})[:200]


def test_admins_set_the_caller_number(in_alpha):
    api = session_api(in_alpha)
    answer = api.patch("/api/v1/sms/settings/", {"voice_number": "0571 8888 0000"}).json()
    assert answer["voice_number"] == "+8657188880000"
    assert SmsSettings.objects.get().voice_number == "+8657188880000"
    assert api.patch("/api/v1/sms/settings/", {"voice_number": "12"}).status_code == 400
    assert session_api(in_alpha, in_alpha.secretary).patch("/api/v1/sms/settings/", {
        "voice_number": ""}).status_code == 403
