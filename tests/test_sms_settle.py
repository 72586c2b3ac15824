"""Delivery states after a message's request started, against the sandbox gateway: sent messages whose callbacks
never came are fetched by sid and settled; the relay's answer and the status callbacks give the same state in
either order; a dead worker's claim is released within seconds of its last heartbeat, a live one never."""

import datetime
import time
import uuid
from collections import Counter

import pytest
from django_tenants.utils import schema_context

from billing.models import UsageRecord
from care.programme.models import CareTask, TaskKind
from notifications import leases
from notifications.models import Category, Message, Status
from notifications.providers import Sender, provider_for
from notifications.sandbox.callbacks import signed
from notifications.services import relay
from notifications.services.outbox import Row, queue_many
from notifications.tasks import wake_units

from . import sms_committed
from . import sms_gateway as sms
from .sms_core_data import SERVICE, add_member, at, ready_to_send
from .test_programme_workers import in_thread

gateway, sms_gateway, replay = sms.gateway, sms.sms_gateway, sms.replay
committed, short_timeout = sms_committed.committed, sms_committed.short_timeout
pytestmark = pytest.mark.django_db
TEN = at(10)
PHONE, OTHER = "+8613900000001", "+8613900000002"
STATUS_URL = "https://alpha.localhost/hooks/twilio/status/"


@pytest.fixture(autouse=True)
def no_leases():
    """No lease or wake-up left by another test: they are keyed by schema, and tests reuse "alpha"."""
    client = leases._client()
    client.delete(leases.key("leases"), leases.key("wake"))
    yield
    client.delete(leases.key("leases"), leases.key("wake"))


def after(interval: datetime.timedelta, seconds: float = 1, start: datetime.datetime = TEN) -> datetime.datetime:
    return start + interval + datetime.timedelta(seconds=seconds)


def queue(*phones: str, member=None, now=TEN) -> list[int]:
    rows = [Row(key=f"settle:{phone}", category=Category.GREETING, to=phone, body=f"重阳节快乐 {phone[-2:]}",
                member_id=getattr(member, "pk", None) if phone == PHONE else None) for phone in phones]
    return queue_many(None, rows, now=now).created


def final_at_gateway(gateway, count: int) -> None:
    gateway.wait_for(lambda: len(gateway.messages(status="delivered") + gateway.messages(status="undelivered"))
                     == count)


