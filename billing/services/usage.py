"""Usage records: counted once per source event, whoever reports it and however often."""

from datetime import date

from django.db import connection
from django_tenants.utils import get_tenant_model

from billing.models import Metric

INSERT = """
    INSERT INTO public.billing_usagerecord (unit_id, metric, quantity, source_key, day, recorded_at)
    VALUES (%s, %s, %s, %s, %s, now())
    ON CONFLICT (unit_id, metric, source_key) DO NOTHING
"""
# Many events of one unit and metric in one statement; a key repeated within the batch also counts once.
INSERT_MANY = """
    INSERT INTO public.billing_usagerecord (unit_id, metric, quantity, source_key, day, recorded_at)
    SELECT %s, %s, quantity, source_key, day, now()
      FROM unnest(%s::int[], %s::text[], %s::date[]) AS event(quantity, source_key, day)
    ON CONFLICT (unit_id, metric, source_key) DO NOTHING
"""


def unit_id(unit) -> int:
    """The id of a Unit, of a unit id, or of a schema's placeholder tenant (django-tenants' schema_context)."""
    if isinstance(unit, int):
        return unit
    if getattr(unit, "pk", None) is not None:
        return unit.pk
    return get_tenant_model().objects.values_list("pk", flat=True).get(schema_name=unit.schema_name)


def _check(metric: str) -> None:
    if metric not in Metric.values:
        raise ValueError(f"Unknown usage metric {metric!r}")


def record_usage(unit, metric: str, quantity: int, *, source_key: str, day: date) -> bool:
    """Record `quantity` of `metric` for the unit (a Unit or its id); True when new, False when this source
    event was recorded before. One statement, so concurrent workers cannot both count it; it names the public
    table, so it works from inside a unit's schema as well."""
    _check(metric)
    with connection.cursor() as cursor:
        cursor.execute(INSERT, [unit_id(unit), metric, quantity, source_key, day])
        return cursor.rowcount == 1


def record_usage_many(unit, metric: str, rows) -> int:
    """record_usage for many events at once: `rows` are (quantity, source_key, day). Returns how many were new.
    One statement and one round trip whatever the number of rows (the SMS relay meters a batch per call)."""
    _check(metric)
    rows = list(rows)
    if not rows:
        return 0
    quantities, keys, days = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(INSERT_MANY, [unit_id(unit), metric, quantities, keys, days])
        return cursor.rowcount
