"""Import of members, hardship entries and organisations from .xlsx and CSV files.

    preview_import(actor, file, kind, *, filename="", columns=None) -> ImportReport
        validates every row and writes nothing.
    commit_import(actor, file, kind, *, filename="", batch=None, columns=None) -> ImportReport
        writes every row or none, in one transaction: if any row is bad, the report comes back with `committed`
        False and nothing is written. Audited with source "import": one creation event per record (the
        registers' own actions), one imports.batch.imported event for the file (on its ImportBatch).
    stage_import(actor, file, kind, *, filename="") -> ImportBatch
    choose_columns(actor, batch, choices) -> ImportReport
    commit_batch(actor, batch) -> ImportReport
        the portal's wizard: the previewed file waits in an ImportBatch until it is committed; when some of its
        columns are unknown (or a required one is missing) the wizard first asks which field each one holds.
    ImportReport: ok, committed, created, planned, batch, problems (the whole file), columns (each column of the
        file, the field it goes to and why, with examples), ignored_columns, missing, needs_choices, rows
        (RowOutcome: row, name, detail, errors {column: reason}, exists, note), error_rows, as_dict() (the API's).

`file` is bytes or a file object such as an upload; `kind` is an ImportKind ("members", "hardship" or "tree").
Only writers (care.registers.access.can_write) import, and only into the organisations they manage. A workbook is
recognised by its content; anything else is read as CSV in UTF-8 (with or without BOM) or else GB18030, the
superset of the GBK in which Excel in China saves CSV.

The rules are the register's own: care.registers.services.members.clean_member (with extra_fields.clean_extra),
care.registers.services.hardship.clean_entry, care.registers.services.nodes.create_node, and
care.registers.access for scope. Only what a file brings is decided here:
- A duplicate member has the same name and the same birth date, or the same name and the same phone, as an
  earlier row of the file or as any member of the unit (even one the importer cannot see: a person is
  registered once).
- A members file without an organisation column (a branch's own roster) may take one organisation for every
  row, chosen in the column step (`node`).
- A hardship row names its member by name and phone, or name and birth date, among the members the importer
  manages; a second open entry of the same category for the same member is a duplicate.
- A tree row names an organisation by its path, or by its name and parent (care.imports.services.tree); one
  already in the register is left as it is.
Errors give the row as the spreadsheet numbers it, the column as its header reads, and the reason. Files are
read by care.imports.services.reading, rows checked and saved by care.imports.services.rows (and .tree), columns
defined in care.imports.services.columns.

Columns: a header we know (姓名, 所在党支部, an extra field's label, ...) is read as its field; any other column is
not imported, and listed as such. Choices made for a file ({header: field, or "" for not imported}) come first
and are remembered for the unit (registers.ColumnMapping, by header), so that its next file with the same
headers needs no question: in the portal when they are chosen, through the API when a file is committed with
them. Whenever they change what the unit remembers, an imports.columns.chosen event records it.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from billing.services.limits import check_member_limit
from care.imports.actions import BATCH_IMPORTED, COLUMN_FORGOTTEN, COLUMNS_CHOSEN
from care.imports.services.columns import cell_value, header_key, node_chains
from care.imports.services.reading import FileProblem, find_layout, read_rows
from care.imports.services.rows import HardshipRows, MemberRows, Rows
from care.imports.services.tree import TreeRows
from care.registers import access
from care.registers.models import ColumnMapping, ImportBatch, ImportKind, ImportStatus, Node
from carehub.accounts.roles import require_admin
from carehub.audit.models import Source
from carehub.audit.services import acting_user, record, source
from carehub.clock import current_unit

MAX_ROWS = 100_000
KEPT_ROWS = 500  # rows a stored report keeps for the preview page, those with errors first
EXAMPLES = 3  # cells shown beside each column when asking which field it holds
EXAMPLE_ROWS = 200  # rows read for examples when the columns do not allow checking the rows


@dataclass
class RowOutcome:
    row: int
    name: str
    detail: str  # the member's organisation, the entry's category or the organisation's parent, as written
    errors: dict[str, str] = field(default_factory=dict)  # column header -> reason
    exists: bool = False  # an organisation already in the register: nothing to do
    note: str = ""  # what else the row does (an organisation's kind, the organisations its path adds)


@dataclass
class ImportReport:
    kind: str
    filename: str = ""
    rows: list[RowOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    columns: list[dict] = field(default_factory=list)  # {column, field, label, how, examples}
    ignored_columns: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # labels of required fields no column holds
    node: str = ""  # the organisation chosen for every row (a file without an organisation column), by name
    committed: bool = False
    created: int = 0
    planned: int = 0  # records the commit creates
    batch: int | None = None

    @property
    def error_rows(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.error_rows

    @property
    def needs_choices(self) -> bool:
        """Columns no one has said anything about, two columns for one field, or a required field without a
        column: the wizard asks before showing the rows."""
        return bool(self.missing) or any(column["how"] in ("unknown", "duplicate") for column in self.columns)

    def as_dict(self, limit: int | None = None) -> dict:
        rows = self.rows
        if limit is not None and len(rows) > limit:
            rows = sorted((self.error_rows + [row for row in rows if not row.errors])[:limit], key=lambda r: r.row)
        fine = "created" if self.committed else "create"
        return {
            "kind": self.kind, "filename": self.filename, "committed": self.committed, "created": self.created,
            "planned": self.planned, "batch": self.batch, "total": len(self.rows), "invalid": len(self.error_rows),
            "problems": self.problems, "columns": self.columns, "ignored_columns": self.ignored_columns,
            "missing": self.missing, "needs_choices": self.needs_choices, "node": self.node,
            "rows": [{"row": row.row, "name": row.name, "detail": row.detail,
                      "result": "error" if row.errors else "exists" if row.exists else fine, "note": row.note,
                      "errors": [{"column": column, "message": message} for column, message in row.errors.items()]}
                     for row in rows],
        }


ROWS = {ImportKind.MEMBERS: MemberRows, ImportKind.HARDSHIP: HardshipRows, ImportKind.TREE: TreeRows}


def _checker(actor, kind: str, node: Node | None = None) -> Rows:
    """The rows' checker; `node`: the organisation of every row of a members file without such a column."""
    if kind not in ROWS:
        raise ValidationError({"kind": _("Choose what the file holds: members, hardship entries or organisations.")})
    checker = ROWS[kind](actor)
    if node is not None:
        if kind != ImportKind.MEMBERS:
            raise ValidationError({"node": _("Only a file of members takes one organisation for every row.")})
        checker.fixed["node"] = "/".join(node_chains()[node.pk])  # a path: names may repeat in the tree
    return checker


