"""Delivery health of one unit, for the platform console (call it inside the unit's schema)."""

from notifications.models import Message, Status

FAILED = [Status.FAILED, Status.UNDELIVERED]


def failed_message_count(since) -> int:
    """Messages that failed or were not delivered since `since` (by when their status last changed)."""
    return Message.objects.filter(status__in=FAILED, status_changed_at__gte=since).count()
