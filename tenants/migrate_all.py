"""Migrating public, the template and every unit: a fast check first, then Django's migrate where needed.

django-tenants runs Django's full `migrate` in every schema, which loads the migration graph, renders the
project state and sends post_migrate each time: a quarter to half a second per schema even when nothing changes
(users report 12 minutes for a no-op migrate of 900 tenants). Here the code's migration set is computed once,
every schema's `django_migrations` is read in a few UNION ALL queries, and only schemas missing something go
through Django's migrate, in parallel processes. Each migration commits on its own (PostgreSQL runs a migration
in one transaction), so a failure leaves a schema at a recorded, consistent step and a re-run continues from
there; what is still behind is reported, and the command exits non-zero.
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors.base import run_migrations
from django_tenants.utils import get_public_schema_name

from tenants.models import Unit
from tenants.schema import template_schema

# UNION ALL branches per query: each opens one table (and takes a lock until the query ends).
CHUNK = 200
# Any constant works; it only has to be the same in every process running `carehub migrate`.
ADVISORY_LOCK_KEY = 0x63617265687562  # "carehub"


def code_migrations() -> frozenset[str]:
    """'app.name' of every migration the code defines, replacements (squashes) resolved."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(f"{app}.{name}" for app, name in loader.graph.nodes)


def existing_schemas(names: list[str]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [names])
        return {row[0] for row in cursor.fetchall()}


def missing_counts(schemas: list[str], code: frozenset[str]) -> dict[str, int]:
    """How many of the code's migrations each schema has not recorded (all of them: no migration table)."""
    with connection.cursor() as cursor:
        # pg_class by (relname, relnamespace) is indexed; information_schema would check privileges row by row.
        cursor.execute("SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)", [schemas])
        with_table = {row[0] for row in cursor.fetchall()}
        counts = {schema: len(code) for schema in schemas if schema not in with_table}
        recorded = [schema for schema in schemas if schema in with_table]
        for first in range(0, len(recorded), CHUNK):
            chunk = recorded[first:first + CHUNK]
            # Schema names are quoted identifiers from the catalog; the code's set is one array parameter.
            branches = " UNION ALL ".join(
                f"SELECT %s, count(DISTINCT m.app || '.' || m.name) "  # noqa: S608
                f"FROM {connection.ops.quote_name(schema)}.django_migrations m "
                "WHERE m.app || '.' || m.name IN (SELECT key FROM code)" for schema in chunk)
            cursor.execute(f"WITH code(key) AS (SELECT unnest(%s::text[])) {branches}", [sorted(code), *chunk])
            counts.update({schema: len(code) - found for schema, found in cursor.fetchall()})
    return counts


@dataclass
class Schemas:
    """Every schema `carehub migrate` looks after, in the order it migrates them."""

    public: str
    template: str
    units: list[str]
    without_schema: list[str] = field(default_factory=list)  # deleted units: a row, no schema

    @property
    def all(self) -> list[str]:
        return [self.public, self.template, *self.units]


def schemas() -> Schemas:
    public = get_public_schema_name()
    rows = list(Unit.objects.exclude(schema_name=public).order_by("schema_name").values_list("schema_name", flat=True))
    present = existing_schemas(rows)
    return Schemas(public=public, template=template_schema(), units=[s for s in rows if s in present],
                   without_schema=[s for s in rows if s not in present])


def behind(found: Schemas, code: frozenset[str] | None = None) -> dict[str, int]:
    """{schema: number of migrations it lacks} for the schemas that are not up to date, in migration order."""
    counts = missing_counts(found.all, code if code is not None else code_migrations())
    return {schema: counts[schema] for schema in found.all if counts[schema]}


@dataclass
class Outcome:
    migrated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def migrate_one(args: tuple, options: dict, schema: str, allow_atomic: bool = True) -> str | None:
    """Django's migrate in one schema (django-tenants' per-schema runner); the error's text, or None."""
    try:
        run_migrations(args, options, "carehub", schema, allow_atomic=allow_atomic)
    except Exception as exc:  # noqa: BLE001 - one unit's failure is reported; the others go on
        connection.set_schema_to_public()
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def _migrate_in_child(job: tuple) -> tuple[str, str | None]:
    args, options, schema = job
    return schema, migrate_one(args, options, schema, allow_atomic=False)


def migrate_units(args: tuple, options: dict, units: list[str], jobs: int, progress) -> Outcome:
    """Units in `jobs` forked processes (in this process when jobs is 1 or inside a transaction, as in tests,
    where children could not see uncommitted rows and closing the connection would end the transaction)."""
    outcome = Outcome()

    def collect(schema: str, error: str | None) -> None:
        if error:
            outcome.failed[schema] = error
        else:
            outcome.migrated.append(schema)
        done = len(outcome.migrated) + len(outcome.failed)
        if done % 50 == 0 or done == len(units) or error:
            progress(f"units: {done}/{len(units)} done, {len(outcome.failed)} failed"
                     + (f" ({schema}: {error})" if error else ""))

    if jobs <= 1 or len(units) <= 1 or connection.in_atomic_block:
        for schema in units:
            collect(schema, migrate_one(args, options, schema))
        return outcome
    # Children inherit the loaded apps and settings through fork and open their own connections. A child that
    # dies (killed for memory) breaks the pool: the units not done are reported as failed, not waited for.
    connections.close_all()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {pool.submit(_migrate_in_child, (args, options, schema)): schema for schema in units}
        for future in as_completed(futures):
            try:
                collect(*future.result())
            except BrokenProcessPool as exc:
                collect(futures[future], f"worker process died: {exc}")
    return outcome


class AlreadyRunning(Exception):
    pass


class RunLock:
    """A session advisory lock on its own connection: two `carehub migrate` (two deploys) never overlap.
    The connection is separate because the parallel path closes Django's before forking."""

    def __enter__(self):
        self.raw = connection.get_new_connection(connection.get_connection_params())
        self.raw.autocommit = True
        if not self.raw.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY]).fetchone()[0]:
            self.raw.close()
            raise AlreadyRunning
        return self

    def __exit__(self, *exc_info):
        self.raw.close()  # ends the session, which releases the lock
