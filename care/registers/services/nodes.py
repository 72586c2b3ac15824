"""The organisation tree: create, edit, move (with its subtree) and delete nodes."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, ProtectedError, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from care.registers import access
from care.registers.actions import NODE_CREATED, NODE_DELETED, NODE_MOVED, NODE_UPDATED
from care.registers.models import Node, NodeKind
from care.registers.services.lengths import check_lengths
from carehub.audit.services import changing, created, diff, record, snapshot

FIELDS = ["name", "kind", "secretary", "contact", "parent"]


def next_node_id() -> int:
    """Taken from the id sequence first, so a node's path (which ends with its id) is right on insert."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('registers_node', 'id'))")
        return cursor.fetchone()[0]


def _clean(data: dict) -> dict:
    cleaned = {key: (data.get(key) or "").strip() for key in ("name", "secretary", "contact") if key in data}
    errors = {}
    if "name" in data and not cleaned["name"]:
        errors["name"] = _("The organisation needs a name.")
    if "kind" in data:
        if data["kind"] not in NodeKind.values:
            errors["kind"] = _("Unknown kind “%(kind)s”.") % {"kind": data["kind"]}
        cleaned["kind"] = data["kind"]
    check_lengths(Node, cleaned, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _require_unique_name(name: str, parent: Node | None, node: Node | None = None, field: str = "name") -> None:
    """Siblings (and roots) have different names: imports and people tell organisations apart by them. The
    database's constraints stand behind this for concurrent changes."""
    twins = Node.objects.filter(parent=parent, name=name).exclude(pk=getattr(node, "pk", None))
    if twins.exists():
        raise ValidationError({field: _("“%(parent)s” already has an organisation named “%(name)s”.")
                               % {"parent": parent.name, "name": name} if parent else
                               _("There is already a top-level organisation named “%(name)s”.") % {"name": name}})


def _saved(save, name: str, parent: Node | None, node: Node | None = None, field: str = "name"):
    """Run `save` in a savepoint; a twin saved concurrently trips the unique constraint: answer as the check."""
    try:
        with transaction.atomic():
            return save()
    except IntegrityError:
        _require_unique_name(name, parent, node, field)
        raise


def create_node(actor, *, parent: Node | None, **data) -> Node:
    """A new node under `parent` (None: a root, admins only)."""
    if parent is None:
        access.require_admin(actor)
    else:
        access.require_write(actor, parent)
    cleaned = _clean({"kind": NodeKind.BRANCH, **data, "name": data.get("name", "")})
    _require_unique_name(cleaned["name"], parent)
    with transaction.atomic():
        pk = next_node_id()
        node = _saved(lambda: Node.objects.create(
            pk=pk, parent=parent, path=f"{parent.path if parent else '/'}{pk}/",
            depth=parent.depth + 1 if parent else 0, **cleaned), cleaned["name"], parent)
        created(actor, NODE_CREATED, node, FIELDS)
    return node


def update_node(actor, node: Node, **data) -> Node:
    access.require_write(actor, node)
    cleaned = _clean(data)
    with changing(actor, NODE_UPDATED, node, FIELDS) as change:
        node = change.instance
        for key, value in cleaned.items():
            setattr(node, key, value)
        _require_unique_name(node.name, node.parent, node)
        _saved(node.save, node.name, node.parent, node)
    return node


def move_node(actor, node: Node, new_parent: Node) -> Node:
    """Move `node` and everything below it under `new_parent`, in one UPDATE of the paths."""
    access.require_write(actor, node)
    access.require_write(actor, new_parent)
    if new_parent.path.startswith(node.path):
        raise ValidationError({"parent": _("An organisation cannot move below itself.")})
    with transaction.atomic():
        node = Node.objects.select_for_update().get(pk=node.pk)
        _require_unique_name(node.name, new_parent, node, field="parent")
        old_path, old_parent_id = node.path, node.parent_id
        new_path = f"{new_parent.path}{node.pk}/"
        Node.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + (new_parent.depth + 1 - node.depth),
        )
        _saved(lambda: Node.objects.filter(pk=node.pk).update(parent=new_parent), node.name, new_parent, node,
               field="parent")
        node.refresh_from_db()
        record(actor, NODE_MOVED, node, {"parent": [old_parent_id, new_parent.pk]})
    return node


def delete_node(actor, node: Node) -> None:
    """Only an empty leaf can go: members and children must be moved first."""
    access.require_write(actor, node)
    if node.children.exists() or node.members.exists():
        raise ValidationError(_("Move its members and sub-organisations elsewhere first."))
    with transaction.atomic():
        record(actor, NODE_DELETED, node, diff(snapshot(node, FIELDS), {}))
        try:
            node.delete()
        except ProtectedError:  # other capabilities' records (a care fund) still belong to it
            raise ValidationError(_("Records such as a care fund still belong to this organisation.")) from None
