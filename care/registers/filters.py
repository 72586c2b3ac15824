"""Filters of the member list and the hardship ledger, shared by the portal, the API and the exports, so that
an export always holds exactly the list the user was looking at."""

import datetime
import re
from dataclasses import dataclass
from functools import partial

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from care.registers import access
from care.registers.models import (
    SENSITIVE_CATEGORIES,
    ExtraField,
    ExtraFieldKind,
    HardshipCategory,
    HardshipEntry,
    HardshipLevel,
    Member,
    MemberStatus,
    Node,
    Sex,
)
from carehub.clock import unit_today
from carehub.portal.widgets import NodeSelect

EXTRA_PREFIX = "extra."
EXTRA_LOOKUPS = {"": "exact", "__gte": "gte", "__lte": "lte", "__contains": "icontains", "__empty": "empty"}
CASTS = {ExtraFieldKind.NUMBER: models.FloatField, ExtraFieldKind.DATE: models.DateField}
# The portal's picker of extra-field conditions names an operator; the query keeps its machine form (suffix).
OPERATORS = {"eq": "", "gte": "__gte", "lte": "__lte", "contains": "__contains", "empty": "__empty",
             "filled": "__empty"}
NO_VALUE = {"empty": "true", "filled": "false"}  # operators that need no value: what `__empty` is given
CONDITION_FIELD = re.compile(r"^cond(\d{1,2})-field$")
MAX_CONDITIONS = 5
# Ages and years of membership are counted back from today: the bound keeps the date arithmetic within the calendar.
MAX_YEARS = 150


def years_ago(years: int) -> datetime.date:
    today = unit_today()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # Feb 29
        return today.replace(year=today.year - years, day=28)


def search(queryset, value: str, prefix: str = ""):
    """Name (contains), pinyin initials (starts with) or phone (ends with the digits typed)."""
    value = value.strip()
    if not value:
        return queryset
    condition = Q(**{f"{prefix}name__icontains": value}) | Q(**{f"{prefix}name_initials__startswith": value.lower()})
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) >= 4:
        condition |= Q(**{f"{prefix}phone__endswith": digits})
    return queryset.filter(condition)


class SubtreeFilter(django_filters.ModelChoiceFilter):
    """A node and everything below it, offered as the indented tree with a search box."""

    def __init__(self, *args, path_field: str = "node__path", **kwargs):
        self.path_field = path_field
        kwargs.setdefault("queryset", Node.objects.all())
        kwargs.setdefault("widget", NodeSelect)
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        return queryset.filter(**{f"{self.path_field}__startswith": value.path}) if value else queryset


