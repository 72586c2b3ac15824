"""The organisation tree: browse it with member counts, and add, edit, move and delete nodes."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from care.registers import access
from care.registers.models import MemberStatus, Node, NodeKind
from care.registers.services import nodes as service
from carehub.accounts.models import Role
from carehub.portal.common import NOT_DONE, attempt, label_of, show_errors


class NodeForm(forms.Form):
    name = forms.CharField(label=label_of(Node, "name"), max_length=100, required=False)
    kind = forms.ChoiceField(label=label_of(Node, "kind"), choices=NodeKind.choices, initial=NodeKind.BRANCH)
    secretary = forms.CharField(label=label_of(Node, "secretary"), max_length=50, required=False)
    contact = forms.CharField(label=label_of(Node, "contact"), max_length=50, required=False)


class MoveForm(forms.Form):
    parent = forms.ModelChoiceField(label=gettext_lazy("New parent organisation"), queryset=Node.objects.none())

    def __init__(self, *args, user, node, **kwargs):
        super().__init__(*args, **kwargs)
        # Below itself is impossible and the current parent is no move: neither is offered.
        self.fields["parent"].queryset = (access.visible_nodes(user).exclude(path__startswith=node.path)
                                          .exclude(pk=node.parent_id))


def _arrange(nodes: list[Node]) -> list[Node]:
    """Nest the nodes and add up members over each subtree.

    Works on the one list the page fetched: the tree is never walked with queries.
    """
    by_id = {node.pk: node for node in nodes}
    roots = []
    for node in nodes:
        node.kids, node.members_total = [], 0
    for node in nodes:
        parent = by_id.get(node.parent_id)
        (parent.kids if parent else roots).append(node)
    for node in nodes:
        for ancestor in node.path.strip("/").split("/"):
            if int(ancestor) in by_id:
                by_id[int(ancestor)].members_total += node.members_here
    for node in nodes:
        node.kids.sort(key=lambda kid: kid.pk)
    return sorted(roots, key=lambda root: root.pk)


@login_required
def tree(request):
    living = ~Q(members__status=MemberStatus.DECEASED)
    nodes = list(access.visible_nodes(request.user).annotate(members_here=Count("members", filter=living)))
    return render(request, "registers/tree/tree.html", {
        "roots": _arrange(nodes), "can_write": access.can_write(request.user),
        "is_admin": request.user.role == Role.ADMIN,
    })


@login_required
def add(request, parent_pk=None):
    parent = get_object_or_404(access.visible_nodes(request.user), pk=parent_pk) if parent_pk else None
    if parent is None:
        access.require_admin(request.user)
    else:
        access.require_write(request.user, parent)
    form = NodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            node = service.create_node(request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("“%(name)s” was added.") % {"name": node.name})
            return redirect("portal:tree")
    return render(request, "registers/tree/add.html", {"form": form, "parent": parent})


def _node_page(request, node, *, form=None, move_form=None, delete_errors=()):
    user = request.user
    initial = {key: getattr(node, key) for key in NodeForm.base_fields}
    return render(request, "registers/tree/node.html", {
        "node": node,
        "ancestors": access.visible_nodes(user).filter(pk__in=node.path.strip("/").split("/")[:-1]),
        "form": form or NodeForm(initial=initial),
        "move_form": move_form or MoveForm(user=user, node=node),
        "delete_errors": delete_errors,
        "can_write": access.can_write(user),
    })


@login_required
def node_page(request, pk):
    """Shows a node; a POST saves its name, kind, secretary and contact."""
    node = get_object_or_404(access.visible_nodes(request.user), pk=pk)
    if request.method != "POST":
        return _node_page(request, node)
    access.require_write(request.user, node)
    form = NodeForm(request.POST)
    if form.is_valid():
        node = attempt(request, form, lambda: service.update_node(request.user, node, **form.cleaned_data), _("Saved."))
        if node is not NOT_DONE:
            return redirect("portal:tree_node", pk=node.pk)
    return _node_page(request, node, form=form)


@login_required
@require_POST
def move(request, pk):
    node = get_object_or_404(access.visible_nodes(request.user), pk=pk)
    access.require_write(request.user, node)
    form = MoveForm(request.POST, user=request.user, node=node)
    if form.is_valid():
        try:
            service.move_node(request.user, node, form.cleaned_data["parent"])
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("“%(name)s” was moved with everything below it.") % {"name": node.name})
            return redirect("portal:tree_node", pk=node.pk)
    return _node_page(request, node, move_form=form)


@login_required
@require_POST
def delete(request, pk):
    node = get_object_or_404(access.visible_nodes(request.user), pk=pk)
    try:
        service.delete_node(request.user, node)
    except ValidationError as exc:
        return _node_page(request, node, delete_errors=exc.messages)
    messages.success(request, _("“%(name)s” was deleted.") % {"name": node.name})
    return redirect("portal:tree")
