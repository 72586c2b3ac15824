"""Recording audit events: one builder (`event`), and what is built on it.

Services call these inside their transaction, so the event and the change commit or roll back together. The
source (portal, API, import, task, command, webhook) comes from the surrounding context: the API's views,
the task base class and the commands set it with `source(...)`.

- `record(actor, ACTION, obj, changes)`: one event, saved.
- `record_many(actor, ACTION, object_type, rows)`: one event per changed object, in one INSERT (set-based
  changes: a loop of `record` would grow the number of statements with the number of objects).
- `changing(actor, ACTION, obj, fields)`: lock the row, let the block change and save it, then record what
  changed (nothing when nothing did).
"""

import contextvars
import datetime
import decimal
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import models, transaction

from carehub.audit.models import AuditEvent, Source

_source = contextvars.ContextVar("audit_source", default=Source.PORTAL)


@contextmanager
def source(value: str):
    """Mark everything recorded inside as coming from `value` (Source.API, Source.IMPORT, ...)."""
    token = _source.set(value)
    try:
        yield
    finally:
        _source.reset(token)


def current_source() -> str:
    return _source.get()


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date | datetime.datetime | datetime.time | decimal.Decimal):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The values of `fields` (attnames for foreign keys) in a JSON-friendly form."""
    values = {}
    for name in fields:
        model_field = instance._meta.get_field(name)
        values[name] = _plain(getattr(instance, model_field.attname))
    return values


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for every field whose value differs (creation: before={}, deletion: after={})."""
    keys = list(dict.fromkeys([*before, *after]))
    return {key: [before.get(key), after.get(key)] for key in keys if before.get(key) != after.get(key)}


def acting_user(actor):
    """The account to store as the actor: None for the system (commands, tasks without a user)."""
    return actor if getattr(actor, "pk", None) else None


def event(actor, action: str, obj: models.Model | None = None, changes: dict | None = None, *,
          object_type: str = "", object_id="", label: str = "") -> AuditEvent:
    """The one way an audit event is built (unsaved). `obj` gives the object's type, id and label unless
    they are given: an export concerns a filtered list, not one object."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk or ""
        label = label or str(obj)
    return AuditEvent(actor=acting_user(actor), actor_label=getattr(actor, "email", "") or "system",
                      source=current_source(), action=action, object_type=object_type,
                      object_id=str(object_id), object_label=str(label)[:200], changes=changes or {})


def record(actor, action: str, obj: models.Model, changes: dict | None = None, *, object_type: str = "") -> AuditEvent:
    audit_event = event(actor, action, obj, changes, object_type=object_type)
    audit_event.save()
    return audit_event


def created(actor, action: str, obj: models.Model, fields: list[str], *, object_type: str = "",
            extra: dict | None = None) -> AuditEvent:
    """Record the creation of `obj`: its `fields` as changes from nothing (plus `extra`)."""
    return record(actor, action, obj, {**diff({}, snapshot(obj, fields)), **(extra or {})}, object_type=object_type)


def record_many(actor, action: str, object_type: str, rows: Iterable[tuple]) -> int:
    """`rows`: (object id, label, changes) per object, written in one INSERT. Returns how many."""
    events = [event(actor, action, None, changes, object_type=object_type, object_id=pk, label=label)
              for pk, label, changes in rows]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


@dataclass
class Change:
    """What `changing` yields: the locked instance to change, and (after the block) the changes recorded.
    The block may add to `extra` what the record should say beyond the fields (a version number, a reason)."""

    instance: models.Model
    changes: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


@contextmanager
def changing(actor, action: str, instance: models.Model, fields: list[str], *, object_type: str = ""):
    """Lock `instance`'s row (a fresh copy), snapshot `fields`, let the block change and save it, then record
    the difference. In a transaction of its own, or a savepoint of the caller's: a block that raises leaves
    nothing changed and nothing recorded."""
    with transaction.atomic():
        locked = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
        change = Change(locked)
        before = snapshot(locked, fields)
        yield change
        change.changes = diff(before, snapshot(change.instance, fields))
        if change.changes:
            record(actor, action, change.instance, {**change.changes, **change.extra}, object_type=object_type)
