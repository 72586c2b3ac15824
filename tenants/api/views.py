"""Operator REST API at the base domain, /api/v1/platform/: units (list, create, suspend, resume, archive)
and usage. Operator tokens (tenants.services.tokens) or an operator's console session; nobody else."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.models import Metric
from carehub.accounts.services import FULL_NAME_MAX
from carehub.api.base import DeclaredInputMixin
from tenants.models import Unit, UnitEvent, UnitKind
from tenants.services import console
from tenants.services import onboarding as services
from tenants.services.tokens import OperatorTokenAuthentication


class IsOperator(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class UnitSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=UnitKind.choices, read_only=True)
    status = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()
    plan = serializers.SerializerMethodField()
    subscription_status = serializers.SerializerMethodField()
    members = serializers.IntegerField(read_only=True, allow_null=True)
    sms_this_month = serializers.IntegerField(read_only=True)
    last_activity_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_url(self, unit) -> str:
        return services.unit_url(unit)

    def get_plan(self, unit) -> str | None:
        subscription = getattr(unit, "subscription", None)
        return subscription.plan.code if subscription else None

    def get_subscription_status(self, unit) -> str | None:
        subscription = getattr(unit, "subscription", None)
        return subscription.status if subscription else None


class CreateUnitSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    admin_email = serializers.EmailField()
    admin_name = serializers.CharField(max_length=FULL_NAME_MAX, help_text="The first admin's full name, as "
                                       "colleagues know them; the unit's lists show it instead of the email.")
    admin_phone = serializers.CharField(required=False, allow_blank=True, default="")
    time_zone = serializers.CharField(required=False)
    language = serializers.CharField(required=False)


FIRST_ADMIN = inline_serializer("FirstAdmin", {"full_name": serializers.CharField(), "email": serializers.EmailField()})
CREATED = inline_serializer("CreatedUnit", {"unit": UnitSerializer(), "admin": FIRST_ADMIN,
                                            "invitation_url": serializers.CharField(),
                                            "presets": serializers.ListField(child=serializers.CharField())})
USAGE = inline_serializer("UsageMonth", {"month": serializers.DateField(), "sms": serializers.IntegerField(),
                                         "members": serializers.IntegerField(required=False),
                                         "units": serializers.IntegerField(required=False)}, many=True)


class PlatformView(DeclaredInputMixin, APIView):
    authentication_classes = [OperatorTokenAuthentication, SessionAuthentication]
    permission_classes = [IsOperator]


def _row(slug: str) -> Unit:
    return get_object_or_404(console.unit_rows(), slug=slug)


class UnitList(PlatformView):
    @extend_schema(responses=UnitSerializer(many=True), tags=["platform"])
    def get(self, request):
        return Response(UnitSerializer(console.unit_rows(), many=True).data)

    @extend_schema(request=CreateUnitSerializer, responses={201: CREATED}, tags=["platform"])
    def post(self, request):
        data = CreateUnitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.onboard_unit(request.user, source="api", **data.validated_data)
        return Response({"unit": UnitSerializer(_row(result.unit.slug)).data,
                         "admin": {"full_name": result.admin_name, "email": result.admin_email},
                         "invitation_url": result.invitation_url, "presets": result.presets},
                        status=status.HTTP_201_CREATED)


class UnitStatusChange(PlatformView):
    action = None

    @extend_schema(request=inline_serializer("StatusNote", {"note": serializers.CharField(required=False)}),
                   responses=UnitSerializer, tags=["platform"])
    def post(self, request, slug):
        unit = _row(slug)
        services.change_status(request.user, unit, self.action, note=str(request.data.get("note", "")), source="api")
        return Response(UnitSerializer(_row(slug)).data)


class UnitUsage(PlatformView):
    @extend_schema(responses=USAGE, tags=["platform"],
                   description=f"Per month: SMS segments ({Metric.SMS_SEGMENTS}) and the highest daily count of "
                               f"members ({Metric.ACTIVE_MEMBERS}), newest first.")
    def get(self, request, slug):
        return Response(console.monthly_usage(_row(slug)))


class PlatformUsage(PlatformView):
    @extend_schema(responses=USAGE, tags=["platform"],
                   parameters=[OpenApiParameter("months", int, description="How many months (default 12).")])
    def get(self, request):
        months = request.query_params.get("months", "12")
        return Response(console.platform_usage(int(months) if months.isdigit() else 12))


SUSPEND = UnitStatusChange.as_view(action=UnitEvent.Action.SUSPENDED)
RESUME = UnitStatusChange.as_view(action=UnitEvent.Action.RESUMED)
ARCHIVE = UnitStatusChange.as_view(action=UnitEvent.Action.ARCHIVED)
