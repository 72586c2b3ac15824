"""The unit's SMS settings as the sending code reads them: the row itself, the provider, account and sender the unit
sends with, the token a webhook's signature is checked with, and the secret of its push URLs. Changing them is
notifications.services.settings."""

import hmac

from django.conf import settings as django_settings

from notifications import crypto
from notifications.models import Provider, SmsSettings
from notifications.providers import Account, Sender, default_account


def get_settings() -> SmsSettings:
    return SmsSettings.objects.get_or_create(pk=1)[0]


def uses_aliyun(sms: SmsSettings | None = None) -> bool:
    """Does the unit send through Alibaba Cloud (approved templates only)?"""
    return (sms or get_settings()).provider == Provider.ALIYUN


def _decrypted(value: str) -> str | None:
    try:
        return crypto.decrypt(value) if value else None
    except crypto.InvalidToken:
        return None


def account_for(sms: SmsSettings) -> Account | None:
    """The account the unit sends with: at Alibaba Cloud its own AccessKey (there is no platform account); at
    Twilio its own subaccount when set (and readable), else the platform's."""
    if sms.provider == Provider.ALIYUN:
        secret = _decrypted(sms.aliyun_secret_encrypted)
        return Account(sms.aliyun_access_key_id, secret) if sms.aliyun_access_key_id and secret else None
    if sms.account_sid and sms.auth_token_encrypted:
        token = _decrypted(sms.auth_token_encrypted)
        return Account(sms.account_sid, token) if token else None
    return default_account()


def sender_for(sms: SmsSettings) -> Sender | None:
    """At Alibaba Cloud the unit's signature; at Twilio its Messaging Service or number, else the platform's
    default Messaging Service."""
    if sms.provider == Provider.ALIYUN:
        return Sender(sign_name=sms.sign_name) if sms.sign_name else None
    if sms.messaging_service_sid:
        return Sender(messaging_service_sid=sms.messaging_service_sid)
    if sms.from_number:
        return Sender(from_number=sms.from_number)
    default = getattr(django_settings, "TWILIO_MESSAGING_SERVICE_SID", "")
    return Sender(messaging_service_sid=default) if default else None


def token_for(account_sid: str, sms: SmsSettings | None = None) -> str | None:
    """The auth token of `account_sid` if it is this unit's own Twilio account or the platform's, else None
    (Twilio's webhooks verify a signature with it)."""
    sms = sms or get_settings()
    if account_sid and account_sid == sms.account_sid:
        token = _decrypted(sms.auth_token_encrypted)
        return token or None
    platform = default_account()
    return platform.token if platform and account_sid == platform.sid else None


def push_secret(sms: SmsSettings | None = None) -> str:
    """The secret in the unit's push URLs (Alibaba Cloud's SmsReport and SmsUp), "" when it has none."""
    return _decrypted((sms or get_settings()).push_secret_encrypted) or ""


def is_push_secret(given: str, sms: SmsSettings | None = None) -> bool:
    """Is `given` the unit's push secret, for a unit sending through Alibaba Cloud? Compared in constant time."""
    sms = sms or get_settings()
    secret = push_secret(sms)
    return sms.provider == Provider.ALIYUN and bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


def voice_account(sms: SmsSettings | None = None) -> Account | None:
    """The Twilio account voice calls go out from (Twilio Programmable Voice, whatever the SMS provider): the unit's
    own Twilio subaccount when set, else the platform's."""
    sms = sms or get_settings()
    if sms.account_sid and sms.auth_token_encrypted:
        token = _decrypted(sms.auth_token_encrypted)
        return Account(sms.account_sid, token) if token else None
    return default_account()


def voice_number(sms: SmsSettings | None = None) -> str:
    """The number calls come from: the unit's caller number, else its Twilio sender number, else the platform's
    (TWILIO_VOICE_NUMBER); "" when there is none (voice messages then fail, saying so)."""
    sms = sms or get_settings()
    fallback = sms.from_number if sms.provider == Provider.TWILIO else ""
    return sms.voice_number or fallback or django_settings.TWILIO_VOICE_NUMBER
