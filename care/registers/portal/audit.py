"""The audit trail for unit admins: who changed what, when and from where, with before → after."""

import django_filters
from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from care.registers import access
from care.registers.portal.changes import change_rows, related_names, type_label
from carehub.accounts.models import User
from carehub.audit.actions import label_of
from carehub.audit.models import AuditEvent, Source
from carehub.portal.common import forget_built_fields, page_of


def _occurring(column: str, label) -> list:
    """The codes that occur in the trail, so the choices never go stale; `label` names a code."""
    values = AuditEvent.objects.order_by(column).values_list(column, flat=True).distinct()
    return [(value, label(value)) for value in values]


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(label=_("Who"), queryset=User.objects.order_by("email"),
                                             empty_label=_("Anyone"))
    action = django_filters.ChoiceFilter(label=_("Action"), empty_label=_("Any"))
    object_type = django_filters.ChoiceFilter(label=_("Object"), empty_label=_("Any"))
    object_id = django_filters.CharFilter(label=_("Object number"))
    source = django_filters.ChoiceFilter(label=_("From"), choices=Source.choices, empty_label=_("Anywhere"))
    date_from = django_filters.DateFilter(label=_("From date"), field_name="at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(label=_("To date"), field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        forget_built_fields(self)
        self.filters["action"].extra["choices"] = _occurring("action", label_of)
        self.filters["object_type"].extra["choices"] = _occurring("object_type", type_label)
        for name in ("date_from", "date_to"):  # `at__date` compares in the unit's time zone
            self.filters[name].extra["widget"] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def actor_name(event) -> str:
    """Who did it, by name: the account's name, else the address it was recorded under, else "the system" (a
    command or a task without a user)."""
    if event.actor:
        return event.actor.get_full_name()
    return event.actor_label if event.actor_label != "system" else gettext("The system")


@login_required
def trail(request):
    access.require_admin(request.user)
    filterset = AuditFilter(request.GET, queryset=AuditEvent.objects.all())
    page = page_of(request, filterset.qs.select_related("actor"))
    related = related_names([(event.changes, event.object_type) for event in page])
    for event in page:
        event.action_label = label_of(event.action)
        event.object_type_label = type_label(event.object_type)
        event.actor_name = actor_name(event)
        names = {field: ids for (object_type, field), ids in related.items() if object_type == event.object_type}
        event.rows = change_rows(event.changes, event.object_type, names=names)
    return render(request, "registers/audit/trail.html", {"filter": filterset, "page": page})
