"""What a failed delivery asks of people (notifications.services.delivery makes these when a message's status
moves): a care task to reach a member whose number cannot take SMS, and the opt-out of a phone whose carrier
says it opted out.

The care task belongs to a built-in, inactive rule ("builtin-sms-unreachable") so that it is a CareTask like
any other (lists, reminders, escalation). Its version is a life-event rule with no event kind, so generation
never creates anything from it even if someone switches it on. One task per member and day at most."""

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from care.programme.models import CareTask, Rule, TaskKind, TaskStatus
from care.programme.services.requests import builtin_rule, secretary_of
from care.registers.models import Member
from carehub.audit.services import record
from carehub.clock import unit_today
from notifications.actions import REACH_TASK_CREATED
from notifications.models import Channel, Message, OptOutScope, OptOutSource
from notifications.services.optouts import record_opt_out

RULE_KEY = "builtin-sms-unreachable"
DUE_DAYS = 3


def reach_rule() -> Rule:
    return builtin_rule(RULE_KEY, "短信无法送达：另行联系", TaskKind.REACH)


def reach_member(message: Message, reason: str = "") -> CareTask | None:
    """A task to reach the member of `message` another way; None for staff messages or when one is open.
    `reason`: what was tried, when it was not an SMS (a voice message no call reached)."""
    if message.member_id is None:
        return None
    failed = (_("Voice call to %(phone)s failed (%(code)s %(error)s); reach the member another way.")
              if message.channel == Channel.VOICE else
              _("SMS to %(phone)s failed (%(code)s %(error)s); reach the member another way."))
    reason = reason or failed % {"phone": message.to, "code": message.error_code, "error": message.error_message}
    return reach_in_person(Member.objects.get(pk=message.member_id), reason, message=message)


def reach_in_person(member: Member, reason: str, *, message: Message | None = None) -> CareTask | None:
    """A task for the member's secretary to reach them another way, saying why (`reason`: what was tried); the
    member's task of today when one is open already."""
    today = unit_today()
    with transaction.atomic():
        rule = reach_rule()
        task = CareTask(rule=rule, version=rule.current, member=member, kind=TaskKind.REACH, occurs_on=today,
                        opens_on=today, due_on=today + datetime.timedelta(days=DUE_DAYS),
                        assignee_id=secretary_of(member), status=TaskStatus.OPEN, reason=reason[:200])
        try:
            with transaction.atomic():  # a savepoint: the unique (rule, member, day) may refuse a second one
                task.save()
        except IntegrityError:
            return CareTask.objects.filter(rule=rule, member=member, occurs_on=today).first()
        record(None, REACH_TASK_CREATED, task, {"kind": [None, TaskKind.REACH],
                                                "message": [None, message.pk if message else None]})
    return task


def carrier_opt_out(message: Message) -> None:
    """The carrier refused the message because the phone opted out (replied STOP to our sender): nothing more
    goes there until it opts in again."""
    member = Member.objects.filter(pk=message.member_id).first() if message.member_id else None
    record_opt_out(None, phone=message.to, scope=OptOutScope.ALL, source=OptOutSource.PROVIDER, member=member,
                   channel=message.channel,
                   note=_("Reported by the carrier (%(code)s).") % {"code": message.error_code})
