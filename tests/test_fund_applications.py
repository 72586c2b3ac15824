"""Assistance applications: the workflow with its recorded steps, segregation of duties, second approvers,
paid never above approved, and payments shared between levels with exact cents."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from care.fund.models import ApplicationStatus, EntryKind, LedgerEntry, StepAction
from care.fund.services import applications, funds, ledger, payments
from carehub.accounts.models import Role
from carehub.audit.models import AuditEvent

from .fund_data import advance, books_fixture, staff_account  # noqa: F401 (fixture)

S = ApplicationStatus


def test_the_whole_workflow_records_every_step(books):
    application = advance(books, S.PAID, amount="800.00", approved="600.00")
    steps = list(application.steps.all())
    assert [step.action for step in steps] == [StepAction.CREATED, StepAction.SUBMITTED, StepAction.VERIFIED,
                                               StepAction.APPROVED, StepAction.PAID]
    assert [step.actor for step in steps] == [books.staff.secretary] * 3 + [books.admin, books.treasurer]
    assert [step.to_status for step in steps] == [S.DRAFT, S.SUBMITTED, S.VERIFIED, S.APPROVED, S.PAID]
    assert steps[2].note == "已核实" and steps[3].amount == Decimal("600.00") and all(step.at for step in steps)
    assert application.amount_paid == Decimal("600.00") and application.fund == books.east
    (entry,) = application.entries.all()
    assert (entry.fund, entry.kind, entry.amount, entry.member) == (books.east, EntryKind.ASSISTANCE,
                                                                     Decimal("-600.00"), books.member)
    assert ledger.balance(books.east) == Decimal("400.00")
    audited = AuditEvent.objects.filter(object_type="application", object_id=str(application.pk))
    assert list(audited.order_by("pk").values_list("action", flat=True)) == [
        "fund.application.created", "fund.application.submitted", "fund.application.verified",
        "fund.application.approved", "fund.application.paid"]


def test_nobody_approves_what_they_drafted_or_submitted(books):
    application = advance(books, S.VERIFIED)
    with pytest.raises(PermissionDenied, match="drafted or submitted"):
        applications.approve(books.staff.secretary, application, amount="500")
    # The secretary of the committee's level who did not submit may.
    chief = staff_account(books.staff, "chief", Role.SECRETARY, books.staff.nodes["root"])
    applications.approve(chief, application, amount="500")


def test_nobody_decides_or_pays_for_themselves_or_their_household(books):
    application = advance(books, S.VERIFIED)
    funds.link_member(books.admin, books.admin, books.member)
    assert "approve" not in applications.allowed_actions(books.admin, application)
    with pytest.raises(PermissionDenied, match="for themselves"):
        applications.approve(books.admin, application, amount="500")
    # A treasurer whose phone is the member's (a family phone) may not pay it.
    relative = staff_account(books.staff, "relative", Role.TREASURER, phone=books.member.phone)
    chief = staff_account(books.staff, "chief", Role.SECRETARY, books.staff.nodes["root"])
    applications.approve(chief, application, amount="500")
    with pytest.raises(PermissionDenied, match="for themselves"):
        payments.pay(relative, application)
    payments.pay(books.treasurer, application)


def test_staff_may_apply_for_their_own_member_record(books):
    clerk = staff_account(books.staff, "clerk", Role.VIEWER, books.staff.nodes["west"])
    with pytest.raises(PermissionDenied):
        applications.create_application(clerk, books.member, category="disaster", reason="火灾", amount_requested="1")
    funds.link_member(books.admin, clerk, books.member)
    application = applications.create_application(clerk, books.member, category="disaster", reason="火灾",
                                                  amount_requested="3000", submit=True)
    assert application.status == S.SUBMITTED and application.submitted_by == clerk
    with pytest.raises(PermissionDenied):
        applications.verify(clerk, application)


def test_the_branch_verifies_and_the_funds_organisation_decides(books):
    staff = books.staff
    application = advance(books, S.SUBMITTED)
    for outsider in (staff.sibling, staff.viewer, books.treasurer):
        with pytest.raises(PermissionDenied):
            applications.verify(outsider, application)
    with pytest.raises(ValidationError, match="not possible now"):
        applications.approve(books.admin, application, amount="1")
    applications.verify(staff.secretary, application)
    for outsider in (staff.sibling, books.treasurer, books.east_treasurer):
        with pytest.raises(PermissionDenied):
            applications.approve(outsider, application, amount="1")
    with pytest.raises(ValidationError, match="Only an approved application"):
        payments.pay(books.treasurer, application)


def test_rejection_needs_a_reason_and_ends_the_application(books):
    application = advance(books, S.VERIFIED)
    with pytest.raises(ValidationError):
        applications.reject(books.admin, application, reason="  ")
    applications.reject(books.admin, application, reason="收入不符合条件")
    application.refresh_from_db()
    assert application.status == S.REJECTED and application.rejection_reason == "收入不符合条件"
    assert application.steps.last().note == "收入不符合条件"
    with pytest.raises(ValidationError):
        applications.approve(books.admin, application, amount="1")
    early = advance(books, S.SUBMITTED)
    applications.reject(books.staff.secretary, early, reason="材料不全")  # the branch, at verification


def test_amounts_above_the_threshold_need_a_second_different_approver(books):
    funds.update_fund(books.admin, books.east, second_approval_above="500.00")
    chief = staff_account(books.staff, "chief", Role.SECRETARY, books.staff.nodes["root"])
    small = advance(books, S.APPROVED, amount="500.00")  # not above: one approver is enough
    assert small.status == S.APPROVED
    big = advance(books, S.VERIFIED, amount="500.01")
    applications.approve(books.admin, big, amount="500.01")
    big.refresh_from_db()
    assert big.status == S.SECOND_APPROVAL and big.approved_by == books.admin
    with pytest.raises(ValidationError, match="Only an approved application"):
        payments.pay(books.treasurer, big)
    assert "approve" not in applications.allowed_actions(books.admin, big)
    with pytest.raises(ValidationError, match="someone else"):
        applications.approve(books.admin, big)
    with pytest.raises(ValidationError, match="confirms the amount"):
        applications.approve(chief, big, amount="400")
    applications.approve(chief, big)
    big.refresh_from_db()
    assert big.status == S.APPROVED and big.steps.last().action == StepAction.SECOND_APPROVED


def test_paid_never_exceeds_approved(books):
    application = advance(books, S.APPROVED, amount="500.00", approved="300.00")
    with pytest.raises(ValidationError) as error:
        payments.pay(books.treasurer, application, amount="300.01")
    assert "may not exceed" in error.value.message_dict["amount"][0]
    payments.pay(books.treasurer, application, amount="299.99")
    application.refresh_from_db()
    assert application.amount_paid == Decimal("299.99") and application.status == S.PAID
    with pytest.raises(ValidationError):
        payments.pay(books.treasurer, application)  # paid once only


def test_a_payment_that_would_overdraw_the_fund_is_refused(books):
    application = advance(books, S.APPROVED, amount="1000.01")
    with pytest.raises(ValidationError, match="below zero"):
        payments.pay(books.treasurer, application)
    application.refresh_from_db()
    assert application.status == S.APPROVED and not LedgerEntry.objects.filter(application=application).exists()


def test_secretaries_and_other_branches_treasurers_cannot_pay(books):
    application = advance(books, S.APPROVED)
    for user in (books.staff.secretary, books.staff.viewer):
        with pytest.raises(PermissionDenied):
            payments.pay(user, application)
    west_treasurer = staff_account(books.staff, "west-treasurer", Role.TREASURER, books.staff.nodes["west"])
    with pytest.raises(PermissionDenied):
        payments.pay(west_treasurer, application)
    payments.pay(books.east_treasurer, application)  # the east fund is theirs


def test_cost_sharing_splits_30_70_with_exact_cents(books):
    funds.save_rule(books.admin, category="", legs=[{"level": "general_branch", "percent": "30"},
                                                    {"level": "committee", "percent": "70"}])
    application = advance(books, S.APPROVED, amount="1000.01")
    assert application.fund == books.committee  # the highest level of the rule decides
    east_share, committee_share = payments.pay(books.treasurer, application)
    assert (east_share.fund, east_share.amount) == (books.east, Decimal("-300.00"))
    assert (committee_share.fund, committee_share.amount) == (books.committee, Decimal("-700.01"))
    assert ledger.balance(books.east) + ledger.balance(books.committee) == Decimal("2000.00") - Decimal("1000.01")
    # The east treasurer keeps only one of the two funds: they could not have paid it.
    other = advance(books, S.APPROVED, amount="10")
    with pytest.raises(PermissionDenied):
        payments.pay(books.east_treasurer, other)
    # Reversing one share reverses the whole payment and reopens the application for payment.
    reversals = ledger.reverse(books.treasurer, east_share, note="付错人")
    assert {entry.reverses for entry in reversals} == {east_share, committee_share}
    application.refresh_from_db()
    assert application.status == S.APPROVED and application.amount_paid is None
    assert application.steps.last().action == StepAction.PAYMENT_REVERSED
    assert ledger.balance(books.east) + ledger.balance(books.committee) == Decimal("2000.00")


def test_a_category_rule_wins_over_the_general_one_and_needs_its_levels(books):
    funds.save_rule(books.admin, legs=[{"level": "general_branch", "percent": "30"},
                                       {"level": "committee", "percent": "70"}])
    funds.save_rule(books.admin, category="disaster", legs=[{"level": "branch", "percent": "50"},
                                                            {"level": "committee", "percent": "50"}])
    application = advance(books, S.APPROVED, category="disaster", amount="100")
    with pytest.raises(ValidationError, match="no branch on this member's line keeps a fund"):
        payments.pay(books.treasurer, application)
    funds.create_fund(books.admin, books.staff.nodes["east1"], name="东一支部基金")
    ledger.post_entry(books.admin, books.staff.nodes["east1"].fund, kind="dues", amount="100")
    assert [entry.amount for entry in payments.pay(books.treasurer, application)] == [Decimal("-50.00")] * 2


@pytest.mark.parametrize("legs,message", [
    ([{"level": "committee", "percent": "100"}], "at least two"),
    ([{"level": "committee", "percent": "30"}, {"level": "committee", "percent": "70"}], "one share"),
    ([{"level": "committee", "percent": "30"}, {"level": "branch", "percent": "60"}], "add up to 100"),
    ([{"level": "committee", "percent": "30.005"}, {"level": "branch", "percent": "69.995"}], "two decimal"),
    ([{"level": "castle", "percent": "50"}, {"level": "branch", "percent": "50"}], "Choose a level"),
])
def test_bad_sharing_rules_are_refused(books, legs, message):
    with pytest.raises(ValidationError, match=message):
        funds.save_rule(books.admin, legs=legs)


def test_sensitive_categories_need_the_permission(books):
    staff = books.staff
    with pytest.raises(ValidationError) as error:
        applications.create_application(staff.secretary, books.member, category="illness", reason="住院",
                                        amount_requested="1")
    assert "sensitive" in error.value.message_dict["category"][0]
    application = applications.create_application(staff.admin, books.member, category="illness", reason="住院",
                                                  amount_requested="1")
    assert applications.may_see_details(staff.sensitive_viewer, application)
    assert not applications.may_see_details(books.treasurer, application)
    assert not applications.view_application(staff.viewer, application)
    assert applications.view_application(staff.admin, application)
    assert AuditEvent.objects.filter(action="fund.application.sensitive_viewed", object_type="application").count() == 1


def test_applications_stay_in_the_applicants_scope(books):
    with pytest.raises(PermissionDenied):
        applications.create_application(books.staff.secretary, books.west_member, category="elderly",
                                        reason="高龄", amount_requested="1")
    with pytest.raises(ValidationError) as error:
        applications.create_application(books.admin, books.west_member, category="elderly", reason="高龄",
                                        amount_requested="1", fund=books.east)
    assert "fund" in error.value.message_dict
