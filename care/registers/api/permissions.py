"""The API's default permission (REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]): anyone signed in reads within
their scope; only writer roles with a scope change anything."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from care.registers import access


class WritersMayChange(BasePermission):
    """Anyone signed in reads (within their scope); only writer roles change anything."""

    message = _("You may not change records there.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or access.can_write(request.user)
