"""Opt-outs: what each scope covers (greetings only, everything; staff reminders only by the channel itself),
cancelling what waits, history kept when an opt-out ends, staff scope, and the check again at send time."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from notifications.models import Category, Message, OptOut, OptOutScope, OptOutSource, Status
from notifications.services import optouts
from notifications.services.outbox import Row, queue_many
from notifications.services.refusals import current_opt_outs
from notifications.services.relay import relay

from . import sms_gateway as sms
from .sms_core_data import add_member, at, ready_to_send

gateway, sms_gateway = sms.gateway, sms.sms_gateway
pytestmark = pytest.mark.django_db
PHONE = "+8613800138000"


def row(key, to=PHONE, category=Category.NOTICE, **extra):
    return Row(key=key, category=category, to=to, body="会议通知", **extra)


@pytest.mark.parametrize(("scope", "source", "cancelled"), [
    (OptOutScope.GREETINGS, OptOutSource.STAFF, {"greeting"}),
    (OptOutScope.ALL, OptOutSource.STAFF, {"greeting", "notice"}),  # staff reminders are not a member's choice
    (OptOutScope.ALL, OptOutSource.REPLY, {"greeting", "notice", "staff"}),  # STOP to the channel covers all
])
def test_opt_out_scopes(in_alpha, scope, source, cancelled):
    optouts.record_opt_out(in_alpha.admin, phone=PHONE, scope=scope, source=source)
    queue_many(None, [row(category, category=category) for category in Category.values], now=at(10))
    statuses = dict(Message.objects.values_list("idempotency_key", "status"))
    assert {key for key, status in statuses.items() if status == Status.CANCELLED} == cancelled


def test_an_opt_out_cancels_what_is_waiting_and_ending_it_does_not_resurrect(in_alpha):
    queue_many(None, [row("g", category=Category.GREETING), row("n")], now=at(10))
    opt_out = optouts.record_opt_out(in_alpha.admin, phone="13800138000", scope=OptOutScope.GREETINGS,
                                     source=OptOutSource.STAFF)
    assert dict(Message.objects.values_list("idempotency_key", "status")) == {"g": "cancelled", "n": "pending"}
    wider = optouts.record_opt_out(in_alpha.admin, phone=PHONE, scope=OptOutScope.ALL, source=OptOutSource.STAFF)
    opt_out.refresh_from_db()
    assert opt_out.ended_at is not None and wider.ended_at is None  # one current opt-out per phone
    optouts.end_opt_out(in_alpha.admin, wider)
    assert set(Message.objects.values_list("status", flat=True)) == {Status.CANCELLED}
    assert current_opt_outs([PHONE]) == {}  # nothing in force: notices go again


def test_a_secretary_records_opt_outs_only_in_their_subtree(in_alpha):
    west = add_member(in_alpha, "吴西", phone=PHONE, node="west1")
    with pytest.raises(PermissionDenied):
        optouts.record_opt_out(in_alpha.secretary, phone=PHONE, scope=OptOutScope.ALL, source=OptOutSource.STAFF,
                               member=west)


def test_a_secretary_neither_ends_nor_learns_another_subtrees_opt_out(in_alpha):
    east = add_member(in_alpha, "郑东", phone=PHONE, node="east1")
    add_member(in_alpha, "吴西", proxy_name="吴小西", proxy_phone=PHONE, node="west1")  # the same phone
    opt_out = optouts.record_opt_out(in_alpha.secretary, phone=PHONE, scope=OptOutScope.GREETINGS,
                                     source=OptOutSource.STAFF, note="东区书记电话告知")
    assert opt_out.member == east  # recorded by a subtree's secretary: always for one of their members
    with pytest.raises(PermissionDenied):
        optouts.end_opt_out(in_alpha.sibling, opt_out)
    with pytest.raises(ValidationError) as refused:
        optouts.record_opt_out(in_alpha.sibling, phone=PHONE, scope=OptOutScope.ALL, source=OptOutSource.STAFF)
    assert list(refused.value.message_dict) == ["phone"] and "郑东" not in str(refused.value)
    assert OptOut.objects.get(phone=PHONE, ended_at__isnull=True) == opt_out
    wider = optouts.record_opt_out(in_alpha.admin, phone=PHONE, scope=OptOutScope.ALL, source=OptOutSource.STAFF)
    assert wider.member is None  # unit-wide staff may record a phone alone


def test_an_opt_out_recorded_after_queuing_is_honoured_at_send_time(in_alpha, gateway):
    ready_to_send()
    queue_many(None, [row("g", category=Category.GREETING), row("n")], now=at(10))
    OptOut.objects.create(phone=PHONE, scope=OptOutScope.GREETINGS, source=OptOutSource.STAFF)  # no cancelling
    relay(now=at(10))
    assert dict(Message.objects.values_list("idempotency_key", "status")) == {"g": Status.CANCELLED,
                                                                             "n": Status.SENT}
    assert [m["body"] for m in gateway.messages()] == ["会议通知"]
