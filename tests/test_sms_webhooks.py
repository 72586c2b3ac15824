"""Twilio's webhooks through the real views: signed status callbacks (valid, tampered, unsigned, wrong token,
behind a TLS proxy, the unit's own subaccount), monotonic statuses, callbacks at the wrong unit's host,
undeliverable numbers, metering once, and inbound STOP/START/HELP replies."""

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from billing.models import UsageRecord
from care.programme.models import CareTask, TaskKind
from carehub.audit.models import AuditEvent, Source
from notifications.models import Category, Message, OptOut, OptOutScope, OptOutSource, Status
from notifications.sandbox.callbacks import signed
from notifications.services import settings as sms_settings
from notifications.services.outbox import Row, queue_many
from notifications.services.relay import relay

from . import sms_gateway as sms
from .sms_core_data import add_member, at, ready_to_send

gateway, sms_gateway, replay = sms.gateway, sms.sms_gateway, sms.replay
pytestmark = pytest.mark.django_db
PHONE = "+8613800138000"
STATUS_URL = "https://alpha.localhost/hooks/twilio/status/"


def sent_message(member=None) -> Message:
    """One message sent through the relay to the gateway (inside alpha's schema)."""
    ready_to_send()
    queue_many(None, [Row(key="k", category=Category.GREETING, to=PHONE, body="重阳节快乐",
                          member_id=getattr(member, "pk", None))], now=at(10))
    relay(now=at(10))
    return Message.objects.get()


def hooks_for(gateway, count=2):
    return gateway.wait_for(lambda: gateway.callbacks() if len(gateway.callbacks()) >= count else None)


def callback(message, status, *, token=sms.ACCOUNT.token, account=sms.ACCOUNT.sid, url=None, **extra):
    params = {"MessageSid": message.sid or "SM" + "0" * 32, "AccountSid": account, "MessageStatus": status,
              "To": message.to, **extra}
    return signed(url or f"{STATUS_URL}?m={message.pk}", params, token)


def test_gateway_callbacks_move_the_message_to_delivered(in_alpha, gateway, client):
    message = sent_message()
    hooks = hooks_for(gateway)
    assert [hook.params["MessageStatus"] for hook in hooks] == ["sent", "delivered"]
    assert [response.status_code for response in replay(client, hooks)] == [204, 204]
    message.refresh_from_db()
    assert message.status == Status.DELIVERED and message.status_changed_at
    assert UsageRecord.objects.filter(source_key=f"sms:alpha:{message.pk}").count() == 1  # metered once


def test_a_late_sent_never_overwrites_delivered(in_alpha, gateway, client):
    message = sent_message()
    sent, delivered = hooks_for(gateway)
    replay(client, [delivered, sent, sent])
    message.refresh_from_db()
    assert message.status == Status.DELIVERED


