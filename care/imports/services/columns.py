"""The columns of import and export files, and the words accepted in their cells.

One definition serves both directions, so an exported file can be imported again. Headers are matched by the
field's key, its English label, its label in the current language or a common Chinese header (姓名, 入党日期,
...); choice cells by code, English label, current label or a common Chinese word (男, 离退休, 低保, ...).
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from care.registers.models import HardshipCategory, HardshipLevel, MemberStatus, Node, Sex
from carehub.dates import read_day


@dataclass(frozen=True)
class Column:
    key: str  # the field name the clean_* functions know
    label: Promise  # export header
    aliases: tuple = ()  # other headers seen in real registers
    required: bool = False
    imported: bool = True  # False: written by exports for reference, ignored by imports
    choices: type[models.Choices] | None = None
    words: dict = field(default_factory=dict)  # cell text -> stored value, beyond codes and labels


YES_NO = {"是": True, "有": True, "会": True, "yes": True, "y": True, "true": True, "1": True, "√": True,
          "否": False, "无": False, "不会": False, "no": False, "n": False, "false": False, "0": False, "×": False}

MEMBER_COLUMNS = [
    Column("name", pgettext_lazy("person", "Name"), ("姓名",), required=True),
    Column("sex", _("Sex"), ("性别",), required=True, choices=Sex, words={"男": Sex.MALE, "女": Sex.FEMALE}),
    Column("birth_date", _("Birth date"), ("出生日期", "出生年月日", "生日")),
    Column("joined_on", _("Date joined"), ("入党日期", "入党时间")),
    Column("phone", _("Phone"), ("手机", "电话", "手机号", "手机号码", "联系电话")),
    Column("uses_smartphone", _("Uses a smartphone"), ("使用智能手机", "智能手机"), words=YES_NO),
    Column("address", _("Address"), ("住址", "地址", "家庭住址")),
    Column("node", _("Organisation"), ("所属组织", "支部", "所在支部", "所属支部", "组织"), required=True),
    Column("status", _("Status"), ("状态", "党员状态"), choices=MemberStatus, words={
        "在职": MemberStatus.ACTIVE, "在册": MemberStatus.ACTIVE, "正常": MemberStatus.ACTIVE,
        "退休": MemberStatus.RETIRED, "离休": MemberStatus.RETIRED, "离退休": MemberStatus.RETIRED,
        "流动": MemberStatus.FLOWING, "流动党员": MemberStatus.FLOWING, "外出": MemberStatus.FLOWING,
        "转出": MemberStatus.MOVED_OUT, "已转出": MemberStatus.MOVED_OUT,
        "亡故": MemberStatus.DECEASED, "去世": MemberStatus.DECEASED, "已故": MemberStatus.DECEASED}),
    Column("died_on", _("Date of death"), ("亡故日期", "去世日期")),
    Column("proxy_name", _("Proxy recipient"), ("代收人",)),
    Column("proxy_phone", _("Proxy phone"), ("代收电话", "代收人电话")),
]

# A hardship row names its member by name plus phone or birth date (see care.imports.services.imports).
HARDSHIP_COLUMNS = [
    Column("name", pgettext_lazy("person", "Name"), ("姓名",), required=True),
    Column("phone", _("Phone"), ("手机", "电话", "手机号", "手机号码", "联系电话")),
    Column("birth_date", _("Birth date"), ("出生日期", "生日")),
    Column("node", _("Organisation"), ("所属组织", "支部", "所在支部", "所属支部"), imported=False),
    Column("category", _("Category"), ("类别", "困难类别", "困难类型"), required=True, choices=HardshipCategory,
           words={
        "老龄": HardshipCategory.ELDERLY, "高龄": HardshipCategory.ELDERLY, "年老": HardshipCategory.ELDERLY,
        "低收入": HardshipCategory.LOW_INCOME, "低保": HardshipCategory.LOW_INCOME,
        "大病": HardshipCategory.ILLNESS, "重病": HardshipCategory.ILLNESS, "住院": HardshipCategory.ILLNESS,
        "残疾": HardshipCategory.DISABILITY, "灾害": HardshipCategory.DISASTER, "意外": HardshipCategory.DISASTER,
        "丧亲": HardshipCategory.BEREAVED, "失业": HardshipCategory.UNEMPLOYED, "下岗": HardshipCategory.UNEMPLOYED,
        "独居": HardshipCategory.ALONE, "孤寡": HardshipCategory.ALONE, "鳏寡孤独": HardshipCategory.ALONE,
        "流动": HardshipCategory.AWAY, "外出": HardshipCategory.AWAY,
        "精神受挫": HardshipCategory.DISTRESS, "心理困扰": HardshipCategory.DISTRESS, "其他": HardshipCategory.OTHER}),
    Column("level", _("Level"), ("级别", "困难程度"), choices=HardshipLevel, words={
        "一般": HardshipLevel.GENERAL, "较重": HardshipLevel.SERIOUS, "严重": HardshipLevel.SEVERE,
        "特困": HardshipLevel.SEVERE}),
    Column("reason", _("Reason"), ("原因", "困难原因", "致困原因"), required=True),
    Column("opened_on", _("Opened"), ("建档日期", "建档时间")),
    Column("closed_on", _("Closed"), ("关闭日期",), imported=False),  # imported entries are open
    Column("review_due_on", _("Review due"), ("下次复核",), imported=False),  # set from the opening date
]


def header_key(text) -> str:
    """Headers compare without case, spaces, underscores, hyphens or the asterisk marking required columns."""
    return re.sub(r"[\s_\-*＊]", "", str(text or "")).casefold()


def _labels(label) -> set[str]:
    with translation.override("en"):
        english = str(label)
    return {english, str(label)}


def header_names(column: Column) -> set[str]:
    return {header_key(name) for name in {column.key, *column.aliases, *_labels(column.label)}}


def choice_lookup(column: Column) -> dict:
    """{cell text: stored value} for a column with choices or words; the text as written and as header_key, so
    that most cells are found without normalising them."""
    words = dict(column.words)
    for value, label in column.choices.choices if column.choices else ():
        words.update({str(value): value, **{name: value for name in _labels(label)}})
    return {**{header_key(word): value for word, value in words.items()}, **words}


def choice_words(column: Column) -> str:
    """What to tell someone whose cell held none of the accepted words."""
    separator = pgettext("name separator", ", ")
    if column.choices:
        return separator.join(str(label) for label in column.choices.labels)
    return separator.join(word for word in column.words if not word.isascii())


def cell_value(value):
    """A spreadsheet cell as text, or as a date for date cells (a date typed as text, such as 2024年7月1日, is
    read by the register's own validation, through carehub.dates). Phones typed into Excel arrive as numbers."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return read_day(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def node_chains() -> dict[int, tuple[str, ...]]:
    """Every node's names from the root down (("区委", "东区总支", "东一支部")), for exports and for matching."""
    chains: dict[int, tuple[str, ...]] = {}
    for pk, parent_id, name in Node.objects.order_by("depth").values_list("pk", "parent_id", "name"):
        chains[pk] = (*chains[parent_id], name) if parent_id else (name,)
    return chains
