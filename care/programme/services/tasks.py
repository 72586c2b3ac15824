"""Working the care tasks: the due and overdue lists, "this week", assigning, snoozing and cancelling with a
reason. Who sees which is care.programme.access; tasks are completed by recording their visit or talk
(services.records), and hardship reviews by reviewing the member's ledger entry (`complete_reviews`)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from care.programme.access import visible_tasks
from care.programme.actions import TASK_ASSIGNED, TASK_CANCELLED, TASK_COMPLETED, TASK_SNOOZED
from care.programme.models import CareTask, TaskKind, TaskStatus
from care.programme.services.records import required_day
from care.programme.signals import tasks_assigned
from care.registers import access
from care.registers.models import HardshipReview
from carehub.audit.services import changing, record
from carehub.clock import unit_today
from carehub.collation import by_pinyin

STATES = ("today", "week", "due", "overdue", "upcoming", "open", "done", "cancelled")


def this_week(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar week holding `today`, Monday to Sunday, as people in China count it: "this week" wherever
    it is shown (my work, the task lists' "due this week", the dashboard's tile), so they all agree."""
    monday = today - datetime.timedelta(days=today.weekday())
    return monday, monday + datetime.timedelta(days=6)


def with_effective_due(tasks):
    return tasks.annotate(effective_due=Coalesce("snoozed_until", "due_on"))


def in_state(tasks, state: str, today: datetime.date):
    """today: open and due today; week: open and due from today to the end of this week (what is already late
    is overdue); due: open now and not yet late; overdue: late; upcoming: not open yet; open: any of these."""
    tasks = with_effective_due(tasks)
    if state == "today":
        return tasks.filter(status=TaskStatus.OPEN, effective_due=today)
    if state == "week":
        return tasks.filter(status=TaskStatus.OPEN, effective_due__gte=today, effective_due__lte=this_week(today)[1])
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


def my_work(user, today: datetime.date):
    """The user's open tasks due by the end of this week, the late ones included: most urgent first, and by
    the member's name (in pinyin) within a day."""
    tasks = with_effective_due(mine(visible_tasks(user), user)).filter(
        status=TaskStatus.OPEN, effective_due__lte=this_week(today)[1])
    return tasks.order_by("effective_due", by_pinyin("member__name"), "member_id", "pk")


def coming_work(user, today: datetime.date):
    """The user's open tasks due after this week, soonest first: what "my work" shows when the week is clear."""
    tasks = with_effective_due(mine(visible_tasks(user), user)).filter(
        status=TaskStatus.OPEN, effective_due__gt=this_week(today)[1])
    return tasks.order_by("effective_due", by_pinyin("member__name"), "member_id", "pk")


def unassigned(tasks):
    """Open tasks nobody is assigned to."""
    return tasks.filter(status=TaskStatus.OPEN, assignee__isnull=True)


def unassigned_work(user, today: datetime.date):
    """Open tasks due by the end of this week in the user's organisations that nobody is assigned to (those
    escalated to the user are in their own work already)."""
    tasks = with_effective_due(unassigned(visible_tasks(user))).filter(
        effective_due__lte=this_week(today)[1])
    return tasks.exclude(escalated_to=user).order_by("effective_due", by_pinyin("member__name"), "pk")


def with_review_entry(tasks, user):
    """Each task with `review_entry`: for a hardship review, the id of the member's open ledger entry the user
    may see (the one due first), which the task's action opens; None when there is none."""
    entries = (access.visible_hardship(user).filter(member=OuterRef("member_id"), closed_on__isnull=True)
               .order_by("review_due_on", "pk").values("pk")[:1])
    return tasks.annotate(review_entry=Subquery(entries))


def purpose(task: CareTask) -> str:
    """What a visit or talk done for the task is about, in words: the rule's name, or for the tasks whose rule
    name says little to the member's family (death care, an unreachable phone) what is done."""
    if task.kind == TaskKind.DEATH_CARE:
        return _("Condolences to the family")
    if task.kind == TaskKind.REACH:
        return _("Phone call: our SMS did not reach the member")
    return task.version.name


def _require_open(task: CareTask) -> None:
    """Of the task's locked row (the status may have changed since the page was shown)."""
    if task.status != TaskStatus.OPEN:
        raise ValidationError(_("This task is no longer open."))


def assign(actor, task: CareTask, *, assignee) -> CareTask:
    """Give the task to `assignee` (an active staff account who sees the member), from whoever had it. The new
    assignee hears of it at once (signals.tasks_assigned), unless they took it themselves."""
    access.require_write(actor, task.member.node)
    if assignee is None or not access.staff_seeing(task.member.node).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": _("Choose an active staff account who may see this member.")})
    with changing(actor, TASK_ASSIGNED, task, ["assignee"]) as change:
        _require_open(change.instance)
        if change.instance.assignee_id == assignee.pk:
            raise ValidationError({"assignee": _("The task is already assigned to %(name)s.") % {
                "name": assignee.get_full_name()}})
        change.instance.assignee = assignee
        change.instance.save(update_fields=["assignee"])
        if assignee.pk != getattr(actor, "pk", None):
            tasks_assigned.send(sender=CareTask, tasks=CareTask.objects.filter(pk=task.pk))
    return change.instance


def complete_reviews(actor, review: HardshipReview) -> int:
    """A review of a member's hardship entry does the member's hardship-review tasks open by its date (a task
    of a later period stays). Each completion is audited; returns how many."""
    with transaction.atomic():
        tasks = CareTask.objects.select_for_update().filter(
            member_id=review.entry.member_id, kind=TaskKind.REVIEW, status=TaskStatus.OPEN,
            opens_on__lte=review.reviewed_on).order_by("pk")
        done = 0
        for task in tasks:
            task.status, task.done_on = TaskStatus.DONE, review.reviewed_on
            task.save(update_fields=["status", "done_on"])
            record(actor, TASK_COMPLETED, task, {"status": [TaskStatus.OPEN, TaskStatus.DONE],
                                                 "done_on": [None, str(review.reviewed_on)]})
            done += 1
    return done


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
