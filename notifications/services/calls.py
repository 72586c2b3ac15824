"""What happens to a voice message (an outbox row of channel "voice") once its call is placed: each try's end, the
key pressed, the tries left and their times, the minutes used.

    pending --relay--> sending --call placed--> sent --the member answers, hears the text twice, and presses
        1 ("please visit me": a visit task for their secretary) or 2 ("received")--> heard
        no key, the call completed --> delivered (answered, not confirmed)
        busy | no answer | failed | an answering machine --> pending again at the next try's time (VOICE_TRIES
            calls at most: morning, afternoon, evening inside the member's sending window) --> unreached after the
            last one, with a task for the member's secretary to reach them another way

A call's outcome arrives in Twilio's status callback, the key in its gather action (notifications.api.webhooks);
both are in the neutral words of providers.base by the time they get here. Each try is a `Call` row (sid,
outcome, key, seconds); the message keeps the current call's sid. Every change is made with the row locked, and a
report about a call that ended before (a repeated callback) changes nothing.
"""

import datetime
import math

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.models import Metric
from billing.services.limits import charge_sms_segments, release_sms_segments
from billing.services.usage import record_usage
from care.programme.services.requests import request_visit
from care.registers.models import Member
from carehub.audit.services import record
from carehub.clock import current_unit, unit_today, unit_zone
from notifications import leases
from notifications.actions import CALL_KEY_PRESSED
from notifications.models import STATUS_RANK, Call, CallOutcome, Channel, Message, Status
from notifications.providers.base import CallReport
from notifications.services import hours
from notifications.services.config import get_settings
from notifications.services.followups import reach_member

VOICE_TRIES = 3  # calls placed for one voice message before it is unreached
# Local times of the tries after the first (morning, afternoon, evening), each moved into the recipient's sending
# window; a try is never sooner than MIN_GAP after the one before.
TRY_TIMES = (datetime.time(10, 0), datetime.time(15, 0), datetime.time(19, 0))
MIN_GAP = datetime.timedelta(hours=2)
VISIT, RECEIVED = "1", "2"
# Calls still on their way: a report about a message in any other status is about a call that ended before.
ON_ITS_WAY = (Status.SENDING, Status.UNKNOWN, Status.SENT)
WORDS = {
    CallOutcome.BUSY: gettext_lazy("The line was busy."),
    CallOutcome.NO_ANSWER: gettext_lazy("Nobody answered."),
    CallOutcome.FAILED: gettext_lazy("The call could not be connected."),
    CallOutcome.MACHINE: gettext_lazy("An answering machine took the call."),
}


def minute_segments() -> int:
    """Segments of the plan's allowance one voice minute counts as (VOICE_MINUTE_SEGMENTS, default 1)."""
    return max(int(getattr(settings, "VOICE_MINUTE_SEGMENTS", 1)), 1)


def next_try(now: datetime.datetime, window, tz) -> datetime.datetime:
    """When to call again after a try that reached nobody at `now`: the next of TRY_TIMES at least MIN_GAP later,
    moved into `window` (never into quiet hours)."""
    local = now.astimezone(tz)
    for days in range(3):
        day = local.date() + datetime.timedelta(days=days)
        for at in TRY_TIMES:
            moment = datetime.datetime.combine(day, at, tzinfo=tz)
            if moment >= now + MIN_GAP:
                return hours.next_open(window, moment, tz)
    return hours.next_open(window, now + MIN_GAP, tz)


def placed(calls) -> None:
    """The relay placed calls: (message id, call sid, account sid), one `Call` row each (kept if a callback that
    came first made it already)."""
    with transaction.atomic():
        # The messages first, in one order, as the webhooks lock them before their call: a callback racing the
        # relay for the same call then waits for it instead of deadlocking with it (seen in CI).
        list(Message.objects.select_for_update().filter(pk__in=[pk for pk, _sid, _account in calls])
             .order_by("pk").values_list("pk", flat=True))
        for pk, sid, account_sid in calls:
            Call.objects.get_or_create(sid=sid, defaults={"message_id": pk, "account_sid": account_sid})


def _locked(message_id: str, call_sid: str) -> Message | None:
    """The voice message (locked) of this unit that the call `call_sid` was placed for; `message_id` is our id from
    the signed webhook URL. None for anything else: another unit's id, a text message, a foreign call."""
    if not message_id.isdigit() or not call_sid:
        return None
    message = Message.objects.select_for_update().filter(pk=int(message_id), channel=Channel.VOICE).first()
    if message is None:
        return None
    if message.sid == call_sid or Call.objects.filter(message=message, sid=call_sid).exists():
        return message
    # The relay has not recorded the call's sid yet (its answer comes after Twilio's first request).
    return message if message.sid is None and message.status in ON_ITS_WAY else None


