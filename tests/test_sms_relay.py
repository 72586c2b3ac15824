"""The relay against the sandbox gateway: sending, retries with backoff, ambiguous timeouts and their
reconciliation, abandoned claims, concurrent relays, windows and caps at send time, deaths at send time, and
units kept apart. What reached the "carrier" is always counted at the gateway, never in our own tables."""

import datetime
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django_tenants.utils import schema_context

from billing.models import UsageRecord
from care.programme.models import CareTask, TaskKind
from care.registers.services import members
from carehub.tasks import for_each_active_unit
from notifications import leases
from notifications.models import Category, Message, OptOut, OptOutSource, Status
from notifications.providers import Delivery, Failure, ProviderError, ProviderMessage, SendResult
from notifications.services import delivery, relay
from notifications.services.outbox import Row, queue_many
from notifications.tasks import relay_unit

from . import sms_committed
from . import sms_gateway as sms
from .billing_data import subscribed
from .sms_core_data import DAY, add_member, at, ready_to_send
from .test_programme_workers import in_thread

gateway, sms_gateway, replay = sms.gateway, sms.sms_gateway, sms.replay
committed, short_timeout = sms_committed.committed, sms_committed.short_timeout
pytestmark = pytest.mark.django_db
TEN = at(10)


def phone(index: int) -> str:
    return f"+86138{index:08d}"


def queue_notices(count: int, *, now=TEN, start: int = 0, **extra) -> list[int]:
    rows = [Row(key=f"test:{index}", category=Category.NOTICE, to=phone(index), body=f"通知 {index}", **extra)
            for index in range(start, start + count)]
    return queue_many(None, rows, now=now).created


def statuses() -> Counter:
    return Counter(Message.objects.values_list("status", flat=True))


def later(minutes: float) -> datetime.datetime:
    return TEN + datetime.timedelta(minutes=minutes)


def after(interval: datetime.timedelta, seconds: float = 1) -> datetime.datetime:
    """A moment `seconds` past `interval` (a lease, a settle time) after ten o'clock."""
    return TEN + interval + datetime.timedelta(seconds=seconds)


def test_relay_sends_meters_and_points_callbacks_at_the_unit(in_alpha, gateway):
    ready_to_send()
    ids = queue_notices(3)
    report = relay.relay(now=TEN)
    assert report.outcomes[Status.SENT] == 3
    sent = gateway.messages()
    assert sorted(m["to"] for m in sent) == [phone(0), phone(1), phone(2)]
    message = Message.objects.get(pk=ids[0])
    assert message.status == Status.SENT and message.sid and message.attempts == 1
    assert message.account_sid == sms.ACCOUNT.sid
    hook = next(m for m in sent if m["to"] == phone(0))["status_callback"]
    assert hook == f"https://alpha.localhost/hooks/twilio/status/?m={message.pk}"
    assert UsageRecord.objects.filter(source_key=f"sms:alpha:{message.pk}", quantity=1).count() == 1
    assert relay.relay(now=TEN).claimed == 0  # nothing twice
    assert len(gateway.messages()) == 3


def test_rate_limit_and_server_errors_are_retried_with_backoff(in_alpha, gateway):
    ready_to_send()
    gateway.configure(next=["rate_limited", "server_error"])
    queue_notices(2)
    relay.relay(now=TEN)
    waiting = list(Message.objects.order_by("pk"))
    assert {m.status for m in waiting} == {Status.PENDING}
    assert {m.error_code for m in waiting} == {"20429", "20503"}
    assert all(m.attempts == 1 and m.not_before >= TEN + datetime.timedelta(seconds=1) for m in waiting)
    assert not gateway.messages()
    relay.relay(now=later(15))
    assert statuses() == {Status.SENT: 2} and len(gateway.messages()) == 2


