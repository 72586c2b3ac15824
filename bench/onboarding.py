"""Benchmark: onboarding a unit by cloning the template schema versus by replaying every migration.

    .venv/bin/python bench/onboarding.py [--units 20]

Works in a scratch database `<dbname>_bench` (the name taken from DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/carehub): it is dropped and created, migrated with `carehub migrate`
(public, then the `_template` schema), used, and dropped again at the end. The developer's database is never
opened. Every method goes through `tenants.services.onboarding.onboard_unit`:
- clone: the product's path, `Unit.create_schema` with the lean copy in tenants/clone.py;
- plain: TENANT_CREATION_FAKES_MIGRATIONS=False, which django-tenants reads at call time
  (`utils.get_creation_fakes_migrations`), so it creates an empty schema and runs `migrate_schemas` for real;
- dt-clone: django-tenants' own `TenantMixin.create_schema` with its plpgsql `clone_schema()`, for reference.
The methods alternate (clone, plain, dt-clone, clone, ...) to spread noise; one untimed warm-up of each comes
first. Every figure printed comes from this run.
"""

import argparse
import statistics
import time
from collections import defaultdict
from contextlib import contextmanager, nullcontext

from scratch import percentile, run_in_scratch_database


class Phases:
    """Wall time spent in django-tenants' steps during each onboarding, by wrapping them."""

    def __init__(self):
        self.current: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, owner, attribute: str, phase: str, only=None) -> None:
        original = getattr(owner, attribute)

        def timed(*args, **kwargs):
            if only is not None and not only(*args, **kwargs):
                return original(*args, **kwargs)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.current[phase] += time.perf_counter() - started
                self.calls[phase] += 1

        setattr(owner, attribute, timed)

    def take(self) -> dict[str, float]:
        taken, self.current = dict(self.current), defaultdict(float)
        return taken


@contextmanager
def plain_migrations():
    from django.test import override_settings
    from django_tenants.utils import get_creation_fakes_migrations

    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
        assert get_creation_fakes_migrations() is False
        yield


@contextmanager
def django_tenants_clone():
    from django_tenants.models import TenantMixin

    from tenants.models import Unit

    ours = Unit.create_schema
    Unit.create_schema = TenantMixin.create_schema
    try:
        yield
    finally:
        Unit.create_schema = ours


METHODS = {"clone": nullcontext, "plain": plain_migrations, "dt-clone": django_tenants_clone}


