# ruff: noqa: S608 - table names come from model metadata; every value is a bound parameter.
"""The outbox: queuing messages in the caller's transaction, each under an idempotency key.

`queue_many` writes all rows in one INSERT ... ON CONFLICT (idempotency_key) DO NOTHING, so a key queued before
(by a retry, a rerun, a concurrent worker) creates nothing, and the caller's business change and its messages
commit or roll back together. What must not be sent is written too, as a CANCELLED row with its reason, so the
outbox shows why a member got nothing: no phone, an invalid number, a deceased member, an opt-out (the last two
by the refusal check the relay uses too, notifications.services.refusals).

Each accepted row gets `not_before`: its due time moved into the recipient's sending window, and to a later day
when the recipient already has the daily cap of messages that day (carriers reject repeats). The relay checks
opt-outs, deaths, windows and the cap again when it sends, since any of them can change in between.
"""

import collections
import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from carehub.audit.services import record_many
from carehub.clock import unit_zone
from carehub.phones import normalise_phone, shown_phone
from notifications import leases, rendering, segments
from notifications.actions import MESSAGE_QUEUED
from notifications.models import Channel, Message, Status
from notifications.services import hours
from notifications.services.config import get_settings
from notifications.services.refusals import reasons, refusals
from notifications.services.relay import relay_unit

VOICE_RESERVED_SEGMENTS = 1  # a call reserves one minute (one segment's worth) of the plan before it is placed
MAX_DAYS_AHEAD = 31  # how far the daily cap may push a message before it is queued anyway
NOT_PLANNED = (Status.CANCELLED, Status.FAILED)  # rows that take no room in a recipient's day


@dataclass
class Row:
    key: str
    category: str
    to: str
    body: str
    member_id: int | None = None
    user_id: int | None = None
    notice_id: int | None = None
    due_at: datetime.datetime | None = None
    # The template `body` was made from and its variables' values (what Alibaba Cloud is given instead of the
    # text); none for a text typed by staff.
    template: str = ""
    language: str = ""
    variables: dict = field(default_factory=dict)
    channel: str = Channel.SMS  # a voice row is a call reading `body` aloud (notifications.services.voice)


def template_fields(key: str, language: str, text: str, context: dict) -> dict:
    """A Row's template fields for `text`, the text of template `key` in `language`, rendered with `context`: the
    values of the variables the text uses, as strings."""
    used = rendering.PATTERN.findall(text)
    return {"template": key, "language": language,
            "variables": {name: str(context.get(name, "")) for name in used if name in rendering.VARIABLES}}


@dataclass
class Queued:
    created: list[int] = field(default_factory=list)  # ids of the new rows, pending or cancelled
    pending: int = 0
    refused: collections.Counter = field(default_factory=collections.Counter)  # reason code -> rows
    duplicates: int = 0  # rows whose key was queued before


def _phone(raw: str) -> tuple[str, str]:
    """(E.164 phone, refusal code or "")."""
    try:
        phone = normalise_phone(raw)
    except ValidationError:
        return (raw or "")[:20], "invalid-number"
    return phone, "" if phone else "no-phone"


class _Schedule:
    """Assigns each accepted row its not_before: in its window, on a day the recipient still has room."""

    def __init__(self, phones, cap: int, tz, now, replanned=()):
        """`replanned`: rows being planned again, not counted where they are now."""
        self.cap, self.tz, self.now = cap, tz, now
        self.counts = collections.Counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT \"to\", (not_before AT TIME ZONE %s)::date, count(*) FROM {Message._meta.db_table} "
                "WHERE \"to\" = ANY(%s) AND not_before >= %s AND NOT status = ANY(%s) "
                "AND NOT id = ANY(%s::bigint[]) GROUP BY 1, 2",
                [str(tz), list(phones), hours.day_start(now, tz), list(NOT_PLANNED), list(replanned)])
            for phone, day, count in cursor.fetchall():
                self.counts[phone, day] = count

    def slot(self, phone: str, window, due: datetime.datetime | None) -> datetime.datetime:
        at = hours.next_open(window, max(due or self.now, self.now), self.tz)
        for _day in range(MAX_DAYS_AHEAD):
            day = at.astimezone(self.tz).date()
            if self.counts[phone, day] < self.cap:
                break
            next_day = hours.day_start(at, self.tz) + datetime.timedelta(days=1)
            at = hours.next_open(window, next_day, self.tz)
        self.counts[phone, at.astimezone(self.tz).date()] += 1
        return at


INSERT = """
INSERT INTO {table} (idempotency_key, category, member_id, user_id, notice_id, "to", body, segments, status,
                     not_before, error_code, error_message, status_changed_at, template, language, variables,
                     channel, attempts, claim_token, account_sid, created_at)
SELECT *, 0, '', '', now() FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[],
                                       %s::text[], %s::int[], %s::text[], %s::timestamptz[], %s::text[], %s::text[],
                                       %s::timestamptz[], %s::text[], %s::text[], %s::jsonb[], %s::text[])
ORDER BY 1
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id, status, error_code
"""


