"""Unit-defined member fields: their definitions, and validation of values against them."""

import decimal
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from care.registers import access
from care.registers.actions import EXTRA_FIELD_CREATED, EXTRA_FIELD_UPDATED
from care.registers.models import ExtraField, ExtraFieldKind
from carehub.audit.services import changing, created
from carehub.dates import read_day

FIELDS = ["key", "label", "kind", "choices", "required", "position"]
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
LARGEST = decimal.Decimal(10) ** 15  # past any count or sum a register holds; JSON readers round integers past 2**53


def _parse(field: ExtraField, raw):
    """The stored form of one value: str for text/choice, a number, or an ISO date string."""
    if field.kind == ExtraFieldKind.NUMBER:
        text = str(raw).strip()
        if isinstance(raw, bool) or not NUMBER.fullmatch(text):  # Decimal() would take "NaN", "Infinity", "1e999"
            raise ValueError(_("“%(value)s” is not a number.") % {"value": raw})
        number = decimal.Decimal(text)
        if abs(number) >= LARGEST:
            raise ValueError(_("“%(value)s” is too large a number.") % {"value": raw})
        return int(number) if number == number.to_integral_value() else float(number)
    if field.kind == ExtraFieldKind.DATE:
        day = read_day(raw)
        if day is None:
            raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw})
        return day.isoformat()
    value = str(raw).strip()
    if field.kind == ExtraFieldKind.CHOICE and value not in field.choices:
        choices = pgettext("name separator", ", ").join(field.choices)
        raise ValueError(_("“%(value)s” is not one of: %(choices)s.") % {"value": value, "choices": choices})
    return value


def clean_extra(values: dict, fields: list[ExtraField] | None = None) -> dict:
    """Validate a member's extra values; errors are keyed `extra.<key>`."""
    fields = fields if fields is not None else list(ExtraField.objects.all())
    known = {field.key: field for field in fields}
    errors, cleaned = {}, {}
    for key in values:
        if key not in known:
            errors[f"extra.{key}"] = _("Unknown field “%(key)s”.") % {"key": key}
    for key, field in known.items():
        raw = values.get(key)
        if raw is None or str(raw).strip() == "":
            if field.required:
                errors[f"extra.{key}"] = _("%(label)s is required.") % {"label": field.label}
            continue
        try:
            cleaned[key] = _parse(field, raw)
        except ValueError as exc:
            errors[f"extra.{key}"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return cleaned


def save_extra_field(actor, field: ExtraField | None = None, **data) -> ExtraField:
    access.require_admin(actor)
    kind = data.get("kind", field.kind if field else None)
    if kind not in ExtraFieldKind.values:
        raise ValidationError({"kind": _("Unknown type.")})
    choices = [str(choice).strip() for choice in data.get("choices", field.choices if field else []) if choice]
    if kind == ExtraFieldKind.CHOICE and not choices:
        raise ValidationError({"choices": _("A choice field needs at least one choice.")})
    if not (data.get("label") or (field and field.label)):
        raise ValidationError({"label": _("The field needs a label.")})
    if field is None:
        with transaction.atomic():
            if not data.get("key"):  # the portal never asks for a key: it is made from the label
                data = {**data, "key": new_key(data["label"])}
            field = _filled(ExtraField(), kind, choices, data)
            created(actor, EXTRA_FIELD_CREATED, field, FIELDS)
        return field
    with changing(actor, EXTRA_FIELD_UPDATED, field, FIELDS) as change:
        field = _filled(change.instance, kind, choices, data)
    return field


def new_key(label: str) -> str:
    """A key for a new field labelled `label`: its slug when that is free (a Latin label), else the next free
    "field-<n>" (a Chinese label has no slug)."""
    taken = set(ExtraField.objects.values_list("key", flat=True))
    slug = slugify(label)[:40].strip("-")
    if slug and slug not in taken:
        return slug
    number = 1
    while f"field-{number}" in taken:
        number += 1
    return f"field-{number}"


def _filled(field: ExtraField, kind: str, choices: list[str], data: dict) -> ExtraField:
    """`field` with the values given, validated and saved."""
    for key in ("key", "label", "required", "position"):
        if key in data:
            setattr(field, key, data[key])
    field.kind, field.choices = kind, choices
    field.full_clean()
    field.save()
    return field
