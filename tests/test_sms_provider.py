"""TwilioProvider against the sandbox gateway: what it sends, and how every kind of failure is classified."""

import datetime
import socket

import pytest
from django.test import override_settings

from notifications.providers import (
    Account,
    Delivery,
    Failure,
    ProviderError,
    Sender,
    SendResult,
    TwilioProvider,
    backoff_seconds,
    default_account,
    provider_for,
)
from notifications.providers.twilio import error_from_response

from . import sms_gateway as sms
from .sms_gateway import ACCOUNT, SUBACCOUNT

gateway, sms_gateway = sms.gateway, sms.sms_gateway  # fixtures (an assignment: ruff's F811 ignores parameters)

TO = "+8613800000001"
NUMBER = Sender(from_number="+15005550006")
SERVICE = Sender(messaging_service_sid="MG" + "0" * 32)


@pytest.fixture
def provider(gateway):
    return provider_for(ACCOUNT)


def failure(provider, to=TO) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        provider.send(to, "hello", NUMBER)
    return caught.value


def injected(gateway, behaviour, **config) -> ProviderError:
    """The error for the next create, answered with `behaviour` by the gateway."""
    gateway.configure(next=[behaviour], **config)
    return failure(provider_for(ACCOUNT))


def test_send_from_a_number(provider, gateway):
    result = provider.send(TO, "Happy birthday", NUMBER, status_callback="http://alpha.localhost/cb/")
    assert isinstance(result, SendResult)
    assert result.sid.startswith("SM") and len(result.sid) == 34
    assert (result.status, result.segments) == (Delivery.QUEUED, 1)
    [message] = gateway.messages(to=TO)
    assert (message["from"], message["body"], message["status_callback"]) == (
        NUMBER.from_number, "Happy birthday", "http://alpha.localhost/cb/")


def test_send_through_a_messaging_service(provider, gateway):
    result = provider.send(TO, "重阳节快乐！" * 15, SERVICE)
    # Twilio says "accepted" when a Messaging Service picks the sender: for us it is queued there too.
    assert (result.status, result.segments) == (Delivery.QUEUED, 2)  # 90 UCS-2 characters: 2 parts of 67
    assert gateway.messages()[0]["messaging_service_sid"] == SERVICE.messaging_service_sid


def test_fetch_follows_the_status(provider, gateway):
    sid = provider.send(TO, "hi", NUMBER).sid
    assert gateway.wait_for(lambda: provider.fetch(sid).status == Delivery.DELIVERED)
    assert (provider.fetch(sid).error_code, provider.fetch(sid).failure) == ("", None)
    gateway.configure(numbers={TO: "undeliverable"})
    sid = provider.send(TO, "hi", NUMBER).sid
    assert gateway.wait_for(lambda: provider.fetch(sid).status == Delivery.UNDELIVERED)
    assert (provider.fetch(sid).sid, provider.fetch(sid).error_code, provider.fetch(sid).failure) == (
        sid, "30003", Failure.UNREACHABLE)


def test_rate_limit_is_retryable_with_retry_after(gateway):
    error = injected(gateway, "rate_limited", retry_after=7)
    assert (error.code, error.failure, error.retry_after) == ("20429", Failure.RETRYABLE, 7.0)


def test_server_error_is_retryable(gateway):
    error = injected(gateway, "server_error")
    assert (error.code, error.failure) == ("20503", Failure.RETRYABLE)


@pytest.mark.parametrize("behaviour, code", [("invalid", "21211"), ("not_mobile", "21614")])
def test_bad_numbers_are_unreachable_for_good(gateway, behaviour, code):
    error = injected(gateway, behaviour)
    assert (error.code, error.failure, error.retry_after) == (code, Failure.UNREACHABLE, None)


def test_a_malformed_number_is_refused_by_the_gateway(provider):
    assert failure(provider, to="13800000001").code == "21211"


def test_opted_out_is_permanent_and_says_so(gateway):
    error = injected(gateway, "opted_out")
    assert (error.code, error.failure) == ("21610", Failure.OPTED_OUT)


