"""Concurrent postings against one balance: no lost updates, no overdraft slipping through.

Ordinary tests run in one connection inside a transaction that is rolled back, where nothing is concurrent.
Here every actor is a thread with a connection of its own, working on committed data in alpha's schema (as the
browser tests do); the fixture removes what it committed afterwards, audit rows included, by plain SQL since
the ledger refuses deletes through the ORM.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import translation
from django_tenants.utils import schema_context

from care.fund.models import LedgerEntry
from care.fund.services import applications, funds, ledger, payments
from care.registers.services import members, nodes

pytestmark = pytest.mark.django_db
HOLD = 0.5  # seconds the first payment keeps its transaction open after posting


def in_alpha(function, *args):
    """Run `function` in alpha's schema on this thread's own connection (autocommit), then close it. Messages
    in English: the active language is per thread."""
    try:
        with schema_context("alpha"), translation.override("en"):
            return function(*args)
    finally:
        connection.close()


def committed(function, *args):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(in_alpha, function, *args).result()


def purge(node_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM fund_fund WHERE node_id = %s", [node_id])
        fund_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM fund_assistanceapplication WHERE fund_id = ANY(%s)", [fund_ids])
        application_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM fund_ledgerentry WHERE fund_id = ANY(%s)", [fund_ids])
        entry_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM registers_member WHERE node_id = %s", [node_id])
        member_ids = [row[0] for row in cursor.fetchall()]
        for statement, ids in [
            ("DELETE FROM fund_ledgerentry WHERE id = ANY(%s)", entry_ids),
            ("DELETE FROM fund_step WHERE application_id = ANY(%s)", application_ids),
            ("DELETE FROM fund_assistanceapplication WHERE id = ANY(%s)", application_ids),
            ("DELETE FROM fund_fund WHERE id = ANY(%s)", fund_ids),
            ("DELETE FROM registers_statuschange WHERE member_id = ANY(%s)", member_ids),
            ("DELETE FROM registers_member WHERE id = ANY(%s)", member_ids),
            ("DELETE FROM registers_node WHERE id = ANY(%s)", [node_id]),
        ]:
            cursor.execute(statement, [ids])
        cursor.execute(
            "DELETE FROM audit_auditevent WHERE (object_type = 'ledgerentry' AND object_id = ANY(%s)) "
            "OR (object_type = 'application' AND object_id = ANY(%s)) OR (object_type = 'fund' AND object_id = ANY(%s))"
            " OR (object_type = 'member' AND object_id = ANY(%s)) OR (object_type = 'node' AND object_id = %s)",
            [[str(pk) for pk in entry_ids], [str(pk) for pk in application_ids], [str(pk) for pk in fund_ids],
             [str(pk) for pk in member_ids], str(node_id)])


@pytest.fixture
def shared(django_db_setup):
    """A branch below east with a fund of 100.00 and a member, committed so other connections see them."""
    alpha = django_db_setup["alpha"]

    def create():
        node = nodes.create_node(alpha.admin, parent=alpha.nodes["east"], name="并发测试支部")
        fund = funds.create_fund(alpha.admin, node, name="并发测试基金")
        ledger.post_entry(alpha.admin, fund, kind="dues", amount="100.00")
        member = members.create_member(alpha.admin, node=node, name="并发测试员", sex="m")
        return node, fund, member

    node, fund, member = committed(create)
    yield alpha, fund, member
    committed(purge, node.pk)


def approved(alpha, member, amount: str):
    application = applications.create_application(alpha.secretary, member, category="disaster", reason="水灾",
                                                  amount_requested=amount, submit=True)
    applications.verify(alpha.secretary, application)
    return applications.approve(alpha.admin, application, amount=amount)


def test_two_concurrent_payments_against_one_balance(shared):
    alpha, fund, member = shared
    first, second = committed(lambda: (approved(alpha, member, "70.00"), approved(alpha, member, "70.00")))
    posted = threading.Event()

    def pay_and_hold():
        with transaction.atomic():
            payments.pay(alpha.admin, first)
            posted.set()
            time.sleep(HOLD)  # still uncommitted: the second payment must wait for this one, not read around it

    def pay_second():
        posted.wait(5)
        started = time.perf_counter()
        try:
            payments.pay(alpha.admin, second)
        except ValidationError as error:
            return error, time.perf_counter() - started
        return None, time.perf_counter() - started

    with ThreadPoolExecutor(2) as pool:
        holder = pool.submit(in_alpha, pay_and_hold)
        error, waited = pool.submit(in_alpha, pay_second).result()
        holder.result()
    assert error is not None and "below zero" in str(error), "both payments went through"
    assert waited >= HOLD * 0.8  # it waited for the first one's lock

    def outcome():
        return (ledger.balance(fund), ledger.verify(fund), LedgerEntry.objects.filter(fund=fund).count(),
                [a.status for a in type(first).objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")])

    assert committed(outcome) == (Decimal("30.00"), True, 2, ["paid", "approved"])


def test_many_concurrent_postings_lose_nothing(shared):
    alpha, fund, _member = shared
    start = threading.Barrier(8)

    def spend():
        start.wait(5)
        try:
            ledger.post_entry(alpha.admin, fund, kind="visit_gift", amount="20.00")
            return True
        except ValidationError:
            return False

    with ThreadPoolExecutor(8) as pool:
        results = [future.result() for future in [pool.submit(in_alpha, spend) for _ in range(8)]]
    assert results.count(True) == 5  # 100.00 holds five gifts of 20.00, and not one more

    def running():
        return (list(LedgerEntry.objects.filter(fund=fund).order_by("pk").values_list("balance_after", flat=True)),
                ledger.verify(fund))

    balances, consistent = committed(running)
    assert balances == [Decimal(value) for value in ("100.00", "80.00", "60.00", "40.00", "20.00", "0.00")]
    assert consistent
