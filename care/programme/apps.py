from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "care.programme"
    label = "programme"
    verbose_name = _("Care programme")

    def ready(self):
        from care.programme import presets

        presets.register()
