"""The sandbox gateway speaks Twilio's protocol to the official twilio client, signs its webhooks as Twilio does,
injects failures on demand, and keeps up with the throughput the SMS relay needs."""

import base64
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
from django.test import override_settings
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from notifications.providers import Sender, TwilioProvider
from notifications.sandbox import SandboxGateway
from notifications.sandbox.server import Handler
from notifications.services.sandbox_phones import inbox as sandbox_inbox

from . import sms_gateway as sms
from .sms_gateway import ACCOUNT, SUBACCOUNT

gateway, sms_gateway = sms.gateway, sms.sms_gateway  # fixtures

TO = "+8613800000001"
FROM = "+15005550006"
CALLBACK = "http://alpha.localhost/webhooks/twilio/status/"


def client_for(gateway, account=ACCOUNT) -> Client:
    client = Client(account.sid, account.token)
    client.api.base_url = gateway.url
    return client


def control(gateway, method, path, body=None):
    return requests.request(method, gateway.url + path, json=body, timeout=5)


def statuses(hooks):
    return [hook.params["MessageStatus"] for hook in hooks]


@pytest.mark.parametrize("body, segments", [("a" * 160, "1"), ("a" * 161, "2"), ("你" * 70, "1"), ("你" * 71, "2")])
def test_segments_are_reported(gateway, body, segments):
    assert client_for(gateway).messages.create(to=TO, from_=FROM, body=body).num_segments == segments


def test_create_fetch_and_list_with_the_official_client(gateway):
    client = client_for(gateway)
    message = client.messages.create(to=TO, from_=FROM, body="Happy birthday", status_callback=CALLBACK)
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert (message.status, message.num_segments, message.error_code, message.direction) == (
        "queued", "1", None, "outbound-api")
    assert (message.account_sid, message.to, message.from_, message.body) == (ACCOUNT.sid, TO, FROM, "Happy birthday")
    assert message.date_created is not None  # parsed from Twilio's RFC 2822 format
    assert message.uri == f"/2010-04-01/Accounts/{ACCOUNT.sid}/Messages/{message.sid}.json"
    assert gateway.wait_for(lambda: client.messages(message.sid).fetch().status == "delivered")
    assert client.messages(message.sid).fetch().date_sent is not None

    for n in range(4):
        client.messages.create(to="+8613800000002", messaging_service_sid="MG" + "0" * 32, body=f"notice {n}")
    listed = client.messages.list(to="+8613800000002", page_size=3)  # two pages
    assert [m.body for m in listed] == [f"notice {n}" for n in (3, 2, 1, 0)]  # newest first, as Twilio
    assert {m.status for m in listed} <= {"accepted", "sent", "delivered"}
    assert [m.sid for m in client.messages.list(to=TO)] == [message.sid]


@pytest.mark.parametrize("fields, code", [
    ({"to": "", "from_": FROM, "body": "x"}, 21604),
    ({"to": TO, "from_": FROM}, 21602),
    ({"to": TO, "body": "x"}, 21603),
    ({"to": TO, "from_": FROM, "body": "x" * 1601}, 21617),
    ({"to": "138 0000 0001", "from_": FROM, "body": "x"}, 21211),
])
def test_create_validates_like_twilio(gateway, fields, code):
    with pytest.raises(TwilioRestException) as caught:
        client_for(gateway).messages.create(**fields)
    assert (caught.value.status, caught.value.code) == (400, code)
    assert gateway.messages() == []


def test_authentication_and_accounts(gateway):
    for account in (sms.Account(ACCOUNT.sid, "wrong"), sms.Account("AC" + "9" * 32, ACCOUNT.token)):
        with pytest.raises(TwilioRestException) as caught:
            client_for(gateway, account).messages.create(to=TO, from_=FROM, body="x")
        assert (caught.value.status, caught.value.code) == (401, 20003)
    response = requests.post(f"{gateway.url}/2010-04-01/Accounts/{ACCOUNT.sid}/Messages.json",
                             data={"To": TO, "From": FROM, "Body": "x"}, timeout=5)
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "more_info", "status"}

    # A subaccount sees its own messages only.
    theirs = client_for(gateway).messages.create(to=TO, from_=FROM, body="platform")
    mine = client_for(gateway, SUBACCOUNT).messages.create(to=TO, from_=FROM, body="unit")
    assert [m.sid for m in client_for(gateway, SUBACCOUNT).messages.list()] == [mine.sid]
    with pytest.raises(TwilioRestException) as caught:
        client_for(gateway, SUBACCOUNT).messages(theirs.sid).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)
    # Credentials of one account do not open another account's path.
    response = requests.get(f"{gateway.url}/2010-04-01/Accounts/{ACCOUNT.sid}/Messages.json",
                            auth=(SUBACCOUNT.sid, SUBACCOUNT.token), timeout=5)
    assert response.status_code == 404


