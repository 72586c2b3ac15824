"""Before → after rows for audit records and reviews, in words: fields by their labels, choice values spelt out,
yes and no, file names without their storage folders, times in the unit's zone, and ids of related records (an
organisation, a fund, a member, the staff who visited) by their names.

An audit record names its object by type (the model's name, as carehub.audit records it, or one of a few aliases);
the model is looked up among the installed apps, so a record written by any app reads the same here without the
registers importing the apps above them. What no model field explains (a rule's audience, a greeting's template)
the apps put into words themselves (care.registers.audit_words)."""

import datetime
import re
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from care.registers import audit_words
from care.registers.filters import HardshipFilter, MemberFilter, conditions_of
from care.registers.models import ExtraField, Node
from care.registers.portal.conditions import OPERATOR_WORDS

EMPTY = "—"
# Object types that are not a model's name: the services chose a plainer word.
ALIASES = {"staff": "accounts.User", "application": "fund.AssistanceApplication", "report": "reports.ReportRun"}
# Objects whose recorded fields live on another model: what a rule does is in its versions.
FIELDS_OF = {"rule": "programme.RuleVersion"}
# Keys of audit records that are no model field of their object (or a field without a translated name).
OTHER_LABELS = {
    "evidence": gettext_lazy("Evidence"), "role": gettext_lazy("Role"), "is_active": gettext_lazy("Active"),
    "node": gettext_lazy("Organisation"), "can_view_sensitive": gettext_lazy("May see sensitive details"),
    "replanned": gettext_lazy("Queued messages rescheduled"), "position": gettext_lazy("Position"),
    "member": gettext_lazy("Member"), "partner": gettext_lazy("Partner"),
    "tasks_reassigned": gettext_lazy("Open tasks given to the new partner"), "messages": gettext_lazy("Messages"),
    "pending": gettext_lazy("Waiting to send"), "refused": gettext_lazy("Not sent"),
    "cancelled_messages": gettext_lazy("Waiting messages cancelled"), "link": gettext_lazy("Public link"),
    "attachment": gettext_lazy("Attachment"), "photo": gettext_lazy("Photo"), "version": gettext_lazy("Version"),
    "replaced": gettext_lazy("Open items replaced"), "tasks": gettext_lazy("Tasks"),
    "greetings": gettext_lazy("Greetings"), "through": gettext_lazy("Planned up to"),
    "event": gettext_lazy("Life event"), "message": gettext_lazy("Message"), "recipients": gettext_lazy("Messages"),
    "segments": gettext_lazy("Segments"), "filters": gettext_lazy("Filters"), "format": gettext_lazy("Format"),
    "rows": gettext_lazy("Rows"), "created": gettext_lazy("Created"), "closed": gettext_lazy("Period closed"),
    "report": gettext_lazy("Report"), "logo": gettext_lazy("Logo"), "expires_at": gettext_lazy("Until"),
    "until": gettext_lazy("Until"), "revoked_at": gettext_lazy("Withdrawn"), "operator": gettext_lazy("Operator"),
    "auth_token": gettext_lazy("Auth token"), "account_sid": gettext_lazy("Own Twilio account SID"),
    "confidential_notes": gettext_lazy("Confidential notes"), "visitors": gettext_lazy("Visitors"),
    "participants": gettext_lazy("Talked with the member"), "field": gettext_lazy("Field"),
}
OTHER_TYPES = {"staff": gettext_lazy("Staff")}
# Keys holding ids of records where the object's model has no such foreign key.
OTHER_RELATED = {"member": "registers.Member", "partner": "accounts.User", "parent": "registers.Node",
                 "node": "registers.Node", "escalated_to": "accounts.User"}
FILE_KEYS = {"evidence", "attachment", "photo"}
# Recorded keys that are internal: an extra field's key (people know the field by its label).
HIDDEN = {("extrafield", "key")}
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


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


def fields_model(object_type: str) -> type[models.Model] | None:
    """The model whose fields an object's records hold."""
    return apps.get_model(FIELDS_OF[object_type]) if object_type in FIELDS_OF else model_for(object_type)


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
    return field if getattr(field, "concrete", False) or isinstance(field, models.ManyToManyField) else None


def _related_model(object_type: str, name: str):
    field = _field(fields_model(object_type), name)
    if isinstance(field, models.ForeignKey | models.ManyToManyField):
        return field.related_model
    if field is None and name in OTHER_RELATED:
        return apps.get_model(OTHER_RELATED[name])
    return None


