# ruff: noqa: S608 - table names come from model metadata; every value is a bound parameter.
"""The relay: sends a unit's due outbox rows through the provider, at most once per row as far as we can know.

The states a row goes through, and every move between them, are notifications.services.delivery (see also the
README, "SMS delivery guarantee"); the relay decides when to make them:

- Claims are one transaction per batch under a per-unit advisory lock, with a conditional UPDATE (status
  pending -> sending): two workers never hold the same row, and the daily cap and windows are checked exactly.
- A relay run holds a lease on its claim, renewed by a heartbeat while it runs (notifications.leases). A claim
  whose lease ran out (the worker was killed) is released within seconds: without `started_at` the request
  never began and the row is simply pending again; with it, the request may have reached the provider, so the row
  becomes UNKNOWN, never blindly resent.
- UNKNOWN rows are settled by the status callback (its URL carries the row's id, so it matches even though we
  never saw the sid) or, after SMS_UNKNOWN_SETTLE_SECONDS, by looking the message up at the provider (Messages
  list by recipient, matched by body and time): found -> adopted; certainly absent -> pending again; lookup
  failed -> stays unknown, visible in the outbox.
- SENT rows whose delivery nobody reported (the callbacks were lost) are fetched by sid after
  SMS_SENT_SETTLE_SECONDS and settled like a callback would; see `settle_sent`.
- Every status change learnt from the provider goes through `delivery.apply_outcomes`, monotonic in any order;
  the rows that must no longer go (a death, an opt-out) are refused by notifications.services.refusals.

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
from carehub.celery import app
from carehub.clock import current_unit, unit_today, unit_zone
from carehub.tasks import UnitTask
from notifications import leases, ratelimit
from notifications.models import Channel, Message, Status, Template
from notifications.providers import Failure, ProviderError, ProviderMessage, VendorTemplate, provider_for
from notifications.providers.twilio_voice import voice_for
from notifications.services import calls, delivery, hours
from notifications.services.config import account_for, get_settings, sender_for, voice_account, voice_number
from notifications.services.refusals import refusals, refuse
from tenants.models import Domain
from tenants.services.onboarding import base_url

logger = logging.getLogger(__name__)
BATCH = 200  # rows per claim
COUNTED = [Status.SENDING, Status.UNKNOWN, Status.SENT, Status.DELIVERED, Status.UNDELIVERED,  # daily cap
           Status.HEARD, Status.UNREACHED]
CHECKS = 200  # sent messages fetched per relay run at most (concurrently, through the sending pool)
FIELDS_CHECKED = ("pk", "to", "member_id", "category", "template", "language", "channel")  # by the refusal check
FIELDS = ("pk", "to", "body", "segments", "member_id", "category", "attempts", "template", "language", "variables",
          "channel")


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
    callback: str  # the status callback's URL, for a provider that takes one per message (Twilio)
    codes: dict | None = None  # (template, language) -> the provider's template code, where it sends only those
    voice: "VoiceLine | None" = None  # how voice rows are called, None when the unit has no caller number
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    report: Report = field(default_factory=Report)

    @property
    def window(self):
        return self.sms.send_from, self.sms.send_until

    def account_of(self, row: dict) -> str:
        """The account a row goes out from: the voice account for a call, else the SMS provider's."""
        return self.voice.account_sid if row.get("channel") == Channel.VOICE and self.voice else self.account_sid

    def template_of(self, row: dict) -> VendorTemplate | None:
        """What a provider of approved templates is given for `row`: its template's code and variables."""
        if self.codes is None:
            return None
        return VendorTemplate(self.codes.get((row["template"], row["language"]), ""), row["variables"])


@dataclass
class VoiceLine:
    """Where a unit's voice calls come from (Twilio, whatever the SMS provider) and where Twilio asks for them."""

    provider: object
    account_sid: str
    from_number: str
    hooks: str  # the unit's public base URL + "/hooks/twilio/voice/"

    def call(self, row: dict):
        m = f"?m={row['pk']}"
        return self.provider.call(row["to"], self.from_number, url=f"{self.hooks}{m}",
                                  status_callback=f"{self.hooks}status/{m}")


def context() -> Context | None:
    """Everything a relay run needs, or None when the unit cannot send (no sender or account configured)."""
    unit, sms = current_unit(), get_settings()
    account, sender = account_for(sms), sender_for(sms)
    if account is None or sender is None:
        logger.warning("SMS not configured for this unit: messages stay pending")
        return None
    provider = provider_for(account, sms.provider)
    domain = Domain.objects.filter(tenant_id=unit.pk, is_primary=True).values_list("domain", flat=True).first()
    caller, calling = voice_account(sms), voice_number(sms)
    voice = VoiceLine(voice_for(caller), caller.sid, calling, f"{base_url(domain)}/hooks/twilio/voice/") \
        if caller and calling else None
    if provider.uses_templates:  # reports come by push to the unit's URLs, not to a callback per message
        codes = {(key, language): code for key, language, code in Template.objects.exclude(vendor_code="")
                 .values_list("key", "language", "vendor_code")}
        return Context(unit, sms, provider, sender, account.sid, unit_zone(), "", codes, voice)
    return Context(unit, sms, provider, sender, account.sid, unit_zone(), f"{base_url(domain)}/hooks/twilio/status/",
                   voice=voice)


