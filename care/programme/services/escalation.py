# ruff: noqa: S608 - identifiers come from model metadata and constants; every value is a bound parameter.
"""Escalating overdue tasks to the secretary of the node above, after the unit's configured delay.

The target is the nearest secretary scoped strictly above the member's node who is not the task's assignee;
with none, the unit's first active admin. One UPDATE finds and escalates them all; each is audited."""

import datetime

from django.db import connection, transaction
from django.utils import timezone

from care.programme.actions import TASK_ESCALATED
from care.programme.models import CareTask, ProgrammeSettings
from care.registers.models import Member, Node, StaffScope
from carehub.accounts.models import Role, User
from carehub.audit.services import record_many

ESCALATE_SQL = f"""
UPDATE {CareTask._meta.db_table} t SET escalated_to_id = x.target, escalated_at = %(now)s
FROM (
    SELECT t.id, COALESCE(
        (SELECT s.user_id FROM {StaffScope._meta.db_table} s
         JOIN {Node._meta.db_table} sn ON sn.id = s.node_id
         JOIN {User._meta.db_table} u ON u.id = s.user_id AND u.is_active AND u.role = '{Role.SECRETARY}'
         WHERE n.path LIKE sn.path || '%%' AND sn.id <> n.id AND s.user_id IS DISTINCT FROM t.assignee_id
         ORDER BY sn.depth DESC, u.id LIMIT 1),
        (SELECT id FROM {User._meta.db_table} WHERE role = '{Role.ADMIN}' AND is_active ORDER BY id LIMIT 1)
    ) AS target
    FROM {CareTask._meta.db_table} t
    JOIN {Member._meta.db_table} m ON m.id = t.member_id
    JOIN {Node._meta.db_table} n ON n.id = m.node_id
    WHERE t.status = 'open' AND t.escalated_at IS NULL AND COALESCE(t.snoozed_until, t.due_on) < %(before)s
) x
WHERE t.id = x.id
RETURNING t.id, t.escalated_to_id
"""


def escalate_overdue(actor, today: datetime.date) -> int:
    delay = ProgrammeSettings.load().escalate_after_days
    before = today - datetime.timedelta(days=delay)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ESCALATE_SQL, {"now": timezone.now(), "before": before})
        escalated = cursor.fetchall()
        record_many(actor, TASK_ESCALATED, "caretask",
                    [(pk, f"task {pk}", {"escalated_to": [None, target]}) for pk, target in escalated])
    return len(escalated)
