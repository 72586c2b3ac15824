"""Benchmark: Twilio status callbacks against the web server as `make run` starts it (deploy/web.sh: gunicorn).

    .venv/bin/python bench/callbacks.py [--messages 700] [--clients 32] [--rate 120] [--baseline]

Works in a scratch database `<dbname>_bench_callbacks` (dropped and created, migrated, dropped at the end). One unit
with --messages messages just handed to Twilio; each gets two signed callbacks, "sent" then "delivered", as Twilio
sends them (a notice to 700 members brings 1,400). Every callback really moves its row forward and meters it.

After 100 callbacks to warm the server up:
1. paced: --rate callbacks per second (the relay sends about 60 messages per second, which makes about 120),
   spread over --clients keep-alive connections (the sandbox gateway posts from 8, Twilio from many more).
2. burst: all of them at once, as fast as --clients connections can send them.

Printed per phase: callbacks per second, p50/p95 latency (from the moment each was due), the web server's CPU
milliseconds per callback (on a shared machine throughput follows the load, CPU per callback does not; it says
what two free cores can answer), answers by status, connections refused or reset, and the most PostgreSQL
connections the web server held at once (pg_stat_activity, by its application_name) against its bound,
WEB_CONCURRENCY x WEB_THREADS. With --baseline the same phases run against the former set-up, `carehub runserver`
with DATABASE_CONN_MAX_AGE=60.
"""

import argparse
import http.client
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from scratch import BASE_DIR, heading, percentile, run_in_scratch_database

ACCOUNT, TOKEN = "AC" + "7" * 32, "bench-callbacks-token"
CALLBACK = "/hooks/twilio/status/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(messages: int) -> str:
    """Migrate, onboard one unit, and give it `messages` rows in status "sending"; return the unit's host."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from notifications.models import Category, Message, Status
    from tenants.services.onboarding import domain_for, onboard_unit

    call_command("migrate", verbosity=0)
    onboard_unit(None, slug="callbacks", name="回调测试", kind="street", admin_email="admin@callbacks.test")
    now = timezone.now()
    with schema_context("callbacks"):
        Message.objects.bulk_create(
            Message(idempotency_key=f"bench:{number}", category=Category.NOTICE, to=f"+861380000{number:04d}",
                    body="通知", status=Status.SENDING, not_before=now, started_at=now, account_sid=ACCOUNT,
                    sid=f"SM{number:032d}")
            for number in range(messages))
    return domain_for("callbacks")


def reset(messages: int) -> None:
    """Every row back to "sending", so that each phase's callbacks do the same work."""
    from django_tenants.utils import schema_context

    from billing.models import UsageRecord
    from notifications.models import Message, Status

    with schema_context("callbacks"):
        Message.objects.update(status=Status.SENDING, sent_at=None, status_changed_at=None)
    UsageRecord.objects.all().delete()  # metering is once per message: let each phase meter again


def callbacks(host: str, port: int, messages: int) -> list[tuple[str, dict]]:
    """(body, headers) of every callback: all the "sent" ones, then all the "delivered" ones."""
    from twilio.request_validator import RequestValidator

    validator, url = RequestValidator(TOKEN), f"http://{host}:{port}{CALLBACK}"
    result = []
    for status in ("sent", "delivered"):
        for number in range(messages):
            params = {"AccountSid": ACCOUNT, "MessageSid": f"SM{number:032d}", "MessageStatus": status}
            result.append((urllib.parse.urlencode(params), {
                "Host": f"{host}:{port}", "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": validator.compute_signature(url, params)}))
    return result


def cpu_seconds(root: int) -> float:
    """User + system CPU of process `root` and its descendants (gunicorn's workers), from /proc."""
    parent_and_cpu = {}
    for stat in os.scandir("/proc"):
        if stat.name.isdigit():
            try:
                with open(f"/proc/{stat.name}/stat") as file:
                    fields = file.read().rsplit(")", 1)[1].split()
            except OSError:  # exited meanwhile
                continue
            parent_and_cpu[int(stat.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])))
    tree, grown = {root}, True
    while grown:
        found = {pid for pid, (parent, _) in parent_and_cpu.items() if parent in tree} - tree
        tree |= found
        grown = bool(found)
    return sum(parent_and_cpu[pid][1] for pid in tree if pid in parent_and_cpu) / os.sysconf("SC_CLK_TCK")


