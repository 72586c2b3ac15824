"""Benchmark: the care programme's task and greeting generation at Ganjingzi scale (38,169 members, 110
branches, the district preset).

    .venv/bin/python bench/programme.py [--members 38169] [--sample 2000]

Works in a scratch database `<dbname>_bench_programme` (dropped and created, migrated, dropped at the end; the
developer's database is never opened). Steps:

1. `carehub demo --members N`: the demo units, Ganjingzi at full scale with the district preset. The demo plans
   its own 60-day horizon; those items are deleted so that generation starts from scratch.
2. Full year: `runs.generate` with a 365-day horizon from scratch, then the daily run of the next day
   (`runs.run_daily`: cancel, generate the horizon, escalate). Seconds, SQL statements and items created.
3. The same generation on a 2,000-member district unit (same preset and tree): the SQL statement count must not
   depend on the number of members. Then a straightforward per-member ORM loop over the same rules and window on
   that unit (defined below, as a developer would first write it) must create the same items; the ratio of the
   two times is printed.
Every figure printed comes from this run.
"""

import argparse
import dataclasses
import datetime
import time
from contextlib import contextmanager

from scratch import heading, migrate_and_load_demo, run_in_scratch_database

from carehub.clock import unit_today

SAMPLE_SLUG = "ganjingzi-sample"
FULL_YEAR_TARGET_S, DAILY_TARGET_S = 15.0, 2.0