def test_retries_end_in_a_visible_failure(in_alpha, gateway):
    ready_to_send()
    gateway.configure(next=["server_error"] * delivery.MAX_ATTEMPTS)
    [pk] = queue_notices(1)
    for attempt in range(delivery.MAX_ATTEMPTS):
        relay.relay(now=later(15 * attempt))
    message = Message.objects.get(pk=pk)
    assert message.status == Status.FAILED and message.attempts == delivery.MAX_ATTEMPTS
    assert message.error_code == "20503" and message.error_message
    assert not gateway.messages()


def test_backoff_never_lands_in_quiet_hours(in_alpha, gateway):
    ready_to_send()
    gateway.configure(next=["server_error"])
    almost = at(19, 59) + datetime.timedelta(seconds=59.5)
    queue_notices(1, now=almost)
    relay.relay(now=almost)  # Retry-After 1 s: past 20:00
    assert Message.objects.get().not_before == at(9, day=DAY + datetime.timedelta(days=1))


def test_ambiguous_timeout_is_unknown_then_the_callback_settles_it(in_alpha, gateway, short_timeout, client):
    ready_to_send()
    gateway.configure(next=["timeout"], hold_seconds=1)
    [pk] = queue_notices(1)
    relay.relay(now=TEN)
    message = Message.objects.get(pk=pk)
    assert message.status == Status.UNKNOWN and message.sid is None and message.error_code == "timeout"
    assert len(gateway.messages()) == 1  # Twilio has it: we must not send it again
    relay.relay(now=later(1))
    assert len(gateway.messages()) == 1
    hooks = gateway.wait_for(lambda: gateway.callbacks() if len(gateway.callbacks()) >= 2 else None)
    assert {r.status_code for r in replay(client, hooks)} == {204}
    message.refresh_from_db()
    assert message.status == Status.DELIVERED and message.sid == gateway.messages()[0]["sid"]


def test_ambiguous_timeout_without_callback_is_found_by_lookup(in_alpha, gateway, short_timeout):
    ready_to_send()
    gateway.configure(next=["timeout"], hold_seconds=1, callbacks="off")
    [pk] = queue_notices(1)
    relay.relay(now=TEN)
    assert Message.objects.get(pk=pk).status == Status.UNKNOWN
    relay.relay(now=after(relay.settle(), -5))  # not settled yet: left alone
    assert Message.objects.get(pk=pk).status == Status.UNKNOWN
    report = relay.relay(now=after(relay.settle()))
    message = Message.objects.get(pk=pk)
    assert report.reconciled == 1 and message.status == Status.SENT
    assert message.sid == gateway.messages()[0]["sid"] and len(gateway.messages()) == 1


def test_abandoned_claims_are_released_or_become_unknown_without_duplicates(in_alpha, gateway):
    """A worker killed mid-batch: it claimed five rows, started two requests (one reached Twilio, one never
    left the machine) and died. After the lease the other three go out once; the two started ones are unknown
    until the settle time, then settled by lookup: the one Twilio has is adopted, the other sent. Each phone
    gets exactly one message."""
    ready_to_send()
    queue_notices(5)
    dead = relay.context()
    leases.renew([("alpha", dead.token)], TEN.timestamp())  # its last heartbeat
    rows, _examined = relay.claim(dead, TEN)
    assert relay._start(dead, rows[:2], TEN) == {rows[0]["pk"], rows[1]["pk"]}
    dead.provider.send(rows[0]["to"], rows[0]["body"], dead.sender)  # reached Twilio; the answer was lost
    assert statuses() == {Status.SENDING: 5}
    relay.relay(now=after(relay.lease(), -2))  # within the lease: nothing is touched
    assert statuses() == {Status.SENDING: 5}
    report = relay.relay(now=after(relay.lease()))
    assert (report.released, report.lost, report.reconciled) == (3, 2, 0)
    assert statuses() == {Status.SENT: 3, Status.UNKNOWN: 2} and len(gateway.messages()) == 4
    report = relay.relay(now=after(relay.settle()))
    assert report.reconciled == 2
    adopted = Message.objects.get(pk=rows[0]["pk"])
    assert adopted.sid == gateway.messages(to=rows[0]["to"])[0]["sid"]
    assert set(statuses()) <= {Status.SENT, Status.DELIVERED} and sum(statuses().values()) == 5
    assert Counter(m["to"] for m in gateway.messages()) == {phone(index): 1 for index in range(5)}


