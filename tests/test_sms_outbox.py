"""The outbox: idempotency keys, refusals recorded visibly, sending windows (across midnight too), the daily
cap per recipient, and members' own windows. Everything runs in the test's transaction."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from care.registers.services import members
from notifications import crypto
from notifications.models import Category, Message, SendWindow, SmsSettings, Status
from notifications.services import config
from notifications.services import settings as sms_settings
from notifications.services.outbox import Row, queue, queue_many

from .sms_core_data import DAY, add_member, at, ready_to_send

pytestmark = pytest.mark.django_db
PHONE = "+8613800138000"


def row(key, to=PHONE, category=Category.NOTICE, **extra):
    return Row(key=key, category=category, to=to, body="会议通知", **extra)


def test_a_key_is_queued_once(in_alpha):
    first = queue(in_alpha.admin, key="notice:1:+8613800138000", category=Category.NOTICE, to="138 0013 8000",
                  body="明天\u00a0开会")
    assert first.status == Status.PENDING and first.to == PHONE
    assert first.body == "明天 开会" and first.segments == 1  # look-alike space cleaned before counting
    assert queue(in_alpha.admin, key="notice:1:+8613800138000", category=Category.NOTICE, to=PHONE, body="x") is None
    result = queue_many(None, [row("notice:1:+8613800138000"), row("notice:2")])
    assert result.duplicates == 1 and len(result.created) == 1
    assert Message.objects.count() == 2


def test_refusals_are_recorded_as_cancelled_rows(in_alpha):
    dead = add_member(in_alpha, "钱故", phone="13800138001")
    members.change_status(in_alpha.admin, dead, "deceased", died_on=DAY - datetime.timedelta(days=30))
    result = queue_many(None, [row("a", to=""), row("b", to="12345"), row("c", to="13800138001", member_id=dead.pk),
                               row("d")])
    assert result.pending == 1
    assert dict(result.refused) == {"no-phone": 1, "invalid-number": 1, "deceased": 1}
    codes = dict(Message.objects.values_list("idempotency_key", "error_code"))
    assert codes == {"a": "no-phone", "b": "invalid-number", "c": "deceased", "d": ""}
    assert Message.objects.get(idempotency_key="c").status == Status.CANCELLED


@pytest.mark.parametrize(("now", "window", "expected"), [
    (at(10), ("09:00", "20:00"), at(10)),  # inside: at once
    (at(21, 30), ("09:00", "20:00"), at(9, day=DAY + datetime.timedelta(days=1))),  # evening: next morning
    (at(7), ("09:00", "20:00"), at(9)),  # early morning: later the same day
    (at(23), ("21:00", "07:00"), at(23)),  # across midnight, inside
    (at(3), ("21:00", "07:00"), at(3)),  # after midnight, inside
    (at(12), ("21:00", "07:00"), at(21)),  # midday: waits for the evening
])
def test_sending_window(in_alpha, now, window, expected):
    ready_to_send(send_from=window[0], send_until=window[1])
    queue_many(None, [row("w")], now=now)
    assert Message.objects.get().not_before == expected


def test_a_members_own_window_replaces_the_units(in_alpha):
    ready_to_send()
    night = add_member(in_alpha, "夜班", phone=PHONE)
    SendWindow.objects.create(member=night, send_from=datetime.time(21), send_until=datetime.time(23))
    queue_many(None, [row("own", member_id=night.pk), row("unit", to="+8613800138009")], now=at(10))
    assert Message.objects.get(idempotency_key="own").not_before == at(21)
    assert Message.objects.get(idempotency_key="unit").not_before == at(10)


def test_daily_cap_moves_the_fourth_message_to_the_next_day(in_alpha):
    ready_to_send(daily_cap_per_recipient=3)
    queue_many(None, [row(f"n{index}") for index in range(4)], now=at(10))
    queue_many(None, [row("later")], now=at(11))
    days = dict(Message.objects.values_list("idempotency_key", "not_before"))
    assert [days[f"n{index}"] for index in range(3)] == [at(10)] * 3
    assert days["n3"] == at(9, day=DAY + datetime.timedelta(days=1))
    assert days["later"] == at(9, day=DAY + datetime.timedelta(days=1))  # the 5th: still room on the 2nd day


def test_settings_are_validated_and_the_own_token_is_stored_encrypted(in_alpha):
    with pytest.raises(ValidationError) as error:
        sms_settings.update_settings(in_alpha.admin, send_from="9", rate_per_second=0, messaging_service_sid="MG1")
    assert set(error.value.message_dict) == {"send_from", "rate_per_second", "messaging_service_sid"}
    with pytest.raises(ValidationError) as empty:
        sms_settings.update_settings(in_alpha.admin, send_from="20:00")  # the same as the end: never open
    assert set(empty.value.message_dict) == {"send_until"}
    sms_settings.update_settings(in_alpha.admin, send_from="21:00", send_until="07:00")
    sid = "AC" + "3" * 32
    sms_settings.set_own_account(in_alpha.admin, sid, "secret-token")
    stored = SmsSettings.objects.get()
    assert "secret-token" not in stored.auth_token_encrypted
    assert crypto.decrypt(stored.auth_token_encrypted) == "secret-token"
    assert config.account_for(stored).token == "secret-token"
    assert config.token_for(sid) == "secret-token" and config.token_for("AC" + "4" * 32) is None
    with pytest.raises(PermissionDenied):
        sms_settings.update_settings(in_alpha.secretary, max_segments=5)
