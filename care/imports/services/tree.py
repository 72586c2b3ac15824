"""Checking and saving the rows of an organisation-tree file (see care.imports.services.imports, which drives it).

Each row names one organisation, either by its path ("甘井子区委/红旗街道/第一党支部"; / ＞ > → and － separate the
names) or by its name and its parent's name or path (an empty parent: a top-level organisation). A path or a
parent is found the way the member import finds an organisation: by its names from the top, or by its last
names alone when they fit one organisation only; among the organisations of the register and those the file
adds. A path whose upper names are new adds them too ("also adds"). An organisation already in the register is
left as it is. Rows may come in any order: a parent named in a later row is found there.

Organisations are added through the register's node service (care.registers.services.nodes.create_node), each
audited as when added by hand, with its rule of who may add what: anyone who writes below an organisation adds
under it, only the unit's admins add at the top. The kind is the row's (党委, 党总支, 党支部, 社区, 街道, ...) or,
when the row gives none, the one its name's ending suggests.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from care.imports.services.columns import TREE_COLUMNS, kind_from_name, node_chains, split_path
from care.imports.services.rows import Rows
from care.registers import access
from care.registers.models import ImportKind, Node, NodeKind
from care.registers.services import nodes
from care.registers.services.lengths import check_lengths


@dataclass(eq=False)
class Planned:
    """An organisation the file adds, under a node of the register, under another planned one, or at the top."""

    chain: tuple[str, ...]  # its names from the top
    parent: "Node | Planned | None"
    kind: str
    secretary: str = ""
    contact: str = ""
    row: int | None = None  # the row that names it; None while only a longer path implies it
    node: Node | None = None  # once added


@dataclass
class Draft:
    """A row's cells, checked on their own; where it goes is decided once every row is read."""

    row: int
    path: tuple[str, ...]  # the whole path, or () when the row gives name and parent
    name: str
    parent: tuple[str, ...] | None  # the parent's path or name; () for the top level; None with a path
    kind: str | None  # None: from the name
    secretary: str
    contact: str


