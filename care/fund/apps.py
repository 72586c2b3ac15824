from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundConfig(AppConfig):
    name = "care.fund"
    label = "fund"
    verbose_name = _("Care fund")

    def ready(self):
        from care.fund import getting_started
        from care.fund.models.funds import shares_in_words
        from care.fund.timeline import items_for, summary_for
        from care.registers import audit_words, timeline

        audit_words.register("costsharerule", "legs", shares_in_words)
        timeline.register(items_for)
        timeline.register_summary(summary_for)
        getting_started.register_steps()
