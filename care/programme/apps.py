from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def overdue_task_count(since) -> int:
    """The console's health count: care tasks overdue by the unit's own date (`since` does not apply)."""
    from care.programme.models import CareTask
    from care.programme.services.tasks import in_state
    from carehub.clock import unit_today

    return in_state(CareTask.objects.all(), "overdue", unit_today()).count()


class ProgrammeConfig(AppConfig):
    name = "care.programme"
    label = "programme"
    verbose_name = _("Care programme")

    def ready(self):
        from care.programme import presets
        from care.programme.timeline import items_for
        from care.registers import timeline
        from tenants.services.health import register_probe

        presets.register()
        timeline.register(items_for)
        register_probe("overdue_tasks", overdue_task_count)