class TreeRows(Rows):
    kind = ImportKind.TREE
    columns = TREE_COLUMNS
    detail = "parent"

    def __init__(self, actor):
        super().__init__(actor)
        self.nodes = Node.objects.in_bulk()
        self.chains = node_chains()
        self.by_tail = defaultdict(list)  # a chain's last names -> the nodes and planned ones it fits
        self.by_chain: dict[tuple, Node | Planned] = {}
        for pk, chain in self.chains.items():
            self._index(chain, self.nodes[pk])
        self.plan: list[Planned] = []
        self.refusals: dict = {}  # node pk (None: the top) -> why the actor may not add there, or ""

    def _index(self, chain: tuple, entry) -> None:
        self.by_chain[chain] = entry
        for start in range(len(chain)):
            self.by_tail[chain[start:]].append(entry)

    def missing(self, index):
        if "path" in index or "name" in index:
            return []
        return [_("%(first)s or %(second)s") % {"first": self.labels()["path"], "second": self.labels()["name"]}]

    def layout_problems(self, index):
        if "path" in index and ("name" in index or "parent" in index):
            return [_("Give each organisation either its path, or its name and its parent, not both.")]
        return []

    def describe(self, values):
        if "path" in values:
            path = split_path(values["path"]) if values["path"] else ("",)
            return path[-1], "/".join(path[:-1])
        return values.get("name", ""), values.get("parent", "")

    def check(self, number, values):
        errors = {}
        data = self.prepare(values, errors)
        texts = {key: data.get(key, "").strip() for key in ("secretary", "contact")}
        if "path" in values:
            path = split_path(values["path"]) if values["path"] else ()
            if not path:
                errors["path"] = _("This column is required, and the cell is empty.")
            elif "" in path:
                errors["path"] = _("“%(path)s” has an empty name between two separators.") % {"path": values["path"]}
            else:
                check_lengths(Node, {"name": max(path, key=len)}, errors)
                if "name" in errors:
                    errors["path"] = errors.pop("name")
            name, parent = (path[-1] if path else ""), None
        else:
            path, name = (), data.get("name", "").strip()
            parent = split_path(data["parent"]) if data.get("parent", "").strip() else ()
            if not name:
                errors["name"] = _("This column is required, and the cell is empty.")
            if parent and "" in parent:
                errors["parent"] = _("“%(path)s” has an empty name between two separators.") % {
                    "path": data["parent"]}
            check_lengths(Node, {"name": name}, errors)
        check_lengths(Node, texts, errors)
        if errors:
            return errors, None
        return errors, Draft(number, path, name, parent, data.get("kind"), **texts)

    # Where each row goes ---------------------------------------------------------------------------------------

    def _chain(self, entry) -> tuple[str, ...]:
        return entry.chain if isinstance(entry, Planned) else self.chains[entry.pk]

    def _refusal(self, parent) -> str:
        """Why the actor may not add below `parent` (a node, a planned one, or None for the top), or ""."""
        while isinstance(parent, Planned):
            parent = parent.parent
        key = parent.pk if parent is not None else None
        if key not in self.refusals:
            try:
                if parent is None:
                    access.require_admin(self.actor)
                else:
                    access.require_write(self.actor, parent)
                self.refusals[key] = ""
            except PermissionDenied:
                self.refusals[key] = (
                    _("Only the unit's administrators may add a top-level organisation.") if parent is None
                    else _("“%(name)s” is outside the organisations you manage.") % {"name": parent.name})
        return self.refusals[key]

    def _find(self, names: tuple, outcome, column: str):
        """The one node or planned organisation `names` fits; an error on the row when it fits several."""
        found = self.by_tail.get(names, [])
        if len(found) > 1:
            outcome.errors[column] = _("“%(name)s” names %(count)d organisations; write its path, such as "
                                       "%(path)s.") % {"name": "/".join(names), "count": len(found),
                                                       "path": "/".join(self._chain(found[0]))}
        return found[0] if len(found) == 1 else None

    def _add(self, parent, name: str, kind: str, draft: Draft | None = None) -> Planned:
        chain = (*self._chain(parent), name) if parent is not None else (name,)
        planned = Planned(chain, parent, kind)
        if draft is not None:
            self._name(planned, draft)
        self._index(chain, planned)
        self.plan.append(planned)
        return planned

    @staticmethod
    def _name(planned: Planned, draft: Draft) -> None:
        """`draft` is the row naming `planned`: its kind and details are the row's."""
        planned.row, planned.secretary, planned.contact = draft.row, draft.secretary, draft.contact
        planned.kind = draft.kind or kind_from_name(planned.chain[-1])

    def _settle(self, draft: Draft, there, outcome, column: str) -> None:
        """The row names an organisation already known: in the register, or planned by the file."""
        if isinstance(there, Node):
            outcome.exists = True
            outcome.note = _("Already in the register; left as it is.")
        elif there.row is not None:
            outcome.errors[column] = _("Same organisation as row %(row)d.") % {"row": there.row}
        else:  # only implied by a longer path so far: this row says what it is
            self._name(there, draft)
            outcome.note = str(NodeKind(there.kind).label)

    def _place(self, draft: Draft, parent, tail: tuple, outcome, column: str) -> None:
        """Put the row's organisation, with the new names of `tail` above it, below `parent` (None: the top)."""
        there = self.by_chain.get((*(self._chain(parent) if parent is not None else ()), *tail))
        if there is not None:
            self._settle(draft, there, outcome, column)
        elif refusal := self._refusal(parent):
            outcome.errors[column] = refusal
        else:
            for name in tail[:-1]:
                parent = self._add(parent, name, kind_from_name(name))
            planned = self._add(parent, tail[-1], "", draft)
            notes = [str(NodeKind(planned.kind).label)]
            if len(tail) > 1:
                notes.append(_("also adds %(names)s") % {"names": pgettext("name separator", ", ").join(tail[:-1])})
            outcome.note = " · ".join(notes)

    def _place_path(self, draft: Draft, outcome, column: str) -> None:
        """Below the longest start of the path that names an organisation; a path new from its first name: at
        the top."""
        path = draft.path
        for length in range(len(path), 0, -1):
            found = self._find(path[:length], outcome, column)
            if found is not None and length == len(path):
                self._settle(draft, found, outcome, column)
            elif found is not None:
                self._place(draft, found, path[length:], outcome, column)
            if found is not None or outcome.errors:
                return
        self._place(draft, None, path, outcome, column)

    def finish(self, new, outcomes, header):
        waiting = []
        for draft in new:
            if draft.parent is None:
                self._place_path(draft, outcomes[draft.row], header("path"))
            else:
                waiting.append(draft)
        while waiting:  # a parent may be named by a later row
            later = []
            for draft in waiting:
                outcome = outcomes[draft.row]
                if not draft.parent:
                    self._place(draft, None, (draft.name,), outcome, header("name"))
                elif self.by_tail.get(draft.parent):
                    if (parent := self._find(draft.parent, outcome, header("parent"))) is not None:
                        self._place(draft, parent, (draft.name,), outcome, header("name"))
                else:
                    later.append(draft)
            if len(later) == len(waiting):
                for draft in later:
                    outcomes[draft.row].errors[header("parent")] = _(
                        "No organisation “%(name)s”, in the register or in this file.") % {
                        "name": "/".join(draft.parent)}
                break
            waiting = later
        return list(self.plan)

    def save(self, new: list[Planned]) -> int:
        for planned in new:
            parent = planned.parent.node if isinstance(planned.parent, Planned) else planned.parent
            planned.node = nodes.create_node(self.actor, parent=parent, name=planned.chain[-1], kind=planned.kind,
                                             secretary=planned.secretary, contact=planned.contact)
        return len(new)
