"""Plan limits, checked atomically: SMS segments against a per-month counter moved by one conditional UPDATE,
members against the plan's included members.

SMS: the sender reserves a message's segments before sending (`reserve_sms_segments`) and gives them back if
the message was never sent (`release_sms_segments`). Within the included segments a reservation always
succeeds; beyond them it succeeds as overage if the plan allows it, else it is refused. A unit without a
subscription is not limited.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from billing.models import Plan, SmsQuota, Subscription, SubscriptionStatus
from billing.services.usage import unit_id

ENSURE_ROW = "INSERT INTO public.billing_smsquota (unit_id, month, reserved) VALUES (%s, %s, 0) ON CONFLICT DO NOTHING"
# The condition and the increment are one statement: PostgreSQL re-checks the WHERE on the row's newest
# version after waiting for a concurrent update, so two workers cannot both take the last segments.
RESERVE = """UPDATE public.billing_smsquota SET reserved = reserved + %(segments)s
               WHERE unit_id = %(unit)s AND month = %(month)s
                 AND (%(overage_allowed)s OR reserved + %(segments)s <= %(included)s)
           RETURNING reserved"""
# What was used already (a call's minutes beyond the one reserved): counted whatever the allowance says.
CHARGE = """UPDATE public.billing_smsquota SET reserved = reserved + %(segments)s
              WHERE unit_id = %(unit)s AND month = %(month)s"""
RELEASE = """UPDATE public.billing_smsquota SET reserved = GREATEST(reserved - %(segments)s, 0)
               WHERE unit_id = %(unit)s AND month = %(month)s"""
# Subscriptions whose plan limits apply; a cancelled one limits like its plan too (nothing more is included).
LIMITED = [SubscriptionStatus.TRIAL, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE,
           SubscriptionStatus.SUSPENDED, SubscriptionStatus.CANCELLED]


@dataclass(frozen=True)
class SmsDecision:
    allowed: bool
    overage: int  # how many of the reserved segments fall beyond the plan's included ones


def plan_of(unit) -> Plan | None:
    subscription = (Subscription.objects.select_related("plan")
                    .filter(unit_id=unit_id(unit), status__in=LIMITED).first())
    return subscription.plan if subscription else None


def unit_has_feature(unit, feature: str) -> bool:
    """Whether the unit's plan includes `feature` (billing.models.Feature); a unit without a plan is not limited."""
    plan = plan_of(unit)
    return plan is None or plan.has_feature(feature)


def month_start(day: date) -> date:
    return day.replace(day=1)


def reserve_sms_segments(unit, segments: int, *, month: date) -> SmsDecision:
    plan = plan_of(unit)
    if plan is None:
        return SmsDecision(allowed=True, overage=0)
    params = {"unit": unit_id(unit), "month": month_start(month), "segments": segments,
              "overage_allowed": plan.sms_overage_allowed, "included": plan.included_sms_segments}
    with connection.cursor() as cursor:
        cursor.execute(ENSURE_ROW, [params["unit"], params["month"]])
        cursor.execute(RESERVE, params)
        row = cursor.fetchone()
    if row is None:
        return SmsDecision(allowed=False, overage=0)
    after = row[0]
    before = after - segments
    included = plan.included_sms_segments
    return SmsDecision(allowed=True, overage=max(after - included, 0) - max(before - included, 0))


def release_sms_segments(unit, segments: int, *, month: date) -> None:
    """Give back a reservation whose message was never sent (a permanent failure)."""
    with connection.cursor() as cursor:
        cursor.execute(RELEASE, {"unit": unit_id(unit), "month": month_start(month), "segments": segments})


def charge_sms_segments(unit, segments: int, *, month: date) -> None:
    """Count `segments` already used in the month's allowance without asking: a voice call longer than the minute
    reserved before it was placed (its minutes count in the same allowance, VOICE_MINUTE_SEGMENTS each). A unit
    without a plan has no allowance to count in."""
    if segments <= 0 or plan_of(unit) is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(ENSURE_ROW, [unit_id(unit), month_start(month)])
        cursor.execute(CHARGE, {"unit": unit_id(unit), "month": month_start(month), "segments": segments})


def reserved_sms_segments(unit, month: date) -> int:
    row = SmsQuota.objects.filter(unit_id=unit_id(unit), month=month_start(month)).values_list("reserved").first()
    return row[0] if row else 0


# Which members a plan counts is the registers' rule (everyone not deceased or moved out); they declare it at
# start-up (care.registers.apps), since billing sits below them and cannot import their models.
_counted_members: Callable[[], QuerySet] | None = None


def count_members_with(query: Callable[[], QuerySet]) -> None:
    global _counted_members
    _counted_members = query


def counted_members() -> QuerySet:
    """The members a plan counts, in the current unit's schema."""
    if _counted_members is None:
        raise ImproperlyConfigured("No app declared which members a plan counts (billing.services.limits).")
    return _counted_members()


def check_member_limit(unit, adding: int = 1) -> None:
    """Refuse (ValidationError) adding `adding` members when the unit would exceed its plan's included members.
    Call it inside the unit's schema and inside the transaction that adds them: it takes a per-unit lock held
    until that transaction ends, so two concurrent additions cannot both pass the count."""
    plan = plan_of(unit)
    if plan is None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('carehub-members:' || current_schema()))")
    counted = counted_members().count()
    if counted + adding > plan.included_members:
        raise ValidationError(
            _("Your plan (%(plan)s) includes %(limit)d members and the unit has %(count)d, so %(adding)d more "
              "cannot be added. Nothing was changed; ask the platform operator for a larger plan.")
            % {"plan": plan.name, "limit": plan.included_members, "count": counted, "adding": adding})
