"""Coverage figures, always within the user's scope: hardship members without a partner, each partner's
workload, and the dashboard's tiles (due this week, overdue, yearly talks and hardship visits this year)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from care.programme.access import visible_pairings, visible_tasks
from care.programme.models import Pairing, Talk, TaskStatus, Visit
from care.programme.services.tasks import in_state
from care.registers import access
from care.registers.models import MemberStatus
from carehub.clock import unit_today

GONE = [MemberStatus.DECEASED, MemberStatus.MOVED_OUT]


def hardship_members(user):
    """Living members with an open ledger entry the user may see (sensitive ones only for those allowed)."""
    entries = access.visible_hardship(user).filter(closed_on__isnull=True)
    return access.visible_members(user).exclude(status__in=GONE).filter(pk__in=entries.values("member_id"))


def unpaired(user):
    current = Pairing.objects.filter(member=OuterRef("pk"), ended_on__isnull=True)
    return hardship_members(user).exclude(Exists(current)).select_related("node").order_by("node__path", "name")


def workload(user, today: datetime.date | None = None):
    """Per partner: members currently paired in the user's scope, and their open and overdue tasks there."""
    today = today or unit_today()
    tasks = visible_tasks(user)
    overdue = in_state(tasks, "overdue", today).values("pk")
    pairings = visible_pairings(user).filter(ended_on__isnull=True)
    rows = (pairings.values("partner", "partner__full_name", "partner__email")
            .annotate(members=Count("member", distinct=True),
                      open_tasks=Count("partner__care_tasks", distinct=True,
                                       filter=Q(partner__care_tasks__in=tasks.filter(status=TaskStatus.OPEN)
                                                .values("pk"))),
                      overdue_tasks=Count("partner__care_tasks", distinct=True,
                                          filter=Q(partner__care_tasks__in=overdue)))
            .order_by("-members", "partner__full_name"))
    return list(rows)


@dataclass
class Share:
    done: int
    total: int

    @property
    def percent(self) -> int | None:
        """None when there is no one to count: "100 %" of nobody would read as work done."""
        return round(100 * self.done / self.total) if self.total else None


def tiles(user, today: datetime.date | None = None) -> dict:
    today = today or unit_today()
    tasks = visible_tasks(user)
    year_start = today.replace(month=1, day=1)
    living = access.visible_members(user).exclude(status__in=GONE)
    talked = Talk.objects.filter(member=OuterRef("pk"), held_on__gte=year_start)
    in_hardship = hardship_members(user)
    visited = Visit.objects.filter(member=OuterRef("pk"), visited_on__gte=year_start)
    return {
        "due_this_week": in_state(tasks, "week", today).count(),  # the task list's "due this week", same count
        "overdue": in_state(tasks, "overdue", today).count(),
        "talks": Share(living.filter(Exists(talked)).count(), living.count()),
        "hardship_visits": Share(in_hardship.filter(Exists(visited)).count(), in_hardship.count()),
    }
