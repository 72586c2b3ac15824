"""The member register: list with the shared filters, profile with its history, changes through the services."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.status import HTTP_200_OK, HTTP_201_CREATED

from care.registers import access
from care.registers.api.serializers import (
    MemberCreateSerializer,
    MemberDetailSerializer,
    MemberSerializer,
    MemberStatusSerializer,
    MemberTransferSerializer,
    MemberWriteSerializer,
)
from care.registers.filters import MemberFilter
from care.registers.models import StatusChange, Transfer
from care.registers.services import members
from carehub.api.base import CareViewSet
from carehub.api.schema import EXTRA_FILTER


@extend_schema_view(
    list=extend_schema(parameters=[EXTRA_FILTER]),
    create=extend_schema(request=MemberCreateSerializer, responses={201: MemberDetailSerializer}),
    partial_update=extend_schema(request=MemberWriteSerializer, responses=MemberDetailSerializer),
)
class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    filterset_class = MemberFilter
    ordering_fields = ["id", "name", "birth_date", "joined_on", "status", "updated_at"]
    ordering = ["name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = access.visible_members(self.request.user).select_related("node")
        if self.action == "list":
            return queryset
        return queryset.prefetch_related(
            Prefetch("status_changes", queryset=StatusChange.objects.select_related("by")),
            Prefetch("transfers", queryset=Transfer.objects.select_related("from_node", "to_node", "by")),
        )

    def get_serializer_class(self):
        return MemberSerializer if self.action == "list" else MemberDetailSerializer

    def _detail(self, member, status_code=HTTP_200_OK):
        """The member re-read with its history, as the profile shows it."""
        return Response(MemberDetailSerializer(self.get_queryset().get(pk=member.pk)).data, status=status_code)

    def create(self, request):
        data = self.validated(MemberCreateSerializer)
        return self._detail(members.create_member(request.user, **data), HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        member = self.get_object()
        data = self.validated(MemberWriteSerializer, partial=True)
        return self._detail(members.update_member(request.user, member, **data))

    @extend_schema(request=MemberStatusSerializer, responses=MemberDetailSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """Retire, mark away, move out, mark deceased (with the date of death) or reactivate; history is kept."""
        member = self.get_object()
        data = self.validated(MemberStatusSerializer)
        return self._detail(members.change_status(request.user, member, data.pop("status"), **data))

    @extend_schema(request=MemberTransferSerializer, responses=MemberDetailSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """Move the member to another organisation; both must be in your scope. History is kept."""
        member = self.get_object()
        data = self.validated(MemberTransferSerializer)
        return self._detail(members.transfer_member(request.user, member, data.pop("node"), **data))