@app.task(base=UnitTask)
def relay_unit():
    """Send this unit's due messages: dispatched on commit by the outbox when something is due, and run by
    beat (notifications.tasks) for every unit and where its watchdog finds work."""
    report = relay()
    return {"unit": connection.schema_name, **(report.as_dict() if report else {"configured": False})}


def relay(*, now=None, batch: int = BATCH, max_batches: int | None = None) -> Report | None:
    """Send the unit's due messages, `batch` rows per claim, until none is due (or `max_batches` claims)."""
    ctx = context()
    if ctx is None:
        return None
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

def _sent_today(phones, now, tz) -> Counter:
    rows = (Message.objects.filter(to__in=phones, status__in=COUNTED, claimed_at__gte=hours.day_start(now, tz))
            .values_list("to").order_by().annotate(count=Count("pk")))
    return Counter(dict(rows))


def claim(ctx: Context, now, batch: int = BATCH) -> tuple[list[dict], int]:
    """Claim up to `batch` due rows; returns (claimed rows, candidates examined). Rows that may no longer be sent
    are cancelled; rows outside their window, or over the recipient's daily cap, wait for their next slot."""
    with transaction.atomic():
        with connection.cursor() as cursor:  # one claimer per unit at a time: the cap count stays exact
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('carehub-sms-claim:' || current_schema()))")
        due = Message.objects.filter(status=Status.PENDING, not_before__lte=now).order_by("not_before", "pk")
        candidates = list(due.values(*FIELDS_CHECKED)[:batch * 2])
        if not candidates:
            return [], 0
        refused = refusals((row["pk"], row["member_id"], row["to"], row["category"], (row["template"], row["language"]),
                             row["channel"])
                           for row in candidates)
        own = hours.member_windows(row["member_id"] for row in candidates)
        counts = _sent_today({row["to"] for row in candidates}, now, ctx.tz)
        local = now.astimezone(ctx.tz).time()
        tomorrow = hours.day_start(now, ctx.tz) + datetime.timedelta(days=1)
        chosen, later = [], {}
        for row in candidates:
            window = own.get(row["member_id"], ctx.window)
            if row["pk"] in refused:
                continue
            if not hours.contains(window, local):
                later[row["pk"]] = hours.next_open(window, now, ctx.tz)
            elif counts[row["to"]] >= ctx.sms.daily_cap_per_recipient:
                later[row["pk"]] = hours.next_open(window, tomorrow, ctx.tz)
            elif len(chosen) < batch:
                counts[row["to"]] += 1
                chosen.append(row["pk"])
        for reason in set(refused.values()):
            pks = [pk for pk, code in refused.items() if code == reason]
            ctx.report.outcomes[Status.CANCELLED] += refuse(Message.objects.filter(pk__in=pks), reason, now)
        for at in set(later.values()):
            Message.objects.filter(pk__in=[pk for pk, value in later.items() if value == at]).update(not_before=at)
        ctx.report.postponed += len(later)
        delivery.claim(chosen, ctx.token, now)
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
    released, lost = delivery.release_expired(dead, now)
    ctx.report.released += released
    ctx.report.lost += lost


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
            outcome = delivery.Outcome(row["pk"], Status.FAILED, error_code="quota",
                                       error_message=_("The unit's SMS allowance for this month is used up."))
            _apply(ctx, [(row, outcome)], now)
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
        if row["channel"] == Channel.VOICE:
            if ctx.voice is None:
                return ProviderError("no-caller", _("The unit has no caller number for voice calls."))
            return ctx.voice.call(row)
        return ctx.provider.send(row["to"], row["body"], ctx.sender,
                                 status_callback=f"{ctx.callback}?m={row['pk']}" if ctx.callback else None,
                                 reference=str(row["pk"]), template=ctx.template_of(row))
    except ProviderError as error:
        return error
    except Exception as error:  # a bug after the request may have gone out: treat as ambiguous, never resend
        logger.exception("unexpected error sending message %s", row["pk"])
        return ProviderError("error", str(error)[:200], failure=Failure.AMBIGUOUS)


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


