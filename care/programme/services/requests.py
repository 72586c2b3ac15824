"""Visits members ask for themselves (today: by pressing 1 during a voice call from the unit, made by the
notifications app above us, which calls `request_visit`). A request is a visit task for the member's secretary,
due within days, announced to them at once (tasks_assigned) and recorded in the audit trail.

The task belongs to a built-in, inactive rule ("builtin-visit-request") so that it is a CareTask like any other
(lists, reminders, escalation); its version is a life-event rule with no event kind, so generation never creates
anything from it. One request per member and day: a second key press the same day adds nothing."""

import datetime

from django.db import IntegrityError, connection, transaction

from care.programme.actions import VISIT_REQUESTED
from care.programme.models import CareTask, Rule, RuleVersion, TaskKind, TaskStatus, Trigger
from care.programme.services.generation import node_secretaries_sql
from care.programme.signals import tasks_assigned
from care.registers.models import Member
from carehub.accounts.models import Role, User
from carehub.audit.services import record
from carehub.clock import unit_today

RULE_KEY = "builtin-visit-request"
DUE_DAYS = 3


def secretary_of(member: Member) -> int | None:
    """The secretary scoped nearest above (or at) the member's node, else the unit's first admin."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT user_id FROM ({node_secretaries_sql()}) s WHERE node_id = %s",  # noqa: S608
                       [member.node_id])
        row = cursor.fetchone()
    if row:
        return row[0]
    return User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").values_list("pk", flat=True).first()


def builtin_rule(key: str, name: str, task_kind: str) -> Rule:
    """A rule the system's own tasks hang on (a member's request, an unreachable phone): made on first use,
    switched off so that it never generates anything by itself."""
    rule = Rule.objects.filter(key=key).select_related("current").first()
    if rule is None:
        rule = Rule.objects.create(key=key, is_active=False)
        rule.current = RuleVersion.objects.create(rule=rule, number=1, name=name, trigger=Trigger.LIFE_EVENT,
                                                  task_kind=task_kind)
        rule.save(update_fields=["current"])
    return rule


def visit_request_rule() -> Rule:
    return builtin_rule(RULE_KEY, "党员请求上门看望", TaskKind.VISIT)


def request_visit(actor, member: Member, *, reason: str, source: str = "") -> CareTask | None:
    """A visit task for the member's secretary, asked for by the member (`actor` None: the system took the
    request, e.g. a key pressed in a call). `source` names what carried the request (a message id), for the audit
    trail. None when the member already asked today (the open task stands)."""
    today = unit_today()
    with transaction.atomic():
        rule = visit_request_rule()
        task = CareTask(rule=rule, version=rule.current, member=member, kind=TaskKind.VISIT, occurs_on=today,
                        opens_on=today, due_on=today + datetime.timedelta(days=DUE_DAYS),
                        assignee_id=secretary_of(member), status=TaskStatus.OPEN, reason=reason[:200])
        try:
            with transaction.atomic():  # a savepoint: the unique (rule, member, day) refuses a second one
                task.save()
        except IntegrityError:
            return None
        record(actor, VISIT_REQUESTED, task, {"kind": [None, TaskKind.VISIT], "source": [None, source]})
        tasks_assigned.send(CareTask, tasks=CareTask.objects.filter(pk=task.pk))
    return task
