"""Who may see and change what in the registers. Enforced by the services and the API, not by templates.

- Unit admin: everything, sensitive details included.
- Secretary: reads and writes in their node's subtree.
- Treasurer, viewer: read-only in their subtree (or the whole unit when their scope has no node). Treasurers keep
  the books of the care funds in their subtree (rules of the fund: care.fund.access).
- Sensitive hardship categories (illness, disability, distress) only for admins and staff whose scope allows it.
- An import waiting for its commit (ImportBatch) only for whoever uploaded it.
Staff without a scope see nothing but admins, who need none.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from care.registers.models import SENSITIVE_CATEGORIES, HardshipEntry, ImportBatch, Member, Node, StaffScope
from carehub.accounts.models import Role, User
from carehub.accounts.roles import require_admin  # noqa: F401  (the apps' access rules in one place)

WRITERS = {Role.ADMIN, Role.SECRETARY}


def scope_of(user) -> StaffScope | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.scope
    except StaffScope.DoesNotExist:
        return None


def root_path(user) -> str | None:
    """The tree path the user may act under: "" for the whole unit, None for nothing at all."""
    if getattr(user, "role", None) == Role.ADMIN and user.is_active:
        return ""
    scope = scope_of(user)
    if scope is None:
        return None
    return scope.node.path if scope.node_id else ""


def visible_nodes(user):
    path = root_path(user)
    if path is None:
        return Node.objects.none()
    return Node.objects.filter(path__startswith=path)


def visible_members(user):
    path = root_path(user)
    if path is None:
        return Member.objects.none()
    return Member.objects.filter(node__path__startswith=path)


def staff_seeing(node: Node):
    """The active staff accounts who see the members of `node`: admins, staff scoped to the whole unit, and staff
    scoped to the node or one above it. The rule of `root_path`, as one query (for pickers of people)."""
    ids = node.path.strip("/").split("/")
    above = ["/" + "/".join(ids[:depth]) + "/" for depth in range(1, len(ids) + 1)]
    return User.objects.filter(Q(role=Role.ADMIN) | Q(scope__isnull=False, scope__node__isnull=True) |
                               Q(scope__node__path__in=above), is_active=True)


def can_see_sensitive(user) -> bool:
    if getattr(user, "role", None) == Role.ADMIN:
        return True
    scope = scope_of(user)
    return bool(scope and scope.can_view_sensitive)


def visible_hardship(user):
    entries = HardshipEntry.objects.filter(member__in=visible_members(user))
    if not can_see_sensitive(user):
        entries = entries.exclude(category__in=SENSITIVE_CATEGORIES)
    return entries


def own_import_batches(user):
    """A file being imported is seen only by whoever uploaded it: its rows are that person's work in progress.
    Without the file itself (the stored report holds what the pages show)."""
    return ImportBatch.objects.filter(created_by=user).defer("content")


def can_write(user) -> bool:
    return getattr(user, "role", None) in WRITERS and root_path(user) is not None


def require_write(user, node: Node | None = None) -> None:
    """Raise PermissionDenied unless `user` may change things at `node` (or anywhere, when node is None)."""
    path = root_path(user)
    if not can_write(user) or (node is not None and not node.path.startswith(path)):
        raise PermissionDenied(_("You may not change records there."))
