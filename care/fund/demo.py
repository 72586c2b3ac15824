"""Demo care funds for `carehub demo`, with the figures of the source documents (see the domain notes):

- district (Ganjingzi): the 红旗街道 fund, about 600,000 yuan a year for about 680 person-visits, and the
  district committee's fund that supports it;
- school and hospital: the city-management bureau's pattern, a committee fund seeded with 10,000+ of dues,
  10,000 of administrative money, 5,000 from each of three units and 5,000+ of donations, general-branch
  funds, and every payment shared 30% general branch / 70% committee;
- enterprise (Xinxing): one fund of about 9,000 yuan helping 28 person-times.

Last year is booked in full and closed, this year up to today with its past months closed; then a few members
of the first secretary's subtree who are in the hardship ledger apply, and their applications go through the
real workflow (secretary applies and verifies, admin approves, treasurer pays). Everything goes through the
services, so the demo books obey the fund's own rules. Idempotent: a unit that has funds is left alone.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Sum

from care.fund.models import ApplicationStatus, AssistanceApplication, EntryKind, Fund
from care.fund.money import format_amount
from care.fund.services import applications, funds, ledger, payments, periods
from care.registers.models import HardshipCategory, HardshipEntry, Member, MemberStatus
from carehub.accounts.models import Role, User

K = EntryKind


@dataclass(frozen=True)
class Posting:
    month: int
    day: int
    kind: str
    amount: str
    counterparty: str = ""
    purpose: str = ""


@dataclass(frozen=True)
class FundPlan:
    names: tuple  # node names below the root; () is the root
    name: str
    postings: tuple


HONGQI = (
    Posting(1, 10, K.ALLOCATION, "150000", "甘井子区财政局", "上半年关爱基金行政拨款"),
    Posting(1, 15, K.SUPPORT, "50000", "大连市委组织部", "上级党组织下拨关爱资金"),
    Posting(1, 25, K.VISIT_GIFT, "198000", "春节走访慰问", "春节走访慰问 220 人次"),
    Posting(3, 31, K.DUES, "90000", "街道党工委", "党费划拨（一季度）"),
    Posting(5, 20, K.VISIT_GIFT, "36000", "住院慰问", "住院党员慰问 45 人次"),
    Posting(6, 28, K.MEMBER_DONATION, "72000", "党员自愿捐款", "“七一”党员捐款"),
    Posting(7, 1, K.VISIT_GIFT, "96000", "“七一”走访慰问", "“七一”慰问老党员、困难党员 120 人次"),
    Posting(7, 10, K.ALLOCATION, "150000", "甘井子区财政局", "下半年关爱基金行政拨款"),
    Posting(8, 20, K.UNIT_DONATION, "50000", "大连港集团", "共建单位捐赠"),
    Posting(9, 30, K.DUES, "88000", "街道党工委", "党费划拨（三季度）"),
    Posting(10, 29, K.VISIT_GIFT, "112500", "重阳节走访慰问", "重阳节慰问高龄党员 150 人次"),
    Posting(11, 20, K.VISIT_GIFT, "52000", "住院及因灾慰问", "住院、因灾慰问 65 人次"),
    Posting(12, 20, K.DEATH_CARE, "40000", "亡故关怀", "亡故党员家属慰问 40 人次"),
    Posting(12, 28, K.VISIT_GIFT, "32000", "元旦走访慰问", "元旦慰问 40 人次"),
)
DISTRICT = (
    Posting(1, 5, K.ALLOCATION, "300000", "甘井子区财政局", "区委关爱基金年度拨款"),
    Posting(1, 20, K.VISIT_GIFT, "150000", "春节走访慰问", "春节慰问老干部、老党员 200 人次"),
    Posting(6, 30, K.DUES, "120000", "区委组织部", "党费划拨"),
    Posting(7, 1, K.VISIT_GIFT, "90000", "“七一”走访慰问", "“七一”慰问老党员 150 人次"),
    Posting(10, 29, K.VISIT_GIFT, "100000", "重阳节走访慰问", "重阳节慰问离退休老干部 160 人次"),
    Posting(12, 10, K.DEATH_CARE, "40000", "亡故关怀", "亡故老干部家属慰问 50 人次"),
)
BUREAU = (  # the committee fund: 10,000+ dues, 10,000 administrative, 3 x 5,000 from units, 5,000+ donations
    Posting(1, 8, K.DUES, "10600", "党委", "党费划拨"),
    Posting(1, 8, K.ALLOCATION, "10000", "行政经费", "行政拨款"),
    Posting(3, 1, K.UNIT_DONATION, "5000", "共建单位一", "单位捐助"),
    Posting(3, 1, K.UNIT_DONATION, "5000", "共建单位二", "单位捐助"),
    Posting(3, 1, K.UNIT_DONATION, "5000", "共建单位三", "单位捐助"),
    Posting(6, 28, K.MEMBER_DONATION, "5380", "党员自愿捐款", "“七一”捐款"),
    Posting(1, 20, K.VISIT_GIFT, "6000", "春节走访慰问", "春节慰问困难党员 20 户"),
)
GENERAL_BRANCH = (
    Posting(1, 8, K.DUES, "3000", "党总支", "党费留存"),
    Posting(6, 28, K.MEMBER_DONATION, "2000", "党员自愿捐款", "“七一”捐款"),
)
XINXING = (
    Posting(1, 6, K.DUES, "4000", "集团党委", "党费划拨"),
    Posting(1, 20, K.VISIT_GIFT, "2500", "春节走访慰问", "春节慰问 10 人次"),
    Posting(6, 25, K.MEMBER_DONATION, "3000", "党员自愿捐款", "“七一”捐款"),
    Posting(7, 1, K.VISIT_GIFT, "1600", "“七一”慰问", "慰问老党员 8 人次"),
    Posting(9, 1, K.UNIT_DONATION, "2000", "新星集团工会", "工会捐助"),
    Posting(10, 29, K.VISIT_GIFT, "1200", "重阳节慰问", "慰问退休党员 6 人次"),
)
PLANS = {
    "district": [FundPlan((), "甘井子区委关爱基金", DISTRICT), FundPlan(("红旗街道",), "红旗街道关爱基金", HONGQI),
                 FundPlan(("甘井子街道",), "甘井子街道关爱基金", GENERAL_BRANCH)],
    "school": [FundPlan((), "党委关爱基金", BUREAU), FundPlan(("文科党总支",), "文科党总支帮扶基金", GENERAL_BRANCH),
               FundPlan(("理科党总支",), "理科党总支帮扶基金", GENERAL_BRANCH)],
    "hospital": [FundPlan((), "党委关爱基金", BUREAU), FundPlan(("内科党总支",), "内科党总支帮扶基金", GENERAL_BRANCH),
                 FundPlan(("外科党总支",), "外科党总支帮扶基金", GENERAL_BRANCH)],
    "enterprise": [FundPlan((), "新星集团关爱基金", XINXING)],
}
SHARED = {"school", "hospital"}  # 30% general branch / 70% committee, as the bureau did
AMOUNTS = {"district": ["3000", "2000", "5000", "1500", "2500", "1200"], "school": ["2000", "1500", "1000"],
           "hospital": ["3000", "1800", "1200"], "enterprise": ["800", "600", "500", "400"]}


def _book(admin, fund: Fund, postings: tuple, today: datetime.date) -> None:
    """Last year in full, this year up to today, in date order (income before spending on the same day)."""
    dated = [(datetime.date(year, posting.month, posting.day), posting)
             for year in (today.year - 1, today.year) for posting in postings]
    dated.sort(key=lambda item: (item[0], item[1].kind in (K.VISIT_GIFT, K.DEATH_CARE, K.OTHER_SPENDING)))
    for day, posting in dated:
        if day <= today:
            ledger.post_entry(admin, fund, kind=posting.kind, amount=posting.amount, booked_on=day,
                              counterparty=posting.counterparty, purpose=posting.purpose)
    periods.close_period(admin, fund, year=today.year - 1, note="年度结账")
    for month in range(1, today.month):
        periods.close_period(admin, fund, year=today.year, month=month, note="月结")


def _applicants(secretary, count: int) -> list[tuple]:
    """(member, category, reason) of the secretary's subtree: members in the hardship ledger first, then the
    oldest living members (the elderly are the most frequent applicants)."""
    path = secretary.scope.node.path
    living = [MemberStatus.ACTIVE, MemberStatus.RETIRED]
    entries = (HardshipEntry.objects.filter(member__node__path__startswith=path, closed_on__isnull=True,
                                            member__status__in=living).select_related("member").order_by("pk"))
    chosen = {}
    for entry in entries:
        chosen.setdefault(entry.member_id, (entry.member, entry.category, entry.reason))
    elderly = Member.objects.filter(node__path__startswith=path, status__in=living, birth_date__isnull=False)
    for member in elderly.exclude(pk__in=list(chosen)).order_by("birth_date", "pk")[:count]:
        chosen.setdefault(member.pk, (member, HardshipCategory.ELDERLY, "高龄独居，生活困难"))
    return list(chosen.values())[:count]


def ensure_funds(kind: str, nodes: dict, admin, secretaries: list, today: datetime.date) -> None:
    """Funds, their books and some paid applications, unless the unit has funds already."""
    if Fund.objects.exists() or not secretaries:
        return
    for plan in PLANS[kind]:
        fund = funds.create_fund(admin, nodes[plan.names], name=plan.name, second_approval_above="5000")
        _book(admin, fund, plan.postings, today)
    if kind in SHARED:
        funds.save_rule(admin, legs=[{"level": "general_branch", "percent": "30"},
                                     {"level": "committee", "percent": "70"}])
    secretary = secretaries[0][1]
    treasurer = User.objects.filter(role=Role.TREASURER).order_by("pk").first()
    chosen = _applicants(secretary, len(AMOUNTS[kind]))
    for index, ((member, category, reason), amount) in enumerate(zip(chosen, AMOUNTS[kind], strict=False)):
        application = applications.create_application(secretary, member, category=category, amount_requested=amount,
                                                      submit=True, reason=f"{reason}，申请困难帮扶")
        applications.verify(secretary, application, "经支部入户核实，情况属实")
        applications.approve(admin, application, amount=amount, note="党委会研究同意")
        if index % 3 != 2:  # most are paid; some wait for the treasurer
            payments.pay(treasurer, application, booked_on=max(today.replace(day=1), today - datetime.timedelta(
                days=index)), reference=f"凭证{today.year}-{index + 1:03d}")


def describe() -> str:
    """One line for the demo's summary."""
    balances = ledger.balances(list(Fund.objects.all()))
    statuses = dict(AssistanceApplication.objects.values_list("status").annotate(Count("pk")))
    paid = AssistanceApplication.objects.filter(status=ApplicationStatus.PAID).aggregate(total=Sum("amount_paid"))
    funds_held = f"{len(balances)} fund" + ("" if len(balances) == 1 else "s")
    return (f"care fund: {funds_held} holding {format_amount(sum(balances.values()))}; applications: "
            f"{statuses.get(ApplicationStatus.PAID, 0)} paid ({format_amount(paid['total'] or 0)}), "
            f"{statuses.get(ApplicationStatus.APPROVED, 0)} awaiting payment")
