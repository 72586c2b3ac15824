"""The fund's tiles on the unit's dashboard (care.reports.portal.home.dashboard), counted within the user's scope."""

from decimal import Decimal

from django.db.models import Sum

from care.fund import access
from care.fund.models import SPENDING_KINDS
from care.fund.models.applications import PENDING
from care.fund.services import ledger
from carehub.clock import unit_today

SHOWN_FUNDS = 4


def tiles(user) -> dict:
    funds = list(ledger.with_balances(access.visible_funds(user)))
    applications = access.visible_applications(user)
    year = unit_today().year
    spent = (access.visible_entries(user).filter(kind__in=SPENDING_KINDS, booked_on__year=year)
             .aggregate(total=Sum("amount"))["total"]) or Decimal("0.00")
    return {
        "funds": funds[:SHOWN_FUNDS],
        "more_funds": max(0, len(funds) - SHOWN_FUNDS),
        "total": sum((fund.balance for fund in funds), Decimal("0.00")),
        "waiting_for_me": access.awaiting(user, applications).count(),
        "pending": applications.filter(status__in=PENDING).count(),
        "spent_this_year": -spent,
        "year": year,
    }
