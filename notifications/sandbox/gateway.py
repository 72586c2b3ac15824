"""The sandbox's state and behaviour: accounts, messages, injected failures, and status progression.

Failure injection (see Config): a behaviour is chosen per create request, first from `next` (a queue used up in
order, for "fail once then succeed" tests), then from `numbers` (per recipient), then at random from `rates`.
Behaviours refused at create: invalid (21211), not_mobile (21614), opted_out (21610), rate_limited (HTTP 429,
20429, Retry-After), server_error (HTTP 503, 20503). timeout: the message IS created, then the connection is
held `hold_seconds` (longer than the client waits), the ambiguous case. Accepted, then reported failed in the
status callback: undeliverable (undelivered 30003), unknown (undelivered 30005), landline (failed 30006).
Independently of the behaviour, `lost_callbacks` makes a share of messages progress without any callback, and
no_report (for one message) does the same. The Alibaba Cloud side (notifications.sandbox.aliyun) draws from the
same configuration and has behaviours of its own; on the Twilio side those send normally.
"""

import random
import threading
from dataclasses import asdict, dataclass, field, fields

from notifications.sandbox import aliyun, voice
from notifications.sandbox.callbacks import Dispatcher, signed
from notifications.sandbox.twilio_model import (
    API_VERSION,
    DELIVERY_ERRORS,
    E164,
    new_message,
    new_sid,
    num_segments,
    twilio_date,
)

REFUSED = {"invalid": 21211, "not_mobile": 21614, "opted_out": 21610, "rate_limited": 20429,
           "server_error": 20503}
UNDELIVERABLE = {"undeliverable": 30003, "unknown": 30005, "landline": 30006}
BEHAVIOURS = {*REFUSED, *UNDELIVERABLE, *aliyun.BEHAVIOURS, *voice.BEHAVIOURS, "timeout", "ok"}

# Used by `carehub sms_sandbox` when neither --account nor TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN is given.
DEVELOPMENT_ACCOUNT = ("AC00000000000000000000000000000000", "sandbox-development-token")
# The Alibaba Cloud AccessKey it knows from the start (a unit's own ones are added as units save them).
DEVELOPMENT_ALIYUN_KEY = ("LTAI00000000000000000000", "sandbox-aliyun-development-secret")


@dataclass
class Config:
    latency_ms: int = 0  # added to every API request (not the /_sandbox/ control endpoints)
    callback_delay_ms: int = 20  # before each status step (sent, then delivered)
    callbacks: str = "post"  # post: send webhooks; record: keep them in a list; off: statuses stay as created
    # Fraction of messages whose status callbacks are never sent, as when Twilio cannot reach us: their status
    # still moves on (a fetch sees "delivered"), only nobody is told.
    lost_callbacks: float = 0.0
    numbers: dict = field(default_factory=dict)  # "+8613800000000" -> behaviour
    rates: dict = field(default_factory=dict)  # behaviour -> fraction of create requests, e.g. {"rate_limited": 0.1}
    next: list = field(default_factory=list)  # behaviours for the next create requests, used up in order
    retry_after: int = 1  # seconds, in the Retry-After header of 429 and 503 answers
    hold_seconds: float = 15  # how long a "timeout" holds the connection
    inbound_url: str = ""  # default destination of simulated inbound messages
    templates: dict = field(default_factory=dict)  # Alibaba Cloud template code -> its text with ${variables}
    push_retries: list = field(default_factory=lambda: [60, 300, 600])  # seconds before Alibaba Cloud pushes again
    # Voice calls (notifications.sandbox.voice): an answered call's length, how long a <Gather> waits for a key
    # pressed through the control endpoint, and keys pressed at once by number ({"+86138...": "1"}).
    call_seconds: int = 40
    key_wait_ms: int = 8000
    presses: dict = field(default_factory=dict)

    def update(self, changes: dict) -> "Config":
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        wrong = ({*changes.get("numbers", {}).values(), *changes.get("rates", {}), *changes.get("next", [])}
                 - BEHAVIOURS)
        if wrong:
            raise ValueError(f"unknown behaviours: {', '.join(sorted(wrong))}")
        if changes.get("callbacks", self.callbacks) not in ("post", "record", "off"):
            raise ValueError("callbacks must be post, record or off")
        if any(str(digit) not in "0123456789*#" or len(str(digit)) != 1
               for digit in changes.get("presses", {}).values()):
            raise ValueError("presses must be one key per number")
        if not 0 <= changes.get("lost_callbacks", self.lost_callbacks) <= 1:
            raise ValueError("lost_callbacks must be between 0 and 1")
        for key, value in changes.items():
            setattr(self, key, list(value) if key == "next" else value)
        return self


