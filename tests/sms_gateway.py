"""The SMS sandbox gateway for tests: a Twilio-compatible server in this test process (notifications.sandbox).

Use it in a test module with

    from . import sms_gateway as sms
    gateway, sms_gateway = sms.gateway, sms.sms_gateway  # the fixtures; sms.replay, sms.ACCOUNT, ...

(bound by assignment so that ruff's F811 does not flag every test taking `gateway`; `from .sms_gateway import
gateway, sms_gateway  # noqa: F401` works too, with `# noqa: F811` on each test using them).

`sms_gateway` (session): one SandboxGateway per test process on a free port, with two accounts, ACCOUNT (the
platform's: settings.TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN point at it, and TWILIO_API_BASE_URL at the
gateway) and SUBACCOUNT (a unit's own credentials). Status callbacks are RECORDED, not posted: the Django app is
not listening on a port in tests, so replay them through Django's test client once the message got there:

    def test_delivery(gateway, client):
        ... send through provider_for(...) or a Celery worker ...
        hooks = gateway.wait_for(lambda: gateway.callbacks() if len(gateway.callbacks()) >= 2 else None)
        responses = replay(client, hooks)   # posted to each hook's path and host, X-Twilio-Signature included

`gateway` (function): the same gateway, reset before each test (no messages, no recorded callbacks, no failure
injection, callbacks "record" with no delay). Change the behaviour inside a test, for example

    gateway.configure(numbers={"+8613800000001": "undeliverable"})   # accepted, then "undelivered" 30003
    gateway.configure(next=["rate_limited", "server_error"])         # the next two creates fail, then normal
    gateway.configure(rates={"timeout": 0.1}, hold_seconds=2)         # 10% of creates time out (ambiguous)
    gateway.configure(callbacks="post")                               # really POST them (e.g. to live_server)

Behaviours: invalid (21211), not_mobile (21614), opted_out (21610), rate_limited (429/20429, Retry-After),
server_error (503/20503), timeout (created, answered after hold_seconds), undeliverable (30003), unknown
(30005), landline (failed, 30006), no_report (no callbacks). gateway.messages(to=..., status=...) lists what it
accepted; gateway.inbound(from_, to, body, url=...) simulates a member's reply (signed; recorded or posted like
callbacks).

The same gateway speaks Alibaba Cloud's SMS API (settings.ALIYUN_SMS_ENDPOINT points at it too) and knows the
AccessKey ALIYUN_KEY: gateway.aliyun.register(id, secret, report_url=..., reply_url=...) sets a key's push URLs
as its console would, gateway.aliyun.messages(to=...) lists what it took, gateway.aliyun.reply(id, phone, text)
pushes a reply; its pushes are JSON (hook.body) and `replay` posts them as the vendor does. Behaviours of its own
are in notifications/sandbox/aliyun.py.
"""

import json
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from twilio.request_validator import SIGNATURE_HEADER

from notifications.providers import Account
from notifications.sandbox import SandboxGateway

ACCOUNT = Account("AC" + "1" * 32, "platform-test-token")
SUBACCOUNT = Account("AC" + "2" * 32, "unit-subaccount-token")
ALIYUN_KEY = Account("LTAI" + "5" * 20, "unit-aliyun-secret")
TEST_CONFIG = {"callbacks": "record", "callback_delay_ms": 0}


@pytest.fixture(scope="session")
def sms_gateway():
    server = SandboxGateway(port=0, accounts={ACCOUNT.sid: ACCOUNT.token, SUBACCOUNT.sid: SUBACCOUNT.token},
                            aliyun_keys={ALIYUN_KEY.sid: ALIYUN_KEY.token}, **TEST_CONFIG).start()
    names = ("TWILIO_API_BASE_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "ALIYUN_SMS_ENDPOINT")
    saved = {name: getattr(settings, name) for name in names}
    settings.TWILIO_API_BASE_URL, settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = (
        server.url, ACCOUNT.sid, ACCOUNT.token)
    settings.ALIYUN_SMS_ENDPOINT = server.url
    yield server
    for name, value in saved.items():
        setattr(settings, name, value)
    server.stop()


@pytest.fixture
def gateway(sms_gateway):
    sms_gateway.reset()
    yield sms_gateway
    sms_gateway.reset()


def replay(client, webhooks, **extra):
    """Post recorded webhooks (gateway.callbacks(), gateway.inbound(...), gateway.aliyun.reply(...)) through a
    Django test client, to each one's host and path, with its signature (Twilio) or its JSON (Alibaba Cloud), as
    the vendor would have; returns the responses."""
    responses = []
    for hook in webhooks:
        url = urlsplit(hook.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        where = {"HTTP_HOST": url.netloc, "secure": url.scheme == "https", **extra}
        if hook.body is not None:
            responses.append(client.post(path, json.dumps(hook.body), content_type="application/json", **where))
        else:
            responses.append(client.post(path, hook.params, headers={SIGNATURE_HEADER: hook.signature}, **where))
    return responses
