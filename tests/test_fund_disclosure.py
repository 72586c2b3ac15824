"""Public disclosure: the figures add up, names are masked, sensitive categories are generalised, and nothing
personal (full names, phones, addresses, reasons, notes, staff-typed texts) reaches the public page, which opens
without a login until its link is revoked or the unit is archived."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_tenants.utils import schema_context

from care.fund.models import AssistanceApplication, EntryKind
from care.fund.services import disclosure, ledger, payments
from care.registers.models import HardshipCategory
from care.registers.services import members
from tenants.models import UnitStatus

from .conftest import client_for
from .fund_data import MEMBER_NAME, MEMBER_PHONE, WEST_NAME, WEST_PHONE, advance, books_fixture  # noqa: F401


@pytest.mark.parametrize("name,masked", [("张三明", "张*明"), ("李四", "李*"), ("欧阳小明", "欧**明"),
                                         ("王", "*"), ("", "*"), (" 赵 六 一 ", "赵*一")])
def test_names_are_masked(name, masked):
    assert disclosure.mask_name(name) == masked


def test_figures_of_a_year_and_of_a_month(books):
    today = timezone.localdate()
    last_year = datetime.date(today.year - 1, 12, 31)
    ledger.post_entry(books.admin, books.east, kind=EntryKind.ALLOCATION, amount="500", booked_on=last_year)
    ledger.post_entry(books.admin, books.east, kind=EntryKind.UNIT_DONATION, amount="5000", counterparty="大连港集团")
    ledger.post_entry(books.admin, books.east, kind=EntryKind.VISIT_GIFT, amount="200", member=books.member,
                      counterparty=MEMBER_NAME, purpose="住院慰问：肺癌")
    advance(books, "paid", amount="300.00")
    ledger.transfer(books.admin, books.east, books.committee, amount="100")
    report = disclosure.build(books.east, today.year)
    assert report.opening == Decimal("500.00")
    assert [(line.label, line.amount) for line in report.income] == [
        ("Party dues", Decimal("1000.00")), ("Donation from a unit", Decimal("5000.00"))]
    assert [(line.label, line.amount) for line in report.spending] == [
        ("Assistance payment", Decimal("300.00")), ("Visit gift", Decimal("200.00")),
        ("Transfer to another fund", Decimal("100.00"))]
    assert report.closing == Decimal("5900.00") == ledger.balance(books.east)
    assert [(p.name, p.category, p.amount) for p in report.payments] == [
        ("张*明", "Visit gift", Decimal("200.00")), ("张*明", "Low income", Decimal("300.00"))]
    month = disclosure.build(books.east, today.year, today.month)
    assert month.starts_on == today.replace(day=1) and month.closing == report.closing


def test_reversed_payments_show_as_corrections(books):
    application = advance(books, "paid", amount="300.00")
    ledger.reverse(books.treasurer, application.entries.get(), note="重复支付")
    report = disclosure.build(books.east, timezone.localdate().year)
    assert [(p.amount, p.correction) for p in report.payments] == [(Decimal("300.00"), False),
                                                                   (Decimal("-300.00"), True)]
    assert report.closing == Decimal("1000.00")


@pytest.fixture
def published(books):
    """A year of the east fund with payments of every kind of sensitivity, and a public link to it."""
    illness = advance(books, "approved", amount="800.00")
    AssistanceApplication.objects.filter(pk=illness.pk).update(category=HardshipCategory.ILLNESS,
                                                               reason="肺癌晚期住院化疗")
    payments.pay(books.treasurer, illness)
    advance(books, "paid", member=books.west_member, amount="100.00", category="elderly")
    proxy = members.create_member(books.admin, node=books.staff.nodes["east2"], name="孙海涛", sex="m",
                                  phone="13700001111", proxy_name="孙小红", proxy_phone="13700002222",
                                  address="甘井子区红旗西路88号3单元")
    ledger.post_entry(books.admin, books.east, kind=EntryKind.DEATH_CARE, amount="50", member=proxy,
                      counterparty="孙海涛家属", purpose="亡故慰问，家属电话13700002222")
    link = disclosure.create_link(books.treasurer, books.east, year=timezone.localdate().year)
    return books, link, proxy


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_public_page_reveals_nobody(published, language):
    books, link, proxy = published
    client = client_for(books.staff.host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"/fund/public/{link.token}/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "张*明" in page and "孙*涛" in page and "800.00" in page
    for secret in (MEMBER_NAME, WEST_NAME, "孙海涛", "孙小红", MEMBER_PHONE, WEST_PHONE, "13912345678",
                   "13700001111", "13700002222", proxy.phone, proxy.proxy_phone, "红旗西路", "肺癌", "化疗",
                   "家庭困难", "已核实", "亡故慰问", "家属", "Serious illness", "重病"):
        assert secret not in page, secret
    assert ("Hardship assistance" if language == "en" else "困难帮扶") in page


def test_a_revoked_link_or_an_archived_unit_is_404(published):
    books, link, _proxy = published
    path = f"/fund/public/{link.token}/"
    client = client_for(books.staff.host)
    assert client.get(f"/fund/public/{link.token[:-1]}x/").status_code == 404
    assert client_for(f"beta.{books.staff.host.split('.', 1)[1]}").get(path).status_code == 404
    unit = books.staff.unit
    with schema_context("public"):
        unit.status = UnitStatus.SUSPENDED
        unit.save(update_fields=["status"])
    assert client.get(path).status_code == 200  # suspended: read-only, still readable
    with schema_context("public"):
        unit.status = UnitStatus.ARCHIVED
        unit.save(update_fields=["status"])
    assert client.get(path).status_code == 404
    with schema_context("public"):
        unit.status = UnitStatus.ACTIVE
        unit.save(update_fields=["status"])
    disclosure.revoke_link(books.treasurer, link)
    assert client.get(path).status_code == 404


def test_only_bookkeepers_publish(books):
    year = timezone.localdate().year
    for user in (books.staff.secretary, books.staff.viewer, books.east_treasurer):
        with pytest.raises(PermissionDenied):
            disclosure.create_link(user, books.committee, year=year)
    link = disclosure.create_link(books.east_treasurer, books.east, year=year)
    assert len(link.token) >= 40
    with pytest.raises(PermissionDenied):
        disclosure.revoke_link(books.staff.viewer, link)
