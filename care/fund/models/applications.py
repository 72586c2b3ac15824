"""Assistance applications (帮扶申请) and the record of every step they take."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from care.fund.models.append_only import AppendOnly
from care.fund.models.funds import MONEY, Fund
from care.registers.models import SENSITIVE_CATEGORIES, HardshipCategory, Member


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified by the branch")
    SECOND_APPROVAL = "second_approval", _("Awaiting a second approver")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


# Waiting for someone: shown as "pending" on the dashboard.
PENDING = (ApplicationStatus.SUBMITTED, ApplicationStatus.VERIFIED, ApplicationStatus.SECOND_APPROVAL,
           ApplicationStatus.APPROVED)


class AssistanceApplication(models.Model):
    """A request for assistance for one member, decided by the organisation that keeps `fund`.

    `fund` is the deciding fund: the one the application is addressed to, whose organisation's staff approve
    it. When a cost sharing rule applies, the payment is split between that fund and others of the member's
    line (services.payments).
    """

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="fund_applications",
                               verbose_name=_("member"))
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="applications", verbose_name=_("fund"))
    category = models.CharField(_("category"), max_length=16, choices=HardshipCategory.choices)
    reason = models.TextField(_("reason"))
    amount_requested = models.DecimalField(_("amount asked"), **MONEY)
    amount_approved = models.DecimalField(_("amount approved"), null=True, blank=True, **MONEY)
    amount_paid = models.DecimalField(_("amount paid"), null=True, blank=True, **MONEY)
    status = models.CharField(_("status"), max_length=16, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("assistance application")
        verbose_name_plural = _("assistance applications")
        indexes = [models.Index(fields=["status"]), models.Index(fields=["fund", "status"])]

    def __str__(self):
        return f"#{self.pk} {self.member}"

    @property
    def is_sensitive(self) -> bool:
        return self.category in SENSITIVE_CATEGORIES


class StepAction(models.TextChoices):
    CREATED = "created", _("Drafted")
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Facts verified")
    APPROVED = "approved", _("Approved")
    SECOND_APPROVED = "second_approved", _("Approved by a second approver")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")
    PAYMENT_REVERSED = "payment_reversed", _("Payment reversed")


class Step(AppendOnly):
    """One transition of an application: who, when, from what to what, with a note (and an amount when one
    was approved or paid). Never changed; the application's history is the list of its steps."""

    application = models.ForeignKey(AssistanceApplication, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(_("action"), max_length=20, choices=StepAction.choices)
    from_status = models.CharField(max_length=16, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ApplicationStatus.choices)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.application_id} {self.action}"