def test_status_callbacks_are_signed_as_twilio_signs_them(gateway):
    client_for(gateway, SUBACCOUNT).messages.create(to=TO, from_=FROM, body="hi", status_callback=CALLBACK)
    hooks = gateway.wait_for(lambda: len(gateway.callbacks()) == 2 and gateway.callbacks())
    assert statuses(hooks) == ["sent", "delivered"]
    for hook in hooks:
        assert hook.url == CALLBACK
        assert RequestValidator(SUBACCOUNT.token).validate(CALLBACK, hook.params, hook.signature)
        assert not RequestValidator(ACCOUNT.token).validate(CALLBACK, hook.params, hook.signature)
        assert {"MessageSid", "SmsSid", "AccountSid", "MessageStatus", "SmsStatus", "To", "From",
                "ApiVersion"} <= set(hook.params)
        assert hook.params["AccountSid"] == SUBACCOUNT.sid and "ErrorCode" not in hook.params


@pytest.mark.parametrize("behaviour, expected, code", [
    ("undeliverable", ["sent", "undelivered"], "30003"),
    ("unknown", ["sent", "undelivered"], "30005"),
    ("landline", ["failed"], "30006"),
])
def test_undeliverable_numbers_are_accepted_then_reported(gateway, behaviour, expected, code):
    gateway.configure(numbers={TO: behaviour})
    message = client_for(gateway).messages.create(to=TO, messaging_service_sid="MG" + "1" * 32, body="hi",
                                                  status_callback=CALLBACK)
    assert message.status == "accepted"
    hooks = gateway.wait_for(lambda: len(gateway.callbacks()) == len(expected) and gateway.callbacks())
    assert statuses(hooks) == expected
    assert hooks[-1].params["ErrorCode"] == code
    assert hooks[-1].params["MessagingServiceSid"] == "MG" + "1" * 32
    fetched = client_for(gateway).messages(message.sid).fetch()
    assert (fetched.status, str(fetched.error_code)) == (expected[-1], code)


def test_no_callback_url_means_no_webhook_but_the_status_moves_on(gateway):
    message = client_for(gateway).messages.create(to=TO, from_=FROM, body="hi")
    assert gateway.wait_for(lambda: gateway.messages()[0]["status"] == "delivered")
    assert gateway.callbacks() == []
    gateway.configure(callbacks="off")
    client_for(gateway).messages.create(to=TO, from_=FROM, body="hi", status_callback=CALLBACK)
    time.sleep(0.1)
    assert gateway.messages(status="queued")[0]["sid"] != message.sid and gateway.callbacks() == []


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = []

    def do_POST(self):
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
        self.received.append((self.headers["Host"], self.path, form, self.headers["X-Twilio-Signature"]))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], Receiver.received
    server.shutdown()
    server.server_close()


def test_callbacks_are_posted_in_order_to_localhost_names(gateway, receiver):
    port, received = receiver
    url = f"http://alpha.localhost:{port}/webhooks/twilio/status/?unit=alpha"
    gateway.configure(callbacks="post", callback_delay_ms=5)
    client_for(gateway).messages.create(to=TO, from_=FROM, body="hi", status_callback=url)
    gateway.wait_for(lambda: len(received) == 2)
    assert [form["MessageStatus"] for *_, form, _ in received] == ["sent", "delivered"]
    for host, path, form, signature in received:
        # *.localhost is reached on 127.0.0.1 and the Host header keeps the name: the signed URL is intact.
        assert (host, path) == (f"alpha.localhost:{port}", "/webhooks/twilio/status/?unit=alpha")
        assert RequestValidator(ACCOUNT.token).validate(url, form, signature)


