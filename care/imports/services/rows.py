"""Checking and saving the rows of an import file, one class per kind of file. The rules they apply are stated
in care.imports.services.imports, which drives them."""

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from care.imports.services.columns import (
    HARDSHIP_COLUMNS,
    MEMBER_COLUMNS,
    NOT_IMPORTED_HEADERS,
    Column,
    choice_lookup,
    choice_words,
    header_key,
    header_names,
    node_chains,
)
from care.registers import access
from care.registers.actions import HARDSHIP_CREATED, MEMBER_CREATED
from care.registers.models import (
    ColumnMapping,
    ExtraField,
    HardshipEntry,
    ImportKind,
    Member,
    MemberStatus,
    Node,
    StatusChange,
)
from care.registers.services import hardship, members
from carehub.audit.services import acting_user, diff, record_many, snapshot
from carehub.clock import unit_today
from carehub.dates import read_day
from carehub.phones import normalise_phone

BATCH_SIZE = 2000


def record_created(actor, action: str, records: list, fields: list[str]) -> None:
    """The creation events of records just inserted, as the services' own create functions write them, in one
    INSERT (38,169 separate ones would dominate an import's time)."""
    if records:
        record_many(actor, action, records[0]._meta.model_name,
                    ((obj.pk, str(obj), diff({}, snapshot(obj, fields))) for obj in records))


class Rows:
    """What checks and saves the rows of one kind of file."""

    kind: str  # an ImportKind
    columns: list[Column]
    detail: str  # the field the preview shows beside the name

    def __init__(self, actor):
        self.actor = actor
        self.words = {column.key: choice_lookup(column) for column in self.columns if column.choices or column.words}
        self.by_column = {column.key: column for column in self.columns}
        self.required = [column.key for column in self.columns if column.required]
        self.not_imported = {column.key for column in self.columns if not column.imported}
        self.seen: dict = {}  # duplicate keys of earlier rows -> row number
        self.registered: set = set()  # duplicate keys of the register
        self.messages: dict = {}  # rule -> (duplicate of the register, duplicate of row %(row)d)
        self._known: dict | None = None
        # Values for every row of fields the file has no column for (the organisation of a branch's own roster).
        self.fixed: dict[str, str] = {}

    def fields(self) -> dict[str, set[str]]:
        return {column.key: header_names(column) for column in self.columns}

    def labels(self) -> dict[str, str]:
        return {column.key: str(column.label) for column in self.columns}

    def recognise(self, name: str) -> str | None:
        """The field a header (compared as header_key) names by itself: its key, "" for a column that is never
        imported (序号, or a column exports write for reference), None for a header we do not know."""
        if self._known is None:
            self._known = {}
            for key, names in self.fields().items():
                for each in names:
                    self._known.setdefault(each, "" if key in self.not_imported else key)
        if name in self._known:
            return self._known[name]
        return "" if name in NOT_IMPORTED_HEADERS else None

    def targets(self) -> dict[str, str]:
        """{field: label} of the fields a column may be imported into, in the order of the columns."""
        return {key: label for key, label in self.labels().items() if key not in self.not_imported}

    def remembered(self) -> dict[str, str]:
        """The unit's earlier choices: {header_key: field, or "" for a column not imported}."""
        return dict(ColumnMapping.objects.filter(kind=self.kind).values_list("header", "target"))

    def missing(self, index: dict) -> list[str]:
        """The labels of the required fields no column holds."""
        labels = self.labels()
        return [labels[key] for key in self.required if key not in index and key not in self.fixed]

    def layout_problems(self, index: dict) -> list[str]:
        """Why these columns together cannot be read, beyond a missing or doubled field."""
        return []

    def describe(self, values: dict) -> tuple[str, str]:
        """The row's name and detail, for the preview."""
        return str(values["name"]), str(values[self.detail])

    def finish(self, new: list, outcomes: dict, header) -> list:
        """After every row was checked: what rows decide together (the tree's parents). `outcomes` are the
        RowOutcomes by row number, `header(field)` the file's name for a field."""
        return new

    def prepare(self, values: dict, errors: dict) -> dict:
        """Cells as the clean functions take them: words turned into stored values, blank choices left out."""
        data = dict(values)
        for key, words in self.words.items():
            text = data.pop(key, "")
            if text == "":
                continue
            value = words[text] if text in words else words.get(header_key(text))
            if value is None:
                errors[key] = _("“%(value)s” is not one of: %(choices)s.") % {
                    "value": text, "choices": choice_words(self.by_column[key])}
            else:
                data[key] = value
        for key in self.required:
            if values.get(key) == "":
                errors[key] = _("This column is required, and the cell is empty.")
        return data

    @staticmethod
    def add_errors(errors: dict, exc: ValidationError) -> None:
        """A clean function's errors, for the columns that have none yet (the first reason is the clearest)."""
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, " ".join(messages))

    def duplicate(self, number: int, keys: dict, errors: dict, column: str) -> bool:
        """Mark the row if one of its `keys` ({rule: key}) is registered or was seen in an earlier row."""
        for rule, key in keys.items():
            if key in self.registered:
                errors[column] = self.messages[rule][0]
                return True
            if key in self.seen:
                errors[column] = self.messages[rule][1] % {"row": self.seen[key]}
                return True
        for key in keys.values():
            self.seen[key] = number
        return False