def _validate(actor, content: bytes, kind: str, chosen: dict | None = None,
              node: Node | None = None) -> tuple[ImportReport, Rows, list]:
    checker = _checker(actor, kind, node)
    report, new = ImportReport(kind, node=node.name if node else ""), []
    try:
        rows = enumerate(read_rows(content), start=1)
        layout = find_layout(rows, checker, chosen)
        report.ignored_columns, report.problems = layout.ignored, list(layout.problems)
        report.missing = checker.missing(layout.index)
        examples = {column.position: [] for column in layout.columns}
        wanting = set(examples)
        for count, (number, cells) in enumerate(rows, start=1):
            if count > MAX_ROWS:
                raise FileProblem(_("The file has more than %(rows)d rows; split it.") % {"rows": MAX_ROWS})
            for position in [position for position in wanting if position < len(cells)]:
                if text := str(cell_value(cells[position])):
                    examples[position].append(text)
                    if len(examples[position]) == EXAMPLES:
                        wanting.discard(position)
            if report.problems:  # the rows cannot be read as the columns stand: only examples are wanted
                if not wanting or count >= EXAMPLE_ROWS:
                    break
                continue
            values = layout.values(cells)
            if all(value == "" for value in values.values()):
                continue
            errors, new_record = checker.check(number, values)
            name, detail = checker.describe(values)
            report.rows.append(RowOutcome(number, name, detail,
                                          {layout.header(key): message for key, message in errors.items()}))
            if new_record is not None:
                new.append(new_record)
        labels = checker.labels()
        report.columns = [{"column": column.header, "field": column.field, "label": labels.get(column.field, ""),
                           "how": column.how, "examples": examples[column.position]} for column in layout.columns]
        if not report.problems:
            new = checker.finish(new, {row.row: row for row in report.rows}, layout.header)
    except FileProblem as exc:
        report.problems.append(str(exc))
    if report.problems:
        report.rows, new = [], []
    elif not report.rows:
        report.problems.append(_("The file has no rows to import."))
    report.planned = len(new)
    return report, checker, new


