"""Reading import files: the rows of an .xlsx workbook's first sheet or of a CSV file, and which column holds
which field. A workbook is recognised by its content; anything else is read as CSV in UTF-8 (with or without
BOM) or else GB18030, the superset of the GBK in which Excel in China saves CSV."""

import csv
import io
import zipfile
from dataclasses import dataclass

import openpyxl
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl.utils.exceptions import InvalidFileException

from care.imports.services.columns import cell_value, header_key
from carehub.uploads import SPREADSHEET

HEADER_ROWS = 10  # the header may come after a title or two


class FileProblem(Exception):
    """The file as a whole cannot be imported; its rows are not looked at."""


def read_rows(content: bytes):
    """The rows of the workbook's first sheet, or of the CSV text, as sequences of cell values."""
    if len(content) > SPREADSHEET.max_bytes:
        raise FileProblem(_("The file is larger than %(size)s.") % {"size": SPREADSHEET.size_label})
    if content.startswith(b"PK\x03\x04"):
        return _workbook_rows(content)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(_("Old .xls workbooks cannot be read: save the file as .xlsx or CSV."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return csv.reader(io.StringIO(content.decode(encoding), newline=""))
        except UnicodeDecodeError:
            continue
    raise FileProblem(_("The file is neither an .xlsx workbook nor CSV text in UTF-8 or GBK."))


UNREADABLE = (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, SyntaxError)  # XML errors: SyntaxError


def _workbook_rows(content: bytes):
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except UNREADABLE as exc:
        raise FileProblem(_("The file is not a readable .xlsx workbook.")) from exc
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # other programs may record wrong dimensions, which would cut rows short
    try:
        yield from sheet.iter_rows(values_only=True)
    except UNREADABLE as exc:
        raise FileProblem(_("The file is not a readable .xlsx workbook.")) from exc
    finally:
        workbook.close()


@dataclass(frozen=True)
class FileColumn:
    """A column of the file: its header, the field it goes to (None: not imported) and how that was decided:
    "recognised" (a header we know), "remembered" (the unit chose it for an earlier file), "chosen" (for this
    file), "unknown" (no one has said yet: not imported) or "duplicate" (another column holds its field)."""

    position: int
    header: str
    field: str | None
    how: str


@dataclass
class Layout:
    """Which cell holds which field, and what the file calls it (for error messages)."""

    index: dict[str, int]  # field ("name", "extra.rank") -> cell index
    headers: dict[str, str]
    labels: dict[str, str]  # field -> our label, for a field the file has no column for
    columns: list[FileColumn]
    problems: list[str]  # why the rows cannot be read as the columns stand: asked for in the column step
    fixed: dict[str, str]  # values of fields no column holds, the same for every row (Rows.fixed)

    @property
    def ignored(self) -> list[str]:
        return [column.header for column in self.columns if column.field is None]

    def values(self, cells) -> dict:
        return {**self.fixed, **{key: cell_value(cells[i]) if i < len(cells) else "" for key, i in self.index.items()}}

    def header(self, key: str) -> str:
        return self.headers.get(key) or self.labels.get(key, key)


def find_layout(rows, checker, chosen: dict | None = None) -> Layout:
    """The header row is the first of the first rows to name at least two known columns. `checker` (a
    care.imports.services.rows.Rows) knows the fields, their headers and labels, which are required, and the
    unit's remembered columns; `chosen` ({header_key: field, or "" for not imported}) are this file's choices,
    which come before everything else."""
    targets = checker.targets()
    mappings = (("chosen", chosen or {}), ("remembered", checker.remembered()))

    def decide(header: str) -> tuple[str | None, str]:
        name = header_key(header)
        for how, mapping in mappings:
            if mapping.get(name) == "" or mapping.get(name) in targets:
                return mapping[name] or None, how
        key = checker.recognise(name)
        return key or None, "unknown" if key is None else "recognised"

    no_header = FileProblem(_("No header row found: the first row should name the columns, such as 姓名 and 性别."))
    for number, cells in rows:
        headers = [str(cell_value(cell)) for cell in cells]
        decisions = [decide(header) if header else (None, "") for header in headers]
        if len({key for key, _how in decisions if key}) >= 2:
            break
        if number >= HEADER_ROWS:
            raise no_header
    else:
        raise no_header
    index, found, columns, problems = {}, {}, [], []
    for position, (header, (key, how)) in enumerate(zip(headers, decisions, strict=True)):
        if not header:
            continue
        if key is not None and key in index:
            problems.append(_("Two columns hold the same field: “%(first)s” and “%(second)s”.")
                            % {"first": found[key], "second": header})
            key, how = None, "duplicate"
        elif key is not None:
            index[key], found[key] = position, header
        columns.append(FileColumn(position, header, key, how))
    missing = checker.missing(index)
    if missing:
        separator = pgettext("name separator", ", ")
        problems.append(_("Columns missing: %(columns)s.") % {"columns": separator.join(missing)})
    problems += checker.layout_problems(index)
    return Layout(index, found, checker.labels(), columns, problems,
                  {key: value for key, value in checker.fixed.items() if key not in index})
