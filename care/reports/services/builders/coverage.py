"""Care coverage report: yearly talks done against due per organisation, the hardship ledger by category with
reviews done and overdue, and pairing coverage (nobody in the ledger may be left without a partner)."""

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from care.programme.models import CareTask, Pairing, Talk, TaskKind, TaskStatus
from care.programme.services.coverage import GONE
from care.registers.models import SENSITIVE_CATEGORIES, HardshipCategory, HardshipEntry, HardshipReview, Member, Node
from care.reports.services.charts import bar_chart
from care.reports.services.content import NUMBER, PERCENT, Column, Report, Scope, Section, Table


def percent(done: int, total: int):
    return round(100 * done / total, 1) if total else None


def living(scope: Scope):
    return Member.objects.filter(scope.under(), created_at__lte=scope.as_of).exclude(status__in=GONE)


def open_entries(scope: Scope):
    """Ledger entries open on the report's last day, sensitive categories only when the report includes them."""
    cutoff = scope.cutoff
    entries = (HardshipEntry.objects.filter(scope.under("member__"), opened_on__lte=cutoff,
                                            created_at__lte=scope.as_of)
               .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=cutoff)))
    return entries if scope.sensitive else entries.exclude(category__in=SENSITIVE_CATEGORIES)


def _nodes(scope: Scope) -> dict[int, Node]:
    return {node.pk: node for node in Node.objects.filter(path__startswith=scope.path)}


def _talks(scope: Scope, nodes) -> tuple[Table, dict]:
    held = Talk.objects.filter(member=OuterRef("pk"), held_on__gte=scope.starts_on, held_on__lte=scope.cutoff,
                               created_at__lte=scope.as_of)
    members = dict((row["node"], row) for row in living(scope).annotate(talked=Exists(held)).values("node")
                   .annotate(living=Count("pk"), talked=Count("pk", filter=Q(talked=True))))
    tasks = dict((row["member__node"], row) for row in CareTask.objects.filter(
        scope.under("member__"), kind=TaskKind.TALK, due_on__gte=scope.starts_on, due_on__lte=scope.cutoff,
        created_at__lte=scope.as_of).exclude(status=TaskStatus.CANCELLED).values("member__node")
        .annotate(due=Count("pk"), done=Count("pk", filter=Q(status=TaskStatus.DONE, done_on__lte=scope.cutoff))))
    rows, sums = [], defaultdict(int)
    for pk, node in nodes.items():
        m, t = members.get(pk, {}), tasks.get(pk, {})
        figures = [m.get("living", 0), m.get("talked", 0), t.get("due", 0), t.get("done", 0)]
        if any(figures):
            rows.append([node.name, *figures, percent(figures[1], figures[0])])
            for key, value in zip(("living", "talked", "talks_due", "talks_done"), figures, strict=True):
                sums[key] += value
    total = [_("Total"), sums["living"], sums["talked"], sums["talks_due"], sums["talks_done"],
             percent(sums["talked"], sums["living"])]
    table = Table("talks", _("Heart-to-heart talks"),
                  [Column(_("Organisation")), Column(_("Members"), NUMBER), Column(_("Talked with"), NUMBER),
                   Column(_("Talks due"), NUMBER), Column(_("Talks done"), NUMBER), Column(_("Coverage"), PERCENT)],
                  rows, total if rows else None, empty=_("No members."))
    return table, dict(sums)


