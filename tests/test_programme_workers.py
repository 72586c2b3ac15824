"""The care programme's daily run through real workers and real concurrency. Both need committed rows (the test's
own transaction is invisible to other connections), so the data is committed in another thread and removed
afterwards, audit rows included."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from care.programme import tasks
from care.programme.models import CareTask, Greeting
from care.programme.services import runs
from care.registers.models import Member
from care.registers.services import members
from carehub.audit.models import AuditEvent
from carehub.tasks import for_each_active_unit

pytestmark = pytest.mark.django_db
PREFIX = "并发测试"


def in_thread(function, schema="alpha"):
    """Run `function` in `schema` on a connection of its own, which commits at once."""
    def work():
        try:
            with schema_context(schema):
                return function()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


@pytest.fixture
def committed_members(django_db_setup):
    admin, east1 = django_db_setup["alpha"].admin, django_db_setup["alpha"].nodes["east1"]

    def create():
        first_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for index in range(30):
            members.create_member(admin, node=east1, name=f"{PREFIX}{index}", sex="f",
                                  birth_date=datetime.date(1940 + index, index % 12 + 1, index % 28 + 1),
                                  joined_on=datetime.date(1965 + index, 7, 1))
        return first_event

    first_event = in_thread(create)
    yield
    in_thread(lambda: purge(first_event))


def purge(first_event: int) -> None:
    doomed = Member.objects.filter(name__startswith=PREFIX)
    CareTask.objects.filter(member__in=doomed).delete()
    Greeting.objects.filter(member__in=doomed).delete()
    doomed.delete()
    with connection.cursor() as cursor:  # the audit trail refuses deletes through the ORM, by design
        cursor.execute("DELETE FROM audit_auditevent WHERE id > %s", [first_event])


def test_two_workers_at_once_create_no_duplicates(committed_members):
    start = threading.Barrier(2)

    def generate():
        start.wait(timeout=10)
        return runs.generate(None, today=datetime.date(2026, 1, 1), horizon=365)

    with ThreadPoolExecutor(2) as pool:
        outcomes = [future.result() for future in [pool.submit(in_thread, generate) for _ in range(2)]]

    def check():
        duplicates = """SELECT count(*) FROM (SELECT 1 FROM programme_caretask GROUP BY rule_id, member_id, occurs_on,
                        event_id HAVING count(*) > 1) d"""
        with connection.cursor() as cursor:
            cursor.execute(duplicates)
            assert cursor.fetchone()[0] == 0
        return CareTask.objects.count(), Greeting.objects.count()

    tasks_, greetings = in_thread(check)
    assert tasks_ > 30 and greetings > 60
    # Between them the two runs created each item exactly once.
    assert sum(outcome.tasks for outcome in outcomes) == tasks_
    assert sum(outcome.greetings for outcome in outcomes) == greetings


def test_daily_run_through_the_worker_stays_in_its_unit(worker, committed_members):
    with schema_context("alpha"):
        alpha = tasks.daily_run.delay().get(timeout=60)
    with schema_context("beta"):
        beta = tasks.daily_run.delay().get(timeout=60)
    assert alpha["unit"] == "alpha" and beta["unit"] == "beta"
    assert alpha["tasks"] > 0 and alpha["greetings"] > 0
    assert beta["tasks"] == beta["greetings"] == 0  # beta has no members: alpha's never leak into it
    assert in_thread(lambda: CareTask.objects.count(), "beta") == 0
    assert in_thread(lambda: AuditEvent.objects.filter(action="programme.rule.generated", source="task").exists())
    # Again the same day: nothing more (idempotent, as acks_late redelivery requires).
    with schema_context("alpha"):
        assert tasks.daily_run.delay().get(timeout=60)["tasks"] == 0


def test_fan_out_reaches_every_active_unit(worker, alpha, beta):
    results = [result.get(timeout=60) for result in for_each_active_unit(tasks.daily_run)]
    assert sorted(result["unit"] for result in results) == ["alpha", "beta"]
    assert tasks.fan_out_daily_run.apply().get() == 2