def test_claims_respect_windows_cap_and_deaths_at_send_time(in_alpha, gateway):
    ready_to_send(daily_cap_per_recipient=2)
    member = add_member(in_alpha, "王老", phone=phone(7))
    queue_many(None, [Row(key=f"cap:{index}", category=Category.NOTICE, to=phone(1), body=f"第{index}条")
                      for index in range(2)], now=TEN)
    relay.relay(now=TEN)
    # Queued on another day (so the queue-time cap did not see them), all due now.
    queue_many(None, [Row(key="cap:late", category=Category.NOTICE, to=phone(1), body="第3条"),
                      Row(key="dead", category=Category.GREETING, to=phone(7), body="祝福", member_id=member.pk)],
               now=TEN - datetime.timedelta(days=1))
    members.change_status(in_alpha.admin, member, "deceased", died_on=DAY - datetime.timedelta(days=1))
    relay.relay(now=at(21))  # evening: nothing goes out
    assert Message.objects.get(idempotency_key="cap:late").status == Status.PENDING
    relay.relay(now=at(11))
    late = Message.objects.get(idempotency_key="cap:late")
    assert late.status == Status.PENDING and late.not_before == at(9, day=DAY + datetime.timedelta(days=1))
    dead = Message.objects.get(idempotency_key="dead")
    assert (dead.status, dead.error_code) == (Status.CANCELLED, "deceased")
    assert len(gateway.messages(to=phone(1))) == 2 and not gateway.messages(to=phone(7))


def test_invalid_number_fails_and_asks_the_secretary_to_reach_the_member(in_alpha, gateway):
    ready_to_send()
    member = add_member(in_alpha, "李无号", phone=phone(3))
    gateway.configure(numbers={phone(3): "invalid"})
    queue_many(None, [Row(key="g", category=Category.GREETING, to=phone(3), body="祝福", member_id=member.pk)],
               now=TEN)
    relay.relay(now=TEN)
    assert Message.objects.get().status == Status.FAILED
    task = CareTask.objects.get(member=member, kind=TaskKind.REACH)
    assert task.assignee == in_alpha.secretary and "21211" in task.reason
    assert not task.rule.is_active


def test_carrier_opt_out_cancels_and_records_it(in_alpha, gateway):
    ready_to_send()
    gateway.configure(numbers={phone(4): "opted_out"})
    queue_notices(1, start=4)
    queue_many(None, [Row(key="next", category=Category.NOTICE, to=phone(4), body="x")], now=later(60))
    relay.relay(now=TEN)
    assert dict(Message.objects.values_list("idempotency_key", "status")) == {"test:4": "cancelled",
                                                                             "next": "cancelled"}
    assert OptOut.objects.get(phone=phone(4)).source == OptOutSource.PROVIDER


class OtherProvider:
    """A provider that is not Twilio: codes of its own, said in the neutral words of notifications.providers."""

    uses_templates = False

    def __init__(self, answers: dict):
        self.answers = answers

    def send(self, to, body, sender, status_callback=None, *, reference="", template=None):
        if isinstance(self.answers[to], ProviderError):
            raise self.answers[to]
        return self.answers[to]

    def fetch(self, sid, *, to="", sent_at=None):
        raise ProviderError("E-BUSY", "try later", failure=Failure.RETRYABLE)

    def recent_messages(self, to, *, since=None, limit=100):
        return []


