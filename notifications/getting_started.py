"""SMS's step of a new unit's checklist (care.registers.checklist): the sender, sending hours and limits."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from care.registers.checklist import Step, register
from carehub.audit.models import AuditEvent
from notifications.actions import ACCOUNT_CHANGED, PROVIDER_CHANGED, SETTINGS_CONFIRMED, SETTINGS_UPDATED
from notifications.models import SmsSettings


def sms_is_set_up() -> bool:
    """A sender of the unit's own, or an admin who saved the settings (changed or as they were)."""
    own_sender = ~Q(from_number="") | ~Q(messaging_service_sid="") | ~Q(account_sid="")
    return (SmsSettings.objects.filter(own_sender).exists()
            or AuditEvent.objects.filter(
                action__in=[SETTINGS_UPDATED, SETTINGS_CONFIRMED, ACCOUNT_CHANGED, PROVIDER_CHANGED]).exists())


def register_steps() -> None:
    register(Step("sms", _("Set up SMS"),
                  _("Check the hours messages may be sent and the daily limits, and save them. Members without a "
                    "smartphone hear from you by SMS."),
                  "sms:settings", sms_is_set_up, order=40))
