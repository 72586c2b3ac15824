"""Benchmark: the registers at Ganjingzi scale (38,169 members, 110 branches).

    .venv/bin/python bench/registers.py [--members 38169] [--requests 200]

Works in a scratch database `<dbname>_bench_registers` (the name taken from DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/carehub): it is dropped and created, migrated with `carehub migrate`, used,
and dropped again at the end. The developer's database is never opened. Steps, each timed on its own:

1. `carehub demo --members N`: the four demo units, Ganjingzi at full scale with its tree, status history,
   extra fields and hardship ledger (care/registers/demo*.py).
2. Import (care.imports.services.imports): the members file of the same N people, made by the demo generator with the
   headers a Chinese register uses (姓名, 性别, 出生日期, 入党日期, 手机, 所属支部, 状态, 学历, ...), as .xlsx and as
   CSV in GBK, into a second unit with Ganjingzi's tree and extra fields and an empty register, as its admin:
   `preview_import` of each file, then `commit_import` of the CSV in a transaction that is rolled back, then
   `commit_import` of the .xlsx for real.
3. API (care.registers.api), in-process with Django's test Client (Host <slug>.<base domain>, force_login):
   the member list (GET /api/v1/members/?...) with varied filters, orderings, page sizes and pages, as the
   unit admin and as the secretary of 红旗街道; the member profile (GET /api/v1/members/<id>/). Latency is
   measured without query capture; SQL queries per request are counted in a separate pass with
   CaptureQueriesContext, including the same lists at page_size 20, 100 and 200, which must cost the same.
A step whose code is not there yet says so and is skipped. Every figure printed comes from this run.
"""

import argparse
import io
import random
import statistics
import time
from collections import Counter
from types import SimpleNamespace

from scratch import heading, percentile, run_in_scratch_database

from carehub.clock import unit_today

IMPORT_SLUG = "ganjingzi-import"
IMPORT_LIMIT_S = 60.0  # the issue: a 38,169-row file imports in under a minute
SEED = 20260701




def stats_line(label: str, samples: list[float], width: int = 34) -> str:
    ms = [sample * 1000 for sample in samples]
    return (f"  {label:<{width}}{len(ms):>5}{statistics.median(ms):>9.1f}{percentile(ms, 0.95):>9.1f}"
            f"{max(ms):>9.1f}")


# Step 1: the demo ----------------------------------------------------------------------------------------------

def run_demo(members: int) -> None:
    from django.core.management import call_command

    heading(f"demo: carehub demo --members {members}")
    out = io.StringIO()
    started = time.perf_counter()
    call_command("demo", members=members, stdout=out)
    elapsed = time.perf_counter() - started
    ganjingzi = out.getvalue().split("甘井子区委", 1)[1].split("\n\n", 1)[0]
    for line in ganjingzi.splitlines():
        if line.strip().startswith(("organisation:", "members:", "hardship ledger:", "extra fields:")):
            print(f"  {line.strip()}")
    print(f"  four units, Ganjingzi with {members} members: {elapsed:.1f} s")
    started = time.perf_counter()
    call_command("demo", members=members, stdout=io.StringIO())
    print(f"  second run (nothing to do): {time.perf_counter() - started:.1f} s")


# Step 2: import ------------------------------------------------------------------------------------------------

HEADERS = ["姓名", "性别", "出生日期", "入党日期", "手机", "使用智能手机", "住址", "所属支部", "状态", "亡故日期",
           "代收人", "代收电话"]
STATUS_WORDS = {"active": "正常", "retired": "离退休", "flowing": "流动", "moved_out": "已转出", "deceased": "亡故"}


def national(phone: str) -> str:
    return phone.removeprefix("+86")


