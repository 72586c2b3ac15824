"""The ladder of channels end to end, through a real Celery worker, the sandbox gateway and the app over HTTP: the
worker sends the SMS, the sandbox posts its signed delivery report to the app, the report wakes the unit
(beat's watchdog, `wake_units`, run here in a loop), and the worker climbs the ladder and places the call, whose
TwiML the sandbox fetches from the app; a key pressed or three unanswered tries decide what comes next."""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from care.programme.models import CareTask, TaskKind
from notifications.models import Channel, ContactPlan, Message, Reach, ReachStatus, RungKind, Status
from notifications.services import notices, relay
from notifications.tasks import wake_units

from . import sms_committed
from . import sms_gateway as sms
from . import test_sms_voice as voice_e2e
from .sms_core_data import add_member
from .test_programme_workers import in_thread

committed = sms_committed.committed
gateway, sms_gateway = sms.gateway, sms.sms_gateway
live, web = voice_e2e.live, voice_e2e.web  # the app on a port of its own, ready to call
pytestmark = pytest.mark.django_db
PREFIX = sms_committed.PREFIX
PHONE, PROXY = "+8613800138000", "+8613900139000"
TEXT = "明天上午九点在社区活动室召开支部大会，请准时参加。"


def notice_to_new_member(alpha, *, reads_sms=True, proxy="") -> int:
    """A member (committed) and a notice to them, as their secretary sends it; returns the member's id."""
    def send():
        member = add_member(alpha, f"{PREFIX}王老", phone=PHONE, proxy_name="王小明" if proxy else "",
                            proxy_phone=proxy)
        if not reads_sms:
            ContactPlan.objects.create(member=member, preferred="voice", reads_sms=False)
        filters = {"q": member.name}
        audience = notices.prepare(alpha.secretary, filters=filters, body=TEXT)
        notices.send_notice(alpha.secretary, filters=filters, body=TEXT, expected=audience.recipients)
        return member.pk

    return in_thread(send)


def woken_until(gateway, predicate, timeout=45):
    """Run beat's watchdog until `predicate()` holds: each run wakes the units a settled message asked for."""
    def check():
        with schema_context("public"):
            wake_units.apply()
        return predicate()

    return gateway.wait_for(check, timeout=timeout, interval=0.2)


def reach_of(member_id) -> Reach:
    return in_thread(lambda: Reach.objects.prefetch_related("rungs__message").get(member_id=member_id))


def ladder_of(member_id) -> list[tuple]:
    return [(rung.kind, rung.message.channel if rung.message else None, rung.result)
            for rung in reach_of(member_id).rungs.all()]


def test_an_undelivered_sms_climbs_to_a_call_where_key_1_asks_for_a_visit(live, gateway, django_db_setup, worker,
                                                                          settings):
    settings.SMS_RELAY_PARALLEL = 1  # the notice's SMS goes through the worker at once
    # The SMS is never delivered (its report is posted to the app); a person takes the call.
    gateway.configure(callbacks="post", numbers={PHONE: "undeliverable"})
    member_id = notice_to_new_member(django_db_setup["alpha"])
    call = woken_until(gateway, lambda: next((call for call in gateway.calls(to=PHONE) if call["awaiting_key"]),
                                             None))
    assert call["said"][0] == TEXT  # the notice's text, read in the call
    gateway.press(call["sid"], "1")
    task = gateway.wait_for(lambda: in_thread(lambda: CareTask.objects.filter(
        member_id=member_id, kind=TaskKind.VISIT).first()), timeout=30)
    assert task.assignee_id == django_db_setup["alpha"].secretary.pk
    woken_until(gateway, lambda: reach_of(member_id).status == ReachStatus.REACHED)
    assert ladder_of(member_id) == [(RungKind.SMS, Channel.SMS, Status.UNDELIVERED),
                                    (RungKind.VOICE, Channel.VOICE, Status.HEARD)]
    assert len(gateway.messages(to=PHONE)) == 1 and len(gateway.calls(to=PHONE)) == 1


def test_three_unanswered_calls_climb_to_the_proxy_then_a_task(live, gateway, django_db_setup, worker, settings):
    settings.SMS_RELAY_PARALLEL = 1
    gateway.configure(callbacks="post", numbers={PHONE: "no_answer", PROXY: "undeliverable"})
    member_id = notice_to_new_member(django_db_setup["alpha"], reads_sms=False, proxy=PROXY)

    def tries() -> Message:
        return in_thread(lambda: Message.objects.get(member_id=member_id, channel=Channel.VOICE))

    for attempt in (1, 2):
        waiting = gateway.wait_for(lambda tried=attempt: (row := tries()).status == Status.PENDING
                                   and in_thread(row.calls.count) == tried and row, timeout=30)
        # The next try waits for the afternoon or the evening: the relay runs as it would then.
        in_thread(lambda at=waiting.not_before: relay.relay(now=max(at, timezone.now())
                                                            + datetime.timedelta(seconds=1)))
    woken_until(gateway, lambda: reach_of(member_id).status == ReachStatus.TASK, timeout=60)
    assert tries().status == Status.UNREACHED and len(gateway.calls(to=PHONE)) == 3
    assert [message["to"] for message in gateway.messages()] == [PROXY]  # never an SMS to a member who cannot read
    assert ladder_of(member_id) == [(RungKind.VOICE, Channel.VOICE, Status.UNREACHED),
                                    (RungKind.PROXY, Channel.SMS, Status.UNDELIVERED),
                                    (RungKind.TASK, None, "task")]
    task = in_thread(lambda: CareTask.objects.get(member_id=member_id, kind=TaskKind.REACH))
    assert "138 0013 8000" in task.reason and "139 0013 9000" in task.reason
