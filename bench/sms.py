"""Benchmark: SMS throughput, recovery from a worker killed with SIGKILL, and sent messages whose callbacks never
come, through real Celery workers to the sandbox gateway with 50 ms latency per request.

    .venv/bin/python bench/sms.py [throughput] [crash] [lost] [ladder] [--members 38169] [--workers 2]
                                  [--messages 700]

Without a scenario named, every one runs (as `make bench` does); `bench/sms.py ladder` runs the ladder alone.

Works in a scratch database `<dbname>_bench_sms` (dropped and created, migrated, dropped at the end). This script
stands in for beat: it runs the SMS entries of CELERY_BEAT_SCHEDULE at their own intervals (the relay fan-out
every 30 s, the watchdog every 5 s), with every setting at its default unless said below. Duplicates and losses
are counted AT THE GATEWAY: each phone must have received exactly one message. The unit's rate limit is set
high (1,000/s) so that the workers, not the limit, are measured.

1. Throughput: the Double Ninth greetings of Ganjingzi's members aged 60+ (13,504 messages after shared phones
   with the full demo), drained by `--workers` worker processes: messages per second (commit to last row
   settled) and worker CPU seconds per 1,000 messages.
2. Crash: `--messages` notices to one worker; when half have reached the gateway it is killed with SIGKILL and
   a new one started. Its claim's lease runs out (SMS_CLAIM_LEASE_SECONDS after its last heartbeat), beat's
   watchdog wakes the unit's relay: rows never started go out again, started ones are unknown and looked up
   (SMS_UNKNOWN_SETTLE_SECONDS after they started), never resent blindly. Printed: rows the dead worker held,
   seconds from the kill until they and every row are settled (target < 30 s), duplicates and losses.
3. Lost callbacks: `--messages` notices whose status callbacks never arrive (5 % to undeliverable numbers).
   With SMS_SENT_SETTLE_SECONDS=5 instead of 15 minutes, the relay fetches each by sid and settles it:
   seconds from the moment they are due until every row is delivered or undelivered.
4. Ladder: the same Double Ninth greetings with the unit's greetings ladder climbing to the end (LadderSetting
   "greetings" -> task): 10 % of the greeted members cannot read an SMS (ContactPlan reads_sms=False: a call
   first), 5 % of SMS phones undeliverable, a share of the phones called never answer (three tries, then the
   proxy where there is one, then a task), most who answer press 2, a few 1 (a visit task). No Celery worker:
   this process plays beat and the workers, running the relay and `climb` with `now=` on a simulated clock
   (django.utils.timezone.now moved forward in this process, so the webhooks served here see the same time),
   which jumps to the next due row (the calls' retry times 10:00 / 15:00 / 19:00) whenever nothing is on its
   way; the callbacks (SMS status, TwiML fetches, keys, call status) reach the app served by this process on a
   port of its own (8 request threads, as gunicorn's 2 x 4). Printed: outbox rows settled per second of wall
   time, ladder rungs settled, the wall and simulated time until no ladder is climbing, how they ended, and
   the ratio against the baseline run first the same way: the same greetings with the default ladder (SMS
   only), no contact plans, every phone deliverable.
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
from concurrent.futures import ThreadPoolExecutor

from scratch import BASE_DIR, heading, migrate_and_load_demo, run_in_scratch_database

DOUBLE_NINTH = datetime.date(2026, 10, 18)
ACCOUNT = ("AC" + "5" * 32, "bench-token")
SERVICE = "MG" + "b" * 32
TARGET_RATE = 200  # messages per second
TARGET_RECOVERY = 30  # seconds from a worker's SIGKILL until every row is settled
SENT_SETTLE_SECONDS = 5  # phase 3 only
OPEN = ("pending", "sending", "unknown")  # not settled yet
SCENARIOS = ("throughput", "crash", "lost", "ladder")
# Ladder scenario (4).
CALLER = "+8641139990000"
LADDER_WINDOW = (datetime.time(8, 0), datetime.time(21, 0))
UNREADABLE = 0.10  # greeted members who cannot read an SMS (called first)
UNDELIVERABLE = 0.05  # phones of SMS readers whose SMS never arrives
NOT_ANSWERED = 0.30  # phones called that never answer (half "no_answer", half "busy")
VISIT_KEY = 0.03  # phones answered that press 1 (a visit); 85 % press 2, the rest press nothing
UTC8 = datetime.timezone(datetime.timedelta(hours=8))  # the demo units' zone (Asia/Shanghai)
STALLED = 10  # wall seconds without a row settled while some wait for their callbacks
SETTLED = ("delivered", "undelivered", "failed", "cancelled", "heard", "unreached")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Workers:
    def __init__(self, count: int, queue: str, env: dict):
        self.queue, self.env = queue, env
        self.processes: list[subprocess.Popen] = []
        self.cpu_at_exit: dict[int, float] = {}
        for _index in range(count):
            self.add()

    def add(self) -> None:
        command = [str(BASE_DIR / ".venv/bin/celery"), "-A", "carehub", "worker", "-Q", self.queue, "-P", "solo",
                   "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING",
                   "-n", f"bench{len(self.processes)}-{self.queue}@%h"]
        self.processes.append(subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL))  # noqa: S603

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


class Beat:
    """The SMS entries of CELERY_BEAT_SCHEDULE, run from here at their intervals (the workers' own routing
    would send the tasks they dispatch to the real "sms" queue, not this benchmark's private one)."""

    def __init__(self):
        from django.conf import settings
        from django_tenants.utils import schema_context

        from notifications.tasks import relay_unit, wake_units

        def fan_out():  # fan_out_relay, for the one unit that sends here
            relay_unit.apply_async(headers={"_schema_name": "ganjingzi"})

        def watchdog():
            with schema_context("public"):
                wake_units.apply()

        schedule, now = settings.CELERY_BEAT_SCHEDULE, time.monotonic()
        self.jobs = [[schedule[name]["schedule"], job, now + schedule[name]["schedule"]]
                     for name, job in (("sms-relay", fan_out), ("sms-wake", watchdog))]

    def tick(self) -> None:
        for job in self.jobs:
            interval, function, due = job
            if time.monotonic() >= due:
                function()
                job[2] = due + interval


def wait_until_ready(app, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1) or []) >= count:
            return
    raise RuntimeError("the workers did not start")


