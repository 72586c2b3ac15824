"""A message's delivery states and every move between them: the outbox's one state machine.

    pending --claim--> sending --request started (attempts + 1, committed before it goes out)--> the answer:
        sent | pending again after a pause (retryable) | failed | not sent (the carrier's opt-out) | unknown
    sending --the claim's lease ran out--> pending (never started) | unknown (started: it may exist)
    unknown --callback or lookup--> sent, delivered, ... | pending again (the provider certainly has none)
    sent --callback or fetch--> delivered | undelivered | failed; still sent after SMS_SENT_CHECK_HOURS: marked
        "unconfirmed" (a report that comes later still counts)

A waiting message that must not go any more (a death, an opt-out) is refused, pending -> not sent, by
notifications.services.refusals next to the check that decides it; every other move is made here.

Everything learnt from the provider goes through `apply_outcomes`: the relay's answer, status callbacks, and
the relay's lookups of unknown outcomes and of sent messages never confirmed. Its rules are monotonic, so the
result does not depend on which news arrives first. The provider speaks in neutral words
(notifications.providers.base); which of our statuses each means is decided here, and a move to a final status
makes its follow-up (notifications.services.followups): a task to reach a member whose number cannot take SMS,
the opt-out of a phone the carrier says opted out."""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Metric
from billing.services.usage import record_usage_many
from carehub.clock import current_unit, unit_today, unit_zone
from notifications import leases
from notifications.models import STATUS_RANK, Channel, Message, Status
from notifications.providers import Delivery, Failure, ProviderMessage, SendResult, backoff_seconds
from notifications.services import hours
from notifications.services.config import get_settings
from notifications.services.followups import carrier_opt_out, reach_member

MAX_ATTEMPTS = 6  # requests started per message before a retryable error becomes a failure
# Where the provider says a message is -> our status. One the provider holds is sent, for us.
REPORTED = {Delivery.QUEUED: Status.SENT, Delivery.SENT: Status.SENT, Delivery.DELIVERED: Status.DELIVERED,
            Delivery.UNDELIVERED: Status.UNDELIVERED, Delivery.FAILED: Status.FAILED}
FINAL = {Status.DELIVERED, Status.UNDELIVERED, Status.FAILED, Status.CANCELLED}
METERED = {Status.SENT, Status.DELIVERED, Status.UNDELIVERED}  # what the provider bills: it took the message
# A refused request, by what it means (a retryable one is retried first, then fails).
REFUSED = {Failure.AMBIGUOUS: Status.UNKNOWN, Failure.OPTED_OUT: Status.CANCELLED}


@dataclass(frozen=True)
class Outcome:
    """What we learnt about one message: the relay's answer from the provider, a status callback, or a lookup."""

    pk: int
    status: str
    sid: str | None = None
    account_sid: str = ""
    segments: int | None = None  # billed segments, when the provider said
    error_code: str = ""
    error_message: str = ""
    sent_at: datetime.datetime | None = None  # when the provider took it, if known (else: when we learnt it)
    failure: str = ""  # what the error means (a providers.Failure): decides the follow-up
    retry_in: float | None = None  # status pending (a retry): seconds to wait before sending again


def answered(pk: int, answer, *, attempts: int, account_sid: str) -> Outcome:
    """What the provider's answer to a send request (a SendResult or a ProviderError) means for the message;
    `attempts` counts the requests started for it, this one included."""
    if isinstance(answer, SendResult):
        return Outcome(pk, Status.SENT, sid=answer.sid, account_sid=account_sid, segments=answer.segments)
    if answer.failure == Failure.RETRYABLE and attempts < MAX_ATTEMPTS:
        return Outcome(pk, Status.PENDING, error_code=answer.code, error_message=answer.message,
                       failure=answer.failure, retry_in=max(backoff_seconds(attempts), answer.retry_after or 0))
    return Outcome(pk, REFUSED.get(answer.failure, Status.FAILED), error_code=answer.code,
                   error_message=answer.message, failure=answer.failure)


def reported(pk: int, report: ProviderMessage, *, account_sid: str, sent_at=None) -> Outcome | None:
    """The outcome the provider reports (a status callback, a fetch, a listing); None for a status that means
    nothing to us. A carrier error without a text gets one that names the code."""
    status = REPORTED.get(report.status)
    if status is None:
        return None
    code = report.error_code
    text = report.error_message or (_("Carrier error %(code)s.") % {"code": code} if code else "")
    return Outcome(pk, status, sid=report.sid or None, account_sid=account_sid, error_code=code, error_message=text,
                   sent_at=sent_at, failure=report.failure or "")


def adopted(pk: int, listed: ProviderMessage, *, account_sid: str) -> Outcome:
    """A message a lookup found at the provider after its answer was lost: taken with the provider's status
    (sent, when that status means nothing to us)."""
    return (reported(pk, listed, account_sid=account_sid, sent_at=listed.date_created)
            or Outcome(pk, Status.SENT, sid=listed.sid, account_sid=account_sid))


