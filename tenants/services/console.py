"""Read models of the console: the unit list with plan, members, SMS this month and last activity in a fixed
number of queries however many units there are (figures come from billing's usage records, not from the
units' schemas), and a unit's usage by month. Counts only: no member's personal data reaches the console."""

from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from billing.models import Metric, UsageRecord
from billing.services.invoices import next_month
from carehub.clock import unit_today
from tenants.models import Unit


def unit_rows(*, today=None):
    today = today or unit_today()
    month = today.replace(day=1)
    latest_members = (UsageRecord.objects.filter(unit=OuterRef("pk"), metric=Metric.ACTIVE_MEMBERS)
                      .order_by("-day").values("quantity")[:1])
    sms = (UsageRecord.objects.filter(unit=OuterRef("pk"), metric=Metric.SMS_SEGMENTS, day__gte=month,
                                      day__lt=next_month(month))
           .values("unit").annotate(total=Sum("quantity")).values("total"))
    return (Unit.objects.units().exclude(status="deleted")
            .select_related("subscription__plan").prefetch_related("domains")
            .annotate(members=Subquery(latest_members, output_field=IntegerField()),
                      sms_this_month=Coalesce(Subquery(sms, output_field=IntegerField()), 0))
            .order_by("name"))


def monthly_usage(unit: Unit, months: int = 12) -> list[dict]:
    """Per month: SMS segments sent and the highest daily member count."""
    from django.db.models import Max
    from django.db.models.functions import TruncMonth

    rows = (UsageRecord.objects.filter(unit=unit).annotate(month=TruncMonth("day")).values("month", "metric")
            .annotate(total=Sum("quantity"), peak=Max("quantity")).order_by("-month"))
    by_month: dict = {}
    for row in rows:
        entry = by_month.setdefault(row["month"], {"month": row["month"], "sms": 0, "members": 0})
        if row["metric"] == Metric.SMS_SEGMENTS:
            entry["sms"] = row["total"]
        else:
            entry["members"] = row["peak"]
    return list(by_month.values())[:months]


def platform_usage(months: int = 12) -> list[dict]:
    """Per month over all units: SMS segments and units metered."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    rows = (UsageRecord.objects.annotate(month=TruncMonth("day")).values("month", "metric")
            .annotate(total=Sum("quantity"), units=Count("unit", distinct=True)).order_by("-month"))
    by_month: dict = {}
    for row in rows:
        entry = by_month.setdefault(row["month"], {"month": row["month"], "sms": 0, "units": 0})
        if row["metric"] == Metric.SMS_SEGMENTS:
            entry["sms"] = row["total"]
        else:
            entry["units"] = row["units"]
    return list(by_month.values())[:months]
