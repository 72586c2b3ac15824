"""Coarse, per-request permission checks. They answer 403 before any body is validated; the services still
check scope per object (care.registers.access), and querysets come from care.registers.access so that objects out of scope are 404."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from care.registers import access
from carehub.accounts.models import Role


def is_admin(user) -> bool:
    return getattr(user, "role", None) == Role.ADMIN


class WritersMayChange(BasePermission):
    """Anyone signed in reads (within their scope); only writer roles change anything."""

    message = _("You may not change records there.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or access.can_write(request.user)


class AdminsMayChange(BasePermission):
    """Unit-wide settings such as extra field definitions: read by all, changed by unit admins."""

    message = _("Only unit admins may do this.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or is_admin(request.user)


class AdminsOnly(BasePermission):
    message = _("Only unit admins may do this.")

    def has_permission(self, request, view):
        return is_admin(request.user)
