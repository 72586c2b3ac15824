"""Funds and what a unit configures around them: closed periods, cost sharing between levels, public disclosure
links, and which staff accounts are themselves members (so nobody decides on their own application)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from care.fund.models.append_only import AppendOnly
from care.fund.money import DEFAULT_CURRENCY
from care.registers.models import HardshipCategory, Member, Node, NodeKind

MONEY = {"max_digits": 14, "decimal_places": 2}


class Fund(models.Model):
    """A care fund (关爱基金) kept by one organisation of the tree: a committee fund, a general-branch fund.

    One fund per organisation, so "the general branch's fund" always means one set of books. Its balance is
    never stored here: it is the sum of its ledger (services.ledger.balance).
    """

    node = models.OneToOneField(Node, on_delete=models.PROTECT, related_name="fund", verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    allows_overdraft = models.BooleanField(_("may go below zero"), default=False,
                                           help_text=_("Otherwise a payment that would overdraw it is refused."))
    second_approval_above = models.DecimalField(
        _("second approver above"), null=True, blank=True, **MONEY,
        help_text=_("Applications approved for more than this need a second approver. Empty: never."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["node__path"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")

    def __str__(self):
        return self.name


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class ClosedPeriod(AppendOnly):
    """A month or a year of a fund's books, closed: no entry may be dated in it any more. Closing is final;
    mistakes found later are corrected by reversing entries dated in an open period."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="closed_periods")
    kind = models.CharField(_("period"), max_length=5, choices=PeriodKind.choices)
    starts_on = models.DateField(pgettext_lazy("range", "from"))
    ends_on = models.DateField(pgettext_lazy("range", "to"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "kind"]
        constraints = [models.UniqueConstraint(fields=["fund", "kind", "starts_on"], name="fund_period_once")]
        indexes = [models.Index(fields=["fund", "starts_on", "ends_on"])]

    def __str__(self):
        return f"{self.fund_id} {self.kind} {self.starts_on}"


class CostShareRule(models.Model):
    """Payments of a category shared between levels of the tree by percentage (the source documents: 30% from
    the member's general branch, 70% from the committee).

    `legs` is [{"level": <NodeKind>, "percent": "30.00"}, ...]: each level's share comes from the fund of the
    member's nearest organisation of that kind. An empty category is the rule for every category without one.
    """

    category = models.CharField(_("category"), max_length=16, choices=HardshipCategory.choices, blank=True,
                                unique=True)
    legs = models.JSONField(_("shares"), default=list)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category"]
        verbose_name = _("cost sharing rule")
        verbose_name_plural = _("cost sharing rules")

    def __str__(self):
        return f"{self.get_category_display() or _('Every category')}: {shares_in_words(self.legs)}"


def shares_in_words(legs: list) -> str:
    """"General branch 30.00% / Committee 70.00%": a rule's shares as people read them (also in the audit trail)."""
    return " / ".join(f"{NodeKind(leg['level']).label} {leg['percent']}%" for leg in legs)


class DisclosureLink(models.Model):
    """An unguessable link to a fund's disclosure for a year (or one month of it), readable without logging in.

    The token is kept as it is, not hashed: the link is meant to be printed on notice boards and shown again,
    and it opens nothing but the already-public disclosure. Revoking it makes the page 404.
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="disclosure_links")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("disclosure link")
        verbose_name_plural = _("disclosure links")

    def __str__(self):
        return f"{self.fund} {self.year}" + (f"-{self.month:02d}" if self.month else "")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class MemberAccount(models.Model):
    """This staff account belongs to this member. Members have no logins, but staff often are members too;
    the link is what stops anyone verifying, approving or paying their own application."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_account")
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="staff_account",
                                  verbose_name=_("member"))
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff member link")

    def __str__(self):
        return f"{self.user_id} = {self.member_id}"
