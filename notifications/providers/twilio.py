"""Twilio through the official client, pointed at settings.TWILIO_API_BASE_URL (the sandbox gateway locally).

The client builds every URL from its domain's `base_url` ("https://api.twilio.com" for the Api domain), so
setting `client.api.base_url` sends Messages calls to another server with the same paths. One requests session
per provider keeps connections alive: at 200 messages/s a TLS handshake per message would dominate.

Twilio's status names and error codes are known here and nowhere else: every answer, fetch, listing and status
callback leaves this module in the neutral words of notifications.providers.base.
"""

import functools
import threading
from datetime import datetime

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.providers.base import (
    Account,
    Delivery,
    Failure,
    ProviderError,
    ProviderMessage,
    Sender,
    SendResult,
    VendorTemplate,
    network_error,
)

NAME = "twilio"

POOL_SIZE = 32  # connections kept per provider; a thread-pool worker may send from many threads at once

# Twilio's message statuses in our words. Until "sent" Twilio still holds the message.
STATUSES = {"accepted": Delivery.QUEUED, "scheduled": Delivery.QUEUED, "queued": Delivery.QUEUED,
            "sending": Delivery.QUEUED, "sent": Delivery.SENT, "delivered": Delivery.DELIVERED,
            "read": Delivery.DELIVERED, "undelivered": Delivery.UNDELIVERED, "failed": Delivery.FAILED}
# Error codes with a fixed meaning for us (https://www.twilio.com/docs/api/errors), at creation (21xxx) or in a
# delivery report (30xxx). Any other code of a refused request is permanent unless the HTTP status says otherwise.
TOO_MANY_REQUESTS = "20429"
MEANINGS = {
    "21610": Failure.OPTED_OUT,  # the recipient replied STOP to this sender
    "21211": Failure.UNREACHABLE,  # not a valid phone number
    "21614": Failure.UNREACHABLE,  # not a mobile number
    "30003": Failure.UNREACHABLE,  # unreachable handset
    "30005": Failure.UNREACHABLE,  # unknown handset
    "30006": Failure.UNREACHABLE,  # a landline, or an unreachable carrier
}


class _HttpClient(TwilioHttpClient):
    """The twilio client's HTTP client with pooled connections for http and https, no per-request logging
    (twelve INFO lines per message, some with phone numbers), and the last response kept per thread so that a
    failed call's Retry-After header can be read."""

    def __init__(self, timeout):
        super().__init__(timeout=timeout)
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.last = threading.local()

    def request(self, *args, **kwargs):
        self.last.response = None
        self.last.response = super().request(*args, **kwargs)
        return self.last.response

    def log_request(self, kwargs):
        pass

    def log_response(self, status_code, response):
        pass

    def retry_after(self):
        response = getattr(self.last, "response", None)
        value = response.headers.get("Retry-After") if response is not None else None
        try:
            return max(float(value), 0.0) if value else None
        except ValueError:  # an HTTP date: rare enough to treat as "no hint"
            return None