class YearsFilter(django_filters.NumberFilter):
    """A whole number of years from 0 to MAX_YEARS; anything else is a validation error, not a failed query."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.update(min_value=0, max_value=MAX_YEARS)
        super().__init__(*args, **kwargs)


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q",
                                  help_text=_("Name, pinyin initials or phone digits"))
    node = SubtreeFilter(label=_("Organisation"))
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=MemberStatus.choices)
    sex = django_filters.ChoiceFilter(label=_("Sex"), choices=Sex.choices)
    uses_smartphone = django_filters.BooleanFilter(label=_("Uses a smartphone"))
    age_min = YearsFilter(label=_("Age from"), method="filter_age_min")
    age_max = YearsFilter(label=_("Age to"), method="filter_age_max")
    years_min = YearsFilter(label=_("Years of membership from"), method="filter_years_min")
    years_max = YearsFilter(label=_("Years of membership to"), method="filter_years_max")
    hardship = django_filters.MultipleChoiceFilter(label=_("Hardship category"), choices=HardshipCategory.choices,
                                                   method="filter_hardship")

    class Meta:
        model = Member
        fields = ["q", "node", "status", "sex", "uses_smartphone"]

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(with_picked_conditions(data), *args, **kwargs)
        for name, filter_ in extra_filters(self.data).items():
            filter_.model, filter_.parent = self.queryset.model, self
            self.filters[name] = filter_

    def filter_q(self, queryset, name, value):
        return search(queryset, value)

    def filter_age_min(self, queryset, name, value):
        return queryset.filter(birth_date__lte=years_ago(value))

    def filter_age_max(self, queryset, name, value):
        return queryset.filter(birth_date__gt=years_ago(value + 1))

    def filter_years_min(self, queryset, name, value):
        return queryset.filter(joined_on__lte=years_ago(value))

    def filter_years_max(self, queryset, name, value):
        return queryset.filter(joined_on__gt=years_ago(value + 1))

    def filter_hardship(self, queryset, name, value):
        # Filtering by a sensitive category would reveal who is in it: only for those allowed to see it.
        if not access.can_see_sensitive(getattr(self.request, "user", None)):
            value = [category for category in value if category not in SENSITIVE_CATEGORIES]
        if not value:
            return queryset
        entries = HardshipEntry.objects.filter(category__in=value, closed_on__isnull=True)
        return queryset.filter(pk__in=entries.values("member_id"))


def split_extra(name: str) -> tuple[str, str]:
    """"extra.rank__gte" -> ("rank", "__gte")."""
    key = name[len(EXTRA_PREFIX):]
    for suffix in OPERATORS.values():
        if suffix and key.endswith(suffix):
            return key[: -len(suffix)], suffix
    return key, ""


def extra_filters(params) -> dict[str, django_filters.Filter]:
    """A filter for each `extra.<key>` parameter given (`extra.<key>__gte` / `__lte` for numbers and dates,
    `__contains` for texts, `__empty=true` for any field left empty, `false` for one filled in), typed like the
    unit-defined field, so a bad value or an unknown key is a validation error naming the parameter rather than a
    filter silently dropped. Hidden: the portal shows its own picker for these (ExtraConditionsForm)."""
    names = [name for name in params if name.startswith(EXTRA_PREFIX)]
    if not names:
        return {}
    fields = {field.key: field for field in ExtraField.objects.all()}
    filters = {}
    for name in names:
        key, suffix = split_extra(name)
        filters[name] = _extra_filter(fields.get(key), key, suffix)
        filters[name].field_name = name
    return filters


def _extra_filter(field: ExtraField | None, key: str, suffix: str) -> django_filters.Filter:
    hidden = {"widget": forms.HiddenInput}
    if field is None:
        return RefusedFilter(_("There is no extra field “%(key)s”.") % {"key": key}, **hidden)
    if suffix in ("__gte", "__lte") and field.kind not in CASTS:
        return RefusedFilter(_("Only numbers and dates can be compared."), **hidden)
    if suffix == "__contains" and field.kind != ExtraFieldKind.TEXT:
        return RefusedFilter(_("Only texts can contain words."), **hidden)
    method = partial(filter_extra, field=field, lookup=EXTRA_LOOKUPS[suffix])
    if suffix == "__empty":
        return django_filters.BooleanFilter(method=method, **hidden)
    filter_class = {ExtraFieldKind.NUMBER: django_filters.NumberFilter, ExtraFieldKind.DATE: django_filters.DateFilter,
                    ExtraFieldKind.CHOICE: django_filters.ChoiceFilter}.get(field.kind, django_filters.CharFilter)
    if field.kind == ExtraFieldKind.CHOICE and suffix == "":
        hidden["choices"] = [(choice, choice) for choice in field.choices]
    return filter_class(method=method, **hidden)


def filter_extra(queryset, name, value, *, field: ExtraField, lookup: str):
    """`extra.<key>` compared as the field's kind: numbers and dates cast, text and choices as they are. "Empty"
    is a missing key, null or "" (a number or date is never "")."""
    annotated = f"extra_{field.key}"
    if lookup == "empty":
        if value is None:
            return queryset
        empty = Q(**{f"{annotated}__isnull": True}) | Q(**{annotated: ""})
        return queryset.annotate(**{annotated: KT(f"extra__{field.key}")}).filter(empty if value else ~empty)
    value_of_key = KT(f"extra__{field.key}")
    if field.kind in CASTS:
        value_of_key = Cast(value_of_key, CASTS[field.kind]())
    return queryset.annotate(**{annotated: value_of_key}).filter(**{f"{annotated}__{lookup}": value})


@dataclass
class Condition:
    """One condition of the portal's extra-field picker: a field (by key), an operator (a key of OPERATORS) and a
    value ("" where the operator needs none)."""

    key: str
    op: str
    value: str

    @property
    def param(self) -> tuple[str, str]:
        """The condition as the member filter's query parameter."""
        return f"{EXTRA_PREFIX}{self.key}{OPERATORS[self.op]}", NO_VALUE.get(self.op, self.value)


