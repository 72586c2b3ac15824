"""Deterministic, realistic demo members for a unit's register (used by `carehub demo`).

The figures follow the source documents (see the domain notes): in Ganjingzi district 14,213 of 38,169
members (37.2%) are aged 60 or over. Names are built from common surnames (with the Shandong-origin surnames
frequent in Dalian) and given names typical of the member's birth decade; phones are mainland mobiles stored
as E.164, older members share a family phone more often and use a smartphone less often; addresses are in
Dalian. Everything comes from one seeded `random.Random`, so the same seed, count and day give the same
members, and member *i* does not depend on how many come after it (topping up a register of 400 to 38,169
gives the same people as creating 38,169 at once).
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from care.services.members import initials

from .models import Member, MemberStatus, Sex

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

GANJINGZI_STREETS = ["周水子街道", "椒金山街道", "甘井子街道", "兴华街道", "机场街道", "中华路街道", "泡崖街道",
                     "南关岭街道", "红旗街道", "凌水街道", "大连湾街道", "营城子街道", "辛寨子街道", "革镇堡街道",
                     "金家街街道"]
COMMUNITY_STEMS = ["明珠", "泉水", "华北", "春柳", "虹港", "锦华", "福佳", "山东路", "兴华", "金三角", "东纬",
                   "西山", "岚岭", "东方", "和平", "幸福", "松江", "周水", "龙畔", "华南", "红星", "红旗", "凌水",
                   "海事", "湾里", "前关", "后盐", "工兴", "椒金", "南岭", "北甘", "新华", "山东", "红岭", "栾金",
                   "张家", "夏家河", "机场", "东北", "中华"]
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


PROFILES = {
    "district": Profile(
        old_share=14213 / 38169,
        young_bands=((18, 29, 10), (30, 39, 18), (40, 49, 30), (50, 59, 42)),
        old_bands=((60, 69, 50), (70, 79, 32), (80, 89, 15), (90, 99, 3)),
        female_share=None, retired_share_old=0.10, district_addresses=True,
    ),
    "school": Profile(
        old_share=0.30,
        young_bands=((23, 29, 20), (30, 39, 30), (40, 49, 28), (50, 59, 22)),
        old_bands=((60, 69, 50), (70, 79, 33), (80, 92, 17)),
        female_share=0.58, retired_share_old=0.85, district_addresses=False,
    ),
    "hospital": Profile(
        old_share=0.28,
        young_bands=((24, 29, 18), (30, 39, 32), (40, 49, 28), (50, 59, 22)),
        old_bands=((60, 69, 52), (70, 79, 32), (80, 92, 16)),
        female_share=0.62, retired_share_old=0.85, district_addresses=False,
    ),
    "enterprise": Profile(
        old_share=0.20,
        young_bands=((22, 29, 20), (30, 39, 30), (40, 49, 28), (50, 59, 22)),
        old_bands=((60, 69, 55), (70, 79, 30), (80, 90, 15)),
        female_share=0.30, retired_share_old=0.70, district_addresses=False,
    ),
}


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


class _Generator:
    def __init__(self, profile: Profile, seed: str, today: date):
        self.profile = profile
        self.rng = random.Random(seed)
        self.today = today
        self.households: list[tuple[str, str]] = []  # recent (phone, address) pairs family members share
        self.communities = self._communities() if profile.district_addresses else None

    def _communities(self) -> dict[str, list[str]]:
        """112 communities over the 15 streets, as in Ganjingzi."""
        rng = random.Random("communities")
        stems = COMMUNITY_STEMS[:]
        rng.shuffle(stems)
        names = [f"{stem}社区" for stem in stems]
        names += [f"{stem}{suffix}社区" for suffix in ("一", "二", "三") for stem in stems]
        result = {street: [] for street in GANJINGZI_STREETS}
        for index, name in enumerate(names[:112]):
            result[GANJINGZI_STREETS[index % len(GANJINGZI_STREETS)]].append(name)
        return result

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

    def _name(self, sex: str, birth: date) -> str:
        generation = "old" if birth.year < 1956 else "mid" if birth.year < 1980 else "new"
        surname = self.rng.choices(_SURNAME_CHARS, cum_weights=_SURNAME_CUM)[0]
        return surname + self.rng.choice(GIVEN_NAMES[(generation, sex)])

    def _phone(self) -> str:
        return f"+86{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randint(0, 99_999_999):08d}"

    def _address(self) -> str:
        rng = self.rng
        number = f"{rng.randint(1, 400)}号{rng.randint(1, 12)}-{rng.randint(1, 6)}-{rng.randint(1, 4)}"
        if self.communities is not None:
            street = rng.choice(GANJINGZI_STREETS)
            community = rng.choice(self.communities[street])
            return f"大连市甘井子区{street}{community}{rng.choice(GANJINGZI_ROADS)}{number}"
        district = rng.choices(list(DALIAN_DISTRICT_ROADS), weights=[3, 3, 4, 4, 1])[0]
        return f"大连市{district}{rng.choice(DALIAN_DISTRICT_ROADS[district])}{number}"

    def member(self, index: int) -> Member:
        rng, profile = self.rng, self.profile
        # Spread the 60+ members evenly so that every prefix of the register has the right share.
        old = int((index + 1) * profile.old_share) > int(index * profile.old_share)
        age = self._band_age(profile.old_bands if old else profile.young_bands)
        female_share = profile.female_share
        if female_share is None:
            female_share = 0.45 if age < 35 else 0.33 if age < 60 else 0.22
        sex = Sex.FEMALE if rng.random() < female_share else Sex.MALE
        birth = self._birth_date(age, feb29=index % 250 == 7, old=old)
        joined = self._joined_on(birth)

        share_chance = 0.15 if age >= 70 else 0.04
        if self.households and rng.random() < share_chance:
            phone, address = rng.choice(self.households)  # a family phone, same home
        else:
            phone, address = self._phone(), self._address()
            if age >= 85 and rng.random() < 0.1:
                phone = ""  # no phone at all: reached through the community
            self.households.append((phone, address))
            if len(self.households) > 50:
                self.households.pop(0)
        smartphone_chance = (0.97 if age < 50 else 0.9 if age < 60 else 0.7 if age < 70 else 0.4 if age < 80
                             else 0.15)
        uses_smartphone = bool(phone) and rng.random() < smartphone_chance

        status = MemberStatus.ACTIVE
        roll = rng.random()
        if age >= 75 and roll < 0.03:
            status = MemberStatus.DECEASED
        elif old and roll < profile.retired_share_old:
            status = MemberStatus.RETIRED
        elif 20 <= age <= 45 and roll < 0.04:
            status = MemberStatus.FLOWING
        elif roll > 0.996:
            status = MemberStatus.MOVED_OUT
        name = self._name(sex, birth)
        died_on = self.today - timedelta(days=rng.randint(10, 900)) if status == MemberStatus.DECEASED else None
        return Member(name=name, name_initials=initials(name), sex=sex, birth_date=birth, joined_on=joined,
                      phone=phone, uses_smartphone=uses_smartphone, address=address, status=status, died_on=died_on)


def generate_members(kind: str, count: int, *, seed: str, today: date) -> Iterator[Member]:
    """The first `count` demo members (unsaved) of a unit of this kind; `seed` and `today` fix them."""
    generator = _Generator(PROFILES.get(kind, PROFILES["enterprise"]), seed, today)
    for index in range(count):
        yield generator.member(index)


def top_up_members(kind: str, target: int, *, nodes: list, seed: str, today: date, batch_size: int = 2000) -> int:
    """Bring the current schema's register up to `target` members, spread over `nodes`; returns how many
    were created. Members already present count towards the target, so running this again creates nobody.
    """
    existing = Member.objects.count()
    if existing >= target:
        return 0
    members = generate_members(kind, target, seed=seed, today=today)
    new = [member for index, member in enumerate(members) if index >= existing]
    for index, member in enumerate(new, start=existing):
        member.node = nodes[index % len(nodes)]
    Member.objects.bulk_create(new, batch_size=batch_size)
    return len(new)
