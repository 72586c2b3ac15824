"""Benchmark: the care fund's ledger at 100,000 entries across 10 funds.

    .venv/bin/python bench/fund.py [--entries 100000] [--funds 10] [--threads 4] [--requests 200]

Works in a scratch database `<dbname>_bench_fund` (the name taken from DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/carehub): dropped and created, migrated with `carehub migrate`, used, and
dropped again at the end. The developer's database is never opened. Steps, each timed on its own:

1. Posting: a unit with 10 organisations, each keeping a fund, and 500 members; N entries (income of every source,
   and visit gifts, a third of them to a named member, death care and other spending that never overdraw) dated
   over last year and this year, each through
   the real service (care.fund.services.ledger.post_entry: lock, period and overdraft checks, running balance,
   audit record), from several threads with their own connections posting to random funds at once, so the
   postings contend for the funds' locks. Then every fund's running balance is checked against the sum of its
   ledger.
2. Balance of each fund (services.ledger.balance: the sum of its ledger), time and SQL statements.
3. A year's disclosure of each fund (services.disclosure.build), and the public page of one through HTTP.
4. The ledger list through the API (GET /api/v1/fund/entries/), in-process with Django's test Client as the unit
   admin: one fund's ledger with varied filters, orderings, page sizes and pages; p50/p95/max, and SQL
   statements per request (at page sizes 20, 100 and 200, which must cost the same).
Every figure printed comes from this run.
"""

import argparse
import datetime
import random
import statistics
import threading
import time
from collections import Counter
from decimal import Decimal

from scratch import heading, percentile, run_in_scratch_database

from carehub.clock import unit_today

SLUG = "bench-fund"
SEED = 20260701
INCOME = ["allocation", "dues", "member_donation", "unit_donation", "support", "other_income"]
SPENDING = ["visit_gift", "death_care", "other_spending"]


def ms_line(label: str, samples: list[float], width: int = 40) -> str:
    ms = [sample * 1000 for sample in samples]
    return (f"  {label:<{width}}{len(ms):>6}{statistics.median(ms):>9.2f}{percentile(ms, 0.95):>9.2f}"
            f"{max(ms):>9.2f}")


def setup_unit(funds: int, members: int):
    """A unit, its active admin, a root and `funds` organisations below it, each keeping a fund and `members`
    members (who receive some of the visit gifts, so a disclosure lists payments with masked names)."""
    from django_tenants.utils import schema_context

    from care.fund.services.funds import create_fund
    from care.registers.demo import GIVEN_NAMES, SURNAMES
    from care.registers.models import Member
    from care.registers.services.nodes import create_node
    from carehub.accounts.models import User
    from tenants.services.onboarding import onboard_unit

    unit = onboard_unit(None, slug=SLUG, name="红旗街道党工委", kind="street", admin_email=f"admin@{SLUG}.bench",
                        source="bench").unit
    with schema_context(unit.schema_name):
        admin = User.objects.get(email=f"admin@{SLUG}.bench")
        admin.is_active = True
        admin.save(update_fields=["is_active"])
        root = create_node(admin, parent=None, name="红旗街道党工委", kind="street")
        fund_list = [create_fund(admin, create_node(admin, parent=root, name=f"第{index + 1}社区党委",
                                                    kind="community"), name=f"第{index + 1}社区关爱基金")
                     for index in range(funds)]
        rng = random.Random(SEED)
        given = [name for names in GIVEN_NAMES.values() for name in names]
        people = Member.objects.bulk_create(
            Member(node=fund_list[index % funds].node, name=rng.choice(SURNAMES)[0] + rng.choice(given), sex="m",
                   phone=f"+86139{rng.randint(0, 99_999_999):08d}") for index in range(members))
        by_fund = [[person for person in people if person.node_id == fund.node_id] for fund in fund_list]
    return unit, admin, fund_list, by_fund


def plan_postings(count: int, funds: int, rng: random.Random, today: datetime.date) -> list[tuple]:
    """(fund index, kind, amount, day, to a member?): every fund's income outweighs its spending, so none is
    refused; a third of the visit gifts go to a named member."""
    start = datetime.date(today.year - 1, 1, 1)
    span = (today - start).days
    postings = []
    for _ in range(count):
        spend = rng.random() < 0.45
        kind = rng.choice(SPENDING if spend else INCOME)
        amount = Decimal(rng.randint(5_000, 80_000) if spend else rng.randint(20_000, 150_000)) / 100
        postings.append((rng.randrange(funds), kind, amount, start + datetime.timedelta(days=rng.randint(0, span)),
                         kind == "visit_gift" and rng.random() < 0.33))
    return postings


