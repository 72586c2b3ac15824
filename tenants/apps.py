from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Units")

    def ready(self):
        from billing.signals import subscription_changed
        from tenants.services.lifecycle import follow_subscription

        subscription_changed.connect(follow_subscription, dispatch_uid="tenants.follow_subscription")
