"""Visit report (走访慰问报告): visits by occasion and by organisation, members visited, what was given (goods
recorded on the visits, and visit gifts paid from the funds), every visit, and members due a visit who were not
visited."""

from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from care.fund.models import EntryKind, LedgerEntry
from care.programme.models import CareTask, TaskKind, TaskStatus, Visit
from care.reports.services.charts import bar_chart
from care.reports.services.content import DATE, MONEY, NUMBER, Column, Report, Scope, Section, Table


def visits_in(scope: Scope):
    return Visit.objects.filter(scope.under("member__"), scope.in_period("visited_on"), created_at__lte=scope.as_of)


def _grouped(visits, key, title, field, label, order) -> Table:
    """Visits and distinct members visited per value of `field`, ordered by `order` (which also groups)."""
    rows = [[row[field], row["visits"], row["members"]]
            for row in visits.values(field).annotate(visits=Count("pk"), members=Count("member", distinct=True))
            .order_by(*order)]
    columns = [Column(label), Column(_("Visits"), NUMBER), Column(_("Members visited"), NUMBER)]
    return Table(key, title, columns, rows, empty=_("No visits in this period."))


def _given(scope: Scope, visits) -> tuple[Table, Decimal, int]:
    goods = [[row["goods"], row["visits"]] for row in visits.exclude(goods="").values("goods")
             .annotate(visits=Count("pk")).order_by("-visits", "goods")]
    gifts = LedgerEntry.objects.filter(scope.under("fund__"), scope.in_period("booked_on"), kind=EntryKind.VISIT_GIFT,
                                       created_at__lte=scope.as_of).aggregate(total=Sum("amount"), count=Count("pk"))
    money = -(gifts["total"] or Decimal("0.00"))
    table = Table("goods", _("What was given"), [Column(_("Goods")), Column(_("Visits"), NUMBER)], goods,
                  empty=_("No goods were recorded on the visits."))
    return table, money, gifts["count"]


def _listing(visits) -> Table:
    rows = []
    for visit in visits.select_related("member__node").prefetch_related("visitors").order_by("visited_on", "pk"):
        visitors = [user.get_full_name() for user in visit.visitors.all()]
        if visit.other_visitors:
            visitors.append(visit.other_visitors)
        rows.append([visit.visited_on, visit.member.name, visit.member.node.name, visit.occasion,
                     pgettext("name separator", ", ").join(visitors), visit.goods])
    return Table("visits", _("Visits"), [Column(_("Date"), DATE, 11), Column(_("Member"), width=12),
                                         Column(_("Organisation"), width=20), Column(_("Occasion"), width=20),
                                         Column(_("Visitors"), width=20), Column(_("Goods given"), width=17)],
                 rows, empty=_("No visits in this period."))


def not_visited(scope: Scope):
    """Visit tasks that fell due in the period (up to the day the report was asked for) with no visit to the
    member between the task's opening and that day."""
    cutoff = scope.cutoff
    visited = Visit.objects.filter(member=OuterRef("member"), visited_on__gte=OuterRef("opens_on"),
                                   visited_on__lte=cutoff, created_at__lte=scope.as_of)
    return (CareTask.objects.filter(scope.under("member__"), kind=TaskKind.VISIT, due_on__gte=scope.starts_on,
                                    due_on__lte=cutoff, created_at__lte=scope.as_of)
            .exclude(status=TaskStatus.CANCELLED).exclude(Exists(visited)))


def _missed(scope: Scope) -> Table:
    rows = [[task.due_on, task.member.name, task.member.node.name, task.version.name]
            for task in not_visited(scope).select_related("member__node", "version").order_by("due_on", "member__name")]
    return Table("not_visited", _("Due a visit but not visited"),
                 [Column(_("Due"), DATE), Column(_("Member")), Column(_("Organisation")), Column(_("Occasion"))], rows,
                 empty=_("Every member due a visit was visited."))


def visit_report(scope: Scope, months) -> Report:
    visits = visits_in(scope)
    per_month = dict(visits.annotate(month=TruncMonth("visited_on")).values_list("month").annotate(Count("pk")))
    goods, gift_money, gift_count = _given(scope, visits)
    missed = _missed(scope)
    totals = {"visits": visits.count(), "members": visits.values("member").distinct().count(),
              "gift_money": gift_money, "gift_payments": gift_count, "not_visited": len(missed.rows)}
    occasions = _grouped(visits, "occasions", _("Visits by occasion"), "occasion", _("Occasion"),
                         ["-visits", "occasion"])
    organisations = _grouped(visits, "organisations", _("Visits by organisation"), "member__node__name",
                             _("Organisation"), ["member__node__path"])
    summary = Section(
        _("Summary"),
        figures=[(_("Visits"), totals["visits"], NUMBER), (_("Members visited"), totals["members"], NUMBER),
                 (_("Visit gifts paid from the funds"), gift_money, MONEY),
                 (_("Due a visit but not visited"), totals["not_visited"], NUMBER)],
        charts=[bar_chart([m.strftime("%Y-%m") for m in months], [per_month.get(m, 0) for m in months],
                          title=_("Visits per month")),
                bar_chart([row[0] for row in occasions.rows[:12]], [row[1] for row in occasions.rows[:12]],
                          title=_("Visits by occasion"))],
        tables=[occasions, organisations, goods])
    return Report(_("Visit report"), [summary, Section(_("Visits"), tables=[_listing(visits)]),
                                      Section(_("Due a visit but not visited"), tables=[missed])], totals=totals)
