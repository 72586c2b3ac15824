from billing.models import Subscription, SubscriptionStatus


def subscription_notice(request):
    """`past_due` for the unit's portal banner (one indexed look-up in public, only on a unit's host)."""
    unit = getattr(request, "tenant", None)
    if unit is None or unit.is_platform or not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"past_due": Subscription.objects.filter(unit_id=unit.pk, status=SubscriptionStatus.PAST_DUE).exists()}
