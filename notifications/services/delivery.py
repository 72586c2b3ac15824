"""A message's delivery states after its request started, and what a failed delivery leads to.

Every change from what the provider tells us goes through `apply_outcomes`: the relay's answer, status
callbacks, and the relay's lookups of unknown outcomes and of sent messages never confirmed. Its rules are
monotonic, so the result does not depend on which news arrives first. A member whose number cannot take SMS
(undeliverable or invalid) gets a care task for their secretary to reach them another way; a carrier opt-out
(the phone replied STOP) is recorded.

The care task belongs to a built-in, inactive rule ("builtin-sms-unreachable") so that it is a CareTask like
any other (lists, reminders, escalation). Its version is a life-event rule with no event kind, so generation
never creates anything from it even if someone switches it on. One task per member and day at most."""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Metric
from billing.services.usage import record_usage_many
from care.programme.models import CareTask, Rule, RuleVersion, TaskKind, TaskStatus, Trigger
from care.programme.services.generation import node_secretaries_sql
from care.registers.models import Member
from carehub.accounts.models import Role, User
from carehub.audit.services import record
from carehub.clock import unit_today
from notifications.models import STATUS_RANK, Message, OptOutScope, OptOutSource, Status
from notifications.providers.base import INVALID_NUMBER, NOT_MOBILE, OPTED_OUT
from notifications.services.optouts import record_opt_out

RULE_KEY = "builtin-sms-unreachable"
DUE_DAYS = 3


def reach_rule() -> Rule:
    rule = Rule.objects.filter(key=RULE_KEY).select_related("current").first()
    if rule is None:
        rule = Rule.objects.create(key=RULE_KEY, is_active=False)
        rule.current = RuleVersion.objects.create(rule=rule, number=1, name="短信无法送达：另行联系",
                                                  trigger=Trigger.LIFE_EVENT, task_kind=TaskKind.REACH)
        rule.save(update_fields=["current"])
    return rule


def secretary_of(member: Member) -> int | None:
    """The secretary scoped nearest above (or at) the member's node, else the unit's first admin."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT user_id FROM ({node_secretaries_sql()}) s WHERE node_id = %s",  # noqa: S608
                       [member.node_id])
        row = cursor.fetchone()
    if row:
        return row[0]
    return User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").values_list("pk", flat=True).first()


def reach_member(message: Message) -> CareTask | None:
    """A task to reach the member of `message` another way; None for staff messages or when one is open."""
    if message.member_id is None:
        return None
    member = Member.objects.get(pk=message.member_id)
    today = unit_today()
    with transaction.atomic():
        rule = reach_rule()
        reason = _("SMS to %(phone)s failed (%(code)s %(error)s); reach the member another way.") % {
            "phone": message.to, "code": message.error_code, "error": message.error_message}
        task = CareTask(rule=rule, version=rule.current, member=member, kind=TaskKind.REACH, occurs_on=today,
                        opens_on=today, due_on=today + datetime.timedelta(days=DUE_DAYS),
                        assignee_id=secretary_of(member), status=TaskStatus.OPEN, reason=reason[:200])
        try:
            with transaction.atomic():  # a savepoint: the unique (rule, member, day) may refuse a second one
                task.save()
        except IntegrityError:
            return None
        record(None, "create", task, {"kind": [None, TaskKind.REACH], "message": [None, message.pk]})
    return task


def carrier_opt_out(message: Message) -> None:
    """Twilio 21610: the phone replied STOP to our sender; nothing more goes there until it replies START."""
    member = Member.objects.filter(pk=message.member_id).first() if message.member_id else None
    record_opt_out(None, phone=message.to, scope=OptOutScope.ALL, source=OptOutSource.PROVIDER, member=member,
                   note=_("Reported by the carrier (21610)."))


# Twilio's message statuses -> ours. "queued"/"accepted" mean Twilio has it: for us it is sent.
PROVIDER_STATUS = {"accepted": Status.SENT, "queued": Status.SENT, "scheduled": Status.SENT,
                   "sending": Status.SENT, "sent": Status.SENT, "delivered": Status.DELIVERED,
                   "read": Status.DELIVERED, "undelivered": Status.UNDELIVERED, "failed": Status.FAILED}
FINAL = {Status.DELIVERED, Status.UNDELIVERED, Status.FAILED, Status.CANCELLED}
METERED = {Status.SENT, Status.DELIVERED, Status.UNDELIVERED}  # what Twilio bills: it took the message
# The number cannot take SMS (invalid, not a mobile, unreachable, unknown, landline): reach the member another way.
UNREACHABLE = {INVALID_NUMBER, NOT_MOBILE, "30003", "30005", "30006"}


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


def reported(pk: int, provider_status: str, *, sid: str, account_sid: str, error_code="", error_message="",
             sent_at=None) -> Outcome | None:
    """The outcome the provider reports (a status callback, a fetch, a listing); None for a status we do not
    know. A carrier error without a text gets one that names the code."""
    status = PROVIDER_STATUS.get(provider_status or "")
    if status is None:
        return None
    code = str(error_code or "")
    text = error_message or (_("Carrier error %(code)s.") % {"code": code} if code else "")
    return Outcome(pk, status, sid=sid, account_sid=account_sid, error_code=code, error_message=text,
                   sent_at=sent_at)


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
    sent segments metered, a task to reach a member whose number cannot take SMS, a carrier opt-out (21610).
    With `claim_token`, only rows still held by that claim change (the relay's own answers). Returns
    {id: status} of the rows that changed. The relay, the status callback and both reconciliations all come
    through here, so a state is the same whatever order they reach it in."""
    now = now or timezone.now()
    by_pk = {outcome.pk: outcome for outcome in outcomes}
    with transaction.atomic():
        rows = Message.objects.select_for_update().filter(pk__in=by_pk).only(*STATE, "to", "member_id")
        if claim_token is not None:
            rows = rows.filter(claim_token=claim_token)
        changed, moved = [], []
        for message in rows.order_by("pk"):
            changes = transition(message, by_pk[message.pk], now)
            if not changes:
                continue
            for name, value in changes.items():
                setattr(message, name, value)
            changed.append(message)
            if "status" in changes:
                moved.append(message)
        if not changed:
            return {}
        _write(changed)
        meter(unit, [(message.pk, message.segments) for message in changed if message.status in METERED])
        for message in moved:
            _follow_up(message)
    return {message.pk: message.status for message in changed}


def _write(messages: list[Message]) -> None:
    """Store the state of `messages` (locked by the caller) in one statement: Django's bulk_update builds a CASE
    per field and row, and cost the relay three times the CPU of everything else it does per message."""
    with connection.cursor() as cursor:
        cursor.execute(WRITE, [[getattr(message, name) for message in messages] for name in ("pk", *STATE)])


def _follow_up(message: Message) -> None:
    """What a final status asks of people: reach the member another way, or respect the carrier's opt-out."""
    if message.status in (Status.UNDELIVERED, Status.FAILED) and message.error_code in UNREACHABLE:
        reach_member(message)
    elif message.status == Status.CANCELLED and message.error_code == OPTED_OUT:
        carrier_opt_out(message)


def meter(unit, rows) -> None:
    """Count sent segments for billing: `rows` are (message id, segments); once per message however often
    (billing.services.usage ignores a source key it has). One statement for all rows."""
    day, schema = unit_today(), connection.schema_name
    record_usage_many(unit, Metric.SMS_SEGMENTS, [(segments, f"sms:{schema}:{pk}", day) for pk, segments in rows])
