"""Benchmark: `carehub migrate` across many units versus django-tenants' plain `migrate_schemas`.

    .venv/bin/python bench/migrate.py [--units 1000] [--jobs 2]

In a scratch database `<dbname>_migrate` (dropped at the end), bench/many_units.py creates the units; then each
command runs as operators run it, in its own process (Django's start-up included), twice:
- no-op: every schema is up to date;
- one column: a temporary migration adds a nullable column to the members table (registers app); each command
  gets its own (the second chained after the first), swapped in with MIGRATION_MODULES from a throwaway settings
  module, so the code tree is never touched.
`carehub migrate` covers public, the template and every unit (fast path, `--jobs` processes);
`migrate_schemas` covers public and the units, one schema after another (django-tenants' standard executor).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch import BASE_DIR, run_in_scratch_database

CAREHUB = str(BASE_DIR / ".venv" / "bin" / "carehub")
TARGET_SECONDS = 15.0
PROBE = '''from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registers", "{previous}")]
    operations = [migrations.AddField("member", "bench_{column}", models.IntegerField(null=True))]
'''


def probe_settings(folder: Path, columns: list[str]) -> str:
    """A settings module whose registers migrations end with one AddField per column; returns its name."""
    import care.registers.migrations as real

    name = f"probe_{len(columns)}"
    package = folder / f"{name}_migrations"
    shutil.copytree(Path(real.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    previous = sorted(path.stem for path in package.glob("0*.py"))[-1]
    for index, column in enumerate(columns, start=1):
        migration = f"9{index:03d}_bench_{column}"
        (package / f"{migration}.py").write_text(PROBE.format(previous=previous, column=column))
        previous = migration
    (folder / f"{name}.py").write_text("from carehub.settings import *  # noqa: F403\n\n"
                                       f"MIGRATION_MODULES = {{'registers': '{name}_migrations'}}\n")
    return name


def timed(label: str, env: dict, *command: str) -> float:
    """Run a command to completion; print and return its wall time (printed at once: the runs are long)."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=BASE_DIR)  # noqa: S603
    elapsed = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    print(f"{label}: {elapsed:.1f} s", flush=True)
    return elapsed


def run(units: int, jobs: int) -> None:
    from many_units import ensure_units

    ensure_units(units)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace")
        namespaces = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_class")
        relations = cursor.fetchone()[0]
    print(f"database: {units} units, {namespaces} schemas, {relations:,} relations in pg_class")

    ours = [CAREHUB, "migrate", "--noinput", "-v", "0", "--jobs", str(jobs)]
    plain = [CAREHUB, "migrate_schemas", "--noinput", "-v", "0"]
    folder = Path(tempfile.mkdtemp(prefix="bench_migrate_"))
    try:
        base = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BASE_DIR / "platform"), str(BASE_DIR), str(folder)])}
        figures = {"no-op": (timed("no-op, carehub migrate", base, *ours),
                             timed("no-op, migrate_schemas", base, *plain))}
        first = {**base, "DJANGO_SETTINGS_MODULE": probe_settings(folder, ["a"])}
        second = {**base, "DJANGO_SETTINGS_MODULE": probe_settings(folder, ["a", "b"])}
        figures["one column"] = (timed("one column, carehub migrate", first, *ours),
                                 timed("one column, migrate_schemas", second, *plain))
    finally:
        shutil.rmtree(folder)

    print()
    print(f"{'seconds':<14}{'carehub migrate':>17}{'migrate_schemas':>17}{'ratio':>8}")
    for scenario, (fast, slow) in figures.items():
        print(f"{scenario:<14}{fast:>17.1f}{slow:>17.1f}{slow / fast:>7.1f}x")
    print(f"(carehub migrate: public, template and {units} units, --jobs {jobs}; migrate_schemas: public and "
          f"{units} units, one by one; each a fresh process)")
    verdict = "met" if figures["no-op"][0] <= TARGET_SECONDS else "MISSED"
    print(f"target no-op <= {TARGET_SECONDS:.0f} s for {units} units: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2, help="processes for carehub migrate (default 2)")
    args = parser.parse_args()
    run_in_scratch_database("migrate", lambda: run(args.units, args.jobs))


if __name__ == "__main__":
    main()
