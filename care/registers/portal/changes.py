"""Before → after rows for audit records and reviews, labelled and with choice values spelt out."""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from care.registers.models import ExtraField, HardshipEntry, Member, Node

MODELS = {"member": Member, "node": Node, "hardshipentry": HardshipEntry, "extrafield": ExtraField}
EMPTY = "—"
# Keys of audit records that are no model field of their object.
OTHER_LABELS = {"evidence": _("Evidence"), "role": _("Role"), "is_active": _("Active"),
                "node": _("Organisation"), "can_view_sensitive": _("May see sensitive details"),
                "replanned": _("Queued messages rescheduled")}


@dataclass
class Change:
    label: str
    before: str
    after: str


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
    values that are ids (organisations)."""
    model = MODELS.get(object_type)
    rows = []
    for name, (before, after) in changes.items():
        try:
            field = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            field = None
        if not getattr(field, "concrete", False):  # "evidence" is a relation, not a column
            field = None
        label = capfirst(field.verbose_name) if field is not None else OTHER_LABELS.get(name, name.replace("_", " "))
        lookup = (names or {}).get(name)
        if lookup:
            before, after = lookup.get(before, before), lookup.get(after, after)
        rows.append(Change(str(label), _shown(field, before), _shown(field, after)))
    return rows