def schema_shape(schema: str) -> dict[str, set]:
    """Columns, index definitions without their names, and index names of a schema."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity"
            " FROM information_schema.columns WHERE table_schema = %s", [schema])
        columns = set(cursor.fetchall())
        cursor.execute(
            "SELECT indexname, replace(replace(indexdef, indexname, '<name>'), %s, '<schema>')"
            " FROM pg_indexes WHERE schemaname = %s", [schema, schema])
        rows = cursor.fetchall()
    return {"columns": columns, "indexes": {row[1] for row in rows}, "names": {row[0] for row in rows}}


def compare_schemas(cloned: str, migrated: str) -> str:
    a, b = schema_shape(cloned), schema_shape(migrated)
    renamed = sorted(b["names"] - a["names"])
    text = (f"columns identical: {'yes' if a['columns'] == b['columns'] else 'NO'}; "
            f"indexes identical apart from names: {'yes' if a['indexes'] == b['indexes'] else 'NO'}; "
            f"index/constraint names that differ: {len(renamed)}")
    if renamed:
        text += f" (e.g. migrated {renamed[0]} vs cloned {sorted(a['names'] - b['names'])[0]})"
    return text


def count_rows(schema: str, query: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, [schema])
        return cursor.fetchone()[0]


def run(units: int) -> None:
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    from django.db import connection
    from django_tenants import models as django_tenants_models
    from django_tenants.clone import CloneSchema

    from tenants import models as tenant_models
    from tenants.services.onboarding import onboard_unit

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    connection.ensure_connection()
    print(f"scratch database migrated in {time.perf_counter() - started:.1f} s "
          f"(PostgreSQL {connection.pg_version // 10000})")

    phases = Phases()
    phases.wrap(tenant_models, "clone_schema", "lean clone")
    phases.wrap(CloneSchema, "clone_schema", "plpgsql clone_schema()")
    for module in (tenant_models, django_tenants_models):
        phases.wrap(module, "call_command", "migrate_schemas", only=lambda name, *a, **k: name == "migrate_schemas")

    def onboard(method: str, index: int) -> tuple[float, dict, int]:
        slug = f"{method}-{index:02d}"
        phases.take()
        clones_before = phases.calls["lean clone"] + phases.calls["plpgsql clone_schema()"]
        started = time.perf_counter()
        with METHODS[method]():
            onboard_unit(None, slug=slug, name=f"Bench {slug}", kind="district",
                         admin_email=f"admin@{slug}.bench", source="bench")
        elapsed = time.perf_counter() - started
        clones = phases.calls["lean clone"] + phases.calls["plpgsql clone_schema()"] - clones_before
        return elapsed, phases.take(), clones

    warm = {method: onboard(method, 0)[0] for method in METHODS}
    times: dict[str, list[float]] = {method: [] for method in METHODS}
    breakdown: dict[str, list[dict]] = {method: [] for method in METHODS}
    clone_calls = dict.fromkeys(METHODS, 0)
    for index in range(1, units + 1):
        for method in METHODS:
            elapsed, spent, clones = onboard(method, index)
            times[method].append(elapsed)
            breakdown[method].append(spent)
            clone_calls[method] += clones

    tables_query = ("SELECT count(*) FROM information_schema.tables"
                    " WHERE table_schema = %s AND table_type = 'BASE TABLE'")
    tables = {method: count_rows(f"{method}_01", tables_query) for method in ("clone", "plain")}
    with connection.cursor() as cursor:
        cursor.execute('SELECT count(*) FROM "clone_01".django_migrations')
        clone_migrations = cursor.fetchone()[0]
        cursor.execute('SELECT count(*) FROM "plain_01".django_migrations')
        plain_migrations_count = cursor.fetchone()[0]

    print(f"tenant apps installed: {len(settings.TENANT_APPS)} ({', '.join(settings.TENANT_APPS)})")
    print(f"tables per unit schema: {tables['clone']} cloned, {tables['plain']} migrated; "
          f"migrations recorded: {clone_migrations} cloned, {plain_migrations_count} migrated")
    print(f"clone_01 vs plain_01: {compare_schemas('clone_01', 'plain_01')}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                       "AND nspname <> 'information_schema'")
        print(f"schemas in the scratch database at the end: {cursor.fetchone()[0]}")
    print("clone calls per method: " + ", ".join(f"{m} {clone_calls[m]} of {units}" for m in METHODS))
    print("untimed warm-up: " + ", ".join(f"{m} {warm[m]:.3f} s" for m in METHODS))
    print()
    print(f"{'seconds per unit':<18}{'n':>4}{'p50':>9}{'p95':>9}{'min':>9}{'max':>9}")
    stats = {}
    for method in METHODS:
        samples = times[method]
        stats[method] = (statistics.median(samples), percentile(samples, 0.95))
        print(f"{method:<18}{len(samples):>4}{stats[method][0]:>9.3f}{stats[method][1]:>9.3f}"
              f"{min(samples):>9.3f}{max(samples):>9.3f}")
    for method in METHODS:
        first, last = times[method][:5], times[method][-5:]
        print(f"  {method}: median of the first 5 {statistics.median(first):.3f} s, "
              f"of the last 5 {statistics.median(last):.3f} s")
    for baseline in ("plain", "dt-clone"):
        print(f"ratio {baseline}/clone: p50 {stats[baseline][0] / stats['clone'][0]:.2f}x, "
              f"p95 {stats[baseline][1] / stats['clone'][1]:.2f}x")
    print(f"target p50 <= 1.0 s: {'met' if stats['clone'][0] <= 1.0 else 'MISSED'}; "
          f"faster than plain: {'yes' if stats['clone'][0] < stats['plain'][0] else 'NO'}")
    print()
    print("where the time goes (median seconds per onboarding):")
    for method in METHODS:
        names = sorted({name for spent in breakdown[method] for name in spent})
        parts = [f"{name} {statistics.median(spent.get(name, 0.0) for spent in breakdown[method]):.3f}"
                 for name in names]
        print(f"  {method}: total {stats[method][0]:.3f}; " + "; ".join(parts))
    print("  (onboarding also validates, inserts the unit and domain, invites the admin and applies presets)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=20, help="units per method (default 20)")
    units = parser.parse_args().units

    run_in_scratch_database("bench", lambda: run(units))


if __name__ == "__main__":
    main()
