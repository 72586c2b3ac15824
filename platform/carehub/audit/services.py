"""Recording audit events. Services call `record` inside their transaction, so the event and the change
commit or roll back together. The source (portal, API, import, task) comes from the surrounding context."""

import contextvars
import datetime
import decimal
from contextlib import contextmanager

from django.db import models

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
        field = instance._meta.get_field(name)
        values[name] = _plain(getattr(instance, field.attname))
    return values


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for every field whose value differs (creation: before={}, deletion: after={})."""
    keys = list(dict.fromkeys([*before, *after]))
    return {key: [before.get(key), after.get(key)] for key in keys if before.get(key) != after.get(key)}


def acting_user(actor):
    """The account to store as the actor: None for the system (commands, tasks without a user)."""
    return actor if getattr(actor, "pk", None) else None


def record(actor, action: str, obj: models.Model, changes: dict | None = None, *, object_type: str = "") -> AuditEvent:
    return AuditEvent.objects.create(
        actor=acting_user(actor),
        actor_label=getattr(actor, "email", "") or "system",
        source=current_source(),
        action=action,
        object_type=object_type or obj._meta.model_name,
        object_id=str(obj.pk or ""),
        object_label=str(obj)[:200],
        changes=changes or {},
    )