class TwilioProvider:
    uses_templates = False  # a message goes as its text

    def __init__(self, account: Account, *, base_url: str | None = None, timeout: float | None = None):
        timeout = timeout or settings.TWILIO_TIMEOUT_SECONDS
        self.account = account
        self.http = _HttpClient(timeout=timeout)
        self.client = Client(account.sid, account.token, http_client=self.http)
        # Edges and regions rewrite host names; neither applies to a sandbox base URL.
        self.client.edge = self.client.region = None
        self.client.api.base_url = (base_url or settings.TWILIO_API_BASE_URL).rstrip("/")

    def send(self, to: str, body: str, sender: Sender, status_callback: str | None = None, *, reference: str = "",
             template: VendorTemplate | None = None) -> SendResult:
        """Create the message. Raises ProviderError; `ambiguous` means it may have been created anyway. Twilio
        sends the text itself: `template` is not needed, and our id (`reference`) travels in the status
        callback's URL."""
        fields = {"to": to, "body": body, "status_callback": status_callback}
        if sender.messaging_service_sid:
            fields["messaging_service_sid"] = sender.messaging_service_sid
        else:
            fields["from_"] = sender.from_number
        message = self._call(lambda: self.client.messages.create(**fields))
        segments = int(message.num_segments) if message.num_segments not in (None, "") else None
        return SendResult(sid=message.sid, status=STATUSES.get(message.status, Delivery.QUEUED), segments=segments)

    def fetch(self, sid: str, *, to: str = "", sent_at: datetime | None = None) -> ProviderMessage:
        """The message as Twilio has it now: its status and the carrier's error (the sid is enough: `to` and
        `sent_at` are for providers that need them). Raises ProviderError (20404 when the account has no such
        message)."""
        return _provider_message(self._call(lambda: self.client.messages(sid).fetch()))

    def recent_messages(self, to: str, *, since: datetime | None = None, limit: int = 100) -> list[ProviderMessage]:
        """The account's latest messages to `to`, newest first (one page of `limit`); with `since`, only those
        created then or later (or whose creation time the provider does not say). Filtered here, not by Twilio's
        DateSent filter: a message still queued has no date_sent yet and would be missed."""
        listing = self._call(lambda: self.client.messages.list(to=to, limit=limit, page_size=limit))
        return [_provider_message(m) for m in listing
                if since is None or m.date_created is None or m.date_created >= since]

    def _call(self, call):
        try:
            return call()
        except TwilioRestException as exc:
            raise error_from_response(exc.status, exc.code, exc.msg, self.http.retry_after()) from exc
        except TwilioServiceException as exc:
            raise error_from_response(exc.status, exc.code, exc.detail or exc.title, self.http.retry_after()) from exc
        except requests.exceptions.RequestException as exc:
            raise network_error(exc) from exc


def error_from_response(status: int, code, message: str, retry_after=None) -> ProviderError:
    """An HTTP error answer in our words: Twilio's code when it gave one, else the HTTP status."""
    # Without a JSON body the twilio client reports the HTTP status as the code.
    code = str(code) if code and code != status else f"http-{status}"
    failure = MEANINGS.get(code)
    if failure is None:
        retryable = code == TOO_MANY_REQUESTS or status == 429 or status >= 500
        failure = Failure.RETRYABLE if retryable else Failure.PERMANENT
    return ProviderError(code, message, failure=failure,
                         retry_after=retry_after if failure == Failure.RETRYABLE else None)


def _report(sid: str, to: str, body: str, status: str, date_created, error_code, error_message) -> ProviderMessage:
    code = str(error_code or "")
    return ProviderMessage(sid, to, body, STATUSES.get(status or ""), date_created, code, error_message or "",
                           failure=(MEANINGS.get(code, Failure.PERMANENT) if code else None))


def _provider_message(message) -> ProviderMessage:
    return _report(message.sid, message.to, message.body, message.status, message.date_created, message.error_code,
                   message.error_message)


def callback_report(fields) -> ProviderMessage:
    """A status callback's form fields (MessageSid, MessageStatus, ErrorCode, ...) as a report on the message."""
    return _report(fields.get("MessageSid", ""), fields.get("To", ""), "", fields.get("MessageStatus", ""), None,
                   fields.get("ErrorCode", ""), fields.get("ErrorMessage", ""))


def provider_for(account: Account) -> TwilioProvider:
    """The process's provider for this account (one HTTP connection pool each), for the current settings."""
    return _cached_provider(account, settings.TWILIO_API_BASE_URL, settings.TWILIO_TIMEOUT_SECONDS)


@functools.lru_cache(maxsize=256)
def _cached_provider(account: Account, base_url: str, timeout: float) -> TwilioProvider:
    # Keyed by the whole account, so a rotated token gets a new client; by URL and timeout for tests.
    return TwilioProvider(account, base_url=base_url, timeout=timeout)


def default_account() -> Account | None:
    """The platform's own account (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN), or None when not configured."""
    if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN:
        return Account(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    return None
