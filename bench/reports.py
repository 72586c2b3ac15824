"""Benchmark: rendering reports on the Ganjingzi-scale demo.

    .venv/bin/python bench/reports.py [--members 38169] [--entries 1000] [--visits 3000] [--rounds 3]

Works in a scratch database `<dbname>_bench_reports` (see bench/scratch.py), dropped at the end. Steps:

1. `carehub demo --members N` (Ganjingzi with N members and 110 branches, its care programme and a few records);
   then, in Ganjingzi, one fund with `--entries` ledger entries over the last year posted through the real service
   (care.fund.services.ledger.post_entry), and `--visits` visits spread over the last year (bulk inserted: the
   report reads visits, how they were recorded does not matter here).
2. For the fund report (that year, the fund's organisation) and the yearly visit report (the whole unit), in ONE
   fresh process per report, interleaved rounds of:
   - ours: a run asked for and rendered as the worker's task does it (care.reports.services.runs.render_run: figures,
     template, carehub.pdf, .xlsx, storage, the run saved), minus Celery;
   - alone: stock WeasyPrint (default options, its own font configuration) on the very HTML ours just produced.
   Round 1 runs ours first and is cold (the process' first render: fonts, Pango, templates, connections); later
   rounds alternate which goes first and are warm; medians and ratios use the warm rounds. Each step reports wall
   and CPU seconds and its own peak memory (peak RSS reset before each step through /proc/self/clear_refs; with the
   growth over what the process already held, since freed Python memory stays with the process).
The overhead ratio is ours over alone: in wall time for the PDF path (figures + template + PDF), and in CPU time for
everything. Below 1 means our PDF call (carehub.pdf) is faster than stock WeasyPrint on the same HTML. A loaded
machine swells wall times (the process waits for a CPU) far more than CPU seconds: the load average is printed at
the start, per round and at the end so readers can judge the noise. Targets: the 1,000-entry fund report in at most
6 s, overhead ratio at most 1.15; the summary says for each whether it is met in wall and in CPU time. Every figure
printed comes from this run.
"""

import argparse
import datetime
import io
import multiprocessing
import os
import random
import resource
import statistics
import time
from decimal import Decimal

from scratch import heading, run_in_scratch_database

TOTAL_TARGET_S = 6.0
RATIO_TARGET = 1.15
SEED = 20260701
KINDS = ["dues", "member_donation", "unit_donation", "visit_gift", "death_care", "other_spending"]


def build_data(entries: int, visits: int):
    """Ganjingzi's fund entries and visits; returns (the fund's organisation, the root, the admin) ids."""
    from django_tenants.utils import schema_context

    from care.fund.services.funds import create_fund
    from care.fund.services.ledger import post_entry
    from care.programme.models import Visit
    from care.registers.models import Member, Node
    from care.registers.services.nodes import create_node
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


