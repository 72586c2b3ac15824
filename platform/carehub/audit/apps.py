from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "carehub.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        # Each app declares its audit actions in its `actions` module; load them all, so that every page,
        # command and shell shows an action's label whichever app recorded it.
        autodiscover_modules("actions")
