# ruff: noqa: S608 - identifiers come from model metadata and constants; every value is a bound parameter.
"""Materialising care tasks and greetings from the rules, set-based.

For each rule version one SQL statement computes the candidates (the audience joined with the occurrences in
the window, the assignee found by join) and inserts them with INSERT ... SELECT ... ON CONFLICT DO NOTHING. The
partial unique constraints on (rule, member, occurrence) make a second copy impossible whatever reruns, retries
or concurrent runs happen; rows are inserted in a fixed order, so two concurrent runs wait on each other instead
of deadlocking. The number of statements depends on the number of rules, never on the number of members.

Window: a task is created once it opens within the horizon (opens_on <= today + horizon) as long as it is not
yet past due (due_on >= today); a greeting when its day is within [today, today + horizon]. Life-event tasks
are created whatever their dates: the event happened and must be looked after.
"""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection

from care.programme import calendar
from care.programme.models import CareTask, Greeting, LifeEvent, Pairing, RuleVersion, TaskKind, Trigger
from care.programme.services.audience import Params, audience_sql
from care.registers.models import Member, Node, StaffScope
from carehub.accounts.models import Role, User

MEMBER_KEYS = {
    "political_birthday": "to_char(m.joined_on, 'MM-DD')",
    "birthday": "to_char(m.birth_date, 'MM-DD')",
    "lunar_birthday": ("CASE WHEN m.lunar_birth_month IS NOT NULL AND m.lunar_birth_day IS NOT NULL THEN "
                       "'L' || m.lunar_birth_month || '-' || m.lunar_birth_day || "
                       "CASE WHEN m.lunar_birth_leap THEN '+' ELSE '' END "
                       "ELSE to_char(m.birth_date, 'MM-DD') END"),
}
REFERENCE = {"political_birthday": "m.joined_on", "birthday": "m.birth_date"}


@dataclass(frozen=True)
class Window:
    today: datetime.date
    horizon: int

    @property
    def end(self) -> datetime.date:
        return self.today + datetime.timedelta(days=self.horizon)


class Created(NamedTuple):
    """What one rule version's statement created."""

    tasks: int
    greetings: int
    event_tasks: list[int]  # ids of the new tasks of a life-event rule (their assignees are told by SMS)


@dataclass
class Outcome:
    tasks: int = 0
    greetings: int = 0
    by_rule: dict = field(default_factory=dict)  # rule -> (tasks, greetings), for rules that created items
    event_tasks: list[int] = field(default_factory=list)

    def add(self, rule, tasks: int, greetings: int, event_tasks=()) -> None:
        self.tasks += tasks
        self.greetings += greetings
        self.event_tasks += event_tasks
        if tasks or greetings:
            self.by_rule[rule] = (tasks, greetings)


def node_secretaries_sql() -> str:
    """Each node's secretary: the secretary account scoped nearest above (or at) the node."""
    return (f"SELECT DISTINCT ON (n.id) n.id AS node_id, s.user_id FROM {Node._meta.db_table} n "
            f"JOIN {Node._meta.db_table} sn ON n.path LIKE sn.path || '%%' "
            f"JOIN {StaffScope._meta.db_table} s ON s.node_id = sn.id "
            f"JOIN {User._meta.db_table} u ON u.id = s.user_id AND u.is_active AND u.role = '{Role.SECRETARY}' "
            "ORDER BY n.id, sn.depth DESC, u.id")


def _days(version: RuleVersion, window: Window) -> tuple[datetime.date, datetime.date]:
    """The occurrence days that can yield an item in the window."""
    return (window.today - datetime.timedelta(days=version.due_days),
            window.end + datetime.timedelta(days=version.lead_days))


