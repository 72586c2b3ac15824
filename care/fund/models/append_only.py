"""Records that are written once and never changed: the ledger, closed periods, the steps of an application.

Corrections are new records (a reversing entry), so the history can always be read back as it happened. The
guard is in the model layer, like the audit trail's (carehub.audit.models.AuditEvent).
"""

from django.db import models


class AppendOnlyError(PermissionError):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} records are append-only.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} records are append-only.")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(f"{type(self).__name__} records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} records are append-only.")
