"""Benchmark: the portal pages people open most, at Ganjingzi scale (38,169 members, 285 organisations).

    .venv/bin/python bench/portal_pages.py [--members 38169] [--requests 50]

Works in a scratch database `<dbname>_bench_portal_pages` (see bench/scratch.py), dropped at the end. Steps:

1. `carehub demo --members N` (the four demo units, Ganjingzi at full scale with its tree, register, hardship
   ledger, care programme and funds).
2. In-process with Django's test Client (Host <slug>.<base domain>, force_login), as the unit admin and as the
   secretary of 红旗街道 (a street: a subtree of about a tenth of the unit), --requests requests per page and
   user, after 5 warm-up requests each, server time per request (the view, its queries and its template; no
   network, no browser):
   - the organisation tree (portal:tree), target under 300 ms;
   - the member list, first page (portal:member_list), and filtered (a community of the user's subtree, retired
     members, members aged 70 and over, or a surname; one of them per request, in a seeded order);
   - "my work" (programme:my_work), when the URL exists (a page still being built is skipped and said so);
   - the dashboard (home).
   The baseline, measured in the same run and the same way, is the login page for an anonymous visitor (a form,
   no query of the register): each page's p50 is also given as a multiple of it, so a loaded machine can be
   told from a slow page. SQL statements per request are counted in a separate pass (CaptureQueriesContext).
Every figure printed comes from this run.
"""

import argparse
import random
import statistics
import time

from scratch import heading, migrate_and_load_demo, percentile, run_in_scratch_database

SEED = 20260701
TREE_TARGET_MS = 300.0
WARM_UP = 5


class Visitor:
    """A test Client of Ganjingzi, logged in as `email` (or anonymous), and what its filters can be about."""

    def __init__(self, unit, email: str | None):
        from django.conf import settings
        from django.test import Client
        from django_tenants.utils import schema_context

        from care.registers import access
        from care.registers.models import NodeKind
        from carehub.accounts.models import User

        self.client = Client(HTTP_HOST=f"{unit.slug}.{settings.CAREHUB_BASE_DOMAIN}")
        self.communities = []
        if email:
            with schema_context(unit.schema_name):
                user = User.objects.get(email=email)
                self.client.force_login(user)  # the session lives in the unit's schema
                self.communities = list(access.visible_nodes(user).filter(kind=NodeKind.COMMUNITY)
                                        .values_list("pk", flat=True))

    def filters(self, rng: random.Random) -> dict:
        return rng.choice([{"node": rng.choice(self.communities)} if self.communities else {"q": "张"},
                           {"status": "retired"}, {"age_min": 70}, {"q": rng.choice("王李张刘陈")}])


def timed(visitor: Visitor, path: str, params: list[dict]) -> tuple[list[float], list[str]]:
    samples, failures = [], []
    for query in params:
        started = time.perf_counter()
        response = visitor.client.get(path, query)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            failures.append(f"{response.status_code} {path} {query}")
    return samples, failures


def statements(visitor: Visitor, path: str, query: dict) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        visitor.client.get(path, query)
    return len(captured)


def size(unit) -> str:
    from django_tenants.utils import schema_context

    from care.registers.models import Member, Node

    with schema_context(unit.schema_name):
        return f"{Member.objects.count()} members, {Node.objects.count()} organisations"


def my_work_path() -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("programme:my_work")
    except NoReverseMatch:
        return None


def run_pages(requests: int) -> dict[str, list[float]]:
    from django.urls import reverse

    from tenants.models import Unit

    unit = Unit.objects.get(slug="ganjingzi")
    visitors = {"admin": Visitor(unit, "admin@ganjingzi.demo"),
                "secretary": Visitor(unit, "secretary@ganjingzi.demo"),
                "anonymous": Visitor(unit, None)}
    rng = random.Random(SEED)
    members = reverse("portal:member_list")
    pages = [("login page (baseline)", "anonymous", reverse("login"), [{}] * requests)]
    my_work = my_work_path()
    for who in ("admin", "secretary"):
        pages += [(f"tree ({who})", who, reverse("portal:tree"), [{}] * requests),
                  (f"member list, page 1 ({who})", who, members, [{}] * requests),
                  (f"member list, filtered ({who})", who, members,
                   [visitors[who].filters(rng) for _ in range(requests)])]
        if my_work:
            pages.append((f"my work ({who})", who, my_work, [{}] * requests))
        pages.append((f"dashboard ({who})", who, reverse("home"), [{}] * requests))

    heading(f"portal pages: {requests} requests per page and user, in-process test Client, server time")
    print(f"  Ganjingzi: {size(unit)}")
    if not my_work:
        print("  my work: PENDING, the URL programme:my_work does not exist yet; skipped")
    for _name, who, path, params in pages:  # warm-up: connections, caches, first-request imports, templates
        timed(visitors[who], path, params[:WARM_UP])
    results = {}
    print(f"  {'ms per request':<40}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}{'p50 / login':>13}")
    for name, who, path, params in pages:
        samples, failures = timed(visitors[who], path, params)
        results[name] = samples
        ms = [sample * 1000 for sample in samples]
        ratio = statistics.median(samples) / statistics.median(results["login page (baseline)"])
        print(f"  {name:<40}{len(ms):>5}{statistics.median(ms):>9.1f}{percentile(ms, 0.95):>9.1f}{max(ms):>9.1f}"
              f"{ratio:>12.1f}x")
        for failure in failures[:3]:
            print(f"    FAILED: {failure}")

    print()
    print("  SQL statements per request (first request of each series, again)")
    for name, who, path, params in pages:
        print(f"    {name:<40}{statements(visitors[who], path, params[0]):>5}")
    return results


def run(members: int, requests: int) -> None:
    import os
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # whitenoise: no collectstatic here
    django.setup()
    migrate_and_load_demo(members)
    load = os.getloadavg()
    results = run_pages(requests)

    heading("summary")
    print(f"  load average at the start {load[0]:.2f}, at the end {os.getloadavg()[0]:.2f} "
          f"({os.cpu_count()} CPUs): a loaded machine swells every figure, the baseline too")
    for name, samples in results.items():
        print(f"  {name}: p50 {statistics.median(samples) * 1000:.1f} ms, "
              f"p95 {percentile(samples, 0.95) * 1000:.1f} ms")
    for who in ("admin", "secretary"):
        p95 = percentile(results[f"tree ({who})"], 0.95) * 1000
        print(f"  target: the tree page in under {TREE_TARGET_MS:.0f} ms ({who}): "
              f"{'met' if p95 < TREE_TARGET_MS else 'MISSED'} (p95 {p95:.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=38169, help="members of Ganjingzi (default 38169)")
    parser.add_argument("--requests", type=int, default=50, help="requests per page and user (default 50)")
    options = parser.parse_args()
    if options.requests < 1:
        parser.error("--requests must be at least 1")
    run_in_scratch_database("bench_portal_pages", lambda: run(options.members, options.requests))


if __name__ == "__main__":
    main()