def run_postings(unit, admin, fund_list, by_fund, postings: list[tuple], threads: int) -> dict:
    from django.core.exceptions import ValidationError
    from django.db import connection
    from django_tenants.utils import schema_context

    from care.fund.services import ledger
    from carehub.audit.models import Source
    from carehub.audit.services import source

    heading(f"posting {len(postings)} entries across {len(fund_list)} funds through services.ledger.post_entry, "
            f"{threads} threads")
    chunks = [postings[index::threads] for index in range(threads)]
    refused, latencies, lock = Counter(), [], threading.Lock()

    def work(chunk, rng):
        mine, spent = [], Counter()
        try:
            with schema_context(unit.schema_name), source(Source.COMMAND):
                for fund_index, kind, amount, day, to_member in chunk:
                    member = rng.choice(by_fund[fund_index]) if to_member and by_fund[fund_index] else None
                    started = time.perf_counter()
                    try:
                        ledger.post_entry(admin, fund_list[fund_index], kind=kind, amount=amount, booked_on=day,
                                          counterparty="基准测试", purpose=f"{kind} {day:%m月}", member=member)
                    except ValidationError:
                        spent["refused"] += 1
                    mine.append(time.perf_counter() - started)
        finally:
            connection.close()
        with lock:
            latencies.extend(mine)
            refused.update(spent)

    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(chunk, random.Random(SEED + index)))
               for index, chunk in enumerate(chunks)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    posted = len(latencies) - refused["refused"]
    print(f"  {posted} posted, {refused['refused']} refused (would overdraw) in {elapsed:.1f} s: "
          f"{len(latencies) / elapsed:.0f} postings/s")
    print(f"  {'ms per posting':<40}{'n':>6}{'p50':>9}{'p95':>9}{'max':>9}")
    print(ms_line("post_entry (lock, checks, insert, audit)", latencies))
    with schema_context(unit.schema_name):
        counts = Counter(fund.entries.count() for fund in fund_list)
        consistent = all(ledger.verify(fund) for fund in fund_list)
        sql = queries_of(lambda: ledger.post_entry(admin, fund_list[0], kind="dues", amount="1.00"))
    print(f"  entries per fund: {', '.join(f'{n} x{times}' for n, times in sorted(counts.items()))}")
    print(f"  every fund's running balance equals the sum of its ledger: {'yes' if consistent else 'NO'}")
    print(f"  SQL statements per posting (outside the benchmark's threads): {sql}")
    return {"postings/s": len(latencies) / elapsed, "posting p95 ms": percentile(latencies, 0.95) * 1000}


def queries_of(function) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    return sum(1 for query in captured.captured_queries
               if not query["sql"].startswith(("SET search_path", "SAVEPOINT", "RELEASE SAVEPOINT")))


def run_reads(unit, fund_list, today: datetime.date) -> dict:
    from django_tenants.utils import schema_context

    from care.fund.services import disclosure, ledger

    heading("balances and a year's disclosure of each fund")
    figures = {}
    with schema_context(unit.schema_name):
        for fund in fund_list:  # warm-up
            ledger.balance(fund)
        balances, reports = [], []
        print(f"  {'fund':<18}{'entries':>8}{'balance':>16}{'ms':>8}{'disclosure ms':>15}{'payments':>10}")
        for fund in fund_list:
            started = time.perf_counter()
            balance = ledger.balance(fund)
            balances.append(time.perf_counter() - started)
            started = time.perf_counter()
            report = disclosure.build(fund, today.year - 1)
            reports.append(time.perf_counter() - started)
            print(f"  {fund.name:<14}{fund.entries.count():>8}{balance:>16,.2f}{balances[-1] * 1000:>8.2f}"
                  f"{reports[-1] * 1000:>15.2f}{len(report.payments):>10}")
        balance_sql = queries_of(lambda: ledger.balance(fund_list[0]))
        report_sql = queries_of(lambda: disclosure.build(fund_list[0], today.year - 1))
        income = sum(line.amount for line in disclosure.build(fund_list[0], today.year - 1).income)
    print(f"  balance: p50 {statistics.median(balances) * 1000:.2f} ms, max {max(balances) * 1000:.2f} ms, "
          f"{balance_sql} SQL statement(s)")
    print(f"  year's disclosure (opening, income by source, spending by kind, payments, closing): p50 "
          f"{statistics.median(reports) * 1000:.2f} ms, max {max(reports) * 1000:.2f} ms, {report_sql} statements; "
          f"{fund_list[0].name}'s income last year {income:,.2f}")
    figures["balance p50 ms"] = statistics.median(balances) * 1000
    figures["disclosure p50 ms"] = statistics.median(reports) * 1000
    return figures


def run_public_page(unit, admin, fund_list, today) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from care.fund.services import disclosure
    from tenants.services.onboarding import domain_for

    with schema_context(unit.schema_name):
        link = disclosure.create_link(admin, fund_list[0], year=today.year - 1)
    client = Client(HTTP_HOST=domain_for(unit.slug))
    client.get(f"/fund/public/{link.token}/")
    samples = []
    for _ in range(20):
        started = time.perf_counter()
        response = client.get(f"/fund/public/{link.token}/")
        samples.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/fund/public/{link.token}/")
    print(f"  public disclosure page (HTTP {response.status_code}, no login): p50 "
          f"{statistics.median(samples) * 1000:.1f} ms over 20 requests, {len(captured.captured_queries)} SQL "
          "statements")