def statuses() -> Counter:
    from notifications.models import Message

    return Counter(Message.objects.values_list("status", flat=True))


def open_rows(pks=None) -> int:
    from notifications.models import Message

    rows = Message.objects.filter(status__in=OPEN)
    return (rows.filter(pk__in=pks) if pks is not None else rows).count()


def at_gateway(gateway, expected: set) -> dict:
    received = Counter(message["to"] for message in gateway.messages())
    return {"messages": sum(received.values()),
            "duplicates": sum(count - 1 for count in received.values() if count > 1),
            "losses": len(expected - set(received)), "unexpected": len(set(received) - expected)}


def gateway_line(result: dict) -> str:
    return (f"at the gateway: {result['messages']} messages, duplicates {result['duplicates']}, "
            f"losses {result['losses']}, unexpected recipients {result['unexpected']}")


def phones_for(phase: int, count: int) -> list[str]:
    return [f"+86135{phase:02d}{index:06d}" for index in range(count)]


def queue_notices(phase: int, phones: list[str]) -> None:
    """A notice to each phone, committed (which dispatches the relay)."""
    from django.db import transaction
    from django.utils import timezone

    from notifications.models import Category
    from notifications.services.outbox import Row, queue_many

    rows = [Row(key=f"bench:{phase}:{phone}", category=Category.NOTICE, to=phone, body=f"通知：本周五支部学习 {index}")
            for index, phone in enumerate(phones)]
    with transaction.atomic():
        queue_many(None, rows, now=timezone.now())


