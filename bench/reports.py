"""Benchmark: rendering reports on the Ganjingzi-scale demo.

    .venv/bin/python bench/reports.py [--members 38169] [--entries 1000] [--visits 3000] [--rounds 2]

Works in a scratch database `<dbname>_bench_reports` (see bench/scratch.py), dropped at the end. Steps:

1. `carehub demo --members N` (Ganjingzi with N members and 110 branches, its care programme and a few records);
   then, in Ganjingzi, one fund with `--entries` ledger entries over the last year posted through the real service
   (care.fund.services.ledger.post_entry), and `--visits` visits spread over the last year (bulk inserted: the
   report reads visits, how they were recorded does not matter here).
2. For the fund report (that year, the fund's organisation) and the yearly visit report (the whole unit): the
   whole rendering of a run (care.reports.render.render: figures, template, WeasyPrint, .xlsx, storage) in a fresh
   child process, which gives its peak memory (ru_maxrss); then, in another fresh child, WeasyPrint alone on the
   very HTML the first produced. Our overhead is the ratio of the two times; it is shown for the PDF path (figures +
   template + WeasyPrint) and for everything (with the .xlsx export and storage).
Targets: the 1,000-entry fund report in at most 6 s, overhead ratio at most 1.15. Every figure printed comes from
this run.
"""

import argparse
import datetime
import io
import multiprocessing
import random
import resource
import statistics
import time
from decimal import Decimal

from scratch import run_in_scratch_database

TOTAL_TARGET_S = 6.0
RATIO_TARGET = 1.15
SEED = 20260701
KINDS = ["dues", "member_donation", "unit_donation", "visit_gift", "death_care", "other_spending"]


def heading(text: str) -> None:
    print()
    print(f"== {text}")


def build_data(entries: int, visits: int):
    """Ganjingzi's fund entries and visits; returns (the fund's organisation, the root, the admin) ids."""
    from django_tenants.utils import schema_context

    from care.fund.services.funds import create_fund
    from care.fund.services.ledger import post_entry
    from care.programme.models import Visit
    from care.registers.models import Member, Node
    from care.services.nodes import create_node
    from carehub.accounts.models import Role, User

    rng = random.Random(SEED)
    today = datetime.date.today()
    with schema_context("ganjingzi"):
        admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
        root = Node.objects.filter(parent__isnull=True).order_by("pk").first()
        # A fund of its own (the demo's funds have closed periods last year): a street committee under the root.
        street = create_node(admin, parent=root, name="红旗街道党工委", kind="street")
        fund = create_fund(admin, street, name="红旗街道关爱基金")
        member_ids = list(Member.objects.values_list("pk", flat=True))
        started = time.perf_counter()
        post_entry(admin, fund, kind="allocation", amount="2000000.00", booked_on=today - datetime.timedelta(days=364),
                   counterparty="区财政", purpose="年度行政拨款")
        for index in range(entries - 1):
            day = today - datetime.timedelta(days=rng.randrange(0, 364))
            kind = rng.choice(KINDS)
            amount = Decimal(rng.randrange(5000, 200000)) / 100
            member = Member(pk=rng.choice(member_ids)) if kind in ("visit_gift", "member_donation") else None
            post_entry(admin, fund, kind=kind, amount=amount, booked_on=day, member=member,
                       counterparty=rng.choice(["红旗街道", "泉水社区", "个人", "区老干部局"]),
                       purpose=f"第{index + 1}笔 关爱基金收支", reference=f"凭证{index + 1:05d}")
        posted = time.perf_counter() - started
        started = time.perf_counter()
        occasions = ["春节走访慰问", "七一慰问老党员", "重阳节慰问", "住院探望", "困难党员帮扶走访", "元旦慰问"]
        rows = [Visit(member_id=rng.choice(member_ids), occasion=rng.choice(occasions),
                      visited_on=today - datetime.timedelta(days=rng.randrange(0, 364)),
                      goods=rng.choice(["米、油", "慰问金500元", "水果", ""]),
                      other_visitors="社区书记", recorded_by=admin) for _index in range(visits)]
        made = Visit.objects.bulk_create(rows, batch_size=1000)
        Visit.visitors.through.objects.bulk_create(
            [Visit.visitors.through(visit_id=visit.pk, user_id=admin.pk) for visit in made], batch_size=1000)
        print(f"  {entries} ledger entries posted through the service in {posted:.1f} s; {visits} visits inserted in "
              f"{time.perf_counter() - started:.1f} s; Ganjingzi has {len(member_ids)} members, "
              f"{Visit.objects.count()} visits in all")
        return street.pk, root.pk, admin.pk


