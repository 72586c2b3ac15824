"""Definitions of the unit's extra member fields: everyone with a scope reads them, unit admins change them."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED

from care.registers import access
from care.registers.api.serializers import ExtraFieldSerializer, ExtraFieldUpdateSerializer
from care.registers.models import ExtraField
from care.registers.services.extra_fields import save_extra_field
from carehub.api.base import CareViewSet
from carehub.api.permissions import AdminsMayChange


@extend_schema_view(
    create=extend_schema(responses={201: ExtraFieldSerializer}),
    partial_update=extend_schema(request=ExtraFieldUpdateSerializer, responses=ExtraFieldSerializer),
)
class ExtraFieldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    serializer_class = ExtraFieldSerializer
    permission_classes = [IsAuthenticated, AdminsMayChange]
    ordering_fields = ["position", "key"]
    ordering = ["position", "key"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if access.root_path(self.request.user) is None:  # staff without a scope see nothing of the registers
            return ExtraField.objects.none()
        return ExtraField.objects.all()

    def create(self, request):
        field = save_extra_field(request.user, **self.validated(ExtraFieldSerializer))
        return Response(ExtraFieldSerializer(field).data, status=HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        field = self.get_object()
        data = self.validated(ExtraFieldUpdateSerializer, partial=True)
        return Response(ExtraFieldSerializer(save_extra_field(request.user, field, **data)).data)