STATE = ("status", "status_changed_at", "sid", "account_sid", "sent_at", "segments", "error_code", "error_message")
WRITE = f"""
UPDATE {Message._meta.db_table} m
   SET status = v.status, status_changed_at = v.status_changed_at, sid = v.sid, account_sid = v.account_sid,
       sent_at = v.sent_at, segments = v.segments, error_code = v.error_code, error_message = v.error_message
  FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::text[], %s::text[], %s::timestamptz[], %s::int[],
              %s::text[], %s::text[])
       AS v(id, status, status_changed_at, sid, account_sid, sent_at, segments, error_code, error_message)
 WHERE m.id = v.id
"""  # noqa: S608 - the table name comes from model metadata; every value is a bound parameter


def transition(message: Message, outcome: Outcome, now) -> dict:
    """The fields `outcome` changes on `message` ({} when none). The same whichever order the news arrives in
    (the relay's answer, each status callback, a lookup), because every rule only ever adds information:

    - the status moves only up STATUS_RANK: a late "sent" (or the relay's "sent" after an "undelivered"
      callback) never overwrites a final status;
    - a known sid, account and sending time are never replaced or cleared;
    - an error stays with the status it explains: a move forward brings its own error (none for sent or
      delivered, so a timeout's or a retry's error goes), anything else keeps it; a final status still learns
      its error code when the code arrives after the status.
    """
    forward = STATUS_RANK[outcome.status] > STATUS_RANK[message.status]
    status = outcome.status if forward else message.status
    new = {"status": status, "sid": message.sid or outcome.sid,
           "account_sid": message.account_sid or outcome.account_sid}
    if forward:
        new["status_changed_at"] = now
    if status in METERED and message.sent_at is None:
        new["sent_at"] = outcome.sent_at or now
    if outcome.segments:
        new["segments"] = outcome.segments
    if forward or (outcome.error_code and outcome.status == status and not message.error_code):
        new.update(error_code=outcome.error_code[:20], error_message=outcome.error_message[:300])
    return {name: value for name, value in new.items() if value != getattr(message, name)}


def apply_outcomes(unit, outcomes: list[Outcome], *, claim_token: str | None = None, now=None) -> dict[int, str]:
    """Apply `outcomes` (see `transition`) and what follows from them, in one transaction with the rows locked:
    sent segments metered, a task to reach a member whose number cannot take SMS, a carrier opt-out. With
    `claim_token`, only rows still held by that claim change (the relay's own answers), and a retry (status
    pending) puts its row back in the queue. Returns {id: status} of the rows that changed. The relay, the status
    callback and both reconciliations all come through here, so a state is the same whatever order they reach
    it in."""
    now = now or timezone.now()
    by_pk = {outcome.pk: outcome for outcome in outcomes}
    with transaction.atomic():
        rows = Message.objects.select_for_update().filter(pk__in=by_pk).only(*STATE, "to", "member_id", "channel")
        if claim_token is not None:
            rows = rows.filter(claim_token=claim_token)
        changed, moved, retried = [], [], []
        for message in rows.order_by("pk"):
            outcome = by_pk[message.pk]
            if outcome.status == Status.PENDING:  # a retry: only of a request this claim still holds
                if claim_token is not None and message.status == Status.SENDING:
                    retried.append((message, outcome))
                continue
            changes = transition(message, outcome, now)
            if not changes:
                continue
            for name, value in changes.items():
                setattr(message, name, value)
            changed.append(message)
            if "status" in changes:
                moved.append(message)
        _retry(retried, now)
        if changed:
            _write(changed)
            # A call's minutes are metered when it ends (notifications.services.calls), not when it is placed.
            meter(unit, [(message.pk, message.segments) for message in changed
                         if message.status in METERED and message.channel == Channel.SMS])
            for message in moved:
                _follow_up(message, by_pk[message.pk])
            if any(message.status in FINAL for message in moved):
                leases.wake_soon()  # a ladder may climb
    return {**{message.pk: Status.PENDING for message, _outcome in retried},
            **{message.pk: message.status for message in changed}}


def apply_outcome(unit, outcome: Outcome, *, claim_token: str | None = None, now=None) -> str | None:
    """`apply_outcomes` for one message: its new status, or None when nothing changed."""
    return apply_outcomes(unit, [outcome], claim_token=claim_token, now=now).get(outcome.pk)


def _write(messages: list[Message]) -> None:
    """Store the state of `messages` (locked by the caller) in one statement: Django's bulk_update builds a CASE
    per field and row, and cost the relay three times the CPU of everything else it does per message."""
    with connection.cursor() as cursor:
        cursor.execute(WRITE, [[getattr(message, name) for message in messages] for name in ("pk", *STATE)])