def throughput(gateway, app, worker_count: int, queue: str, env: dict) -> None:
    from django.db import transaction
    from django.utils import timezone

    from care.programme.models import Greeting
    from notifications.models import Message
    from notifications.services.greetings import queue_due_greetings

    heading(f"1. throughput: Double Ninth greetings, {worker_count} worker processes, 50 ms gateway latency")
    workers = Workers(worker_count, queue, env)
    try:
        wait_until_ready(app, worker_count)
        beat = Beat()
        with transaction.atomic():
            started = time.perf_counter()
            greetings = queue_due_greetings(None, DOUBLE_NINTH, now=timezone.now())
            queued = statuses()
        print(f"  {Greeting.objects.count()} greetings to members aged 60+: {greetings} handed to the outbox in "
              f"{time.perf_counter() - started:.1f} s as {queued['pending']} messages to send (shared family "
              f"phones get one; {queued['cancelled']} refused: no phone, deceased)")
        expected = set(Message.objects.filter(status="pending").values_list("to", flat=True))
        started, cpu_before = time.perf_counter(), workers.cpu()
        while len(gateway.messages()) < len(expected) or open_rows():
            beat.tick()
            time.sleep(0.1)
            if time.perf_counter() - started > 900:
                print("  GAVE UP after 15 minutes")
                break
        seconds, cpu = time.perf_counter() - started, workers.cpu() - cpu_before
        result = at_gateway(gateway, expected)
        rate = result["messages"] / seconds
        print(f"  {result['messages']} messages in {seconds:.1f} s = {rate:.0f} msg/s (target >= {TARGET_RATE}: "
              f"{'met' if rate >= TARGET_RATE else 'MISSED'}); worker CPU {cpu:.1f} s = "
              f"{1000 * cpu / max(result['messages'], 1):.2f} CPU s per 1,000 messages")
        print(f"  {gateway_line(result)}; outbox {dict(statuses())}")
    finally:
        workers.stop()


def crash(gateway, app, count: int, queue: str, env: dict) -> None:
    from notifications.models import Message

    heading(f"2. crash: {count} notices, one worker killed with SIGKILL halfway, a new one started")
    workers = Workers(1, queue, env)
    try:
        wait_until_ready(app, 1)
        beat = Beat()
        phones = phones_for(2, count)
        queue_notices(2, phones)
        started = time.perf_counter()
        while len(gateway.messages()) < count // 2:
            time.sleep(0.005)
        workers.kill(0)
        killed = time.perf_counter()
        held = list(Message.objects.filter(status="sending").values_list("pk", "started_at"))
        workers.add()
        reached = len(gateway.messages())
        print(f"  killed after {reached} messages reached the gateway ({killed - started:.1f} s); it held "
              f"{len(held)} rows: {sum(1 for _pk, at in held if at)} started (may have reached Twilio), "
              f"{sum(1 for _pk, at in held if not at)} not; {open_rows() - len(held)} more waiting")
        held_settled = all_settled = None
        while all_settled is None and time.perf_counter() - killed < 300:
            beat.tick()
            now = time.perf_counter()
            if held_settled is None and not open_rows([pk for pk, _at in held]):
                held_settled = now - killed
            if held_settled is not None and not open_rows():
                all_settled = now - killed
            time.sleep(0.05)
        result = at_gateway(gateway, set(phones))
        recovered = max(held_settled or 999, all_settled or 999)
        print(f"  rows the dead worker held settled {held_settled or float('nan'):.1f} s after the kill; every "
              f"row settled {all_settled or float('nan'):.1f} s after it (target < {TARGET_RECOVERY} s: "
              f"{'met' if recovered < TARGET_RECOVERY else 'MISSED'}; the lease used to be 300 s)")
        print(f"  {gateway_line(result)}; outbox {dict(statuses())}")
    finally:
        workers.stop()


