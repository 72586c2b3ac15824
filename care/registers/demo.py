"""Deterministic, realistic demo registers (used by `carehub demo` and the benchmarks).

The figures follow the source documents (see the domain notes): in Ganjingzi district 14,213 of 38,169
members (37.2%) are aged 60 or over. Names are built from common surnames (with the Shandong-origin surnames
frequent in Dalian) and given names typical of the member's birth decade; phones are mainland mobiles stored
as E.164, older members share a family phone more often, use a smartphone less often and sometimes have a
child receive SMS for them; addresses are those of the member's community in Ganjingzi, or anywhere in Dalian
for the other units. Each member comes with the node they belong to (`demo_trees`), their status history and
hardship ledger entries (`demo_ledger`) and values of the unit's extra fields.

No two members share a name and a birth date, or a name and a phone: the register's import would take them for
one person. Everything comes from one seeded `random.Random`, so the same seed, count and day give the same
records, and record *i* does not depend on how many come after it (topping up a register of 400 to 38,169
gives the same people as creating 38,169 at once).
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate

from care.registers.demo_ledger import DemoEntry, DemoStatus, hardship_entries, status_history
from care.registers.demo_trees import DemoTree, NodeSpec, tree_for
from care.registers.models import ExtraFieldKind, Member, MemberStatus, Sex
from care.registers.services.members import initials

# (surname, relative frequency): national frequencies, with 于 孙 姜 曲 丛 宫 隋 boosted as in Dalian.
SURNAMES = [
    ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("赵", 2.3), ("黄", 2.2),
    ("周", 1.7), ("吴", 1.5), ("孙", 2.0), ("于", 1.5), ("徐", 1.3), ("胡", 1.1), ("朱", 1.0), ("高", 1.0),
    ("林", 1.0), ("何", 0.9), ("郭", 0.9), ("马", 0.9), ("罗", 0.8), ("梁", 0.8), ("宋", 0.8), ("郑", 0.8),
    ("姜", 1.0), ("谢", 0.6), ("韩", 0.6), ("唐", 0.6), ("冯", 0.6), ("董", 0.5), ("程", 0.5), ("曹", 0.5),
    ("袁", 0.5), ("邓", 0.5), ("许", 0.5), ("沈", 0.4), ("彭", 0.4), ("吕", 0.4), ("苏", 0.4), ("曲", 0.4),
    ("丛", 0.3), ("宫", 0.3), ("隋", 0.3), ("毕", 0.2), ("田", 0.5), ("崔", 0.4), ("潘", 0.3), ("鞠", 0.2),
]
_SURNAME_CHARS = [name for name, _weight in SURNAMES]
_SURNAME_CUM = list(accumulate(weight for _name, weight in SURNAMES))


def _words(text: str) -> list[str]:
    return text.split()


# Given names by generation: born before 1956, 1956-1979, from 1980.
GIVEN_NAMES = {
    ("old", Sex.MALE): _words("建国 国庆 振华 德明 永胜 福林 长林 志远 宝山 玉林 凤岐 树林 德胜 文斌 庆祥 立本 "
                              "广才 学文 世杰 福 山 林 明 德 成 昌"),
    ("old", Sex.FEMALE): _words("秀兰 桂英 淑珍 玉兰 凤英 秀英 淑兰 桂兰 素芬 玉珍 凤兰 秀珍 桂芝 淑芬 玉梅 "
                                "兰 英 珍 芳 霞 荣"),
    ("mid", Sex.MALE): _words("建军 卫东 立新 志刚 建华 国强 海涛 永刚 宏伟 晓东 春雷 红军 学军 伟 勇 军 强 "
                              "斌 涛 刚 鹏 东 峰 辉"),
    ("mid", Sex.FEMALE): _words("丽 红梅 海燕 丽娟 艳 静 丽华 春燕 晓红 玉红 秀华 红 霞 燕 梅 敏 丽萍 晓燕 "
                                "桂荣 丽丽 华"),
    ("new", Sex.MALE): _words("浩 宇 子轩 博文 一鸣 浩然 晨 俊杰 鑫 磊 昊 天宇 宇航 家豪 志强 鹏飞 明轩 皓 旭 "
                              "睿 超"),
    ("new", Sex.FEMALE): _words("欣怡 梓涵 思雨 佳琪 雨桐 嘉怡 婷 雪 晶 琳 颖 璐 丹 倩 佳 悦 诗涵 梦瑶 子涵 "
                                "静怡 爽"),
}

# Mainland mobile prefixes (1[3-9]X) that phonenumbers accepts as valid.
MOBILE_PREFIXES = [*range(130, 140), 145, 147, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 173, 175,
                   176, 177, 178, *range(180, 190), 191, 198, 199]

# Roads by street, for addresses in Ganjingzi.
STREET_ROADS = {
    "周水子街道": ["周水子路", "东纬路", "华北路", "金三角路", "机场前街"],
    "甘井子街道": ["甘井子路", "华南北路", "山东路", "工兴路", "前关路"],
    "中华路街道": ["中华西路", "东北北路", "锦华北路", "松江路"],
    "兴华街道": ["兴华路", "华北路", "新华街", "工华街"],
    "红旗街道": ["红旗西路", "红凌路", "岔鞍路", "英歌石路"],
    "泉水街道": ["泉水路", "泉涌路", "锦泉街", "泉达街"],
    "椒金山街道": ["椒金山街", "千山路", "虹桥路", "宝山街"],
    "机场街道": ["迎客路", "机场前街", "航空街", "龙畔路"],
    "七贤岭街道": ["黄浦路", "凌水路", "七贤路", "学苑街"],
    "南关岭街道": ["南关岭路", "姚家路", "北关街", "振兴路"],
    "辛寨子街道": ["辛寨子路", "康平街", "盛华路"],
    "革镇堡街道": ["革镇堡路", "夏家河路", "鞍子山路"],
    "营城子街道": ["营城子大街", "沙岗路", "城兴路"],
    "大连湾街道": ["大连湾路", "海湾街", "渔港路"],
    "杨家街道": ["杨家路", "石门街", "郭家街"],
}
GANJINGZI_ROADS = ["华北路", "华南北路", "山东路", "西南路", "东北北路", "中华西路", "泉水路", "虹港路", "红旗西路",
                   "凌水路", "黄浦路", "椒金山街", "周水子路", "金三角路", "辛寨子路", "南关岭路", "甘井子路",
                   "机场前街", "春柳街", "东纬路"]
DALIAN_DISTRICT_ROADS = {
    "中山区": ["中山路", "人民路", "解放路", "五五路", "鲁迅路", "天津街", "港湾街"],
    "西岗区": ["五四路", "北京街", "长春路", "八一路", "黄河路", "胜利路", "高尔基路"],
    "沙河口区": ["西安路", "联合路", "五一路", "中山路", "马栏子路", "兴工街", "太原街"],
    "甘井子区": GANJINGZI_ROADS[:10],
    "金州区": ["斯大林路", "光明街", "红旗大街", "五一路"],
}



@dataclass(frozen=True)
class Profile:
    """How a kind of unit's members are distributed."""

    old_share: float  # aged 60 or over
    young_bands: tuple  # (from age, to age, weight) for members under 60
    old_bands: tuple
    female_share: float | None  # None: by age, as in the general membership
    retired_share_old: float  # of members aged 60+, how many are retired (离退休)
    district_addresses: bool  # street/community addresses in Ganjingzi rather than anywhere in Dalian
    educated: bool  # teachers and doctors: mostly university graduates