def web_connections(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as watcher:
        return watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND application_name = 'carehub-web'").fetchone()[0]


class Server:
    """The web server in its own process, its PostgreSQL connections named carehub-web."""

    def __init__(self, command: list[str], port: int, env: dict):
        self.port = port
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env={**env, "PGAPPNAME": "carehub-web"},  # noqa: S603
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                client = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                client.request("GET", "/healthz")
                if client.getresponse().status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"{command[0]} did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 10  # its connections close after it exits: don't count them for the next
        while web_connections(os.environ["DATABASE_URL"]) and time.monotonic() < deadline:
            time.sleep(0.1)


def fire(server: Server, requests: list[tuple[str, dict]], clients: int, rate: float | None,
         database_url: str) -> dict:
    """Send every request from `clients` keep-alive connections, each due at index / rate (or at once)."""
    port, cpu_before = server.port, cpu_seconds(server.process.pid)
    todo: queue.Queue = queue.Queue()
    started = time.monotonic() + 0.5
    for index, request in enumerate(requests):
        todo.put((started + (index / rate if rate else 0), request))
    statuses: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    peak, done = [0], threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], web_connections(database_url))
            done.wait(0.05)

    def client():
        connection = None
        while True:
            try:
                due, (body, headers) = todo.get_nowait()
            except queue.Empty:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("POST", CALLBACK, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                outcome = response.status
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except OSError as error:  # refused, reset, timed out: the callback is lost to Twilio's retries
                outcome = type(error).__name__
                connection = None
            with lock:
                statuses[outcome] += 1
                latencies.append(time.monotonic() - due)
        if connection:
            connection.close()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    elapsed = time.monotonic() - started
    done.set()
    watcher.join()
    return {"statuses": statuses, "elapsed": elapsed, "latencies": latencies, "peak": peak[0],
            "after": web_connections(database_url), "cpu": cpu_seconds(server.process.pid) - cpu_before}


def report(name: str, result: dict, count: int, bound: int | None) -> None:
    statuses = result["statuses"]
    errors = sum(n for outcome, n in statuses.items() if not isinstance(outcome, int))
    server_errors = sum(n for outcome, n in statuses.items() if isinstance(outcome, int) and outcome >= 500)
    answers = ", ".join(f"{outcome}: {n}" for outcome, n in sorted(statuses.items(), key=str))
    print(f"  {name}: {count} callbacks in {result['elapsed']:.1f} s = {count / result['elapsed']:.0f}/s; "
          f"latency p50 {percentile(result['latencies'], 0.5) * 1000:.0f} ms, "
          f"p95 {percentile(result['latencies'], 0.95) * 1000:.0f} ms; "
          f"web server CPU {result['cpu'] * 1000 / count:.1f} ms per callback")
    print(f"    answers {answers}; 5xx {server_errors}; refused/reset/timed out {errors}")
    print(f"    PostgreSQL connections of the web server: peak {result['peak']}, afterwards {result['after']}"
          + (f" (bound {bound})" if bound else " (no bound)"))


def measure(name: str, command: list[str], args, host: str, bound: int | None) -> None:
    heading(name)
    port = free_port()
    env = {**os.environ, "DEBUG": "1", "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN}
    if "runserver" in command:
        env["DATABASE_CONN_MAX_AGE"] = "60"
    server = Server([part.replace("PORT", str(port)) for part in command], port, env)
    try:
        requests = callbacks(host, port, args.messages)
        # A server runs for hours: the first requests of each process (URL conf, templates, connections) are not
        # what a burst meets.
        fire(server, requests[:100], args.clients, None, os.environ["DATABASE_URL"])
        for phase, rate in ((f"paced at {args.rate:.0f}/s", args.rate), ("burst", None)):
            reset(args.messages)
            report(phase, fire(server, requests, args.clients, rate, os.environ["DATABASE_URL"]), len(requests),
                   bound)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=700)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rate", type=float, default=120.0)
    parser.add_argument("--baseline", action="store_true", help="also measure the former runserver set-up")
    args = parser.parse_args()

    def run():
        host = prepare(args.messages)
        from carehub import gunicorn_conf

        bound = gunicorn_conf.workers * gunicorn_conf.threads
        measure(f"deploy/web.sh (gunicorn, {gunicorn_conf.workers} workers x {gunicorn_conf.threads} threads)",
                ["bash", "deploy/web.sh", "127.0.0.1:PORT"], args, host, bound)
        if args.baseline:
            measure("baseline: carehub runserver, DATABASE_CONN_MAX_AGE=60",
                    [str(BASE_DIR / ".venv/bin/carehub"), "runserver", "127.0.0.1:PORT", "--noreload"], args, host,
                    None)

    run_in_scratch_database("bench_callbacks", run)


if __name__ == "__main__":
    sys.exit(main())