def lost_callbacks(gateway, app, count: int, queue: str, env: dict) -> None:
    from django.db.models import Max
    from django.utils import timezone

    from notifications.models import Message

    heading(f"3. lost callbacks: {count} notices, no status callback ever arrives, 5 % undeliverable numbers")
    workers = Workers(1, queue, {**env, "SMS_SENT_SETTLE_SECONDS": str(SENT_SETTLE_SECONDS)})
    try:
        wait_until_ready(app, 1)
        phones = phones_for(3, count)
        undeliverable = phones[:count // 20]
        gateway.configure(callbacks="record", lost_callbacks=1.0, numbers=dict.fromkeys(undeliverable, "undeliverable"))
        beat = Beat()
        queue_notices(3, phones)
        started = time.perf_counter()
        while open_rows() or len(gateway.messages()) < count:
            beat.tick()
            time.sleep(0.1)
        sent = time.perf_counter()
        print(f"  all sent in {sent - started:.1f} s; outbox {dict(statuses())}")
        last_sent = Message.objects.aggregate(last=Max("sent_at"))["last"]
        while Message.objects.filter(status="sent").exists() and time.perf_counter() - sent < 300:
            beat.tick()
            time.sleep(0.1)
        due = last_sent + datetime.timedelta(seconds=SENT_SETTLE_SECONDS)
        settled = (timezone.now() - due).total_seconds()
        final = statuses()
        wrong = Message.objects.filter(to__in=undeliverable).exclude(status="undelivered", error_code="30003").count()
        print(f"  every row settled by fetching it {settled:.1f} s after the last one was due (beat's relay fan-out "
              f"runs every 30 s, then the watchdog every 5 s until none is left); outbox {dict(final)}; "
              f"undeliverable numbers not settled as undelivered 30003: {wrong}")
        print(f"  {gateway_line(at_gateway(gateway, set(phones)))}")
    finally:
        workers.stop()


# --- 4. ladder ---------------------------------------------------------------------------------------------------

class SimulatedClock:
    """django.utils.timezone.now of this process, moved forward on demand: the relay and `climb` get it as `now=`,
    and the webhooks served by this process (a call's retry time is planned from the moment its status arrives)
    read it too."""

    def __init__(self):
        from django.utils import timezone

        self.timezone, self.real, self.offset = timezone, timezone.now, datetime.timedelta(0)

    def now(self) -> datetime.datetime:
        return self.real() + self.offset

    def __enter__(self):
        self.timezone.now = self.now
        return self

    def __exit__(self, *exc):
        self.timezone.now = self.real

    def set(self, moment: datetime.datetime) -> None:
        self.offset = moment - self.real()

    def jump_to(self, moment: datetime.datetime) -> None:
        if moment > self.now():
            self.set(moment)


def serve_app(threads: int = 8):
    """The Django app on a free port of 127.0.0.1, `threads` request threads (gunicorn's WEB_CONCURRENCY x
    WEB_THREADS), one request per connection; returns (server, port)."""
    import threading

    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

    class Handler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    class Server(WSGIServer):
        """Not a ThreadingMixIn, so Django answers "Connection: close" (no thread held by an idle client); the
        requests go to a fixed pool of threads, each keeping its database connection as gunicorn's do."""

        request_queue_size = 1024  # hundreds of calls ring at once

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.pool = ThreadPoolExecutor(threads, thread_name_prefix="bench-web")

        def process_request(self, request, client_address):
            self.pool.submit(self.handle_in_pool, request, client_address)

        def handle_in_pool(self, request, client_address):
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

    server = Server(("127.0.0.1", 0), Handler)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True, name="bench-web").start()
    return server, server.server_address[1]


def in_flight() -> bool:
    """A message on its way: being sent, its outcome unknown, or sent and waiting for its report or call status."""
    from django.db.models import Q

    from notifications.models import Message

    return Message.objects.filter(Q(status__in=("sending", "unknown")) | Q(status="sent") & ~Q(error_code="unconfirmed")
                                  ).exists()


