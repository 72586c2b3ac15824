"""Setting up funds (unit admins): the funds themselves, cost sharing rules between levels, and which staff
accounts are members."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.fund import access, actions
from care.fund.models import CostShareRule, Fund, MemberAccount
from care.fund.money import parse_amount
from care.fund.services.common import text
from care.registers.models import HardshipCategory, Member, Node, NodeKind
from carehub.accounts.models import User
from carehub.audit.services import changing, created, diff, record

FUND_FIELDS = ["node", "name", "currency", "allows_overdraft", "second_approval_above"]


def _clean_fund(data: dict, *, partial: bool) -> dict:
    cleaned = {}
    if "name" in data or not partial:
        cleaned["name"] = text(data, "name", 100, required=_("The fund needs a name."))
    if "currency" in data or not partial:
        currency = (data.get("currency") or "CNY").strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise ValidationError({"currency": _("A currency is a three-letter code such as CNY.")})
        cleaned["currency"] = currency
    if "allows_overdraft" in data:
        cleaned["allows_overdraft"] = bool(data["allows_overdraft"])
    if "second_approval_above" in data:
        threshold = data["second_approval_above"]
        cleaned["second_approval_above"] = (None if threshold in (None, "")
                                            else parse_amount(threshold, "second_approval_above"))
    return cleaned


def create_fund(actor, node: Node, **data) -> Fund:
    access.require_admin(actor)
    cleaned = _clean_fund(data, partial=False)
    with transaction.atomic():
        if Fund.objects.filter(node=node).exists():
            raise ValidationError({"node": _("This organisation already keeps a fund.")})
        fund = Fund.objects.create(node=node, created_by=actor, **cleaned)
        created(actor, actions.FUND_CREATED, fund, FUND_FIELDS, object_type="fund")
    return fund


def update_fund(actor, fund: Fund, **data) -> Fund:
    """Name, overdraft and threshold. The currency stays: the ledger's amounts are in it."""
    access.require_admin(actor)
    data.pop("currency", None)
    cleaned = _clean_fund(data, partial=True)
    with changing(actor, actions.FUND_UPDATED, fund, FUND_FIELDS, object_type="fund") as change:
        for name, value in cleaned.items():
            setattr(change.instance, name, value)
        change.instance.save()
    return change.instance


def clean_legs(legs) -> list[dict]:
    """[{"level": <NodeKind>, "percent": <up to two places>}, ...]: distinct levels, shares adding up to 100."""
    cleaned = []
    for leg in legs or []:
        level = (leg or {}).get("level")
        if level not in NodeKind.values:
            raise ValidationError({"legs": _("Choose a level for every share.")})
        try:
            percent = Decimal(str(leg.get("percent", "")).strip())
        except InvalidOperation:
            raise ValidationError({"legs": _("Every share is a percentage.")}) from None
        if not percent.is_finite() or percent <= 0 or percent != percent.quantize(Decimal("0.01")):
            raise ValidationError({"legs": _("Every share is more than 0% with at most two decimal places.")})
        cleaned.append({"level": level, "percent": str(percent.quantize(Decimal("0.01")))})
    if len(cleaned) < 2:
        raise ValidationError({"legs": _("Sharing needs at least two levels.")})
    if len({leg["level"] for leg in cleaned}) != len(cleaned):
        raise ValidationError({"legs": _("Each level takes one share.")})
    if sum(Decimal(leg["percent"]) for leg in cleaned) != 100:
        raise ValidationError({"legs": _("The shares must add up to 100%.")})
    return cleaned


def save_rule(actor, *, category: str = "", legs) -> CostShareRule:
    """Create or replace the rule of a category ("" for every category without its own)."""
    access.require_admin(actor)
    category = category or ""
    if category and category not in HardshipCategory.values:
        raise ValidationError({"category": _("Choose a category.")})
    legs = clean_legs(legs)
    with transaction.atomic():
        rule = CostShareRule.objects.select_for_update().filter(category=category).first()
        before = {"legs": rule.legs} if rule else {}
        if rule is None:
            rule = CostShareRule(category=category)
        rule.legs, rule.updated_by = legs, actor
        rule.save()
        record(actor, actions.COST_SHARING_UPDATED, rule, diff(before, {"legs": legs}), object_type="costsharerule")
    return rule


def delete_rule(actor, rule: CostShareRule) -> None:
    access.require_admin(actor)
    with transaction.atomic():
        record(actor, actions.COST_SHARING_DELETED, rule, {"legs": [rule.legs, None]}, object_type="costsharerule")
        rule.delete()


def link_member(actor, user: User, member: Member) -> MemberAccount:
    """Record that a staff account is this member (replacing an earlier link of either)."""
    access.require_admin(actor)
    with transaction.atomic():
        MemberAccount.objects.filter(user=user).delete()
        MemberAccount.objects.filter(member=member).delete()
        link = MemberAccount.objects.create(user=user, member=member, linked_by=actor)
        record(actor, actions.STAFF_MEMBER_LINKED, user, {"member": [None, member.pk]}, object_type="staff")
    return link


def unlink_member(actor, link: MemberAccount) -> None:
    access.require_admin(actor)
    with transaction.atomic():
        record(actor, actions.STAFF_MEMBER_UNLINKED, link.user, {"member": [link.member_id, None]}, object_type="staff")
        link.delete()
