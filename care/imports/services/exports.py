"""Export of the member list and the hardship ledger as .xlsx or CSV.

    export_members(actor, params, fmt) -> (filename, bytes)
    export_hardship(actor, params, fmt) -> (filename, bytes)
    EXPORTS: {"members": export_members, "hardship": export_hardship}; CONTENT_TYPES: {fmt: content type}

`params` are the list's query parameters (a QueryDict, or a dict of values or lists), read by the same filters as
the list pages and the API (care.registers.filters) over what the actor may see (care.registers.access), so an
export holds exactly the list on screen; invalid parameters raise ValidationError, as the API answers them.
Sensitive hardship categories never reach staff who may not see them (visible_hardship leaves them out). Phone
numbers are exported: every staff role sees them in this version. `fmt` is "xlsx" or "csv"; CSV is UTF-8 with a
BOM, without which Excel misreads Chinese. Each export is audited (imports.records.exported) with its filters and
row count. The columns are the import's (care.imports.services.columns), so an exported file can be imported
again.
"""

import csv
import io
from types import SimpleNamespace

import openpyxl
import phonenumbers
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell

from care.imports.actions import RECORDS_EXPORTED
from care.imports.services.columns import HARDSHIP_COLUMNS, MEMBER_COLUMNS, node_chains
from care.registers import access
from care.registers.filters import HardshipFilter, MemberFilter
from care.registers.models import SENSITIVE_CATEGORIES, ExtraField
from carehub.audit.services import event
from carehub.clock import unit_today

CONTENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "csv": "text/csv; charset=utf-8"}
# A cell starting with one of these is a formula to a spreadsheet: user text must never become one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def display_phone(phone: str) -> str:
    """Mainland numbers as dialled at home (139 1234 5678): Excel would read "+8613912345678" as a number."""
    if not phone:
        return ""
    number = phonenumbers.parse(phone, "CN")
    national = number.country_code == 86
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL if national
                                      else phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def as_query(params) -> QueryDict:
    """A dict ({"status": "retired"} or {"status": ["retired", "active"]}) as the query string it stands for."""
    if isinstance(params, QueryDict):
        return params
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)])
    return query


def _filtered(filter_class, actor, params: QueryDict, queryset):
    filterset = filter_class(params, queryset=queryset, request=SimpleNamespace(user=actor))
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def _write(fmt: str, headers: list[str], rows) -> tuple[bytes, int]:
    """The file's bytes and its number of rows."""
    count = 0
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell
                             for cell in row])
            count += 1
        return text.getvalue().encode("utf-8-sig"), count
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append([_text_cell(sheet, cell) if isinstance(cell, str) and cell.startswith("=") else cell
                      for cell in row])
        count += 1
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue(), count


def _text_cell(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    return cell


def _export(actor, name: str, queryset, params, fmt: str, headers: list[str], rows, **audited) -> tuple[str, bytes]:
    content, count = _write(fmt, headers, rows)
    model = queryset.model._meta
    filename = f"{name}-{unit_today():%Y%m%d}.{fmt}"
    filters = dict(params.lists())
    changes = {"format": fmt, "filters": filters, "rows": count, **audited}
    event(actor, RECORDS_EXPORTED, None, {key: [None, value] for key, value in changes.items()},
          object_type=model.model_name, label=filename).save()
    return filename, content


def _check_format(fmt: str) -> None:
    if fmt not in CONTENT_TYPES:
        raise ValidationError({"format": _("Choose xlsx or csv.")})


def _month_or_day(day, month_only: bool):
    """A date known to the month only as that month (1948-05), which the import reads back the same way."""
    return day.strftime("%Y-%m") if day and month_only else day


def export_members(actor, params, fmt: str) -> tuple[str, bytes]:
    _check_format(fmt)
    params = as_query(params)
    members = _filtered(MemberFilter, actor, params, access.visible_members(actor))
    extra_fields = list(ExtraField.objects.all())
    chains = node_chains()
    yes, no = _("Yes"), _("No")
    headers = [str(column.label) for column in MEMBER_COLUMNS] + [field.label for field in extra_fields]
    rows = ([member.name, member.get_sex_display(), _month_or_day(member.birth_date, member.birth_month_only),
             _month_or_day(member.joined_on, member.joined_month_only), display_phone(member.phone),
             yes if member.uses_smartphone else no, member.address, "/".join(chains[member.node_id]),
             member.get_status_display(), member.died_on, member.proxy_name, display_phone(member.proxy_phone),
             *(member.extra.get(field.key, "") for field in extra_fields)]
            for member in members.iterator(chunk_size=2000))
    return _export(actor, "members", members, params, fmt, headers, rows)


def export_hardship(actor, params, fmt: str) -> tuple[str, bytes]:
    """Exporting sensitive entries is like viewing them: the audit event counts them."""
    _check_format(fmt)
    params = as_query(params)
    entries = _filtered(HardshipFilter, actor, params, access.visible_hardship(actor).select_related("member"))
    chains = node_chains()
    headers = [str(column.label) for column in HARDSHIP_COLUMNS]
    rows = ([entry.member.name, display_phone(entry.member.phone), entry.member.birth_date,
             "/".join(chains[entry.member.node_id]), entry.get_category_display(), entry.get_level_display(),
             entry.reason, entry.opened_on, entry.closed_on, entry.review_due_on]
            for entry in entries.iterator(chunk_size=2000))
    return _export(actor, "hardship", entries, params, fmt, headers, rows,
                   sensitive=entries.filter(category__in=SENSITIVE_CATEGORIES).count())


EXPORTS = {"members": export_members, "hardship": export_hardship}