@pytest.mark.parametrize("forgery", ["tampered", "unsigned", "wrong_token", "unknown_account"])
def test_forged_callbacks_get_403_and_change_nothing(in_alpha, gateway, client, forgery):
    message = sent_message()
    hook = callback(message, "failed")
    if forgery == "tampered":
        hook.params["MessageStatus"] = "undelivered"
    elif forgery == "unsigned":
        hook.signature = ""
    elif forgery == "wrong_token":
        hook = callback(message, "failed", token=sms.SUBACCOUNT.token)
    else:
        hook = callback(message, "failed", account="AC" + "9" * 32, token="whatever")
    [response] = replay(client, [hook])
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Status.SENT


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_a_tls_proxy_the_public_https_url_is_verified(in_alpha, gateway, client):
    message = sent_message()
    hook = callback(message, "delivered")  # signed for https://alpha.localhost/...
    path = f"/hooks/twilio/status/?m={message.pk}"
    plain = client.post(path, hook.params, HTTP_HOST="alpha.localhost", HTTP_X_TWILIO_SIGNATURE=hook.signature)
    assert plain.status_code == 403  # Django sees http://: not what Twilio signed
    proxied = client.post(path, hook.params, HTTP_HOST="alpha.localhost", HTTP_X_TWILIO_SIGNATURE=hook.signature,
                          HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 204
    message.refresh_from_db()
    assert message.status == Status.DELIVERED


def test_the_units_own_subaccount_signs_its_callbacks(in_alpha, gateway, client):
    sms_settings.set_own_account(in_alpha.admin, sms.SUBACCOUNT.sid, sms.SUBACCOUNT.token)
    message = sent_message()
    assert message.account_sid == sms.SUBACCOUNT.sid
    assert gateway.messages()[0]["account_sid"] == sms.SUBACCOUNT.sid
    # Naming the message's account but signed with the platform's token: refused.
    [forged] = replay(client, [callback(message, "failed", account=sms.SUBACCOUNT.sid)])
    assert forged.status_code == 403
    # Genuinely from the platform's account, but the message is not that account's: nothing changes.
    [other] = replay(client, [callback(message, "failed")])
    assert other.status_code == 204
    message.refresh_from_db()
    assert message.status == Status.SENT
    [good] = replay(client, [callback(message, "delivered", token=sms.SUBACCOUNT.token,
                                      account=sms.SUBACCOUNT.sid)])
    assert good.status_code == 204
    message.refresh_from_db()
    assert message.status == Status.DELIVERED


def test_a_callback_at_another_units_host_changes_nothing(alpha, beta, gateway, client):
    with schema_context("alpha"):
        message = sent_message()
    hook = callback(message, "failed", url=f"https://beta.localhost/hooks/twilio/status/?m={message.pk}")
    [response] = replay(client, [hook])
    assert response.status_code == 204  # properly signed, but beta has no such message
    with schema_context("alpha"):
        message.refresh_from_db()
        assert message.status == Status.SENT


def test_undeliverable_number_asks_the_secretary_to_reach_the_member(in_alpha, gateway, client):
    member = add_member(in_alpha, "王老", phone=PHONE)
    gateway.configure(numbers={PHONE: "undeliverable"})
    message = sent_message(member)
    replay(client, hooks_for(gateway))
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Status.UNDELIVERED, "30003")
    task = CareTask.objects.get(member=member, kind=TaskKind.REACH)
    assert task.assignee == in_alpha.secretary
    replay(client, gateway.callbacks())  # Twilio retries a callback: still one task
    assert CareTask.objects.filter(member=member, kind=TaskKind.REACH).count() == 1


INBOUND_URL = "https://alpha.localhost/hooks/twilio/inbound/"


@pytest.mark.parametrize(("word", "start"), [("STOP", "START"), ("退订", "恢复"), ("td", "订阅")])
def test_stop_replies_opt_the_phone_out_of_everything(in_alpha, gateway, client, word, start):
    [response] = replay(client, [gateway.inbound(PHONE, "+10000000000", word, url=INBOUND_URL)])
    assert response.status_code == 200 and b"<Message>" in response.content
    opt_out = OptOut.objects.get(phone=PHONE, ended_at__isnull=True)
    assert (opt_out.scope, opt_out.source) == (OptOutScope.ALL, OptOutSource.REPLY)
    [again] = replay(client, [gateway.inbound(PHONE, "+10000000000", start, url=INBOUND_URL)])
    assert again.status_code == 200
    assert not OptOut.objects.filter(phone=PHONE, ended_at__isnull=True).exists()


def test_what_replies_and_callbacks_change_is_audited_as_coming_from_the_gateway(in_alpha, gateway, client):
    """Not "portal" (the default when nothing says otherwise): nobody used the portal."""
    replay(client, [gateway.inbound(PHONE, "+10000000000", "退订", url=INBOUND_URL)])
    replay(client, [gateway.inbound(PHONE, "+10000000000", "恢复", url=INBOUND_URL)])
    events = AuditEvent.objects.filter(object_type="optout").order_by("pk")
    assert list(events.values_list("action", "source", "actor")) == [
        ("sms.optout.created", Source.WEBHOOK, None), ("sms.optout.ended", Source.WEBHOOK, None)]
    member = add_member(in_alpha, "王老", phone=PHONE)
    gateway.configure(numbers={PHONE: "undeliverable"})
    sent_message(member)
    replay(client, hooks_for(gateway))
    reach = AuditEvent.objects.get(action="sms.reach_task.created")
    assert (reach.object_type, reach.source) == ("caretask", Source.WEBHOOK)


def test_help_reply_and_unsigned_inbound(in_alpha, gateway, client):
    [help_response] = replay(client, [gateway.inbound(PHONE, "+10000000000", "HELP", url=INBOUND_URL)])
    assert "回复“恢复”".encode() in help_response.content  # the Chinese START word, in a Chinese unit
    unsigned = gateway.inbound(PHONE, "+10000000000", "STOP", url=INBOUND_URL)
    unsigned.signature = "bad"
    assert replay(client, [unsigned])[0].status_code == 403
    assert not OptOut.objects.exists()