@contextmanager
def counted():
    """Count SQL statements cheaply (no SQL text kept), so timing and counting are one run."""
    from django.db import connection

    box = {"statements": 0}

    def wrapper(execute, sql, params, many, context):
        box["statements"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        started = time.perf_counter()
        yield box
        box["seconds"] = time.perf_counter() - started


def wipe_items() -> None:
    from care.programme.models import CareTask, Greeting

    CareTask.objects.all().delete()
    Greeting.objects.all().delete()


def sample_unit(members: int):
    """A district unit with Ganjingzi's tree and staff and the first `members` demo members."""
    from django.db import transaction
    from django_tenants.utils import schema_context

    from care.registers.demo_trees import tree_for
    from carehub.audit.models import Source
    from carehub.audit.services import source
    from carehub.management.commands.demo import DEMO_UNITS, staff_email
    from carehub.management.commands.demo import Command as DemoCommand
    from tenants.services.onboarding import onboard_unit

    spec = dataclasses.replace(DEMO_UNITS[0], slug=SAMPLE_SLUG, members=members)
    unit = onboard_unit(None, slug=SAMPLE_SLUG, name=spec.name, kind=spec.kind,
                        admin_email=staff_email(SAMPLE_SLUG, "admin"), source="bench").unit
    demo = DemoCommand()
    demo.verbosity, demo.timings = 0, {}
    today = datetime.date.today()
    with schema_context(unit.schema_name), transaction.atomic(), source(Source.COMMAND):
        admin = demo.ensure_admin(spec)
        tree = tree_for(spec.kind)
        nodes = demo.ensure_tree(unit, spec, tree, admin)
        staff = demo.ensure_staff(spec, nodes)
        demo.top_up(spec, tree, nodes, admin, staff, members, today)
    return unit


class OrmLoop:
    """The straightforward implementation: for every rule, every member in Python, every occurrence; the
    audience checked on the model, the assignee looked up per member, and get-or-create per item."""

    def __init__(self, window):
        from care.programme.calendar import calendar_rows

        self.window = window
        margin = datetime.timedelta(days=400)
        days, keys = calendar_rows(window.today - margin, window.end + margin)
        self.days_of_key: dict = {}
        for day, key in zip(days, keys, strict=True):
            self.days_of_key.setdefault(key, []).append(day)

    def run(self) -> tuple[int, int]:
        from care.programme.models import Rule

        tasks = greetings = 0
        for rule in Rule.objects.filter(is_active=True).select_related("current"):
            created = self.rule(rule.current)
            tasks, greetings = tasks + created[0], greetings + created[1]
        return tasks, greetings

    def fixed_occurrences(self, version) -> list | None:
        """Occasions and cadences are the same for every member: computed once per rule."""
        from care.programme.calendar import dates_between
        from care.programme.services.generation import _days, periods

        if version.trigger == "occasion":
            days = dates_between(version.calendar, version.month, version.day, *_days(version, self.window))
            return [(day, day) for day in days]
        if version.trigger == "cadence":
            starts, ends = periods(version.every_months, self.window)
            return list(zip(starts, ends, strict=True))
        return [] if version.trigger != "anniversary" else None

    def occurrences(self, version, member) -> list:
        from care.programme.services.generation import _days

        start, end = _days(version, self.window)
        reference = member.joined_on if version.anniversary_of == "political_birthday" else member.birth_date
        if version.anniversary_of == "birthday" and version.prefer_lunar and member.lunar_birth_month \
                and member.lunar_birth_day:
            key = f"L{member.lunar_birth_month}-{member.lunar_birth_day}{'+' if member.lunar_birth_leap else ''}"
        elif reference:
            key = f"{reference:%m-%d}"
        else:
            return []
        days = [day for day in self.days_of_key.get(key, []) if start <= day <= end
                and (reference is None or day > reference)]
        if reference and version.round_years:
            days = [day for day in days if day.year - reference.year in version.round_years]
        return [(day, day) for day in days]

    def in_audience(self, version, member, day) -> bool:
        from care.registers.models import HardshipEntry

        audience = version.audience
        excluded = ["moved_out"] if version.task_kind == "death_care" else ["deceased", "moved_out"]
        if member.status in excluded or (audience.get("statuses") and member.status not in audience["statuses"]):
            return False
        if "age_min" in audience and not (member.birth_date and member.birth_date <= years_before(day,
                                                                                                 audience["age_min"])):
            return False
        if "years_min" in audience and not (member.joined_on and member.joined_on <= years_before(
                day, audience["years_min"])):
            return False
        if audience.get("hardship"):
            return HardshipEntry.objects.filter(member=member, closed_on__isnull=True).exists()
        return True

    def rule(self, version) -> tuple[int, int]:
        from care.programme.models import CareTask, Greeting, Pairing
        from care.programme.services.pairing import secretary_for
        from care.registers.models import Member

        tasks = greetings = 0
        today, end = self.window.today, self.window.end
        fixed = self.fixed_occurrences(version)
        for member in Member.objects.select_related("node"):
            for day, last in fixed if fixed is not None else self.occurrences(version, member):
                if not self.in_audience(version, member, day):
                    continue
                if version.trigger == "cadence":
                    opens, due = day, last
                else:
                    opens = day - datetime.timedelta(days=version.lead_days)
                    due = day + datetime.timedelta(days=version.due_days)
                if version.task_kind and due >= today and opens <= end:
                    current = Pairing.objects.filter(member=member, ended_on__isnull=True).first()
                    assignee = current.partner if current else secretary_for(member.node)
                    _task, created = CareTask.objects.get_or_create(
                        rule_id=version.rule_id, member=member, occurs_on=day, event=None,
                        defaults={"version": version, "kind": version.task_kind, "opens_on": opens, "due_on": due,
                                  "assignee": assignee})
                    tasks += created
                if version.greeting_template and today <= day <= end:
                    _greeting, created = Greeting.objects.get_or_create(
                        rule_id=version.rule_id, member=member, send_on=day,
                        defaults={"version": version, "template": version.greeting_template,
                                  "via_sms": not member.uses_smartphone})
                    greetings += created
        return tasks, greetings


def years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def line(label: str, box: dict, tasks: int, greetings: int) -> str:
    return (f"  {label:<44}{box['seconds']:>8.2f} s{box['statements']:>8} statements{tasks:>9} tasks"
            f"{greetings:>9} greetings")


def run(members: int, sample: int) -> None:
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()
    from django_tenants.utils import schema_context

    from care.programme.models import CareTask, Greeting, Rule
    from care.programme.services import runs
    from care.programme.services.generation import Window
    from care.registers.models import Member, Node
    from carehub.audit.models import Source
    from carehub.audit.services import source

    migrate_and_load_demo(members)

    results = {}
    with schema_context("ganjingzi"), source(Source.TASK):
        today = unit_today()
        print(f"  Ganjingzi: {Member.objects.count()} members, {Node.objects.filter(kind='branch').count()} branches, "
              f"{Rule.objects.filter(is_active=True).count()} active rules (district preset); today {today}")
        wipe_items()
        heading("set-based generation, Ganjingzi")
        with counted() as box:
            outcome = runs.generate(None, today=today, horizon=365)
        results["full"] = box
        print(line("365 days from scratch", box, outcome.tasks, outcome.greetings))
        print(f"  {'':<44}tables now: {CareTask.objects.count()} tasks, {Greeting.objects.count()} greetings")
        with counted() as box:
            daily = runs.run_daily(today=today + datetime.timedelta(days=1), horizon=365)
        results["daily"] = box
        print(line("daily run of the next day (365-day horizon)", box, daily.generated.tasks,
                   daily.generated.greetings) + f"  ({daily.escalated} escalated, {daily.cancelled} cancelled)")
        with counted() as box:
            daily60 = runs.run_daily(today=today + datetime.timedelta(days=1), horizon=60)
        print(line("daily run again, default 60-day horizon", box, daily60.generated.tasks,
                   daily60.generated.greetings))

    heading(f"{sample}-member sample: statement count and the per-member ORM loop")
    unit = sample_unit(sample)
    with schema_context(unit.schema_name), source(Source.TASK):
        print(f"  sample unit: {Member.objects.count()} members, same preset "
              f"({Rule.objects.filter(is_active=True).count()} active rules)")
        with counted() as box:
            outcome = runs.generate(None, today=today, horizon=365)
        results["sample"] = box
        print(line("set-based, 365 days from scratch", box, outcome.tasks, outcome.greetings))
        expected = (CareTask.objects.count(), Greeting.objects.count())
        wipe_items()
        with counted() as loop_box:
            made = OrmLoop(Window(today, 365)).run()
        print(line("per-member ORM loop, 365 days from scratch", loop_box, *made))
        same = made == expected
        print(f"  same items created: {'yes' if same else 'NO'} (set-based {expected}, loop {made})")

    heading("summary")
    full, daily, sample_box = results["full"], results["daily"], results["sample"]
    print(f"  full year at {members} members: {full['seconds']:.2f} s, {full['statements']} statements "
          f"(target <= {FULL_YEAR_TARGET_S:.0f} s: {'met' if full['seconds'] <= FULL_YEAR_TARGET_S else 'MISSED'})")
    print(f"  daily run: {daily['seconds']:.2f} s, {daily['statements']} statements "
          f"(target <= {DAILY_TARGET_S:.0f} s: {'met' if daily['seconds'] <= DAILY_TARGET_S else 'MISSED'})")
    print(f"  statements at {sample} members: {sample_box['statements']}, at {members}: {full['statements']} "
          f"-> independent of the member count: {'yes' if sample_box['statements'] == full['statements'] else 'NO'}")
    print(f"  per-member ORM loop vs set-based at {sample} members: {loop_box['seconds']:.1f} s vs "
          f"{sample_box['seconds']:.2f} s = {loop_box['seconds'] / sample_box['seconds']:.0f}x slower, "
          f"{loop_box['statements']} vs {sample_box['statements']} statements")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=38169, help="members of Ganjingzi (default 38169)")
    parser.add_argument("--sample", type=int, default=2000, help="members of the ORM-loop sample (default 2000)")
    options = parser.parse_args()
    run_in_scratch_database("bench_programme", lambda: run(options.members, options.sample))


if __name__ == "__main__":
    main()
