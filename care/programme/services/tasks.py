"""Working the care tasks: who sees which, the due and overdue lists, snoozing and cancelling with a reason.
Tasks are completed by recording their visit or talk (services.records)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from care.programme.models import CareTask, Greeting, TaskStatus
from care.programme.services.records import parse_day
from care.registers import access
from carehub.audit.services import record
from carehub.clock import unit_today

STATES = ("due", "overdue", "upcoming", "open", "done", "cancelled")


def visible_tasks(user):
    """Tasks of the members the user may see."""
    return CareTask.objects.filter(member__in=access.visible_members(user))


def visible_greetings(user):
    return Greeting.objects.filter(member__in=access.visible_members(user))


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


def _require_open(actor, task: CareTask) -> CareTask:
    access.require_write(actor, task.member.node)
    task = CareTask.objects.select_for_update().select_related("member").get(pk=task.pk)
    if task.status != TaskStatus.OPEN:
        raise ValidationError(_("This task is no longer open."))
    return task


def snooze(actor, task: CareTask, *, until, reason: str) -> CareTask:
    """Postpone a task to `until`: it leaves the due and overdue lists until then."""
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Give a reason.")
    until = parse_day(until, "until", errors)
    if until and until <= unit_today():
        errors["until"] = _("Choose a day after today.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        task = _require_open(actor, task)
        before = [str(task.snoozed_until) if task.snoozed_until else None, task.reason]
        task.snoozed_until, task.reason = until, reason
        task.save(update_fields=["snoozed_until", "reason"])
        record(actor, "snooze", task, {"snoozed_until": [before[0], str(until)], "reason": [before[1], reason]})
    return task


def cancel(actor, task: CareTask, *, reason: str) -> CareTask:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    with transaction.atomic():
        task = _require_open(actor, task)
        task.status, task.reason = TaskStatus.CANCELLED, reason
        task.save(update_fields=["status", "reason"])
        record(actor, "cancel", task, {"status": [TaskStatus.OPEN, TaskStatus.CANCELLED], "reason": [None, reason]})
    return task
