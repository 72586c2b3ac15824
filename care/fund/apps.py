from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundConfig(AppConfig):
    name = "care.fund"
    label = "fund"
    verbose_name = _("Care fund")

    def ready(self):
        from care.fund.timeline import items_for
        from care.registers import timeline

        timeline.register(items_for)
