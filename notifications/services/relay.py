# ruff: noqa: S608 - table names come from model metadata; every value is a bound parameter.
"""The relay: sends a unit's due outbox rows through the provider, at most once per row as far as we can know.

States of a row while it is being sent (see the README, "SMS delivery guarantee"):

  pending --claim--> sending (claim_token, claimed_at; started_at empty)
          --start--> sending with started_at set and attempts + 1, COMMITTED before the HTTP request
          --answer--> sent (sid) | pending again later (retryable error, backoff) | failed | cancelled (21610)
          --no answer (timeout after sending)--> unknown
  sent --callback or fetch--> delivered | undelivered | failed   (never confirmed: stays sent, "unconfirmed")

- Claims are one transaction per batch under a per-unit advisory lock, with a conditional UPDATE (status
  pending -> sending): two workers never hold the same row, and the daily cap and windows are checked exactly.
- A relay run holds a lease on its claim, renewed by a heartbeat while it runs (notifications.leases). A claim
  whose lease ran out (the worker was killed) is released within seconds: without `started_at` the request
  never began and the row is simply pending again; with it, the request may have reached Twilio, so the row
  becomes UNKNOWN, never blindly resent.
- UNKNOWN rows are settled by the status callback (its URL carries the row's id, so it matches even though we
  never saw the sid) or, after SMS_UNKNOWN_SETTLE_SECONDS, by looking the message up at the provider (Messages
  list by recipient, matched by body and time): found -> adopted; certainly absent -> pending again; lookup
  failed -> stays unknown, visible in the outbox.
- SENT rows whose delivery nobody reported (the callbacks were lost) are fetched by sid after
  SMS_SENT_SETTLE_SECONDS and settled like a callback would; see `settle_sent`.
- Every status change learnt from the provider goes through `delivery.apply_outcomes`, monotonic in any order.

Sending is concurrent inside one task: a small thread pool does only the HTTP calls (the provider keeps its
connections alive); the task's own thread does all database work in statements per group of messages.
"""

import datetime
import logging
import uuid
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateTimeField, DurationField, ExpressionWrapper, F, Min, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.services.limits import release_sms_segments, reserve_sms_segments
from care.registers.models import Member, MemberStatus
from carehub.clock import unit_today
from notifications import leases, ratelimit
from notifications.models import Message, Status
from notifications.providers import ProviderError, ProviderMessage, SendResult, backoff_seconds, provider_for
from notifications.services import delivery, windows
from notifications.services.greetings import queue_due_greetings
from notifications.services.optouts import covers, current_opt_outs
from notifications.services.outbox import reasons
from notifications.services.settings import account_for, current_unit, get_settings, sender_for
from tenants.models import Domain
from tenants.services.onboarding import base_url

logger = logging.getLogger(__name__)
BATCH = 200  # rows per claim
MAX_ATTEMPTS = 6  # requests started per row before a retryable error becomes a failure
COUNTED = [Status.SENDING, Status.UNKNOWN, Status.SENT, Status.DELIVERED, Status.UNDELIVERED]  # daily cap
CHECKS = 200  # sent messages fetched per relay run at most (concurrently, through the sending pool)
FIELDS = ("pk", "to", "body", "segments", "member_id", "category", "attempts")


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.SMS_CLAIM_LEASE_SECONDS)


def settle() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.SMS_UNKNOWN_SETTLE_SECONDS)


def settle_sent_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.SMS_SENT_SETTLE_SECONDS)


def check_sent_for() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.SMS_SENT_CHECK_HOURS)


@dataclass
class Report:
    claimed: int = 0
    outcomes: Counter = field(default_factory=Counter)  # final status -> rows
    postponed: int = 0
    released: int = 0  # expired claims made pending again
    lost: int = 0  # expired claims that had started: unknown
    reconciled: int = 0
    settled: int = 0  # sent rows whose final status was fetched
    unconfirmed: int = 0  # sent rows given up on: the carrier never confirmed delivery

    def as_dict(self) -> dict:
        return {"claimed": self.claimed, **self.outcomes, "postponed": self.postponed, "released": self.released,
                "lost": self.lost, "reconciled": self.reconciled, "settled": self.settled,
                "unconfirmed": self.unconfirmed}


@dataclass
class Context:
    unit: object
    sms: object
    provider: object
    sender: object
    account_sid: str
    tz: object
    callback: str
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    report: Report = field(default_factory=Report)

    @property
    def window(self):
        return self.sms.send_from, self.sms.send_until