def test_a_second_provider_is_understood_by_its_neutral_words_alone(in_alpha, gateway, monkeypatch):
    """Nothing outside the provider's module knows its codes: a number it cannot reach asks for the member to be
    reached another way, its opt-out is recorded, and its status reports settle messages, whatever its codes."""
    ready_to_send()
    member = add_member(in_alpha, "赵老", phone=phone(5))
    monkeypatch.setattr(relay, "provider_for", lambda account, name: OtherProvider({
        phone(5): ProviderError("E-NO-SUBSCRIBER", "no such subscriber", failure=Failure.UNREACHABLE),
        phone(6): ProviderError("E-STOP", "the subscriber said stop", failure=Failure.OPTED_OUT),
        phone(7): SendResult("OTHER-1", Delivery.QUEUED, 1)}))
    queue_many(None, [Row(key="g", category=Category.GREETING, to=phone(5), body="祝福", member_id=member.pk)],
               now=TEN)
    queue_notices(2, start=6)
    relay.relay(now=TEN)
    assert dict(Message.objects.values_list("to", "status")) == {
        phone(5): Status.FAILED, phone(6): Status.CANCELLED, phone(7): Status.SENT}
    assert "E-NO-SUBSCRIBER" in CareTask.objects.get(member=member, kind=TaskKind.REACH).reason
    assert "E-STOP" in OptOut.objects.get(phone=phone(6), source=OptOutSource.PROVIDER).note
    report = ProviderMessage("OTHER-1", phone(7), "", Delivery.UNDELIVERED, None, "E-GONE", "", Failure.UNREACHABLE)
    assert delivery.status_reported(report, account_sid=sms.ACCOUNT.sid) == Status.UNDELIVERED
    assert Message.objects.get(to=phone(7)).error_code == "E-GONE"
    assert not gateway.messages()


def test_another_units_relay_touches_nothing_here(alpha, beta, gateway):
    with schema_context("alpha"):
        ready_to_send()
        queue_notices(2)
    with schema_context("beta"):
        ready_to_send()
        assert relay.relay(now=TEN).claimed == 0
    with schema_context("alpha"):
        assert statuses() == {Status.PENDING: 2}
    assert not gateway.messages()


# --- committed data: real workers and concurrent relays --------------------------------------------------------

def test_two_relays_at_once_never_send_a_row_twice(committed, gateway):
    gateway.configure(latency_ms=20)
    in_thread(lambda: queue_notices(120, now=None))
    start = threading.Barrier(2)

    def run():
        start.wait(timeout=10)
        return relay.relay(batch=10).claimed

    with ThreadPoolExecutor(2) as pool:
        claimed = [future.result() for future in [pool.submit(in_thread, run) for _ in range(2)]]
    assert sum(claimed) == 120 and all(claimed)  # both worked, on different rows
    assert Counter(m["to"] for m in gateway.messages()) == {phone(index): 1 for index in range(120)}
    assert in_thread(statuses) == {Status.SENT: 120}


def test_lost_dispatch_is_found_by_the_periodic_relay_through_a_worker(committed, gateway, worker):
    """The broker lost the on-commit task message (here: it was never sent): beat's fan-out finds the rows."""
    in_thread(lambda: queue_notices(5, now=None))
    assert len(for_each_active_unit(relay_unit)) == 2  # one task per unit, each carrying its schema
    gateway.wait_for(lambda: in_thread(statuses) == {Status.SENT: 5}, timeout=30)
    assert len(gateway.messages()) == 5
    assert in_thread(statuses) == {Status.SENT: 5}


def test_queuing_dispatches_the_relay_on_commit(committed, gateway, worker, settings):
    settings.SMS_RELAY_PARALLEL = 1
    in_thread(lambda: queue_notices(3, now=None))
    gateway.wait_for(lambda: len(gateway.messages()) == 3, timeout=30)
    gateway.wait_for(lambda: in_thread(statuses) == {Status.SENT: 3}, timeout=30)


def test_a_used_up_allowance_fails_visibly_and_nothing_is_sent(in_alpha, gateway):
    subscribed(in_alpha.unit, sms=2, overage_allowed=False)
    ready_to_send()
    queue_notices(3)
    relay.relay(now=TEN)
    assert statuses() == {Status.SENT: 2, Status.FAILED: 1}
    assert Message.objects.get(status=Status.FAILED).error_code == "quota"
    assert len(gateway.messages()) == 2
