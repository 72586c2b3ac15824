from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def overdue_task_count(since) -> int:
    """The console's health count: care tasks overdue by the unit's own date (`since` does not apply)."""
    from care.programme.models import CareTask
    from care.programme.services.tasks import in_state
    from carehub.clock import unit_today

    return in_state(CareTask.objects.all(), "overdue", unit_today()).count()


def complete_review_tasks(sender, actor, review, **kwargs):
    """care.registers hardship_reviewed: reviewing the ledger entry is what the member's review tasks ask for."""
    from care.programme.services.tasks import complete_reviews

    complete_reviews(actor, review)


class ProgrammeConfig(AppConfig):
    name = "care.programme"
    label = "programme"
    verbose_name = _("Care programme")

    def ready(self):
        from care.programme import audit_words, getting_started, presets
        from care.programme.timeline import items_for, summary_for
        from care.registers import timeline
        from care.registers.signals import hardship_reviewed
        from tenants.services.health import register_probe

        presets.register()
        audit_words.register()
        timeline.register(items_for)
        timeline.register_summary(summary_for)
        register_probe("overdue_tasks", overdue_task_count)
        getting_started.register_steps()
        hardship_reviewed.connect(complete_review_tasks, dispatch_uid="programme.complete_review_tasks")