def context() -> Context | None:
    """Everything a relay run needs, or None when the unit cannot send (no sender or account configured)."""
    unit, sms = current_unit(), get_settings()
    account, sender = account_for(sms), sender_for(sms)
    if account is None or sender is None:
        logger.warning("SMS not configured for this unit: messages stay pending")
        return None
    domain = Domain.objects.filter(tenant_id=unit.pk, is_primary=True).values_list("domain", flat=True).first()
    return Context(unit, sms, provider_for(account), sender, account.sid, windows.zone(),
                   f"{base_url(domain)}/hooks/twilio/status/")


def relay(*, now=None, batch: int = BATCH, max_batches: int | None = None) -> Report | None:
    """Send the unit's due messages, `batch` rows per claim, until none is due (or `max_batches` claims)."""
    ctx = context()
    if ctx is None:
        return None
    queue_due_greetings(None)
    looked = now or timezone.now()
    with leases.held(connection.schema_name, ctx.token, looked.timestamp()):
        expire_claims(ctx, looked)
        reconcile_unknown(ctx, looked)
        settle_sent(ctx, looked)
        _send_due(ctx, now, batch, max_batches)
    plan_wake(looked)
    return ctx.report


def _send_due(ctx: Context, now, batch: int, max_batches: int | None) -> None:
    claims = 0

    def more() -> list[dict] | None:
        """The next batch, or None when nothing more is due."""
        nonlocal claims
        if max_batches is not None and claims >= max_batches:
            return None
        claims += 1
        rows, examined = claim(ctx, now or timezone.now(), batch)
        return rows if examined else None

    send(ctx, more, now)


# --- claiming -------------------------------------------------------------------------------------------------

def _blocked(candidates: list[dict]) -> dict[int, str]:
    """Rows that must not be sent any more: pk -> reason code (the member died, the phone opted out)."""
    deceased = set(Member.objects.filter(pk__in={row["member_id"] for row in candidates if row["member_id"]},
                                         status=MemberStatus.DECEASED).values_list("pk", flat=True))
    opt_outs = current_opt_outs(row["to"] for row in candidates)
    blocked = {}
    for row in candidates:
        if row["member_id"] in deceased:
            blocked[row["pk"]] = "deceased"
        elif row["to"] in opt_outs and covers(*opt_outs[row["to"]], row["category"]):
            blocked[row["pk"]] = "opted-out"
    return blocked


def _sent_today(phones, now, tz) -> Counter:
    rows = (Message.objects.filter(to__in=phones, status__in=COUNTED, claimed_at__gte=windows.day_start(now, tz))
            .values_list("to").order_by().annotate(count=Count("pk")))
    return Counter(dict(rows))


def claim(ctx: Context, now, batch: int = BATCH) -> tuple[list[dict], int]:
    """Claim up to `batch` due rows; returns (claimed rows, candidates examined). Rows that may no longer be sent
    are cancelled; rows outside their window, or over the recipient's daily cap, wait for their next slot."""
    with transaction.atomic():
        with connection.cursor() as cursor:  # one claimer per unit at a time: the cap count stays exact
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('carehub-sms-claim:' || current_schema()))")
        candidates = list(Message.objects.filter(status=Status.PENDING, not_before__lte=now)
                          .order_by("not_before", "pk").values("pk", "to", "member_id", "category")[:batch * 2])
        if not candidates:
            return [], 0
        blocked = _blocked(candidates)
        own = windows.member_windows(row["member_id"] for row in candidates)
        counts = _sent_today({row["to"] for row in candidates}, now, ctx.tz)
        local = now.astimezone(ctx.tz).time()
        tomorrow = windows.day_start(now, ctx.tz) + datetime.timedelta(days=1)
        chosen, later = [], {}
        for row in candidates:
            window = own.get(row["member_id"], ctx.window)
            if row["pk"] in blocked:
                continue
            if not windows.contains(window, local):
                later[row["pk"]] = windows.next_open(window, now, ctx.tz)
            elif counts[row["to"]] >= ctx.sms.daily_cap_per_recipient:
                later[row["pk"]] = windows.next_open(window, tomorrow, ctx.tz)
            elif len(chosen) < batch:
                counts[row["to"]] += 1
                chosen.append(row["pk"])
        texts = reasons()
        for code in set(blocked.values()):
            pks = [pk for pk, reason in blocked.items() if reason == code]
            ctx.report.outcomes[Status.CANCELLED] += Message.objects.filter(pk__in=pks).update(
                status=Status.CANCELLED, error_code=code, error_message=texts[code], status_changed_at=now)
        for at in set(later.values()):
            Message.objects.filter(pk__in=[pk for pk, value in later.items() if value == at]).update(not_before=at)
        ctx.report.postponed += len(later)
        Message.objects.filter(pk__in=chosen, status=Status.PENDING).update(
            status=Status.SENDING, claim_token=ctx.token, claimed_at=now, started_at=None)
        rows = list(Message.objects.filter(pk__in=chosen, claim_token=ctx.token, status=Status.SENDING)
                    .order_by("not_before", "pk").values(*FIELDS))
    ctx.report.claimed += len(rows)
    return rows, len(candidates)