def drive(clock: SimulatedClock, *, quiet=None, limit: float = 1800) -> dict:
    """Relay and climb at the simulated time until no ladder is climbing: the relay whenever something is due, the
    ladders at each quiet moment (nothing on its way, nothing due), then the clock jumps to the next due row.
    `quiet(n)` is called at the n-th quiet moment before climbing. Returns what it counted."""
    from django.db.models import Min

    from notifications.models import Message, Reach
    from notifications.services.ladder import climb
    from notifications.services.relay import relay, settle_sent_after

    started, quiet_moments, jumps, relays, climbs, fetched = time.perf_counter(), 0, [], 0, 0, 0
    climb_seconds = relay_seconds = 0.0
    pending = Message.objects.filter(status="pending")
    last_change, last_settled = time.perf_counter(), -1
    while time.perf_counter() - started < limit:
        now = clock.now()
        if pending.filter(not_before__lte=now).exists():
            lap = time.perf_counter()
            relay(now=now)
            relay_seconds += time.perf_counter() - lap
            relays += 1
            continue
        if in_flight():
            settled = settled_rows()
            if settled != last_settled:
                last_change, last_settled = time.perf_counter(), settled
            elif time.perf_counter() - last_change > STALLED:
                # A callback that never came: the relay fetches an SMS still "sent" SMS_SENT_SETTLE_SECONDS on.
                waiting = Message.objects.filter(status="sent", channel="sms").exclude(error_code="unconfirmed")
                fetched += waiting.count()
                clock.jump_to(clock.now() + settle_sent_after() + datetime.timedelta(seconds=1))
                relay(now=clock.now())
                last_change = time.perf_counter()
            time.sleep(0.05)
            continue
        if quiet is not None:
            quiet(quiet_moments)
        quiet_moments += 1
        lap = time.perf_counter()
        moved = climb(now=now)
        climb_seconds += time.perf_counter() - lap
        climbs += 1
        if moved:
            continue
        if not Reach.objects.filter(status="climbing").exists():
            break
        following = pending.aggregate(at=Min("not_before"))["at"]
        if following is None:
            print(f"  STUCK: {Reach.objects.filter(status='climbing').count()} ladders climbing, nothing pending")
            break
        jumps.append(following)
        clock.jump_to(following)
    else:
        print(f"  GAVE UP after {limit:.0f} s")
    return {"seconds": time.perf_counter() - started, "jumps": jumps, "relays": relays, "climbs": climbs,
            "relay_seconds": relay_seconds, "climb_seconds": climb_seconds, "fetched": fetched}


def reset_greetings(tasks: set) -> None:
    """The Double Ninth greetings pending again, with no message, ladder or call left, and no task but `tasks`."""
    from care.programme.models import CareTask, Greeting
    from notifications.models import Message, Reach

    Reach.objects.all().delete()
    Message.objects.all().delete()
    CareTask.objects.exclude(pk__in=tasks).delete()
    Greeting.objects.filter(send_on=DOUBLE_NINTH).update(status="pending")


def greet(clock: SimulatedClock) -> tuple[int, float]:
    from django.db import transaction

    from notifications.services.greetings import queue_due_greetings

    started = time.perf_counter()
    with transaction.atomic():
        handed = queue_due_greetings(None, DOUBLE_NINTH, now=clock.now())
    return handed, time.perf_counter() - started


def settled_rows() -> int:
    from notifications.models import Message

    return Message.objects.filter(status__in=SETTLED).count()


def ladder_baseline(gateway, clock: SimulatedClock, start: datetime.datetime, tasks: set) -> float:
    from notifications.models import ContactPlan, LadderSetting, Reach, Rung

    heading("4a. ladder baseline: the same greetings, default ladder (SMS only), no contact plans, all deliverable")
    ContactPlan.objects.all().delete()
    LadderSetting.objects.filter(purpose="greetings").delete()
    reset_greetings(tasks)
    gateway.reset()
    gateway.configure(latency_ms=50, callbacks="post", callback_delay_ms=300)
    clock.set(start)
    handed, seconds = greet(clock)
    print(f"  {handed} greetings handed to the outbox in {seconds:.1f} s as {statuses()['pending']} messages")
    run = drive(clock)
    rows, rungs = settled_rows(), Rung.objects.filter(settled_at__isnull=False).count()
    rate = rows / run["seconds"]
    print(f"  {rows} outbox rows settled ({rungs} rungs) in {run['seconds']:.1f} s = {rate:.0f} rows/s "
          f"(relay {run['relay_seconds']:.1f} s in {run['relays']} runs, climb {run['climb_seconds']:.1f} s in "
          f"{run['climbs']} runs); ladders {dict(Counter(Reach.objects.values_list('status', flat=True)))}; "
          f"callbacks never come, fetched: {run['fetched']}")
    print(f"  {gateway_line(at_gateway(gateway, set(gateway_phones(gateway))))}; outbox {dict(statuses())}")
    return rate