def peak_reset() -> None:
    """Start a new peak-RSS measurement for this process (Linux: VmHWM := VmRSS)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass  # not Linux or not allowed: the peak is then the process' peak so far


def memory_mb(field: str) -> float:
    """VmHWM (peak) or VmRSS (now) of this process; ru_maxrss where /proc is missing."""
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith(f"{field}:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measured(work):
    """Run `work`; returns its result with wall and CPU seconds, peak memory and what it added to the memory the
    process already held (MB: freed Python memory stays with the process, so later steps start higher)."""
    peak_reset()
    before = memory_mb("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    figures = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "peak": memory_mb("VmHWM")}
    return result, {**figures, "grew": figures["peak"] - before}


def _child(kind, period, node_id, admin_id, rounds, queue):
    """In a fresh process: interleaved rounds of our whole rendering and of stock WeasyPrint on its HTML."""
    import django
    from django.db import connection

    django.setup()
    from django_tenants.utils import schema_context
    from weasyprint import HTML

    from care.registers.models import Node
    from care.reports.models import RunStatus
    from care.reports.services import render as rendering
    from care.reports.services import runs as services
    from carehub.accounts.models import User
    from carehub.pdf import INTERNAL_ORIGIN, StaticOnlyFetcher

    connection.close()
    captured = {}
    original = rendering.render_pdf

    def keep_html(document, **kwargs):
        captured["html"] = document
        cpu = time.process_time()
        try:
            return original(document, **kwargs)
        finally:
            captured["pdf_cpu"] = time.process_time() - cpu

    rendering.render_pdf = keep_html
    services.render_report.delay_on_commit = lambda run_id: None  # rendered right here, not by a worker

    def ours():
        """A run asked for and rendered as the worker's task does it (services.render_run), minus Celery."""
        with schema_context("ganjingzi"):
            admin = User.objects.get(pk=admin_id)
            run = services.request_report(admin, kind=kind, node=Node.objects.get(pk=node_id), **period)
            status = services.render_run(run.pk)
            run.refresh_from_db()
            if status != RunStatus.DONE:
                raise RuntimeError(f"the {kind} report failed: {run.error}")
            return run

    def alone():
        return HTML(string=captured["html"], base_url=INTERNAL_ORIGIN + "/",
                    url_fetcher=StaticOnlyFetcher()).write_pdf()

    try:
        for round_ in range(rounds):
            order = ("ours", "alone") if round_ % 2 == 0 else ("alone", "ours")
            sample = {"round": round_ + 1, "first": order[0], "load": os.getloadavg()[0]}
            for step in order:
                result, figures = measured(ours if step == "ours" else alone)
                if step == "ours":
                    figures.update(timings=result.timings, pages=result.pages, pdf_cpu=captured["pdf_cpu"])
                else:
                    figures["kb"] = len(result) // 1024
                sample[step] = figures
            queue.put(sample)
    except Exception as exc:
        queue.put({"error": repr(exc)})  # the parent stops instead of waiting for rounds that never come
        raise
    queue.put({"html_kb": len(captured["html"].encode()) // 1024,
               "process_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def measure(label: str, kind: str, period: dict, node_id: int, admin_id: int, rounds: int) -> dict:
    heading(f"{label} ({load()})")
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: its first render is truly cold
    queue = context.Queue()
    process = context.Process(target=_child, args=(kind, period, node_id, admin_id, rounds, queue))
    process.start()
    warm = []
    for _round in range(rounds):
        sample = queue.get(timeout=1800)
        if "error" in sample:
            process.join()
            raise SystemExit(f"  the render failed: {sample['error']}")
        ours, alone, t = sample["ours"], sample["alone"], sample["ours"]["timings"]
        print(f"  round {sample['round']} ({'cold' if sample['round'] == 1 else 'warm'}, {sample['first']} first, "
              f"load {sample['load']:.1f}): ours {ours['wall']:.2f} s wall / {ours['cpu']:.2f} s CPU (wall: figures "
              f"{t['data']:.2f}, template {t['html']:.2f}, PDF {t['pdf']:.2f} [{ours['pdf_cpu']:.2f} CPU], xlsx "
              f"{t['xlsx']:.2f}, storage {t['store']:.2f}), peak {ours['peak']:.0f} MB (+{ours['grew']:.0f}), "
              f"{ours['pages']} pages | stock WeasyPrint alone {alone['wall']:.2f} s wall / {alone['cpu']:.2f} s CPU, "
              f"peak {alone['peak']:.0f} MB (+{alone['grew']:.0f}), {alone['kb']} KB")
        if sample["round"] > 1 or rounds == 1:
            warm.append({"total": ours["wall"], "cpu": ours["cpu"], "pdf_path": t["data"] + t["html"] + t["pdf"],
                         "pdf": t["pdf"], "pdf_cpu": ours["pdf_cpu"], "alone": alone["wall"],
                         "alone_cpu": alone["cpu"], "pages": ours["pages"], "peak": ours["peak"]})
    tail = queue.get(timeout=60)
    process.join()
    best = {key: statistics.median(sample[key] for sample in warm) for key in warm[0]}
    best["ratio"] = best["pdf_path"] / best["alone"]
    best["ratio_cpu"] = best["cpu"] / best["alone_cpu"]
    print(f"  warm median: ours {best['total']:.2f} s wall / {best['cpu']:.2f} s CPU, {best['pages']:.0f} pages, "
          f"peak {best['peak']:.0f} MB; stock WeasyPrint alone {best['alone']:.2f} s wall / {best['alone_cpu']:.2f} s "
          f"CPU; our PDF call {best['pdf']:.2f} s wall / {best['pdf_cpu']:.2f} s CPU "
          f"({best['pdf_cpu'] / best['alone_cpu']:.3f} of stock in CPU)")
    print(f"  overhead ratio: {best['ratio']:.3f} in wall time (figures + template + PDF), "
          f"{best['total'] / best['alone']:.3f} with .xlsx and storage; {best['ratio_cpu']:.3f} in CPU time "
          f"(everything, .xlsx and storage included); HTML {tail['html_kb']} KB; process peak "
          f"{tail['process_peak']:.0f} MB; {load()}")
    return best


def run(members: int, entries: int, visits: int, rounds: int) -> None:
    import tempfile
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    os.environ.setdefault("CAREHUB_MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-reports-"))
    django.setup()
    from django.core.management import call_command

    print(f"machine: {os.cpu_count()} CPUs, {load()} at the start")
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

    heading(f"summary ({load()})")
    for label, best, target in (("fund report", fund, TOTAL_TARGET_S), ("visit report", visit, None)):
        verdict = "" if target is None else (
            f" (target <= {target:.0f} s: {'met' if best['total'] <= target else 'MISSED'} in wall time, "
            f"{'met' if best['cpu'] <= target else 'MISSED'} in CPU time)")
        ratios = " / ".join(f"{best[key]:.3f} ({'met' if best[key] <= RATIO_TARGET else 'MISSED'})"
                            for key in ("ratio", "ratio_cpu"))
        print(f"  {label}: {best['total']:.2f} s wall / {best['cpu']:.2f} s CPU{verdict}, {best['pages']:.0f} pages, "
              f"peak {best['peak']:.0f} MB; overhead wall / CPU {ratios} (target <= {RATIO_TARGET})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=38169, help="members of Ganjingzi (default 38169)")
    parser.add_argument("--entries", type=int, default=1000, help="ledger entries of the fund report (default 1000)")
    parser.add_argument("--visits", type=int, default=3000, help="visits in the last year (default 3000)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds per report, the first cold (default 3)")
    options = parser.parse_args()
    run_in_scratch_database("bench_reports",
                            lambda: run(options.members, options.entries, options.visits, options.rounds))


if __name__ == "__main__":
    main()