def expire_claims(ctx: Context, now) -> None:
    """Release the claims whose lease ran out (their relay stopped: the worker died): never started ->
    pending; started -> unknown (it may have been sent). A claim younger than one lease is never released."""
    held = Message.objects.filter(status=Status.SENDING, claimed_at__lt=now - lease())
    tokens = set(held.order_by().values_list("claim_token", flat=True).distinct())
    dead = tokens - leases.alive(connection.schema_name, tokens, now.timestamp())
    if not dead:
        return
    expired = Message.objects.filter(status=Status.SENDING, claim_token__in=dead)
    ctx.report.released += expired.filter(started_at__isnull=True).update(
        status=Status.PENDING, claim_token="", claimed_at=None)
    ctx.report.lost += expired.update(
        status=Status.UNKNOWN, status_changed_at=now, error_code="lost",
        error_message=_("The sender stopped after the request to Twilio started; the outcome is unknown."))


# --- sending --------------------------------------------------------------------------------------------------

_POOL = None  # one per worker process, created on first use (after the fork), reused by every relay run


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(settings.SMS_SEND_THREADS, thread_name_prefix="sms-send")
    return _POOL


def _reserve(ctx: Context, rows: list[dict], now) -> list[dict]:
    """Reserve the plan's segments for the batch (one statement); when the batch does not fit, row by row, and
    the rows that do not fit fail visibly."""
    if not rows:
        return rows
    month = unit_today(now)
    if reserve_sms_segments(ctx.unit, sum(row["segments"] for row in rows), month=month).allowed:
        return rows
    allowed = []
    for row in rows:
        if reserve_sms_segments(ctx.unit, row["segments"], month=month).allowed:
            allowed.append(row)
        else:
            _finish(ctx, row, Status.FAILED, "quota", _("The unit's SMS allowance for this month is used up."), now)
    return allowed


def _release(ctx: Context, row: dict, now) -> None:
    release_sms_segments(ctx.unit, row["segments"], month=unit_today(now))