def test_inbound_reply_is_signed(gateway, receiver):
    port, received = receiver
    url = f"http://127.0.0.1:{port}/webhooks/twilio/inbound/"
    hook = gateway.inbound(TO, FROM, "STOP", url=url)  # recorded: the gateway fixture records webhooks
    assert RequestValidator(ACCOUNT.token).validate(url, hook.params, hook.signature)
    assert (hook.params["From"], hook.params["To"], hook.params["Body"]) == (TO, FROM, "STOP")
    assert hook.params["MessageSid"].startswith("SM") and hook.params["AccountSid"] == ACCOUNT.sid

    gateway.configure(callbacks="post", inbound_url=url)
    response = control(gateway, "POST", "/_sandbox/inbound",
                       {"from": TO, "to": FROM, "body": "START", "account_sid": SUBACCOUNT.sid})
    assert response.json()["response_status"] == 204
    [(_, _, form, signature)] = received
    assert form["Body"] == "START" and RequestValidator(SUBACCOUNT.token).validate(url, form, signature)


def test_control_endpoints(gateway):
    assert control(gateway, "POST", "/_sandbox/config", {"latency_ms": 5, "numbers": {TO: "opted_out"}}).json()[
        "numbers"] == {TO: "opted_out"}
    with pytest.raises(TwilioRestException) as caught:
        client_for(gateway).messages.create(to=TO, from_=FROM, body="x")
    assert caught.value.code == 21610
    client_for(gateway).messages.create(to="+8613800000002", from_=FROM, body="hello 你好")
    found = control(gateway, "GET", "/_sandbox/messages?to=%2B8613800000002").json()["messages"]
    assert [m["body"] for m in found] == ["hello 你好"] and found[0]["num_segments"] == "1"
    assert control(gateway, "GET", "/_sandbox/messages?body_contains=nothing").json()["messages"] == []
    assert control(gateway, "POST", "/_sandbox/config", {"bogus": 1}).status_code == 400
    assert control(gateway, "POST", "/_sandbox/inbound", {"from": TO, "to": FROM, "body": "x"}).status_code == 400
    assert control(gateway, "POST", "/_sandbox/inbound", {"from": TO, "url": CALLBACK, "account_sid": "AC0"}
                   ).status_code == 400
    assert control(gateway, "POST", "/_sandbox/config", {"numbers": {TO: "bogus"}}).status_code == 400
    assert control(gateway, "POST", "/_sandbox/reset").json() == {"reset": True}
    assert gateway.messages() == [] and control(gateway, "GET", "/_sandbox/config").json()["latency_ms"] == 0


def test_failure_injection_by_queue_and_rate(gateway):
    client = client_for(gateway)
    gateway.configure(next=["rate_limited", "server_error"], retry_after=4)
    codes = []
    for _ in range(3):
        try:
            codes.append(client.messages.create(to=TO, from_=FROM, body="x").status)
        except TwilioRestException as exc:
            codes.append((exc.status, exc.code))
    assert codes == [(429, 20429), (503, 20503), "queued"]
    gateway.configure(rates={"server_error": 1.0})
    with pytest.raises(TwilioRestException):
        client.messages.create(to=TO, from_=FROM, body="x")
    gateway.configure(rates={"server_error": 0.3})
    outcomes = []
    for _ in range(100):
        try:
            client.messages.create(to=TO, from_=FROM, body="x")
            outcomes.append(True)
        except TwilioRestException:
            outcomes.append(False)
    assert 10 < outcomes.count(False) < 55


def test_timeout_holds_the_answer_after_creating_the_message(gateway):
    gateway.configure(next=["timeout"], hold_seconds=2)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(f"{gateway.url}/2010-04-01/Accounts/{ACCOUNT.sid}/Messages.json", auth=(ACCOUNT.sid,
                      ACCOUNT.token), data={"To": TO, "From": FROM, "Body": "x"}, timeout=0.3)
    assert time.monotonic() - started < 1.5
    assert len(gateway.messages(to=TO)) == 1


