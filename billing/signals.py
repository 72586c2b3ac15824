"""What billing tells the layers above it. Billing knows a unit only as the tenant model; the unit's lifecycle
(tenants) follows its subscription by listening here (tenants.services.lifecycle.follow_subscription)."""

from django.dispatch import Signal

# Sent inside the transaction that changed a subscription: sender=Subscription, with actor, unit, status and
# stops_unit (True when the status makes the unit's portal read-only).
subscription_changed = Signal()
