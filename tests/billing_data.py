"""Builders for billing tests: plans and subscriptions; committed rows (threads with their own connections)."""

import contextlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from django.db import connection

from billing.models import (
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Plan,
    Subscription,
    SubscriptionChange,
    SubscriptionStatus,
)
from billing.services import subscriptions
from carehub.celery import app

from .workers import private_queues


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


def in_thread(function, *args):
    """Run in a thread of one's own: a connection of its own, committed at once, closed at the end."""
    try:
        return function(*args)
    finally:
        connection.close()


def committed(function, *args):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(in_thread, function, *args).result()


def purge_committed(plan_id: int, invoice_ids=(), counter: tuple[int, int] | None = None) -> None:
    """Remove what a test committed: its invoices, its plan with the subscriptions on it, and the year's invoice
    counter set back to `counter` (year, last number)."""
    InvoiceLine.objects.filter(invoice_id__in=invoice_ids).delete()
    Invoice.objects.filter(pk__in=invoice_ids).delete()
    if counter:
        InvoiceCounter.objects.filter(year=counter[0]).update(last=counter[1])
    SubscriptionChange.objects.filter(subscription__plan_id=plan_id).delete()
    SubscriptionChange.objects.filter(plan_id=plan_id).delete()
    Subscription.objects.filter(plan_id=plan_id).delete()
    Plan.objects.filter(pk=plan_id).delete()


@contextlib.contextmanager
def discarded_tasks():
    """Tasks sent on commit (an issued invoice's PDF) go to a queue of their own that is emptied afterwards, so no
    worker of another database (`make run` shares the broker) ever takes them."""
    queue = f"test-discard-{uuid.uuid4().hex[:8]}"
    restore = private_queues(queue)
    try:
        yield
    finally:
        restore()
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)