PROFILES = {
    "district": Profile(
        old_share=14213 / 38169,
        young_bands=((18, 29, 10), (30, 39, 18), (40, 49, 30), (50, 59, 42)),
        old_bands=((60, 69, 50), (70, 79, 32), (80, 89, 15), (90, 99, 3)),
        female_share=None, retired_share_old=0.10, district_addresses=True, educated=False,
    ),
    "school": Profile(
        old_share=0.30,
        young_bands=((23, 29, 20), (30, 39, 30), (40, 49, 28), (50, 59, 22)),
        old_bands=((60, 69, 50), (70, 79, 33), (80, 92, 17)),
        female_share=0.58, retired_share_old=0.85, district_addresses=False, educated=True,
    ),
    "hospital": Profile(
        old_share=0.28,
        young_bands=((24, 29, 18), (30, 39, 32), (40, 49, 28), (50, 59, 22)),
        old_bands=((60, 69, 52), (70, 79, 32), (80, 92, 16)),
        female_share=0.62, retired_share_old=0.85, district_addresses=False, educated=True,
    ),
    "enterprise": Profile(
        old_share=0.20,
        young_bands=((22, 29, 20), (30, 39, 30), (40, 49, 28), (50, 59, 22)),
        old_bands=((60, 69, 55), (70, 79, 30), (80, 90, 15)),
        female_share=0.30, retired_share_old=0.70, district_addresses=False, educated=False,
    ),
}

