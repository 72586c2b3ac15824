"""Provider-neutral types: who sends, what came back, and what it means for us, in words of our own.

A provider's adapter (notifications.providers.twilio, notifications.providers.aliyun) translates its own status
names and error codes into the `Delivery` statuses and `Failure` kinds below, so nothing outside the adapter knows a
provider's codes. The message keeps the provider's code and text, unread, to show them.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError


class Delivery(StrEnum):
    """Where a message is, as the provider reports it."""

    QUEUED = "queued"  # the provider has it and has not handed it to a carrier yet
    SENT = "sent"  # handed to the carrier
    DELIVERED = "delivered"  # the carrier confirmed delivery to the phone
    UNDELIVERED = "undelivered"  # the carrier could not deliver it
    FAILED = "failed"  # the provider could not send it


class CallOutcome(StrEnum):
    """How a voice call ended, as the provider reports it (its own status names stay in its adapter)."""

    COMPLETED = "completed"  # answered by a person and ended (the key pressed, if any, came to the gather hook)
    BUSY = "busy"  # the line was busy
    NO_ANSWER = "no_answer"  # it rang and nobody answered
    FAILED = "failed"  # the call could not be placed or connected (or was cancelled before it was)
    MACHINE = "machine"  # answered, by an answering machine or voicemail (answering-machine detection on)


class Failure(StrEnum):
    """What a refused request or a failed delivery means for what we do next."""

    PERMANENT = "permanent"  # it will not succeed (wrong credentials, a malformed request): give up
    RETRYABLE = "retryable"  # it may succeed later (rate limit, server error, network): try again after a pause
    OPTED_OUT = "opted_out"  # the recipient told the carrier STOP: never send there, record the opt-out
    UNREACHABLE = "unreachable"  # the number cannot take SMS (invalid, landline, unknown): reach the member another way
    AMBIGUOUS = "ambiguous"  # the request may have reached the provider, so the message may exist: never resend blindly


class ProviderError(Exception):
    """A send or fetch that did not succeed, with what it means (`failure`).

    code: the provider's error code, or "http-503", "timeout", "connect" when there was none (shown, never read).
    retry_after: seconds the provider asked us to wait (Retry-After header) before a retryable request, or None.
    """

    def __init__(self, code, message, *, failure: Failure = Failure.PERMANENT, retry_after=None):
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.message = message
        self.failure = failure
        self.retry_after = retry_after

    def __repr__(self):
        return f"ProviderError(code={self.code!r}, failure={self.failure!r}, retry_after={self.retry_after})"


@dataclass(frozen=True)
class SendResult:
    sid: str  # the provider's message id, the key of every later status report
    status: Delivery  # where the message is right after it was created (queued)
    segments: int | None  # billed segments, when the provider says


@dataclass(frozen=True)
class ProviderMessage:
    """A message as the provider fetches, lists or reports it (a status callback): to settle a send whose answer
    or callbacks were lost, or to follow its delivery."""

    sid: str
    to: str
    body: str
    status: Delivery | None  # None: a status of the provider's that means nothing to us
    date_created: datetime | None
    error_code: str = ""  # the provider's or carrier's error for an undelivered or failed message, else empty
    error_message: str = ""
    failure: Failure | None = None  # what that error means, when there is one
    reference: str = ""  # our id for the message, when the provider keeps it (Alibaba Cloud's OutId)


@dataclass(frozen=True)
class CallReport:
    """A voice call as the provider reports it (a status callback, or the answer of a TwiML fetch)."""

    sid: str
    outcome: CallOutcome | None  # None while the call is still on its way (queued, ringing, in progress)
    seconds: int = 0  # how long it lasted once answered
    machine: bool = False  # answered by a machine (answering-machine detection on)
    error_code: str = ""


@dataclass(frozen=True)
class Account:
    """Credentials of a provider account or subaccount (the platform's, or a unit's own): Twilio's account SID
    and auth token, or Alibaba Cloud's AccessKey ID and secret."""

    sid: str
    token: str

    def __repr__(self):  # never print the token (logs, Sentry, tracebacks)
        return f"Account(sid={self.sid!r})"


@dataclass(frozen=True)
class Sender:
    """Where a unit's messages come from: a Messaging Service (preferred: it picks the number) or a number at
    Twilio; the registered signature (短信签名, shown as 【signature】 before the text) at Alibaba Cloud."""

    messaging_service_sid: str = ""
    from_number: str = ""
    sign_name: str = ""

    def __post_init__(self):
        if sum(map(bool, (self.messaging_service_sid, self.from_number, self.sign_name))) != 1:
            raise ValueError("A sender needs exactly one of messaging_service_sid, from_number and sign_name.")

    @property
    def key(self) -> str:
        """Identifies the sender for per-sender rate limits."""
        return self.messaging_service_sid or self.from_number or self.sign_name


@dataclass(frozen=True)
class VendorTemplate:
    """A template the provider approved (its own code for it) and the values of its variables, by our names: how
    a provider that sends only approved templates (Alibaba Cloud) is given a message. A provider that sends any
    text (Twilio) is given the text itself and ignores this."""

    code: str
    variables: dict = field(default_factory=dict)


def backoff_seconds(attempt: int, base: float = 2, cap: float = 600) -> float:
    """Delay before retry number `attempt` (1 for the first retry): exponential backoff with full jitter.

    The ceiling doubles per attempt (base, 2*base, 4*base, ... up to cap) and the delay is uniform in
    [0, ceiling]. Full jitter spreads retries of a burst that failed together (e.g. 14,000 greetings hitting a
    429) over the whole window instead of sending them back in synchronized waves (AWS Architecture Blog,
    "Exponential Backoff And Jitter"). Callers should wait at least a provider's Retry-After.
    """
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return random.uniform(0, ceiling)


def network_error(exc: requests.exceptions.RequestException) -> ProviderError:
    """A request that got no answer, in our words: whether it may have reached the provider (AMBIGUOUS: never
    resend blindly) or certainly did not (RETRYABLE)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ProviderError("connect", f"connect timeout: {exc}", failure=Failure.RETRYABLE)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        # The request was sent; the provider may have accepted the message and not answered in time.
        return ProviderError("timeout", f"read timeout: {exc}", failure=Failure.AMBIGUOUS)
    if isinstance(exc, requests.exceptions.ConnectionError):
        # Refused or unreachable: nothing was sent. A connection dropped after sending is ambiguous.
        failure = Failure.RETRYABLE if _never_connected(exc) else Failure.AMBIGUOUS
        return ProviderError("connect", f"connection error: {exc}", failure=failure)
    return ProviderError("network", str(exc), failure=Failure.AMBIGUOUS)


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection was never established (so the request cannot have reached the server)."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)  # also name resolution failures