class ApiError(Exception):
    """An answer in Twilio's error format: code from twilio_model.ERRORS."""

    def __init__(self, code: int, headers: dict | None = None):
        self.code = code
        self.headers = headers or {}


class Hold(Exception):
    """Created, but answer only after the client has given up."""

    def __init__(self, message: dict):
        self.message = message


class Gateway:
    def __init__(self, accounts: dict[str, str], config: Config | None = None,
                 aliyun_keys: dict[str, str] | None = None):
        self.accounts = dict(accounts)
        self.initial = asdict(config or Config())
        self.config = Config(**self.initial)
        self.dispatcher = Dispatcher()
        self.dispatcher.mode = self.config.callbacks
        self._messages: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._generation = 0  # bumped by reset(): status steps of forgotten messages then do nothing
        self.aliyun = aliyun.AliyunSide(self, dict([DEVELOPMENT_ALIYUN_KEY]) if aliyun_keys is None else aliyun_keys)
        self.voice = voice.VoiceSide(self)

    # --- configuration -------------------------------------------------------------------------------------

    def configure(self, **changes) -> dict:
        with self._lock:
            self.config.update(changes)
            self.dispatcher.mode = self.config.callbacks
            return asdict(self.config)

    def reset(self):
        """Forget every message and webhook and go back to the configuration the gateway started with."""
        with self._lock:
            self.config = Config(**self.initial)
            self._messages.clear()
            self._generation += 1
            self.dispatcher.mode = self.config.callbacks
        self.dispatcher.clear()
        self.aliyun.reset()
        self.voice.reset()

    # --- the Messages resource -----------------------------------------------------------------------------

    def authenticate(self, sid: str | None, token: str | None, path_account: str):
        if not sid or self.accounts.get(sid) != token:
            raise ApiError(20003)
        if sid != path_account:  # Twilio hides other accounts' resources
            raise ApiError(20404)

    def create(self, account_sid: str, form: dict) -> dict:
        to, body = form.get("To", ""), form.get("Body", "")
        from_, service = form.get("From", ""), form.get("MessagingServiceSid", "")
        if not to:
            raise ApiError(21604)
        if not body:
            raise ApiError(21602)
        if not from_ and not service:
            raise ApiError(21603)
        if len(body) > 1600:
            raise ApiError(21617)
        behaviour = self.behaviour(to) if E164.match(to) else "invalid"
        if behaviour in REFUSED:
            retry = {"Retry-After": str(self.config.retry_after)} if behaviour in ("rate_limited",
                                                                                  "server_error") else {}
            raise ApiError(REFUSED[behaviour], retry)
        message = new_message(account_sid, to, body, from_, service, form.get("StatusCallback", ""))
        with self._lock:
            self._messages[message["sid"]] = message
        if self.config.callbacks != "off":
            silent = behaviour == "no_report" or random.random() < self.config.lost_callbacks
            self._progress(message, UNDELIVERABLE.get(behaviour), silent)
        if behaviour == "timeout":
            raise Hold(message)
        return message

    def create_call(self, account_sid: str, form: dict) -> dict:
        """Twilio's Calls create: refused like a message by the number's behaviour, else placed (sandbox.voice)."""

        def refused(behaviour: str):
            if behaviour == "missing":
                raise ApiError(21205)
            if behaviour in REFUSED:
                retry = {"Retry-After": str(self.config.retry_after)} if behaviour in ("rate_limited",
                                                                                      "server_error") else {}
                raise ApiError(REFUSED[behaviour], retry)

        return self.voice.create(account_sid, form, refused)

    def fetch_call(self, account_sid: str, sid: str) -> dict:
        call = self.voice.fetch(account_sid, sid)
        if call is None:
            raise ApiError(20404)
        return call

    def fetch(self, account_sid: str, sid: str) -> dict:
        with self._lock:
            message = self._messages.get(sid)
            if not message or message["account_sid"] != account_sid:
                raise ApiError(20404)
            return dict(message)

    def messages(self, account_sid: str | None = None, to: str | None = None, from_: str | None = None,
                 status: str | None = None, body_contains: str | None = None) -> list[dict]:
        """Messages in the order they were created, optionally filtered (all accounts when account_sid is None)."""
        with self._lock:
            found = list(self._messages.values())
        return [dict(m) for m in found
                if (account_sid is None or m["account_sid"] == account_sid) and (to is None or m["to"] == to)
                and (from_ is None or m["from"] == from_) and (status is None or m["status"] == status)
                and (body_contains is None or body_contains in m["body"])]

    # --- webhooks ------------------------------------------------------------------------------------------

    def inbound(self, from_: str, to: str, body: str, *, url: str = "", account_sid: str = "",
                messaging_service_sid: str = ""):
        """A member's reply: posts (or records) a signed inbound-message webhook now; returns the Webhook."""
        account_sid = account_sid or next(iter(self.accounts))
        url = url or self.config.inbound_url
        if not url:
            raise ValueError("no url given and no inbound_url configured")
        if account_sid not in self.accounts:
            raise ValueError(f"unknown account {account_sid}")
        sid = new_sid()
        params = {"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": account_sid,
                  "From": from_, "To": to, "Body": body, "NumMedia": "0", "NumSegments": str(num_segments(body)),
                  "SmsStatus": "received", "ApiVersion": API_VERSION}
        if messaging_service_sid:
            params["MessagingServiceSid"] = messaging_service_sid
        return self.dispatcher.deliver(signed(url, params, self.accounts[account_sid]))

    def behaviour(self, to: str) -> str:
        """The behaviour of the next send to `to` (either side): `next`, else `numbers`, else `rates`."""
        config = self.config
        with self._lock:
            if config.next:
                return config.next.pop(0)
        if to in config.numbers:
            return config.numbers[to]
        draw = random.random()
        for behaviour, rate in config.rates.items():
            if draw < rate:
                return behaviour
            draw -= rate
        return "ok"

    def _progress(self, message: dict, error_code: int | None, silent: bool):
        """Schedule the message's statuses: sent then delivered, or the failure its number was set up for;
        `silent`: without telling its status callback."""
        if error_code is None:
            steps = [("sent", None), ("delivered", None)]
        elif DELIVERY_ERRORS[error_code] == "failed":
            steps = [("failed", error_code)]
        else:
            steps = [("sent", None), ("undelivered", error_code)]
        delay, generation = self.config.callback_delay_ms / 1000, self._generation

        def step(index):
            status, code = steps[index]
            with self._lock:
                if generation != self._generation:
                    return
                message.update(status=status, error_code=code, date_updated=twilio_date())
                if status == "sent":
                    message["date_sent"] = message["date_updated"]
                params = self._callback_params(message)
            if message["status_callback"] and not silent:
                self.dispatcher.deliver(signed(message["status_callback"], params,
                                               self.accounts[message["account_sid"]]))
            if index + 1 < len(steps):
                self.dispatcher.schedule(lambda: step(index + 1), delay)

        self.dispatcher.schedule(lambda: step(0), delay)

    @staticmethod
    def _callback_params(message: dict) -> dict:
        """The form fields of Twilio's status callback."""
        params = {"MessageSid": message["sid"], "SmsSid": message["sid"], "AccountSid": message["account_sid"],
                  "MessageStatus": message["status"], "SmsStatus": message["status"], "To": message["to"],
                  "ApiVersion": API_VERSION}
        if message["from"]:
            params["From"] = message["from"]
        if message["messaging_service_sid"]:
            params["MessagingServiceSid"] = message["messaging_service_sid"]
        if message["error_code"]:
            params["ErrorCode"] = str(message["error_code"])
        return params

    def stop(self):
        self.dispatcher.stop()
