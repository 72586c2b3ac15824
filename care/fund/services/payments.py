"""Paying an approved application: which funds pay how much (cost sharing between levels), and the posting.

Without a cost sharing rule for the category, the deciding fund pays it all. With one, each level's share
comes from the fund of the member's nearest organisation of that kind, and the shares are cut with
money.allocate (largest remainder), so they add up to the payment exactly.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.fund import access
from care.fund.models import (
    ApplicationStatus,
    AssistanceApplication,
    CostShareRule,
    EntryKind,
    Fund,
    LedgerEntry,
    StepAction,
)
from care.fund.money import allocate, format_amount, parse_amount
from care.fund.services.common import text
from care.fund.services.ledger import append
from care.fund.services.locks import lock
from care.fund.services.steps import move
from care.registers.models import Member, NodeKind
from carehub.clock import unit_today
from carehub.dates import parse_day


@dataclass
class Share:
    fund: Fund
    percent: Decimal
    amount: Decimal


def line_funds(member: Member) -> list[Fund]:
    """Funds kept by the member's organisation and the organisations above it, nearest first."""
    ids = [int(part) for part in member.node.path.strip("/").split("/")]
    funds = Fund.objects.filter(node_id__in=ids).select_related("node")
    return sorted(funds, key=lambda fund: fund.node.depth, reverse=True)


def rule_for(category: str) -> CostShareRule | None:
    """The category's own rule, else the rule for every category, else none."""
    rules = {rule.category: rule for rule in CostShareRule.objects.filter(category__in=[category, ""])}
    return rules.get(category) or rules.get("")


def deciding_fund(member: Member, category: str) -> Fund:
    """The fund an application is addressed to: the highest level of a cost sharing rule, else the nearest."""
    funds = line_funds(member)
    if not funds:
        raise ValidationError({"fund": _("No fund is kept by this member's organisation or any above it.")})
    rule = rule_for(category)
    levels = {leg["level"] for leg in rule.legs} if rule else set()
    sharing = [fund for fund in funds if fund.node.kind in levels]
    return sharing[-1] if sharing else funds[0]


def plan(application: AssistanceApplication, amount: Decimal) -> list[Share]:
    """Who pays what of `amount`; ValidationError when a level of the rule has no fund on the member's line."""
    rule = rule_for(application.category)
    if rule is None:
        return [Share(application.fund, Decimal(100), amount)]
    funds = line_funds(application.member)
    legs = []
    for leg in rule.legs:
        fund = next((fund for fund in funds if fund.node.kind == leg["level"]), None)
        if fund is None:
            raise ValidationError(_("The cost sharing rule takes a share from a %(level)s, but no %(level)s on this "
                                    "member's line keeps a fund.") % {"level": NodeKind(leg["level"]).label.lower()})
        legs.append((fund, Decimal(leg["percent"])))
    amounts = allocate(amount, [percent for _fund, percent in legs])
    return [Share(fund, percent, share) for (fund, percent), share in zip(legs, amounts, strict=True) if share]


def pay(actor, application: AssistanceApplication, *, amount=None, booked_on=None, reference: str = "",
        note: str = "") -> list[LedgerEntry]:
    """Pay an approved application (at most the approved amount): one assistance entry per paying fund."""
    access.require_bookkeeper(actor, application.fund)  # and below, every fund that shares the payment
    if access.is_own(actor, application.member):
        raise PermissionDenied(_("Nobody pays an application for themselves or their household."))
    booked_on = parse_day(booked_on, "paid_on", default=unit_today, not_future=True)
    reference = text({"reference": reference}, "reference", 60)
    with transaction.atomic():
        application = (AssistanceApplication.objects.select_for_update(of=("self",))
                       .select_related("member__node", "fund__node").get(pk=application.pk))
        if application.status != ApplicationStatus.APPROVED:
            raise ValidationError(_("Only an approved application can be paid."))
        amount = application.amount_approved if amount in (None, "") else parse_amount(amount)
        if amount > application.amount_approved:
            raise ValidationError({"amount": _("The payment may not exceed the approved %(approved)s.")
                                             % {"approved": format_amount(application.amount_approved)}})
        shares = plan(application, amount)
        access.require_bookkeeper(actor, *(share.fund for share in shares))
        if len({share.fund.currency for share in shares}) > 1:
            raise ValidationError(_("The paying funds keep different currencies."))
        funds = lock(*(share.fund for share in shares))
        purpose = _("Assistance, application #%(id)s") % {"id": application.pk}
        entries = [append(actor, funds[share.fund.pk], kind=EntryKind.ASSISTANCE, amount=-share.amount,
                          booked_on=booked_on, counterparty=application.member.name, purpose=purpose,
                          reference=reference, member=application.member, application=application)
                   for share in shares]
        move(actor, application, StepAction.PAID, ApplicationStatus.PAID, note=(note or "").strip(), amount=amount,
             amount_paid=amount, paid_on=booked_on)
    return entries