def gateway_phones(gateway) -> set:
    return {message["to"] for message in gateway.messages()}


def ladder_plans(rng) -> dict:
    """Contact plans, proxies and the sandbox's behaviour per phone for the ladder run; returns the behaviours."""
    from care.programme.models import Greeting
    from care.registers.models import Member
    from notifications.models import ContactPlan, LadderSetting

    LadderSetting.objects.update_or_create(purpose="greetings", defaults={"end": "task"})
    ContactPlan.objects.all().delete()
    members = list(Member.objects.filter(pk__in=Greeting.objects.filter(send_on=DOUBLE_NINTH).values("member_id"),
                                         status__in=("active", "retired")).exclude(phone="")
                   .values_list("pk", "phone", "proxy_phone", "uses_smartphone"))
    # Who cannot read an SMS: those without a smartphone first (the eyesight and literacy of the oldest).
    ordered = sorted(members, key=lambda member: (member[3], rng.random()))
    unreadable = ordered[:round(UNREADABLE * len(members))]
    ContactPlan.objects.bulk_create([ContactPlan(member_id=pk, preferred="voice", reads_sms=False)
                                     for pk, *_rest in unreadable])
    unreadable_phones = {phone for _pk, phone, *_rest in unreadable}
    readers = sorted({phone for _pk, phone, *_rest in members} - unreadable_phones)
    undeliverable = set(rng.sample(readers, round(UNDELIVERABLE * len(readers))))
    called = sorted(unreadable_phones | undeliverable)
    silent = rng.sample(called, round(NOT_ANSWERED * len(called)))
    behaviours = {phone: "undeliverable" for phone in undeliverable}  # the SMS; the call is answered
    calls = {phone: ("no_answer" if index % 2 else "busy") for index, phone in enumerate(silent)}
    presses = {}
    for phone in sorted(set(called) - set(silent)):
        draw = rng.random()
        if draw < VISIT_KEY:
            presses[phone] = "1"
        elif draw < 0.85 + VISIT_KEY:
            presses[phone] = "2"
    proxied = sum(1 for _pk, _phone, proxy, _smart in unreadable if proxy)
    print(f"  {len(members)} greeted members with a phone: {len(unreadable)} cannot read an SMS ({proxied} of them "
          f"with a proxy), {len(undeliverable)} SMS phones undeliverable; of {len(called)} phones to call, "
          f"{len(silent)} never answer (busy or no answer), {sum(d == '1' for d in presses.values())} press 1, "
          f"{sum(d == '2' for d in presses.values())} press 2, the others nothing")
    return {"sms": behaviours, "calls": {**behaviours, **calls}, "presses": presses}


