"""Webhooks the sandbox sends: Twilio's status callbacks and inbound messages (form posts, signed exactly as Twilio
signs them) and Alibaba Cloud's pushes (JSON, unsigned: its push URLs carry the unit's secret).

A scheduler thread keeps a heap of (due time, job) and hands due jobs to a small thread pool, so thousands of
messages in flight cost heap entries, not threads. A message's next status is scheduled only after the previous
callback was answered, so each message's callbacks arrive in order. In "record" mode webhooks are kept in a
list instead of posted (tests replay them through Django's test client).
"""

import heapq
import itertools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.request_validator import SIGNATURE_HEADER, RequestValidator

logger = logging.getLogger(__name__)


@dataclass
class Webhook:
    url: str
    params: dict  # form fields (Twilio)
    signature: str
    body: object = None  # a JSON body instead of form fields (Alibaba Cloud's pushes)
    response_status: int | None = None  # our server's answer, None when not posted or unreachable
    response_json: object = None  # our server's answer's JSON, when it was JSON

    def as_dict(self) -> dict:
        return {"url": self.url, "params": self.params, "signature": self.signature, "body": self.body,
                "response_status": self.response_status, "response_json": self.response_json}


def signed(url: str, params: dict, token: str) -> Webhook:
    return Webhook(url, params, RequestValidator(token).compute_signature(url, params))


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    job: object = field(compare=False)


class Dispatcher:
    """Runs jobs (a message's next status) after a delay on a small pool, and delivers webhooks."""

    def __init__(self, workers: int = 8, timeout: float = 10):
        self.timeout = timeout
        self.mode = "post"  # "post" or "record"
        self.recorded: list[Webhook] = []
        self._heap: list[_Due] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sandbox-callback")
        self._sessions = threading.local()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="sandbox-scheduler", daemon=True)
        self._thread.start()

    def schedule(self, job, delay: float = 0.0):
        with self._cond:
            heapq.heappush(self._heap, _Due(time.monotonic() + delay, next(self._seq), job))
            self._cond.notify()

    def deliver(self, webhook: Webhook) -> Webhook:
        """Post (or record) now, in the calling thread."""
        if self.mode == "record":
            with self._cond:
                self.recorded.append(webhook)
        else:
            self._post(webhook)
        return webhook

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def clear(self):
        with self._cond:
            self._heap.clear()
            self.recorded.clear()

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self):
        while True:
            with self._cond:
                while not self._stopped and (not self._heap or self._heap[0].at > time.monotonic()):
                    self._cond.wait(self._heap[0].at - time.monotonic() if self._heap else None)
                if self._stopped:
                    return
                due = heapq.heappop(self._heap)
            self._pool.submit(self._guarded, due.job)

    @staticmethod
    def _guarded(job):
        try:
            job()
        except Exception:  # a pool thread must survive a bad job
            logger.exception("sandbox job failed")

    def _post(self, webhook: Webhook) -> None:
        session = getattr(self._sessions, "session", None) or requests.Session()
        self._sessions.session = session
        url, headers = _loopback(webhook.url)
        if webhook.body is None:
            headers.update({SIGNATURE_HEADER: webhook.signature, "User-Agent": "TwilioProxy/1.1 (carehub sandbox)"})
            content = {"data": webhook.params}
        else:
            headers["User-Agent"] = "AlibabaCloud-SMS-Push (carehub sandbox)"
            content = {"json": webhook.body}
        try:
            response = session.post(url, timeout=self.timeout, headers=headers, **content)
        except requests.RequestException:  # Twilio does not retry status callbacks; Alibaba Cloud's side does
            logger.warning("sandbox webhook to %s failed", _without_path(webhook.url))
            return
        webhook.response_status = response.status_code
        try:
            webhook.response_json = response.json()
        except ValueError:
            webhook.response_json = None


def _without_path(url: str) -> str:
    """Where a webhook went, without its path (an Alibaba Cloud push URL carries the unit's secret)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/…", query=""))


def _loopback(url: str) -> tuple[str, dict]:
    """*.localhost names are the loopback address (RFC 6761) but the system resolver may not know them: connect
    to 127.0.0.1 and keep the name in the Host header, which picks the unit and is part of the signed URL."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host != "localhost" and not host.endswith(".localhost"):
        return url, {}
    netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), {"Host": parts.netloc}
