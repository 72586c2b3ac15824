"""The organisation tree: browse it with member counts, and add, edit, move and delete nodes."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.registers import access
from care.registers.models import MemberStatus, Node, NodeKind
from care.registers.services import nodes as service
from carehub.accounts.models import Role
from carehub.portal.actions import FormActionView
from carehub.portal.common import label_of


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