def _retry(retries: list[tuple[Message, Outcome]], now) -> None:
    """Back to the queue after a retryable error, the claim let go and the error shown meanwhile: due after the
    pause, at the first moment the message's window is open then (a retry never lands in quiet hours)."""
    if not retries:
        return
    sms, tz = get_settings(), unit_zone()
    own = hours.member_windows(message.member_id for message, _outcome in retries)
    for message, outcome in retries:
        window = own.get(message.member_id, (sms.send_from, sms.send_until))
        retry_at = hours.next_open(window, now + datetime.timedelta(seconds=outcome.retry_in), tz)
        Message.objects.filter(pk=message.pk).update(
            status=Status.PENDING, not_before=retry_at, claim_token="", claimed_at=None, started_at=None,
            error_code=outcome.error_code[:20], error_message=outcome.error_message[:300])


def _follow_up(message: Message, outcome: Outcome) -> None:
    """What a final status asks of people: reach the member another way, or respect the carrier's opt-out (a
    refused request, or a delivery report saying the phone is on the carrier's blacklist for the sender)."""
    if message.status in (Status.UNDELIVERED, Status.FAILED) and outcome.failure == Failure.UNREACHABLE:
        if not message.rungs.exists():  # on a ladder, its next rung is the follow-up
            reach_member(message)
    elif message.status in FINAL and outcome.failure == Failure.OPTED_OUT:
        carrier_opt_out(message)


def status_reported(report: ProviderMessage, *, account_sid: str, message_id: str = "") -> str | None:
    """A status callback or a pushed delivery report: the message it is about, in this unit, moves as `report`
    says (its new status, or None). Found by sid and account, else by our id (`message_id`: from the callback's
    URL, or the report's OutId) for a message with no sid that is not final: its answer was lost, or a lookup
    missed it and it waits to be sent again, which this report then prevents, or a lookup found it without the
    provider's id. A report posted to another unit's host finds nothing there."""
    found = Message.objects.filter(sid=report.sid, account_sid=account_sid).first() if report.sid else None
    if found is None and message_id.isdigit():
        found = Message.objects.filter(pk=int(message_id), sid__isnull=True, status__in=[
            Status.PENDING, Status.SENDING, Status.UNKNOWN, Status.SENT]).first()
    outcome = found and reported(found.pk, report, account_sid=account_sid)
    return apply_outcome(current_unit(), outcome) if outcome else None


# --- the outbox's own moves: claims, released claims, lookups that found nothing, reports that never came ------

def claim(pks, token: str, now) -> None:
    """pending -> sending, held by the relay run `token` (the relay chose `pks` under its per-unit lock)."""
    Message.objects.filter(pk__in=pks, status=Status.PENDING).update(
        status=Status.SENDING, claim_token=token, claimed_at=now, started_at=None)


def release_expired(tokens, now) -> tuple[int, int]:
    """The rows of the claims `tokens`, whose lease ran out (their relay stopped: the worker died): never started
    -> pending, claimed again at once; started -> unknown (the request may have reached the provider, so it is
    looked up, never resent blindly). Returns (released, lost)."""
    expired = Message.objects.filter(status=Status.SENDING, claim_token__in=tokens)
    released = expired.filter(started_at__isnull=True).update(status=Status.PENDING, claim_token="", claimed_at=None)
    lost = expired.update(
        status=Status.UNKNOWN, status_changed_at=now, error_code="lost",
        error_message=_("The sender stopped after the request to the SMS provider started; the outcome is unknown."))
    return released, lost


def send_again(pk: int, now) -> bool:
    """unknown -> pending, due now: the provider certainly has no such message (a lookup found none)."""
    return bool(Message.objects.filter(pk=pk, status=Status.UNKNOWN).update(
        status=Status.PENDING, not_before=now, claim_token="", claimed_at=None, started_at=None,
        error_code="not-found",
        error_message=_("The SMS provider has no such message after a lost answer; it is sent again.")))


def mark_unconfirmed(sent_before) -> int:
    """Sent messages no report settled since `sent_before` (some carriers never confirm delivery): they stay
    sent, marked as never confirmed, and are no longer fetched."""
    marked = Message.objects.filter(status=Status.SENT, error_code="", sent_at__lt=sent_before,
                                    channel=Channel.SMS).update(
        error_code="unconfirmed", error_message=_("Sent, but the carrier never confirmed delivery."))
    if marked:
        leases.wake_soon()  # a ladder may climb
    return marked


def meter(unit, rows) -> None:
    """Count sent segments for billing: `rows` are (message id, segments); once per message however often
    (billing.services.usage ignores a source key it has). One statement for all rows."""
    day, schema = unit_today(), connection.schema_name
    record_usage_many(unit, Metric.SMS_SEGMENTS, [(segments, f"sms:{schema}:{pk}", day) for pk, segments in rows])
