from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "care.programme"
    label = "programme"
    verbose_name = _("Care programme")

    def ready(self):
        from care.programme import presets
        from care.programme.timeline import items_for
        from care.registers import timeline

        presets.register()
        timeline.register(items_for)
