"""The stack as `make run` runs it: the web server of deploy/web.sh under deploy/supervise.sh, on the test database.

- PostgreSQL connections stay within the documented bound (gunicorn workers x threads) under a burst of concurrent
  keep-alive clients; the former runserver with DATABASE_CONN_MAX_AGE=60 held one connection per client.
- A worker that dies is restarted while the web server keeps answering; a process that keeps dying, or a web
  server that cannot start, stops everything with a message that says so.
- The public port of status-callback URLs follows CAREHUB_RUN_PORT.
Everything listens and connects on 127.0.0.1 only, and every wait has a deadline.
"""

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from twilio.request_validator import RequestValidator

from carehub import gunicorn_conf

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT, TOKEN = "AC" + "1" * 32, "run-stack-token"
# deploy/run.sh's own lines around deploy/supervise.sh, with the commands under test in place of its four.
HARNESS = """
set -euo pipefail
source deploy/supervise.sh
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 0' TERM
start web {web}
start worker {worker}
supervise || exit 1
"""
WEB = 'bash deploy/web.sh "127.0.0.1:$PORT"'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stand_in(name: str, command: str) -> tuple[str, str]:
    """A fake process whose command line says `name` (stop.sh checks it): its command and a marker unique to it."""
    marker = f"{name}-stand-in-{uuid.uuid4().hex}"
    return f"bash -c 'exec -a {marker} {command}'", marker


class Stack:
    def __init__(self, tmp: Path, web: str, worker: str, database_url: str, port: int | None = None):
        self.port, self.pids, self.log = port or free_port(), tmp / "pids", tmp / "stack.log"
        self.pids.mkdir()
        env = {**os.environ, "PIDS": str(self.pids), "PORT": str(self.port), "DEBUG": "1",
               "DATABASE_URL": database_url, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN}
        env.pop("CAREHUB_PUBLIC_PORT", None)
        with self.log.open("wb") as log:
            script = HARNESS.format(web=web, worker=worker)
            self.process = subprocess.Popen([shutil.which("bash"), "-c", script], cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pid(self, name: str) -> int | None:
        try:
            return int((self.pids / f"{name}.pid").read_text())
        except (OSError, ValueError):
            return None

    def get(self, path: str, host: str = "localhost") -> http.client.HTTPResponse:
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        client.request("GET", path, headers={"Host": f"{host}:{self.port}"})
        response = client.getresponse()
        response.read()
        client.close()
        return response

    def wait_until_web_answers(self):
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.get("/healthz").status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                pytest.fail(f"the web server did not start:\n{self.output()[-3000:]}")
            time.sleep(0.2)

    def finished(self, timeout: float = 60) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self):
        started = [pid for pid in map(self.pid, ("web", "worker")) if pid]
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        for pid in filter(alive, started):  # whatever stop.sh left running (a test failed): never leak a server
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def command_line(path: Path) -> str:
    try:
        return (path / "cmdline").read_bytes().decode(errors="replace")
    except OSError:  # exited meanwhile
        return ""


def running_with(marker: str) -> bool:
    return any(marker in command_line(path) for path in Path("/proc").iterdir() if path.name.isdigit())


@pytest.fixture(scope="module")
def database_url(django_db_setup) -> str:
    settings_dict = connection.settings_dict
    return (f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
            f"/{settings_dict['NAME']}")


@pytest.fixture(scope="module")
def stack(database_url, tmp_path_factory):
    """The real web server and a stand-in worker, so that killing the worker costs nothing but its restart."""
    worker, _ = stand_in("celery", "sleep 600")
    running = Stack(tmp_path_factory.mktemp("stack"), WEB, worker, database_url)
    try:
        running.wait_until_web_answers()
        yield running
    finally:
        running.stop()


# --- connections ---------------------------------------------------------------------------------------------


def web_connections(database_url: str, name: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as watcher:
        return watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                               [name, "carehub-web"]).fetchone()[0]


class ConnectionWatch(threading.Thread):
    """The highest number of the web server's PostgreSQL connections seen while it runs."""

    def __init__(self, database_url: str, name: str):
        super().__init__(daemon=True)
        self.database_url, self.name, self.peak, self.done = database_url, name, 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, web_connections(self.database_url, self.name))
            self.done.wait(0.05)


def requests_of_one_client(stack: Stack, host: str) -> list[tuple[str, int]]:
    """Six requests over one keep-alive connection, as a browser or Twilio's callback sender makes them."""
    callback = "/hooks/twilio/status/"
    params = {"AccountSid": ACCOUNT, "MessageSid": "SM" + uuid.uuid4().hex, "MessageStatus": "delivered"}
    body = urllib.parse.urlencode(params)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    signed = {**form, "X-Twilio-Signature":
              RequestValidator(TOKEN).compute_signature(f"http://{host}:{stack.port}{callback}", params)}
    plan = [("healthz", "GET", "/healthz", "localhost", None, {}),
            ("readyz", "GET", "/readyz", "localhost", None, {}),
            ("login page", "GET", "/accounts/login/", host, None, {}),
            ("unsigned callback", "POST", callback, host, body, form),
            ("signed callback", "POST", callback, host, body, signed),
            ("login page", "GET", "/accounts/login/", host, None, {})]
    client = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=60)
    answers = []
    for label, method, path, on_host, payload, headers in plan:
        client.request(method, path, body=payload, headers={**headers, "Host": f"{on_host}:{stack.port}"})
        response = client.getresponse()
        response.read()
        answers.append((label, response.status))
    client.close()
    return answers


