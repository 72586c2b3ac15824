"""Filters of the ledger and of the applications, shared by the portal and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from care.fund.models import ApplicationStatus, AssistanceApplication, EntryKind, LedgerEntry
from care.registers import access
from care.registers.models import SENSITIVE_CATEGORIES, HardshipCategory

DIRECTIONS = [("in", _("Money in")), ("out", _("Money out"))]


class EntryFilter(django_filters.FilterSet):
    fund = django_filters.NumberFilter(field_name="fund_id", label=_("Fund"))
    kind = django_filters.MultipleChoiceFilter(choices=EntryKind.choices, label=_("Kind"))
    direction = django_filters.ChoiceFilter(choices=DIRECTIONS, method="filter_direction", label=_("Direction"),
                                            empty_label=_("Both"))
    date_from = django_filters.DateFilter(field_name="booked_on", lookup_expr="gte", label=_("From date"))
    date_to = django_filters.DateFilter(field_name="booked_on", lookup_expr="lte", label=_("To date"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search"),
                                  help_text=_("Counterparty, purpose or reference"))
    member = django_filters.NumberFilter(field_name="member_id", label=_("Member"))
    application = django_filters.NumberFilter(field_name="application_id", label=_("Application"))

    class Meta:
        model = LedgerEntry
        fields = ["fund", "kind", "direction", "date_from", "date_to", "q", "member", "application"]

    def filter_direction(self, queryset, name, value):
        return queryset.filter(amount__gt=0) if value == "in" else queryset.filter(amount__lt=0)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(counterparty__icontains=value) | Q(purpose__icontains=value)
                               | Q(reference__icontains=value))


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ApplicationStatus.choices, label=_("Status"))
    category = django_filters.ChoiceFilter(choices=HardshipCategory.choices, label=_("Category"),
                                           empty_label=_("Any"), method="filter_category")
    fund = django_filters.NumberFilter(field_name="fund_id", label=_("Fund"))
    member = django_filters.NumberFilter(field_name="member_id", label=_("Member"))
    q = django_filters.CharFilter(field_name="member__name", lookup_expr="icontains", label=_("Member's name"))

    class Meta:
        model = AssistanceApplication
        fields = ["status", "category", "fund", "member", "q"]

    def filter_category(self, queryset, name, value):
        # Filtering by a sensitive category would reveal who is in it: only for those allowed to see it.
        if value in SENSITIVE_CATEGORIES and not access.can_see_sensitive(getattr(self.request, "user", None)):
            return queryset.none()
        return queryset.filter(category=value)
