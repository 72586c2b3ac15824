"""The care programme of the demo units (`carehub demo`): the kind's presets, pairings for most members in the
hardship ledger (some left without, so the coverage view has something to show), past visits and talks, a few
recent hospitalisations (a few in each secretary's organisations, so that their "my work" has something due
this week, one of it late), and the horizon generated. Idempotent: the records are made once per unit, and
generation never makes a second copy."""

import datetime

from django.db.models import Min

from care.programme import presets
from care.programme.calendar import lunar_to_solar
from care.programme.models import CareTask, Greeting, Pairing, Rule, Talk, TaskStatus, Visit
from care.programme.services import events, records, runs, tasks
from care.programme.services.coverage import GONE
from care.registers.models import HardshipEntry, Member, MemberStatus

VISITS, TALKS = 60, 40
GOODS = ["大米一袋、食用油一桶", "牛奶两箱、水果一篮", "棉被一床、米面油", "慰问品一份"]
TOPICS = ["年度谈心谈话", "思想和工作情况", "家庭困难和诉求", "组织生活参与情况"]


def last_spring_festival(today: datetime.date) -> datetime.date:
    day = lunar_to_solar(today.year, 1, 1)
    return day if day <= today else lunar_to_solar(today.year - 1, 1, 1)


def _officer(member: Member, secretaries, admin):
    return next((user for path, user in secretaries if member.node.path.startswith(path)), admin)


def ensure_programme(kind: str, admin, secretaries: list, today: datetime.date) -> None:
    """`secretaries`: (subtree path, user) of the unit's secretaries, as the demo command knows them."""
    presets.install(kind)
    if not Pairing.objects.exists():
        _records(admin, secretaries, today)
    runs.generate(None, today=today)


def _records(admin, secretaries, today) -> None:
    since = dict(HardshipEntry.objects.filter(closed_on__isnull=True).values("member")
                 .annotate(first=Min("opened_on")).values_list("member", "first"))
    ledger = list(Member.objects.exclude(status__in=GONE).filter(pk__in=since).select_related("node").order_by("pk"))
    # Pairings in bulk, like the registers' demo rows (a Ganjingzi-size ledger has about 1,900 members).
    Pairing.objects.bulk_create([
        Pairing(member=member, partner=_officer(member, secretaries, admin), started_on=since[member.pk],
                created_by=admin)
        for index, member in enumerate(ledger) if index % 5 != 4])  # one in five left without
    festival = last_spring_festival(today)
    for index, member in enumerate(ledger[:VISITS * 3:3]):
        records.record_visit(admin, member, visited_on=festival - datetime.timedelta(days=index % 12 + 1),
                             occasion="春节走访慰问", visitors=[_officer(member, secretaries, admin)],
                             goods=GOODS[index % len(GOODS)], notes="身体状况稳定，感谢组织关心。")
    active = list(Member.objects.filter(status=MemberStatus.ACTIVE).select_related("node").order_by("pk")[:TALKS + 3])
    for index, member in enumerate(active[:TALKS]):
        held_on = max(today.replace(month=1, day=2), today - datetime.timedelta(days=index * 5 + 3))
        records.record_talk(admin, member, held_on=min(held_on, today), topic=TOPICS[index % len(TOPICS)],
                            participants=[_officer(member, secretaries, admin)], summary="思想稳定，工作积极。",
                            confidential_notes="提到家中老人住院，需要适当关心。" if index % 4 == 0 else "")
    for index, member in enumerate(active[TALKS:]):
        event = events.record_life_event(admin, member, kind="hospitalised",
                                         occurred_on=today - datetime.timedelta(days=index * 2 + 1),
                                         note="因病住院治疗")
        runs.generate_for_event(event.pk)  # the demo runs in one transaction: no commit to wait for
    _secretaries_work(admin, secretaries, today)


# Days since a secretary's members went into hospital: the visit (due within three days) is then late, due
# today, and due later this week or next.
HOSPITALISED_DAYS_AGO = (5, 3, 1)


def _secretaries_work(admin, secretaries, today) -> None:
    """Hospitalisations of members in each secretary's organisations, their visits given to the secretary."""
    for path, secretary in secretaries:
        members = (Member.objects.filter(status=MemberStatus.ACTIVE, node__path__startswith=path)
                   .exclude(care_tasks__status=TaskStatus.OPEN, care_tasks__due_on__lte=today).order_by("-pk"))
        for days_ago, member in zip(HOSPITALISED_DAYS_AGO, members, strict=False):
            event = events.record_life_event(admin, member, kind="hospitalised",
                                             occurred_on=today - datetime.timedelta(days=days_ago), note="因病住院治疗")
            runs.generate_for_event(event.pk)
            for task in CareTask.objects.filter(event=event, status=TaskStatus.OPEN).exclude(assignee=secretary):
                tasks.assign(admin, task, assignee=secretary)


def describe(today: datetime.date) -> str:
    tasks = CareTask.objects.filter(status=TaskStatus.OPEN)
    overdue = tasks.filter(due_on__lt=today).count()
    return (f"care programme: {Rule.objects.filter(is_active=True).count()} rules, {tasks.count()} open tasks "
            f"({overdue} overdue), {Greeting.objects.count()} greetings planned, "
            f"{Pairing.objects.filter(ended_on__isnull=True).count()} pairings, {Visit.objects.count()} visits, "
            f"{Talk.objects.count()} talks")
