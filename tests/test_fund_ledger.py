"""The ledger: postings, running balances, overdraft refusal, transfers, reversals, closed periods, append-only
records, and who may post to which fund."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from care.fund.models import ClosedPeriod, EntryKind, LedgerEntry
from care.fund.models.append_only import AppendOnlyError
from care.fund.services import funds, ledger, periods
from care.registers.services import nodes
from carehub.audit.models import AuditEvent

from .fund_data import books_fixture  # noqa: F401 (fixture)


def last_month_day() -> datetime.date:
    return timezone.localdate().replace(day=1) - datetime.timedelta(days=1)


def test_income_and_spending_keep_a_running_balance(books):
    admin, fund = books.admin, books.committee
    ledger.post_entry(admin, fund, kind=EntryKind.MEMBER_DONATION, amount="0.10", counterparty="王建国")
    ledger.post_entry(admin, fund, kind=EntryKind.UNIT_DONATION, amount="0.20", counterparty="大连港集团")
    gift = ledger.post_entry(books.treasurer, fund, kind=EntryKind.VISIT_GIFT, amount="300.30",
                             member=books.member, purpose="春节慰问")
    assert gift.amount == Decimal("-300.30") and gift.balance_after == Decimal("700.00")
    assert ledger.balance(fund) == Decimal("700.00") and ledger.verify(fund)
    assert list(fund.entries.order_by("pk").values_list("balance_after", flat=True)) == [
        Decimal("1000.00"), Decimal("1000.10"), Decimal("1000.30"), Decimal("700.00")]
    assert ledger.balances([books.committee, books.east]) == {books.committee.pk: Decimal("700.00"),
                                                              books.east.pk: Decimal("1000.00")}
    event = AuditEvent.objects.filter(object_type="ledgerentry", object_id=str(gift.pk)).get()
    assert event.action == "fund.entry.posted" and event.actor == books.treasurer
    assert event.changes["amount"] == [None, "-300.30"]


@pytest.mark.parametrize("data,field,message", [
    ({"kind": "assistance"}, "kind", "approved application"),
    ({"kind": "transfer_in"}, "kind", "Choose a kind"),
    ({"amount": "12.345"}, "amount", "two decimal places"),
    ({"amount": "-5"}, "amount", "more than zero"),
    ({"booked_on": "2999-01-01"}, "booked_on", "in the future"),
    ({"booked_on": "2026-02-30"}, "booked_on", "not a real date"),
    ({"purpose": "长" * 201}, "purpose", "At most 200"),
])
def test_bad_postings_name_their_field(books, data, field, message):
    with pytest.raises(ValidationError) as error:
        ledger.post_entry(books.admin, books.committee, **{"kind": "dues", "amount": "10", **data})
    assert message in " ".join(error.value.message_dict[field])
    assert books.committee.entries.count() == 1


def test_spending_below_zero_is_refused_unless_the_fund_allows_an_overdraft(books):
    with pytest.raises(ValidationError) as error:
        ledger.post_entry(books.admin, books.east, kind=EntryKind.DEATH_CARE, amount="1000.01")
    assert "below zero" in error.value.message_dict["amount"][0]
    ledger.post_entry(books.admin, books.east, kind=EntryKind.DEATH_CARE, amount="1000.00")  # exactly to zero
    funds.update_fund(books.admin, books.east, allows_overdraft=True)
    books.east.refresh_from_db()
    entry = ledger.post_entry(books.admin, books.east, kind=EntryKind.DEATH_CARE, amount="50")
    assert entry.balance_after == Decimal("-50.00") == ledger.balance(books.east)


def test_transfers_are_two_linked_entries(books):
    out, into = ledger.transfer(books.treasurer, books.committee, books.east, amount="250.50", purpose="下拨")
    assert (out.fund, out.kind, out.amount) == (books.committee, EntryKind.TRANSFER_OUT, Decimal("-250.50"))
    assert (into.fund, into.kind, into.amount) == (books.east, EntryKind.TRANSFER_IN, Decimal("250.50"))
    assert into.transfer_of == out and out.transfer_pair == into
    assert ledger.balance(books.committee) == Decimal("749.50") and ledger.balance(books.east) == Decimal("1250.50")
    with pytest.raises(ValidationError):  # the source may not go below zero either; nothing half-done
        ledger.transfer(books.treasurer, books.committee, books.east, amount="800")
    assert books.east.entries.count() == 2
    with pytest.raises(ValidationError):
        ledger.transfer(books.treasurer, books.east, books.east, amount="1")


def test_a_reversal_points_at_the_original_and_restores_the_balance(books):
    gift = ledger.post_entry(books.admin, books.east, kind=EntryKind.VISIT_GIFT, amount="120")
    (reversal,) = ledger.reverse(books.treasurer, gift, note="重复记账")
    assert reversal.reverses == gift and gift.reversal == reversal
    assert reversal.kind == gift.kind and reversal.amount == Decimal("120.00")
    assert "重复记账" in reversal.purpose and ledger.balance(books.east) == Decimal("1000.00")
    with pytest.raises(ValidationError, match="already been reversed"):
        ledger.reverse(books.admin, gift, note="again")
    with pytest.raises(ValidationError, match="cannot be reversed"):
        ledger.reverse(books.admin, reversal, note="undo")
    with pytest.raises(ValidationError) as error:
        ledger.reverse(books.admin, books.east.entries.earliest("pk"), note=" ")
    assert "note" in error.value.message_dict


def test_reversing_income_respects_the_overdraft_rule(books):
    dues = books.east.entries.get()
    ledger.post_entry(books.admin, books.east, kind=EntryKind.OTHER_SPENDING, amount="600")
    with pytest.raises(ValidationError, match="below zero"):
        ledger.reverse(books.admin, dues, note="误入")


def test_reversing_a_transfer_reverses_both_halves(books):
    out, into = ledger.transfer(books.admin, books.committee, books.west, amount="100")
    back_out, back_in = ledger.reverse(books.admin, into, note="转错了")
    assert (back_out.reverses, back_in.reverses) == (out, into) and back_in.transfer_of == back_out
    assert ledger.balance(books.committee) == ledger.balance(books.west) == Decimal("1000.00")


def test_records_are_append_only(books):
    entry = books.committee.entries.get()
    entry.purpose = "改写"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get(pk=entry.pk).purpose == "党费划拨"


def test_closed_periods_take_no_entries_but_corrections_dated_in_an_open_one(books):
    day = last_month_day()
    old = ledger.post_entry(books.admin, books.east, kind=EntryKind.OTHER_SPENDING, amount="40", booked_on=day)
    period = periods.close_period(books.east_treasurer, books.east, year=day.year, month=day.month, note="月结")
    assert (period.starts_on, period.ends_on) == (day.replace(day=1), day)
    with pytest.raises(ValidationError) as error:
        ledger.post_entry(books.admin, books.east, kind="dues", amount="5", booked_on=day.replace(day=1))
    assert "closed period" in error.value.message_dict["booked_on"][0]
    with pytest.raises(ValidationError, match="closed period"):
        ledger.reverse(books.admin, old, note="改正", booked_on=day)
    (reversal,) = ledger.reverse(books.admin, old, note="改正")  # dated today, in an open period
    assert reversal.booked_on == timezone.localdate() and reversal.reverses == old
    with pytest.raises(ValidationError, match="already closed"):
        periods.close_period(books.admin, books.east, year=day.year, month=day.month)
    with pytest.raises(ValidationError, match="after it has ended"):
        today = timezone.localdate()
        periods.close_period(books.admin, books.east, year=today.year, month=today.month)
    with pytest.raises(AppendOnlyError):
        period.delete()


def test_a_closed_year_closes_its_months(books):
    year = timezone.localdate().year - 1
    periods.close_period(books.admin, books.west, year=year)
    with pytest.raises(ValidationError, match="closed period"):
        ledger.post_entry(books.admin, books.west, kind="dues", amount="5", booked_on=datetime.date(year, 6, 30))
    with pytest.raises(ValidationError, match="already closed"):
        periods.close_period(books.admin, books.west, year=year, month=3)
    assert ClosedPeriod.objects.filter(fund=books.west).count() == 1
    ledger.post_entry(books.admin, books.east, kind="dues", amount="5", booked_on=datetime.date(year, 6, 30))


def test_only_bookkeepers_of_the_fund_post_to_it(books):
    staff = books.staff
    ledger.post_entry(books.east_treasurer, books.east, kind="dues", amount="1")  # their own fund
    for user, fund in [(books.east_treasurer, books.committee), (books.east_treasurer, books.west),
                       (staff.secretary, books.east), (staff.viewer, books.east), (staff.sibling, books.west)]:
        with pytest.raises(PermissionDenied):
            ledger.post_entry(user, fund, kind="dues", amount="1")
    with pytest.raises(PermissionDenied):
        ledger.transfer(books.east_treasurer, books.east, books.committee, amount="1")
    with pytest.raises(PermissionDenied):
        periods.close_period(books.east_treasurer, books.committee, year=2020)
    with pytest.raises(PermissionDenied):
        ledger.reverse(books.east_treasurer, books.committee.entries.get(), note="x")
    with pytest.raises(PermissionDenied):
        funds.create_fund(books.treasurer, staff.nodes["east1"], name="支部基金")


def test_an_organisation_keeping_a_fund_is_not_deleted(books):
    east1 = books.staff.nodes["east1"]
    books.member.delete()
    funds.create_fund(books.admin, east1, name="东一支部基金")
    with pytest.raises(ValidationError, match="care fund"):
        nodes.delete_node(books.admin, east1)