def eventually(predicate, timeout: float = 5):
    deadline = time.monotonic() + timeout
    while not (value := predicate()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return value


# --- 1. sent, but the callbacks never came --------------------------------------------------------------------

def test_sandbox_can_lose_every_callback_while_the_status_moves_on(gateway):
    gateway.configure(lost_callbacks=1.0)
    provider = provider_for(sms.ACCOUNT)
    sid = provider.send(PHONE, "hi", Sender(messaging_service_sid=SERVICE), status_callback=STATUS_URL).sid
    assert gateway.wait_for(lambda: provider.fetch(sid).status == "delivered")
    assert gateway.callbacks() == []


def test_sent_messages_without_callbacks_are_fetched_and_settled(in_alpha, gateway):
    """67 of 699 stayed "sent" forever: their callbacks never arrived. After SMS_SENT_SETTLE_SECONDS the relay
    fetches them by sid; an undelivered one asks the secretary to reach the member, as a callback would."""
    ready_to_send()
    member = add_member(in_alpha, "王老", phone=PHONE)
    gateway.configure(lost_callbacks=1.0, numbers={PHONE: "undeliverable"})
    undeliverable, delivered = queue(PHONE, OTHER, member=member)
    relay.relay(now=TEN)
    final_at_gateway(gateway, 2)
    assert Counter(Message.objects.values_list("status", flat=True)) == {Status.SENT: 2}
    assert relay.relay(now=after(relay.settle_sent_after(), -5)).settled == 0  # not yet: a callback may come
    report = relay.relay(now=after(relay.settle_sent_after()))
    assert report.settled == 2
    lost = Message.objects.get(pk=undeliverable)
    assert (lost.status, lost.error_code) == (Status.UNDELIVERED, "30003") and lost.error_message
    assert Message.objects.get(pk=delivered).status == Status.DELIVERED
    task = CareTask.objects.get(member=member, kind=TaskKind.REACH)
    assert task.assignee == in_alpha.secretary and "30003" in task.reason
    assert len(gateway.messages()) == 2  # settled by looking, never by sending again


def test_a_message_still_on_its_way_is_checked_again_as_it_ages_then_shown_as_unconfirmed(in_alpha, gateway, client):
    ready_to_send()
    gateway.configure(callbacks="off")  # Twilio keeps it "accepted": no carrier ever reports on it
    [pk] = queue(OTHER)
    relay.relay(now=TEN)
    first_check = after(relay.settle_sent_after())
    relay.relay(now=first_check)
    message = Message.objects.get(pk=pk)
    assert (message.status, message.checked_at) == (Status.SENT, first_check)
    age = first_check - message.sent_at
    relay.relay(now=first_check + age / 2)  # not before its age has doubled
    assert Message.objects.get(pk=pk).checked_at == first_check
    relay.relay(now=first_check + age + datetime.timedelta(seconds=1))
    assert Message.objects.get(pk=pk).checked_at > first_check
    report = relay.relay(now=after(relay.check_sent_for()))
    message = Message.objects.get(pk=pk)
    assert report.unconfirmed == 1 and message.status == Status.SENT
    assert message.error_code == "unconfirmed" and message.error_message
    checked = message.checked_at
    relay.relay(now=after(relay.check_sent_for(), 3600))
    assert Message.objects.get(pk=pk).checked_at == checked  # given up: never fetched again
    # A delivery report that comes after all still counts, and the "unconfirmed" note goes.
    hook = signed(f"{STATUS_URL}?m={pk}", {"MessageSid": message.sid, "AccountSid": sms.ACCOUNT.sid,
                                           "MessageStatus": "delivered", "To": OTHER}, sms.ACCOUNT.token)
    assert replay(client, [hook])[0].status_code == 204
    message.refresh_from_db()
    assert (message.status, message.error_code, message.error_message) == (Status.DELIVERED, "", "")


# --- 2. the relay's answer and the callbacks, in either order --------------------------------------------------

@pytest.mark.parametrize("callbacks_first", [True, False], ids=["callbacks-first", "answer-first"])
def test_the_same_state_whichever_arrives_first(in_alpha, gateway, client, callbacks_first):
    """The "undelivered" callback arrived before the relay recorded its answer, and the relay's success update
    wiped the error code (2 of 3 undelivered rows had none). Every step is monotonic now: same end state."""
    ready_to_send()
    member = add_member(in_alpha, "李老", phone=PHONE)
    gateway.configure(numbers={PHONE: "undeliverable"})
    [pk] = queue(PHONE, member=member)
    ctx = relay.context()
    [row], _examined = relay.claim(ctx, TEN)
    relay._start(ctx, [row], TEN)
    answer = relay._request(ctx, row)
    hooks = gateway.wait_for(lambda: gateway.callbacks() if len(gateway.callbacks()) == 2 else None)
    if callbacks_first:
        assert [r.status_code for r in replay(client, hooks)] == [204, 204]
        relay._apply(ctx, [(row, answer)], TEN)
    else:
        relay._apply(ctx, [(row, answer)], TEN)
        assert [r.status_code for r in replay(client, hooks)] == [204, 204]
    message = Message.objects.get(pk=pk)
    assert (message.status, message.sid, message.error_code) == (Status.UNDELIVERED, answer.sid, "30003")
    assert message.error_message and message.account_sid == sms.ACCOUNT.sid and message.sent_at
    assert CareTask.objects.filter(member=member, kind=TaskKind.REACH).count() == 1
    assert UsageRecord.objects.filter(source_key=f"sms:alpha:{pk}").count() == 1
    replay(client, hooks)  # Twilio repeats itself: nothing moves back, nothing is counted twice
    assert Message.objects.get(pk=pk).status == Status.UNDELIVERED
    assert CareTask.objects.filter(member=member, kind=TaskKind.REACH).count() == 1


@pytest.mark.parametrize("order", [["delivered", "sent", "answer"], ["answer", "delivered", "sent"],
                                   ["sent", "answer", "delivered"]])
def test_delivered_stays_delivered_in_any_order(in_alpha, gateway, client, order):
    ready_to_send()
    [pk] = queue(OTHER)
    ctx = relay.context()
    [row], _examined = relay.claim(ctx, TEN)
    relay._start(ctx, [row], TEN)
    answer = relay._request(ctx, row)
    sent, delivered = gateway.wait_for(lambda: gateway.callbacks() if len(gateway.callbacks()) == 2 else None)
    steps = {"answer": lambda: relay._apply(ctx, [(row, answer)], TEN),
             "sent": lambda: replay(client, [sent]), "delivered": lambda: replay(client, [delivered])}
    for step in order:
        steps[step]()
    message = Message.objects.get(pk=pk)
    assert (message.status, message.sid, message.error_code) == (Status.DELIVERED, answer.sid, "")


def test_a_callback_for_a_message_the_lookup_missed_stops_its_resend(in_alpha, gateway, client):
    """The lookup found nothing and put the row back in the queue, then Twilio's callback came after all: the
    message exists, so the row is sent, and it is not sent again."""
    ready_to_send()
    [pk] = queue(OTHER)
    Message.objects.filter(pk=pk).update(not_before=TEN + datetime.timedelta(minutes=1), error_code="not-found")
    hook = signed(f"{STATUS_URL}?m={pk}", {"MessageSid": "SM" + "7" * 32, "AccountSid": sms.ACCOUNT.sid,
                                           "MessageStatus": "sent", "To": OTHER}, sms.ACCOUNT.token)
    assert replay(client, [hook])[0].status_code == 204
    message = Message.objects.get(pk=pk)
    assert (message.status, message.sid, message.error_code) == (Status.SENT, "SM" + "7" * 32, "")
    assert relay.relay(now=TEN + datetime.timedelta(minutes=2)).claimed == 0
    assert not gateway.messages()


# --- 3. a dead worker's claims ----------------------------------------------------------------------------------

def test_a_claim_whose_heartbeat_stopped_is_released_and_a_live_one_is_not(in_alpha, gateway):
    ready_to_send()
    queue(PHONE, OTHER)
    dead, live = relay.context(), relay.context()
    leases.renew([("alpha", dead.token), ("alpha", live.token)], TEN.timestamp())
    [dead_row], _examined = relay.claim(dead, TEN, batch=1)
    [live_row], _examined = relay.claim(live, TEN, batch=1)
    relay._start(dead, [dead_row], TEN)
    leases.renew([("alpha", live.token)], (TEN + relay.lease() / 2).timestamp())  # live: still beating
    report = relay.relay(now=after(relay.lease()))  # the dead one's last beat is one lease ago
    assert (report.released, report.lost) == (0, 1)
    assert Message.objects.get(pk=dead_row["pk"]).status == Status.UNKNOWN  # started: looked up, not resent
    assert Message.objects.get(pk=live_row["pk"]).claim_token == live.token
    assert not gateway.messages()


def test_the_heartbeat_renews_a_held_lease_until_the_run_ends(settings):
    settings.SMS_CLAIM_HEARTBEAT_SECONDS = 0.05
    token = uuid.uuid4().hex
    start = time.time()
    with leases.held("alpha", token, start):
        assert leases.alive("alpha", [token], start + settings.SMS_CLAIM_LEASE_SECONDS) == set()
        # Beyond its first lease only once the heartbeat renewed it.
        assert eventually(lambda: leases.alive("alpha", [token], start + settings.SMS_CLAIM_LEASE_SECONDS))
    assert leases.alive("alpha", [token], time.time()) == set()  # ended with its run


def test_the_watchdog_wakes_units_whose_lease_ran_out_or_whose_unknown_is_due(in_alpha, gateway, short_timeout):
    ready_to_send()
    leases.renew([("alpha", "dead")], TEN.timestamp())
    assert leases.due(after(relay.lease(), -1).timestamp()) == set()
    assert leases.due(after(relay.lease()).timestamp()) == {"alpha"}
    assert leases.due(after(relay.lease(), 2).timestamp()) == set()  # taken once
    gateway.configure(next=["timeout"], hold_seconds=1, callbacks="off")
    queue(OTHER)
    relay.relay(now=TEN)  # unknown: due for its lookup one settle time after it started
    assert leases.due(after(relay.settle(), -1).timestamp()) == set()
    assert leases.due(after(relay.settle()).timestamp()) == {"alpha"}


def test_a_killed_workers_claim_is_sent_by_a_worker_the_watchdog_wakes(committed, gateway, worker):
    """Through a real worker: a relay claimed five rows and died (no heartbeat since). Beat's watchdog finds
    the lease run out and wakes the unit's relay, which takes the rows over: each phone gets one message."""
    phones = [f"+8613700000{index:03d}" for index in range(5)]

    def abandoned():
        claimed_at = datetime.datetime.now(datetime.UTC) - relay.lease() - datetime.timedelta(seconds=1)
        queue_many(None, [Row(key=f"dead:{phone}", category=Category.NOTICE, to=phone, body="通知")
                          for phone in phones], now=claimed_at)
        dead = relay.context()
        leases.renew([("alpha", dead.token)], claimed_at.timestamp())  # its last heartbeat
        relay.claim(dead, claimed_at)

    in_thread(abandoned)
    assert in_thread(lambda: Counter(Message.objects.values_list("status", flat=True))) == {Status.SENDING: 5}
    with schema_context("public"):
        assert wake_units.apply().get() == 1
    gateway.wait_for(lambda: in_thread(lambda: set(Message.objects.values_list("status", flat=True)))
                     == {Status.SENT}, timeout=30)
    assert Counter(m["to"] for m in gateway.messages()) == dict.fromkeys(phones, 1)