class NodeFinder:
    """Nodes by name or by a path of names ("区委/东区总支/东一支部", or its tail "东区总支/东一支部"), in the
    importer's scope. A name or tail that fits several nodes is an error: the row must say which."""

    def __init__(self, actor):
        self.actor = actor
        self.chains = node_chains()
        self.nodes = Node.objects.in_bulk()
        self.by_tail = defaultdict(list)
        for pk, chain in self.chains.items():
            for start in range(len(chain)):
                self.by_tail[chain[start:]].append(pk)
        self.writable: dict[int, bool] = {}

    def find(self, text: str, errors: dict) -> Node | None:
        parts = tuple(part.strip() for part in text.replace("／", "/").split("/"))
        found = self.by_tail.get((text,)) or self.by_tail.get(parts, [])
        if not found:
            errors["node"] = _("No organisation “%(name)s”.") % {"name": text}
            return None
        if len(found) > 1:
            errors["node"] = _("“%(name)s” names %(count)d organisations; write its path, such as %(path)s.") % {
                "name": text, "count": len(found), "path": "/".join(self.chains[found[0]])}
            return None
        node = self.nodes[found[0]]
        if node.pk not in self.writable:
            try:
                access.require_write(self.actor, node)
                self.writable[node.pk] = True
            except PermissionDenied:
                self.writable[node.pk] = False
        if not self.writable[node.pk]:
            errors["node"] = _("“%(name)s” is outside the organisations you manage.") % {"name": text}
            return None
        return node


class MemberRows(Rows):
    kind = ImportKind.MEMBERS
    columns = MEMBER_COLUMNS
    detail = "node"

    def __init__(self, actor):
        super().__init__(actor)
        self.extra_fields = list(ExtraField.objects.all())
        self.nodes = NodeFinder(actor)
        for name, birth_date, phone in Member.objects.values_list("name", "birth_date", "phone"):
            self.registered.update(self._keys(name, birth_date, phone).values())
        self.messages = {
            "birth_date": (_("A member with the same name and birth date is already registered."),
                           _("Same name and birth date as row %(row)d.")),
            "phone": (_("A member with the same name and phone is already registered."),
                      _("Same name and phone as row %(row)d.")),
        }
        self.initials: dict[str, str] = {}  # names repeat; pinyin is the slowest step of a row

    def fields(self):
        return {**super().fields(), **{f"extra.{extra.key}": {header_key(extra.key), header_key(extra.label)}
                                       for extra in self.extra_fields}}

    def labels(self):
        return {**super().labels(), **{f"extra.{extra.key}": extra.label for extra in self.extra_fields}}

    @staticmethod
    def _keys(name, birth_date, phone) -> dict:
        keys = {"birth_date": ("birth_date", name, birth_date), "phone": ("phone", name, phone)}
        return {rule: key for rule, key in keys.items() if key[2]}

    def check(self, number: int, values: dict) -> tuple[dict, Member | None]:
        errors: dict[str, str] = {}
        data = self.prepare(values, errors)
        node_text = data.pop("node")
        node = self.nodes.find(node_text, errors) if "node" not in errors else None
        status = data.pop("status", MemberStatus.ACTIVE)
        data["extra"] = {key.removeprefix("extra."): data.pop(key)
                         for key in [key for key in data if key.startswith("extra.")]}
        try:
            cleaned = members.clean_member(data, extra_fields=self.extra_fields)
        except ValidationError as exc:
            self.add_errors(errors, exc)
            return errors, None
        members.check_death(status, cleaned.get("died_on"), errors)
        keys = self._keys(cleaned["name"], cleaned.get("birth_date"), cleaned.get("phone"))
        if errors or self.duplicate(number, keys, errors, "name"):
            return errors, None
        name = cleaned["name"]
        if name not in self.initials:
            self.initials[name] = members.initials(name)
        return errors, Member(node=node, status=status, name_initials=self.initials[name], **cleaned)

    def save(self, new: list[Member]) -> int:
        Member.objects.bulk_create(new, batch_size=BATCH_SIZE)
        by, today, note = acting_user(self.actor), unit_today(), _("Imported")
        StatusChange.objects.bulk_create(
            [StatusChange(member=member, to_status=member.status, effective_on=member.died_on or today, note=note,
                          by=by) for member in new], batch_size=BATCH_SIZE)
        record_created(self.actor, MEMBER_CREATED, new, members.AUDITED)
        return len(new)


