"""The SMS provider interface: send a message, fetch or list messages, one error type saying what to do next.

Callers use `provider_for(account).send(...)` and catch `ProviderError`; what comes back is in the neutral words
of `base` (`Delivery` statuses, `Failure` kinds). Nothing outside this package imports the twilio client or knows
Twilio's codes, so a second provider (or a fake in a benchmark) is one module implementing `send`, `fetch` and
`recent_messages` in those words.
"""

from notifications.providers.base import (
    Account,
    Delivery,
    Failure,
    ProviderError,
    ProviderMessage,
    Sender,
    SendResult,
    backoff_seconds,
)
from notifications.providers.twilio import TwilioProvider, default_account, provider_for

__all__ = ["Account", "Delivery", "Failure", "ProviderError", "ProviderMessage", "SendResult", "Sender",
           "TwilioProvider", "backoff_seconds", "default_account", "provider_for"]