def _occurrences(version: RuleVersion, window: Window, p: Params, event_id: int | None) -> tuple[str, str]:
    """(FROM/JOIN clause giving `o.day`, `o.opens_on`, `o.due_on`, `o.event_id` per member, extra condition)."""
    lead, due = p(version.lead_days), p(version.due_days)
    offsets = f"o.day - {lead}::int AS opens_on, o.day + {due}::int AS due_on"
    if version.trigger == Trigger.OCCASION:
        days = calendar.dates_between(version.calendar, version.month, version.day, *_days(version, window))
        return f"CROSS JOIN LATERAL (SELECT day, {offsets}, NULL::bigint AS event_id " \
               f"FROM unnest({p(days)}::date[]) AS o(day)) o", ""
    if version.trigger == Trigger.ANNIVERSARY:
        days, keys = calendar.calendar_rows(*_days(version, window))
        key = "lunar_birthday" if version.anniversary_of == "birthday" and version.prefer_lunar \
            else version.anniversary_of
        reference = REFERENCE[version.anniversary_of]
        source = (f"JOIN (SELECT day, key, {offsets}, NULL::bigint AS event_id "
                  f"FROM unnest({p(days)}::date[], {p(keys)}::text[]) AS o(day, key)) o ON o.key = {MEMBER_KEYS[key]}")
        years = f"(extract(year FROM o.day)::int - extract(year FROM {reference})::int)"
        condition = f" AND ({reference} IS NULL OR o.day > {reference})"
        if version.round_every:
            condition += f" AND {years} %% {p(version.round_every)} = 0"
        if version.round_years:
            condition += f" AND {years} = ANY({p(list(version.round_years))})"
        return source, condition
    if version.trigger == Trigger.CADENCE:
        starts, ends = periods(version.every_months, window)
        return (f"CROSS JOIN LATERAL (SELECT day, day AS opens_on, last AS due_on, NULL::bigint AS event_id "
                f"FROM unnest({p(starts)}::date[], {p(ends)}::date[]) AS o(day, last)) o"), ""
    which = f"e.id = {p(event_id)}" if event_id else f"e.created_at >= {p(version.created_at)}"
    return (f"JOIN (SELECT e.id AS event_id, e.member_id, e.occurred_on AS day, "
            f"e.occurred_on AS opens_on, e.occurred_on + {due}::int AS due_on "
            f"FROM {LifeEvent._meta.db_table} e WHERE e.kind = {p(version.event_kind)} AND {which}) o "
            "ON o.member_id = m.id"), ""


def periods(every_months: int, window: Window) -> tuple[list, list]:
    """The cadence's periods (aligned on January 1) that overlap the window: (first days, last days)."""
    starts, ends = [], []
    year, month = window.today.year, 1
    while True:
        start = datetime.date(year, month, 1)
        month += every_months
        if month > 12:
            year, month = year + 1, month - 12
        last = datetime.date(year, month, 1) - datetime.timedelta(days=1)
        if start > window.end:
            return starts, ends
        if last >= window.today:
            starts.append(start)
            ends.append(last)


def candidates_sql(version: RuleVersion, window: Window, p: Params, *, event_id: int | None = None,
                   scope: str | None = None) -> str:
    """SELECT of the items `version` yields: member_id, event_id, day, opens_on, due_on, assignee_id, via_sms."""
    source, condition = _occurrences(version, window, p, event_id)
    where = audience_sql(version.audience, p, death_care=version.task_kind == TaskKind.DEATH_CARE)
    if scope is not None:
        where += f" AND n.path LIKE {p(scope + '%')}"
    return (f"SELECT m.id AS member_id, o.event_id, o.day, o.opens_on, o.due_on, "
            f"COALESCE(pa.partner_id, ns.user_id) AS assignee_id, NOT m.uses_smartphone AS via_sms "
            f"FROM {Member._meta.db_table} m JOIN {Node._meta.db_table} n ON n.id = m.node_id {source} "
            f"LEFT JOIN {Pairing._meta.db_table} pa ON pa.member_id = m.id AND pa.ended_on IS NULL "
            f"LEFT JOIN node_secretary ns ON ns.node_id = m.node_id "
            f"WHERE {where}{condition}")


def task_window(version: RuleVersion, p: Params, window: Window) -> str:
    if version.trigger == Trigger.LIFE_EVENT:
        return "TRUE"
    return f"c.due_on >= {p(window.today)} AND c.opens_on <= {p(window.end)}"


