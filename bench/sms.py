"""Benchmark: the Double Ninth greetings of Ganjingzi's members aged 60+, through real Celery workers to the
sandbox gateway with 50 ms latency per request.

    .venv/bin/python bench/sms.py [--members 38169] [--workers 2]

Works in a scratch database `<dbname>_bench_sms` (dropped and created, migrated, dropped at the end). Steps:

1. `carehub demo --members N`, then a greeting rule for Double Ninth (age 60+ on the day) generated for Double
   Ninth 2026; every such greeting goes by SMS here (the demo flags only members without a smartphone).
2. Queue: `queue_due_greetings` hands them to the outbox (one message per phone and occasion: shared family
   phones get one). Timed.
3. Drain: `--workers` separate `celery worker -Q <private queue> -P solo` processes; queuing dispatches one relay
   task per worker on commit, and this script stands in for beat, dispatching the periodic relay every 5 s.
   The unit's rate limit is set high (1,000/s) so that the workers, not the limit, are measured. Printed:
   messages per second (commit to last row settled), worker CPU seconds per 1,000 messages (user + system of the
   worker processes; the gateway runs in this process and is not counted), and duplicates and losses counted AT
   THE GATEWAY (each phone must have received exactly one message).
4. The same run again with one worker killed (SIGKILL) when half the messages have reached the gateway: its
   unfinished claims come back after the lease (10 s here), requests it had started become "unknown" and are
   settled by looking them up at the gateway (after 5 s here), never resent blindly.
"""

import argparse
import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

from scratch import BASE_DIR, heading, migrate_and_load_demo, run_in_scratch_database