def ladder(gateway, clock: SimulatedClock, start: datetime.datetime, baseline: float, tasks: set) -> None:
    import random

    from django.db.models import Count, Max

    from care.programme.models import CareTask
    from notifications.models import Call, Message, Reach, Rung

    heading("4b. ladder: the Double Ninth greetings climbing to a task, 10 % unable to read an SMS, failures injected")
    reset_greetings(tasks)
    gateway.reset()
    behaviours = ladder_plans(random.Random("bench-ladder"))
    gateway.configure(latency_ms=50, callbacks="post", callback_delay_ms=300, key_wait_ms=300,
                      numbers=behaviours["sms"], presses=behaviours["presses"])
    clock.set(start)
    handed, seconds = greet(clock)
    queued = statuses()
    print(f"  {handed} greetings handed to the outbox in {seconds:.1f} s as {queued['pending']} messages "
          f"(first rungs: SMS, or a call for who cannot read one)")

    def quiet(moment: int) -> None:
        if moment == 0:  # every first SMS settled: the phones whose SMS failed answer calls or not, from now on
            gateway.configure(numbers=behaviours["calls"])

    run = drive(clock, quiet=quiet)
    rows, rungs = settled_rows(), Rung.objects.filter(settled_at__isnull=False).count()
    rate = rows / run["seconds"]
    last = Reach.objects.aggregate(last=Max("ended_at"))["last"]
    jumps = ", ".join(at.astimezone(UTC8).strftime("%H:%M") for at in run["jumps"])
    print(f"  {rows} outbox rows settled ({rungs} rungs) in {run['seconds']:.1f} s = {rate:.0f} rows/s, "
          f"{rate / baseline:.2f}x the baseline's {baseline:.0f} rows/s (relay {run['relay_seconds']:.1f} s in "
          f"{run['relays']} runs, climb {run['climb_seconds']:.1f} s in {run['climbs']} runs; callbacks never come, "
          f"fetched: {run['fetched']})")
    print(f"  no ladder climbing {run['seconds']:.1f} s of wall time after the greetings were queued; simulated: "
          f"{(last - start).total_seconds() / 3600:.1f} h from {start.astimezone(UTC8):%H:%M} (UTC+8) to the last "
          f"ladder's end; the clock jumped to {jumps or 'nothing'}")
    ended = Counter(Reach.objects.values_list("status", flat=True))
    by_step = Counter((status, step + 1) for status, step in Reach.objects.values_list("status", "step"))
    print(f"  ladders: {dict(ended)}; by (end, step): {dict(sorted(by_step.items()))}")
    tries = Counter(Call.objects.values("message").annotate(n=Count("pk")).values_list("n", flat=True))
    outcomes = Counter(Call.objects.values_list("outcome", flat=True))
    calls = gateway.calls()
    per_phone = Counter(call["to"] for call in calls)
    unread = sum(1 for call in calls if call["status"] == "completed" and call["answered_by"] != "machine_start"
                 and not call["said"])
    print(f"  calls: {len(calls)} placed to {len(per_phone)} phones (most to one phone: "
          f"{max(per_phone.values(), default=0)}); voice messages by tries {dict(sorted(tries.items()))}; outcomes "
          f"{dict(outcomes)}; answered but nothing read: {unread}")
    new_tasks = Counter(CareTask.objects.exclude(pk__in=tasks).values_list("kind", flat=True))
    print(f"  tasks created: {dict(new_tasks)}; outbox {dict(statuses())}")
    # Members' SMS apart from the staff's (a visit asked for by key 1 is announced to the secretary by SMS).
    greeting_sids = set(Message.objects.filter(category="greeting").exclude(sid=None).values_list("sid", flat=True))
    sms = Counter(message["to"] for message in gateway.messages() if message["sid"] in greeting_sids)
    staff = sum(1 for message in gateway.messages() if message["sid"] not in greeting_sids)
    print(f"  greeting SMS at the gateway: {sum(sms.values())} to {len(sms)} phones, duplicates "
          f"{sum(count - 1 for count in sms.values() if count > 1)}; staff SMS (visit requests announced): {staff}")


def ladders(gateway) -> None:
    from django.conf import settings

    from care.programme.models import CareTask
    from notifications.models import SmsSettings

    server, port = serve_app()
    saved = (settings.CAREHUB_PUBLIC_SCHEME, settings.CAREHUB_PUBLIC_PORT, settings.SMS_RELAY_PARALLEL)
    settings.CAREHUB_PUBLIC_SCHEME, settings.CAREHUB_PUBLIC_PORT = "http", port
    settings.SMS_RELAY_PARALLEL = 0  # this process runs the relay: nothing dispatched to workers
    SmsSettings.objects.filter(pk=1).update(voice_number=CALLER, send_from=LADDER_WINDOW[0],
                                            send_until=LADDER_WINDOW[1])
    try:
        with SimulatedClock() as clock:
            # The next 09:00 in the unit (UTC+8): the greetings go out at once, the calls' retries
            # fall on the afternoon and evening tries.
            local = clock.real().astimezone(UTC8)
            start = datetime.datetime.combine(local.date() + datetime.timedelta(days=local.hour >= 9),
                                              datetime.time(9, 0), tzinfo=UTC8)
            tasks = set(CareTask.objects.values_list("pk", flat=True))  # the demo's own
            baseline = ladder_baseline(gateway, clock, start, tasks)
            ladder(gateway, clock, start, baseline, tasks)
    finally:
        settings.CAREHUB_PUBLIC_SCHEME, settings.CAREHUB_PUBLIC_PORT, settings.SMS_RELAY_PARALLEL = saved
        server.shutdown()
        server.server_close()
        server.pool.shutdown(wait=True)


