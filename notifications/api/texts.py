"""Message templates (read by all staff, changed by unit admins), the live preview, and the SMS settings."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from rest_framework.views import APIView

from carehub.api.base import ApiSourceMixin, CareViewSet
from carehub.api.permissions import AdminsMayChange, AdminsOnly
from notifications import rendering
from notifications.api.serializers import (
    SmsSettingsSerializer,
    SmsSettingsWriteSerializer,
    TemplateSerializer,
    TemplateUpdateSerializer,
    TemplateWriteSerializer,
    TextPreviewRequestSerializer,
    TextPreviewSerializer,
)
from notifications.models import Template
from notifications.services import settings as sms_settings
from notifications.services import templates
from notifications.services.config import get_settings

PROVIDER_FIELDS = ("provider", "aliyun_access_key_id", "aliyun_access_key_secret", "sign_name")


@extend_schema_view(
    list=extend_schema(responses=TemplateSerializer(many=True), parameters=[OpenApiParameter(
        "language", str, enum=templates.LANGUAGES, description="Only the texts in this language.")]),
    retrieve=extend_schema(responses=TemplateSerializer),
    create=extend_schema(request=TemplateWriteSerializer, responses={201: TemplateSerializer}),
    partial_update=extend_schema(request=TemplateUpdateSerializer, responses=TemplateSerializer),
)
class TemplateViewSet(mixins.RetrieveModelMixin, CareViewSet):
    """The unit's texts per purpose and language. The list also shows the built-in defaults it has not replaced
    (id null); POST saves the unit's own text for a key and language (replacing any), DELETE goes back to the
    default."""

    serializer_class = TemplateSerializer
    permission_classes = [IsAuthenticated, AdminsMayChange]
    queryset = Template.objects.all()
    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self):
        if self.action == "preview":
            return [IsAuthenticated()]
        return super().get_permissions()

    def list(self, request):
        rows = [TemplateSerializer.with_state({
            **row, "id": row["own"].pk if row["own"] else None, "is_default": row["own"] is None,
            "updated_at": row["own"].updated_at if row["own"] else None})
            for row in templates.effective_templates(request.query_params.get("language") or None)]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(TemplateSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(TemplateSerializer(TemplateSerializer.row(self.get_object())).data)

    def create(self, request):
        template = templates.save_template(request.user, **self.validated(TemplateWriteSerializer))
        return Response(TemplateSerializer(TemplateSerializer.row(template)).data, status=HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        template = self.get_object()
        data = self.validated(TemplateUpdateSerializer)
        template = templates.save_template(request.user, key=template.key, language=template.language,
                                           category=data.get("category", template.category),
                                           body=data.get("body", template.body),
                                           vendor_code=data.get("vendor_code"), approval=data.get("approval"))
        return Response(TemplateSerializer(TemplateSerializer.row(template)).data)

    def destroy(self, request, pk=None):
        templates.delete_template(request.user, self.get_object())
        return Response(status=HTTP_204_NO_CONTENT)

    @extend_schema(request=TextPreviewRequestSerializer, responses=TextPreviewSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """The text with sample (or given) values, its encoding, length and segments. Nothing is saved."""
        data = self.validated(TextPreviewRequestSerializer)
        text, count = templates.preview(data["body"], data.get("context"))
        return Response(TextPreviewSerializer({
            "text": text, "encoding": count.encoding, "characters": count.characters, "segments": count.segments,
            "max_segments": get_settings().max_segments,
            "unknown_variables": rendering.unknown_variables(data["body"])}).data)


class SettingsView(ApiSourceMixin, APIView):
    permission_classes = [IsAuthenticated, AdminsOnly]

    @extend_schema(responses=SmsSettingsSerializer)
    def get(self, request):
        return Response(SmsSettingsSerializer(get_settings()).data)

    @extend_schema(request=SmsSettingsWriteSerializer, responses=SmsSettingsSerializer)
    def patch(self, request):
        """Sender, sending window, limits; `account_sid` with `auth_token` switches to the unit's own Twilio
        account (an empty `account_sid` back to the platform's); `provider` "aliyun" with `aliyun_access_key_id`,
        `aliyun_access_key_secret` and `sign_name` sends through Alibaba Cloud. Secrets are never returned; the
        push addresses for the Alibaba Cloud console are on the portal's SMS settings page."""
        serializer = SmsSettingsWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        account = {name: data.pop(name) for name in ("account_sid", "auth_token") if name in data}
        provider = {name: data.pop(name) for name in PROVIDER_FIELDS if name in data}
        sms = get_settings()
        if data:
            sms = sms_settings.update_settings(request.user, **data)
        if account:
            sms = sms_settings.set_own_account(request.user, account.get("account_sid", sms.account_sid),
                                               account.get("auth_token", ""))
        if provider:
            sms = sms_settings.set_provider(
                request.user, provider.get("provider", sms.provider),
                access_key_id=provider.get("aliyun_access_key_id", sms.aliyun_access_key_id),
                access_key_secret=provider.get("aliyun_access_key_secret", ""),
                sign_name=provider.get("sign_name", sms.sign_name))
        return Response(SmsSettingsSerializer(sms).data)
