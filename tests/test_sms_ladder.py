"""The ladder of channels (notifications.services.ladder): each member's steps from their contact plan and phones,
greetings and notices starting by the first step, and `climb` moving a ladder on when its step's messages came to
an end: SMS -> call -> proxy -> a task saying what was tried; a shared phone called once per occasion; opt-outs
per channel; confirmation, death and the unit's end per purpose. Outcomes are set on the rows directly here; the
end-to-end path through workers, the sandbox and webhooks is tests/test_sms_ladder_e2e.py."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from care.programme.models import CareTask, TaskKind
from care.registers.models import Member
from care.registers.services import members
from carehub.audit.models import AuditEvent
from notifications import tasks
from notifications.models import (
    Channel,
    ContactPlan,
    LadderEnd,
    LadderSetting,
    Message,
    OptOutChannel,
    OptOutScope,
    OptOutSource,
    Reach,
    ReachStatus,
    RungKind,
    Status,
)
from notifications.services import contacts, ladder, notices, optouts
from notifications.services.greetings import queue_due_greetings

from .sms_core_data import DAY, add_member, at, ready_to_send
from .test_sms_greetings import greet

pytestmark = pytest.mark.django_db
OWN, PROXY, FAMILY = "+8613800138001", "+8613900139001", "+8613800138888"
SMS, VOICE, TASK = RungKind.SMS, RungKind.VOICE, RungKind.TASK


def member_with(staff, name="王老", phone=OWN, proxy="", preferred="sms", reads_sms=True, node="east1") -> Member:
    member = add_member(staff, name, phone=phone, node=node, proxy_name="王小明" if proxy else "", proxy_phone=proxy)
    if (preferred, reads_sms) != ("sms", True):
        ContactPlan.objects.create(member=member, preferred=preferred, reads_sms=reads_sms)
    return member


def notice_to(staff, *people, text="明天上午九点在社区活动室开会。", channel=Channel.SMS):
    filters = {"q": people[0].name} if len(people) == 1 else {}
    audience = notices.prepare(staff.admin, filters=filters, body=text, channel=channel)
    return notices.send_notice(staff.admin, filters=filters, body=text, expected=audience.recipients,
                               channel=channel)


def settle(message: Message, status: str, error_code: str = "") -> None:
    Message.objects.filter(pk=message.pk).update(status=status, error_code=error_code)


def rungs(member) -> list[tuple]:
    reach = Reach.objects.get(member=member)
    return [(rung.kind, rung.message.channel if rung.message else None, rung.message.to if rung.message else None,
             rung.result) for rung in reach.rungs.select_related("message")]


def test_steps_follow_the_contact_plan_and_the_phones():
    def steps(preferred="sms", reads=True, phone=OWN, proxy=PROXY, end=LadderEnd.TASK, **options):
        member = Member(phone=phone, proxy_phone=proxy)
        return ladder.steps(member, ladder.Plan(preferred, reads), end, **options)

    assert steps() == [[SMS], [VOICE], [RungKind.PROXY], [TASK]]
    assert steps(reads=False) == [[VOICE], [RungKind.PROXY], [TASK]]  # cannot read: a call first, no SMS
    assert steps(preferred="voice") == [[VOICE], [SMS], [RungKind.PROXY], [TASK]]
    assert steps(preferred="both") == [[SMS, VOICE], [RungKind.PROXY], [TASK]]
    assert steps(phone="") == [[RungKind.PROXY], [TASK]]  # no phone of their own: the proxy is their channel
    assert steps(phone="", proxy="") == [[SMS], [TASK]]  # nobody to reach: "no phone", then a task
    assert steps(voice_first=True) == [[VOICE], [SMS], [RungKind.PROXY], [TASK]]
    assert steps(end=LadderEnd.FIRST) == [[SMS]]
    assert steps(end=LadderEnd.OWN) == [[SMS], [VOICE]]
    assert steps(end=LadderEnd.OWN, phone="") == [[RungKind.PROXY]]
    assert steps(end=LadderEnd.PROXY) == [[SMS], [VOICE], [RungKind.PROXY]]


def test_a_notice_climbs_sms_call_proxy_then_a_task_saying_what_was_tried(in_alpha):
    ready_to_send(voice_number="+8657100000000")
    member = member_with(in_alpha, proxy=PROXY)
    notice_to(in_alpha, member)
    [first] = Message.objects.all()
    assert (first.channel, first.to, first.status) == (Channel.SMS, OWN, Status.PENDING)
    assert ladder.climb() == 0  # nothing came to an end yet

    settle(first, Status.UNDELIVERED, "30003")
    assert ladder.climb() == 1
    call = Message.objects.get(channel=Channel.VOICE)
    assert (call.to, call.body, call.category) == (OWN, first.body, first.category)
    settle(call, Status.UNREACHED, "no_answer")
    ladder.climb()
    to_proxy = Message.objects.get(to=PROXY)
    assert to_proxy.channel == Channel.SMS and to_proxy.body == first.body
    settle(to_proxy, Status.UNDELIVERED, "30005")
    ladder.climb()

    reach = Reach.objects.get(member=member)
    assert reach.status == ReachStatus.TASK and reach.ended_at is not None
    task = CareTask.objects.get(member=member, kind=TaskKind.REACH)
    assert reach.task == task and task.assignee == in_alpha.secretary
    assert "138 0013 8001" in task.reason and "139 0013 9001" in task.reason
    assert rungs(member) == [(SMS, Channel.SMS, OWN, Status.UNDELIVERED), (VOICE, Channel.VOICE, OWN, Status.UNREACHED),
                             (RungKind.PROXY, Channel.SMS, PROXY, Status.UNDELIVERED), (TASK, None, None, "task")]
    assert ladder.climb() == 0  # ended: nothing more
    assert AuditEvent.objects.filter(action="sms.ladder.climbed").exists()


def test_a_delivered_sms_or_an_answered_call_ends_the_ladder(in_alpha):
    ready_to_send()
    reader, listener = member_with(in_alpha, "王老"), member_with(in_alpha, "李老", phone=FAMILY, reads_sms=False)
    notice_to(in_alpha, reader, listener)
    settle(Message.objects.get(to=OWN), Status.DELIVERED)
    settle(Message.objects.get(to=FAMILY), Status.HEARD)
    assert Message.objects.get(to=FAMILY).channel == Channel.VOICE  # cannot read: called first
    assert ladder.climb() == 2
    assert set(Reach.objects.values_list("status", flat=True)) == {ReachStatus.REACHED}
    assert Message.objects.count() == 2 and not CareTask.objects.exists()


def test_a_greeting_stops_after_the_first_channel_unless_the_unit_says_otherwise(in_alpha):
    ready_to_send()
    member = member_with(in_alpha, proxy=PROXY)
    greet(member)
    queue_due_greetings(None, DAY, now=at(8))
    settle(Message.objects.get(), Status.UNDELIVERED)
    ladder.climb()
    assert Reach.objects.get().status == ReachStatus.ENDED and Message.objects.count() == 1
    assert not CareTask.objects.exists()  # a greeting nobody got is no task, by default

    contacts.set_ladders(in_alpha.admin, {"greetings": LadderEnd.PROXY})
    other = member_with(in_alpha, "李老", phone=FAMILY, proxy="+8613900139002")
    greet(other, day=DAY + datetime.timedelta(days=1))
    queue_due_greetings(None, DAY + datetime.timedelta(days=1), now=at(8))
    assert Reach.objects.get(member=other).steps == [[SMS], [VOICE], [RungKind.PROXY]]


def test_a_shared_phone_is_called_once_for_an_occasion_and_each_proxy_gets_its_sms(in_alpha):
    ready_to_send()
    LadderSetting.objects.create(purpose="greetings", end=LadderEnd.TASK)
    grandpa = member_with(in_alpha, "王爷爷", phone=FAMILY, proxy="+8613900139001", reads_sms=False)
    grandma = member_with(in_alpha, "李奶奶", phone=FAMILY, proxy="+8613900139002", reads_sms=False)
    for member in (grandpa, grandma):
        greet(member)
    queue_due_greetings(None, DAY, now=at(8))
    [call] = Message.objects.all()
    assert call.channel == Channel.VOICE and call.body.startswith("王爷爷、李奶奶同志")
    settle(call, Status.UNREACHED, "no_answer")
    assert ladder.climb() == 2
    assert Message.objects.filter(channel=Channel.VOICE).count() == 1  # never called twice for the occasion
    assert set(Message.objects.filter(channel=Channel.SMS).values_list("to", flat=True)) == {
        "+8613900139001", "+8613900139002"}


def test_an_sms_opt_out_skips_to_the_call_and_a_call_opt_out_refuses_calls(in_alpha):
    ready_to_send()
    member = member_with(in_alpha, proxy=PROXY)
    optouts.record_opt_out(None, phone=OWN, scope=OptOutScope.ALL, source=OptOutSource.REPLY,
                           channel=OptOutChannel.SMS)
    notice_to(in_alpha, member)
    # Texts refused on the phone: the member's ladder starts at the call.
    [call] = Message.objects.all()
    assert (call.channel, call.status) == (Channel.VOICE, Status.PENDING)
    assert Reach.objects.get().step == 1
    optouts.record_opt_out(in_alpha.admin, phone=OWN, scope=OptOutScope.ALL, source=OptOutSource.STAFF,
                           channel=OptOutChannel.VOICE, member=member)
    call.refresh_from_db()
    assert (call.status, call.error_code) == (Status.CANCELLED, "opted-out")
    ladder.climb()
    assert Message.objects.get(to=PROXY).status == Status.PENDING


def test_a_reply_after_a_call_opt_out_refuses_both(in_alpha):
    optouts.record_opt_out(in_alpha.admin, phone=OWN, scope=OptOutScope.ALL, source=OptOutSource.STAFF,
                           channel=OptOutChannel.VOICE)
    reply = optouts.record_opt_out(None, phone=OWN, scope=OptOutScope.ALL, source=OptOutSource.REPLY,
                                   channel=OptOutChannel.SMS)
    assert reply.channel == OptOutChannel.ALL


def test_a_member_who_died_stops_the_ladder(in_alpha):
    ready_to_send()
    member = member_with(in_alpha, proxy=PROXY)
    notice_to(in_alpha, member)
    members.change_status(in_alpha.admin, member, "deceased", died_on=DAY)
    settle(Message.objects.get(), Status.UNDELIVERED)
    ladder.climb()
    assert Reach.objects.get().status == ReachStatus.STOPPED and Message.objects.count() == 1


def test_an_sms_the_carrier_never_confirmed_climbs(in_alpha):
    ready_to_send()
    member = member_with(in_alpha)
    notice_to(in_alpha, member)
    settle(Message.objects.get(), Status.SENT)
    assert ladder.climb() == 0  # still on its way
    settle(Message.objects.get(), Status.SENT, "unconfirmed")
    assert ladder.climb() == 1 and Message.objects.filter(channel=Channel.VOICE).exists()


def test_a_notice_by_voice_calls_first_and_counts_the_calls(in_alpha):
    ready_to_send()
    reader, listener = member_with(in_alpha, "王老"), member_with(in_alpha, "李老", phone=FAMILY, reads_sms=False)
    audience = notices.prepare(in_alpha.admin, filters={}, body="明天开会。")
    assert (audience.recipients, audience.calls) == (2, 1)
    voice = notices.prepare(in_alpha.admin, filters={}, body="明天开会。", channel=Channel.VOICE)
    assert (voice.recipients, voice.calls) == (2, 2)
    notices.send_notice(in_alpha.admin, filters={}, body="明天开会。", expected=2, channel=Channel.VOICE)
    assert Reach.objects.get(member=reader).steps[:2] == [[VOICE], [SMS]]
    assert Reach.objects.get(member=listener).steps[0] == [VOICE]


def test_the_contact_plan_is_set_by_staff_who_may_change_the_member(in_alpha):
    member = member_with(in_alpha)
    plan = contacts.set_contact_plan(in_alpha.secretary, member, preferred="voice", reads_sms=False)
    assert (plan.preferred, plan.reads_sms) == ("voice", False)
    contacts.set_contact_plan(in_alpha.secretary, member, preferred="both", reads_sms=True)
    assert AuditEvent.objects.filter(action="sms.contact_plan.set").count() == 2
    for outsider in (in_alpha.sibling, in_alpha.viewer):
        with pytest.raises(PermissionDenied):
            contacts.set_contact_plan(outsider, member, preferred="sms", reads_sms=True)
    with pytest.raises(ValidationError):
        contacts.set_contact_plan(in_alpha.secretary, member, preferred="fax", reads_sms=True)
    assert contacts.plan_of(member).preferred == "both"


def test_ladders_are_set_by_admins_per_purpose(in_alpha):
    rows = {row["purpose"]: row for row in contacts.purposes()}
    assert rows["greetings"]["end"] == LadderEnd.FIRST and rows["visit_notice"]["end"] == LadderEnd.TASK
    with pytest.raises(PermissionDenied):
        contacts.set_ladders(in_alpha.secretary, {"greetings": LadderEnd.TASK})
    with pytest.raises(ValidationError) as refused:
        contacts.set_ladders(in_alpha.admin, {"birthday-cake": LadderEnd.TASK, "notices": "forever"})
    assert set(refused.value.message_dict) == {"birthday-cake", "notices"}
    contacts.set_ladders(in_alpha.admin, {"visit_notice": LadderEnd.OWN})
    assert {row["purpose"]: row["end"] for row in contacts.purposes()}["visit_notice"] == LadderEnd.OWN


def test_a_failing_climb_never_stops_the_relay(in_alpha, monkeypatch, caplog):
    ready_to_send()

    def broken(now=None):
        raise RuntimeError("a bug in the ladder")

    monkeypatch.setattr(tasks, "climb", broken)
    assert tasks.climb_and_relay.run()["unit"] == "alpha"  # the relay ran all the same
    assert "climbing the ladders of channels failed" in caplog.text
