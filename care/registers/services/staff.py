"""Staff accounts of a unit: invite with a role and a scope, change them, deactivate. Admins only."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.registers import access
from care.registers.actions import STAFF_INVITED, STAFF_UPDATED
from care.registers.models import Node, StaffScope
from carehub.accounts.models import Role, User
from carehub.accounts.services import IssuedInvitation, invite_user
from carehub.audit.services import diff, record


def _scope_state(user: User) -> dict:
    scope = access.scope_of(user)
    return {"role": user.role, "is_active": user.is_active,
            "node": scope.node_id if scope else None, "can_view_sensitive": bool(scope and scope.can_view_sensitive)}


def invite_staff(actor, *, email: str, role: str, node: Node | None = None, can_view_sensitive: bool = False,
                 full_name: str = "", phone: str = "") -> IssuedInvitation:
    """An inactive account with a one-time link; `node` limits it to that subtree (None: the whole unit)."""
    access.require_admin(actor)
    if role == Role.SECRETARY and node is None:
        raise ValidationError({"node": _("A secretary needs an organisation.")})
    with transaction.atomic():
        issued = invite_user(actor, email=email, role=role, full_name=full_name, phone=phone)
        StaffScope.objects.create(user=issued.invitation.user, node=node, can_view_sensitive=can_view_sensitive)
        record(actor, STAFF_INVITED, issued.invitation.user, diff({}, _scope_state(issued.invitation.user)),
               object_type="staff")
    return issued


def update_staff(actor, user: User, *, role: str | None = None, node: Node | None = None,
                 can_view_sensitive: bool | None = None, is_active: bool | None = None) -> User:
    access.require_admin(actor)
    if user.pk == getattr(actor, "pk", None) and (is_active is False or (role and role != Role.ADMIN)):
        raise ValidationError(_("You cannot demote or deactivate yourself."))
    if role is not None and role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    # Not `changing`: what is audited spans two rows (the account and its scope), see _scope_state.
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = _scope_state(user)
        if role is not None:
            user.role = role
        if is_active is not None:
            user.is_active = is_active
        user.save(update_fields=["role", "is_active"])
        scope, _created = StaffScope.objects.get_or_create(user=user)
        user.scope = scope  # else the "after" state below reads the stale scope cached while taking "before"
        scope.node = node
        if can_view_sensitive is not None:
            scope.can_view_sensitive = can_view_sensitive
        scope.save()
        if user.role == Role.SECRETARY and scope.node_id is None:
            raise ValidationError({"node": _("A secretary needs an organisation.")})
        changes = diff(before, _scope_state(user))
        if changes:
            record(actor, STAFF_UPDATED, user, changes, object_type="staff")
    return user
