"""The schemas that are not units: the public schema's platform row and the template units are cloned from.

The template is not a tenant row, so django-tenants' `migrate_schemas` skips it and clones would come out
marked as migrated but missing columns. Our `carehub migrate` therefore migrates it between public and units.
"""

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_exists

from tenants.models import Domain, Unit, UnitKind


def template_schema() -> str:
    return settings.TENANT_BASE_SCHEMA


def create_template_schema() -> bool:
    """Create the empty template schema if it is missing. Returns whether it was created."""
    if schema_exists(template_schema()):
        return False
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{template_schema()}"')
    return True


def ensure_platform_unit() -> Unit:
    """The public schema's row, whose domain is the base domain where the operator console lives."""
    unit, _created = Unit.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={"name": "Carehub", "slug": get_public_schema_name(), "kind": UnitKind.OTHER},
    )
    Domain.objects.update_or_create(
        tenant=unit, is_primary=True, defaults={"domain": settings.CAREHUB_BASE_DOMAIN}
    )
    return unit
