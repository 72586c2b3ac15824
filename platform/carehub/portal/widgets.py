"""Form widgets the portal shares."""

from django import forms
from django.utils.translation import gettext_lazy as _


class NodeSelect(forms.Select):
    """A choice of organisation shown as the indented tree it is: each option is indented by the node's `depth`
    below the shallowest node offered (a secretary's own organisation starts at the left edge), and carries that
    depth as `data-depth`. The queryset must be in tree order, as Node's default `path` ordering is.

    app.js adds a search box above every select marked `data-tree-search` (its value is the box's label) that
    narrows the options to the matching names and their ancestors."""

    INDENT = "\u3000"  # an ideographic space: as wide as one Chinese character

    def __init__(self, attrs=None):
        super().__init__({"data-tree-search": _("Find an organisation"), **(attrs or {})})

    def optgroups(self, name, value, attrs=None):
        # A ModelChoiceIterator queries each time it is walked (and counts first when asked its length, as list()
        # does): walk it once, for the depths and the options.
        choices = list(iter(self.choices))
        depths = [node.depth for node in (_node_of(choice) for choice, _label in choices) if node is not None]
        self._base_depth = min(depths, default=0)
        walked, self.choices = self.choices, choices
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = walked

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        node = _node_of(value)
        if node is not None:
            depth = max(node.depth - getattr(self, "_base_depth", 0), 0)
            option["label"] = self.INDENT * depth + str(label)
            option["attrs"]["data-depth"] = depth
        return option


def _node_of(value):
    """The node behind a ModelChoiceField's option value (None for the empty choice or plain values)."""
    node = getattr(value, "instance", None)
    return node if hasattr(node, "depth") else None
