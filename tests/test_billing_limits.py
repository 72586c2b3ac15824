"""Plan limits at the boundary, and the SMS quota under concurrency (threads with their own connections)."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_tenants.utils import schema_context

from billing.models import Plan, SmsQuota
from billing.services.limits import counted_members, release_sms_segments, reserve_sms_segments, reserved_sms_segments
from care.imports.services import imports
from care.registers.services import members

from .billing_data import committed, in_thread, plan, purge_committed, subscribed
from .conftest import logged_in

pytestmark = pytest.mark.django_db
MONTH = datetime.date(2026, 5, 17)


def test_no_subscription_means_no_limit(alpha):
    assert reserve_sms_segments(alpha.unit, 10_000, month=MONTH).allowed


def test_sms_stop_plan_refuses_past_the_included_segments(alpha):
    subscribed(alpha.unit, sms=10, overage_allowed=False)
    assert reserve_sms_segments(alpha.unit, 6, month=MONTH).allowed
    decision = reserve_sms_segments(alpha.unit, 4, month=MONTH)
    assert decision.allowed and decision.overage == 0  # exactly the included 10
    refused = reserve_sms_segments(alpha.unit, 1, month=MONTH)
    assert not refused.allowed
    assert reserved_sms_segments(alpha.unit, MONTH) == 10
    release_sms_segments(alpha.unit, 3, month=MONTH)
    assert reserve_sms_segments(alpha.unit, 3, month=MONTH).allowed
    assert reserved_sms_segments(alpha.unit, datetime.date(2026, 6, 1)) == 0  # a new month starts at zero


def test_sms_overage_plan_continues_and_counts_the_overage(alpha):
    subscribed(alpha.unit, sms=10, overage_allowed=True)
    assert reserve_sms_segments(alpha.unit, 8, month=MONTH).overage == 0
    decision = reserve_sms_segments(alpha.unit, 4, month=MONTH)
    assert decision.allowed and decision.overage == 2  # 8 + 4 = 12: two beyond the included ten
    assert reserve_sms_segments(alpha.unit, 3, month=MONTH).overage == 3


def test_release_never_goes_below_zero(alpha):
    subscribed(alpha.unit, sms=10, overage_allowed=False)
    reserve_sms_segments(alpha.unit, 2, month=MONTH)
    release_sms_segments(alpha.unit, 5, month=MONTH)
    assert reserved_sms_segments(alpha.unit, MONTH) == 0


def test_member_limit_at_the_boundary(in_alpha):
    alpha = in_alpha
    node = alpha.nodes["east1"]
    existing = counted_members().count()
    with schema_context("public"):
        subscribed(alpha.unit, members=existing + 1)
    members.create_member(alpha.admin, node=node, name="最后一位", sex="f")  # exactly at the limit
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        members.create_member(alpha.admin, node=node, name="多一位", sex="m")
    assert f"includes {existing + 1} members" in str(refused.value)
    assert counted_members().count() == existing + 1  # nothing changed


def test_member_import_over_the_limit_writes_nothing(in_alpha):
    alpha = in_alpha
    existing = counted_members().count()
    with schema_context("public"):
        subscribed(alpha.unit, members=existing + 1)
    csv = "姓名,性别,所属组织\n甲,男,东一支部\n乙,女,东一支部\n".encode()
    with translation.override("en"), pytest.raises(ValidationError, match="cannot be added"):
        imports.commit_import(alpha.admin, csv, "members", filename="two.csv")
    assert counted_members().count() == existing
    one = "姓名,性别,所属组织\n甲,男,东一支部\n".encode()
    assert imports.commit_import(alpha.admin, one, "members", filename="one.csv").created == 1  # at the limit


# Concurrency: committed rows, one connection per thread.

@pytest.fixture
def committed_plan(django_db_setup):
    unit = django_db_setup["alpha"].unit

    def create():
        return subscribed(unit, code="race", sms=50, overage_allowed=False).pk

    plan_id = committed(create)
    yield unit
    committed(_purge, unit.pk, plan_id)


def _purge(unit_id, plan_id):
    SmsQuota.objects.filter(unit_id=unit_id).delete()
    purge_committed(plan_id)


def test_concurrent_reservations_never_exceed_a_stop_plan(committed_plan):
    unit = committed_plan
    start = threading.Barrier(8)

    def reserve(in_unit_schema):
        start.wait(5)
        allowed = 0
        for _ in range(10):
            if in_unit_schema:
                with schema_context(unit.schema_name):
                    allowed += reserve_sms_segments(unit, 1, month=MONTH).allowed
            else:
                allowed += reserve_sms_segments(unit, 1, month=MONTH).allowed
        return allowed

    with ThreadPoolExecutor(8) as pool:
        results = [future.result() for future in
                   [pool.submit(in_thread, reserve, index % 2 == 0) for index in range(8)]]
    assert sum(results) == 50  # 80 attempts, exactly the 50 included segments granted
    assert committed(reserved_sms_segments, unit, MONTH) == 50


def test_plan_is_reused_by_code(db):
    assert plan("again").pk == Plan.objects.get(code="again").pk


def test_past_due_unit_gets_a_banner(alpha, beta):
    subscribed(alpha.unit, status="past_due")
    subscribed(beta.unit, code="paying", status="active")
    assert b'id="past-due-banner"' in logged_in(alpha).get("/").content
    assert b'id="past-due-banner"' not in logged_in(beta).get("/").content