def _content(file) -> tuple[bytes, str]:
    if isinstance(file, bytes | bytearray | memoryview):
        return bytes(file), ""
    file.seek(0)
    return file.read(), getattr(file, "name", "") or ""


def _chosen(checker: Rows, columns: dict | None) -> dict:
    """Choices as {header as written: field or ""}, keyed as headers compare; an unknown field is refused."""
    targets = checker.targets()
    wrong = [str(target) for target in (columns or {}).values() if target and target not in targets]
    if wrong:
        raise ValidationError({"columns": _("Unknown fields: %(fields)s.") % {"fields": ", ".join(wrong)}})
    return {header_key(header): target or "" for header, target in (columns or {}).items()}


def _label(checker: Rows, key: str | None) -> str | None:
    if key is None:
        return None
    return checker.labels().get(key, key) if key else _("Not imported")


def _remember(actor, batch: ImportBatch, checker: Rows, columns: dict) -> None:
    """Keep the unit's choices for its next files. A header that means the chosen field by itself needs no row;
    a header we do not know keeps even "not imported", so it is not asked about again. Audited when anything
    changed, on the file the choices were made for."""
    remembered = checker.remembered()
    changes = {}
    for header, target in columns.items():
        name = header_key(header)[:200]
        default = checker.recognise(name)
        before = remembered.get(name, default)
        target = target or ""
        if target == default:
            ColumnMapping.objects.filter(kind=checker.kind, header=name).delete()
        elif remembered.get(name) != target:
            ColumnMapping.objects.update_or_create(kind=checker.kind, header=name, defaults={
                "target": target, "updated_by": acting_user(actor)})
        if target != before:
            changes[header] = [_label(checker, before), _label(checker, target)]
    if changes:
        record(actor, COLUMNS_CHOSEN, batch, changes)


# The service functions -----------------------------------------------------------------------------------------

def preview_import(actor, file, kind: str, *, filename: str = "", columns: dict | None = None,
                   chosen: dict | None = None, node: Node | None = None) -> ImportReport:
    """`columns` as the API takes them ({header: field}), or `chosen` as a batch keeps them; `node` the
    organisation of every row of a members file without an organisation column."""
    access.require_write(actor)
    content, name = _content(file)
    if chosen is None:
        chosen = _chosen(_checker(actor, kind), columns)
    report, _checker_used, _new = _validate(actor, content, kind, chosen, node)
    report.filename = filename or name
    return report


def _keep(batch: ImportBatch, report: ImportReport) -> None:
    report.batch = batch.pk
    batch.report = report.as_dict(limit=KEPT_ROWS)
    batch.save(update_fields=["report"])


def commit_import(actor, file, kind: str, *, filename: str = "", batch: ImportBatch | None = None,
                  columns: dict | None = None, node: Node | None = None) -> ImportReport:
    """A batch brings the choices of its column step; `columns` (the API's) are remembered for the unit once
    the file is committed with them. `node` as for preview_import."""
    access.require_write(actor)
    content, name = _content(file)
    chosen = batch.columns if batch is not None else _chosen(_checker(actor, kind), columns)
    node = batch.node if batch is not None else node
    with source(Source.IMPORT), transaction.atomic():
        # One import at a time per unit, so that two files cannot both pass the duplicate check.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('carehub-import:' || current_schema()))")
        report, checker, new = _validate(actor, content, kind, chosen, node)
        report.filename = filename or name
        if not report.ok:
            return report
        if kind == ImportKind.MEMBERS:
            check_member_limit(current_unit(), adding=len(new))
        report.created, report.committed = checker.save(new), True
        batch = batch or ImportBatch(kind=kind, filename=report.filename[:200], created_by=acting_user(actor))
        batch.status, batch.content, batch.created = ImportStatus.COMMITTED, b"", report.created
        batch.committed_at = timezone.now()
        batch.save()
        _keep(batch, report)
        if columns:
            _remember(actor, batch, checker, columns)
        record(actor, BATCH_IMPORTED, batch, {"kind": [None, kind], "created": [None, report.created]})
    return report


