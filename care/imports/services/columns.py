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

from care.registers.models import HardshipCategory, HardshipLevel, MemberStatus, Node, NodeKind, Sex
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


YES_NO = {"是": True, "有": True, "会": True, "能": True, "会用": True, "√": True, "✓": True, "✔": True,
          "yes": True, "y": True, "true": True, "1": True,
          "否": False, "无": False, "不会": False, "不能": False, "没有": False, "不会用": False, "×": False,
          "✗": False, "✘": False, "no": False, "n": False, "false": False, "0": False}
PHONE_HEADERS = ("手机", "电话", "手机号", "手机号码", "联系电话", "联系方式", "移动电话", "本人电话", "电话号码")
NODE_HEADERS = ("所属组织", "支部", "所在支部", "所属支部", "组织", "所在党支部", "所属党支部", "党支部", "党组织",
                "所在党组织", "所属党组织", "支部名称")

MEMBER_COLUMNS = [
    Column("name", pgettext_lazy("person", "Name"), ("姓名", "党员姓名"), required=True),
    Column("sex", _("Sex"), ("性别",), required=True, choices=Sex, words={
        "男": Sex.MALE, "女": Sex.FEMALE, "男性": Sex.MALE, "女性": Sex.FEMALE}),
    Column("birth_date", _("Birth date"), ("出生日期", "出生年月日", "出生年月", "生日", "出生时间")),
    Column("joined_on", _("Date joined"), ("入党日期", "入党时间", "入党年月")),
    Column("phone", _("Phone"), PHONE_HEADERS),
    Column("uses_smartphone", _("Uses a smartphone"), ("使用智能手机", "智能手机", "会用智能手机", "是否使用智能手机",
                                                        "是否会用智能手机", "有无智能手机"), words=YES_NO),
    Column("address", _("Address"), ("住址", "地址", "家庭住址", "现住址", "家庭地址", "居住地址", "现居住地址",
                                     "联系地址")),
    Column("node", _("Organisation"), NODE_HEADERS, required=True),
    Column("status", _("Status"), ("状态", "党员状态", "人员状态", "在册状态"), choices=MemberStatus, words={
        "在职": MemberStatus.ACTIVE, "在岗": MemberStatus.ACTIVE, "在册": MemberStatus.ACTIVE,
        "正常": MemberStatus.ACTIVE, "正式党员": MemberStatus.ACTIVE, "预备党员": MemberStatus.ACTIVE,
        "退休": MemberStatus.RETIRED, "离休": MemberStatus.RETIRED, "离退休": MemberStatus.RETIRED,
        "已退休": MemberStatus.RETIRED,
        "流动": MemberStatus.FLOWING, "流动党员": MemberStatus.FLOWING, "外出": MemberStatus.FLOWING,
        "外出务工": MemberStatus.FLOWING, "流出": MemberStatus.FLOWING,
        "转出": MemberStatus.MOVED_OUT, "已转出": MemberStatus.MOVED_OUT, "迁出": MemberStatus.MOVED_OUT,
        "亡故": MemberStatus.DECEASED, "去世": MemberStatus.DECEASED, "已故": MemberStatus.DECEASED,
        "死亡": MemberStatus.DECEASED, "病故": MemberStatus.DECEASED, "逝世": MemberStatus.DECEASED,
        "已去世": MemberStatus.DECEASED}),
    Column("died_on", _("Date of death"), ("亡故日期", "去世日期", "去世时间", "逝世日期")),
    Column("proxy_name", _("Proxy recipient"), ("代收人", "代收人姓名")),
    Column("proxy_phone", _("Proxy phone"), ("代收电话", "代收人电话")),
]

# A hardship row names its member by name plus phone or birth date (see care.imports.services.imports).
HARDSHIP_COLUMNS = [
    Column("name", pgettext_lazy("person", "Name"), ("姓名", "党员姓名"), required=True),
    Column("phone", _("Phone"), PHONE_HEADERS),
    Column("birth_date", _("Birth date"), ("出生日期", "生日")),
    Column("node", _("Organisation"), NODE_HEADERS, imported=False),
    Column("category", _("Category"), ("类别", "困难类别", "困难类型"), required=True, choices=HardshipCategory,
           words={
        "老龄": HardshipCategory.ELDERLY, "高龄": HardshipCategory.ELDERLY, "年老": HardshipCategory.ELDERLY,
        "高龄老人": HardshipCategory.ELDERLY,
        "低收入": HardshipCategory.LOW_INCOME, "低保": HardshipCategory.LOW_INCOME,
        "低保户": HardshipCategory.LOW_INCOME, "低保边缘": HardshipCategory.LOW_INCOME,
        "生活困难": HardshipCategory.LOW_INCOME,
        "大病": HardshipCategory.ILLNESS, "重病": HardshipCategory.ILLNESS, "住院": HardshipCategory.ILLNESS,
        "重大疾病": HardshipCategory.ILLNESS, "患病": HardshipCategory.ILLNESS, "因病致困": HardshipCategory.ILLNESS,
        "残疾": HardshipCategory.DISABILITY, "伤残": HardshipCategory.DISABILITY, "残疾人": HardshipCategory.DISABILITY,
        "灾害": HardshipCategory.DISASTER, "意外": HardshipCategory.DISASTER, "自然灾害": HardshipCategory.DISASTER,
        "丧亲": HardshipCategory.BEREAVED, "丧偶": HardshipCategory.BEREAVED, "失独": HardshipCategory.BEREAVED,
        "失业": HardshipCategory.UNEMPLOYED, "下岗": HardshipCategory.UNEMPLOYED,
        "下岗失业": HardshipCategory.UNEMPLOYED,
        "独居": HardshipCategory.ALONE, "孤寡": HardshipCategory.ALONE, "鳏寡孤独": HardshipCategory.ALONE,
        "空巢": HardshipCategory.ALONE, "独居老人": HardshipCategory.ALONE,
        "流动": HardshipCategory.AWAY, "外出": HardshipCategory.AWAY,
        "精神受挫": HardshipCategory.DISTRESS, "心理困扰": HardshipCategory.DISTRESS, "其他": HardshipCategory.OTHER}),
    Column("level", _("Level"), ("级别", "困难程度"), choices=HardshipLevel, words={
        "一般": HardshipLevel.GENERAL, "一般困难": HardshipLevel.GENERAL, "较重": HardshipLevel.SERIOUS,
        "比较困难": HardshipLevel.SERIOUS, "严重": HardshipLevel.SEVERE, "特困": HardshipLevel.SEVERE,
        "特别困难": HardshipLevel.SEVERE}),
    Column("reason", _("Reason"), ("原因", "困难原因", "致困原因"), required=True),
    Column("opened_on", _("Opened"), ("建档日期", "建档时间")),
    Column("closed_on", _("Closed"), ("关闭日期",), imported=False),  # imported entries are open
    Column("review_due_on", _("Review due"), ("下次复核",), imported=False),  # set from the opening date
]

