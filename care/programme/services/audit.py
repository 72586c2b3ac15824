"""Audit records for set-based changes: one row per changed object, written in one INSERT, with the same
actor, label and source that carehub.audit.services.record would write. A loop of `record` calls would make the
number of statements grow with the number of objects."""

from carehub.audit.models import AuditEvent
from carehub.audit.services import acting_user, current_source


def record_bulk(actor, action: str, object_type: str, rows: list[tuple]) -> int:
    """`rows`: (object id, label, changes) per object. Returns how many were recorded."""
    events = [AuditEvent(actor=acting_user(actor), actor_label=getattr(actor, "email", "") or "system",
                         source=current_source(), action=action, object_type=object_type, object_id=str(pk),
                         object_label=str(label)[:200], changes=changes) for pk, label, changes in rows]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)
