"""Leases on the relay's claims, kept alive in Redis while their worker lives, and the units beat must wake.

A relay run claims outbox rows under one token. From before its first claim until it ends, a heartbeat thread
of the worker process renews the claim's lease every SMS_CLAIM_HEARTBEAT_SECONDS for SMS_CLAIM_LEASE_SECONDS.
A worker killed (SIGKILL, out of memory, node lost) stops renewing; its lease runs out, and beat's watchdog
(`notifications.tasks.wake_units`, every few seconds) runs that unit's relay, which releases the claim
(`relay.expire_claims`): a crash costs seconds. The same watchdog runs a unit's relay when an unknown outcome
is due for its lookup (`wake_at`), instead of waiting for the next periodic fan-out.

Why Redis and a thread of its own: the sending thread may sleep for the sender's rate limit longer than a
lease, and a database heartbeat from another thread would hold one more PostgreSQL connection per worker
process. The rows' states stay in PostgreSQL; Redis only says which claims are alive and which units to wake.
If Redis loses that, nothing is sent twice: a claim younger than one lease is never taken over (the relay also
checks `claimed_at`), and an older live claim taken over by mistake loses its rows safely (rows not started go
back to pending and the live relay sees they are no longer its own; started rows become unknown and are
looked up, never resent blindly).
"""

import contextlib
import functools
import logging
import threading
import time

import redis
from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)


def key(kind: str) -> str:
    """Redis key of the leases ("leases": member "<schema> <token>", score: when the lease runs out, in epoch
    seconds) or of the wake-ups ("wake": member "<schema>", score: when its relay should run). Per database, as
    schemas are: two databases sharing a Redis (a benchmark's scratch one beside `make run`'s) never meet."""
    return f"carehub:sms:{kind}:{settings.DATABASES['default']['NAME']}"


@functools.lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def _client() -> redis.Redis:
    return _redis(settings.REDIS_URL)


def _member(schema: str, token: str) -> str:
    return f"{schema} {token}"


def renew(claims, now: float) -> None:
    """Extend the leases of `claims` ((schema, token) pairs) to `now` + SMS_CLAIM_LEASE_SECONDS."""
    until = now + settings.SMS_CLAIM_LEASE_SECONDS
    mapping = {_member(schema, token): until for schema, token in claims}
    if mapping:
        _client().zadd(key("leases"), mapping)


def alive(schema: str, tokens, now: float) -> set[str]:
    """Those of `tokens` (claims in `schema`) whose lease runs beyond `now`."""
    tokens = list(tokens)
    if not tokens:
        return set()
    scores = _client().zmscore(key("leases"), [_member(schema, token) for token in tokens])
    return {token for token, score in zip(tokens, scores, strict=True) if score is not None and score > now}


def end(schema: str, token: str) -> None:
    _client().zrem(key("leases"), _member(schema, token))


def wake_at(schema: str, when: float) -> None:
    """Ask beat's watchdog to run `schema`'s relay at `when` (epoch seconds), or earlier if already asked."""
    _client().zadd(key("wake"), {schema: when}, lt=True)


def wake_soon() -> None:
    """Something a worker must act on happened in this transaction (a message settled, so a ladder may climb):
    wake this unit's relay once it commits, within beat's watchdog period."""
    schema = connection.schema_name
    transaction.on_commit(lambda: wake_at(schema, time.time()))


def due(now: float) -> set[str]:
    """Take the units whose relay must run now: a claim's lease ran out, or a wake-up came. Atomic, so two
    watchdogs never both take the same entry."""
    with _client().pipeline(transaction=True) as pipe:
        for name in (key("leases"), key("wake")):
            pipe.zrangebyscore(name, "-inf", now)
            pipe.zremrangebyscore(name, "-inf", now)
        expired, _removed, woken, _removed_too = pipe.execute()
    return {member.decode().split(" ")[0] for member in expired} | {member.decode() for member in woken}


class _Heartbeat:
    """One per worker process: renews the leases of the claims this process holds, from a daemon thread."""

    def __init__(self):
        self.claims: set[tuple[str, str]] = set()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def add(self, claim: tuple[str, str]) -> None:
        with self.lock:
            self.claims.add(claim)
            if self.thread is None or not self.thread.is_alive():  # also after a fork: threads do not survive it
                self.thread = threading.Thread(target=self.run, name="sms-lease-heartbeat", daemon=True)
                self.thread.start()

    def discard(self, claim: tuple[str, str]) -> None:
        with self.lock:
            self.claims.discard(claim)

    def run(self) -> None:
        while True:
            time.sleep(settings.SMS_CLAIM_HEARTBEAT_SECONDS)
            with self.lock:
                claims = list(self.claims)
            try:
                renew(claims, time.time())
            except redis.RedisError:  # a missed beat or two is within the lease; keep beating
                logger.warning("SMS claim heartbeat failed", exc_info=True)


_HEARTBEAT = _Heartbeat()


@contextlib.contextmanager
def held(schema: str, token: str, now: float):
    """Hold the lease of claim `token` in `schema` (renewed by the process's heartbeat) while the block runs."""
    claim = (schema, token)
    renew([claim], now)
    _HEARTBEAT.add(claim)
    try:
        yield
    finally:
        _HEARTBEAT.discard(claim)
        end(schema, token)
