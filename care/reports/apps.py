from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "care.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from care.reports.services.health import failed_render_count
        from tenants.services.health import register_probe

        register_probe("failed_renders", failed_render_count)
