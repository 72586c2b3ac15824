"""Posting to the ledger: income, spending, transfers and reversals. Nothing is ever edited or deleted.

Every posting locks its funds (locks.lock), refuses dates in closed periods and in the future, refuses to take a
fund below zero unless it allows an overdraft, records the fund's balance after it, and is audited.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from care.fund import access
from care.fund.actions import ENTRY_ATTACHMENT_ADDED, ENTRY_POSTED, ENTRY_REVERSED
from care.fund.models import INCOME_KINDS, MANUAL_SPENDING, Attachment, EntryKind, Fund, LedgerEntry
from care.fund.money import format_amount, parse_amount
from care.fund.services.common import text
from care.fund.services.locks import lock
from care.fund.services.periods import require_open
from care.fund.services.steps import payment_reversed
from care.registers import access as register_access
from carehub.audit.services import created, record
from carehub.clock import unit_today
from carehub.dates import parse_day
from carehub.uploads import DOCUMENT, check_upload

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
FIELDS = ["fund", "kind", "booked_on", "amount", "balance_after", "counterparty", "purpose", "reference", "member",
          "application", "reverses", "transfer_of"]


def balance(fund: Fund) -> Decimal:
    """The fund's balance: the sum of its ledger."""
    return fund.entries.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]


def with_balances(funds):
    """A queryset of funds annotated with `balance` (the sum of each one's ledger), in one query."""
    return funds.select_related("node").annotate(
        balance=Coalesce(Sum("entries__amount"), Value(ZERO), output_field=MONEY))


def in_date_order(entries):
    """Entries newest first by date, each annotated with `balance`: the fund's balance at the end of that entry
    in date order, as the printed ledger and the disclosure give it. A posting booked for an earlier day counts
    where its day is, not where it was typed in (`balance_after` keeps the posting order, for the books' lock).
    One correlated sum per shown row, on the fund's (fund, booked_on) index."""
    earlier_day = Q(booked_on__lt=OuterRef("booked_on"))
    same_day_up_to_it = Q(booked_on=OuterRef("booked_on"), pk__lte=OuterRef("pk"))
    up_to = (LedgerEntry.objects.filter(earlier_day | same_day_up_to_it, fund=OuterRef("fund"))
             .order_by().values("fund").annotate(total=Sum("amount")).values("total"))
    return entries.annotate(balance=Subquery(up_to, output_field=MONEY)).order_by("-booked_on", "-pk")


def balances(funds) -> dict[int, Decimal]:
    """{fund id: balance} of several funds in one query."""
    totals = dict(LedgerEntry.objects.filter(fund__in=funds).values_list("fund").annotate(Sum("amount")))
    return {fund.pk: totals.get(fund.pk, ZERO) for fund in funds}


def _latest_balance(fund: Fund) -> Decimal:
    """The running balance of the fund's last posting (one index lookup); current only under the fund's lock."""
    return fund.entries.order_by("-pk").values_list("balance_after", flat=True).first() or ZERO


def verify(fund: Fund) -> bool:
    """The running balance of the latest entry equals the sum of the ledger (a consistency check)."""
    return _latest_balance(fund) == balance(fund)


def append(actor, fund: Fund, *, kind: str, amount: Decimal, booked_on, **fields) -> LedgerEntry:
    """Post one entry to a fund the caller has locked (locks.lock) inside its transaction."""
    require_open(fund, booked_on)
    after = _latest_balance(fund) + amount
    if amount < 0 and after < 0 and not fund.allows_overdraft:
        held = format_amount(after - amount, fund.currency)
        raise ValidationError({"amount": _("This would take “%(fund)s” below zero: its balance is %(balance)s.")
                                         % {"fund": fund.name, "balance": held}})
    entry = LedgerEntry.objects.create(fund=fund, kind=kind, amount=amount, balance_after=after, booked_on=booked_on,
                                       created_by=actor, **fields)
    created(actor, ENTRY_REVERSED if entry.reverses_id else ENTRY_POSTED, entry, FIELDS, object_type="ledgerentry")
    return entry


def _member(actor, member):
    if member is not None and not register_access.visible_members(actor).filter(pk=member.pk).exists():
        raise ValidationError({"member": _("Choose a member within your organisations.")})
    return member