def test_command_serves_the_given_accounts():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    carehub = Path(sys.executable).parent / "carehub"
    command = [str(carehub), "sms_sandbox", "--port", str(port), "--account", "ACcmd:tok"]
    # PYTHONUNBUFFERED unset, as under CI: the readiness line must be flushed by the command itself.
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment)
    deadline = threading.Timer(20, process.kill)  # a line that never comes must fail the test, not hang it
    deadline.start()
    try:
        # Logs are JSON lines on stdout too (settings.LOGGING): wait for the readiness line among them.
        lines = iter(process.stdout.readline, "")
        assert any(line.startswith("SMS sandbox gateway at") for line in itertools.islice(lines, 20))
        client = Client("ACcmd", "tok")
        client.api.base_url = f"http://127.0.0.1:{port}"
        assert client.messages.create(to=TO, from_=FROM, body="x").status == "queued"
    finally:
        deadline.cancel()
        process.terminate()
        process.wait(10)


def test_concurrent_keep_alive_clients_each_get_their_own_message():
    """16 concurrent keep-alive clients (as the provider sends) with 50 ms latency: every create answered, each
    with its own sid, none lost. How fast is measured by bench/sms.py, not asserted here."""
    with SandboxGateway(accounts={ACCOUNT.sid: ACCOUNT.token}, latency_ms=50, callbacks="off") as server:
        provider = TwilioProvider(ACCOUNT, base_url=server.url)
        sender = Sender(from_number=FROM)
        total = 400
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda n: provider.send(f"+86138{n:08d}", "重阳节快乐", sender), range(total)))
        assert len({r.sid for r in results}) == total and len(server.messages()) == total


def test_the_sandbox_answers_without_waiting_for_delayed_acks():
    """Headers and body leave in two writes: with Nagle's algorithm on, a keep-alive client would wait for its
    delayed ACK (40 ms on Linux) on every request and get half the throughput."""
    assert Handler.disable_nagle_algorithm is True


def test_messages_json_is_what_twilio_returns(gateway):
    response = requests.post(f"{gateway.url}/2010-04-01/Accounts/{ACCOUNT.sid}/Messages.json",
                             auth=(ACCOUNT.sid, ACCOUNT.token), data={"To": TO, "From": FROM, "Body": "x"}, timeout=5)
    assert response.status_code == 201 and response.headers["Content-Type"] == "application/json"
    assert {"account_sid", "api_version", "body", "date_created", "date_sent", "date_updated", "direction",
            "error_code", "error_message", "from", "messaging_service_sid", "num_media", "num_segments", "price",
            "price_unit", "sid", "status", "subresource_uris", "to", "uri"} == set(json.loads(response.text))


def test_development_inbox(gateway):
    client_for(gateway).messages.create(to=TO, from_=FROM, body="first")
    client_for(gateway).messages.create(to="+8613800000002", from_=FROM, body="other")
    client_for(gateway).messages.create(to=TO, from_=FROM, body="second")
    assert [m["body"] for m in sandbox_inbox(TO)] == ["first", "second"]
    with override_settings(TWILIO_API_BASE_URL="http://127.0.0.1:9"):
        assert sandbox_inbox(TO) is None  # no sandbox there
    with override_settings(TWILIO_API_BASE_URL="https://api.twilio.com"):
        assert sandbox_inbox(TO) is None  # never asked


def test_reset_forgets_statuses_in_flight(gateway):
    gateway.configure(callback_delay_ms=200)
    client_for(gateway).messages.create(to=TO, from_=FROM, body="x", status_callback=CALLBACK)
    gateway.reset()
    time.sleep(0.5)
    assert gateway.callbacks() == [] and gateway.messages() == []


def test_a_sender_that_hangs_up_mid_request_is_no_error(caplog):
    """A worker killed while its request waits: the sandbox finds nobody to answer, which is not its own bug."""
    with SandboxGateway(accounts={ACCOUNT.sid: ACCOUNT.token}, latency_ms=300, callbacks="off") as server:
        body = f"To=%2B8613800000000&From={FROM.replace('+', '%2B')}&Body=x".encode()
        auth = base64.b64encode(f"{ACCOUNT.sid}:{ACCOUNT.token}".encode()).decode()
        host, port = server.url.removeprefix("http://").split(":")
        for _ in range(3):
            with socket.create_connection((host, int(port))) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.sendall(f"POST /2010-04-01/Accounts/{ACCOUNT.sid}/Messages.json HTTP/1.1\r\nHost: {host}\r\n"
                             f"Authorization: Basic {auth}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                             f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            # closed with a reset (linger 0) before the 300 ms latency is over
        deadline = time.monotonic() + 5
        while len(server.messages()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the answers have been written (and failed) by now
        assert len(server.messages()) == 3
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