# Unit-defined fields of each kind of demo unit (keys, labels and choices as a unit admin would set them up).
EDUCATION = ["小学及以下", "初中", "高中/中专", "大专", "本科", "研究生"]
_EDUCATION_WEIGHTS = {  # by generation (born before 1956, 1956-1979, from 1980), general and educated units
    ("old", False): (30, 35, 25, 7, 3, 0), ("mid", False): (3, 15, 30, 25, 24, 3),
    ("new", False): (0, 1, 8, 22, 55, 14), ("old", True): (0, 2, 18, 35, 43, 2),
    ("mid", True): (0, 0, 4, 18, 63, 15), ("new", True): (0, 0, 0, 6, 60, 34),
}
TEACHER_TITLES = ["未定级", "二级教师", "一级教师", "高级教师", "正高级教师"]
MEDICAL_TITLES = ["住院医师", "主治医师", "副主任医师", "主任医师", "护士", "护师", "主管护师", "副主任护师",
                  "技师", "主管技师", "副主任技师", "药师", "主管药师"]
PRACTICES = ["医师", "护士", "医技", "药师", "管理", "工勤"]
EXTRA_FIELDS = {
    "district": [
        {"key": "education", "label": "学历", "kind": ExtraFieldKind.CHOICE, "choices": EDUCATION},
        {"key": "employer", "label": "工作单位", "kind": ExtraFieldKind.TEXT},
        {"key": "allowance", "label": "困难补助金额", "kind": ExtraFieldKind.NUMBER},
    ],
    "school": [
        {"key": "education", "label": "学历", "kind": ExtraFieldKind.CHOICE, "choices": EDUCATION},
        {"key": "title", "label": "职称", "kind": ExtraFieldKind.CHOICE, "choices": TEACHER_TITLES},
        {"key": "subject", "label": "任教学科", "kind": ExtraFieldKind.TEXT},
    ],
    "hospital": [
        {"key": "education", "label": "学历", "kind": ExtraFieldKind.CHOICE, "choices": EDUCATION},
        {"key": "practice", "label": "执业类别", "kind": ExtraFieldKind.CHOICE, "choices": PRACTICES},
        {"key": "title", "label": "职称", "kind": ExtraFieldKind.CHOICE, "choices": MEDICAL_TITLES},
    ],
    "enterprise": [
        {"key": "education", "label": "学历", "kind": ExtraFieldKind.CHOICE, "choices": EDUCATION},
        {"key": "post", "label": "岗位", "kind": ExtraFieldKind.TEXT},
        {"key": "allowance", "label": "困难补助金额", "kind": ExtraFieldKind.NUMBER},
    ],
}
EMPLOYERS = ["大连港集团", "大连机车车辆有限公司", "大连重工集团", "甘井子区人民政府", "甘井子区教育局",
             "甘井子区人民医院", "社区居委会", "个体经营", "大连理工大学", "大连海事大学", "大连周水子国际机场",
             "大连石化公司", "大连地铁运营公司", "大连农商银行", "甘井子区市场监督管理局", "大连华润燃气公司",
             "大连市公安局甘井子分局", "辽宁省大连市邮政分公司", "大连电业局", "自由职业"]
