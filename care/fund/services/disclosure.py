"""Public disclosure (党务公开) of a fund for a year or a month: opening balance, income by source, spending by
kind, every payment to a member with a masked name, and the closing balance.

What it shows is built here, field by field, from amounts, dates and category labels only: never a member's full
name, phone, address, the reason of an application, a counterparty or a purpose typed by staff (any of which
may name an illness). Sensitive categories read "hardship assistance".
"""

import datetime
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.fund import access
from care.fund.actions import DISCLOSURE_LINK_CREATED, DISCLOSURE_LINK_REVOKED
from care.fund.models import INCOME_KINDS, SPENDING_KINDS, DisclosureLink, EntryKind, Fund
from care.fund.services.periods import bounds
from care.registers.models import SENSITIVE_CATEGORIES, HardshipCategory
from carehub.audit.services import record
from carehub.clock import unit_today

ZERO = Decimal("0.00")
HARDSHIP_ASSISTANCE = gettext_lazy("Hardship assistance")


def mask_name(name: str) -> str:
    """张三明 -> 张*明, 李四 -> 李*, 欧阳小明 -> 欧**明: the first and (from three characters) the last stay."""
    name = "".join((name or "").split())
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def general_category(category: str) -> str:
    if not category or category in SENSITIVE_CATEGORIES:
        return str(HARDSHIP_ASSISTANCE)
    return str(HardshipCategory(category).label)


@dataclass
class Line:
    label: str
    amount: Decimal


@dataclass
class Payment:
    day: datetime.date
    name: str  # masked
    category: str
    amount: Decimal
    correction: bool = False


@dataclass
class Disclosure:
    fund: Fund
    starts_on: datetime.date
    ends_on: datetime.date
    opening: Decimal
    income: list[Line]
    spending: list[Line]
    payments: list[Payment] = field(default_factory=list)

    @property
    def total_income(self) -> Decimal:
        return sum((line.amount for line in self.income), ZERO)

    @property
    def total_spending(self) -> Decimal:
        return sum((line.amount for line in self.spending), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.total_income - self.total_spending


def build(fund: Fund, year: int, month: int | None = None) -> Disclosure:
    """The disclosure of `fund` for the year (or month), up to today if it has not ended. Three queries."""
    return build_between(fund, *bounds(year, month))


def build_between(fund: Fund, starts_on: datetime.date, ends_on: datetime.date, *,
                  as_of: datetime.datetime | None = None) -> Disclosure:
    """The disclosure of any span of days (reports use quarters and custom dates). With `as_of`, only entries
    posted by then count, so a report shows the books as they stood when it was asked for."""
    entries = fund.entries.all() if as_of is None else fund.entries.filter(created_at__lte=as_of)
    opening = entries.filter(booked_on__lt=starts_on).aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    period = entries.filter(booked_on__gte=starts_on, booked_on__lte=ends_on)
    by_kind = dict(period.values_list("kind").annotate(Sum("amount")))
    labels = dict(EntryKind.choices)
    income = [Line(str(labels[kind]), by_kind[kind]) for kind in (*INCOME_KINDS, EntryKind.TRANSFER_IN)
              if by_kind.get(kind)]
    spending = [Line(str(labels[kind]), -by_kind[kind]) for kind in (*SPENDING_KINDS, EntryKind.TRANSFER_OUT)
                if by_kind.get(kind)]
    payments = []
    to_members = (period.filter(member__isnull=False, kind__in=SPENDING_KINDS)
                  .select_related("member", "application").order_by("booked_on", "pk"))
    for entry in to_members:
        category = (general_category(entry.application.category) if entry.application_id
                    else str(labels[entry.kind]))
        payments.append(Payment(entry.booked_on, mask_name(entry.member.name), category, -entry.amount,
                                correction=entry.reverses_id is not None))
    return Disclosure(fund, starts_on, ends_on, opening, income, spending, payments)


def create_link(actor, fund: Fund, *, year, month=None) -> DisclosureLink:
    """A link to the disclosure that works without logging in, until revoked."""
    access.require_bookkeeper(actor, fund)
    try:
        year, month = int(year), (int(month) if month not in (None, "") else None)
        starts_on, _ends_on = bounds(year, month)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("Choose a real year and month.")}) from None
    if starts_on > unit_today():
        raise ValidationError({"year": _("This period has not begun.")})
    with transaction.atomic():
        link = DisclosureLink.objects.create(fund=fund, year=year, month=month, token=secrets.token_urlsafe(32),
                                             created_by=actor)
        record(actor, DISCLOSURE_LINK_CREATED, fund, {"link": [None, str(link)]}, object_type="fund")
    return link


def revoke_link(actor, link: DisclosureLink) -> DisclosureLink:
    access.require_bookkeeper(actor, link.fund)
    with transaction.atomic():
        link = DisclosureLink.objects.select_for_update().get(pk=link.pk)
        if link.revoked_at is None:
            link.revoked_at, link.revoked_by = timezone.now(), actor
            link.save(update_fields=["revoked_at", "revoked_by"])
            record(actor, DISCLOSURE_LINK_REVOKED, link.fund, {"link": [str(link), None]}, object_type="fund")
    return link


def active_link(token: str) -> DisclosureLink | None:
    if not token or len(token) > 64:
        return None
    return DisclosureLink.objects.select_related("fund__node").filter(token=token, revoked_at__isnull=True).first()