def _ledger(scope: Scope) -> tuple[Table, dict]:
    cutoff = scope.cutoff
    entries = open_entries(scope)
    by_category = {row["category"]: row for row in entries.values("category").annotate(
        entries=Count("pk"), overdue=Count("pk", filter=Q(review_due_on__lt=cutoff)))}
    reviews = HardshipReview.objects.filter(entry__in=HardshipEntry.objects.filter(scope.under("member__")),
                                            reviewed_on__gte=scope.starts_on, reviewed_on__lte=cutoff,
                                            at__lte=scope.as_of)
    if not scope.sensitive:
        reviews = reviews.exclude(entry__category__in=SENSITIVE_CATEGORIES)
    reviewed = dict(reviews.values_list("entry__category").annotate(Count("pk")))
    rows = []
    for category, label in HardshipCategory.choices:
        row = by_category.get(category, {})
        if row or reviewed.get(category):
            rows.append([str(label), row.get("entries", 0), reviewed.get(category, 0), row.get("overdue", 0)])
    sums = {"hardship_entries": sum(r[1] for r in rows), "reviews_done": sum(r[2] for r in rows),
            "reviews_overdue": sum(r[3] for r in rows)}
    table = Table("hardship", _("Hardship ledger by category"),
                  [Column(_("Category")), Column(_("Open entries"), NUMBER), Column(_("Reviews done"), NUMBER),
                   Column(_("Reviews overdue"), NUMBER)], rows,
                  [_("Total"), *sums.values()] if rows else None,
                  empty=_("Nobody is in the hardship ledger."))
    return table, sums


def _pairing(scope: Scope, nodes) -> tuple[list[Table], dict]:
    cutoff = scope.cutoff
    paired = Pairing.objects.filter(member=OuterRef("pk"), started_on__lte=cutoff, created_at__lte=scope.as_of).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=cutoff))
    members = (living(scope).filter(pk__in=open_entries(scope).values("member_id"))
               .annotate(paired=Exists(paired)).select_related("node").order_by("node__path", "name"))
    per_node, unpaired = defaultdict(lambda: [0, 0]), []
    for member in members:
        per_node[member.node_id][0] += 1
        per_node[member.node_id][1] += member.paired
        if not member.paired:
            unpaired.append([member.name, member.node.name])
    rows = [[nodes[pk].name, total, done, total - done, percent(done, total)]
            for pk, (total, done) in per_node.items()]
    sums = {"hardship_members": sum(r[1] for r in rows), "paired": sum(r[2] for r in rows)}
    coverage = Table("pairing", _("Pairing coverage"),
                     [Column(_("Organisation")), Column(_("Members in hardship"), NUMBER), Column(_("Paired"), NUMBER),
                      Column(_("Without a partner"), NUMBER), Column(_("Coverage"), PERCENT)], rows,
                     [_("Total"), sums["hardship_members"], sums["paired"], sums["hardship_members"] - sums["paired"],
                      percent(sums["paired"], sums["hardship_members"])] if rows else None,
                     empty=_("Nobody is in the hardship ledger."))
    listing = Table("unpaired", _("Members in hardship without a partner"),
                    [Column(_("Member")), Column(_("Organisation"))], unpaired,
                    empty=_("Every member in the hardship ledger has a partner."))
    return [coverage, listing], sums


def coverage_report(scope: Scope, months) -> Report:
    nodes = _nodes(scope)
    talks, talk_sums = _talks(scope, nodes)
    ledger, ledger_sums = _ledger(scope)
    pairing, pairing_sums = _pairing(scope, nodes)
    totals = {**talk_sums, **ledger_sums, **pairing_sums}
    charts = [bar_chart([row[0] for row in talks.rows[:24]], [row[5] or 0 for row in talks.rows[:24]],
                        title=_("Members talked with (%)")),
              bar_chart([row[0] for row in ledger.rows], [row[1] for row in ledger.rows],
                        title=_("Open hardship entries by category"))]
    return Report(_("Care coverage report"), [
        Section(_("Summary"), figures=[
            (_("Members talked with"), percent(totals.get("talked", 0), totals.get("living", 0)), PERCENT),
            (_("Open hardship entries"), totals["hardship_entries"], NUMBER),
            (_("Reviews overdue"), totals["reviews_overdue"], NUMBER),
            (_("Members in hardship with a partner"), percent(totals["paired"], totals["hardship_members"]),
             PERCENT)], charts=charts),
        Section(_("Heart-to-heart talks"), tables=[talks]),
        Section(_("Hardship ledger and reviews"), tables=[ledger]),
        Section(_("Pairing"), tables=pairing)], totals=totals)
