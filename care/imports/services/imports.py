"""Import of members and hardship entries from .xlsx and CSV files.

    preview_import(actor, file, kind, *, filename="") -> ImportReport
        validates every row and writes nothing.
    commit_import(actor, file, kind, *, filename="", batch=None) -> ImportReport
        writes every row or none, in one transaction: if any row is bad, the report comes back with `committed`
        False and nothing is written. Audited with source "import": one creation event per record (the
        registers' own actions), one imports.batch.imported event for the file (on its ImportBatch).
    stage_import(actor, file, kind, *, filename="") -> ImportBatch
    commit_batch(actor, batch) -> ImportReport
        the portal's wizard: the previewed file waits in an ImportBatch until it is committed.
    ImportReport: ok, committed, created, batch, problems (the whole file), rows (RowOutcome: row, name, detail,
        errors {column: reason}), error_rows, as_dict() (the API's JSON).

`file` is bytes or a file object such as an upload; `kind` is an ImportKind ("members" or "hardship"). Only
writers (care.registers.access.can_write) import, and only into the organisations they manage. A workbook is recognised
by its content; anything else is read as CSV in UTF-8 (with or without BOM) or else GB18030, the superset of the
GBK in which Excel in China saves CSV.

The rules are the register's own: care.registers.services.members.clean_member (with extra_fields.clean_extra),
care.registers.services.hardship.clean_entry, and care.registers.access for scope. Only what a file brings is
decided here:
- A duplicate member has the same name and the same birth date, or the same name and the same phone, as an
  earlier row of the file or as any member of the unit (even one the importer cannot see: a person is
  registered once).
- A hardship row names its member by name and phone, or name and birth date, among the members the importer
  manages; a second open entry of the same category for the same member is a duplicate.
Errors give the row as the spreadsheet numbers it, the column as its header reads, and the reason. Files are
read by care.imports.services.reading, rows checked and saved by care.imports.services.rows, columns defined in
care.imports.services.columns.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.services.limits import check_member_limit
from care.imports.actions import BATCH_IMPORTED
from care.imports.services.reading import FileProblem, find_layout, read_rows
from care.imports.services.rows import HardshipRows, MemberRows, Rows
from care.registers import access
from care.registers.models import ImportBatch, ImportKind, ImportStatus
from carehub.audit.models import Source
from carehub.audit.services import acting_user, record, source
from carehub.clock import current_unit

MAX_ROWS = 100_000
KEPT_ROWS = 500  # rows a stored report keeps for the preview page, those with errors first


@dataclass
class RowOutcome:
    row: int
    name: str
    detail: str  # the member's organisation, or the entry's category, as the file gives it
    errors: dict[str, str] = field(default_factory=dict)  # column header -> reason


@dataclass
class ImportReport:
    kind: str
    filename: str = ""
    rows: list[RowOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    committed: bool = False
    created: int = 0
    batch: int | None = None

    @property
    def error_rows(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.error_rows

    def as_dict(self, limit: int | None = None) -> dict:
        rows = self.rows
        if limit is not None and len(rows) > limit:
            rows = sorted((self.error_rows + [row for row in rows if not row.errors])[:limit], key=lambda r: r.row)
        fine = "created" if self.committed else "create"
        return {
            "kind": self.kind, "filename": self.filename, "committed": self.committed, "created": self.created,
            "batch": self.batch, "total": len(self.rows), "invalid": len(self.error_rows),
            "problems": self.problems, "ignored_columns": self.ignored_columns,
            "rows": [{"row": row.row, "name": row.name, "detail": row.detail,
                      "result": "error" if row.errors else fine,
                      "errors": [{"column": column, "message": message} for column, message in row.errors.items()]}
                     for row in rows],
        }


ROWS = {ImportKind.MEMBERS: MemberRows, ImportKind.HARDSHIP: HardshipRows}


def _validate(actor, content: bytes, kind: str) -> tuple[ImportReport, Rows, list]:
    if kind not in ROWS:
        raise ValidationError({"kind": _("Choose what the file holds: members or hardship entries.")})
    checker = ROWS[kind](actor)
    report, new = ImportReport(kind), []
    try:
        rows = enumerate(read_rows(content), start=1)
        layout = find_layout(rows, checker)
        report.ignored_columns = layout.ignored
        for number, cells in rows:
            if len(report.rows) >= MAX_ROWS:
                raise FileProblem(_("The file has more than %(rows)d rows; split it.") % {"rows": MAX_ROWS})
            values = layout.values(cells)
            if all(value == "" for value in values.values()):
                continue
            errors, new_record = checker.check(number, values)
            report.rows.append(RowOutcome(number, str(values["name"]), str(values[checker.detail]),
                                          {layout.header(key): message for key, message in errors.items()}))
            if new_record is not None:
                new.append(new_record)
    except FileProblem as exc:
        report.problems.append(str(exc))
        report.rows, new = [], []
    if not report.problems and not report.rows:
        report.problems.append(_("The file has no rows to import."))
    return report, checker, new


def _content(file) -> tuple[bytes, str]:
    if isinstance(file, bytes | bytearray | memoryview):
        return bytes(file), ""
    file.seek(0)
    return file.read(), getattr(file, "name", "") or ""


# The service functions -----------------------------------------------------------------------------------------

def preview_import(actor, file, kind: str, *, filename: str = "") -> ImportReport:
    access.require_write(actor)
    content, name = _content(file)
    report, _checker, _new = _validate(actor, content, kind)
    report.filename = filename or name
    return report


def _keep(batch: ImportBatch, report: ImportReport) -> None:
    report.batch = batch.pk
    batch.report = report.as_dict(limit=KEPT_ROWS)
    batch.save(update_fields=["report"])


def commit_import(actor, file, kind: str, *, filename: str = "", batch: ImportBatch | None = None) -> ImportReport:
    access.require_write(actor)
    content, name = _content(file)
    with source(Source.IMPORT), transaction.atomic():
        # One import at a time per unit, so that two files cannot both pass the duplicate check.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('carehub-import:' || current_schema()))")
        report, checker, new = _validate(actor, content, kind)
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


def commit_batch(actor, batch: ImportBatch) -> ImportReport:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportStatus.PREVIEWED:
            raise ValidationError(_("This file has already been imported."))
        report = commit_import(actor, bytes(batch.content), batch.kind, filename=batch.filename, batch=batch)
        if not report.committed:
            _keep(batch, report)
    return report
