"""Demo hardship ledger (困难党员台账) and status history of one demo member, drawn from the member's generator.

About one member in twenty has an entry, many more among the elderly: one in six over 80. Categories follow the
member's age and status (only the elderly are "elderly", only members of working age unemployed, members away
from home "away"), reasons are written the way branch secretaries write them, and the half-yearly reviews are
simulated from the opening date to today: most are done around their due date, some one to four months late,
a few forgotten, and a review closes an entry when the hardship is over, so that today's due list holds about one
open entry in seven. A
deceased member's open entries were closed when they died; their status history says so.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from care.registers.models import HardshipCategory as Cat
from care.registers.models import HardshipLevel, MemberStatus, ReviewOutcome
from care.registers.services.hardship import REVIEW_MONTHS, add_months

LEDGER_DAYS = 730  # entries opened over the past two years
CITIES = ["上海", "北京", "深圳", "广州", "沈阳", "青岛", "天津", "杭州", "苏州", "烟台", "长春", "哈尔滨"]
DISEASES = ["脑梗塞", "冠心病", "肺癌", "胃癌", "结肠癌", "乳腺癌", "尿毒症，需定期透析", "糖尿病并发症",
            "帕金森病", "阿尔茨海默病", "慢性阻塞性肺病", "股骨头坏死", "肝硬化", "白血病"]
CHRONIC = ["高血压", "糖尿病", "冠心病", "慢性支气管炎", "风湿性关节炎", "腰椎间盘突出"]
DISABILITIES = ["肢体残疾", "视力残疾", "听力残疾", "言语残疾"]
GRADES = "一二三四"
LEVEL_WORDS = {HardshipLevel.GENERAL: "一般困难", HardshipLevel.SERIOUS: "较重困难", HardshipLevel.SEVERE: "严重困难"}

REASONS = {
    Cat.ELDERLY: ["年满{age}岁，党龄{party}年，行动不便，需定期上门走访。",
                  "高龄老党员，{kids}，日常起居需要照料。",
                  "老党员，党龄{party}年，患有{chronic}，生活自理能力下降。",
                  "{age}岁高龄，听力视力减退，基本不出门，需组织经常关心。"],
    Cat.LOW_INCOME: ["家庭人均月收入低于大连市最低生活保障标准，已纳入低保。",
                     "配偶长期患病无收入，家庭生活困难。",
                     "子女上大学费用负担重，家庭收入微薄。",
                     "退休金较低，需赡养年迈父母，入不敷出。",
                     "灵活就业收入不稳定，家庭人均收入处于低保边缘。"],
    Cat.ILLNESS: ["{year}年{month}月确诊{disease}，住院治疗，自付医疗费用约{cost}万元。",
                  "患{disease}多年，长期服药，需定期复查，医疗负担重。",
                  "因{disease}住院手术，术后恢复期，生活需要人照料。"],
    Cat.DISABILITY: ["{disability}{grade}级，持有残疾人证，生活不便。",
                     "{year}年因病致{disability}，行动不便，收入减少。"],
    Cat.DISASTER: ["{year}年{month}月家中失火，房屋及财物受损。",
                   "{year}年{month}月遭遇交通事故受伤，住院治疗。",
                   "{year}年{month}月暴雨致房屋漏雨受损，需要修缮。",
                   "{year}年{month}月工作中意外受伤，停工休养。"],
    Cat.BEREAVED: ["配偶于{year}年去世，独自生活，情绪低落。",
                   "独生子女因病去世，属失独家庭。",
                   "{relative}于{year}年病故，家庭负担加重。"],
    Cat.UNEMPLOYED: ["原单位{closure}，本人失业在家，家有{dependants}。",
                     "{year}年{month}月失业，正在参加再就业培训，家庭收入减少。"],
    Cat.ALONE: ["丧偶独居，子女在{city}，缺少照料。",
                "无子女，独自生活，属鳏寡孤独党员。",
                "独居老人，{age}岁，行动不便，需邻里和组织照看。"],
    Cat.AWAY: ["在{city}务工，长期在外，组织关系保留在本支部，需定期联系。",
               "随子女在{city}生活，流动党员，参加组织生活不便。"],
    Cat.DISTRESS: ["家庭变故后情绪低落，需多谈心疏导。",
                   "因{trouble}精神压力大，近期情绪波动较大。"],
    Cat.OTHER: ["家庭住房困难，居住条件较差。",
                "需照顾长期卧床的家人，生活压力大。"],
}
CLOSING_NOTES = {
    Cat.ILLNESS: "已康复，病情稳定，经支部研究销号。",
    Cat.UNEMPLOYED: "已重新就业，收入稳定，销号。",
    Cat.LOW_INCOME: "家庭收入提高，已超过低保标准，销号。",
    Cat.AWAY: "已返回本地居住，销号。",
    Cat.DISTRESS: "经多次谈心，情绪已恢复稳定，销号。",
    Cat.DISASTER: "房屋已修缮，生活恢复正常，销号。",
    Cat.ELDERLY: "已随子女生活，有人照料，销号。",
    Cat.ALONE: "已住进养老机构，有人照料，销号。",
}
UNCHANGED_NOTES = ["", "", "已走访，情况无明显变化。", "情况稳定，继续纳入台账。", "电话回访，情况同上次。"]

# Chance of an entry by age (members at home); those away from home are more often in need.
_BY_AGE = ((40, 0.018), (60, 0.03), (70, 0.06), (80, 0.10), (200, 0.16))


@dataclass
class DemoReview:
    outcome: str
    note: str
    changes: dict
    reviewed_on: date


@dataclass
class DemoEntry:
    category: str
    level: int
    reason: str
    opened_on: date
    review_due_on: date
    closed_on: date | None = None
    reviews: list = field(default_factory=list)


@dataclass
class DemoStatus:
    from_status: str
    to_status: str
    effective_on: date
    note: str


def _retirement(birth: date, sex: str) -> date:
    years = 55 if sex == "f" else 60
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


def status_history(rng: random.Random, *, status: str, sex: str, birth: date, joined: date, died_on: date | None,
                   today: date, retired_share: float) -> tuple[list[DemoStatus], str]:
    """Status changes that lead to the member's current status; also the city of a member away from home."""
    city = rng.choice(CITIES)
    changes: list[DemoStatus] = []
    if status == MemberStatus.RETIRED or (status == MemberStatus.DECEASED and rng.random() < retired_share):
        retired_on = max(_retirement(birth, sex), joined)
        if retired_on < (died_on or today):
            changes.append(DemoStatus(MemberStatus.ACTIVE, MemberStatus.RETIRED, retired_on, "办理退休手续"))
    if status == MemberStatus.DECEASED:
        previous = changes[-1].to_status if changes else MemberStatus.ACTIVE
        note = rng.choice(["因病去世", "病故", "因病医治无效去世"])
        changes.append(DemoStatus(previous, MemberStatus.DECEASED, died_on, note))
    elif status in (MemberStatus.FLOWING, MemberStatus.MOVED_OUT):
        since = max(today - timedelta(days=rng.randint(60, 1500)), joined)
        note = (rng.choice([f"外出务工（{city}）", f"随子女到{city}生活"]) if status == MemberStatus.FLOWING
                else f"组织关系转至{city}")
        changes.append(DemoStatus(MemberStatus.ACTIVE, status, since, note))
    return changes, city


