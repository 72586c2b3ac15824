"""Monthly delivery statistics of the messages one may see (notifications.access.visible_messages)."""

from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from carehub.clock import unit_zone
from notifications.models import Status

# Messages that left us: the provider took them (what it bills), whatever their fate since.
HANDED_OVER = (Status.SENT, Status.DELIVERED, Status.UNDELIVERED, Status.UNKNOWN, Status.HEARD, Status.UNREACHED)


def monthly_stats(messages) -> list[dict]:
    """Per month (unit time, latest first): messages handed to the provider, delivered, undelivered, failed,
    not sent (refused or cancelled) and the segments billed."""
    month = TruncMonth(Coalesce("sent_at", "created_at"), output_field=DateField(), tzinfo=unit_zone())
    return list(messages.order_by().annotate(month=month).values("month").annotate(
        sent=Count("pk", filter=Q(status__in=HANDED_OVER)),
        delivered=Count("pk", filter=Q(status__in=(Status.DELIVERED, Status.HEARD))),  # a call heard: delivered
        undelivered=Count("pk", filter=Q(status__in=(Status.UNDELIVERED, Status.UNREACHED))),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
        waiting=Count("pk", filter=Q(status__in=(Status.PENDING, Status.SENDING))),
        segments=Coalesce(Sum("segments", filter=Q(status__in=HANDED_OVER)), 0),
    ).order_by("-month"))
