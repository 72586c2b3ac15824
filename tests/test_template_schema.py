"""The template-schema trap: the template is not a tenant row, so django-tenants' `migrate_schemas` skips it,
and a unit cloned afterwards is recorded as migrated while missing the new column. `carehub migrate` covers it.
"""

import shutil
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

import carehub.accounts.migrations as real_migrations
from tenants.services.onboarding import onboard_unit

NEW_MIGRATION = '''
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "{previous}")]
    operations = [migrations.AddField("user", "probe_column", models.IntegerField(null=True))]
'''


@pytest.fixture
def accounts_with_new_migration(tmp_path):
    """A copy of the accounts migrations plus one that adds a column, swapped in with MIGRATION_MODULES."""
    package = tmp_path / "probe_migrations"
    source = Path(real_migrations.__file__).parent
    shutil.copytree(source, package, ignore=shutil.ignore_patterns("__pycache__"))
    previous = sorted(p.stem for p in package.glob("0*.py"))[-1]
    (package / "9999_probe_column.py").write_text(NEW_MIGRATION.format(previous=previous))
    sys.path.insert(0, str(tmp_path))
    try:
        with override_settings(MIGRATION_MODULES={"accounts": "probe_migrations"}):
            yield
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.startswith("probe_migrations")]:
            del sys.modules[name]


def has_column(schema, table, column):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema=%s AND table_name=%s AND column_name=%s",
            [schema, table, column],
        )
        return cursor.fetchone() is not None


def test_plain_migrate_schemas_skips_the_template_but_onboarding_still_applies_it(alpha, accounts_with_new_migration):
    call_command(MigrateSchemasCommand(), tenant=True, verbosity=0, interactive=False)
    assert has_column("alpha", "accounts_user", "probe_column")
    assert not has_column("_template", "accounts_user", "probe_column")  # the trap
    connection.set_schema_to_public()
    # django-tenants would fake the missing migration on the clone; our create_schema applies it.
    unit = onboard_unit(None, slug="clonedtoo", name="x", kind="other", admin_email="a@x.test").unit
    assert has_column(unit.schema_name, "accounts_user", "probe_column")


def test_carehub_migrate_covers_public_template_and_units(alpha, accounts_with_new_migration):
    call_command("migrate", verbosity=0, interactive=False)
    for schema in ("public", "_template", "alpha", "beta"):
        assert has_column(schema, "accounts_user", "probe_column"), schema
    connection.set_schema_to_public()
    unit = onboard_unit(None, slug="afterwards", name="x", kind="other", admin_email="a@x.test").unit
    assert has_column(unit.schema_name, "accounts_user", "probe_column")


STRUCTURE = {
    "columns": """SELECT table_name, column_name, data_type, is_nullable, column_default IS NOT NULL, is_identity
                    FROM information_schema.columns WHERE table_schema = %s""",
    "constraints": """SELECT c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
                        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
                       WHERE con.connamespace = %s::regnamespace""",
    "indexes": "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = %s",
}
COUNTED = ["django_migrations", "django_content_type", "auth_permission"]


def structure(schema):
    with connection.cursor() as cursor:
        shape = {}
        for name, sql in STRUCTURE.items():
            cursor.execute(sql, [schema])
            # Foreign keys name their schema: it must be the unit's own (never the template's).
            rows = [tuple(str(v).replace(f"{schema}.", "<own>.") for v in row) for row in cursor.fetchall()]
            shape[name] = sorted(rows)
        for table in COUNTED:
            cursor.execute(f'SELECT count(*), max(id) FROM "{schema}"."{table}"')
            shape[table] = cursor.fetchone()
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('\"{schema}\".\"{table}\"', 'id'))")
            shape[f"{table} next id"] = cursor.fetchone()
    return shape


def test_a_cloned_unit_is_identical_to_a_migrated_one(db):
    cloned = onboard_unit(None, slug="cloned", name="x", kind="other", admin_email="a@x.test").unit
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
        migrated = onboard_unit(None, slug="migrated", name="x", kind="other", admin_email="a@x.test").unit
    # Each schema's one row so far is its invited admin; everything else must match exactly.
    assert structure(cloned.schema_name) == structure(migrated.schema_name)


def test_cloning_refuses_a_template_with_objects_it_cannot_copy(db):
    with connection.cursor() as cursor:
        cursor.execute('CREATE VIEW "_template".active_users AS SELECT id FROM "_template".accounts_user')
    with pytest.raises(NotImplementedError, match="active_users"):
        onboard_unit(None, slug="withview", name="x", kind="other", admin_email="a@x.test")
