"""A unit's health for the console: counts only, never a member's personal data.

Failed messages and failed report renders come from the SMS and reports apps; they are imported lazily so the
console works (showing "n/a") while either app lacks its health function.
"""

import importlib
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from carehub.clock import unit_today

PROVIDERS = {
    "failed_messages": ("notifications.health", "failed_message_count"),
    "failed_renders": ("care.reports.services.health", "failed_render_count"),
}


@dataclass
class Health:
    failed_messages: int | None
    failed_renders: int | None
    overdue_tasks: int
    since: object

    @property
    def ok(self) -> bool:
        return not (self.failed_messages or self.failed_renders or self.overdue_tasks)


def _provided(name: str, since) -> int | None:
    module_name, function = PROVIDERS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    provider = getattr(module, function, None)
    return provider(since) if provider else None


def unit_health(unit, *, days: int = 7) -> Health:

    from care.programme.models import CareTask
    from care.programme.services.tasks import in_state

    now = timezone.now()
    since = now - timedelta(days=days)
    # The unit as the connection's tenant, so "today" is the unit's date (its own time zone), not the platform's.
    with tenant_context(unit):
        return Health(failed_messages=_provided("failed_messages", since),
                      failed_renders=_provided("failed_renders", since),
                      overdue_tasks=in_state(CareTask.objects.all(), "overdue", unit_today(now)).count(),
                      since=since)