def member_rows(members: int, today) -> tuple[list[str], list[list]]:
    """The members file of the demo's Ganjingzi: its people, each with the name of their branch (or of their
    community when it has no branch), the way a district's register names them."""
    from care.registers.demo import EXTRA_FIELDS, generate_records

    extra = EXTRA_FIELDS["district"]
    rows = []
    for record in generate_records("district", members, seed="carehub-demo:ganjingzi", today=today):
        member = record.member
        rows.append([
            member.name, "男" if member.sex == "m" else "女", member.birth_date, member.joined_on,
            national(member.phone), "是" if member.uses_smartphone else "否", member.address, record.node.name,
            STATUS_WORDS[member.status], member.died_on, member.proxy_name, national(member.proxy_phone),
            *(member.extra.get(field["key"], "") for field in extra),
        ])
    return HEADERS + [field["label"] for field in extra], rows


def xlsx_bytes(headers: list[str], rows: list[list]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("党员名册")
    sheet.append(["甘井子区党员信息采集表"])  # a title row above the header, as registers often have
    sheet.append(headers)
    for row in rows:
        sheet.append(["" if value is None else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_gbk_bytes(headers: list[str], rows: list[list]) -> bytes:
    import csv

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if value is None else str(value) for value in row])
    return text.getvalue().encode("gbk")


def import_unit():
    """A unit with Ganjingzi's tree and extra fields and no members; returns (unit, its active admin)."""
    from django.db import transaction
    from django_tenants.utils import schema_context

    from care.registers.demo_trees import tree_for
    from carehub.accounts.models import User
    from carehub.audit.models import Source
    from carehub.audit.services import source
    from carehub.management.commands.demo import DEMO_UNITS
    from carehub.management.commands.demo import Command as DemoCommand
    from tenants.services.onboarding import onboard_unit

    spec = DEMO_UNITS[0]
    unit = onboard_unit(None, slug=IMPORT_SLUG, name="甘井子区委", kind=spec.kind,
                        admin_email=f"admin@{IMPORT_SLUG}.bench", source="bench").unit
    demo = DemoCommand()
    demo.verbosity = 0
    with schema_context(unit.schema_name), transaction.atomic(), source(Source.COMMAND):
        admin = User.objects.get(email=f"admin@{IMPORT_SLUG}.bench")
        admin.is_active = True
        admin.save(update_fields=["is_active"])
        demo.ensure_tree(unit, spec, tree_for(spec.kind), admin)
        demo.ensure_extra_fields(spec, admin)
    return unit, admin


def run_import(members: int) -> dict:
    heading(f"import: a {members}-row members file into an empty register (care.imports.services.imports)")
    try:
        from care.imports.services.imports import commit_import, preview_import
    except ImportError as exc:
        print(f"  PENDING: care.imports.services.imports is not ready ({exc}); step skipped")
        return {}
    from django.db import transaction
    from django_tenants.utils import schema_context

    from care.registers.models import HardshipEntry, Member, StatusChange

    today = unit_today()
    started = time.perf_counter()
    headers, rows = member_rows(members, today)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    workbook = xlsx_bytes(headers, rows)
    written = time.perf_counter() - started
    gbk = csv_gbk_bytes(headers, rows)
    print(f"  file: {len(rows)} rows x {len(headers)} columns ({', '.join(headers)})")
    print(f"  made by the demo generator in {generated:.1f} s; .xlsx {len(workbook) / 2**20:.1f} MB written in "
          f"{written:.1f} s; CSV (GBK) {len(gbk) / 2**20:.1f} MB")
    unit, admin = import_unit()
    figures = {}
    with schema_context(unit.schema_name):
        for label, content in ((".xlsx", workbook), ("CSV GBK", gbk)):
            started = time.perf_counter()
            report = preview_import(admin, content, "members", filename=f"members{label}")
            figures[f"preview {label}"] = elapsed = time.perf_counter() - started
            print(f"  preview {label:<8} {elapsed:6.1f} s  rows {len(report.rows)}, with errors "
                  f"{len(report.error_rows)}, problems {report.problems or 'none'}")
            for row in report.error_rows[:3]:
                print(f"    row {row.row}: {row.errors}")
        try:
            with transaction.atomic():
                started = time.perf_counter()
                with Phases() as phases:
                    report = commit_import(admin, gbk, "members", filename="members.csv")
                figures["commit CSV GBK"] = elapsed = time.perf_counter() - started
                print(f"  commit  CSV GBK  {elapsed:6.1f} s  committed {report.committed}, created {report.created} "
                      "(rolled back)")
                print(f"    where the time goes: {phases.text()}")
                raise _RollBack
        except _RollBack:
            pass
        started = time.perf_counter()
        with Phases() as phases:
            report = commit_import(admin, workbook, "members", filename="members.xlsx")
        figures["commit .xlsx"] = elapsed = time.perf_counter() - started
        print(f"  commit  .xlsx    {elapsed:6.1f} s  committed {report.committed}, created {report.created}")
        print(f"    where the time goes: {phases.text()}")
        print(f"  register after the commit: {Member.objects.count()} members, {StatusChange.objects.count()} "
              f"status changes, {HardshipEntry.objects.count()} hardship entries")
    slowest = max(value for key, value in figures.items() if key.startswith("commit"))
    print(f"  target: a {members}-row file imports in under {IMPORT_LIMIT_S:.0f} s: "
          f"{'met' if slowest < IMPORT_LIMIT_S and report.committed else 'MISSED'} (slowest commit {slowest:.1f} s)")
    return figures


class _RollBack(Exception):
    pass


class Phases:
    """Wall time of the import's steps during a commit: validation (reading the file and checking every row),
    then each model's bulk_create, and the rest of saving (building the records and their audit events)."""

    def __init__(self):
        from django.db.models.query import QuerySet

        from care.imports.services import imports
        self.spent: dict[str, float] = {}
        self.patches = [(imports, "_validate", lambda *a, **k: "validate (read + check rows)"),
                        (QuerySet, "bulk_create", lambda queryset, *a, **k: f"bulk_create {queryset.model.__name__}"),
                        (imports.MemberRows, "save", lambda *a, **k: "save (total)")]
        self.originals = []

    def __enter__(self):
        for owner, attribute, name in self.patches:
            original = getattr(owner, attribute)
            self.originals.append((owner, attribute, original))
            setattr(owner, attribute, self._timed(original, name))
        return self

    def __exit__(self, *exc):
        for owner, attribute, original in reversed(self.originals):
            setattr(owner, attribute, original)
        self.originals = []

    def _timed(self, original, name):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                key = name(*args, **kwargs)
                self.spent[key] = self.spent.get(key, 0.0) + time.perf_counter() - started

        return timed

    def text(self) -> str:
        spent = dict(self.spent)
        inserts = sum(value for key, value in spent.items() if key.startswith("bulk_create"))
        if "save (total)" in spent:
            spent["save: building records and audit events"] = spent.pop("save (total)") - inserts
        return "; ".join(f"{key} {value:.1f} s" for key, value in spent.items())


# Step 3: API ---------------------------------------------------------------------------------------------------

class Api:
    """A logged-in test Client of one unit, and what the requests can be about."""

    def __init__(self, unit, user):
        from django.conf import settings
        from django.test import Client
        from django_tenants.utils import schema_context

        from care.registers import access
        from care.registers.models import HardshipEntry, NodeKind

        self.client = Client(HTTP_HOST=f"{unit.slug}.{settings.CAREHUB_BASE_DOMAIN}")
        self.user = user
        with schema_context(unit.schema_name):
            self.client.force_login(user)  # the session lives in the unit's schema
            nodes = access.visible_nodes(user)
            self.nodes = {kind: list(nodes.filter(kind=kind).values_list("pk", flat=True))
                          for kind in (NodeKind.STREET, NodeKind.COMMUNITY, NodeKind.BRANCH)}
            members = access.visible_members(user)
            self.member_ids = list(members.order_by("pk").values_list("pk", flat=True))
            self.ledger_ids = sorted(set(HardshipEntry.objects.filter(member__in=members)
                                         .values_list("member_id", flat=True)))
            everyone = list(members.order_by("pk").values_list("name", "name_initials", "phone"))
            self.names = random.Random(SEED).sample(everyone, min(300, len(everyone)))
            self.schema = unit.schema_name

    def get(self, path: str, params: dict | None = None):
        return self.client.get(path, params or {})


def list_params(api: Api, rng: random.Random) -> dict:
    """A member-list query as people use it: a search or a subtree or a status or an age band, sometimes two
    of them, an ordering, a page size and a page (mostly the first ones, sometimes a deep one)."""
    name, initials, phone = rng.choice(api.names)
    choices = {
        "q-name": lambda: {"q": name[0] if rng.random() < 0.4 else name[1:]},
        "q-initials": lambda: {"q": initials[:2]},
        "q-phone": lambda: {"q": phone[-4:] or name},
        "node": lambda: {"node": rng.choice(api.nodes[rng.choice([k for k in api.nodes if api.nodes[k]])])},
        "status": lambda: {"status": rng.choice([["retired"], ["flowing", "moved_out"], ["active"], ["deceased"]])},
        "age": lambda: rng.choice([{"age_min": 60}, {"age_max": 35}, {"age_min": 70, "age_max": 79},
                                   {"age_min": 80}]),
        "smartphone": lambda: {"uses_smartphone": "false"},
        "sex": lambda: {"sex": rng.choice(["m", "f"])},
        "hardship": lambda: {"hardship": rng.choice(["elderly", "low_income", "alone", "illness"])},
        "extra": lambda: {"extra.education": rng.choice(["本科", "大专", "高中/中专"])},
        "years": lambda: {"years_min": rng.choice([30, 50])},
        "none": lambda: {},
    }
    params: dict = {}
    for key in rng.sample(list(choices), rng.choice([1, 1, 2, 2, 3])):
        params.update(choices[key]())
    if rng.random() < 0.4:
        params["ordering"] = rng.choice(["name", "-birth_date", "joined_on", "-id", "status"])
    params["page_size"] = rng.choice([20, 20, 50, 100])
    return params


def count_for(api: Api, params: dict) -> int:
    from urllib.parse import urlencode

    from django.http import QueryDict
    from django_tenants.utils import schema_context

    from care.registers import access
    from care.registers.filters import MemberFilter

    with schema_context(api.schema):
        data = {key: value for key, value in params.items() if key not in ("page", "page_size", "ordering")}
        data = QueryDict(urlencode(data, doseq=True))  # as a request has it: lists are several values
        filterset = MemberFilter(data, queryset=access.visible_members(api.user),
                                 request=SimpleNamespace(user=api.user))
        return filterset.qs.count()


def with_page(api: Api, params: dict, rng: random.Random) -> dict:
    pages = max(1, -(-count_for(api, params) // params["page_size"]))
    page = rng.randint(1, min(pages, 3)) if rng.random() < 0.85 else rng.randint(1, pages)
    return {**params, "page": page} if page > 1 else params


def timed(api: Api, requests: list[tuple[str, dict]]) -> tuple[list[float], list[str]]:
    samples, failures = [], []
    for path, params in requests:
        started = time.perf_counter()
        response = api.get(path, params)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            failures.append(f"{response.status_code} {path} {params}")
    return samples, failures


def queries_of(api: Api, path: str, params: dict | None = None) -> tuple[str, int]:
    """("queries (of which SET search_path)", HTTP status) of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, params)
    sets = sum(1 for query in captured.captured_queries if query["sql"].startswith("SET search_path"))
    return f"{len(captured.captured_queries)} ({sets})", response.status_code


def run_api(requests: int) -> dict:
    heading(f"API: {requests} requests per series, in-process test Client (care.registers.api)")
    from django_tenants.utils import schema_context

    from carehub.accounts.models import User
    from tenants.models import Unit

    unit = Unit.objects.get(slug="ganjingzi")
    with schema_context(unit.schema_name):
        admin = User.objects.get(email="admin@ganjingzi.demo")
        secretary = User.objects.get(email="secretary@ganjingzi.demo")
    apis = {"admin": Api(unit, admin), "secretary": Api(unit, secretary)}
    rng = random.Random(SEED)
    members_path = "/api/v1/members/"
    probe = apis["admin"].get(members_path, {"page_size": 1})
    if probe.status_code != 200:
        print(f"  PENDING: GET {members_path} answers {probe.status_code}: {probe.content[:200]!r}; step skipped")
        return {}
    print(f"  Ganjingzi: {probe.json()['count']} members seen by the admin, "
          f"{len(apis['secretary'].member_ids)} by the secretary of 红旗街道")

    series = {}
    for who, api in apis.items():
        series[f"member list ({who})"] = [(members_path, with_page(api, list_params(api, rng), rng))
                                          for _ in range(requests)]
    admin_api = apis["admin"]
    # Profiles: half of them members with a ledger (their profile has the most to say), half anyone.
    ids = [rng.choice(admin_api.ledger_ids if index % 2 and admin_api.ledger_ids else admin_api.member_ids)
           for index in range(requests)]
    series["member profile (admin)"] = [(f"{members_path}{pk}/", {}) for pk in ids]
    apis_of = {name: apis["secretary" if "secretary" in name else "admin"] for name in series}

    for name, calls in series.items():  # warm-up: connections, caches, first-request imports
        timed(apis_of[name], calls[:10])
    results = {}
    print()
    print(f"  {'ms per request':<34}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}")
    for name, calls in series.items():
        samples, failures = timed(apis_of[name], calls)
        results[name] = samples
        print(stats_line(name, samples))
        for failure in failures[:5]:
            print(f"    FAILED: {failure}")
        if failures:
            print(f"    {len(failures)} of {len(calls)} requests did not answer 200")

    print()
    print("  SQL statements per request, (of them SET search_path): first 40 requests of each series again")
    for name, calls in series.items():
        counts = Counter(queries_of(apis_of[name], path, params)[0] for path, params in calls[:40])
        print(f"    {name:<32} " + ", ".join(f"{count} x{times}" for count, times in sorted(counts.items())))
    print()
    print(f"  {'member list, same query, by page_size':<44}{'20':>9}{'100':>9}{'200':>9}")
    constant = True
    checks = [("no filter (admin)", "admin", {}), ("street subtree (admin)", "admin",
                                                   {"node": admin_api.nodes["street"][0]}),
              ("60+, ordered by birth date (admin)", "admin", {"age_min": 60, "ordering": "-birth_date"}),
              ("hardship: elderly (admin)", "admin", {"hardship": "elderly"}),
              ("extra field: education (admin)", "admin", {"extra.education": "本科"}),
              ("search by surname (secretary)", "secretary", {"q": "王"}),
              ("no filter (secretary)", "secretary", {})]
    for label, who, params in checks:
        counts = [queries_of(apis[who], members_path, {**params, "page_size": size}) for size in (20, 100, 200)]
        row = "".join(f"{count:>9}" for count, _status in counts)
        statuses = {status for _count, status in counts}
        constant &= len({count for count, _status in counts}) == 1
        print(f"  {label:<44}{row}" + ("" if statuses == {200} else f"  (HTTP {sorted(statuses)})"))
    profile_counts = sorted({queries_of(admin_api, f"{members_path}{pk}/")[0] for pk in ids[:40]})
    print(f"  member profile: {', '.join(profile_counts)} statements (members with and without history)")
    print(f"  queries independent of the page size: {'yes' if constant else 'NO'}")
    return results


def run(members: int, requests: int) -> None:
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # whitenoise: no collectstatic here
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    connection.ensure_connection()
    print(f"scratch database migrated in {time.perf_counter() - started:.1f} s "
          f"(PostgreSQL {connection.pg_version // 10000})")
    run_demo(members)
    figures = run_import(members)
    results = run_api(requests)

    heading("summary")
    if figures:
        print("  import of the members file: " + "; ".join(f"{key} {value:.1f} s" for key, value in figures.items()))
    else:
        print("  import: pending (care.imports.services.imports not ready)")
    if results:
        for name, samples in results.items():
            print(f"  {name}: p95 {percentile(samples, 0.95) * 1000:.1f} ms "
                  f"(p50 {statistics.median(samples) * 1000:.1f} ms)")
    else:
        print("  API: pending (care.registers.api not ready)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=38169, help="members of Ganjingzi (default 38169)")
    parser.add_argument("--requests", type=int, default=200, help="requests per API series (default 200)")
    options = parser.parse_args()

    run_in_scratch_database("bench_registers", lambda: run(options.members, options.requests))


if __name__ == "__main__":
    main()