def queue_many(actor, rows: list[Row], *, now: datetime.datetime | None = None) -> Queued:
    """Queue `rows` (inside the caller's transaction); keys already queued are skipped. One audit event."""
    now = now or timezone.now()
    sms, tz = get_settings(), unit_zone()
    unit_window = (sms.send_from, sms.send_until)
    phones = [_phone(row.to) for row in rows]
    refused = refusals((index, row.member_id, phone, row.category, (row.template, row.language), row.channel)
                       for index, (row, (phone, refusal)) in enumerate(zip(rows, phones, strict=True)) if not refusal)
    own_windows = hours.member_windows(row.member_id for row in rows)
    schedule = _Schedule({phone for phone, refusal in phones if not refusal}, sms.daily_cap_per_recipient, tz, now)
    texts = reasons()
    columns = [[] for _column in range(17)]
    for index, (row, (phone, refusal)) in enumerate(zip(rows, phones, strict=True)):
        refusal = refusal or refused.get(index, "")
        body = segments.normalise(row.body)
        window = own_windows.get(row.member_id, unit_window)
        not_before = now if refusal else schedule.slot(phone, window, row.due_at)
        # A voice row reserves a minute of the allowance (VOICE_RESERVED_SEGMENTS), not its text's segments.
        size = VOICE_RESERVED_SEGMENTS if row.channel == Channel.VOICE else segments.count(body).segments
        values = [row.key, row.category, row.member_id, row.user_id, row.notice_id, phone, body,
                  size, Status.CANCELLED if refusal else Status.PENDING, not_before,
                  refusal, texts.get(refusal, ""), now if refusal else None, row.template, row.language,
                  Jsonb(row.variables), row.channel]
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT.format(table=Message._meta.db_table), columns)
        inserted = cursor.fetchall()
        result = Queued(created=[pk for pk, _status, _code in inserted], duplicates=len(rows) - len(inserted))
        result.pending = sum(status == Status.PENDING for _pk, status, _code in inserted)
        result.refused.update(code for _pk, _status, code in inserted if code)
        if result.refused:
            leases.wake_soon()  # a ladder may climb past a refused channel
        if inserted:
            # Labelled by recipient, never by the idempotency key (an internal key).
            label = (_("Message to %(phone)s") % {"phone": shown_phone(rows[0].to)} if len(inserted) == 1
                     else _("%(count)d messages") % {"count": len(inserted)})
            record_many(actor, MESSAGE_QUEUED, "message", [(inserted[0][0], label, {
                "messages": [None, len(inserted)], "pending": [None, result.pending],
                "refused": [None, dict(result.refused)]})])
        if result.pending and any(at <= now for at, status in zip(columns[9], columns[8], strict=True)
                                  if status == Status.PENDING):
            request_relay()
    return result


def replan(member_ids=None, *, now: datetime.datetime | None = None) -> int:
    """Plan the pending rows again as queue_many would plan them now, after a change of the sending window or
    the daily cap (inside that change's transaction): a row waiting for the old window's start moves to the
    new window, never before now or before it was queued, never into quiet hours; a due row outside the new
    window waits for it; a retry keeps its backoff. `member_ids`: only these members' rows (their own window
    changed). Returns the rows moved."""
    now = now or timezone.now()
    rows = Message.objects.select_for_update().filter(status=Status.PENDING)
    if member_ids is not None:
        rows = rows.filter(member_id__in=member_ids)
    rows = list(rows.order_by("not_before", "pk").values_list("pk", "to", "member_id", "attempts", "created_at",
                                                               "not_before"))
    sms, tz = get_settings(), unit_zone()
    own_windows = hours.member_windows(row[2] for row in rows)
    schedule = _Schedule({row[1] for row in rows}, sms.daily_cap_per_recipient, tz, now, [row[0] for row in rows])
    moved = collections.defaultdict(list)
    for pk, phone, member_id, attempts, created_at, not_before in rows:
        window = own_windows.get(member_id, (sms.send_from, sms.send_until))
        at = schedule.slot(phone, window, not_before if attempts else created_at)
        if at != not_before and not (at <= now and not_before <= now):  # a row that may go now stays as it is
            moved[at].append(pk)
    for at, pks in moved.items():
        Message.objects.filter(pk__in=pks).update(not_before=at)
    if any(at <= now for at in moved):
        request_relay()
    return sum(len(pks) for pks in moved.values())


def queue(actor, *, key: str, category: str, to: str, body: str, member=None, user=None, notice=None,
          due_at: datetime.datetime | None = None, template: dict | None = None) -> Message | None:
    """Queue one message; None when `key` was queued before. A refused message is returned CANCELLED.
    `template`: the template fields of the text (`template_fields`)."""
    row = Row(key=key, category=category, to=to, body=body, member_id=getattr(member, "pk", None),
              user_id=getattr(user, "pk", None), notice_id=getattr(notice, "pk", None), due_at=due_at,
              **(template or {}))
    created = queue_many(actor, [row]).created
    return Message.objects.get(pk=created[0]) if created else None


def request_relay() -> None:
    """Ask workers to send this unit's due messages once the transaction commits. If the task message is lost
    (broker down, worker killed), the periodic relay finds the rows anyway: this only makes sending prompt."""
    for _copy in range(settings.SMS_RELAY_PARALLEL):  # a big batch is drained by several workers at once
        relay_unit.delay_on_commit()