def _ids(value) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, int) and not isinstance(item, bool)]


def _name(obj) -> str:
    full_name = getattr(obj, "get_full_name", None)
    return (full_name() if full_name else "") or str(obj)


def related_names(records: list[tuple[dict, str]]) -> dict:
    """{(object type, field): {id: name}} for the ids of related records in `records` ((changes, object type)
    pairs): one query per related model, however many records."""
    wanted: dict[type[models.Model], set] = {}
    keys: dict[tuple[str, str], type[models.Model]] = {}
    for changes, object_type in records:
        for name, values in changes.items():
            related = _related_model(object_type, name)
            if related is not None:
                keys[(object_type, name)] = related
                wanted.setdefault(related, set()).update(id_ for value in values for id_ in _ids(value))
    found = {related: {obj.pk: _name(obj) for obj in related._default_manager.filter(pk__in=ids)}
             for related, ids in wanted.items() if ids}
    return {key: found.get(related, {}) for key, related in keys.items()}


def label_for(object_type: str, name: str) -> str:
    """A recorded key by the name people know: the field's translated name, else one given here."""
    field = _field(fields_model(object_type), name)
    if field is not None and isinstance(field.verbose_name, Promise):  # a plain str is Django's made-up name
        return capfirst(field.verbose_name)
    if name in OTHER_LABELS:
        return str(OTHER_LABELS[name])
    return capfirst(name.replace("_", " "))


def filters_in_words(filters: dict) -> str:
    """A list's filters as recorded with an export or a notice ({"node": 3, "status": ["retired"],
    "extra.rank__gte": "3"}): each by its label, organisations by name, choices and conditions in words."""
    known = {**HardshipFilter.base_filters, **MemberFilter.base_filters}
    fields = {field.key: field for field in ExtraField.objects.all()}
    parts = []
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if name.startswith("extra."):
            condition = conditions_of({name: values[-1]})[0]
            field = fields.get(condition.key)
            if field is None:
                continue
            words = dict(OPERATOR_WORDS[field.kind]).get(condition.op, "")
            parts.append(" ".join(str(part) for part in (field.label, words, condition.value) if part))
        elif name in known:
            filter_ = known[name]
            if name == "node":
                values = list(Node.objects.filter(pk__in=[v for v in values if str(v).isdigit()])
                              .values_list("name", flat=True))
            elif choices := dict(filter_.extra.get("choices") or []):
                values = [choices.get(v, v) for v in values]
            parts.append(f"{filter_.label}: {pgettext('name separator', ', ').join(str(v) for v in values)}")
    return "; ".join(parts) or EMPTY


def _moment(value: str) -> str:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(moment) else value


def shown(object_type: str, name: str, value, names: dict | None = None) -> str:
    """One recorded value in words."""
    if value in (None, "", [], {}):
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if words := audit_words.words_for(object_type, name):
        return words(value)
    lookup = names or {}
    if isinstance(value, list):
        return pgettext("name separator", ", ").join(shown(object_type, name, item, names) for item in value)
    if name == "filters" and isinstance(value, dict):
        return filters_in_words(value)
    if name == "extra" and isinstance(value, dict):  # a member's own fields
        labels = dict(ExtraField.objects.values_list("key", "label"))
        return "; ".join(f"{labels.get(key, key)}: {shown(object_type, key, item)}" for key, item in value.items())
    if isinstance(value, dict):
        return "; ".join(f"{label_for(object_type, key)}: {shown(object_type, key, item)}"
                         for key, item in value.items())
    if value in lookup:
        return lookup[value]
    field = _field(fields_model(object_type), name)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str):
        if name in FILE_KEYS or isinstance(field, models.FileField):
            return PurePosixPath(value).name
        if ISO_TIME.match(value):
            return _moment(value)
        if match := RANGE.match(value):
            return f"{match[1]} – {match[2]}"
    return str(value)


def change_rows(changes: dict, object_type: str, names: dict | None = None) -> list[Change]:
    """`changes` is {field: [before, after]} as carehub.audit stores it; `names` maps a field to {id: name} for
    values that are ids (see related_names)."""
    rows = []
    for name, (before, after) in changes.items():
        if (object_type, name) in HIDDEN:
            continue
        lookup = (names or {}).get(name)
        rows.append(Change(label_for(object_type, name), shown(object_type, name, before, lookup),
                           shown(object_type, name, after, lookup)))
    return rows
