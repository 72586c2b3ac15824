"""The unit's SMS settings as the sending code reads them: the row itself, the account and sender the unit sends
with, and the token a webhook's signature is checked with. Changing them is notifications.services.settings."""

from django.conf import settings as django_settings

from notifications import crypto
from notifications.models import SmsSettings
from notifications.providers import Account, Sender, default_account


def get_settings() -> SmsSettings:
    return SmsSettings.objects.get_or_create(pk=1)[0]


def account_for(sms: SmsSettings) -> Account | None:
    """The account the unit sends with: its own when set (and readable), else the platform's."""
    if sms.account_sid and sms.auth_token_encrypted:
        try:
            return Account(sms.account_sid, crypto.decrypt(sms.auth_token_encrypted))
        except crypto.InvalidToken:
            return None
    return default_account()


def sender_for(sms: SmsSettings) -> Sender | None:
    """The unit's Messaging Service or number, else the platform's default Messaging Service."""
    if sms.messaging_service_sid:
        return Sender(messaging_service_sid=sms.messaging_service_sid)
    if sms.from_number:
        return Sender(from_number=sms.from_number)
    default = getattr(django_settings, "TWILIO_MESSAGING_SERVICE_SID", "")
    return Sender(messaging_service_sid=default) if default else None


def token_for(account_sid: str, sms: SmsSettings | None = None) -> str | None:
    """The auth token of `account_sid` if it is this unit's own account or the platform's, else None (webhooks
    verify a signature with it)."""
    sms = sms or get_settings()
    if account_sid and account_sid == sms.account_sid:
        account = account_for(sms)
        return account.token if account else None
    platform = default_account()
    return platform.token if platform and account_sid == platform.sid else None
