"""The SMS provider interface: send a message, fetch its status, one error type saying what to do next.

Callers use `provider_for(account).send(...)` and catch `ProviderError`; nothing outside this package imports
the twilio client, so a second provider (or a fake in a benchmark) only has to implement `send` and `fetch`.
"""

from notifications.providers.base import Account, ProviderError, ProviderMessage, Sender, SendResult, backoff_seconds
from notifications.providers.twilio import TwilioProvider, default_account, provider_for

__all__ = ["Account", "ProviderError", "ProviderMessage", "SendResult", "Sender", "TwilioProvider", "backoff_seconds",
           "default_account", "provider_for"]
