"""The organisation tree: browse it with member counts, and add, edit, move and delete nodes."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.registers import access
from care.registers.models import Member, MemberStatus, Node, NodeKind
from care.registers.services import nodes as service
from carehub.accounts.models import Role
from carehub.portal.actions import FormActionView
from carehub.portal.common import label_of
from carehub.portal.widgets import NodeSelect


class NodeForm(forms.Form):
    name = forms.CharField(label=label_of(Node, "name"), max_length=100, required=False)
    kind = forms.ChoiceField(label=label_of(Node, "kind"), choices=NodeKind.choices, initial=NodeKind.BRANCH)
    secretary = forms.CharField(label=label_of(Node, "secretary"), max_length=50, required=False)
    contact = forms.CharField(label=label_of(Node, "contact"), max_length=50, required=False)


class MoveForm(forms.Form):
    parent = forms.ModelChoiceField(label=gettext_lazy("New parent organisation"), queryset=Node.objects.none(),
                                    widget=NodeSelect)

    def __init__(self, *args, user, node, **kwargs):
        super().__init__(*args, **kwargs)
        # Below itself is impossible and the current parent is no move: neither is offered.
        self.fields["parent"].queryset = (access.visible_nodes(user).exclude(path__startswith=node.path)
                                          .exclude(pk=node.parent_id))


# Branches deeper than this below the top of what the user sees start closed: a district shows its streets and
# communities, and a click (or a search) opens a community's branches.
OPEN_LEVELS = 2


def _in_tree_order(nodes: list[Node]) -> list[Node]:
    """The nodes in the order the page shows them (each one followed by its sub-organisations, siblings by id), each
    with `level` (below the top of what the user sees), `has_kids`, `members_total` (its subtree's members added
    up) and `closes` (how many open branches end after it, for the flat template).

    Works on the one list the page fetched: the tree is never walked with queries."""
    by_id = {node.pk: node for node in nodes}
    kids: dict[int | None, list[Node]] = {}
    for node in nodes:
        node.members_total = 0
        kids.setdefault(node.parent_id if node.parent_id in by_id else None, []).append(node)
    for node in nodes:
        for ancestor in node.path.strip("/").split("/"):
            if int(ancestor) in by_id:
                by_id[int(ancestor)].members_total += node.members_here
    ordered = []
    stack = [(root, 0) for root in sorted(kids.get(None, []), key=lambda node: node.pk, reverse=True)]
    while stack:
        node, level = stack.pop()
        node.level, node.has_kids = level, node.pk in kids
        ordered.append(node)
        stack.extend((kid, level + 1) for kid in sorted(kids.get(node.pk, []), key=lambda kid: kid.pk, reverse=True))
    for index, node in enumerate(ordered):
        after = ordered[index + 1].level if index + 1 < len(ordered) else 0
        node.closes = range(0 if node.has_kids else node.level - after)
    return ordered


@login_required
def tree(request):
    """The whole tree in two queries (the organisations, the living members counted per organisation), drawn by
    one flat loop with no template included per organisation: a district's few hundred render in tens of
    milliseconds. app.js adds the search."""
    user = request.user
    nodes = list(access.visible_nodes(user).only("parent", "name", "kind", "secretary", "path", "depth"))
    here = dict(Member.objects.filter(node__in=[node.pk for node in nodes]).exclude(status=MemberStatus.DECEASED)
                .order_by().values_list("node").annotate(Count("pk")))
    kinds = dict(NodeKind.choices)
    for node in nodes:
        node.members_here, node.kind_label = here.get(node.pk, 0), kinds.get(node.kind, node.kind)
    rows = _in_tree_order(nodes)
    is_admin = user.role == Role.ADMIN
    return render(request, "registers/tree/tree.html", {
        "rows": rows, "open_levels": OPEN_LEVELS, "can_write": access.can_write(user), "is_admin": is_admin,
        # A new unit's tree: nothing yet, or only its top organisation. The page says what to do next.
        "only_root": rows[0] if len(rows) == 1 else None,
        "tree_url": reverse("portal:tree"), "members_url": reverse("portal:member_list"),
        "import_url": tree_import_url(),
    })


def tree_import_url() -> str:
    """Where an organisation tree is imported from a file."""
    return reverse("imports:tree")


class AddNode(FormActionView):
    """A new organisation below `parent_pk`, or at the top (admins only)."""

    form_class = NodeForm
    template_name = "registers/tree/add.html"

    def get_object(self):
        pk = self.kwargs.get("parent_pk")
        return get_object_or_404(access.visible_nodes(self.request.user), pk=pk) if pk else None

    def check(self, parent):
        if parent is None:
            access.require_admin(self.request.user)
        else:
            access.require_write(self.request.user, parent)

    def act(self, form, parent):
        return service.create_node(self.request.user, parent=parent, **form.cleaned_data)

    def get_success_message(self, node, parent):
        return _("“%(name)s” was added.") % {"name": node.name}

    def success_url(self, node, parent):
        return reverse("portal:tree")

    def get_context(self, form, parent):
        return {"form": form, "parent": parent}


def _details(node) -> dict:
    return {key: getattr(node, key) for key in NodeForm.base_fields}


def _node_page(request, node, *, form=None, move_form=None, delete_errors=()):
    user = request.user
    return render(request, "registers/tree/node.html", {
        "node": node,
        "ancestors": access.visible_nodes(user).filter(pk__in=node.path.strip("/").split("/")[:-1]),
        "form": form or NodeForm(initial=_details(node)),
        "move_form": move_form or MoveForm(user=user, node=node),
        "delete_errors": delete_errors,
        "can_write": access.can_write(user),
    })


class NodeAction(FormActionView):
    """An action on a visible node whose form lives on the node's page."""

    post_only = True

    def get_object(self):
        return get_object_or_404(access.visible_nodes(self.request.user), pk=self.kwargs["pk"])

    def check(self, node):
        access.require_write(self.request.user, node)

    def success_url(self, result, node):
        return reverse("portal:tree_node", args=[node.pk])


class NodePage(NodeAction):
    """Shows a node to whoever sees it; a POST saves its name, kind, secretary and contact."""

    form_class = NodeForm
    post_only = False

    def check(self, node):
        if self.request.method == "POST":
            super().check(node)

    def get_form_kwargs(self, node):
        return {"initial": _details(node)}

    def act(self, form, node):
        return service.update_node(self.request.user, node, **form.cleaned_data)

    def render_page(self, form, node):
        return _node_page(self.request, node, form=form)


class MoveNode(NodeAction):
    form_class = MoveForm

    def get_form_kwargs(self, node):
        return {"user": self.request.user, "node": node}

    def act(self, form, node):
        return service.move_node(self.request.user, node, form.cleaned_data["parent"])

    def get_success_message(self, moved, node):
        return _("“%(name)s” was moved with everything below it.") % {"name": node.name}

    def render_page(self, form, node):
        return _node_page(self.request, node, move_form=form)


class DeleteNode(NodeAction):
    """The form is the delete button; why the service refused is shown beside it."""

    form_class = forms.Form

    def act(self, form, node):
        return service.delete_node(self.request.user, node)

    def get_success_message(self, result, node):
        return _("“%(name)s” was deleted.") % {"name": node.name}

    def success_url(self, result, node):
        return reverse("portal:tree")

    def render_page(self, form, node):
        return _node_page(self.request, node, delete_errors=form.non_field_errors())
