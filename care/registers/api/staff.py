"""Staff accounts of the unit, for unit admins: who has which role where; invitations; changes."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED

from care.registers import access
from care.registers.api.serializers import (
    StaffInvitedSerializer,
    StaffInviteSerializer,
    StaffSerializer,
    StaffUpdateSerializer,
)
from care.registers.services import staff
from carehub.accounts.models import User
from carehub.api.base import CareViewSet
from carehub.api.permissions import AdminsOnly
from tenants.services.onboarding import unit_url


@extend_schema_view(
    create=extend_schema(request=StaffInviteSerializer, responses={201: StaffInvitedSerializer}),
    partial_update=extend_schema(request=StaffUpdateSerializer, responses=StaffSerializer),
)
class StaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    serializer_class = StaffSerializer
    permission_classes = [IsAuthenticated, AdminsOnly]
    filterset_fields = ["role", "is_active"]
    ordering_fields = ["email", "full_name", "role", "date_joined"]
    ordering = ["email"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return User.objects.select_related("scope__node")

    def create(self, request):
        """Invite: an inactive account and a one-time link, returned only in this answer."""
        issued = staff.invite_staff(request.user, **self.validated(StaffInviteSerializer))
        user = self.get_queryset().get(pk=issued.invitation.user_id)
        user.invitation_url = unit_url(request.tenant).rstrip("/") + issued.path
        return Response(StaffInvitedSerializer(user).data, status=HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        user = self.get_object()
        data = self.validated(StaffUpdateSerializer, partial=True)
        if "node" not in data:  # the service sets the scope's node every time; keep it unless asked
            scope = access.scope_of(user)
            data["node"] = scope.node if scope else None
        staff.update_staff(request.user, user, **data)
        return Response(StaffSerializer(self.get_queryset().get(pk=user.pk)).data)
