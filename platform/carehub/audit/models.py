from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    TASK = "task", _("Task")
    COMMAND = "command", _("Command")
    WEBHOOK = "webhook", _("Message gateway")  # an SMS provider's callback: delivery reports, replies


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """One change (or one viewing of sensitive details). Never updated, never deleted."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("who"))
    actor_label = models.CharField(max_length=254, blank=True)  # kept if the account is removed
    source = models.CharField(_("from"), max_length=10, choices=Source.choices)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object"), max_length=40, db_index=True)
    object_id = models.CharField(max_length=40, blank=True, db_index=True)
    object_label = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)  # {"field": [before, after]}

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")
