"""Builders for billing tests: plans and subscriptions."""

from decimal import Decimal

from billing import subscriptions
from billing.models import SubscriptionStatus


def plan(code="basic", *, members=100, sms=1000, overage="0.0500", overage_allowed=True, price="300.00",
         features=()):
    return subscriptions.save_plan(None, code=code, name=code.title(), monthly_price=Decimal(price),
                                   included_members=members, included_sms_segments=sms,
                                   overage_price_per_segment=Decimal(overage), sms_overage_allowed=overage_allowed,
                                   features=list(features))


def subscribed(unit, status=SubscriptionStatus.ACTIVE, **plan_options):
    """The unit on a new plan with `status`, reached the way it would be (a subscription starts active)."""
    chosen = plan(**plan_options)
    start = status if status in subscriptions.STARTS else SubscriptionStatus.ACTIVE
    subscriptions.subscribe(None, unit, chosen, status=start)
    subscriptions.subscribe(None, unit, chosen, status=status)
    return chosen
