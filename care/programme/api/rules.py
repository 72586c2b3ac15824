"""Rules (read by all staff, changed by unit admins), their previews, the occasion calendar, the programme
settings and the on-demand run."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED
from rest_framework.views import APIView

from care.programme.api.serializers import (
    OccasionQuerySerializer,
    OccasionSerializer,
    PreviewSerializer,
    RuleDetailSerializer,
    RuleSerializer,
    RuleUpdateSerializer,
    RuleWriteSerializer,
    RunSerializer,
    SettingsSerializer,
)
from care.programme.models import ProgrammeSettings, Rule
from care.programme.services import calendar_view, rules, runs
from care.programme.services.rules import version_data
from carehub.api.base import ApiSourceMixin, CareViewSet
from carehub.api.permissions import AdminsMayChange, AdminsOnly


@extend_schema_view(
    create=extend_schema(request=RuleWriteSerializer, responses={201: RuleDetailSerializer}),
    partial_update=extend_schema(request=RuleUpdateSerializer, responses=RuleDetailSerializer),
)
class RuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    permission_classes = [IsAuthenticated, AdminsMayChange]
    queryset = Rule.objects.select_related("current", "current__created_by")
    ordering_fields = ["id"]
    ordering = ["id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return RuleDetailSerializer if self.action == "retrieve" else RuleSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return self.queryset.prefetch_related("versions__created_by")
        return self.queryset

    def _detail(self, rule, status=200):
        return Response(RuleDetailSerializer(self.get_queryset().prefetch_related("versions").get(pk=rule.pk)).data,
                        status=status)

    def create(self, request):
        """A new rule; its items for the horizon are generated at once."""
        return self._detail(rules.create_rule(request.user, self.validated(RuleWriteSerializer)), HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        """Editing makes a new version: items already produced keep theirs; future open items are replaced."""
        rule = self.get_object()
        data = dict(self.validated(RuleUpdateSerializer, partial=True))
        active = data.pop("is_active", None)
        if data:
            rule = rules.update_rule(request.user, rule, data)
        if active is not None:
            rule = rules.set_active(request.user, rule, active)
        return self._detail(rule)

    @extend_schema(responses=PreviewSerializer)
    @action(detail=True, methods=["get"], url_path="preview")
    def saved_preview(self, request, pk=None):
        """What the rule's current version would create in the horizon, within your scope."""
        return Response(PreviewSerializer(rules.preview(request.user, version_data(self.get_object().current))).data)

    @extend_schema(request=RuleWriteSerializer, responses=PreviewSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """What a rule with these settings would create in the horizon: counts and the first 20. Nothing is
        saved."""
        return Response(PreviewSerializer(rules.preview(request.user, self.validated(RuleWriteSerializer))).data)


class OccasionView(ApiSourceMixin, APIView):
    @extend_schema(parameters=[OccasionQuerySerializer], responses=OccasionSerializer(many=True))
    def get(self, request):
        """The occasion calendar of a year: built-in occasions and the rules' own dates, with the solar dates of
        lunar ones."""
        query = OccasionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = calendar_view.occasions_of_year(query.validated_data.get("year"))
        return Response(OccasionSerializer(rows, many=True).data)


class SettingsView(ApiSourceMixin, APIView):
    permission_classes = [IsAuthenticated, AdminsMayChange]

    @extend_schema(responses=SettingsSerializer)
    def get(self, request):
        return Response(SettingsSerializer(ProgrammeSettings.load()).data)

    @extend_schema(request=SettingsSerializer, responses=SettingsSerializer)
    def patch(self, request):
        """How many days ahead tasks are planned, and after how many overdue days they escalate."""
        serializer = SettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(SettingsSerializer(rules.update_settings(request.user, **serializer.validated_data)).data)


class RunView(ApiSourceMixin, APIView):
    permission_classes = [IsAuthenticated, AdminsOnly]

    @extend_schema(request=None, responses=RunSerializer)
    def post(self, request):
        """Generate the horizon's tasks and greetings now (the daily job does it every night)."""
        outcome = runs.generate(request.user)
        return Response(RunSerializer({"tasks": outcome.tasks, "greetings": outcome.greetings}).data)
