"""A real browser against a real server process: sign in to one unit, fail to reach another with that session."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import sync_playwright

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(django_db_setup):
    """`carehub runserver` on the test database, which holds the committed alpha and beta units."""
    port = free_port()
    settings_dict = connection.settings_dict
    database_url = (f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
                    f"/{settings_dict['NAME']}")
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url, "CAREHUB_PUBLIC_PORT": str(port)}
    carehub = Path(sys.executable).parent / "carehub"
    process = subprocess.Popen([carehub, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"server did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ])
        yield browser
        browser.close()


def test_sign_in_to_one_unit_and_fail_to_reach_another(server, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(f"http://alpha.localhost:{server}/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "browser@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"http://alpha.localhost:{server}/")
    assert page.inner_text("#unit-name") == "Alpha 区委"

    # The same browser, and then alpha's session cookie deliberately copied to beta's host.
    page.goto(f"http://beta.localhost:{server}/")
    assert "/accounts/login/" in page.url
    session = next(c for c in context.cookies() if c["name"] == "sessionid")
    context.add_cookies([{**session, "domain": "beta.localhost"}])
    page.goto(f"http://beta.localhost:{server}/")
    assert "/accounts/login/" in page.url
    assert "Alpha" not in page.content()
    context.close()