class HardshipRows(Rows):
    kind = ImportKind.HARDSHIP
    columns = HARDSHIP_COLUMNS
    detail = "category"
    ENTRY_FIELDS = ("category", "level", "reason", "opened_on")

    def __init__(self, actor):
        super().__init__(actor)
        # Importers are writers, whose view of the register is also where they may write (care.registers.access).
        self.members = defaultdict(list)
        for member in access.visible_members(actor).only("pk", "name", "phone", "birth_date"):
            self.members[member.name].append(member)
        self.registered = set(HardshipEntry.objects.filter(closed_on__isnull=True)
                              .values_list("member_id", "category"))
        self.messages = {"open": (_("This member already has an open entry in this category."),
                                  _("Same member and category as row %(row)d."))}

    def member(self, data: dict, errors: dict) -> Member | None:
        """The member a row means: its name with its phone, its birth date, or both."""
        phone, written_birth_date = data.get("phone", ""), data.get("birth_date", "")
        if not phone and not written_birth_date:
            errors["phone"] = _("Give the member's phone or birth date, so that it is clear who is meant.")
            return None
        try:
            phone = normalise_phone(phone)
        except ValidationError as exc:
            self.add_errors(errors, exc)
        birth_date = read_day(written_birth_date)
        if written_birth_date and birth_date is None:
            errors["birth_date"] = _("“%(value)s” is not a real date.") % {"value": written_birth_date}
        if "phone" in errors or "birth_date" in errors:
            return None
        found = [member for member in self.members.get(data["name"], [])
                 if (not phone or member.phone == phone) and (not birth_date or member.birth_date == birth_date)]
        if len(found) == 1:
            return found[0]
        message = (_("Several members “%(name)s” match; give both the phone and the birth date.") if found
                   else _("No member “%(name)s” with this phone or birth date among the members you manage."))
        errors["name"] = message % {"name": data["name"]}
        return None

    def check(self, number: int, values: dict) -> tuple[dict, HardshipEntry | None]:
        errors: dict[str, str] = {}
        data = self.prepare(values, errors)
        member = self.member(data, errors) if "name" not in errors else None
        entry = {key: data[key] for key in self.ENTRY_FIELDS if data.get(key, "") != ""}
        try:
            cleaned = hardship.clean_entry(entry)
            hardship.require_sensitive(self.actor, cleaned["category"])
        except ValidationError as exc:
            self.add_errors(errors, exc)
            return errors, None
        except PermissionDenied as exc:
            errors.setdefault("category", str(exc))
        if errors or self.duplicate(number, {"open": (member.pk, cleaned["category"])}, errors, "category"):
            return errors, None
        return errors, HardshipEntry(
            member=member, created_by=acting_user(self.actor),
            review_due_on=hardship.add_months(cleaned["opened_on"], hardship.REVIEW_MONTHS), **cleaned)

    def save(self, new: list[HardshipEntry]) -> int:
        HardshipEntry.objects.bulk_create(new, batch_size=BATCH_SIZE)
        record_created(self.actor, HARDSHIP_CREATED, new, hardship.FIELDS)
        return len(new)
