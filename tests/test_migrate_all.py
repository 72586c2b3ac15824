"""`carehub migrate` at scale: the fast path skips up-to-date schemas, a failing unit is reported and a re-run
resumes, the template stays in step, and the parallel path works in real processes on a database of its own.
"""

import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.signals import schema_migrated

import carehub.accounts.migrations as real_migrations
from tenants import migrate_all
from tenants.services.onboarding import onboard_unit

from .test_template_schema import NEW_MIGRATION, accounts_with_new_migration, has_column  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
CAREHUB = str(ROOT / ".venv" / "bin" / "carehub")


@pytest.fixture
def migrated_schemas():
    """The schemas Django's migrate ran in, from django-tenants' own signal."""
    seen = []

    def receiver(sender, schema_name, **kwargs):
        seen.append(schema_name)

    schema_migrated.connect(receiver, weak=False)
    yield seen
    schema_migrated.disconnect(receiver)


def migrate(*args, **options) -> str:
    out = StringIO()
    call_command("migrate", *args, interactive=False, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_fast_path_skips_every_up_to_date_schema(alpha, beta, migrated_schemas):
    assert migrate_all.behind(migrate_all.schemas()) == {}
    output = migrate()
    assert migrated_schemas == []
    assert "public: up to date" in output
    assert "migrating 0" in output


@pytest.mark.usefixtures("accounts_with_new_migration")
def test_only_schemas_behind_are_migrated_and_the_template_stays_in_step(alpha, beta, migrated_schemas):
    # A unit onboarded after the migration appeared already has it (create_schema applies what the template lacks).
    gamma = onboard_unit(None, slug="gamma", name="Gamma", kind="other", admin_email="a@gamma.test").unit
    found = migrate_all.schemas()
    assert set(migrate_all.behind(found)) == {"public", "_template", "alpha", "beta"}
    assert gamma.schema_name in found.units

    migrated_schemas.clear()  # onboarding migrated gamma
    migrate()
    assert sorted(migrated_schemas) == ["_template", "alpha", "beta", "public"]
    for schema in ("public", "_template", "alpha", "beta", "gamma"):
        assert has_column(schema, "accounts_user", "probe_column"), schema
    assert migrate_all.behind(migrate_all.schemas()) == {}


@pytest.mark.usefixtures("accounts_with_new_migration")
def test_a_failing_unit_is_reported_and_a_rerun_resumes(alpha, beta, migrated_schemas):
    with connection.cursor() as cursor:  # beta's copy of the migration will fail: the column is already there
        cursor.execute("ALTER TABLE beta.accounts_user ADD COLUMN probe_column integer")

    with pytest.raises(CommandError, match=r"1 schemas failed; behind: beta\b"):
        migrate()
    assert has_column("alpha", "accounts_user", "probe_column")
    assert has_column("_template", "accounts_user", "probe_column")
    with pytest.raises(CommandError, match="run `carehub migrate`"):
        call_command("migrate", status=True, stdout=(status := StringIO()))
    assert status.getvalue().splitlines() == ["beta\t1 migrations behind"]

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE beta.accounts_user DROP COLUMN probe_column")
    migrated_schemas.clear()
    migrate()
    assert migrated_schemas == ["beta"]
    call_command("migrate", status=True, stdout=(status := StringIO()))
    assert status.getvalue().strip().endswith("schemas up to date")


def test_a_second_migrate_waits_for_none(alpha):
    holder = connection.get_new_connection(connection.get_connection_params())
    try:
        holder.autocommit = True
        holder.execute("SELECT pg_advisory_lock(%s)", [migrate_all.ADVISORY_LOCK_KEY])
        with pytest.raises(CommandError, match="holds the migration lock"):
            migrate()
    finally:
        holder.close()


# --- the parallel path, end to end in processes, on a database of its own -------------------------------------

PROBE_SETTINGS = """
from carehub.settings import *  # noqa: F403

MIGRATION_MODULES = {"accounts": "probe_migrations"}
"""
MAKE_UNITS = """
import sys
sys.path.insert(0, sys.argv[1])
from many_units import ensure_units
ensure_units(4, verbose=False)
"""


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.fixture
def own_database(tmp_path):
    """A database dropped afterwards, and the environment of a process using it (plus a probe migration)."""
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_parallel"
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}"
    admin = psycopg.connect(f"{url}/postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    package = tmp_path / "probe_migrations"
    shutil.copytree(Path(real_migrations.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    previous = sorted(p.stem for p in package.glob("0*.py"))[-1]
    (package / "9999_probe_column.py").write_text(NEW_MIGRATION.format(previous=previous))
    (tmp_path / "probe_settings.py").write_text(PROBE_SETTINGS)
    env = {**os.environ, "DATABASE_URL": f"{url}/{name}", "DJANGO_SETTINGS_MODULE": "carehub.settings",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT), str(tmp_path)]),
           "SECRET_KEY": "test-only", "LOG_LEVEL": "WARNING"}
    env.pop("DEBUG", None)
    try:
        with psycopg.connect(f"{url}/{name}", autocommit=True) as conn:
            yield env, conn
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def columns(conn, schemas) -> dict[str, bool]:
    rows = conn.execute("SELECT table_schema FROM information_schema.columns WHERE table_name = 'accounts_user' "
                        "AND column_name = 'probe_column' AND table_schema = ANY(%s)", [list(schemas)]).fetchall()
    return {schema: (schema,) in rows for schema in schemas}


def test_parallel_path_with_failure_and_resume(own_database):
    env, conn = own_database
    made = run(env, sys.executable, "-c", MAKE_UNITS, str(ROOT / "bench"))  # migrates public and template first
    assert made.returncode == 0, made.stderr
    units = ["u0001", "u0002", "u0003", "u0004"]

    conn.execute("ALTER TABLE u0003.accounts_user ADD COLUMN probe_column integer")
    probe = {**env, "DJANGO_SETTINGS_MODULE": "probe_settings"}
    failed = run(probe, CAREHUB, "migrate", "--noinput", "--jobs", "2")
    assert failed.returncode == 1
    assert "u0003: ProgrammingError" in failed.stderr
    assert "1 schemas failed; behind: u0003." in failed.stderr
    assert "units: 3 migrated, 1 failed" in failed.stdout
    assert columns(conn, ["public", "_template", "u0001", "u0002", "u0004"]) == dict.fromkeys(
        ["public", "_template", "u0001", "u0002", "u0004"], True)
    status = run(probe, CAREHUB, "migrate", "--status")
    assert (status.returncode, status.stdout) == (1, "u0003\t1 migrations behind\n")

    conn.execute("ALTER TABLE u0003.accounts_user DROP COLUMN probe_column")
    resumed = run(probe, CAREHUB, "migrate", "--noinput", "--jobs", "2")
    assert resumed.returncode == 0, resumed.stderr
    assert "4 of 5 schemas (template and units) up to date; migrating 1" in resumed.stdout
    assert "[carehub:u0003]" in resumed.stdout
    assert columns(conn, units) == dict.fromkeys(units, True)
    assert run(probe, CAREHUB, "migrate", "--status").returncode == 0
