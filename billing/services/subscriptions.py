"""Plans and subscriptions. Each change takes the acting operator (None from a command or task), runs in one
transaction and appends to the subscription's history."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing.models import Feature, Plan, Subscription, SubscriptionChange, SubscriptionStatus
from billing.signals import subscription_changed
from carehub.accounts.operators import operator_actor


def save_plan(actor, *, code: str, name: str, monthly_price, included_members: int, included_sms_segments: int,
              overage_price_per_segment=Decimal("0"), sms_overage_allowed: bool = True,
              features: list[str] = (), plan: Plan | None = None) -> Plan:
    """Create a plan, or change `plan`. Prices are Decimals or strings; floats are refused."""
    errors = {}
    prices = {}
    amounts = {"monthly_price": monthly_price, "overage_price_per_segment": overage_price_per_segment}
    for field, value in amounts.items():
        if isinstance(value, float):
            errors[field] = _("Give amounts as text or decimals, not floating-point numbers.")
            continue
        try:
            prices[field] = Decimal(str(value))
        except ArithmeticError:
            errors[field] = _("Enter an amount.")
            continue
        if prices[field] < 0:
            errors[field] = _("An amount cannot be negative.")
    unknown = set(features) - set(Feature.values)
    if unknown:
        errors["features"] = _("Unknown features: %(features)s.") % {"features": ", ".join(sorted(unknown))}
    for field, value in {"included_members": included_members, "included_sms_segments": included_sms_segments}.items():
        if not isinstance(value, int) or value < 0:
            errors[field] = _("Enter a whole number, zero or more.")
    if errors:
        raise ValidationError(errors)
    values = {"code": code, "name": name, "included_members": included_members,
              "included_sms_segments": included_sms_segments, "sms_overage_allowed": sms_overage_allowed,
              "features": sorted(set(features)), **prices}
    with transaction.atomic():
        if plan is None:
            if Plan.objects.filter(code=code).exists():
                raise ValidationError({"code": _("A plan with this code already exists.")})
            return Plan.objects.create(**values)
        for key, value in values.items():
            setattr(plan, key, value)
        plan.save()
        return plan


S = SubscriptionStatus
# Where a subscription may go from each status. A new subscription starts as a trial or active. Cancelled ends
# billing and leaves the unit read-only (its admins can still read and download their data); the operator
# archives or deletes the unit as separate lifecycle steps. A unit that comes back starts again (trial, active).
TRANSITIONS = {
    S.TRIAL: {S.ACTIVE, S.PAST_DUE, S.SUSPENDED, S.CANCELLED},
    S.ACTIVE: {S.PAST_DUE, S.SUSPENDED, S.CANCELLED},
    S.PAST_DUE: {S.ACTIVE, S.SUSPENDED, S.CANCELLED},
    S.SUSPENDED: {S.ACTIVE, S.PAST_DUE, S.CANCELLED},
    S.CANCELLED: {S.TRIAL, S.ACTIVE},
}
STARTS = {S.TRIAL, S.ACTIVE}
# Subscription statuses under which the unit's portal is read-only.
READ_ONLY = {S.SUSPENDED, S.CANCELLED}


def _check_transition(current: str | None, status: str) -> None:
    if status not in SubscriptionStatus.values:
        raise ValidationError({"status": _("Unknown subscription status.")})
    allowed = STARTS if current is None else TRANSITIONS[current] | {current}
    if status not in allowed:
        raise ValidationError({"status": _("A subscription cannot go from %(from)s to %(to)s.") % {
            "from": SubscriptionStatus(current).label if current else _("none"),
            "to": SubscriptionStatus(status).label}})


def subscribe(actor, unit, plan: Plan, *, status: str = SubscriptionStatus.TRIAL, trial_ends_on: date | None = None,
              note: str = "") -> Subscription:
    """Put the unit on `plan` with `status` (creating its subscription if needed), recorded in the history. A
    status that stops the unit (suspended, cancelled) suspends it, and going back to good standing resumes it:
    the unit's lifecycle follows `subscription_changed`, so the unit's history says so too."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(unit=unit).first()
        _check_transition(subscription.status if subscription else None, status)
        if subscription is None:
            subscription = Subscription(unit=unit)
        elif subscription.plan_id == plan.pk and subscription.status == status:
            return subscription
        subscription.plan, subscription.status = plan, status
        if trial_ends_on is not None:
            subscription.trial_ends_on = trial_ends_on
        subscription.save()
        SubscriptionChange.objects.create(subscription=subscription, plan=plan, status=status,
                                          actor=operator_actor(actor), note=note)
        subscription_changed.send(sender=Subscription, actor=actor, unit=unit, status=status,
                                  stops_unit=status in READ_ONLY)
    return subscription


def set_status(actor, unit, status: str, *, note: str = "") -> Subscription:
    subscription = Subscription.objects.select_related("plan").get(unit=unit)
    return subscribe(actor, unit, subscription.plan, status=status, note=note)