def _category(rng: random.Random, age: int, party_years: int, status: str) -> str:
    if status == MemberStatus.FLOWING and rng.random() < 0.8:
        return Cat.AWAY
    if age >= 60:
        weights = {Cat.ILLNESS: 22, Cat.ALONE: 14 if age >= 65 else 4, Cat.LOW_INCOME: 12, Cat.DISABILITY: 8,
                   Cat.BEREAVED: 8, Cat.DISASTER: 2, Cat.DISTRESS: 2, Cat.OTHER: 2}
        if age >= 70 or party_years >= 40:
            weights[Cat.ELDERLY] = 30
    else:
        weights = {Cat.LOW_INCOME: 24, Cat.ILLNESS: 22, Cat.DISABILITY: 10, Cat.BEREAVED: 6, Cat.DISASTER: 6,
                   Cat.DISTRESS: 7, Cat.OTHER: 3}
        if status == MemberStatus.ACTIVE:
            weights[Cat.UNEMPLOYED] = 14
    if status == MemberStatus.DECEASED:
        weights[Cat.ILLNESS] = weights[Cat.ILLNESS] * 4
    categories = list(weights)
    return rng.choices(categories, weights=[weights[category] for category in categories])[0]


def _level(rng: random.Random, category: str, age: int) -> int:
    heavy = category in (Cat.ILLNESS, Cat.DISABILITY) or (category in (Cat.ELDERLY, Cat.ALONE) and age >= 85)
    return rng.choices(HardshipLevel.values, weights=(40, 40, 20) if heavy else (62, 30, 8))[0]


