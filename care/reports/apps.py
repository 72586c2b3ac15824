from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def report_words(value: str) -> str:
    """The audit trail's "visits 2026-01-01..2026-03-31" as "Visit report, 2026-01-01 – 2026-03-31"."""
    from care.reports.models import ReportKind

    kind, _space, period = value.partition(" ")
    label = ReportKind(kind).label if kind in ReportKind.values else kind
    return f"{label}, {period.replace('..', ' – ')}"


class ReportsConfig(AppConfig):
    name = "care.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from care.registers import audit_words
        from care.reports.services.health import failed_render_count
        from tenants.services.health import register_probe

        register_probe("failed_renders", failed_render_count)
        audit_words.register("report", "report", report_words)
