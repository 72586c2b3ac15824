"""Coarse, per-request permission checks by role. They answer 403 before any body is validated; the services still
check scope per object, and querysets come from each app's access module so that objects out of scope are 404.
Writing within one's scope is the registers' rule (care.registers.api.permissions.WritersMayChange, the API's
default permission in settings)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from carehub.accounts.models import Role


def is_admin(user) -> bool:
    return getattr(user, "role", None) == Role.ADMIN


class AdminsMayChange(BasePermission):
    """Unit-wide settings such as extra field definitions: read by all, changed by unit admins."""

    message = _("Only unit admins may do this.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or is_admin(request.user)


class AdminsOnly(BasePermission):
    message = _("Only unit admins may do this.")

    def has_permission(self, request, view):
        return is_admin(request.user)
