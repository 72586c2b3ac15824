"""`carehub migrate`: public, then the template schema units are cloned from, then every unit.

Replaces django-tenants' `migrate` (same options). A schema whose recorded migrations already include every
migration of the code is skipped after one look at all schemas' `django_migrations` (tenants.migrate_all);
the others run Django's migrate, units in `--jobs` processes. A unit that fails does not stop the others; the
command then lists what is behind and exits non-zero, and a re-run continues. `--status` only lists.
With `--schema` it behaves as django-tenants' `migrate_schemas`. With an app label, a migration name or
`--fake`/`--plan`/`--prune`/`--check`, every schema runs Django's migrate (nothing is skipped).
"""

import os
import time

from django.core.management.base import CommandError
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.migration_executors.base import run_migrations
from django_tenants.utils import get_public_schema_name

from carehub.env import env_int
from tenants import migrate_all
from tenants.schema import create_template_schema, ensure_platform_unit

TARGETED = ("app_label", "migration_name", "fake", "fake_initial", "plan", "prune", "check_unapplied")


class Command(MigrateSchemasCommand):
    help = "Migrate the public schema, the template schema units are cloned from, and every unit."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        default_jobs = env_int("CAREHUB_MIGRATE_JOBS", min(4, os.cpu_count() or 1))
        parser.add_argument("--jobs", "-j", type=int, default=default_jobs,
                            help="Units migrated in parallel processes (default: CAREHUB_MIGRATE_JOBS, "
                                 "else the number of CPUs up to 4).")
        parser.add_argument("--status", action="store_true",
                            help="List the schemas that lack migrations, exit non-zero if any; change nothing.")

    def handle(self, *args, **options):
        if options["status"]:
            return self.status()
        if options.get("schema_name"):
            return super().handle(*args, **options)
        try:
            with migrate_all.RunLock():
                self.migrate_everything(args, options)
        except migrate_all.AlreadyRunning:
            raise CommandError("Another `carehub migrate` holds the migration lock on this database.") from None

    def say(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(f"[migrate {time.strftime('%H:%M:%S')}] {message}")

    def migrate_everything(self, args, options):
        self.verbosity = options["verbosity"]
        targeted = any(options.get(name) for name in TARGETED)
        code = migrate_all.code_migrations()
        public = get_public_schema_name()
        if not options.get("tenant"):
            if targeted or migrate_all.missing_counts([public], code)[public]:
                run_migrations(args, options, "carehub", public)
            else:
                self.say("public: up to date")
            ensure_platform_unit()
        if options.get("shared"):
            return
        create_template_schema()
        found = migrate_all.schemas()
        todo = [found.template, *found.units] if targeted else [
            schema for schema in migrate_all.behind(found, code) if schema != public]
        self.say(f"{len(found.units) + 1 - len(todo)} of {len(found.units) + 1} schemas (template and units) "
                 f"up to date; migrating {len(todo)}"
                 + (f"; {len(found.without_schema)} deleted units without a schema skipped"
                    if found.without_schema else ""))
        failed = {}
        if found.template in todo:
            todo.remove(found.template)
            if error := migrate_all.migrate_one(args, options, found.template):
                failed[found.template] = error
        if todo:
            started = time.perf_counter()
            outcome = migrate_all.migrate_units(args, options, todo, options["jobs"], self.say)
            failed.update(outcome.failed)
            self.say(f"units: {len(outcome.migrated)} migrated, {len(outcome.failed)} failed "
                     f"in {time.perf_counter() - started:.1f} s")
        self.conclude(failed, [] if targeted else list(migrate_all.behind(migrate_all.schemas(), code)))

    def conclude(self, failed: dict[str, str], lagging: list[str]) -> None:
        for schema, error in failed.items():
            self.stderr.write(f"{schema}: {error}")
        if failed or lagging:
            listed = ", ".join(lagging[:20]) + (f" and {len(lagging) - 20} more" if len(lagging) > 20 else "")
            raise CommandError(f"{len(failed)} schemas failed; behind: {listed or 'none'}. "
                               "Fix the cause and run `carehub migrate` again: it continues where it stopped.")

    def status(self):
        public = get_public_schema_name()
        code = migrate_all.code_migrations()
        lagging = migrate_all.missing_counts([public], code)
        if not lagging[public]:  # the unit registry can be read only once public is migrated
            found = migrate_all.schemas()
            lagging = migrate_all.behind(found, code)
            total = len(found.all)
        else:
            total = 1
        for schema, missing in lagging.items():
            if missing:
                self.stdout.write(f"{schema}\t{missing} migrations behind")
        behind = sum(1 for missing in lagging.values() if missing)
        summary = f"{total - behind} of {total} schemas up to date"
        if behind:
            raise CommandError(f"{summary}; run `carehub migrate`.")
        self.stdout.write(summary)
