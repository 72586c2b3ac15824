"""The reports' tiles on the unit's dashboard (care.reports.portal.home.dashboard): visits per month and the funds'
balance at the end of each month, over the last twelve months, within the user's scope. Four queries."""

import datetime
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from care.fund import access as fund_access
from care.programme.models import Visit
from care.registers import access
from care.reports.services.charts import bar_chart, line_chart
from carehub.clock import unit_today

MONTHS = 12
ZERO = Decimal("0.00")


def last_months(today: datetime.date, count: int = MONTHS) -> list[datetime.date]:
    months, month = [], today.replace(day=1)
    for _index in range(count):
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return months[::-1]


def tiles(user) -> dict:
    today = unit_today()
    months = last_months(today)
    labels = [month.strftime("%m") for month in months]
    visits = dict(Visit.objects.filter(member__in=access.visible_members(user), visited_on__gte=months[0],
                                       visited_on__lte=today)
                  .annotate(month=TruncMonth("visited_on")).values_list("month").annotate(Count("pk")))
    entries = fund_access.visible_entries(user)
    running = entries.filter(booked_on__lt=months[0]).aggregate(total=Sum("amount"))["total"] or ZERO
    moved = dict(entries.filter(booked_on__gte=months[0], booked_on__lte=today)
                 .annotate(month=TruncMonth("booked_on")).values_list("month").annotate(Sum("amount")))
    balances = []
    for month in months:
        running += moved.get(month, ZERO)
        balances.append(running)
    return {
        "visits_chart": bar_chart(labels, [visits.get(month, 0) for month in months], width=360, height=170,
                                  title=_("Visits per month")),
        "balance_chart": line_chart(labels, balances, width=360, height=170, title=_("Fund balance, end of month")),
        "visits_total": sum(visits.values()),
        "balance": running,
    }