def _reason(rng: random.Random, category: str, *, age: int, party_years: int, opened: date, city: str) -> str:
    template = rng.choice(REASONS[category])
    year = opened.year - rng.randint(0, 1) if category in (Cat.BEREAVED, Cat.DISABILITY) else opened.year
    month = opened.month if year == opened.year else rng.randint(1, 12)
    return template.format(
        age=age, party=party_years, year=year, month=month, city=city, chronic=rng.choice(CHRONIC),
        kids=rng.choice(["子女在外地工作", "子女工作繁忙", "与老伴相依为命"]), disease=rng.choice(DISEASES),
        cost=rng.choice(["1.5", "2", "3", "4", "5", "8", "10"]), disability=rng.choice(DISABILITIES),
        grade=rng.choice(GRADES), relative=rng.choice(["配偶", "父亲", "母亲"]),
        closure=rng.choice(["破产", "停产", "裁员"]), dependants=rng.choice(["未成年子女", "老人需要赡养"]),
        trouble=rng.choice(["婚姻变故", "子女问题", "工作挫折", "家人重病"]))


def _simulate_reviews(rng: random.Random, entry: DemoEntry, *, until: date, today: date) -> None:
    """Reviews every six months from opening up to `until`; some are late, some close the entry."""
    due = entry.review_due_on
    last = entry.opened_on
    while due <= until:
        timing = rng.random()
        if timing < 0.03:
            return  # neglected: stays on the due list until someone notices
        # Mostly around the due date, sometimes one to four months late.
        delay = rng.randint(-20, 15) if timing < 0.85 else rng.randint(20, 120)
        reviewed_on = max(due + timedelta(days=delay), last + timedelta(days=30))
        if reviewed_on > until:
            return  # not reviewed yet: on today's due list (or the member died first)
        roll = rng.random()
        closes = {Cat.ELDERLY: 0.03, Cat.ALONE: 0.04, Cat.DISABILITY: 0.03, Cat.UNEMPLOYED: 0.35,
                  Cat.DISASTER: 0.35, Cat.AWAY: 0.2, Cat.DISTRESS: 0.3}.get(entry.category, 0.13)
        if roll < closes:
            note = CLOSING_NOTES.get(entry.category, "困难已解决，经支部研究销号。")
            entry.reviews.append(DemoReview(ReviewOutcome.CLOSED, note, {"closed_on": [None, str(reviewed_on)]},
                                            reviewed_on))
            entry.closed_on = reviewed_on
            return
        next_due = add_months(reviewed_on, REVIEW_MONTHS)
        changes = {"review_due_on": [str(entry.review_due_on), str(next_due)]}
        if roll < closes + 0.14:
            worse = entry.level == HardshipLevel.GENERAL or (entry.level == HardshipLevel.SERIOUS
                                                             and rng.random() < 0.5)
            level = entry.level + 1 if worse else entry.level - 1
            note = (f"情况加重，调整为{LEVEL_WORDS[level]}。" if worse
                    else f"情况有所好转，调整为{LEVEL_WORDS[level]}。")
            changes = {"level": [entry.level, level], **changes}
            entry.level = level
            entry.reviews.append(DemoReview(ReviewOutcome.CHANGED, note, changes, reviewed_on))
        else:
            entry.reviews.append(DemoReview(ReviewOutcome.UNCHANGED, rng.choice(UNCHANGED_NOTES), changes,
                                            reviewed_on))
        entry.review_due_on, last, due = next_due, reviewed_on, next_due


def hardship_entries(rng: random.Random, *, age: int, status: str, joined: date, died_on: date | None,
                     today: date, city: str) -> list[DemoEntry]:
    """The member's ledger entries (usually none); consumes a fixed number of draws when there are none."""
    if status == MemberStatus.MOVED_OUT:
        return []
    chance = next(share for upper, share in _BY_AGE if age < upper)
    if status == MemberStatus.FLOWING:
        chance = 0.15
    if rng.random() >= chance:
        return []
    until = min(died_on, today) if died_on else today
    earliest = max(today - timedelta(days=LEDGER_DAYS), joined)
    latest = until - timedelta(days=20) if died_on else until
    if latest < earliest:
        return []
    entries: list[DemoEntry] = []
    categories: set[str] = set()
    for _ in range(2 if rng.random() < 0.12 else 1):
        category = _category(rng, age, today.year - joined.year, status)
        if category in categories:
            continue
        categories.add(category)
        opened = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
        then = age - (today - opened).days // 365  # as written when the entry was opened
        entry = DemoEntry(category, _level(rng, category, age),
                          _reason(rng, category, age=then, party_years=opened.year - joined.year, opened=opened,
                                  city=city),
                          opened, add_months(opened, REVIEW_MONTHS))
        _simulate_reviews(rng, entry, until=until, today=today)
        if died_on and entry.closed_on is None:
            closed_on = min(died_on + timedelta(days=rng.randint(3, 30)), today)
            entry.reviews.append(DemoReview(ReviewOutcome.CLOSED, f"党员已于{died_on:%Y年%-m月%-d日}去世，台账销号。",
                                            {"closed_on": [None, str(closed_on)]}, closed_on))
            entry.closed_on = closed_on
        entries.append(entry)
    return entries