def post_entry(actor, fund: Fund, *, kind: str, amount, booked_on=None, counterparty: str = "", purpose: str = "",
               reference: str = "", member=None, receipt=None) -> LedgerEntry:
    """Income (a positive amount in) or spending other than assistance (a positive amount out), with an optional
    receipt file."""
    access.require_bookkeeper(actor, fund)
    if kind not in (*INCOME_KINDS, *MANUAL_SPENDING):
        message = (_("Assistance is paid from an approved application.") if kind == EntryKind.ASSISTANCE
                   else _("Choose a kind of income or spending."))
        raise ValidationError({"kind": message})
    amount = parse_amount(amount)
    data = {"counterparty": counterparty, "purpose": purpose, "reference": reference}
    fields = {"counterparty": text(data, "counterparty", 100), "purpose": text(data, "purpose", 200),
              "reference": text(data, "reference", 60), "member": _member(actor, member)}
    booked_on = parse_day(booked_on, "booked_on", default=unit_today, not_future=True)
    with transaction.atomic():
        fund = lock(fund)[fund.pk]
        entry = append(actor, fund, kind=kind, amount=amount if kind in INCOME_KINDS else -amount,
                       booked_on=booked_on, **fields)
        if receipt is not None:
            attach(actor, entry, receipt)
    return entry


def transfer(actor, source: Fund, target: Fund, *, amount, booked_on=None, purpose: str = "",
             reference: str = "") -> tuple[LedgerEntry, LedgerEntry]:
    """Move money between two funds: an entry out of one and a linked entry into the other, both or neither."""
    access.require_bookkeeper(actor, source, target)
    if source.pk == target.pk:
        raise ValidationError({"target": _("Choose another fund.")})
    if source.currency != target.currency:
        raise ValidationError({"target": _("The funds keep different currencies.")})
    amount = parse_amount(amount)
    booked_on = parse_day(booked_on, "booked_on", default=unit_today, not_future=True)
    fields = {"purpose": text({"purpose": purpose}, "purpose", 200),
              "reference": text({"reference": reference}, "reference", 60)}
    with transaction.atomic():
        funds = lock(source, target)
        source, target = funds[source.pk], funds[target.pk]
        out = append(actor, source, kind=EntryKind.TRANSFER_OUT, amount=-amount, booked_on=booked_on,
                     counterparty=target.name[:100], **fields)
        into = append(actor, target, kind=EntryKind.TRANSFER_IN, amount=amount, booked_on=booked_on,
                      counterparty=source.name[:100], transfer_of=out, **fields)
    return out, into


def linked(entry: LedgerEntry) -> list[LedgerEntry]:
    """The entries that stand or fall together with `entry`: both halves of a transfer, or every fund's share of
    one payment. A reversal reverses all of them."""
    if entry.transfer_of_id:
        return [entry.transfer_of, entry]
    pair = LedgerEntry.objects.filter(transfer_of=entry).first()
    if pair is not None:
        return [entry, pair]
    if entry.application_id and entry.kind == EntryKind.ASSISTANCE:
        return list(LedgerEntry.objects.filter(application_id=entry.application_id, kind=EntryKind.ASSISTANCE,
                                               reverses__isnull=True).order_by("pk"))
    return [entry]


def reverse(actor, entry: LedgerEntry, *, note: str, booked_on=None) -> list[LedgerEntry]:
    """Correct a posting with entries of the opposite amount that point at it (and at its linked entries).

    The original may lie in a closed period; the reversal is dated in an open one (default: today). Reversing
    a payment puts its application back to "approved", so it can be paid again correctly.
    """
    if entry.reverses_id:
        raise ValidationError(_("A reversal cannot be reversed; post a new entry instead."))
    group = linked(entry)
    access.require_bookkeeper(actor, *(item.fund for item in group))
    note = text({"note": note}, "note", 150, required=_("Say why the entry is reversed."))
    booked_on = parse_day(booked_on, "booked_on", default=unit_today, not_future=True)
    with transaction.atomic():
        funds = lock(*(item.fund for item in group))
        if LedgerEntry.objects.filter(reverses__in=group).exists():
            raise ValidationError(_("This entry has already been reversed."))
        reversals, counterpart = [], None
        for original in group:
            counterpart = append(
                actor, funds[original.fund_id], kind=original.kind, amount=-original.amount, booked_on=booked_on,
                counterparty=original.counterparty, purpose=(_("Reversal of #%(id)s: %(note)s")
                                                             % {"id": original.pk, "note": note})[:200],
                reference=original.reference, member=original.member, application=original.application,
                reverses=original, transfer_of=counterpart if original.transfer_of_id else None)
            reversals.append(counterpart)
        if entry.application_id and entry.kind == EntryKind.ASSISTANCE:
            payment_reversed(actor, entry.application, note)
    return reversals


def attach(actor, entry: LedgerEntry, upload, description: str = "") -> Attachment:
    """A receipt or voucher for an entry. Attachments, like the entries, are never removed."""
    access.require_bookkeeper(actor, entry.fund)
    check_upload(upload, DOCUMENT)
    with transaction.atomic():
        attachment = Attachment.objects.create(entry=entry, file=upload, uploaded_by=actor,
                                               description=(description or "").strip()[:200])
        record(actor, ENTRY_ATTACHMENT_ADDED, entry, {"attachment": [None, attachment.file.name]},
               object_type="ledgerentry")
    return attachment
