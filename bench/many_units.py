"""Many small units, fast: for benchmarks that need a database with hundreds or thousands of schemas.

    .venv/bin/python bench/many_units.py [--units 1000] [--batch 5] [--processes 2]   (scratch database, dropped)

From another benchmark, inside `run_in_scratch_database` (Django need not be set up yet):

    from many_units import ensure_units
    slugs = ensure_units(1000)          # u0001 ... u1000

A unit here is its `Unit` row, its `Domain` and its schema cloned from the template with tenants/clone.py: no
admin invitation, no presets, no audit event (that is onboarding's job, measured by bench/onboarding.py). The
rows are written with bulk_create, which bypasses `Unit.save` and its per-unit `migrate_schemas` call: the
template is migrated first, so a clone is already complete. Each batch (schemas and rows) is one transaction,
so an interrupted run leaves whole batches behind, and a re-run creates only what is missing.
"""

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context


def _setup_django() -> None:
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _template_ready() -> bool:
    """The template exists and holds the tenant apps' tables (our `migrate` fills it)."""
    from django.db import connection

    from tenants.schema import template_schema

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s", [template_schema()])
        return cursor.fetchone()[0] > 0


def _create_batch(job: tuple[list[str], list[str], list[str]]) -> int:
    """One transaction: clone the missing schemas, then insert the missing Unit and Domain rows."""
    from django.conf import settings
    from django.db import connection, transaction

    from tenants.clone import clone_schema
    from tenants.models import Domain, Unit
    from tenants.schema import template_schema

    slugs, have_rows, have_schemas = job
    with transaction.atomic():
        for slug in slugs:
            if slug not in have_schemas:
                clone_schema(template_schema(), slug)
        new = [Unit(schema_name=slug, slug=slug, name=f"Unit {slug}", kind="other")
               for slug in slugs if slug not in have_rows]
        Unit.objects.bulk_create(new)
        Domain.objects.bulk_create(Domain(domain=f"{unit.slug}.{settings.CAREHUB_BASE_DOMAIN}", tenant=unit,
                                          is_primary=True) for unit in new)
    connection.set_schema_to_public()
    return len(slugs)


def ensure_units(n: int, prefix: str = "u", batch: int = 5, processes: int = 2, verbose: bool = True) -> list[str]:
    """Make sure units {prefix}0001 .. {prefix}{n} exist (schema, Unit and Domain); return their slugs."""
    _setup_django()
    from django.core.management import call_command
    from django.db import connection, connections

    from tenants.models import Unit

    started = time.perf_counter()
    connection.set_schema_to_public()
    if not _template_ready():
        call_command("migrate", verbosity=0, interactive=False)
        if verbose:
            print(f"many_units: migrated public and template in {time.perf_counter() - started:.1f} s")

    width = max(4, len(str(n)))
    slugs = [f"{prefix}{index:0{width}d}" for index in range(1, n + 1)]
    existing_rows = set(Unit.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [slugs])
        existing_schemas = {row[0] for row in cursor.fetchall()}
    missing = [slug for slug in slugs if slug not in existing_rows or slug not in existing_schemas]
    if verbose:
        print(f"many_units: {n - len(missing)} of {n} units exist, creating {len(missing)} "
              f"in batches of {batch} with {processes} processes")

    chunks = [missing[first:first + batch] for first in range(0, len(missing), batch)]
    jobs = [(chunk, sorted(existing_rows & set(chunk)), sorted(existing_schemas & set(chunk))) for chunk in chunks]
    # Small batches: every relation a transaction creates holds a lock until commit, and the shared lock table
    # has room for max_locks_per_transaction (64) x max_connections (100) locks; a unit creates about 360.
    # The server does most of the work (about 450 DDL statements per unit), so two processes keep it busy
    # while each one's client side runs; forked children open their own connections.
    connections.close_all()
    done = 0
    with ProcessPoolExecutor(max_workers=max(1, processes), mp_context=get_context("fork")) as pool:
        for created in pool.map(_create_batch, jobs):
            done += created
            if verbose:
                elapsed = time.perf_counter() - started
                print(f"many_units: {done}/{len(missing)} created, {elapsed:.1f} s", flush=True)
    if verbose:
        print(f"many_units: {n} units ready in {time.perf_counter() - started:.1f} s")
    return slugs


def main() -> None:
    from scratch import run_in_scratch_database

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    run_in_scratch_database("many_units",
                            lambda: ensure_units(args.units, batch=args.batch, processes=args.processes))


if __name__ == "__main__":
    main()
