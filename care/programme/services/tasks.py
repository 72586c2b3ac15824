"""Working the care tasks: the due and overdue lists, snoozing and cancelling with a reason. Who sees which is
care.programme.access; tasks are completed by recording their visit or talk (services.records)."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from care.programme.actions import TASK_CANCELLED, TASK_SNOOZED
from care.programme.models import CareTask, TaskStatus
from care.programme.services.records import required_day
from care.registers import access
from carehub.audit.services import changing
from carehub.clock import unit_today

STATES = ("due", "overdue", "upcoming", "open", "done", "cancelled")


def with_effective_due(tasks):
    return tasks.annotate(effective_due=Coalesce("snoozed_until", "due_on"))


def in_state(tasks, state: str, today: datetime.date):
    """due: open now and not yet late; overdue: late; upcoming: not open yet; open: any of these."""
    tasks = with_effective_due(tasks)
    if state == "due":
        return tasks.filter(status=TaskStatus.OPEN, opens_on__lte=today, effective_due__gte=today)
    if state == "overdue":
        return tasks.filter(status=TaskStatus.OPEN, effective_due__lt=today)
    if state == "upcoming":
        return tasks.filter(status=TaskStatus.OPEN, opens_on__gt=today)
    if state == "open":
        return tasks.filter(status=TaskStatus.OPEN)
    return tasks.filter(status=state)


def mine(tasks, user):
    """Assigned to the user, or escalated to them."""
    return tasks.filter(Q(assignee=user) | Q(escalated_to=user))


def _require_open(task: CareTask) -> None:
    """Of the task's locked row (the status may have changed since the page was shown)."""
    if task.status != TaskStatus.OPEN:
        raise ValidationError(_("This task is no longer open."))


def snooze(actor, task: CareTask, *, until, reason: str) -> CareTask:
    """Postpone a task to `until`: it leaves the due and overdue lists until then."""
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Give a reason.")
    until = required_day(until, "until", errors)
    if until and until <= unit_today():
        errors["until"] = _("Choose a day after today.")
    if errors:
        raise ValidationError(errors)
    access.require_write(actor, task.member.node)
    with changing(actor, TASK_SNOOZED, task, ["snoozed_until", "reason"]) as change:
        _require_open(change.instance)
        change.instance.snoozed_until, change.instance.reason = until, reason
        change.instance.save(update_fields=["snoozed_until", "reason"])
    return change.instance


def cancel(actor, task: CareTask, *, reason: str) -> CareTask:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    access.require_write(actor, task.member.node)
    with changing(actor, TASK_CANCELLED, task, ["status", "reason"]) as change:
        _require_open(change.instance)
        change.instance.status, change.instance.reason = TaskStatus.CANCELLED, reason
        change.instance.save(update_fields=["status", "reason"])
    return change.instance