def test_read_timeout_is_ambiguous_and_the_message_exists(gateway):
    provider = TwilioProvider(ACCOUNT, base_url=gateway.url, timeout=0.5)
    gateway.configure(next=["timeout"], hold_seconds=3)
    error = failure(provider)
    assert (error.code, error.failure) == ("timeout", Failure.AMBIGUOUS)
    assert len(gateway.messages(to=TO)) == 1  # Twilio accepted it: resending would send it twice
    # A patient client for the rest, so a loaded machine cannot turn the next calls into timeouts too.
    provider = TwilioProvider(ACCOUNT, base_url=gateway.url, timeout=10)
    assert provider.send(TO, "next", NUMBER).status == Delivery.QUEUED  # the gateway serves on
    # The lost message can be found again by listing the recipient's latest messages.
    found = provider.recent_messages(TO)
    assert [(m.body, m.to, m.status in (Delivery.QUEUED, Delivery.SENT, Delivery.DELIVERED)) for m in found] == [
        ("next", TO, True), ("hello", TO, True)]
    assert found[1].sid == gateway.messages(to=TO)[0]["sid"] and found[1].date_created is not None
    created = found[1].date_created
    # Statuses move on between the calls (callbacks), so compare which messages came back.
    since_before = provider.recent_messages(TO, since=created - datetime.timedelta(minutes=5))
    assert [m.sid for m in since_before] == [m.sid for m in found]
    assert provider.recent_messages(TO, since=created + datetime.timedelta(minutes=5)) == []


def test_connection_refused_is_retryable_and_not_ambiguous():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = TwilioProvider(ACCOUNT, base_url=f"http://127.0.0.1:{port}", timeout=2)
    error = failure(provider)
    assert (error.code, error.failure) == ("connect", Failure.RETRYABLE)


def test_wrong_credentials_are_permanent(gateway):
    error = failure(TwilioProvider(Account(ACCOUNT.sid, "wrong"), base_url=gateway.url))
    assert (error.code, error.failure) == ("20003", Failure.PERMANENT)


def test_each_account_uses_its_own_token(gateway):
    mine = provider_for(SUBACCOUNT).send(TO, "from the unit's own subaccount", NUMBER)
    assert gateway.messages(account_sid=SUBACCOUNT.sid)[0]["sid"] == mine.sid
    # The subaccount's token does not open the platform account, nor its messages.
    assert failure(TwilioProvider(Account(ACCOUNT.sid, SUBACCOUNT.token), base_url=gateway.url)).code == "20003"
    theirs = provider_for(ACCOUNT).send(TO, "platform", NUMBER)
    with pytest.raises(ProviderError) as caught:
        provider_for(SUBACCOUNT).fetch(theirs.sid)
    assert (caught.value.code, caught.value.failure) == ("20404", Failure.PERMANENT)


def test_provider_is_cached_per_account_and_settings(gateway):
    assert provider_for(ACCOUNT) is provider_for(Account(ACCOUNT.sid, ACCOUNT.token))
    assert provider_for(ACCOUNT) is not provider_for(Account(ACCOUNT.sid, "rotated"))
    with override_settings(TWILIO_API_BASE_URL="http://127.0.0.1:9"):
        assert provider_for(ACCOUNT).client.api.base_url == "http://127.0.0.1:9"
    assert provider_for(ACCOUNT).client.api.base_url == gateway.url


def test_default_account_comes_from_settings(gateway):
    assert default_account() == ACCOUNT
    with override_settings(TWILIO_AUTH_TOKEN=""):
        assert default_account() is None


def test_tokens_stay_out_of_reprs():
    assert ACCOUNT.token not in repr(ACCOUNT)


@pytest.mark.parametrize("status, code, expected", [
    (429, None, ("http-429", Failure.RETRYABLE)),
    (502, 502, ("http-502", Failure.RETRYABLE)),  # not JSON: the twilio client reports the status as the code
    (500, 20500, ("20500", Failure.RETRYABLE)),
    (400, 21610, ("21610", Failure.OPTED_OUT)),
    (400, 21211, ("21211", Failure.UNREACHABLE)),
    (404, 20404, ("20404", Failure.PERMANENT)),
    (400, 21617, ("21617", Failure.PERMANENT)),
])
def test_error_classification(status, code, expected):
    error = error_from_response(status, code, "message", retry_after=3)
    assert (error.code, error.failure) == expected
    assert error.retry_after == (3 if error.failure == Failure.RETRYABLE else None)


def test_sender_needs_exactly_one_origin():
    with pytest.raises(ValueError):
        Sender()
    with pytest.raises(ValueError):
        Sender(messaging_service_sid="MG1", from_number="+15005550006")
    assert SERVICE.key == SERVICE.messaging_service_sid


def test_backoff_is_exponential_with_full_jitter():
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (10, 600), (50, 600)]:
        delays = [backoff_seconds(attempt) for _ in range(200)]
        assert min(delays) >= 0 and max(delays) <= ceiling
        assert max(delays) > ceiling / 2  # spread over the whole window, not a fixed step
    assert max(backoff_seconds(3, base=1, cap=5) for _ in range(100)) <= 4
