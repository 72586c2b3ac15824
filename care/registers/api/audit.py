"""The audit trail, for unit admins: read-only, filterable by who, what, where from and when."""

import django_filters
from rest_framework import mixins
from rest_framework.permissions import IsAuthenticated

from care.registers.actions import HARDSHIP_REVIEWED, MEMBER_CREATED, MEMBER_TRANSFERRED
from care.registers.api.serializers import AuditEventSerializer
from care.registers.models import ReviewOutcome
from carehub.api.base import CareViewSet
from carehub.api.permissions import AdminsOnly
from carehub.audit.models import AuditEvent, Source


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.NumberFilter(field_name="actor_id", help_text="Staff account id.")
    action = django_filters.CharFilter(help_text=f"An action's name: {MEMBER_CREATED}, {MEMBER_TRANSFERRED}, "
                                                 f"{HARDSHIP_REVIEWED[ReviewOutcome.CLOSED]}, ...")
    object_type = django_filters.CharFilter(help_text="member, node, hardshipentry, extrafield, staff, ...")
    object_id = django_filters.CharFilter()
    source = django_filters.ChoiceFilter(choices=Source.choices)
    at = django_filters.DateFromToRangeFilter(help_text="Days, inclusive: at_after=2026-01-01&at_before=2026-01-31")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "source", "at"]


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    permission_classes = [IsAuthenticated, AdminsOnly]
    filterset_class = AuditEventFilter
    ordering_fields = ["at", "id"]
    ordering = ["-at", "-id"]
