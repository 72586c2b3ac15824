"""Fund report (关爱基金收支报告) and its public-disclosure version (党务公开).

Per fund the figures come from care.fund's own disclosure (services.disclosure.build_between): opening balance,
income by source, spending by kind, closing balance. The staff version adds every entry and the cost sharing
between levels; the public version adds only the payments with masked names and general categories, exactly as
the fund's public disclosure page shows them."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from care.fund.models import EntryKind, Fund, LedgerEntry
from care.fund.services.disclosure import build_between, general_category
from care.registers.models import NodeKind
from care.reports.services.charts import bar_chart, line_chart
from care.reports.services.content import DATE, MONEY, PERCENT, Column, Report, Scope, Section, Table

ZERO = Decimal("0.00")


def funds_in(scope: Scope):
    return Fund.objects.filter(scope.under()).select_related("node").order_by("node__path")


def entries_in(scope: Scope, funds):
    return LedgerEntry.objects.filter(fund__in=funds, created_at__lte=scope.as_of)


def _sum_lines(disclosures, attribute: str) -> list[list]:
    totals: dict[str, Decimal] = {}
    for disclosure in disclosures:
        for line in getattr(disclosure, attribute):
            totals[line.label] = totals.get(line.label, ZERO) + line.amount
    return [[label, amount] for label, amount in totals.items()]


def _overview(disclosures) -> Table:
    rows = [[d.fund.name, d.fund.node.name, d.opening, d.total_income, d.total_spending, d.closing]
            for d in disclosures]
    total = [_("Total"), "", *(sum((row[i] for row in rows), ZERO) for i in range(2, 6))] if len(rows) > 1 else None
    return Table("funds", _("Funds"), [Column(_("Fund")), Column(_("Organisation")),
                                       Column(_("Opening balance"), MONEY), Column(_("Income"), MONEY),
                                       Column(_("Spending"), MONEY), Column(_("Closing balance"), MONEY)], rows, total,
                 empty=_("No fund is kept in this organisation or below it."))


def _month_balances(scope: Scope, funds, opening: Decimal, months) -> list[Decimal]:
    moved = dict(entries_in(scope, funds).filter(scope.in_period("booked_on"))
                 .annotate(month=TruncMonth("booked_on")).values_list("month").annotate(Sum("amount")))
    balances, running = [], opening
    for month in months:
        running += moved.get(month, ZERO)
        balances.append(running)
    return balances


def _lines_table(key, title, rows, label) -> Table:
    total = [_("Total"), sum((row[1] for row in rows), ZERO)] if rows else None
    return Table(key, title, [Column(label), Column(_("Amount"), MONEY)], rows, total, empty=_("None in this period."))


def _summary(scope: Scope, funds, disclosures, months) -> tuple[Section, dict]:
    opening = sum((d.opening for d in disclosures), ZERO)
    income, spending = _sum_lines(disclosures, "income"), _sum_lines(disclosures, "spending")
    totals = {"opening": opening, "income": sum((d.total_income for d in disclosures), ZERO),
              "spending": sum((d.total_spending for d in disclosures), ZERO),
              "closing": sum((d.closing for d in disclosures), ZERO)}
    labels = [month.strftime("%Y-%m") for month in months]
    charts = [line_chart(labels, _month_balances(scope, funds, opening, months),
                         title=_("Balance at the end of each month")),
              bar_chart([row[0] for row in spending], [row[1] for row in spending], title=_("Spending by kind"))]
    section = Section(_("Summary"), figures=[(_("Opening balance"), totals["opening"], MONEY),
                                             (_("Income"), totals["income"], MONEY),
                                             (_("Spending"), totals["spending"], MONEY),
                                             (_("Closing balance"), totals["closing"], MONEY)],
                      charts=charts if spending or len(months) > 1 else [],
                      tables=[_overview(disclosures),
                              _lines_table("income", _("Income by source"), income, _("Source")),
                              _lines_table("spending", _("Spending by kind"), spending, _("Kind"))])
    return section, totals


def _entries(scope: Scope, fund: Fund) -> Table:
    """One fund's entries with its running balance, as its ledger book shows them."""
    labels = dict(EntryKind.choices)
    rows = []
    for entry in entries_in(scope, [fund]).filter(scope.in_period("booked_on")).order_by("booked_on", "pk"):
        what = " · ".join(part for part in (entry.counterparty, entry.purpose) if part)
        rows.append([entry.booked_on, str(labels[entry.kind]), what, entry.reference,
                     entry.amount if entry.amount > 0 else None, -entry.amount if entry.amount < 0 else None,
                     entry.balance_after])
    # Widths for A4 landscape: an amount up to ¥99,999,999.99 fits its column on one line, and so does a
    # counterparty and purpose of about 25 Chinese characters (wrapped lines cost pages and render time).
    return Table(f"entries_{fund.pk}", _("Ledger: %(fund)s") % {"fund": fund.name},
                 [Column(_("Date"), DATE, 9), Column(_("Kind"), width=9),
                  Column(_("Counterparty and purpose"), width=31), Column(_("Reference"), width=9),
                  Column(_("In"), MONEY, 14), Column(_("Out"), MONEY, 14), Column(_("Balance after"), MONEY, 14)],
                 rows, empty=_("No entries in this period."))