def _start(ctx: Context, rows: list[dict], now) -> set[int]:
    """Mark rows as started (committed at once: autocommit) just before their requests go out; returns the
    rows still held by this claim."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Message._meta.db_table} SET started_at = %s, attempts = attempts + 1 "
                       "WHERE id = ANY(%s) AND claim_token = %s AND status = 'sending' RETURNING id",
                       [now, [row["pk"] for row in rows], ctx.token])
        return {pk for (pk,) in cursor.fetchall()}


def _request(ctx: Context, row: dict):
    try:
        return ctx.provider.send(row["to"], row["body"], ctx.sender, status_callback=f"{ctx.callback}?m={row['pk']}")
    except ProviderError as error:
        return error
    except Exception as error:  # a bug after the request may have gone out: treat as ambiguous, never resend
        logger.exception("unexpected error sending message %s", row["pk"])
        return ProviderError("error", str(error)[:200], ambiguous=True)


def send(ctx: Context, more, now=None) -> None:
    """Send rows from `more()` (called for the next batch while the current one is still in flight, so the
    pipeline never drains between batches) with SMS_SEND_THREADS requests in flight. Rows start in groups of at
    least a quarter of the threads, so the database work is a few statements per group, not per message."""
    threads = settings.SMS_SEND_THREADS
    group = max(threads // 4, 1)
    waiting, in_flight, exhausted = [], {}, False
    while True:
        if not exhausted and len(waiting) < threads:
            rows = more()
            exhausted = rows is None
            waiting += _reserve(ctx, rows or [], now or timezone.now())
        room = threads - len(in_flight)
        if waiting and room and (room >= group or not in_flight):
            # At most a second of the sender's rate starts at once, after waiting for its first slot: a row is
            # marked started no more than a second before its request, which waits in the pool for its own slot.
            count = min(room, ctx.sms.rate_per_second)
            chunk, waiting = waiting[:count], waiting[count:]
            slots = ratelimit.reserve(f"{ctx.account_sid}:{ctx.sender.key}", ctx.sms.rate_per_second, len(chunk))
            slots[0].wait()
            started = _start(ctx, chunk, now or timezone.now())
            for row, slot in zip(chunk, slots, strict=True):
                if row["pk"] in started:
                    in_flight[_pool().submit(slot.run, _request, ctx, row)] = row
                else:  # the claim expired and another run took the row over
                    _release(ctx, row, now or timezone.now())
        if in_flight:
            done, _pending = wait(in_flight, return_when=FIRST_COMPLETED)
            _apply(ctx, [(in_flight.pop(future), future.result()) for future in done], now or timezone.now())
        elif exhausted and not waiting:
            return


def _apply(ctx: Context, outcomes: list[tuple[dict, object]], now) -> None:
    accepted = [delivery.Outcome(row["pk"], Status.SENT, sid=result.sid, account_sid=ctx.account_sid,
                                 segments=result.segments)
                for row, result in outcomes if isinstance(result, SendResult)]
    if accepted:  # one transaction for the group; a callback that came first keeps its final status and error
        delivery.apply_outcomes(ctx.unit, accepted, claim_token=ctx.token, now=now)
        ctx.report.outcomes[Status.SENT] += len(accepted)
    for row, error in outcomes:
        if isinstance(error, ProviderError):
            _failed(ctx, row, error, now)


def _finish(ctx: Context, row: dict, status: str, code: str, message: str, now) -> None:
    """The relay's own last word on a row its claim still holds, through the same transition as a callback
    (which also makes the follow-up: a task to reach the member, a carrier opt-out)."""
    outcome = delivery.Outcome(row["pk"], status, error_code=code, error_message=message)
    changed = delivery.apply_outcomes(ctx.unit, [outcome], claim_token=ctx.token, now=now)
    ctx.report.outcomes[status] += list(changed.values()).count(status)


def _failed(ctx: Context, row: dict, error: ProviderError, now) -> None:
    attempts = row["attempts"] + 1
    if error.ambiguous:  # the request may have created the message: find out, never resend blindly
        _finish(ctx, row, Status.UNKNOWN, error.code, error.message, now)
        return
    _release(ctx, row, now)
    if error.opted_out:
        _finish(ctx, row, Status.CANCELLED, error.code, error.message, now)
    elif error.retryable and attempts < MAX_ATTEMPTS:
        delay = max(backoff_seconds(attempts), error.retry_after or 0)
        window = windows.member_windows([row["member_id"]]).get(row["member_id"], ctx.window)
        retry_at = windows.next_open(window, now + datetime.timedelta(seconds=delay), ctx.tz)
        retried = Message.objects.filter(pk=row["pk"], claim_token=ctx.token, status=Status.SENDING).update(
            status=Status.PENDING, not_before=retry_at, claim_token="", claimed_at=None, started_at=None,
            error_code=error.code[:20], error_message=error.message[:300])
        ctx.report.outcomes["retry"] += retried
    else:
        _finish(ctx, row, Status.FAILED, error.code, error.message, now)


# --- reconciling unknown outcomes ----------------------------------------------------------------------------

def _listing(ctx: Context, message: Message) -> list[ProviderMessage] | None:
    """The provider's latest messages to `message.to` since shortly before we started it (allowing for clock
    skew), in a pool thread (HTTP only); None when the lookup failed."""
    try:
        return ctx.provider.recent_messages(message.to, since=message.started_at - datetime.timedelta(minutes=5))
    except ProviderError:
        return None


def _match(message: Message, listing: list[ProviderMessage]) -> ProviderMessage | None:
    """The listed message that is `message` (same body, not already another row's), or None: certainly none."""
    known = set(Message.objects.filter(sid__in=[item.sid for item in listing]).values_list("sid", flat=True))
    return next((item for item in listing if item.sid not in known and item.body == message.body), None)


def reconcile_unknown(ctx: Context, now, limit: int = 100) -> None:
    rows = list(Message.objects.filter(status=Status.UNKNOWN, sid__isnull=True, started_at__lt=now - settle())
                .order_by("pk")[:limit])
    for message, listing in zip(rows, _pool().map(lambda row: _listing(ctx, row), rows), strict=True):
        if listing is None:  # the lookup failed: it stays unknown, looked up again next time
            continue
        if (found := _match(message, listing)) is not None:  # adopted, with Twilio's status for it (else: sent)
            outcome = delivery.reported(
                message.pk, found.status, sid=found.sid, account_sid=ctx.account_sid, error_code=found.error_code,
                error_message=found.error_message, sent_at=found.date_created,
            ) or delivery.Outcome(message.pk, Status.SENT, sid=found.sid, account_sid=ctx.account_sid)
            delivery.apply_outcomes(ctx.unit, [outcome], now=now)
        elif Message.objects.filter(pk=message.pk, status=Status.UNKNOWN).update(
                status=Status.PENDING, not_before=now, claim_token="", claimed_at=None, started_at=None,
                error_code="not-found", error_message=_("Twilio has no such message after a lost answer; "
                                                        "it is sent again.")):
            _release(ctx, {"segments": message.segments}, now)  # reserved again when it is claimed
        ctx.report.reconciled += 1


def plan_wake(looked) -> None:
    """Have beat's watchdog run this unit's relay when the first unknown outcome that was not yet due when this
    run `looked` becomes due for its lookup (now, if it already is), not at the next periodic fan-out."""
    waiting = Message.objects.filter(status=Status.UNKNOWN, sid__isnull=True, started_at__gte=looked - settle())
    first = waiting.aggregate(first=Min("started_at"))["first"]
    if first is not None:
        leases.wake_at(connection.schema_name, (first + settle()).timestamp())


# --- settling sent messages whose delivery was never reported ----------------------------------------------

def settle_sent(ctx: Context, now, limit: int = CHECKS) -> None:
    """Sent messages with no final status after SMS_SENT_SETTLE_SECONDS (their status callbacks were lost) are
    fetched by sid and settled as a callback would settle them (an undelivered one asks for the member to be
    reached another way). One still on its way is checked again once its age has doubled (15 min, 30 min, 1 h,
    ...). After SMS_SENT_CHECK_HOURS it stays "sent", marked as never confirmed: some carriers never report
    delivery, so nothing more will come. Each row is taken for checking by one relay at a time (SKIP LOCKED)."""
    unconfirmed = Message.objects.filter(status=Status.SENT, error_code="")
    ctx.report.unconfirmed += unconfirmed.filter(sent_at__lt=now - check_sent_for()).update(
        error_code="unconfirmed", error_message=_("Sent, but the carrier never confirmed delivery."))
    checked_after_sending = ExpressionWrapper(F("checked_at") - F("sent_at"), output_field=DurationField())
    doubled = ExpressionWrapper(Value(now) - checked_after_sending, output_field=DateTimeField())
    due = unconfirmed.filter(sid__isnull=False, account_sid=ctx.account_sid, sent_at__lt=now - settle_sent_after()
                             ).filter(Q(checked_at__isnull=True) | Q(checked_at__lt=doubled))
    with transaction.atomic():
        rows = list(due.order_by(F("checked_at").asc(nulls_first=True), "sent_at")
                    .select_for_update(skip_locked=True).values("pk", "sid")[:limit])
        Message.objects.filter(pk__in=[row["pk"] for row in rows]).update(checked_at=now)
    if len(rows) == limit:  # more are waiting: come back as soon as beat's watchdog looks
        leases.wake_at(connection.schema_name, now.timestamp())
    outcomes = [delivery.reported(row["pk"], found.status, sid=row["sid"], account_sid=ctx.account_sid,
                                  error_code=found.error_code, error_message=found.error_message)
                for row, found in zip(rows, _pool().map(lambda row: _fetch(ctx, row["sid"]), rows), strict=True)
                if found is not None]
    final = [outcome for outcome in outcomes if outcome is not None and outcome.status in delivery.FINAL]
    if final:
        ctx.report.settled += len(delivery.apply_outcomes(ctx.unit, final, now=now))


def _fetch(ctx: Context, sid: str) -> ProviderMessage | None:
    """The provider's message now (in a pool thread: HTTP only); None when it cannot say (checked again later)."""
    try:
        return ctx.provider.fetch(sid)
    except ProviderError:
        return None
