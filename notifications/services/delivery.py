"""What a failed delivery to a member leads to: a care task for their secretary to reach them another way
(undeliverable or invalid number), or an opt-out (the carrier says the phone replied STOP).

The care task belongs to a built-in, inactive rule ("builtin-sms-unreachable") so that it is a CareTask like
any other (lists, reminders, escalation). Its version is a life-event rule with no event kind, so generation
never creates anything from it even if someone switches it on. One task per member and day at most."""

import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Metric
from billing.usage import record_usage_many
from care.audit.services import record
from care.programme.calendar import unit_today
from care.programme.models import CareTask, Rule, RuleVersion, TaskKind, TaskStatus, Trigger
from care.programme.services.generation import node_secretaries_sql
from care.registers.models import Member
from carehub.accounts.models import Role, User

from ..models import STATUS_RANK, Message, OptOutScope, OptOutSource, Status
from .optouts import record_opt_out

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


def advance(messages, status: str, **fields) -> int:
    """Move `messages` (a queryset) to `status` only where that is a step forward (STATUS_RANK), in one
    conditional UPDATE: a late "sent" never overwrites "delivered", whatever order callbacks arrive in."""
    lower = [value for value, rank in STATUS_RANK.items() if rank < STATUS_RANK[status]]
    return messages.filter(status__in=lower).update(status=status, status_changed_at=timezone.now(), **fields)


def meter(unit, rows) -> None:
    """Count sent segments for billing: `rows` are (message id, segments); once per message however often
    (billing.usage ignores a source key it has). One statement for all rows."""
    day, schema = unit_today(), connection.schema_name
    record_usage_many(unit, Metric.SMS_SEGMENTS, [(segments, f"sms:{schema}:{pk}", day) for pk, segments in rows])