NODE_KIND_WORDS = {
    "党委": NodeKind.COMMITTEE, "党工委": NodeKind.COMMITTEE, "委员会": NodeKind.COMMITTEE,
    "党总支": NodeKind.GENERAL_BRANCH, "总支": NodeKind.GENERAL_BRANCH, "总支部": NodeKind.GENERAL_BRANCH,
    "党支部": NodeKind.BRANCH, "支部": NodeKind.BRANCH,
    "区": NodeKind.DISTRICT, "区委": NodeKind.DISTRICT, "县": NodeKind.DISTRICT, "县委": NodeKind.DISTRICT,
    "街道": NodeKind.STREET, "街道党工委": NodeKind.STREET, "镇": NodeKind.STREET, "乡": NodeKind.STREET,
    "社区": NodeKind.COMMUNITY, "村": NodeKind.COMMUNITY,
    "部门": NodeKind.DEPARTMENT, "科室": NodeKind.DEPARTMENT, "处室": NodeKind.DEPARTMENT,
    "其他": NodeKind.OTHER,
}
# A tree row without a kind takes it from the end of its name, the longer endings first ("社区党委" is a
# community, "街道党工委" a street); a name that ends in none of them is "other".
NAME_ENDINGS = (
    ("总支部", NodeKind.GENERAL_BRANCH), ("党总支", NodeKind.GENERAL_BRANCH), ("总支", NodeKind.GENERAL_BRANCH),
    ("支部", NodeKind.BRANCH), ("街道党工委", NodeKind.STREET), ("街道党委", NodeKind.STREET),
    ("街道", NodeKind.STREET), ("镇党委", NodeKind.STREET), ("乡党委", NodeKind.STREET),
    ("社区党委", NodeKind.COMMUNITY), ("社区党总支", NodeKind.COMMUNITY), ("社区", NodeKind.COMMUNITY),
    ("村党委", NodeKind.COMMUNITY), ("村", NodeKind.COMMUNITY), ("区委", NodeKind.DISTRICT),
    ("县委", NodeKind.DISTRICT), ("党委", NodeKind.COMMITTEE), ("党工委", NodeKind.COMMITTEE),
    ("委员会", NodeKind.COMMITTEE),
)

# A tree file gives each organisation either its path ("甘井子区委/红旗街道/第一党支部") or its name and its
# parent's name or path.
TREE_COLUMNS = [
    Column("path", _("Path"), ("组织路径", "路径", "完整路径", "组织层级", "层级路径", "隶属关系")),
    Column("name", _("Organisation name"), ("组织名称", "名称", "党组织名称", "组织", "党组织")),
    Column("parent", _("Parent organisation"), ("上级组织", "上级", "上级党组织", "所属上级", "上级单位")),
    Column("kind", _("Kind"), ("类型", "组织类型", "类别", "组织类别"), choices=NodeKind, words=NODE_KIND_WORDS),
    Column("secretary", _("Secretary"), ("书记", "支部书记", "党组织书记", "负责人")),
    Column("contact", _("Contact"), ("联系电话", "联系方式", "电话", "手机")),
]
# Separators between the names of a path: / ／ > ＞ → and the full-width dash, as people type them.
PATH_SEPARATORS = re.compile(r"\s*[/／>＞→－]\s*")

# Headers of columns that are never imported and need no question: listed with the columns not imported.
NOT_IMPORTED_HEADERS = {"序号", "编号", "序", "no", "no.", "#"}


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
    """What to tell someone whose cell held none of the accepted words: the labels, then the other words."""
    separator = pgettext("name separator", ", ")
    labels = [str(label) for label in column.choices.labels] if column.choices else []
    words = [word for word in column.words if not word.isascii() and word not in labels]
    return separator.join(dict.fromkeys([*labels, *words]))


def kind_from_name(name: str) -> str:
    """The kind an organisation's name suggests (see NAME_ENDINGS)."""
    return next((kind for ending, kind in NAME_ENDINGS if name.endswith(ending)), NodeKind.OTHER)


def split_path(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in PATH_SEPARATORS.split(text.strip()))


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