SUBJECTS = {"语文组党支部": ["语文"], "英语组党支部": ["英语"], "政史地党支部": ["政治", "历史", "地理"],
            "数学组党支部": ["数学"], "理化生党支部": ["物理", "化学", "生物"], "体艺党支部": ["体育", "音乐", "美术"]}
POSTS = {"生产党支部": ["车间主任", "班组长", "技术员", "操作工", "质检员", "设备维修工"],
         "销售党支部": ["销售经理", "区域经理", "销售代表", "客户经理"],
         "机关党支部": ["办公室主任", "财务", "人力资源", "党务干事", "行政专员"]}
PRACTICE_BY_BRANCH = {"检验科党支部": "医技", "影像科党支部": "医技", "药剂科党支部": "药师", "护理部党支部": "护士",
                      "机关党支部": "管理", "后勤保障党支部": "工勤"}
TITLE_LADDERS = {"医师": MEDICAL_TITLES[0:4], "护士": MEDICAL_TITLES[4:8], "医技": MEDICAL_TITLES[8:11],
                 "药师": MEDICAL_TITLES[11:13]}


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # Feb 29 in a year that has none
        return day.replace(year=day.year - years, day=28)


def years_after(day: date, years: int) -> date:
    """Feb 29 plus whole years lands on Mar 1 in a common year: never before the anniversary."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _feb29_between(start: date, end: date) -> date | None:
    for year in range(start.year, end.year + 1):
        if _is_leap(year) and start <= date(year, 2, 29) <= end:
            return date(year, 2, 29)
    return None


@dataclass
class DemoRecord:
    """One demo member (unsaved, without its node) with where it belongs and what comes with it."""

    member: Member
    node: NodeSpec
    entries: list[DemoEntry] = field(default_factory=list)
    history: list[DemoStatus] = field(default_factory=list)


class _Generator:
    def __init__(self, kind: str, seed: str, today: date, tree: DemoTree | None = None):
        self.kind = kind if kind in PROFILES else "enterprise"
        self.profile = PROFILES[self.kind]
        self.tree = tree or tree_for(self.kind)
        self.rng = random.Random(seed)
        self.today = today
        self.households: dict[int, list[tuple[str, str]]] = {}  # per group: recent (phone, address) pairs
        self.taken: set[tuple] = set()  # (name, birth date) and (name, phone) already used: one person each

    def _band_age(self, bands) -> int:
        low, high, _weight = self.rng.choices(bands, weights=[band[2] for band in bands])[0]
        return self.rng.randint(low, high)

    def _birth_date(self, age: int, feb29: bool, old: bool) -> date:
        """A birth date at which the member is exactly `age` today; on Feb 29 if asked (age may move by ≤3)."""
        candidates = [age]
        if feb29:
            step = 1 if old or age < 25 else -1
            candidates = [age + step * k for k in range(4)]
        for candidate in candidates:
            start = years_before(self.today, candidate + 1) + timedelta(days=1)
            end = years_before(self.today, candidate)
            if feb29 and (leap_day := _feb29_between(start, end)):
                return leap_day
        start = years_before(self.today, age + 1) + timedelta(days=1)
        end = years_before(self.today, age)
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def _joined_on(self, birth: date) -> date:
        """At least 18 years after birth, mostly in the twenties; one in five on July 1 (七一)."""
        earliest = years_after(birth, 18)
        join_age = 18 + int(self.rng.expovariate(1 / 7))
        joined = years_after(birth, join_age) + timedelta(days=self.rng.randint(0, 364))
        if self.rng.random() < 0.2:
            joined = date(joined.year, 7, 1)
        if joined > self.today:  # a young member: joined some time since turning 18
            joined = earliest + timedelta(days=self.rng.randint(0, (self.today - earliest).days))
        return max(joined, earliest)

    @staticmethod
    def _generation(birth: date) -> str:
        return "old" if birth.year < 1956 else "mid" if birth.year < 1980 else "new"

    def _name(self, sex: str, birth: date, surname: str = "") -> str:
        surname = surname or self.rng.choices(_SURNAME_CHARS, cum_weights=_SURNAME_CUM)[0]
        return surname + self.rng.choice(GIVEN_NAMES[(self._generation(birth), sex)])

    def _phone(self) -> str:
        return f"+86{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randint(0, 99_999_999):08d}"

    def _address(self, node: NodeSpec) -> str:
        rng = self.rng
        if self.profile.district_addresses and node.place:
            if node.place.endswith("村"):
                return f"大连市甘井子区{node.place}{'一二三四五六七八'[rng.randint(0, 7)]}组{rng.randint(1, 160)}号"
            number = f"{rng.randint(1, 400)}号{rng.randint(1, 12)}-{rng.randint(1, 6)}-{rng.randint(1, 4)}"
            roads = STREET_ROADS.get(node.names[0], GANJINGZI_ROADS)
            return f"大连市甘井子区{node.place}{rng.choice(roads)}{number}"
        number = f"{rng.randint(1, 400)}号{rng.randint(1, 12)}-{rng.randint(1, 6)}-{rng.randint(1, 4)}"
        district = rng.choices(list(DALIAN_DISTRICT_ROADS), weights=[3, 3, 4, 4, 1])[0]
        return f"大连市{district}{rng.choice(DALIAN_DISTRICT_ROADS[district])}{number}"

    def _status(self, age: int, old: bool) -> str:
        roll = self.rng.random()
        if age >= 75 and roll < 0.03:
            return MemberStatus.DECEASED
        if old and roll < self.profile.retired_share_old:
            return MemberStatus.RETIRED
        if 20 <= age <= 45 and roll < 0.04:
            return MemberStatus.FLOWING
        if roll > 0.996:
            return MemberStatus.MOVED_OUT
        return MemberStatus.ACTIVE

    def _extra(self, member: Member, node: NodeSpec, age: int, entries: list[DemoEntry]) -> dict:
        rng, kind = self.rng, self.kind
        values: dict = {}
        if rng.random() < 0.92:
            weights = _EDUCATION_WEIGHTS[(self._generation(member.birth_date), self.profile.educated)]
            values["education"] = rng.choices(EDUCATION, weights=weights)[0]
        retired = member.status in (MemberStatus.RETIRED, MemberStatus.DECEASED) or age >= 60
        if kind == "district":
            if rng.random() < (0.35 if retired else 0.75):
                employer = rng.choice(EMPLOYERS)
                values["employer"] = f"原{employer}（已退休）" if retired and employer != "自由职业" else employer
        elif kind == "school":
            subject = rng.choice(SUBJECTS.get(node.name) or [s for group in SUBJECTS.values() for s in group])
            if node.name != "行政后勤党支部":
                values["subject"] = subject
                rank = 0 if age < 26 else 1 if age < 32 else 2 if age < 42 else 3
                values["title"] = TEACHER_TITLES[min(4, rank + (rng.random() < 0.08))]
        elif kind == "hospital":
            practice = PRACTICE_BY_BRANCH.get(node.name) or rng.choices(["医师", "护士"], weights=(55, 45))[0]
            values["practice"] = practice
            if ladder := TITLE_LADDERS.get(practice):
                rank = 0 if age < 30 else 1 if age < 40 else 2 if age < 50 else 3
                values["title"] = ladder[max(0, min(len(ladder) - 1, rank - (rng.random() < 0.3)))]
        else:
            post = rng.choice(POSTS.get(node.name) or POSTS["机关党支部"])
            values["post"] = f"原{post}（已退休）" if retired else post
        if "allowance" in {spec["key"] for spec in EXTRA_FIELDS[kind]} and any(
                entry.closed_on is None for entry in entries) and rng.random() < 0.7:
            level = max(entry.level for entry in entries)
            values["allowance"] = rng.randint(3, 10 * level + 5) * 100
        return values

    def record(self, index: int) -> DemoRecord:
        rng, profile, today = self.rng, self.profile, self.today
        # Spread the 60+ members evenly so that every prefix of the register has the right share.
        old = int((index + 1) * profile.old_share) > int(index * profile.old_share)
        age = self._band_age(profile.old_bands if old else profile.young_bands)
        female_share = profile.female_share
        if female_share is None:
            female_share = 0.45 if age < 35 else 0.33 if age < 60 else 0.22
        sex = Sex.FEMALE if rng.random() < female_share else Sex.MALE
        birth = self._birth_date(age, feb29=index % 250 == 7, old=old)
        joined = self._joined_on(birth)
        status = self._status(age, old)
        died_on = today - timedelta(days=rng.randint(10, 900)) if status == MemberStatus.DECEASED else None
        node = self.tree.place(rng, age, status)

        households = self.households.setdefault(id(node.group), [])
        if households and rng.random() < (0.15 if age >= 70 else 0.04):
            phone, address = rng.choice(households)  # a family phone, same home
        else:
            phone, address = self._phone(), self._address(node)
            if age >= 85 and rng.random() < 0.1:
                phone = ""  # no phone at all: reached through the community
            households.append((phone, address))
            if len(households) > 20:
                households.pop(0)
        smartphone_chance = (0.97 if age < 50 else 0.9 if age < 60 else 0.7 if age < 70 else 0.4 if age < 80
                             else 0.15)
        uses_smartphone = bool(phone) and rng.random() < smartphone_chance
        name = self._name(sex, birth)
        # The register (and its import) takes the same name with the same birth date or phone for one person.
        while (name, birth) in self.taken or (phone and (name, phone) in self.taken):
            name = self._name(sex, birth)
        self.taken.update([(name, birth), (name, phone)] if phone else [(name, birth)])
        proxy_name = proxy_phone = ""
        if age >= 75 and not uses_smartphone and status != MemberStatus.DECEASED and rng.random() < 0.4:
            child_birth = years_after(birth, rng.randint(22, 32))
            proxy_name = self._name(rng.choice(Sex.values), child_birth, surname=name[0])
            proxy_phone = self._phone()

        history, city = status_history(rng, status=status, sex=sex, birth=birth, joined=joined, died_on=died_on,
                                       today=today, retired_share=profile.retired_share_old)
        entries = hardship_entries(rng, age=age, status=status, joined=joined, died_on=died_on, today=today,
                                   city=city)
        member = Member(name=name, name_initials=_initials(name), sex=sex, birth_date=birth, joined_on=joined,
                        phone=phone, proxy_name=proxy_name, proxy_phone=proxy_phone, uses_smartphone=uses_smartphone,
                        address=address, status=status, died_on=died_on)
        member.extra = self._extra(member, node, age, entries)
        return DemoRecord(member, node, entries, history)


@lru_cache(maxsize=8192)
def _initials(name: str) -> str:
    """Names repeat a lot; pypinyin is the slowest part of making a member."""
    return initials(name)


def generate_records(kind: str, count: int, *, seed: str, today: date, tree: DemoTree | None = None
                     ) -> Iterator[DemoRecord]:
    """The first `count` demo records of a unit of this kind; `seed` and `today` fix them."""
    generator = _Generator(kind, seed, today, tree)
    for index in range(count):
        yield generator.record(index)
