"""Audit events of imports and exports, built unsaved.

`carehub.audit.services.record` saves one event per call. An import stores one event per created record with a
single bulk_create instead (38,169 separate inserts would dominate its time), and an export concerns a filtered
list rather than one object; both still get the actor, label and source exactly as `record` sets them.
"""

from carehub.audit.models import AuditEvent
from carehub.audit.services import acting_user, current_source, diff, snapshot


def event(actor, action: str, *, object_type: str, object_id="", label: str = "", changes=None) -> AuditEvent:
    return AuditEvent(actor=acting_user(actor), actor_label=getattr(actor, "email", "") or "system",
                      source=current_source(), action=action, object_type=object_type, object_id=str(object_id),
                      object_label=label[:200], changes=changes or {})


def created(actor, obj, fields: list[str]) -> AuditEvent:
    """The "create" event of a record just inserted, as the services' own create functions write it."""
    return event(actor, "create", object_type=obj._meta.model_name, object_id=obj.pk, label=str(obj),
                 changes=diff({}, snapshot(obj, fields)))
