"""The task base every Carehub task uses, and the fan-out over units.

Conventions (as in pretix): tasks take ids and re-fetch objects inside the task, because the object may have
changed or gone between sending and running, and model instances do not survive JSON serialisation. Services
send with `task.delay_on_commit(...)`: the message leaves only if the change that asked for it commits, and it
is addressed to the unit being served when it was asked for.
"""

import functools
import logging

import sentry_sdk
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context
from tenant_schemas_celery.task import TenantTask, headers_with_schema

from carehub.audit.models import Source
from carehub.audit.services import source
from carehub.celery import app
from carehub.clock import activate_unit

logger = logging.getLogger(__name__)


class PublicSchemaError(RuntimeError):
    """Tenant work was asked to run without a unit: it would read or write the public schema."""


class CarehubTask(TenantTask):
    """Sends on commit to the unit of the moment of asking (the schema is captured now, not at commit)."""

    abstract = True

    def apply_async_on_commit(self, args=None, kwargs=None, **options) -> None:
        options["headers"] = headers_with_schema(options.get("headers"))
        transaction.on_commit(functools.partial(self.apply_async, args, kwargs, **options))

    def delay_on_commit(self, *args, **kwargs) -> None:
        self.apply_async_on_commit(args, kwargs)


class UnitTask(CarehubTask):
    """Base for tasks that act inside one unit. Refuses to run in the public schema; runs in the unit's time
    zone and language, with what it records in the audit trail marked as coming from a task."""

    abstract = True

    def __call__(self, *args, **kwargs):
        schema = connection.schema_name
        if schema == get_public_schema_name():
            raise PublicSchemaError(f"Task {self.name} must run inside a unit, not in the public schema.")
        sentry_sdk.set_tag("tenant", schema)
        logger.info("task %s starting", self.name, extra={"task_id": self.request.id})
        with activate_unit(), source(Source.TASK):
            return super().__call__(*args, **kwargs)


class PlatformTask(CarehubTask):
    """Base for tasks that act on the platform (public schema), such as fanning work out to units."""

    abstract = True


def for_each_active_unit(task, *args, **kwargs) -> list:
    """Send `task` once per active unit, each message carrying that unit's schema. Returns the results."""
    results = []
    for schema in get_tenant_model().objects.active().values_list("schema_name", flat=True):
        with schema_context(schema):
            results.append(task.apply_async(args=args, kwargs=kwargs, headers={"_schema_name": schema}))
    return results


__all__ = ["PlatformTask", "PublicSchemaError", "UnitTask", "app", "for_each_active_unit"]