def run_api(unit, admin, fund_list, requests: int, today) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from tenants.services.onboarding import domain_for

    heading(f"ledger list through the API: {requests} requests, in-process test Client, as the unit admin")
    client = Client(HTTP_HOST=domain_for(unit.slug))
    with schema_context(unit.schema_name):
        client.force_login(admin)
        fund = fund_list[0]
        total = fund.entries.count()
    rng = random.Random(SEED)
    path = "/api/v1/fund/entries/"

    def count_for(query: dict) -> int:
        from urllib.parse import urlencode

        from django.http import QueryDict

        from care.fund.filters import EntryFilter

        data = QueryDict(urlencode({k: v for k, v in query.items() if k != "page_size"}, doseq=True))
        with schema_context(unit.schema_name):
            return EntryFilter(data, queryset=fund.entries.all()).qs.count()

    def params() -> dict:
        """One fund's ledger as a treasurer reads it: a kind, a direction, a month or a search, sometimes an
        ordering; mostly the first pages, sometimes a deep one."""
        query = {"fund": fund.pk, "page_size": rng.choice([20, 50, 50, 100])}
        choice = rng.random()
        if choice < 0.2:
            query["kind"] = rng.sample(INCOME + SPENDING, 2)
        elif choice < 0.35:
            query["direction"] = rng.choice(["in", "out"])
        elif choice < 0.5:
            month = rng.randint(1, 12)
            query["date_from"] = datetime.date(today.year - 1, month, 1).isoformat()
            query["date_to"] = datetime.date(today.year - 1, month, 28).isoformat()
        elif choice < 0.6:
            query["q"] = rng.choice(["基准", "03月", "visit_gift"])
        if rng.random() < 0.3:
            query["ordering"] = rng.choice(["booked_on", "-booked_on", "amount", "-amount"])
        pages = max(1, -(-count_for(query) // query["page_size"]))
        page = rng.randint(1, min(pages, 5)) if rng.random() < 0.85 else rng.randint(1, pages)
        if page > 1:
            query["page"] = page
        return query

    calls = [params() for _ in range(requests)]
    for query in calls[:10]:
        client.get(path, query)
    samples, failures = [], []
    for query in calls:
        started = time.perf_counter()
        response = client.get(path, query)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            failures.append((response.status_code, query))
    print(f"  {fund.name}: {total} entries")
    print(f"  {'ms per request':<40}{'n':>6}{'p50':>9}{'p95':>9}{'max':>9}")
    print(ms_line("GET entries/?fund=..&filters&page", samples))
    for failure in failures[:5]:
        print(f"    FAILED: {failure}")
    counts = Counter()
    for query in calls[:40]:
        with CaptureQueriesContext(connection) as captured:
            client.get(path, query)
        counts[len(captured.captured_queries)] += 1
    by_size = []
    for size in (20, 100, 200):
        with CaptureQueriesContext(connection) as captured:
            client.get(path, {"fund": fund.pk, "page_size": size})
        by_size.append(len(captured.captured_queries))
    print(f"  SQL statements per request (first 40 again): {', '.join(f'{n} x{t}' for n, t in sorted(counts.items()))}")
    print(f"  at page_size 20 / 100 / 200: {' / '.join(map(str, by_size))} "
          f"(independent of the page size: {'yes' if len(set(by_size)) == 1 else 'NO'})")
    return {"ledger list p95 ms": percentile(samples, 0.95) * 1000, "ledger list p50 ms": statistics.median(samples)
            * 1000}


def run(entries: int, funds: int, threads: int, requests: int) -> None:
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # whitenoise: no collectstatic here
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    connection.ensure_connection()
    print(f"scratch database migrated in {time.perf_counter() - started:.1f} s "
          f"(PostgreSQL {connection.pg_version // 10000})")
    today = unit_today()
    unit, admin, fund_list, by_fund = setup_unit(funds, members=500)
    postings = plan_postings(entries, funds, random.Random(SEED), today)
    figures = run_postings(unit, admin, fund_list, by_fund, postings, threads)
    figures.update(run_reads(unit, fund_list, today))
    run_public_page(unit, admin, fund_list, today)
    figures.update(run_api(unit, admin, fund_list, requests, today))
    heading("summary")
    for key, value in figures.items():
        print(f"  {key}: {value:,.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000, help="ledger entries to post (default 100000)")
    parser.add_argument("--funds", type=int, default=10, help="funds to spread them over (default 10)")
    parser.add_argument("--threads", type=int, default=4, help="threads posting at once (default 4)")
    parser.add_argument("--requests", type=int, default=200, help="API requests in the latency series (default 200)")
    options = parser.parse_args()
    run_in_scratch_database("bench_fund",
                            lambda: run(options.entries, options.funds, options.threads, options.requests))


if __name__ == "__main__":
    main()
