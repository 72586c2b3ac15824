"""Sentry events reach a real local endpoint tagged with the unit and free of personal data; logs are JSON."""

import gzip
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sentry_sdk
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context
from sentry_sdk.transport import brotli as sentry_brotli  # whichever brotli module the SDK compresses with

from carehub.celery import app
from carehub.observability import JsonFormatter, TenantLogFilter, init_sentry
from carehub.tasks import UnitTask

from .conftest import logged_in

PERSONAL = ["13912345678", "王建国", "明天上午走访", "Sufficiently-long-2026", "admin@alpha.test"]


class Collector(BaseHTTPRequestHandler):
    envelopes: list[str] = []

    def do_POST(self):
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "br":
            raw = sentry_brotli.decompress(raw)
        self.envelopes.append(raw.decode("utf-8", errors="replace"))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_events():
    server = HTTPServer(("127.0.0.1", 0), Collector)
    Collector.envelopes = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    init_sentry(f"http://public@127.0.0.1:{server.server_port}/1", environment="test")

    def events():
        sentry_sdk.flush(timeout=5)
        parsed = []
        for envelope in Collector.envelopes:
            for line in envelope.splitlines():
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if "event_id" in item and ("exception" in item or "message" in item):
                    parsed.append((item, envelope))
        return parsed

    yield events
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)
    server.shutdown()


@override_settings(ROOT_URLCONF="tests.urls_probe", DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_request_errors_are_tagged_and_scrubbed(alpha, sentry_events):
    client = logged_in(alpha)
    client.raise_request_exception = False
    response = client.post("/boom/?phone=13912345678", {"name": "王建国", "message": "明天上午走访"})
    assert response.status_code == 500
    events = sentry_events()
    assert len(events) == 1
    event, envelope = events[0]
    assert event["tags"]["tenant"] == "alpha"
    assert "RuntimeError" in envelope and '"function":"boom"' in envelope.replace(" ", "")
    assert "[Filtered]" in envelope  # the locals were sent, masked
    for secret in PERSONAL:
        assert secret not in envelope, secret


def test_task_errors_are_tagged_with_their_unit(alpha, sentry_events):
    @app.task(base=UnitTask, name="tests.failing")
    def failing(phone):
        raise ValueError(f"cannot reach {phone}")

    with schema_context("alpha"):
        failing.apply(args=["13912345678"])
    events = sentry_events()
    assert [event["tags"]["tenant"] for event, _ in events] == ["alpha"]
    assert "13912345678" not in events[0][1]


def test_logs_are_json_with_the_unit_and_no_phone(alpha):
    record = logging.LogRecord("carehub", logging.INFO, __file__, 1, "sent to %s", ("+8613912345678",), None)
    with schema_context("alpha"):
        TenantLogFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["tenant"] == "alpha" and line["level"] == "INFO"
    assert "13912345678" not in line["msg"]
    connection.set_schema_to_public()
