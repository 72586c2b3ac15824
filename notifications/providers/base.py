"""Provider-neutral types: who sends, what came back, and what a failure means for the caller."""

import random
from dataclasses import dataclass
from datetime import datetime

# Twilio error codes with a fixed meaning for us (https://www.twilio.com/docs/api/errors).
INVALID_NUMBER = "21211"
NOT_MOBILE = "21614"
OPTED_OUT = "21610"
TOO_MANY_REQUESTS = "20429"
PERMANENT_CODES = {INVALID_NUMBER, NOT_MOBILE, OPTED_OUT}


class ProviderError(Exception):
    """A send or fetch that did not succeed, classified for the caller.

    code: the provider's error code ("21211"), or "http-503", "timeout", "connect" when there was none.
    retryable: the same request may succeed later (rate limit, server error, network); else permanent.
    opted_out: the recipient replied STOP to this sender (21610); never retry, record the opt-out.
    ambiguous: the request may have reached the provider, so the message may exist (e.g. a read timeout after
        the request was sent). Twilio's create has no idempotency key: resending may send twice.
    retry_after: seconds the provider asked us to wait (Retry-After header), or None.
    """

    def __init__(self, code, message, *, retryable=False, opted_out=False, ambiguous=False, retry_after=None):
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.opted_out = opted_out
        self.ambiguous = ambiguous
        self.retry_after = retry_after

    @classmethod
    def from_response(cls, status: int, code, message: str, retry_after=None) -> "ProviderError":
        """Classify an HTTP error answer: Twilio's code when it gave one, else the HTTP status."""
        # Without a JSON body the twilio client reports the HTTP status as the code.
        code = str(code) if code and code != status else f"http-{status}"
        retryable = code == TOO_MANY_REQUESTS or status == 429 or status >= 500
        if code in PERMANENT_CODES:
            retryable = False
        return cls(code, message, retryable=retryable, opted_out=code == OPTED_OUT,
                   retry_after=retry_after if retryable else None)

    def __repr__(self):
        return (f"ProviderError(code={self.code!r}, retryable={self.retryable}, opted_out={self.opted_out}, "
                f"ambiguous={self.ambiguous}, retry_after={self.retry_after})")


@dataclass(frozen=True)
class SendResult:
    sid: str  # the provider's message id ("SM..."), the key of every later status callback
    status: str  # the provider's status at creation: "queued" or "accepted"
    segments: int | None  # billed segments, when the provider says


@dataclass(frozen=True)
class ProviderMessage:
    """A message as the provider fetches or lists it (to settle a send whose answer or callbacks were lost)."""

    sid: str
    to: str
    body: str
    status: str
    date_created: datetime | None
    error_code: str = ""  # the carrier's error for undelivered or failed ("30003"), else empty
    error_message: str = ""


@dataclass(frozen=True)
class Account:
    """Credentials of a Twilio account or subaccount (the platform's, or a unit's own)."""

    sid: str
    token: str

    def __repr__(self):  # never print the token (logs, Sentry, tracebacks)
        return f"Account(sid={self.sid!r})"


@dataclass(frozen=True)
class Sender:
    """Where a unit's messages come from: a Messaging Service (preferred: it picks the number) or a number."""

    messaging_service_sid: str = ""
    from_number: str = ""

    def __post_init__(self):
        if bool(self.messaging_service_sid) == bool(self.from_number):
            raise ValueError("A sender needs exactly one of messaging_service_sid and from_number.")

    @property
    def key(self) -> str:
        """Identifies the sender for per-sender rate limits."""
        return self.messaging_service_sid or self.from_number


def backoff_seconds(attempt: int, base: float = 2, cap: float = 600) -> float:
    """Delay before retry number `attempt` (1 for the first retry): exponential backoff with full jitter.

    The ceiling doubles per attempt (base, 2*base, 4*base, ... up to cap) and the delay is uniform in
    [0, ceiling]. Full jitter spreads retries of a burst that failed together (e.g. 14,000 greetings hitting a
    429) over the whole window instead of sending them back in synchronized waves (AWS Architecture Blog,
    "Exponential Backoff And Jitter"). Callers should wait at least a provider's Retry-After.
    """
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return random.uniform(0, ceiling)
