"""Helpers of the fund tests (tests/test_fund_*.py): funds on alpha's tree, treasurers, members, and an
application taken through the workflow to any status.

    root (committee) — committee fund        treasurer: whole unit
      ├─ east (general branch) — east fund   east_treasurer: east's subtree
      │    └─ east1 — member 张三明
      └─ west (general branch) — west fund
           └─ west1 — west_member 李秀兰
"""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.utils import translation
from django_tenants.utils import schema_context

from care.fund.models import ApplicationStatus, AssistanceApplication, Fund
from care.fund.services import applications, funds, ledger, payments
from care.registers.models import Member, StaffScope
from care.registers.services import members
from carehub.accounts.models import Role, User

from .conftest import PASSWORD, Staff

MEMBER_NAME, MEMBER_PHONE = "张三明", "+8613912345678"
WEST_NAME, WEST_PHONE = "李秀兰", "+8613812345678"


@dataclass
class Books:
    staff: Staff
    committee: Fund
    east: Fund
    west: Fund
    treasurer: User
    east_treasurer: User
    member: Member
    west_member: Member

    @property
    def admin(self) -> User:
        return self.staff.admin


def staff_account(staff: Staff, local: str, role: str, node=None, sensitive: bool = False, **fields) -> User:
    user = User.objects.create_user(f"{local}@{staff.unit.slug}.test", PASSWORD, role=role, full_name=local,
                                    **fields)
    StaffScope.objects.create(user=user, node=node, can_view_sensitive=sensitive)
    return user


def make_books(staff: Staff, income: str = "1000.00") -> Books:
    """Three funds (committee, east, west), each with `income` of dues; call inside the unit's schema."""
    admin, nodes = staff.admin, staff.nodes
    committee = funds.create_fund(admin, nodes["root"], name="党委关爱基金")
    east = funds.create_fund(admin, nodes["east"], name="东区总支帮扶基金")
    west = funds.create_fund(admin, nodes["west"], name="西区总支帮扶基金")
    for fund in (committee, east, west):
        ledger.post_entry(admin, fund, kind="dues", amount=income, purpose="党费划拨")
    return Books(
        staff, committee, east, west,
        treasurer=staff_account(staff, "treasurer", Role.TREASURER),
        east_treasurer=staff_account(staff, "east-treasurer", Role.TREASURER, nodes["east"]),
        member=members.create_member(admin, node=nodes["east1"], name=MEMBER_NAME, sex="m", phone=MEMBER_PHONE,
                                     address="红旗西路1号", birth_date="1950-03-02"),
        west_member=members.create_member(admin, node=nodes["west1"], name=WEST_NAME, sex="f", phone=WEST_PHONE),
    )


def make_books_for_requests(staff: Staff) -> Books:
    """`make_books` in the unit's schema, leaving the connection on public for tests that send requests."""
    with schema_context(staff.unit.schema_name):
        books = make_books(staff)
    connection.set_schema_to_public()
    return books


def advance(books: Books, to: str, *, amount: str = "500.00", category: str = "low_income",
            member: Member | None = None, approved: str | None = None) -> AssistanceApplication:
    """An application drafted and submitted by the member's secretary (east's, or west's for the west member),
    verified by them, approved by the admin and paid by the treasurer, stopping at status `to`."""
    member = member or books.member
    secretary = books.staff.sibling if member.node.is_within(books.staff.nodes["west"]) else books.staff.secretary
    admin = books.admin
    application = applications.create_application(secretary, member, category=category,
                                                  reason="家庭困难，收入低于低保线", amount_requested=amount)
    order = [ApplicationStatus.SUBMITTED, ApplicationStatus.VERIFIED, ApplicationStatus.APPROVED,
             ApplicationStatus.PAID]
    steps = {
        ApplicationStatus.SUBMITTED: lambda app: applications.submit(secretary, app),
        ApplicationStatus.VERIFIED: lambda app: applications.verify(secretary, app, "已核实"),
        ApplicationStatus.APPROVED: lambda app: applications.approve(admin, app, amount=approved or amount),
        ApplicationStatus.PAID: lambda app: payments.pay(books.treasurer, app),
    }
    for status in order[: order.index(to) + 1] if to != ApplicationStatus.DRAFT else []:
        steps[status](application)
        application.refresh_from_db()
    return application


@pytest.fixture(name="books")
def books_fixture(in_alpha) -> Books:
    """Alpha's books, with messages in English (the source language) for the assertions."""
    with translation.override("en"):
        yield make_books(in_alpha)


@pytest.fixture(name="fund_media")
def fund_media_fixture(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def in_schema(staff: Staff):
    return schema_context(staff.unit.schema_name)
