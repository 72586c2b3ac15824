"""The task base every Carehub task uses, and the fan-out over units.

Conventions (as in pretix): tasks take ids and re-fetch objects inside the task, because the object may have
changed or gone between sending and running, and model instances do not survive JSON serialisation.
"""

import logging

import sentry_sdk
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context
from tenant_schemas_celery.task import TenantTask

from carehub.celery import app

logger = logging.getLogger(__name__)


class PublicSchemaError(RuntimeError):
    """Tenant work was asked to run without a unit: it would read or write the public schema."""


class UnitTask(TenantTask):
    """Base for tasks that act inside one unit. Refuses to run in the public schema."""

    abstract = True

    def __call__(self, *args, **kwargs):
        schema = connection.schema_name
        if schema == get_public_schema_name():
            raise PublicSchemaError(f"Task {self.name} must run inside a unit, not in the public schema.")
        sentry_sdk.set_tag("tenant", schema)
        logger.info("task %s starting", self.name, extra={"task_id": self.request.id})
        return super().__call__(*args, **kwargs)


class PlatformTask(TenantTask):
    """Base for tasks that act on the platform (public schema), such as fanning work out to units."""

    abstract = True


def for_each_active_unit(task, *args, **kwargs) -> list:
    """Send `task` once per active unit, each message carrying that unit's schema. Returns the results."""
    from tenants.models import Unit

    results = []
    for schema in Unit.objects.active().values_list("schema_name", flat=True):
        with schema_context(schema):
            results.append(task.apply_async(args=args, kwargs=kwargs, headers={"_schema_name": schema}))
    return results


__all__ = ["PlatformTask", "PublicSchemaError", "UnitTask", "app", "for_each_active_unit"]
