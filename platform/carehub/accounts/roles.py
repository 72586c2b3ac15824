"""Role checks that need nothing but the account (scopes within a unit are the registers' rule:
care.registers.access)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from carehub.accounts.models import Role


def require_admin(user) -> None:
    if getattr(user, "role", None) != Role.ADMIN:
        raise PermissionDenied(_("Only unit admins may do this."))