def generate_version(version: RuleVersion, window: Window, *, event_id: int | None = None) -> Created:
    """Insert the items of one rule version in one statement. Only a life-event rule's statement also returns
    the new tasks' ids, so the bulk rules never cost anything per row."""
    p = Params(rule=version.rule_id, version=version.pk)
    parts = [f"node_secretary AS ({node_secretaries_sql()})",
             f"candidates AS ({candidates_sql(version, window, p, event_id=event_id)})"]
    tasks = greetings = "SELECT 1 WHERE FALSE"
    event_tasks = "NULL::bigint[]"
    if version.task_kind:
        same = ("t.event_id = c.event_id" if version.trigger == Trigger.LIFE_EVENT
                else "t.occurs_on = c.day AND t.event_id IS NULL")
        parts.append(
            f"new_tasks AS (INSERT INTO {CareTask._meta.db_table} (rule_id, version_id, member_id, event_id, kind, "
            "occurs_on, opens_on, due_on, assignee_id, status, reason, created_at) "
            f"SELECT %(rule)s, %(version)s, c.member_id, c.event_id, {p(version.task_kind)}, c.day, c.opens_on, "
            "c.due_on, c.assignee_id, 'open', '', now() FROM candidates c "
            f"WHERE {task_window(version, p, window)} AND NOT EXISTS (SELECT 1 FROM {CareTask._meta.db_table} t "
            f"WHERE t.rule_id = %(rule)s AND t.member_id = c.member_id AND {same}) "
            "ORDER BY c.member_id, c.day, c.event_id ON CONFLICT DO NOTHING RETURNING id)")
        tasks = "SELECT 1 FROM new_tasks"
        if version.trigger == Trigger.LIFE_EVENT:
            event_tasks = "(SELECT array_agg(id ORDER BY id) FROM new_tasks)"
    if version.greeting_template and version.trigger != Trigger.LIFE_EVENT:
        parts.append(
            f"new_greetings AS (INSERT INTO {Greeting._meta.db_table} (rule_id, version_id, member_id, send_on, "
            "template, via_sms, status, created_at) "
            f"SELECT %(rule)s, %(version)s, c.member_id, c.day, {p(version.greeting_template)}, c.via_sms, "
            f"'pending', now() FROM candidates c WHERE c.day BETWEEN {p(window.today)} AND {p(window.end)} "
            f"AND NOT EXISTS (SELECT 1 FROM {Greeting._meta.db_table} g WHERE g.rule_id = %(rule)s "
            "AND g.member_id = c.member_id AND g.send_on = c.day) "
            "ORDER BY c.member_id, c.day ON CONFLICT DO NOTHING RETURNING 1)")
        greetings = "SELECT 1 FROM new_greetings"
    sql = (f"WITH {', '.join(parts)} SELECT (SELECT count(*) FROM ({tasks}) t), "
           f"(SELECT count(*) FROM ({greetings}) g), {event_tasks}")
    with connection.cursor() as cursor:
        cursor.execute(sql, p.values)
        created_tasks, created_greetings, ids = cursor.fetchone()
    return Created(created_tasks, created_greetings, ids or [])


def preview_counts(version: RuleVersion, window: Window, *, scope: str, limit: int) -> tuple[int, int, list[dict]]:
    """(tasks, greetings, the first `limit` rows) that `version` would yield among members under `scope`."""
    p = Params()
    candidates = candidates_sql(version, window, p, scope=scope)
    tasks_where = task_window(version, p, window) if version.task_kind else "FALSE"
    greetings_where = (f"c.day BETWEEN {p(window.today)} AND {p(window.end)}"
                       if version.greeting_template and version.trigger != Trigger.LIFE_EVENT else "FALSE")
    rows_where = tasks_where if version.task_kind else greetings_where
    sql = (f"WITH node_secretary AS ({node_secretaries_sql()}), candidates AS ({candidates}) "
           f"SELECT (SELECT count(*) FROM candidates c WHERE {tasks_where}), "
           f"(SELECT count(*) FROM candidates c WHERE {greetings_where}), "
           f"(SELECT json_agg(r) FROM (SELECT c.member_id, m.name AS member, n.name AS node, c.day, c.opens_on, "
           f"c.due_on, COALESCE(NULLIF(u.full_name, ''), u.email, '') AS assignee FROM candidates c "
           f"JOIN {Member._meta.db_table} m ON m.id = c.member_id JOIN {Node._meta.db_table} n ON n.id = m.node_id "
           f"LEFT JOIN {User._meta.db_table} u ON u.id = c.assignee_id WHERE {rows_where} "
           f"ORDER BY c.day, m.name, c.member_id LIMIT {p(limit)}) r)")
    with connection.cursor() as cursor:
        cursor.execute(sql, p.values)
        tasks, greetings, rows = cursor.fetchone()
    return tasks, greetings, rows or []
