"""`carehub migrate`: public, then the template schema, then every unit, in that order.

Replaces django-tenants' `migrate` (same options). With `--schema`, `--shared` or `--tenant` it behaves as
django-tenants' `migrate_schemas` except that `--tenant` also migrates the template.
"""

from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

from tenants.schema import create_template_schema, ensure_platform_unit, template_schema


class Command(MigrateSchemasCommand):
    help = "Migrate the public schema, the template schema units are cloned from, and every unit."

    def handle(self, *args, **options):
        if options.get("schema_name"):
            return super().handle(*args, **options)
        shared_only, tenant_only = options.get("shared"), options.get("tenant")
        if not tenant_only:
            super().handle(*args, **{**options, "shared": True, "tenant": False})
            ensure_platform_unit()
        if not shared_only:
            create_template_schema()
            super().handle(*args, **{**options, "shared": False, "tenant": True, "schema_name": template_schema()})
            super().handle(*args, **{**options, "shared": False, "tenant": True})