def _cost_sharing(scope: Scope, funds) -> Table:
    """Assistance payments shared between funds of several levels: each fund's part of each application."""
    paid = (entries_in(scope, funds).filter(scope.in_period("booked_on"), kind=EntryKind.ASSISTANCE,
                                            application__isnull=False))
    shared = (paid.values("application").annotate(funds=Count("fund", distinct=True)).filter(funds__gt=1)
              .values("application"))
    parts = (paid.filter(application__in=shared).select_related("fund__node", "application__member")
             .order_by("application_id", "booked_on", "pk"))
    whole: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for entry in parts:
        whole[entry.application_id] += -entry.amount
    kinds = dict(NodeKind.choices)
    rows = []
    for entry in parts:
        application = entry.application
        category = (application.get_category_display() if scope.sensitive or not application.is_sensitive
                    else general_category(application.category))
        share = -entry.amount
        rows.append([f"#{application.pk}", entry.booked_on, application.member.name, category, entry.fund.name,
                     str(kinds.get(entry.fund.node.kind, "")), share,
                     (100 * share / whole[entry.application_id]).quantize(Decimal("0.1"))
                     if whole[entry.application_id] else None])
    return Table("cost_sharing", _("Cost sharing between levels"),
                 [Column(_("Application")), Column(_("Date"), DATE), Column(_("Member")), Column(_("Category")),
                  Column(_("Paying fund")), Column(pgettext("organisation tier", "Level")), Column(_("Share"), MONEY),
                  Column(_("Percent"), PERCENT)],
                 rows, empty=_("No payment in this period was shared between levels."))


def _disclosures(scope: Scope, funds):
    return [build_between(fund, scope.starts_on, scope.ends_on, as_of=scope.as_of) for fund in funds]


def fund_report(scope: Scope, months) -> Report:
    funds = list(funds_in(scope))
    disclosures = _disclosures(scope, funds)
    summary, totals = _summary(scope, funds, disclosures, months)
    details = Section(_("Entries and cost sharing"),
                      tables=[_cost_sharing(scope, funds), *(_entries(scope, fund) for fund in funds)])
    # Landscape: seven columns, three of them amounts in the millions, do not fit a portrait page.
    return Report(_("Care fund income and spending report"), [summary, details], landscape=True, totals=totals)


def disclosure_report(scope: Scope, months) -> Report:
    """Only what the fund's public disclosure lets out: amounts, dates, masked names, general categories."""
    funds = list(funds_in(scope))
    disclosures = _disclosures(scope, funds)
    summary, totals = _summary(scope, funds, disclosures, months)
    rows = [[payment.day, disclosure.fund.name, payment.name, payment.category, payment.amount]
            for disclosure in disclosures for payment in disclosure.payments]
    payments = Table("payments", _("Payments to members"),
                     [Column(_("Date"), DATE), Column(_("Fund")), Column(_("Member")), Column(_("Category")),
                      Column(_("Amount"), MONEY)], sorted(rows, key=lambda row: (row[0], row[1])),
                     [_("Total"), "", "", "", sum((row[4] for row in rows), ZERO)] if rows else None,
                     empty=_("No payments to members in this period."))
    totals["payments"] = len(rows)
    note = _("Names are shortened and sensitive categories read “hardship assistance”, as in every public "
             "disclosure.")
    return Report(_("Care fund public disclosure"),
                  [summary, Section(_("Payments to members"), tables=[payments], note=note)], totals=totals)


