"""Every table of a report as a sheet of an .xlsx workbook, with the raw values (numbers stay numbers)."""

import io
import re

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from care.reports.services.content import DATE, MONEY, NUMERIC, PERCENT, Report, shown

FORMATS = {MONEY: "#,##0.00", DATE: "yyyy-mm-dd", PERCENT: '0.0"%"'}
BOLD = Font(bold=True)


def sheet_title(title: str, taken: set) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:28] or "Sheet"
    name, number = base, 2
    while name.lower() in taken:
        name, number = f"{base[:25]} ({number})", number + 1
    taken.add(name.lower())
    return name


def workbook(report: Report, heading: list[tuple[str, str]]) -> bytes:
    """`heading`: (label, value) lines for the first sheet (unit, period, organisation, when and by whom)."""
    book = Workbook()
    summary = book.active
    taken: set = set()
    summary.title = sheet_title(_("Summary"), taken)
    summary.append([report.title])
    summary["A1"].font = BOLD
    for label, value in heading:
        summary.append([label, value])
    for section in report.sections:
        for label, value, kind in section.figures:
            summary.append([f"{section.title}: {label}", value if kind in NUMERIC else shown(value, kind)])
    for table in report.tables():
        sheet = book.create_sheet(sheet_title(table.title, taken))
        sheet.append([column.label for column in table.columns])
        for cell in sheet[1]:
            cell.font = BOLD
        sheet.freeze_panes = "A2"
        for row in [*table.rows, *([table.total] if table.total else [])]:
            sheet.append(row)
        for index, column in enumerate(table.columns, start=1):
            if column.kind in FORMATS:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = FORMATS[column.kind]
        if table.total:
            for cell in sheet[sheet.max_row]:
                cell.font = BOLD
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
