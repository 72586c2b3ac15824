"""X-Twilio-Signature verification (notifications.signatures): valid, tampered, wrong token, missing, behind a
TLS-terminating proxy, the explicit public base URL, and signatures made by the sandbox gateway."""

import pytest
from django.test import RequestFactory, override_settings
from twilio.request_validator import RequestValidator

from notifications.sandbox.callbacks import signed
from notifications.signatures import is_valid_twilio_request

TOKEN = "the-account-token"
PARAMS = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered", "To": "+8613800000001", "Body": "你好"}
PATH = "/webhooks/twilio/status/?unit=alpha"


def post(params=PARAMS, signature=None, url=f"http://alpha.localhost{PATH}", **meta):
    signature = signature if signature is not None else RequestValidator(TOKEN).compute_signature(url, params)
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}
    return RequestFactory().post(PATH, params, HTTP_HOST="alpha.localhost", **headers, **meta)


def test_valid_signature():
    assert is_valid_twilio_request(post(), TOKEN)


def test_tampered_body_is_refused():
    good = RequestValidator(TOKEN).compute_signature(f"http://alpha.localhost{PATH}", PARAMS)
    assert not is_valid_twilio_request(post({**PARAMS, "MessageStatus": "failed"}, signature=good), TOKEN)
    assert not is_valid_twilio_request(post({**PARAMS, "Extra": "1"}, signature=good), TOKEN)


def test_tampered_url_is_refused():
    signature = RequestValidator(TOKEN).compute_signature("http://alpha.localhost/webhooks/twilio/status/?unit=beta",
                                                          PARAMS)
    assert not is_valid_twilio_request(post(signature=signature), TOKEN)


def test_wrong_token_is_refused():
    assert not is_valid_twilio_request(post(), "another-token")
    assert not is_valid_twilio_request(post(), "")


def test_missing_signature_is_refused():
    assert not is_valid_twilio_request(post(signature=""), TOKEN)


PUBLIC = f"https://alpha.carehub.example{PATH}"


# What CAREHUB_BEHIND_PROXY sets (on by default in production, off in development): each case says which it is
# rather than depending on how the test settings were made.
BEHIND_PROXY = {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"), "USE_X_FORWARDED_HOST": True}
DIRECTLY = {"SECURE_PROXY_SSL_HEADER": None, "USE_X_FORWARDED_HOST": False}


@override_settings(**BEHIND_PROXY, ALLOWED_HOSTS=[".carehub.example", ".localhost"])
def test_behind_a_tls_proxy_the_public_url_is_checked():
    # Twilio signed https://public-host/...; Django sees plain HTTP from the proxy with forwarded headers.
    request = post(url=PUBLIC, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="alpha.carehub.example")
    assert is_valid_twilio_request(request, TOKEN)


@override_settings(**DIRECTLY, ALLOWED_HOSTS=[".carehub.example", ".localhost"])
def test_forwarded_headers_are_not_trusted_unless_configured():
    # Anyone can send X-Forwarded-*: without a proxy that sets them, a signature for the URL they claim is
    # checked against the URL really requested, and fails.
    request = post(url=PUBLIC.replace("carehub.example", "localhost"), HTTP_X_FORWARDED_PROTO="https")
    assert not is_valid_twilio_request(request, TOKEN)
    request = post(url=PUBLIC, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="alpha.carehub.example")
    assert not is_valid_twilio_request(request, TOKEN)
    assert is_valid_twilio_request(post(HTTP_X_FORWARDED_PROTO="https"), TOKEN)  # signed for what was requested


@override_settings(TWILIO_WEBHOOK_BASE_URL="https://alpha.carehub.example/")
def test_explicit_public_base_url():
    assert is_valid_twilio_request(post(url=PUBLIC), TOKEN)
    assert not is_valid_twilio_request(post(), TOKEN)  # signed for the internal URL: not what Twilio called


@pytest.mark.parametrize("port", ["", ":443"])
@override_settings(**BEHIND_PROXY)
def test_twilio_may_sign_with_or_without_the_default_port(port):
    url = f"https://alpha.localhost{port}{PATH}"
    assert is_valid_twilio_request(post(url=url, HTTP_X_FORWARDED_PROTO="https"), TOKEN)


def test_the_sandbox_signs_as_twilio_does():
    hook = signed(f"http://alpha.localhost{PATH}", PARAMS, TOKEN)
    assert is_valid_twilio_request(post(hook.params, signature=hook.signature), TOKEN)
