"""Usage recorded in batches (billing.services.usage.record_usage_many): the same once-per-source-event rule as
one by one, in one statement."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from billing.models import UsageRecord
from billing.services.usage import record_usage, record_usage_many

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 5, 4)


def test_a_batch_counts_each_source_event_once(alpha):
    record_usage(alpha.unit, "sms_segments", 1, source_key="m:1", day=DAY)
    rows = [(2, "m:1", DAY), (3, "m:2", DAY), (1, "m:3", DAY + datetime.timedelta(days=1)), (9, "m:2", DAY)]
    with CaptureQueriesContext(connection) as queries:
        assert record_usage_many(alpha.unit, "sms_segments", rows) == 2  # m:1 was known, m:2 repeated
    assert len(queries) == 1
    assert record_usage_many(alpha.unit.pk, "sms_segments", rows) == 0  # a rerun changes nothing
    recorded = UsageRecord.objects.filter(unit=alpha.unit, metric="sms_segments").order_by("source_key")
    assert list(recorded.values_list("source_key", "quantity", "day")) == [
        ("m:1", 1, DAY), ("m:2", 3, DAY), ("m:3", 1, DAY + datetime.timedelta(days=1))]


def test_keys_are_per_unit_and_recorded_from_inside_a_unit(alpha, beta):
    with schema_context(alpha.unit.schema_name):
        assert record_usage_many(connection.tenant, "sms_segments", [(1, "k", DAY)]) == 1
    assert record_usage_many(beta.unit, "sms_segments", [(1, "k", DAY)]) == 1
    assert dict(UsageRecord.objects.filter(source_key="k").values_list("unit_id", "quantity")) == {
        alpha.unit.pk: 1, beta.unit.pk: 1}


def test_empty_batches_and_unknown_metrics(alpha):
    with CaptureQueriesContext(connection) as queries:
        assert record_usage_many(alpha.unit, "sms_segments", []) == 0
    assert not queries
    with pytest.raises(ValueError):
        record_usage_many(alpha.unit, "emails", [(1, "x", DAY)])
