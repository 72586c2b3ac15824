"""SMS reminders to staff: a morning digest of each assignee's due and overdue care tasks, and an immediate SMS
when a life-event task (hospitalisation, bereavement, ...) is assigned to someone, or a task is given to someone
by hand (care.programme.services.tasks.assign).

Both only write outbox rows (notifications.services.outbox.queue); the relay sends them. The digest's key
"digest:<user>:<local date>" makes it once a day per person however often the hourly job runs; the assignment
SMS is queued in the transaction that assigns the task (key "assigned:<task>:<assignee>"), so a rolled-back
assignment sends nothing and a reassignment to someone else tells the new assignee."""

import datetime
import logging
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from care.programme.models import CareTask, TaskStatus
from care.programme.services.tasks import with_effective_due
from carehub.accounts.models import User
from carehub.celery import app
from carehub.clock import current_unit, unit_language, unit_now, unit_today
from carehub.tasks import PlatformTask, UnitTask, for_each_active_unit
from notifications import rendering
from notifications.models import Category
from notifications.services import outbox
from notifications.services.config import get_settings
from notifications.services.templates import template_text

logger = logging.getLogger(__name__)
MOST_URGENT = 3
# The digest goes out during the first hours of the unit's sending window; later runs the same day catch up
# after an outage and change nothing otherwise (the key).
DIGEST_WINDOW = datetime.timedelta(hours=3)


def task_line(task: CareTask) -> str:
    """"王老 Visit (due 11-25)": the member, the kind of task and its (effective) due date."""
    due = getattr(task, "effective_due", None) or task.snoozed_until or task.due_on
    return _("%(member)s %(kind)s (due %(date)s)") % {
        "member": task.member.name, "kind": task.get_kind_display(), "date": f"{due:%m-%d}"}


def actionable(today: datetime.date):
    """Open tasks that are open now or late, not postponed past today, most urgent first."""
    tasks = with_effective_due(CareTask.objects.filter(status=TaskStatus.OPEN, opens_on__lte=today))
    return tasks.filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=today)).order_by("effective_due", "pk")


def digests(today: datetime.date) -> list[tuple[User, int, list[CareTask]]]:
    """(staff with a phone, number of their actionable tasks, the most urgent ones): assigned or escalated to
    them."""
    counts: dict[int, int] = defaultdict(int)
    urgent: dict[int, list[CareTask]] = defaultdict(list)
    for task in actionable(today).filter(Q(assignee__isnull=False) | Q(escalated_to__isnull=False)).select_related(
            "member"):
        for user_id in {task.assignee_id, task.escalated_to_id} - {None}:
            counts[user_id] += 1
            if len(urgent[user_id]) < MOST_URGENT:
                urgent[user_id].append(task)
    users = User.objects.filter(pk__in=list(counts), is_active=True).exclude(phone="").order_by("pk")
    return [(user, counts[user.pk], urgent[user.pk]) for user in users]


def _queue(key: str, template: str, user: User, context: dict):
    """Queue one staff SMS; a staff phone that is not a valid number is logged and skipped, not fatal."""
    language, context = unit_language(), {"unit_name": current_unit().name, **context}
    text = template_text(template, language)
    try:
        return outbox.queue(None, key=key, category=Category.STAFF, to=user.phone, body=rendering.render(text, context),
                            user=user, template=outbox.template_fields(template, language, text, context))
    except ValidationError:
        logger.warning("staff %s has no valid phone for SMS reminders", user.pk)
        return None


def queue_digests(today: datetime.date | None = None) -> int:
    """Queue today's digest for every assignee with actionable tasks; returns how many were newly queued."""
    today = today or unit_today()
    queued = 0
    with translation.override(unit_language()):
        separator = pgettext("list separator", "; ")
        for user, count, tasks in digests(today):
            with transaction.atomic():
                context = {"count": count, "tasks": separator.join(task_line(task) for task in tasks),
                           "date": str(today)}
                queued += _queue(f"digest:{user.pk}:{today}", "staff_digest", user, context) is not None
    return queued


def notify_assigned(tasks) -> int:
    """Queue the "task_assigned" SMS of each task to its assignee, in the caller's transaction. Call it for
    life-event tasks right after they are created or reassigned, and for a task given to someone by hand; a task
    already announced to the same assignee is not announced again."""
    queued = 0
    with translation.override(unit_language()):
        for task in tasks.filter(status=TaskStatus.OPEN, assignee__is_active=True).exclude(
                assignee__phone="").select_related("member", "assignee", "event"):
            context = {"member_name": task.member.name, "count": 1, "tasks": task_line(task),
                       "date": str(task.snoozed_until or task.due_on),
                       "occasion": task.event.get_kind_display() if task.event_id else ""}
            queued += _queue(f"assigned:{task.pk}:{task.assignee_id}", "task_assigned", task.assignee,
                             context) is not None
    return queued


def digest_due_now(now: datetime.datetime | None = None) -> bool:
    """Is it the unit's digest time: within the first hours of its sending window, local time?"""
    local = unit_now(now)
    start = datetime.datetime.combine(local.date(), get_settings().send_from, tzinfo=local.tzinfo)
    return start <= local < start + DIGEST_WINDOW


@app.task(base=UnitTask)
def daily_digests():
    if not digest_due_now():
        return {"unit": connection.schema_name, "queued": 0}
    return {"unit": connection.schema_name, "queued": queue_digests()}


@app.task(base=PlatformTask)
def fan_out_digests():
    """Hourly: each unit decides from its own time zone and sending window whether it is digest time."""
    return len(for_each_active_unit(daily_digests))
