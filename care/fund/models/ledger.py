"""The ledger: append-only entries, each moving money into (+) or out of (-) one fund."""

from django.conf import settings
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from care.fund.models.append_only import AppendOnly
from care.fund.models.funds import MONEY, Fund
from care.registers.models import Member


class EntryKind(models.TextChoices):
    ALLOCATION = "allocation", _("Administrative allocation")
    DUES = "dues", _("Party dues")
    MEMBER_DONATION = "member_donation", _("Donation from a member")
    UNIT_DONATION = "unit_donation", _("Donation from a unit")
    SUPPORT = "support", _("Support from the level above")
    OTHER_INCOME = "other_income", _("Other income")
    ASSISTANCE = "assistance", _("Assistance payment")
    VISIT_GIFT = "visit_gift", _("Visit gift")
    DEATH_CARE = "death_care", _("Death care")
    OTHER_SPENDING = "other_spending", _("Other spending")
    TRANSFER_IN = "transfer_in", _("Transfer from another fund")
    TRANSFER_OUT = "transfer_out", _("Transfer to another fund")


INCOME_KINDS = (EntryKind.ALLOCATION, EntryKind.DUES, EntryKind.MEMBER_DONATION, EntryKind.UNIT_DONATION,
                EntryKind.SUPPORT, EntryKind.OTHER_INCOME)
SPENDING_KINDS = (EntryKind.ASSISTANCE, EntryKind.VISIT_GIFT, EntryKind.DEATH_CARE, EntryKind.OTHER_SPENDING)
# Assistance is paid only through an approved application (services.payments), never posted by hand.
MANUAL_SPENDING = (EntryKind.VISIT_GIFT, EntryKind.DEATH_CARE, EntryKind.OTHER_SPENDING)


class LedgerEntry(AppendOnly):
    """One posting. `amount` is signed: income and transfers in are positive, spending and transfers out
    negative. A reversal has the original's kind and the opposite amount, and points at it (`reverses`).

    `balance_after` is the fund's balance right after this posting. Postings to a fund are serialised by a row
    lock on the fund (services.ledger), so it is exact; it is what the ledger shows as the running balance, and
    the latest one always equals the sum of the fund's amounts (checked by services.ledger.verify).
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries", verbose_name=_("fund"))
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    booked_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    balance_after = models.DecimalField(_("balance after"), **MONEY)
    counterparty = models.CharField(_("counterparty"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=60, blank=True,
                                 help_text=_("Receipt or voucher number."))
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="fund_entries",
                               verbose_name=_("member"))
    application = models.ForeignKey("fund.AssistanceApplication", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="entries")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversal")
    # On the incoming half of a transfer: the outgoing half it belongs with.
    transfer_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="transfer_pair")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["fund", "-id"], name="fund_entry_latest"),
            models.Index(fields=["fund", "booked_on"], name="fund_entry_date"),
            models.Index(fields=["booked_on"], name="fund_entry_booked"),
        ]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="fund_entry_not_zero")]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} {self.amount}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


def attachment_path(instance, filename):
    owner = f"entries/{instance.entry_id}" if instance.entry_id else f"applications/{instance.application_id}"
    return f"{connection.schema_name}/fund/{owner}/{filename}"


class Attachment(AppendOnly):
    """A receipt, voucher or piece of evidence, of a ledger entry or of an application. Served only through
    access-checked views, never as public media; never removed (the ledger it documents is not either)."""

    entry = models.ForeignKey(LedgerEntry, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="attachments")
    application = models.ForeignKey("fund.AssistanceApplication", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [models.CheckConstraint(
            condition=models.Q(entry__isnull=True, application__isnull=False)
            | models.Q(entry__isnull=False, application__isnull=True), name="fund_attachment_one_owner")]

    def __str__(self):
        return self.description or self.file.name.rsplit("/", 1)[-1]
