"""Twilio through the official client, pointed at settings.TWILIO_API_BASE_URL (the sandbox gateway locally).

The client builds every URL from its domain's `base_url` ("https://api.twilio.com" for the Api domain), so
setting `client.api.base_url` sends Messages calls to another server with the same paths. One requests session
per provider keeps connections alive: at 200 messages/s a TLS handshake per message would dominate.
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
from urllib3.exceptions import MaxRetryError, NewConnectionError

from notifications.providers.base import Account, ProviderError, ProviderMessage, Sender, SendResult

POOL_SIZE = 32  # connections kept per provider; a thread-pool worker may send from many threads at once


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
    def __init__(self, account: Account, *, base_url: str | None = None, timeout: float | None = None):
        timeout = timeout or settings.TWILIO_TIMEOUT_SECONDS
        self.account = account
        self.http = _HttpClient(timeout=timeout)
        self.client = Client(account.sid, account.token, http_client=self.http)
        # Edges and regions rewrite host names; neither applies to a sandbox base URL.
        self.client.edge = self.client.region = None
        self.client.api.base_url = (base_url or settings.TWILIO_API_BASE_URL).rstrip("/")

    def send(self, to: str, body: str, sender: Sender, status_callback: str | None = None) -> SendResult:
        """Create the message. Raises ProviderError; `ambiguous` means it may have been created anyway."""
        fields = {"to": to, "body": body, "status_callback": status_callback}
        if sender.messaging_service_sid:
            fields["messaging_service_sid"] = sender.messaging_service_sid
        else:
            fields["from_"] = sender.from_number
        message = self._call(lambda: self.client.messages.create(**fields))
        segments = int(message.num_segments) if message.num_segments not in (None, "") else None
        return SendResult(sid=message.sid, status=message.status, segments=segments)

    def fetch(self, sid: str) -> ProviderMessage:
        """The message as the provider has it now: status ("queued", "sent", "delivered", "undelivered",
        "failed", ...) and the carrier's error. Raises ProviderError (20404 when the account has no such message)."""
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
            raise ProviderError.from_response(exc.status, exc.code, exc.msg, self.http.retry_after()) from exc
        except TwilioServiceException as exc:
            raise ProviderError.from_response(exc.status, exc.code, exc.detail or exc.title,
                                              self.http.retry_after()) from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise ProviderError("connect", f"connect timeout: {exc}", retryable=True) from exc
        except requests.exceptions.ReadTimeout as exc:
            # The request was sent; Twilio may have created the message and not answered in time.
            raise ProviderError("timeout", f"read timeout: {exc}", retryable=True, ambiguous=True) from exc
        except requests.exceptions.ConnectionError as exc:
            # Refused or unreachable: nothing was sent. A connection dropped after sending is ambiguous.
            sent = not _never_connected(exc)
            raise ProviderError("connect", f"connection error: {exc}", retryable=True, ambiguous=sent) from exc
        except requests.exceptions.RequestException as exc:
            raise ProviderError("network", str(exc), retryable=True, ambiguous=True) from exc


def _provider_message(message) -> ProviderMessage:
    return ProviderMessage(message.sid, message.to, message.body, message.status, message.date_created,
                           str(message.error_code or ""), message.error_message or "")


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection was never established (so the request cannot have reached the server)."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)  # also name resolution failures


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