def _call(message: Message, sid: str, account_sid: str) -> Call:
    call = Call.objects.select_for_update().filter(sid=sid).first()
    return call or Call.objects.create(message=message, sid=sid, account_sid=account_sid)


def is_current(message_id: str, call_sid: str) -> bool:
    """Does the call belong to a voice message of this unit (a TwiML fetch may go on)?"""
    with transaction.atomic():
        return _locked(message_id, call_sid) is not None


def call_ended(report: CallReport, *, message_id: str, account_sid: str, now=None) -> str | None:
    """A call's status callback: the try's outcome recorded and metered, and the message moved on (delivered,
    another try, or unreached). Returns the message's new status, or None when nothing changed."""
    if report.outcome is None:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        message = _locked(message_id, report.sid)
        if message is None:
            return None
        call = _call(message, report.sid, account_sid)
        if call.outcome or call.message_id != message.pk:
            return None  # reported before
        call.outcome, call.seconds, call.ended_at = report.outcome, report.seconds, now
        call.save(update_fields=["outcome", "seconds", "ended_at"])
        _meter(message, call, now)
        if message.status not in ON_ITS_WAY or (message.sid and message.sid != call.sid):
            return None  # already heard (the key came first), or a later try is on its way
        if report.outcome == CallOutcome.COMPLETED:
            return _move(message, Status.DELIVERED, now)
        tries = message.calls.exclude(outcome="").count()
        if tries < VOICE_TRIES:
            sms = get_settings()
            own = hours.member_windows([message.member_id])
            retry_at = next_try(now, own.get(message.member_id, (sms.send_from, sms.send_until)), unit_zone())
            Message.objects.filter(pk=message.pk).update(
                status=Status.PENDING, sid=None, not_before=retry_at, claim_token="", claimed_at=None,
                started_at=None, status_changed_at=now, error_code=report.outcome,
                error_message=_("%(outcome)s Try %(try)d of %(tries)d; calling again later.") % {
                    "outcome": WORDS[report.outcome], "try": tries, "tries": VOICE_TRIES})
            return Status.PENDING
        message.error_code = report.outcome
        message.error_message = _("No call was answered in %(tries)d tries (last: %(outcome)s)") % {
            "tries": tries, "outcome": WORDS[report.outcome]}
        status = _move(message, Status.UNREACHED, now)
        if not message.rungs.exists():  # on a ladder, its next rung is the follow-up
            reach_member(message, _("Voice call to %(phone)s: %(error)s Reach the member another way.") % {
                "phone": message.to, "error": message.error_message})
        return status


def _move(message: Message, status: str, now) -> str | None:
    if STATUS_RANK[status] <= STATUS_RANK[message.status]:
        return None
    leases.wake_soon()  # a ladder may climb
    Message.objects.filter(pk=message.pk).update(
        status=status, status_changed_at=now, sent_at=message.sent_at or now, error_code=message.error_code
        if status == Status.UNREACHED else "", error_message=message.error_message if status == Status.UNREACHED
        else "")
    return status


def _meter(message: Message, call: Call, now) -> None:
    """The minutes of an answered call (by a person or a machine), each started minute counted, recorded once per
    call and counted in the plan's allowance beyond the minute reserved before it; an unanswered try gives its
    reservation back (the next try reserves again)."""
    unit, month = current_unit(), unit_today(now)
    if not call.seconds:
        release_sms_segments(unit, message.segments, month=month)
        return
    minutes = math.ceil(call.seconds / 60)
    if record_usage(unit, Metric.VOICE_MINUTES, minutes, source_key=f"voice:{connection.schema_name}:{call.sid}",
                    day=month):
        charge_sms_segments(unit, minutes * minute_segments() - message.segments, month=month)


def key_pressed(digit: str, *, message_id: str, call_sid: str, account_sid: str, now=None) -> str | None:
    """The key the member pressed in the call: 1 asks for a visit (a task for their secretary), 1 and 2 both say
    the message was heard. Returns the key when it meant something, else None."""
    now = now or timezone.now()
    with transaction.atomic():
        message = _locked(message_id, call_sid)
        if message is None:
            return None
        call = _call(message, call_sid, account_sid)
        if call.digit or digit not in (VISIT, RECEIVED):
            return None
        call.digit = digit
        call.save(update_fields=["digit"])
        _move(message, Status.HEARD, now)
        member = Member.objects.filter(pk=message.member_id).first() if message.member_id else None
        task = None
        if digit == VISIT and member is not None:
            task = request_visit(None, member, source=f"message:{message.pk}", reason=_(
                "Asked for a visit by pressing 1 in the voice call of %(day)s.") % {"day": unit_today(now)})
        record(None, CALL_KEY_PRESSED, message, {"key": [None, digit], "task": [None, task.pk if task else None]},
               object_type="message")
    return digit
