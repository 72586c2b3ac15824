"""Care tasks (due, overdue and upcoming lists per assignee, node or unit; assign, snooze and cancel) and
greetings."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from care.programme import access
from care.programme.api.serializers import (
    AssignSerializer,
    CancelSerializer,
    CareTaskSerializer,
    GreetingSerializer,
    SnoozeSerializer,
)
from care.programme.models import CareTask, Greeting, TaskKind
from care.programme.services import tasks
from care.registers.filters import SubtreeFilter
from carehub.api.base import CareViewSet
from carehub.clock import unit_today

STATE_CHOICES = [(state, state) for state in tasks.STATES]


class TaskFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method="filter_state",
                                        help_text="today (due today), week (due from today to Sunday), due (open now), "
                                        "overdue, upcoming, open, done or cancelled.")
    mine = django_filters.BooleanFilter(method="filter_mine", help_text="Assigned or escalated to you.")
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull",
                                              help_text="Nobody is assigned to it (true), or somebody is (false).")
    node = SubtreeFilter(path_field="member__node__path", field_name="member__node",
                         help_text="Members of this organisation's subtree.")
    kind = django_filters.ChoiceFilter(choices=TaskKind.choices, help_text="visit, talk, hardship_review, "
                                       "death_care or reach.")
    rule = django_filters.NumberFilter(field_name="rule_id")
    member = django_filters.NumberFilter(field_name="member_id")
    assignee = django_filters.NumberFilter(field_name="assignee_id")
    due_by = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = CareTask
        fields = ["state", "mine", "unassigned", "node", "kind", "rule", "member", "assignee", "due_by"]

    def filter_state(self, queryset, name, value):
        return tasks.in_state(queryset, value, unit_today())

    def filter_mine(self, queryset, name, value):
        return tasks.mine(queryset, self.request.user) if value else queryset


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    serializer_class = CareTaskSerializer
    filterset_class = TaskFilter
    ordering_fields = ["due_on", "opens_on", "occurs_on", "id"]
    ordering = ["due_on", "id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return tasks.with_effective_due(access.visible_tasks(self.request.user)).select_related(
            "member", "version", "assignee", "escalated_to")

    def _answer(self, task):
        return Response(CareTaskSerializer(self.get_queryset().get(pk=task.pk)).data)

    @extend_schema(request=AssignSerializer, responses=CareTaskSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give the task to a staff account who may see the member (they hear of it by SMS when they have a
        phone); reassigning works the same way."""
        return self._answer(tasks.assign(request.user, self.get_object(), **self.validated(AssignSerializer)))

    @extend_schema(request=SnoozeSerializer, responses=CareTaskSerializer)
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        """Postpone the task with a reason; it leaves the due and overdue lists until then."""
        return self._answer(tasks.snooze(request.user, self.get_object(), **self.validated(SnoozeSerializer)))

    @extend_schema(request=CancelSerializer, responses=CareTaskSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._answer(tasks.cancel(request.user, self.get_object(), **self.validated(CancelSerializer)))


class GreetingFilter(django_filters.FilterSet):
    send_on = django_filters.DateFromToRangeFilter(help_text="send_on_after=2026-01-01&send_on_before=2026-01-31")
    via_sms = django_filters.BooleanFilter(help_text="Members without a smartphone: to be sent by SMS.")
    template = django_filters.CharFilter()
    member = django_filters.NumberFilter(field_name="member_id")

    class Meta:
        model = Greeting
        fields = ["send_on", "via_sms", "template", "member", "status"]


class GreetingViewSet(mixins.ListModelMixin, CareViewSet):
    """Greetings to send (sending belongs to the notifications service)."""

    serializer_class = GreetingSerializer
    filterset_class = GreetingFilter
    ordering_fields = ["send_on", "id"]
    ordering = ["send_on", "id"]

    def get_queryset(self):
        return access.visible_greetings(self.request.user).select_related("member")