def _apply(ctx: Context, answers: list[tuple[dict, object]], now) -> None:
    """Record what came back for rows of this claim: the provider's answers (SendResult or ProviderError), or an
    outcome of the relay's own; one transaction for the group. A callback that came first keeps its final status
    and error. A request refused for sure gives its reserved segments back."""
    outcomes = []
    for row, answer in answers:
        if isinstance(answer, ProviderError) and answer.failure != Failure.AMBIGUOUS:
            _release(ctx, row, now)
        outcomes.append(answer if isinstance(answer, delivery.Outcome) else delivery.answered(
            row["pk"], answer, attempts=row["attempts"] + 1, account_sid=ctx.account_of(row)))
    changed = delivery.apply_outcomes(ctx.unit, outcomes, claim_token=ctx.token, now=now)
    calls.placed([(outcome.pk, outcome.sid, outcome.account_sid) for (row, _answer), outcome
                  in zip(answers, outcomes, strict=True) if row.get("channel") == Channel.VOICE and outcome.sid])
    for outcome in outcomes:
        if outcome.pk in changed:
            ctx.report.outcomes["retry" if outcome.status == Status.PENDING else outcome.status] += 1


# --- reconciling unknown outcomes ----------------------------------------------------------------------------

def _listing(ctx: Context, message: Message) -> list[ProviderMessage] | None:
    """The provider's latest messages to `message.to` since shortly before we started it (allowing for clock
    skew), in a pool thread (HTTP only); None when the lookup failed."""
    try:
        return ctx.provider.recent_messages(message.to, since=message.started_at - datetime.timedelta(minutes=5))
    except ProviderError:
        return None


def _match(message: Message, listing: list[ProviderMessage]) -> ProviderMessage | None:
    """The listed message that is `message` (carrying our id for it, else the same body, and not already another
    row's), or None: certainly none."""
    known = set(Message.objects.filter(sid__in=[item.sid for item in listing if item.sid])
                .values_list("sid", flat=True))
    fresh = [item for item in listing if not item.sid or item.sid not in known]
    return (next((item for item in fresh if item.reference == str(message.pk)), None)
            or next((item for item in fresh if not item.reference and item.body == message.body), None))


def reconcile_unknown(ctx: Context, now, limit: int = 100) -> None:
    # A call whose answer was lost is never looked up nor placed again blindly: it stays unknown until its status
    # callback (whose URL carries the row's id) settles it.
    rows = list(Message.objects.filter(status=Status.UNKNOWN, sid__isnull=True, started_at__lt=now - settle(),
                                       channel=Channel.SMS).order_by("pk")[:limit])
    for message, listing in zip(rows, _pool().map(lambda row: _listing(ctx, row), rows), strict=True):
        if listing is None:  # the lookup failed: it stays unknown, looked up again next time
            continue
        if (found := _match(message, listing)) is not None:  # adopted, with the provider's status for it
            delivery.apply_outcome(ctx.unit, delivery.adopted(message.pk, found, account_sid=ctx.account_sid),
                                   now=now)
        elif delivery.send_again(message.pk, now):
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
    ctx.report.unconfirmed += delivery.mark_unconfirmed(now - check_sent_for())
    unconfirmed = Message.objects.filter(status=Status.SENT, error_code="", channel=Channel.SMS)
    checked_after_sending = ExpressionWrapper(F("checked_at") - F("sent_at"), output_field=DurationField())
    doubled = ExpressionWrapper(Value(now) - checked_after_sending, output_field=DateTimeField())
    due = unconfirmed.filter(sid__isnull=False, account_sid=ctx.account_sid, sent_at__lt=now - settle_sent_after()
                             ).filter(Q(checked_at__isnull=True) | Q(checked_at__lt=doubled))
    with transaction.atomic():
        rows = list(due.order_by(F("checked_at").asc(nulls_first=True), "sent_at")
                    .select_for_update(skip_locked=True).values("pk", "sid", "to", "sent_at")[:limit])
        Message.objects.filter(pk__in=[row["pk"] for row in rows]).update(checked_at=now)
    if len(rows) == limit:  # more are waiting: come back as soon as beat's watchdog looks
        leases.wake_at(connection.schema_name, now.timestamp())
    outcomes = [delivery.reported(row["pk"], found, account_sid=ctx.account_sid)
                for row, found in zip(rows, _pool().map(lambda row: _fetch(ctx, row), rows), strict=True)
                if found is not None]
    final = [outcome for outcome in outcomes if outcome is not None and outcome.status in delivery.FINAL]
    if final:
        ctx.report.settled += len(delivery.apply_outcomes(ctx.unit, final, now=now))


def _fetch(ctx: Context, row: dict) -> ProviderMessage | None:
    """The provider's message now (in a pool thread: HTTP only); None when it cannot say (checked again later)."""
    try:
        return ctx.provider.fetch(row["sid"], to=row["to"], sent_at=row["sent_at"])
    except ProviderError:
        return None