def test_connections_stay_within_workers_times_threads_under_concurrent_clients(stack, alpha, database_url):
    bound = gunicorn_conf.workers * gunicorn_conf.threads
    name = connection.settings_dict["NAME"]
    watch = ConnectionWatch(database_url, name)
    watch.start()
    with ThreadPoolExecutor(50) as pool:  # 50 clients at once, 300 requests
        answers = [answer for answers in pool.map(lambda _: requests_of_one_client(stack, alpha.host), range(50))
                   for answer in answers]
    watch.done.set()
    watch.join(timeout=10)

    assert len(answers) == 300
    assert {status for _, status in answers if status >= 500} == set(), stack.output()[-3000:]
    assert set(answers) == {("healthz", 200), ("readyz", 200), ("login page", 200), ("unsigned callback", 403),
                            ("signed callback", 204)}
    assert 0 < watch.peak <= bound
    assert web_connections(database_url, name) <= bound


def test_static_files_are_served_in_development(stack, alpha):
    response = stack.get("/static/carehub/app.css", host=alpha.host)
    assert (response.status, response.getheader("Content-Type").split(";")[0]) == (200, "text/css")


# --- supervision ---------------------------------------------------------------------------------------------


def test_a_killed_worker_is_restarted_and_the_web_server_keeps_answering(stack):
    killed = stack.pid("worker")
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while not (stack.pid("worker") not in (None, killed) and alive(stack.pid("worker"))):
        assert time.monotonic() < deadline, stack.output()[-3000:]
        time.sleep(0.1)
    assert "supervise: worker exited (killed by SIGKILL); restarting it" in stack.output()
    assert stack.get("/healthz").status == 200
    assert stack.process.poll() is None


def test_a_worker_that_keeps_dying_stops_everything(database_url, tmp_path):
    web, web_marker = stand_in("gunicorn", "sleep 600")
    crashing = Stack(tmp_path, web, stand_in("celery", "false")[0], database_url)
    try:
        assert crashing.finished() == 1
        assert "supervise: worker exited 5 times within 60 s (last: status 1); giving up" in crashing.output()
        assert "web: stopped" in crashing.output()
        assert not running_with(web_marker)
        assert list(crashing.pids.iterdir()) == []
    finally:
        crashing.stop()


def test_a_web_server_that_cannot_start_stops_everything(database_url, tmp_path):
    worker, worker_marker = stand_in("celery", "sleep 600")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        blocked = Stack(tmp_path, WEB, worker, database_url, port=taken.getsockname()[1])
        try:
            assert blocked.finished() == 1
        finally:
            blocked.stop()
    assert "supervise: the web server exited (status 1); stopping everything" in blocked.output()
    assert "Connection in use" in blocked.output()  # gunicorn's own words, above ours
    assert "worker: stopped" in blocked.output()
    assert not running_with(worker_marker)


# --- port ----------------------------------------------------------------------------------------------------

BASE_URL = ("import django; django.setup(); from tenants.services.onboarding import base_url; "
            "print(base_url('alpha.localhost'))")


@pytest.mark.parametrize(("env", "expected"), [
    ({"DEBUG": "1", "CAREHUB_RUN_PORT": "8100"}, "http://alpha.localhost:8100"),
    ({"DEBUG": "1"}, "http://alpha.localhost:8000"),
    ({"DEBUG": "1", "CAREHUB_RUN_PORT": "8100", "CAREHUB_PUBLIC_PORT": "8000"}, "http://alpha.localhost:8000"),
    ({"DEBUG": "0", "CAREHUB_RUN_PORT": "8100"}, "https://alpha.localhost"),
])
def test_the_public_port_follows_the_run_port_unless_set(env, expected):
    """base_url makes every link we hand out, the status-callback URL given to Twilio included (relay.context)."""
    unset = {"DEBUG", "CAREHUB_RUN_PORT", "CAREHUB_PUBLIC_PORT", "CAREHUB_PUBLIC_SCHEME", "CAREHUB_BASE_DOMAIN"}
    clean = {key: value for key, value in os.environ.items() if key not in unset}
    result = subprocess.run([sys.executable, "-c", BASE_URL], env={**clean, **env, "DJANGO_SETTINGS_MODULE":
                            "carehub.settings"}, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert (result.returncode, result.stdout.strip()) == (0, expected), result.stderr[-2000:]
