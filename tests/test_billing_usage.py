"""Usage records are counted once per source event, from the public schema or from inside a unit."""

import datetime

import pytest
from django_tenants.utils import schema_context

from billing.models import UsageRecord
from billing.services.usage import record_usage

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 5, 4)


def test_a_source_event_counts_once(alpha):
    assert record_usage(alpha.unit, "sms_segments", 2, source_key="message:1", day=DAY) is True
    assert record_usage(alpha.unit, "sms_segments", 2, source_key="message:1", day=DAY) is False
    assert record_usage(alpha.unit.pk, "sms_segments", 3, source_key="message:2", day=DAY) is True
    rows = UsageRecord.objects.filter(unit=alpha.unit, metric="sms_segments")
    assert sorted(rows.values_list("quantity", flat=True)) == [2, 3]


def test_keys_are_per_unit_and_metric(alpha, beta):
    assert record_usage(alpha.unit, "sms_segments", 1, source_key="k", day=DAY)
    assert record_usage(beta.unit, "sms_segments", 1, source_key="k", day=DAY)
    assert record_usage(alpha.unit, "active_members", 40, source_key="k", day=DAY)
    assert UsageRecord.objects.filter(source_key="k").count() == 3


def test_recording_from_inside_a_unit_schema(alpha):
    with schema_context(alpha.unit.schema_name):
        from django.db import connection

        assert record_usage(connection.tenant, "sms_segments", 1, source_key="inside", day=DAY)
        assert not record_usage(alpha.unit, "sms_segments", 1, source_key="inside", day=DAY)
    assert UsageRecord.objects.get(source_key="inside").unit_id == alpha.unit.pk


def test_unknown_metric_is_refused(alpha):
    with pytest.raises(ValueError):
        record_usage(alpha.unit, "emails", 1, source_key="x", day=DAY)
