"""Greetings from the care programme into the outbox: handed over in one transaction, once; shared phones get
one message per occasion; deceased members none; the unit's language and templates; the daily run's hook."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from care.programme.models import Greeting, GreetingStatus, Rule
from care.programme.services.runs import run_daily
from care.registers.services import members
from carehub.clock import unit_today
from notifications.models import Message, Status
from notifications.services import templates
from notifications.services.greetings import queue_due_greetings

from .sms_core_data import DAY, add_member, at, ready_to_send

pytestmark = pytest.mark.django_db
FAMILY = "+8613800138000"


def greet(member, key="greet-spring-festival", template="spring_festival", day=DAY, via_sms=True) -> Greeting:
    rule = Rule.objects.select_related("current").get(key=key)
    return Greeting.objects.create(rule=rule, version=rule.current, member=member, send_on=day, template=template,
                                   via_sms=via_sms)


def test_due_greetings_are_handed_over_once(in_alpha):
    ready_to_send()
    member = add_member(in_alpha, "王老", phone="13800138001")
    greeting = greet(member)
    future = greet(member, day=DAY + datetime.timedelta(days=1))
    smartphone = greet(add_member(in_alpha, "李青", phone="13800138002"), via_sms=False)
    assert queue_due_greetings(None, DAY, now=at(6)) == 1
    message = Message.objects.get()
    assert message.idempotency_key == f"greeting:spring_festival:{DAY}:+8613800138001"
    assert message.body == "王老同志：值此春节之际，Alpha 区委祝您新春快乐，阖家幸福！"
    assert message.not_before == at(9)  # queued at dawn, sent when the window opens
    statuses = dict(Greeting.objects.values_list("pk", "status"))
    assert statuses == {greeting.pk: GreetingStatus.SENT, future.pk: GreetingStatus.PENDING,
                        smartphone.pk: GreetingStatus.PENDING}
    assert queue_due_greetings(None, DAY, now=at(7)) == 0
    assert Message.objects.count() == 1


def test_a_shared_phone_gets_one_message_per_occasion_and_one_per_birthday(in_alpha):
    ready_to_send()
    grandpa = add_member(in_alpha, "王爷爷", phone=FAMILY)
    grandma = add_member(in_alpha, "李奶奶", proxy_name="王小明", proxy_phone=FAMILY)  # the grandson's phone
    for member in (grandpa, grandma):
        greet(member)
        greet(member, key="greet-birthday", template="birthday")
    queue_due_greetings(None, DAY, now=at(10))
    bodies = dict(Message.objects.values_list("idempotency_key", "body"))
    assert bodies[f"greeting:spring_festival:{DAY}:{FAMILY}"].startswith("王爷爷、李奶奶同志")
    assert f"greeting:birthday:{DAY}:{grandpa.pk}:{FAMILY}" in bodies
    assert f"greeting:birthday:{DAY}:{grandma.pk}:{FAMILY}" in bodies
    assert len(bodies) == 3
    assert set(Greeting.objects.values_list("status", flat=True)) == {GreetingStatus.SENT}


def test_deceased_members_are_never_greeted(in_alpha):
    ready_to_send()
    member = add_member(in_alpha, "钱故", phone="13800138003")
    greeting = greet(member)
    members.change_status(in_alpha.admin, member, "deceased", died_on=DAY - datetime.timedelta(days=2))
    queue_due_greetings(None, DAY, now=at(10))
    message = Message.objects.get()
    assert (message.status, message.error_code) == (Status.CANCELLED, "deceased")
    greeting.refresh_from_db()
    assert greeting.status == GreetingStatus.CANCELLED


def test_stale_greetings_are_cancelled_not_sent(in_alpha):
    greeting = greet(add_member(in_alpha, "王老", phone="13800138001"), day=DAY - datetime.timedelta(days=5))
    queue_due_greetings(None, DAY, now=at(10))
    greeting.refresh_from_db()
    assert greeting.status == GreetingStatus.CANCELLED and not Message.objects.exists()


def test_the_units_language_and_own_template(in_alpha):
    unit = in_alpha.unit
    unit.language = "en"
    unit.save()
    member = add_member(in_alpha, "Wang", phone="13800138001", joined_on="1976-10-18")
    templates.save_template(in_alpha.admin, key="political_birthday", language="en", category="greeting",
                            body="{member_name}: {years} years! {unit_name}")
    greet(member)
    greet(member, key="greet-political-birthday", template="political_birthday")
    queue_due_greetings(None, DAY, now=at(10))
    bodies = sorted(Message.objects.values_list("body", flat=True))
    assert bodies == ["Dear Wang, Alpha 区委 wishes you a happy Spring Festival!", "Wang: 50 years! Alpha 区委"]


def test_the_daily_run_queues_todays_greetings(in_alpha):
    ready_to_send()
    today = unit_today()
    born = today.replace(year=1950) if not (today.month == 2 and today.day == 29) else datetime.date(1952, 2, 29)
    add_member(in_alpha, "寿星", phone="13800138009", birth_date=str(born), uses_smartphone=False)
    run_daily(today, horizon=1)
    message = Message.objects.get(idempotency_key__startswith=f"greeting:birthday:{today}:",
                                  idempotency_key__endswith=":+8613800138009")
    assert message.status == Status.PENDING and "生日快乐" in message.body


def test_templates_refuse_unknown_variables_and_too_many_segments(in_alpha):
    with pytest.raises(ValidationError) as unknown:
        templates.save_template(in_alpha.admin, key="x", language="zh-hans", category="notice", body="{name}你好")
    assert "{name}" in unknown.value.message_dict["body"][0]
    with pytest.raises(ValidationError) as long:
        templates.save_template(in_alpha.admin, key="x", language="zh-hans", category="notice", body="长" * 202)
    assert "4" in long.value.message_dict["body"][0]
    text, count = templates.preview("{member_name}：重阳节快乐")
    assert count.encoding == "UCS-2" and count.segments == 1 and text.endswith("重阳节快乐")
    assert any(row["key"] == "double_ninth" for row in templates.effective_templates("zh-hans"))