DOUBLE_NINTH = datetime.date(2026, 10, 18)
ACCOUNT = ("AC" + "5" * 32, "bench-token")
SERVICE = "MG" + "b" * 32
TARGET = 200  # messages per second
BEAT_SECONDS = 5


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Workers:
    def __init__(self, count: int, queue: str, env: dict):
        command = [str(BASE_DIR / ".venv/bin/celery"), "-A", "carehub", "worker", "-Q", queue, "-P", "solo",
                   "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]
        self.processes = [subprocess.Popen([*command, "-n", f"bench{index}-{queue}@%h"], env=env,  # noqa: S603
                                           stdout=subprocess.DEVNULL) for index in range(count)]
        self.cpu_at_exit: dict[int, float] = {}

    def cpu(self) -> float:
        return sum(self.cpu_at_exit.get(p.pid) or cpu_seconds(p.pid) for p in self.processes)

    def kill(self, index: int) -> None:
        process = self.processes[index]
        self.cpu_at_exit[process.pid] = cpu_seconds(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            process.wait(timeout=30)


def wait_until_ready(app, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1) or []) >= count:
            return
    raise RuntimeError("the workers did not start")


def open_rows() -> int:
    from notifications.models import Message, Status

    return Message.objects.filter(status__in=[Status.PENDING, Status.SENDING, Status.UNKNOWN]).count()


def queue_greetings() -> tuple[float, int, Counter]:
    from django.utils import timezone

    from notifications.models import Message
    from notifications.services.greetings import queue_due_greetings

    started = time.perf_counter()
    greetings = queue_due_greetings(None, DOUBLE_NINTH, now=timezone.now())
    seconds = time.perf_counter() - started
    return seconds, greetings, Counter(Message.objects.values_list("status", flat=True))


def drain(gateway, workers: Workers, relay_unit, expected: set, *, kill_at: int | None) -> dict:
    started, cpu_before = time.perf_counter(), workers.cpu()
    killed_at = None
    last_beat = started
    while True:
        sent = len(gateway.messages())
        if kill_at is not None and killed_at is None and sent >= kill_at:
            workers.kill(0)
            killed_at = sent
            print(f"  worker 1 killed (SIGKILL) after {sent} messages reached the gateway")
        if time.perf_counter() - last_beat >= BEAT_SECONDS:  # beat's periodic relay
            relay_unit.apply_async()
            last_beat = time.perf_counter()
        if sent >= len(expected) and not open_rows():
            break
        if time.perf_counter() - started > 900:
            print("  GAVE UP after 15 minutes")
            break
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    cpu = workers.cpu() - cpu_before
    received = Counter(message["to"] for message in gateway.messages())
    return {"seconds": seconds, "messages": sum(received.values()), "cpu": cpu,
            "duplicates": sum(count - 1 for count in received.values() if count > 1),
            "losses": len(expected - set(received)), "unexpected": len(set(received) - expected),
            "killed_at": killed_at}


def report(label: str, result: dict, statuses: Counter) -> None:
    rate = result["messages"] / result["seconds"]
    print(f"  {label}: {result['messages']} messages in {result['seconds']:.1f} s = {rate:.0f} msg/s "
          f"(target >= {TARGET}: {'met' if rate >= TARGET else 'MISSED'}); worker CPU {result['cpu']:.1f} s = "
          f"{1000 * result['cpu'] / max(result['messages'], 1):.2f} CPU s per 1,000 messages")
    print(f"  at the gateway: duplicates {result['duplicates']}, losses {result['losses']}, "
          f"unexpected recipients {result['unexpected']}; outbox now {dict(statuses)}")


def run(members: int, worker_count: int) -> None:
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    os.environ.update({"SMS_CLAIM_LEASE_SECONDS": "10", "SMS_UNKNOWN_SETTLE_SECONDS": "5",
                       "SMS_RELAY_PARALLEL": str(worker_count)})
    from notifications.sandbox import SandboxGateway

    gateway = SandboxGateway(port=0, accounts=dict([ACCOUNT]), latency_ms=50, callbacks="off").start()
    os.environ.update({"TWILIO_API_BASE_URL": gateway.url, "TWILIO_ACCOUNT_SID": ACCOUNT[0],
                       "TWILIO_AUTH_TOKEN": ACCOUNT[1]})
    django.setup()
    from django.db import transaction
    from django_tenants.utils import schema_context

    from care.audit.models import Source
    from care.audit.services import source
    from care.programme.models import Greeting, GreetingStatus
    from care.programme.services import rules, runs
    from carehub.celery import app
    from notifications.models import Message, SmsSettings
    from notifications.tasks import relay_unit

    queue = f"bench-sms-{uuid.uuid4().hex[:8]}"  # never a queue that a developer's own workers consume
    app.conf.carehub_queues = {kind: queue for kind in app.conf.carehub_queues}

    migrate_and_load_demo(members)

    workers = None
    try:
        with schema_context("ganjingzi"), source(Source.TASK):
            Greeting.objects.all().delete()
            rule = rules.create_rule(None, {"name": "重阳节祝福", "trigger": "occasion", "occasion": "double_ninth",
                                            "audience": {"age_min": 60}, "greeting_template": "double_ninth"},
                                     generate=False)
            runs.generate(None, today=DOUBLE_NINTH, horizon=0, rules=[rule])
            Greeting.objects.update(via_sms=True)
            greetings = Greeting.objects.count()
            local = datetime.datetime.now(datetime.UTC).astimezone(datetime.timezone(datetime.timedelta(hours=8)))
            SmsSettings.objects.update_or_create(pk=1, defaults={
                "messaging_service_sid": SERVICE, "rate_per_second": 1000, "daily_cap_per_recipient": 3,
                "quiet_start": (local - datetime.timedelta(hours=1)).time(),
                "quiet_end": (local + datetime.timedelta(hours=3)).time()})  # open now, whatever the hour
            print(f"  Double Ninth {DOUBLE_NINTH}: {greetings} greetings to members aged 60+")

            env = {**os.environ, "PYTHONPATH": f"{BASE_DIR / 'platform'}:{BASE_DIR}"}
            workers = Workers(worker_count, queue, env)
            wait_until_ready(app, worker_count)
            for label, kill_at in (("all workers", None), ("one worker killed halfway", True)):
                heading(f"{label}: {worker_count} worker processes, 50 ms gateway latency")
                with transaction.atomic():  # a periodic relay left over must not see the greetings pending
                    if kill_at:
                        gateway.reset()
                        gateway.configure(latency_ms=50, callbacks="off")
                        Message.objects.all().delete()
                        Greeting.objects.update(status=GreetingStatus.PENDING)
                    seconds, handed, statuses = queue_greetings()
                expected = set(Message.objects.filter(status="pending").values_list("to", flat=True))
                print(f"  queued {handed} greetings in {seconds:.1f} s as {sum(statuses.values())} messages: "
                      f"{statuses['pending']} to send, {statuses['cancelled']} refused (no phone, deceased); "
                      f"shared family phones get one message")
                result = drain(gateway, workers, relay_unit, expected,
                               kill_at=len(expected) // 2 if kill_at else None)
                report(label, result, Counter(Message.objects.values_list("status", flat=True)))
    finally:
        if workers:
            workers.stop()
        gateway.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=38169, help="members of Ganjingzi (default 38169)")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (default 2)")
    options = parser.parse_args()
    sys.path.insert(0, str(BASE_DIR / "bench"))
    run_in_scratch_database("bench_sms", lambda: run(options.members, options.workers))


if __name__ == "__main__":
    main()
