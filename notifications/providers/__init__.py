"""The SMS provider interface: send a message, fetch or list messages, one error type saying what to do next.

Callers use `provider_for(account, name).send(...)` and catch `ProviderError`; what comes back is in the neutral
words of `base` (`Delivery` statuses, `Failure` kinds). Nothing outside this package imports a provider's client
or knows its codes: Twilio (`twilio`) and Alibaba Cloud (`aliyun`) are one module each implementing `send`,
`fetch` and `recent_messages` in those words, and `uses_templates` says whether a message goes as its text or as
an approved template with its variables (`VendorTemplate`).
"""

from notifications.providers import aliyun, twilio
from notifications.providers.base import (
    Account,
    Delivery,
    Failure,
    ProviderError,
    ProviderMessage,
    Sender,
    SendResult,
    VendorTemplate,
    backoff_seconds,
)
from notifications.providers.twilio import TwilioProvider, default_account

ADAPTERS = {twilio.NAME: twilio.provider_for, aliyun.NAME: aliyun.provider_for}


def provider_for(account: Account, name: str = twilio.NAME):
    """The process's provider `name` ("twilio", "aliyun") for this account."""
    return ADAPTERS[name](account)


__all__ = ["Account", "Delivery", "Failure", "ProviderError", "ProviderMessage", "SendResult", "Sender",
           "TwilioProvider", "VendorTemplate", "backoff_seconds", "default_account", "provider_for"]
