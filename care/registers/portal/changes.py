"""Before → after rows for audit records and reviews, in words: fields by their labels, choice values spelt out,
and ids of related records (an organisation, a fund, a member) by their names.

An audit record names its object by type (the model's name, as carehub.audit records it, or one of a few aliases);
the model is looked up among the installed apps, so a record written by any app reads the same here without the
registers importing the apps above them."""

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

EMPTY = "—"
# Object types that are not a model's name: the services chose a plainer word.
ALIASES = {"staff": "accounts.User", "application": "fund.AssistanceApplication", "report": "reports.ReportRun"}
# Keys of audit records that are no model field of their object.
OTHER_LABELS = {"evidence": _("Evidence"), "role": _("Role"), "is_active": _("Active"),
                "node": _("Organisation"), "can_view_sensitive": _("May see sensitive details"),
                "replanned": _("Queued messages rescheduled")}
OTHER_TYPES = {"staff": _("Staff")}


@dataclass
class Change:
    label: str
    before: str
    after: str


@cache
def model_for(object_type: str) -> type[models.Model] | None:
    if object_type in ALIASES:
        return apps.get_model(ALIASES[object_type])
    found = [model for model in apps.get_models() if model._meta.model_name == object_type]
    return found[0] if len(found) == 1 else None


def type_label(object_type: str) -> str:
    """"Ledger entry" for "ledgerentry": the model's own name in the user's language."""
    if object_type in OTHER_TYPES:
        return str(OTHER_TYPES[object_type])
    model = model_for(object_type)
    return capfirst(model._meta.verbose_name) if model else object_type


def _field(model, name: str):
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "concrete", False) else None  # "evidence" is a relation, not a column


def related_names(records: list[tuple[dict, str]]) -> dict:
    """{(object type, field): {id: name}} for the foreign keys in `records` ((changes, object type) pairs): one
    query per related model, however many records."""
    wanted: dict[type[models.Model], set] = {}
    keys: dict[tuple[str, str], type[models.Model]] = {}
    for changes, object_type in records:
        for name, values in changes.items():
            field = _field(model_for(object_type), name)
            if isinstance(field, models.ForeignKey):
                related = field.related_model
                keys[(object_type, name)] = related
                wanted.setdefault(related, set()).update(value for value in values if isinstance(value, int))
    found = {related: {obj.pk: str(obj) for obj in related._default_manager.filter(pk__in=ids)}
             for related, ids in wanted.items() if ids}
    return {key: found.get(related, {}) for key, related in keys.items()}


def _shown(field, value) -> str:
    if value in (None, "", [], {}):
        return EMPTY
    if isinstance(value, dict):
        return "; ".join(f"{key}: {item}" for key, item in value.items())
    if isinstance(value, list):
        return pgettext("name separator", ", ").join(str(item) for item in value)
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    return str(choices.get(value, value))


def change_rows(changes: dict, object_type: str, names: dict | None = None) -> list[Change]:
    """`changes` is {field: [before, after]} as carehub.audit stores it; `names` maps a field to {id: name} for
    values that are ids (see related_names)."""
    model = model_for(object_type)
    rows = []
    for name, (before, after) in changes.items():
        field = _field(model, name)
        label = capfirst(field.verbose_name) if field is not None else OTHER_LABELS.get(name, name.replace("_", " "))
        lookup = (names or {}).get(name)
        if lookup:
            before, after = lookup.get(before, before), lookup.get(after, after)
        rows.append(Change(str(label), _shown(field, before), _shown(field, after)))
    return rows
