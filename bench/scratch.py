"""What every benchmark shares: a scratch database it may drop, the Django environment, and percentiles.

A benchmark never opens the developer's database: it works in `<dbname>_<suffix>` on the same server (the name
taken from DATABASE_URL), dropped and created at the start and dropped again at the end, whatever happens.
"""

import os
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/carehub"


def percentile(samples: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (statistics.quantiles' inclusive method)."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def admin_execute(maintenance_url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def _urls(url: str, suffix: str) -> tuple[str, str, str]:
    """(scratch database name, its URL, URL of the `postgres` maintenance database on the same server)."""
    parts = urlsplit(url)
    scratch = f"{parts.path.lstrip('/') or 'carehub'}_{suffix}"
    return scratch, urlunsplit(parts._replace(path=f"/{scratch}")), urlunsplit(parts._replace(path="/postgres"))


def run_in_scratch_database(suffix: str, run: Callable[[], None]) -> None:
    """Point Django at a fresh scratch database, call `run`, and drop the database afterwards."""
    scratch, scratch_url, maintenance_url = _urls(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL, suffix)
    os.environ["DATABASE_URL"] = scratch_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehub.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-to-serve-requests")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("SENTRY_DSN", None)  # a benchmark's errors are not production incidents
    for path in (BASE_DIR / "platform", BASE_DIR):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))

    print(f"scratch database: {scratch} (dropped and created; dropped again at the end)")
    admin_execute(maintenance_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)', f'CREATE DATABASE "{scratch}"')
    try:
        run()
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not have been set up; the drop below is what matters
            pass
        admin_execute(maintenance_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        print(f"scratch database {scratch} dropped")


def heading(text: str) -> None:
    print()
    print(f"== {text}")


def migrate_and_load_demo(members: int) -> None:
    """Migrate the scratch database and load `carehub demo` with a Ganjingzi of `members` members, timed."""
    import io
    import time

    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"scratch database migrated in {time.perf_counter() - started:.1f} s")
    heading(f"demo: carehub demo --members {members}")
    started = time.perf_counter()
    call_command("demo", members=members, stdout=io.StringIO())
    print(f"  four units, Ganjingzi with {members} members: {time.perf_counter() - started:.1f} s")