def picked_conditions(params) -> list[Condition]:
    """The picker's rows (`cond<n>-field`, `-op`, `-value`, in order of n) that are complete: a field, an
    operator and, unless the operator is "is empty", a value. A value given for another field than the one now
    chosen (`-was`: the picker was switched to another field) does not count."""
    numbers = sorted(int(match[1]) for name in params if (match := CONDITION_FIELD.match(name)))
    conditions = []
    for number in numbers[:MAX_CONDITIONS]:
        prefix = f"cond{number}-"
        key, op, value = (str(params.get(prefix + part) or "").strip() for part in ("field", "op", "value"))
        was = str(params.get(prefix + "was") or key)
        if key and op in OPERATORS and (op in NO_VALUE or (value and was == key)):
            conditions.append(Condition(key, op, "" if op in NO_VALUE else value))
    return conditions


def conditions_of(params) -> list[Condition]:
    """The `extra.<key>...` parameters as conditions (a link or bookmark in the machine form, shown in the
    picker)."""
    operators = {suffix: op for op, suffix in OPERATORS.items() if op not in NO_VALUE}
    conditions = []
    for name in params:
        if name.startswith(EXTRA_PREFIX):
            key, suffix = split_extra(name)
            value = str(params.get(name) or "")
            if suffix == OPERATORS["empty"]:
                op = "filled" if value.lower() in ("false", "0") else "empty"
                conditions.append(Condition(key, op, ""))
            else:
                conditions.append(Condition(key, operators[suffix], value))
    return conditions[:MAX_CONDITIONS]


def with_picked_conditions(data):
    """`data` with the picker's complete conditions added as `extra.<key>...` parameters (the filters, the exports
    and SMS notices take the portal's query string as it is)."""
    if data is None or not any(CONDITION_FIELD.match(name) for name in data):
        return data
    merged = data.copy()
    for condition in picked_conditions(data):
        name, value = condition.param
        merged[name] = value
    return merged


class RefusedFilter(django_filters.CharFilter):
    """A parameter that names no filter: its value is refused with `message`, so the list is never widened by a
    typo."""

    def __init__(self, message: str, **kwargs):
        super().__init__(validators=[partial(_refuse, message)], **kwargs)


def _refuse(message: str, value) -> None:
    raise ValidationError(message)


class HardshipFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    node = SubtreeFilter(label=_("Organisation"), path_field="member__node__path")
    category = django_filters.MultipleChoiceFilter(label=_("Category"), choices=HardshipCategory.choices)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=HardshipLevel.choices)
    is_open = django_filters.BooleanFilter(label=_("Open"), field_name="closed_on", lookup_expr="isnull")
    due_by = django_filters.DateFilter(label=_("Review due by"), field_name="review_due_on", lookup_expr="lte")

    class Meta:
        model = HardshipEntry
        fields = ["q", "node", "category", "level", "is_open", "due_by"]

    def filter_q(self, queryset, name, value):
        return search(queryset, value, prefix="member__")