def run(members: int, worker_count: int, messages: int, scenarios=SCENARIOS) -> None:
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    from notifications.sandbox import SandboxGateway

    gateway = SandboxGateway(port=0, accounts=dict([ACCOUNT]), latency_ms=50, callbacks="off").start()
    os.environ.update({"TWILIO_API_BASE_URL": gateway.url, "TWILIO_ACCOUNT_SID": ACCOUNT[0],
                       "TWILIO_AUTH_TOKEN": ACCOUNT[1]})
    django.setup()
    from django.conf import settings
    from django_tenants.utils import schema_context

    from care.programme.models import Greeting
    from care.programme.services import rules, runs
    from carehub.audit.models import Source
    from carehub.audit.services import source
    from carehub.celery import app
    from notifications.models import ContactPlan, LadderSetting, Message, SmsSettings

    queue = f"bench-sms-{uuid.uuid4().hex[:8]}"  # never a queue that a developer's own workers consume
    app.conf.carehub_queues = {kind: queue for kind in app.conf.carehub_queues}
    migrate_and_load_demo(members)
    env = {**os.environ, "PYTHONPATH": f"{BASE_DIR / 'platform'}:{BASE_DIR}"}
    try:
        with schema_context("ganjingzi"), source(Source.TASK):
            Greeting.objects.all().delete()
            rule = rules.create_rule(None, {"name": "重阳节祝福", "trigger": "occasion", "occasion": "double_ninth",
                                            "audience": {"age_min": 60}, "greeting_template": "double_ninth"},
                                     generate=False)
            runs.generate(None, today=DOUBLE_NINTH, horizon=0, rules=[rule])
            Greeting.objects.update(via_sms=True)
            # Every greeting an SMS to the member's phone for scenarios 1-3 (the demo gives some members a call).
            ContactPlan.objects.all().delete()
            LadderSetting.objects.all().delete()
            local = datetime.datetime.now(datetime.UTC).astimezone(datetime.timezone(datetime.timedelta(hours=8)))
            SmsSettings.objects.update_or_create(pk=1, defaults={
                "messaging_service_sid": SERVICE, "rate_per_second": 1000, "daily_cap_per_recipient": 3,
                "send_from": (local - datetime.timedelta(hours=1)).time(),
                "send_until": (local + datetime.timedelta(hours=3)).time()})  # open now, whatever the hour
            print(f"  defaults: heartbeat {settings.SMS_CLAIM_HEARTBEAT_SECONDS} s, lease "
                  f"{settings.SMS_CLAIM_LEASE_SECONDS} s, unknown looked up after {settings.SMS_UNKNOWN_SETTLE_SECONDS}"
                  f" s, watchdog every {settings.CELERY_BEAT_SCHEDULE['sms-wake']['schedule']} s")
            if "throughput" in scenarios:
                settings.SMS_RELAY_PARALLEL = worker_count  # the on-commit dispatch of this process
                throughput(gateway, app, worker_count, queue, env)
            for name, phase in (("crash", crash), ("lost", lost_callbacks)):
                if name not in scenarios:
                    continue
                gateway.reset()
                gateway.configure(latency_ms=50, callbacks="off")
                Message.objects.all().delete()
                settings.SMS_RELAY_PARALLEL = 1
                phase(gateway, app, messages, queue, env)
            if "ladder" in scenarios:
                Message.objects.all().delete()
                ladders(gateway)
    finally:
        gateway.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", metavar="scenario",
                        help=f"any of {', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--members", type=int, default=38169, help="members of Ganjingzi (default 38169)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for throughput (default 2)")
    parser.add_argument("--messages", type=int, default=700, help="notices in the crash and lost-callback runs")
    options = parser.parse_args()
    sys.path.insert(0, str(BASE_DIR / "bench"))
    unknown = set(options.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario {', '.join(sorted(unknown))}: choose from {', '.join(SCENARIOS)}")
    scenarios = options.scenarios or SCENARIOS
    run_in_scratch_database("bench_sms", lambda: run(options.members, options.workers, options.messages, scenarios))


if __name__ == "__main__":
    main()