def stage_import(actor, file, kind: str, *, filename: str = "") -> ImportBatch:
    """Preview a file and keep it for commit_batch, in place of the actor's previous file still waiting."""
    content, name = _content(file)
    report = preview_import(actor, content, kind, filename=filename or name)
    with transaction.atomic():
        ImportBatch.objects.filter(created_by=acting_user(actor), status=ImportStatus.PREVIEWED).delete()
        batch = ImportBatch.objects.create(kind=kind, filename=report.filename[:200], content=content,
                                           created_by=acting_user(actor))
        _keep(batch, report)
    return batch


def _previewed(batch: ImportBatch) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.PREVIEWED:
        raise ValidationError(_("This file has already been imported."))
    return batch


def check_choices(checker: Rows, choices: dict) -> None:
    """Each field held by one column at most and every required field by one; else a ValidationError naming
    the header of the column at fault (none for a missing field)."""
    _chosen(checker, choices)
    labels, held, errors = checker.labels(), {}, {}
    for header, target in choices.items():
        if target and target in held:
            errors[header] = _("“%(column)s” already holds %(field)s.") % {"column": held[target],
                                                                          "field": labels[target]}
        elif target:
            held[target] = header
    if "node" in held and "node" in checker.fixed:
        errors[held["node"]] = _("This column holds the organisation, and one was chosen for every row: "
                                 "leave one of them out.")
    if errors:
        raise ValidationError(errors)
    if missing := checker.missing(held):
        separator = pgettext("name separator", ", ")
        raise ValidationError(_("Choose the column that holds: %(fields)s.") % {"fields": separator.join(missing)})
    if problems := checker.layout_problems(held):
        raise ValidationError(problems)


def column_targets(actor, kind: str) -> tuple[dict[str, str], list[str]]:
    """What the column step offers: {field: label} a column may be imported into, and the required fields."""
    checker = _checker(actor, kind)
    return checker.targets(), checker.required


def choose_columns(actor, batch: ImportBatch, choices: dict, *, node: Node | None = None) -> ImportReport:
    """The column step: `choices` ({header as the file writes it: field, or "" for not imported}) for the
    batch's columns, and `node` for every row of a members file without an organisation column. Checked, kept
    on the batch for its commit, remembered for the unit's next files (audited), then the file is checked again
    with them."""
    access.require_write(actor)
    if node is not None:
        access.require_write(actor, node)
    checker = _checker(actor, batch.kind, node)
    check_choices(checker, choices)
    with transaction.atomic():
        batch = _previewed(batch)
        _remember(actor, batch, checker, choices)
        batch.columns = {header_key(header): target or "" for header, target in choices.items()}
        batch.node = node
        batch.save(update_fields=["columns", "node"])
        report = preview_import(actor, bytes(batch.content), batch.kind, filename=batch.filename,
                                chosen=batch.columns, node=node)
        _keep(batch, report)
    return report


def remembered_columns(actor) -> list[dict]:
    """The unit's remembered column choices, in words: {id, kind (its label), header, field (its label)}."""
    labels = {kind: _checker(actor, kind).labels() for kind in ROWS}
    return [{"id": mapping.pk, "kind": mapping.get_kind_display(), "header": mapping.header,
             "field": labels[mapping.kind].get(mapping.target, mapping.target) if mapping.target
             else _("Not imported")} for mapping in ColumnMapping.objects.order_by("kind", "header")]


def forget_column(actor, mapping: ColumnMapping) -> None:
    """Drop a remembered choice (audited): the next file with that header asks again, or reads it as known.
    The unit's admins do: the memory serves every organisation's files (any importer changes a choice by
    choosing otherwise in a column step)."""
    require_admin(actor)
    with transaction.atomic():
        record(actor, COLUMN_FORGOTTEN, mapping, {"header": [mapping.header, None],
                                                  "field": [_label(_checker(actor, mapping.kind), mapping.target),
                                                            None]})
        mapping.delete()


def commit_batch(actor, batch: ImportBatch) -> ImportReport:
    with transaction.atomic():
        batch = _previewed(batch)
        report = commit_import(actor, bytes(batch.content), batch.kind, filename=batch.filename, batch=batch)
        if not report.committed:
            _keep(batch, report)
    return report
