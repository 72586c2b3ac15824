"""Monthly invoices per unit: the plan fee plus SMS segments beyond the plan's included ones.

Drafts are made for every billing subscription (beat, on the 1st, for the month before); an operator reviews
and issues them. Issuing takes the next number of the year from a counter row incremented in the issuing
transaction: a rolled-back issue gives its number back, so issued numbers have no gaps. Issued invoices are
never edited: they are paid (date and bank reference) or voided with a reason, keeping their number.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.models import Invoice, InvoiceLine, InvoiceStatus, Metric, Subscription, SubscriptionStatus, UsageRecord
from billing.services.documents import render_invoice_pdf
from billing.services.limits import month_start
from carehub.clock import unit_today

CENT = Decimal("0.01")
NEXT_NUMBER = """INSERT INTO public.billing_invoicecounter (year, last) VALUES (%s, 1)
                 ON CONFLICT (year) DO UPDATE SET last = billing_invoicecounter.last + 1 RETURNING last"""
BILLED = [SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE]


def next_month(day: date) -> date:
    return (month_start(day) + timedelta(days=32)).replace(day=1)


def sms_used(period: date) -> dict[int, int]:
    """Segments per unit recorded in the month."""
    rows = (UsageRecord.objects.filter(metric=Metric.SMS_SEGMENTS, day__gte=period, day__lt=next_month(period))
            .values("unit_id").annotate(total=Sum("quantity")))
    return {row["unit_id"]: row["total"] for row in rows}


def _lines(plan, used: int, period: date) -> list[InvoiceLine]:
    lines = [InvoiceLine(kind=InvoiceLine.Kind.PLAN, quantity=1, unit_price=plan.monthly_price,
                         amount=plan.monthly_price,
                         description=_("%(plan)s plan, %(month)s") % {"plan": plan.name, "month": f"{period:%Y-%m}"})]
    extra = max(used - plan.included_sms_segments, 0)
    if extra:
        lines.append(InvoiceLine(
            kind=InvoiceLine.Kind.SMS_OVERAGE, quantity=extra, unit_price=plan.overage_price_per_segment,
            amount=(plan.overage_price_per_segment * extra).quantize(CENT, ROUND_HALF_UP),
            description=_("SMS segments beyond the %(included)d included (%(used)d sent)")
            % {"included": plan.included_sms_segments, "used": used}))
    return lines


def draft_invoices(period: date, *, units=None) -> list[Invoice]:
    """Draft the month's invoice of every billed subscription (or of `units`) that has none yet. Idempotent."""
    period = month_start(period)
    subscriptions = Subscription.objects.select_related("plan").filter(status__in=BILLED)
    if units is not None:
        subscriptions = subscriptions.filter(unit__in=units)
    existing = set(Invoice.objects.filter(period=period).exclude(status=InvoiceStatus.VOID)
                   .values_list("unit_id", flat=True))
    used = sms_used(period)
    drafted = []
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        invoices, lines = [], []
        for subscription in subscriptions:
            if subscription.unit_id in existing:
                continue
            invoice_lines = _lines(subscription.plan, used.get(subscription.unit_id, 0), period)
            invoice = Invoice(unit_id=subscription.unit_id, period=period, plan=subscription.plan,
                              currency=subscription.plan.currency, total=sum(line.amount for line in invoice_lines))
            invoices.append(invoice)
            lines.append(invoice_lines)
        try:
            with transaction.atomic():
                drafted = Invoice.objects.bulk_create(invoices)
        except IntegrityError:  # another drafting run got there first; draft one by one, skipping theirs
            drafted = [invoice for invoice in invoices if _create_one(invoice)]
            lines = [line for invoice, line in zip(invoices, lines, strict=True) if invoice in drafted]
        for invoice, invoice_lines in zip(drafted, lines, strict=True):
            for line in invoice_lines:
                line.invoice = invoice
        InvoiceLine.objects.bulk_create([line for invoice_lines in lines for line in invoice_lines])
    return drafted


def _create_one(invoice: Invoice) -> bool:
    try:
        with transaction.atomic():
            invoice.save()
        return True
    except IntegrityError:
        return False


def _locked(invoice: Invoice, *allowed: str) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status not in allowed:
        raise ValidationError(_("This invoice is %(status)s; that cannot be done now.")
                              % {"status": invoice.get_status_display()})
    return invoice


def issue(actor, invoice: Invoice) -> Invoice:
    """Number the invoice; its PDF is rendered and stored by a task once the number is committed."""
    with transaction.atomic():
        invoice = _locked(invoice, InvoiceStatus.DRAFT)
        now = timezone.now()
        year = timezone.localtime(now).year
        with connection.cursor() as cursor:
            cursor.execute(NEXT_NUMBER, [year])
            number = cursor.fetchone()[0]
        invoice.number = f"{year}-{number:05d}"
        invoice.status, invoice.issued_at, invoice.actor = InvoiceStatus.ISSUED, now, actor
        invoice.due_on = unit_today(now) + timedelta(days=settings.CAREHUB_INVOICE_DUE_DAYS)
        invoice.save(update_fields=["number", "status", "issued_at", "actor", "due_on"])
        render_invoice_pdf.delay_on_commit(invoice.pk)
    return invoice


def mark_paid(actor, invoice: Invoice, *, paid_on: date, reference: str) -> Invoice:
    if not (reference or "").strip():
        raise ValidationError({"payment_reference": _("Give the bank transfer's reference.")})
    if paid_on is None or paid_on > unit_today():
        raise ValidationError({"paid_on": _("Give the date the payment arrived (not in the future).")})
    with transaction.atomic():
        invoice = _locked(invoice, InvoiceStatus.ISSUED)
        invoice.status, invoice.paid_on, invoice.payment_reference = InvoiceStatus.PAID, paid_on, reference.strip()
        invoice.actor = actor
        invoice.save(update_fields=["status", "paid_on", "payment_reference", "actor"])
    return invoice


def void(actor, invoice: Invoice, *, reason: str) -> Invoice:
    if not (reason or "").strip():
        raise ValidationError({"void_reason": _("Say why the invoice is void.")})
    with transaction.atomic():
        invoice = _locked(invoice, InvoiceStatus.DRAFT, InvoiceStatus.ISSUED)
        invoice.status, invoice.void_reason, invoice.actor = InvoiceStatus.VOID, reason.strip(), actor
        invoice.save(update_fields=["status", "void_reason", "actor"])
    return invoice
