"""Running the rules: on demand, for one life event, and the daily job (cancel what no longer applies,
generate the horizon, escalate what is overdue). Each run is audited per rule that created something."""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.translation import gettext as _

from care.programme.actions import GREETING_CANCELLED, RULE_GENERATED, TASK_CANCELLED
from care.programme.models import (
    CareTask,
    Greeting,
    GreetingStatus,
    LifeEvent,
    ProgrammeSettings,
    Rule,
    TaskKind,
    TaskStatus,
)
from care.programme.services.escalation import escalate_overdue
from care.programme.services.generation import Outcome, Window, generate_version
from care.programme.signals import greetings_due, tasks_assigned
from care.registers import access
from care.registers.models import Member, MemberStatus
from carehub.audit.services import record_many
from carehub.clock import unit_today


@dataclass
class DailyReport:
    today: datetime.date
    cancelled: int
    generated: Outcome
    escalated: int


def window_for(today=None, horizon=None) -> Window:
    today = today or unit_today()
    return Window(today, ProgrammeSettings.load().horizon_days if horizon is None else horizon)


def generate(actor, *, today=None, horizon=None, rules=None) -> Outcome:
    """Materialise the active rules' items for the horizon (unit admins, the daily job, commands).

    One transaction: one INSERT per rule, then one INSERT of the audit records of the rules that created
    something, so the run's statements never depend on the number of members. Only new life-event tasks (rare)
    add work per task: their assignment SMS."""
    if actor is not None:
        access.require_admin(actor)
    window = window_for(today, horizon)
    outcome = Outcome()
    active = Rule.objects.filter(is_active=True, current__isnull=False).select_related("current")
    if rules is not None:
        active = active.filter(pk__in=[rule.pk for rule in rules])
    with transaction.atomic():
        for rule in active.order_by("pk"):
            outcome.add(rule, *generate_version(rule.current, window))
        _audit(actor, outcome, {"through": [None, str(window.end)]})
        announce(outcome)
    return outcome


def announce(outcome: Outcome) -> None:
    """Have the assignees of new life-event tasks told at once (signals.tasks_assigned: by SMS, in the
    transaction that created them). Other rules' tasks wait for the daily digest."""
    if outcome.event_tasks:
        tasks_assigned.send(sender=CareTask, tasks=CareTask.objects.filter(pk__in=outcome.event_tasks))


def _audit(actor, outcome: Outcome, extra: dict) -> None:
    record_many(actor, RULE_GENERATED, "rule", [
        (rule.pk, rule, {"tasks": [None, tasks], "greetings": [None, greetings], **extra})
        for rule, (tasks, greetings) in outcome.by_rule.items()])


def generate_for_event(event_id: int) -> Outcome:
    """The tasks of one life event, at once (called on commit of the event)."""
    event = LifeEvent.objects.filter(pk=event_id).first()
    outcome = Outcome()
    if event is None:
        return outcome
    window = window_for()
    rules = Rule.objects.filter(is_active=True, current__trigger="life_event", current__event_kind=event.kind)
    with transaction.atomic():
        for rule in rules.select_related("current").order_by("pk"):
            outcome.add(rule, *generate_version(rule.current, window, event_id=event.pk))
        _audit(event.recorded_by, outcome, {"event": [None, event.pk]})
        announce(outcome)
    return outcome


def on_commit_in_unit(function, *args) -> None:
    """Run `function(*args)` after the surrounding transaction commits, in the schema that is current now (the
    connection may have moved to another schema by then)."""
    from django_tenants.utils import schema_context

    schema = connection.schema_name

    def run():
        with schema_context(schema):
            function(*args)

    transaction.on_commit(run)


def cancel_for_gone_members(actor, members=None) -> int:
    """Cancel open tasks and pending greetings of deceased (except death care) and moved-out members."""
    gone = Member.objects.filter(status__in=[MemberStatus.DECEASED, MemberStatus.MOVED_OUT])
    if members is not None:
        gone = gone.filter(pk__in=[member.pk for member in members])
    reason = _("The member has died or moved out.")
    tasks = CareTask.objects.filter(status=TaskStatus.OPEN, member__in=gone).exclude(
        kind=TaskKind.DEATH_CARE, member__status=MemberStatus.DECEASED)
    greetings = Greeting.objects.filter(status=GreetingStatus.PENDING, member__in=gone)
    with transaction.atomic():
        cancelled = list(tasks.select_for_update(of=("self",)).values_list("pk", "member__name"))
        CareTask.objects.filter(pk__in=[pk for pk, _name in cancelled]).update(status=TaskStatus.CANCELLED,
                                                                               reason=reason)
        dropped = list(greetings.select_for_update(of=("self",)).values_list("pk", "member__name"))
        Greeting.objects.filter(pk__in=[pk for pk, _name in dropped]).update(status=GreetingStatus.CANCELLED)
        change = {"status": ["open", "cancelled"], "reason": [None, reason]}
        record_many(actor, TASK_CANCELLED, "caretask", [(pk, name, change) for pk, name in cancelled])
        record_many(actor, GREETING_CANCELLED, "greeting", [(pk, name, {"status": ["pending", "cancelled"]})
                                                            for pk, name in dropped])
    return len(cancelled) + len(dropped)


def run_daily(today=None, horizon=None) -> DailyReport:
    """The daily job of one unit: idempotent, so a retry or a second run the same day changes nothing."""
    today = today or unit_today()
    cancelled = cancel_for_gone_members(None)
    generated = generate(None, today=today, horizon=horizon)
    # Today's SMS greetings into the outbox (the notifications app), each marked sent in the same step.
    greetings_due.send(sender=Greeting, actor=None, today=today)
    escalated = escalate_overdue(None, today)
    return DailyReport(today, cancelled, generated, escalated)
