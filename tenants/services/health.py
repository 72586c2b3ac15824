"""A unit's health for the console: counts only, never a member's personal data.

The counts come from the apps that know them (failed messages: SMS; overdue care tasks: the programme; failed
report renders: reports). Each declares its probe at start-up with `register_probe`, since the apps sit above
the unit registry; a count no app provides shows as "n/a".
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

# name -> function(since) -> count, run inside the unit's schema
_probes: dict[str, Callable[[datetime], int]] = {}


def register_probe(name: str, probe: Callable[[datetime], int]) -> None:
    _probes[name] = probe


@dataclass
class Health:
    failed_messages: int | None
    failed_renders: int | None
    overdue_tasks: int | None
    since: datetime

    @property
    def ok(self) -> bool:
        return not (self.failed_messages or self.failed_renders or self.overdue_tasks)


def _count(name: str, since: datetime) -> int | None:
    probe = _probes.get(name)
    return probe(since) if probe else None


def unit_health(unit, *, days: int = 7) -> Health:
    since = timezone.now() - timedelta(days=days)
    # The unit as the connection's tenant, so "today" is the unit's date (its own time zone), not the platform's.
    with tenant_context(unit):
        return Health(failed_messages=_count("failed_messages", since),
                      failed_renders=_count("failed_renders", since),
                      overdue_tasks=_count("overdue_tasks", since), since=since)
