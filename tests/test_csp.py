"""The Content-Security-Policy forbids inline script, so no page may rely on any: every script is a file of ours."""

import re

import pytest

from .api_data import anonymous_api
from .conftest import client_for, logged_in

INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)


def assert_no_inline_script(response):
    policy = response.headers["Content-Security-Policy"]
    script_src = next(part for part in policy.split("; ") if part.startswith("script-src"))
    assert script_src == "script-src 'self'"
    body = response.content.decode()
    assert not INLINE_SCRIPT.search(body) and not INLINE_HANDLER.search(body)


@pytest.mark.parametrize("path", ["/", "/registers/tree/", "/registers/members/", "/programme/", "/fund/", "/sms/",
                                  "/reports/", "/programme/field/"])
def test_portal_pages_run_no_inline_script(alpha, path):
    response = logged_in(alpha).get(path, follow=True)
    assert response.status_code == 200
    assert_no_inline_script(response)


def test_tree_node_page_confirms_deletion_without_inline_script(alpha):
    response = logged_in(alpha).get(f"/registers/tree/{alpha.nodes['east1'].pk}/")
    assert_no_inline_script(response)
    assert 'data-confirm="' in response.content.decode()


def test_console_and_login_run_no_inline_script(alpha):
    assert_no_inline_script(client_for("localhost").get("/accounts/login/"))
    assert_no_inline_script(client_for(alpha.host).get("/accounts/login/"))


def test_swagger_ui_loads_its_set_up_script_from_our_server(alpha):
    api = anonymous_api(alpha)
    page = api.get("/api/docs/")
    assert_no_inline_script(page)
    script = api.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