def _child_render(kind, period, node_id, admin_id, queue):
    """In a fresh process: ask for the run and render it whole; report timings, pages and peak memory."""
    import django
    from django.db import connection

    django.setup()
    from django_tenants.utils import schema_context

    from care.registers.models import Node
    from care.reports import render as rendering
    from care.reports import services
    from carehub.accounts.models import User

    connection.close()
    captured = {}
    original = rendering.render_pdf

    def keep_html(document, **kwargs):
        captured["html"] = document
        return original(document, **kwargs)

    rendering.render_pdf = keep_html
    services.dispatch = lambda run_id: None  # rendered right here, not by a worker
    with schema_context("ganjingzi"):
        admin = User.objects.get(pk=admin_id)
        run = services.request_report(admin, kind=kind, node=Node.objects.get(pk=node_id), **period)
        started = time.perf_counter()
        fields = rendering.render(run)
        total = time.perf_counter() - started
    queue.put({"total": total, "timings": fields["timings"], "pages": fields["pages"], "html": captured["html"],
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _child_weasyprint(document, queue):
    """In a fresh process: WeasyPrint alone on the final HTML (same fetcher and base URL as ours)."""
    import django

    django.setup()
    from weasyprint import HTML

    from carehub.pdf import INTERNAL_ORIGIN, StaticOnlyFetcher

    started = time.perf_counter()
    HTML(string=document, base_url=INTERNAL_ORIGIN + "/", url_fetcher=StaticOnlyFetcher()).write_pdf()
    queue.put({"seconds": time.perf_counter() - started,
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def in_child(target, *args):
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: its peak memory is this work's alone
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get(timeout=600)
    process.join()
    return result


def measure(label: str, kind: str, period: dict, node_id: int, admin_id: int, rounds: int) -> dict:
    heading(label)
    samples = []
    for round_ in range(rounds):
        ours = in_child(_child_render, kind, period, node_id, admin_id)
        alone = in_child(_child_weasyprint, ours["html"])
        t = ours["timings"]
        pdf_path = t["data"] + t["html"] + t["pdf"]
        samples.append({"total": ours["total"], "pdf_path": pdf_path, "alone": alone["seconds"],
                        "pages": ours["pages"], "peak": ours["peak_mb"]})
        print(f"  round {round_ + 1}: total {ours['total']:.2f} s (figures {t['data']:.2f}, template {t['html']:.2f}, "
              f"WeasyPrint {t['pdf']:.2f}, xlsx {t['xlsx']:.2f}, storage {t['store']:.2f}); {ours['pages']} pages; "
              f"peak {ours['peak_mb']:.0f} MB; WeasyPrint alone {alone['seconds']:.2f} s "
              f"(peak {alone['peak_mb']:.0f} MB)")
    best = {key: statistics.median(sample[key] for sample in samples) for key in samples[0]}
    print(f"  median: total {best['total']:.2f} s, {best['pages']:.0f} pages, peak {best['peak']:.0f} MB; "
          f"overhead ratio {best['pdf_path'] / best['alone']:.3f} (PDF path), "
          f"{best['total'] / best['alone']:.3f} (with .xlsx and storage)")
    return best


def run(members: int, entries: int, visits: int, rounds: int) -> None:
    import os
    import tempfile
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    os.environ.setdefault("CAREHUB_MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-reports-"))
    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"scratch database migrated in {time.perf_counter() - started:.1f} s")
    heading(f"demo: carehub demo --members {members}, then {entries} entries and {visits} visits")
    started = time.perf_counter()
    call_command("demo", members=members, stdout=io.StringIO())
    print(f"  demo units in {time.perf_counter() - started:.1f} s")
    street_id, root_id, admin_id = build_data(entries, visits)

    today = datetime.date.today()
    span = {"period": "custom", "starts_on": (today - datetime.timedelta(days=364)).isoformat(),
            "ends_on": today.isoformat()}
    from django.db import connections

    connections.close_all()
    fund = measure(f"fund report, {entries} entries (last 365 days, the district's fund)", "fund", span, street_id,
                   admin_id, rounds)
    visit = measure(f"visit report, last 365 days, whole district ({members} members)", "visits", span, root_id,
                    admin_id, rounds)

    heading("summary")
    for label, best, target in (("fund report", fund, TOTAL_TARGET_S), ("visit report", visit, None)):
        ratio = best["pdf_path"] / best["alone"]
        met = "met" if target and best["total"] <= target else "MISSED"
        verdict = "" if target is None else f" (target <= {target:.0f} s: {met})"
        print(f"  {label}: {best['total']:.2f} s{verdict}, {best['pages']:.0f} pages, peak {best['peak']:.0f} MB, "
              f"overhead {ratio:.3f} (target <= {RATIO_TARGET}: {'met' if ratio <= RATIO_TARGET else 'MISSED'}), "
              f"{best['total'] / best['alone']:.3f} with .xlsx and storage")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=38169, help="members of Ganjingzi (default 38169)")
    parser.add_argument("--entries", type=int, default=1000, help="ledger entries of the fund report (default 1000)")
    parser.add_argument("--visits", type=int, default=3000, help="visits in the last year (default 3000)")
    parser.add_argument("--rounds", type=int, default=2, help="renders of each report (default 2)")
    options = parser.parse_args()
    run_in_scratch_database("bench_reports",
                            lambda: run(options.members, options.entries, options.visits, options.rounds))


if __name__ == "__main__":
    main()
