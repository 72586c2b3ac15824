"""Sample files to fill in: an .xlsx workbook per kind of import, its first sheet with the Chinese headers the
import recognises and example rows, a second sheet saying how to fill it in.

    sample_file(actor, kind) -> (filename, bytes)

The examples name the actor's own organisations where there are any, so that the sample, filled in, imports
as it stands; the people in it are 张三 and 李四, the names Chinese forms use for "anyone".
"""

import datetime
import io

import openpyxl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from care.imports.services.columns import HARDSHIP_COLUMNS, MEMBER_COLUMNS, TREE_COLUMNS, node_chains
from care.registers import access
from care.registers.models import ExtraField, ExtraFieldKind, ImportKind
from carehub.clock import current_unit, unit_today


def _organisations(actor) -> list[str]:
    """Two of the actor's organisations, lowest first, each by its name or by its path when names repeat."""
    chains = node_chains()
    names = [chain[-1] for chain in chains.values()]
    leaves = list(access.visible_nodes(actor).filter(children__isnull=True).order_by("-depth", "path")
                  .values_list("pk", flat=True)[:2])
    found = [chains[pk][-1] if names.count(chains[pk][-1]) == 1 else "/".join(chains[pk]) for pk in leaves]
    return (found + found[:1] + ["第一党支部"] * 2)[:2]


def example_path(actor) -> str:
    """A path to show as an example: one of the actor's own organisations, from the top down."""
    chains = node_chains()
    deepest = access.visible_nodes(actor).order_by("-depth", "path").values_list("pk", flat=True).first()
    return "/".join(chains[deepest]) if deepest else "甘井子区委/红旗街道/第一党支部"


def _extra_example(extra: ExtraField):
    if extra.kind == ExtraFieldKind.CHOICE and extra.choices:
        return extra.choices[0]
    return ""


def _members(actor) -> tuple[list, list[list], list[str]]:
    first, second = _organisations(actor)
    extra_fields = list(ExtraField.objects.all())
    headers = [column.aliases[0] for column in MEMBER_COLUMNS] + [extra.label for extra in extra_fields]
    examples = [_extra_example(extra) for extra in extra_fields]
    rows = [
        ["张三", "男", datetime.date(1952, 3, 15), datetime.date(1975, 7, 1), "138 0013 8000", "是",
         "红旗街道幸福小区3号楼2单元101", first, "离退休", None, "", "", *examples],
        ["李四", "女", datetime.date(1948, 10, 2), datetime.date(1970, 7, 1), "", "否",
         "红旗街道幸福小区5号楼1单元302", second, "正常", None, "王小明", "139 0013 9000", *examples],
    ]
    notes = [
        _("Fill in one member per row, from row 2 on; keep the first row as it is."),
        _("Required: 姓名, 性别 and 所属组织 (the name of the member's organisation, or its path such as "
          "区委/东区总支/东一支部 when names repeat)."),
        _("性别: 男 or 女. 使用智能手机: 是 or 否. 状态: 正常, 离退休, 流动, 已转出 or 亡故 (亡故 needs 亡故日期)."),
        _("Dates such as 1952-03-15, 1952/3/15 or 1952年3月15日. Leave a cell empty when you do not know."),
        _("Other columns of your own roster may stay: the import asks what they hold, or leaves them out."),
    ]
    return headers, rows, notes


def _hardship(actor) -> tuple[list, list[list], list[str]]:
    headers = [column.aliases[0] for column in HARDSHIP_COLUMNS if column.imported]
    rows = [["张三", "138 0013 8000", datetime.date(1952, 3, 15), "低保", "一般", "退休金低，老伴常年住院",
             unit_today()],
            ["李四", "", datetime.date(1948, 10, 2), "独居", "较重", "子女在外地，独自居住", unit_today()]]
    notes = [
        _("Fill in one hardship entry per row, for members already in the register."),
        _("The member is found by 姓名 together with 手机 or 出生日期."),
        _("类别 such as 老龄, 低保, 大病, 残疾, 独居; 级别 一般, 较重 or 严重; 原因 is required."),
    ]
    return headers, rows, notes


def _tree(actor) -> tuple[list, list[list], list[str]]:
    top = next(iter(access.visible_nodes(actor).order_by("depth", "path").values_list("name", flat=True)),
               current_unit().name)
    headers = [column.aliases[0] for column in TREE_COLUMNS if column.key not in ("name", "parent")]
    rows = [[f"{top}/红旗街道", "街道", "", ""],
            [f"{top}/红旗街道/红旗社区", "社区", "王建国", "0411-8466 1234"],
            [f"{top}/红旗街道/红旗社区/第一党支部", "党支部", "李秀英", "138 0013 8000"]]
    notes = [
        _("One organisation per row: its path from the top, the names separated by /."),
        _("Names that are not there yet are added; organisations already there are left as they are."),
        _("Instead of 组织路径 you may give two columns, 组织名称 and 上级组织 (the parent's name; empty for the "
          "top)."),
        _("类型 such as 党委, 党总支, 党支部, 社区, 街道; when it is empty, the name's ending decides."),
    ]
    return headers, rows, notes


SAMPLES = {ImportKind.MEMBERS: _members, ImportKind.HARDSHIP: _hardship, ImportKind.TREE: _tree}
FILENAMES = {ImportKind.MEMBERS: "members-sample.xlsx", ImportKind.HARDSHIP: "hardship-sample.xlsx",
             ImportKind.TREE: "organisations-sample.xlsx"}


def sample_file(actor, kind: str) -> tuple[str, bytes]:
    if kind not in SAMPLES:
        raise ValidationError(_("There is no sample file of this kind."))
    headers, rows, notes = SAMPLES[kind](actor)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = str(ImportKind(kind).label)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, header in enumerate(headers, start=1):
        width = max(len(str(value or "")) for value in [header, *(row[index - 1] for row in rows)])
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = min(4 + 2 * width, 60)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    notes_sheet = workbook.create_sheet(_("How to fill it in"))
    for line in notes:
        notes_sheet.append([line])
    notes_sheet.column_dimensions["A"].width = 100
    output = io.BytesIO()
    workbook.save(output)
    return FILENAMES[kind], output.getvalue()
