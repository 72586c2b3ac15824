"""What the fund's API views share: reads for everyone in scope, changes only for the roles that take part in
the fund (admins, secretaries, treasurers); the services decide the rest per object (care.fund.access)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated

from care.fund import access
from carehub.api.base import CareViewSet


class FundActorsMayChange(BasePermission):
    message = _("You may not change records there.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or getattr(request.user, "role", None) in access.ACTORS


class FundViewSetBase(CareViewSet):
    permission_classes = [IsAuthenticated, FundActorsMayChange]
