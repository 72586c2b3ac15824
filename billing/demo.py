"""Demo billing for `carehub demo`: three plans with realistic CNY prices, each demo unit's subscription, daily
usage (SMS segments and member counts) for the last two months and this one so far, and invoices: two months
ago issued (paid, except at the hospital, whose subscription is therefore past due), last month drafted for the
operator to review and issue.

Everything goes through the billing services. Idempotent: plans and subscriptions that exist are left alone,
usage records are unique per day, and a month that has an invoice gets no other.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from billing.models import Invoice, Metric, Plan, Subscription, SubscriptionStatus, UsageRecord
from billing.services import invoices, subscriptions
from billing.services.limits import counted_members, month_start
from carehub.clock import unit_today

S = SubscriptionStatus
PLANS = [
    # Small committees and enterprises: SMS stop at the included segments.
    dict(code="basic", name="基础版", monthly_price=Decimal("980.00"), included_members=300,
         included_sms_segments=2000, overage_price_per_segment=Decimal("0.0500"), sms_overage_allowed=False,
         features=[]),
    dict(code="standard", name="标准版", monthly_price=Decimal("2980.00"), included_members=3000,
         included_sms_segments=10000, overage_price_per_segment=Decimal("0.0450"), features=["report_logo"]),
    dict(code="professional", name="专业版", monthly_price=Decimal("8800.00"), included_members=50000,
         included_sms_segments=60000, overage_price_per_segment=Decimal("0.0400"),
         features=["own_twilio", "report_logo"]),
]


@dataclass(frozen=True)
class DemoBilling:
    plan: str
    status: str
    sms_per_month: int  # segments sent in a full month
    pays: bool = True  # whether the invoice of two months ago was paid


UNITS = {
    "ganjingzi": DemoBilling("professional", S.ACTIVE, 41380),
    "dlsz": DemoBilling("basic", S.ACTIVE, 1460),
    "dlyy": DemoBilling("standard", S.PAST_DUE, 11240, pays=False),  # 1,240 segments of overage each month
    "xinxing": DemoBilling("basic", S.TRIAL, 380),
}
TRIAL_DAYS = 30


def ensure_plans() -> dict[str, Plan]:
    present = {plan.code: plan for plan in Plan.objects.filter(code__in=[spec["code"] for spec in PLANS])}
    for spec in PLANS:
        if spec["code"] not in present:
            present[spec["code"]] = subscriptions.save_plan(None, **spec)
    return present


def _previous_month(month: datetime.date) -> datetime.date:
    return month_start(month - datetime.timedelta(days=1))


def _usage(unit, spec: DemoBilling, members: int, first: datetime.date, today: datetime.date):
    """A day's records from `first` to yesterday: SMS spread evenly over each month, the member count."""
    day = first
    while day < today:
        month = month_start(day)
        days = (invoices.next_month(month) - month).days
        share, rest = divmod(spec.sms_per_month, days)
        key = day.isoformat()
        yield UsageRecord(unit=unit, metric=Metric.SMS_SEGMENTS, quantity=share + (day.day <= rest), day=day,
                          source_key=f"demo:{key}")
        yield UsageRecord(unit=unit, metric=Metric.ACTIVE_MEMBERS, quantity=members, day=day, source_key=f"day:{key}")
        day += datetime.timedelta(days=1)


def ensure_billing(unit, plans: dict[str, Plan], today: datetime.date) -> None:
    """Run inside the unit's schema (members are counted there); billing's tables are in public."""
    spec = UNITS.get(unit.slug)
    if spec is None or Subscription.objects.filter(unit=unit).exists():
        return
    last_month = _previous_month(month_start(today))
    before = _previous_month(last_month)
    UsageRecord.objects.bulk_create(list(_usage(unit, spec, counted_members().count(), before, today)),
                                    ignore_conflicts=True)
    plan = plans[spec.plan]
    if spec.status == S.TRIAL:
        subscriptions.subscribe(None, unit, plan, status=S.TRIAL, note="demo",
                                trial_ends_on=today + datetime.timedelta(days=TRIAL_DAYS))
        return
    subscriptions.subscribe(None, unit, plan, status=S.ACTIVE, note="demo")
    for invoice in invoices.draft_invoices(before, units=[unit]):
        issued = invoices.issue(None, invoice)
        if spec.pays:
            invoices.mark_paid(None, issued, paid_on=unit_today(), reference=f"工行转账 {issued.number}")
    invoices.draft_invoices(last_month, units=[unit])
    if spec.status != S.ACTIVE:
        subscriptions.set_status(None, unit, spec.status, note="demo: the last invoice is unpaid")


def plan_lines() -> list[str]:
    """The plans, one line each, for the demo's summary."""
    return [f"{plan.name} ({plan.code}): ¥{plan.monthly_price:,} a month, {plan.included_members:,} members, "
            f"{plan.included_sms_segments:,} SMS segments, "
            + (f"then ¥{plan.overage_price_per_segment.normalize()} a segment" if plan.sms_overage_allowed
               else "then SMS stop")
            for plan in Plan.objects.filter(code__in=[spec["code"] for spec in PLANS])]


def describe(unit, today: datetime.date) -> str:
    """One line for the demo's summary."""
    subscription = Subscription.objects.select_related("plan").filter(unit=unit).first()
    if subscription is None:
        return "billing: no subscription"
    sms = (UsageRecord.objects.filter(unit=unit, metric=Metric.SMS_SEGMENTS, day__gte=month_start(today))
           .aggregate(total=Sum("quantity"))["total"] or 0)
    bills = ", ".join(f"{invoice.period:%Y-%m} {invoice.status} ¥{invoice.total:,}"
                      for invoice in Invoice.objects.filter(unit=unit).order_by("period"))
    return (f"billing: {subscription.plan.name} ({subscription.status.replace('_', ' ')}); "
            f"SMS segments this month: {sms:,}; invoices: {bills or 'none'}")
