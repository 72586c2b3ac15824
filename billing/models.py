"""Plans, subscriptions, usage records, SMS quota counters and invoices. All in the public schema: billing is
the platform's business, and workers reach these tables from inside any unit (the search path ends in public)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CURRENCY = "CNY"


class Feature(models.TextChoices):
    OWN_TWILIO = "own_twilio", _("Own Twilio account")
    REPORT_LOGO = "report_logo", _("Custom report logo")


class Plan(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    monthly_price = models.DecimalField(_("monthly price"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=CURRENCY)
    included_members = models.PositiveIntegerField(_("included members"))
    included_sms_segments = models.PositiveIntegerField(_("included SMS segments"))
    overage_price_per_segment = models.DecimalField(_("price per extra SMS segment"), max_digits=8,
                                                    decimal_places=4, default=Decimal("0"))
    sms_overage_allowed = models.BooleanField(_("SMS continue beyond the included segments"), default=True)
    features = models.JSONField(_("features"), default=list, blank=True)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["monthly_price", "code"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self):
        return self.name

    def has_feature(self, feature: str) -> bool:
        return feature in self.features

    def feature_labels(self) -> list[str]:
        """The plan's features in words (its `features` are keys)."""
        return [str(Feature(feature).label) if feature in Feature.values else feature for feature in self.features]


class SubscriptionStatus(models.TextChoices):
    TRIAL = "trial", _("Trial")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")


class Subscription(models.Model):
    unit = models.OneToOneField(settings.TENANT_MODEL, on_delete=models.PROTECT, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(_("status"), max_length=16, choices=SubscriptionStatus.choices,
                              default=SubscriptionStatus.TRIAL)
    trial_ends_on = models.DateField(_("trial ends"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("subscription")

    def __str__(self):
        return f"{self.unit_id}: {self.plan_id} ({self.status})"

    @property
    def bills(self) -> bool:
        return self.status in {SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE}


class SubscriptionChange(models.Model):
    """Append-only history: every plan or status change of a subscription."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="changes")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=SubscriptionStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.subscription_id} {self.status} {self.at:%Y-%m-%d}"


class Metric(models.TextChoices):
    SMS_SEGMENTS = "sms_segments", _("SMS segments")
    VOICE_MINUTES = "voice_minutes", _("Voice minutes")
    ACTIVE_MEMBERS = "active_members", _("Active members")


class UsageRecord(models.Model):
    """One counted event. `source_key` names the event (a message's id, "2026-05-01" for a daily count), so
    recording it again, e.g. from a resent status callback, changes nothing."""

    unit = models.ForeignKey(settings.TENANT_MODEL, on_delete=models.PROTECT, related_name="usage_records")
    metric = models.CharField(max_length=32, choices=Metric.choices)
    quantity = models.IntegerField()
    source_key = models.CharField(max_length=200)
    day = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "metric", "source_key"], name="usage_once")]
        indexes = [models.Index(fields=["metric", "day", "unit"], name="usage_metric_day")]

    def __str__(self):
        return f"{self.unit_id} {self.metric} {self.quantity} ({self.source_key})"


class SmsQuota(models.Model):
    """Segments reserved by a unit in a month: the counter a conditional UPDATE moves atomically."""

    unit = models.ForeignKey(settings.TENANT_MODEL, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    reserved = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="sms_quota_month")]

    def __str__(self):
        return f"{self.unit_id} {self.month:%Y-%m} {self.reserved}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PAID = "paid", pgettext_lazy("invoice", "Paid")
    VOID = "void", _("Void")


class Invoice(models.Model):
    unit = models.ForeignKey(settings.TENANT_MODEL, on_delete=models.PROTECT, related_name="invoices")
    period = models.DateField(_("month"))  # first day of the billed month
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=InvoiceStatus.choices,
                              default=InvoiceStatus.DRAFT)
    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    currency = models.CharField(max_length=3, default=CURRENCY)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    paid_on = models.DateField(pgettext_lazy("invoice", "paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    void_reason = models.TextField(_("reason for voiding"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    # The PDF as issued, stored once (billing.services.documents), never replaced: a re-download gives the same bytes.
    pdf = models.FileField(_("PDF"), max_length=200, blank=True)

    class Meta:
        ordering = ["-period", "unit_id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        # One live invoice per unit and month; a voided one may be replaced.
        constraints = [models.UniqueConstraint(fields=["unit", "period"], condition=~Q(status="void"),
                                               name="invoice_per_month")]

    def __str__(self):
        return self.number or _("Draft %(unit)s %(month)s") % {"unit": self.unit_id, "month": f"{self.period:%Y-%m}"}


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        PLAN = "plan", _("Plan fee")
        SMS_OVERAGE = "sms_overage", _("SMS beyond the included segments")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.CharField(max_length=200)
    quantity = models.IntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=4)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.description


class InvoiceCounter(models.Model):
    """The last number issued in a year; locked by the issuing transaction, so numbers have no gaps."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"
