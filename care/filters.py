"""Filters of the member list and the hardship ledger, shared by the portal, the API and the exports, so that
an export always holds exactly the list the user was looking at."""

import datetime

import django_filters
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care import access
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

EXTRA_PREFIX = "extra."
EXTRA_LOOKUPS = {"": "exact", "__gte": "gte", "__lte": "lte"}
CASTS = {ExtraFieldKind.NUMBER: models.FloatField, ExtraFieldKind.DATE: models.DateField}


def years_ago(years: int) -> datetime.date:
    today = timezone.localdate()
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
    """A node and everything below it."""

    def __init__(self, *args, path_field: str = "node__path", **kwargs):
        self.path_field = path_field
        kwargs.setdefault("queryset", Node.objects.all())
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        return queryset.filter(**{f"{self.path_field}__startswith": value.path}) if value else queryset


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q",
                                  help_text=_("Name, pinyin initials or phone digits"))
    node = SubtreeFilter(label=_("Organisation"))
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=MemberStatus.choices)
    sex = django_filters.ChoiceFilter(label=_("Sex"), choices=Sex.choices)
    uses_smartphone = django_filters.BooleanFilter(label=_("Uses a smartphone"))
    age_min = django_filters.NumberFilter(label=_("Age from"), method="filter_age_min")
    age_max = django_filters.NumberFilter(label=_("Age to"), method="filter_age_max")
    years_min = django_filters.NumberFilter(label=_("Years of membership from"), method="filter_years_min")
    hardship = django_filters.MultipleChoiceFilter(label=_("Hardship category"), choices=HardshipCategory.choices,
                                                   method="filter_hardship")

    class Meta:
        model = Member
        fields = ["q", "node", "status", "sex", "uses_smartphone"]

    def filter_q(self, queryset, name, value):
        return search(queryset, value)

    def filter_age_min(self, queryset, name, value):
        return queryset.filter(birth_date__lte=years_ago(int(value)))

    def filter_age_max(self, queryset, name, value):
        return queryset.filter(birth_date__gt=years_ago(int(value) + 1))

    def filter_years_min(self, queryset, name, value):
        return queryset.filter(joined_on__lte=years_ago(int(value)))

    def filter_hardship(self, queryset, name, value):
        # Filtering by a sensitive category would reveal who is in it: only for those allowed to see it.
        if not access.can_see_sensitive(getattr(self.request, "user", None)):
            value = [category for category in value if category not in SENSITIVE_CATEGORIES]
        if not value:
            return queryset
        entries = HardshipEntry.objects.filter(category__in=value, closed_on__isnull=True)
        return queryset.filter(pk__in=entries.values("member_id"))

    def filter_queryset(self, queryset):
        return filter_extra(super().filter_queryset(queryset), self.data)


def filter_extra(queryset, params):
    """`extra.<key>=value`, and for numbers and dates `extra.<key>__gte` / `__lte`, on unit-defined fields."""
    fields = None
    for param in params:
        if not param.startswith(EXTRA_PREFIX) or params.get(param) in (None, ""):
            continue
        if fields is None:
            fields = {field.key: field for field in ExtraField.objects.all()}
        key, suffix = param[len(EXTRA_PREFIX):], ""
        for candidate in ("__gte", "__lte"):
            if key.endswith(candidate):
                key, suffix = key[: -len(candidate)], candidate
        field = fields.get(key)
        if field is None:
            continue
        value = params.get(param)
        annotated = f"extra_{key}"
        if field.kind in CASTS:
            queryset = queryset.annotate(**{annotated: Cast(KT(f"extra__{key}"), CASTS[field.kind]())})
        else:
            queryset = queryset.annotate(**{annotated: KT(f"extra__{key}")})
        queryset = queryset.filter(**{f"{annotated}__{EXTRA_LOOKUPS[suffix]}": value})
    return queryset


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
