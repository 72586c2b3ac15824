"""The installable, offline side of a unit's portal (care.programme.portal.field) as the server serves it: the
manifest and the service worker of each unit host, the field page the worker precaches, and the logout answer that
wipes the phone. What the browser does with them is in test_browser_field.py."""

import html
import json
import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.urls import reverse

from care.programme.portal import field
from carehub import vendor

from .conftest import client_for, logged_in


def test_each_unit_host_has_its_own_manifest(alpha, beta):
    # The label under the icon: the unit's name when it fits about six Chinese characters, else the product's.
    for staff, name, short in ((alpha, "Alpha 区委", "Alpha 区委"), (beta, "Beta 学校党委", "Carehub")):
        response = client_for(staff.host).get("/manifest.webmanifest")  # browsers fetch it without cookies
        assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
        manifest = json.loads(response.content)
        assert manifest["name"] == f"{name} · Carehub" and manifest["short_name"] == short
        assert manifest["start_url"] == "/programme/my-work/" and manifest["scope"] == "/"
        assert manifest["display"] == "standalone" and manifest["lang"] == "zh-Hans"
        assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
        for icon in manifest["icons"]:
            assert finders.find(icon["src"].removeprefix("/static/"))


def test_the_worker_is_for_signed_in_staff_and_names_only_files_that_exist(alpha):
    assert client_for(alpha.host).get("/sw.js").status_code == 404
    response = logged_in(alpha).get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    config = json.loads(re.search(r"const CONFIG = (\{.*?\n\});", response.content.decode(), re.S).group(1))
    named = [config["workbox"], *config["modules"].values(), *config["shared"]]
    named += [entry["url"] for entry in config["precache"] if entry["url"].startswith("/static/")]
    assert all(finders.find(url.removeprefix("/static/")) for url in named), named
    assert set(config["modules"]) == {"workbox-core", "workbox-routing", "workbox-strategies", "workbox-precaching",
                                      "workbox-expiration"}
    assert [entry["url"] for entry in config["precache"]].count("/programme/field/") == 1
    assert config["snapshot"] == reverse("programme-api:field", urlconf="carehub.urls_tenant")
    assert any(re.match(pattern, "/programme/members/12/visit/") for pattern in config["fieldPages"])
    assert not any(re.match(pattern, "/reports/") for pattern in config["fieldPages"])


def test_the_field_page_loads_only_what_the_worker_precaches(alpha):
    client = logged_in(alpha)
    page = client.get("/programme/field/").content.decode()
    loaded = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page))
    precached = {f"/static/{path}" for path in field.SHELL_ASSETS}
    assert loaded <= precached, loaded - precached
    assert f"/static/{vendor.static_path('idb', 'umd.js')}" in loaded
    config = json.loads(html.unescape(re.search(r'<div id="field-app" data-config="([^"]*)">', page).group(1)))
    assert config["words"]["overdue"]["other"] == "已逾期 {days} 天"  # my work's own words, filled in the browser
    assert "{days}" in config["words"]["overdue"]["one"] and config["canWrite"] is True
    assert client_for(alpha.host).get("/programme/field/").status_code == 302  # to the login page


def test_the_shell_is_revised_when_its_language_session_or_files_change(alpha, rf, tmp_path, settings):
    from django.utils import translation

    logged_in(alpha)  # templates and static files as a request sees them
    session, other = rf.get("/sw.js"), rf.get("/sw.js")
    session.META["CSRF_COOKIE"], other.META["CSRF_COOKIE"] = "a" * 32, "b" * 32
    with translation.override("zh-hans"):
        chinese = field.shell_revision(session)
        assert chinese == field.shell_revision(session) and chinese != field.shell_revision(other)
    with translation.override("en"):
        assert field.shell_revision(session) != chinese
    app_css = finders.find("carehub/app.css")
    copy = tmp_path / "carehub" / "app.css"
    copy.parent.mkdir()
    copy.write_text(Path(app_css).read_text() + "\n/* changed */\n")
    settings.STATICFILES_DIRS = [tmp_path]  # found before the app's own copy
    with translation.override("zh-hans"):
        assert field.shell_revision(session) != chinese


def test_every_portal_page_carries_the_sync_status_and_the_manifest(alpha):
    page = logged_in(alpha).get("/programme/my-work/").content.decode()
    assert 'id="field-status"' in page and 'role="status"' in page
    assert '<link rel="manifest" href="/manifest.webmanifest"' in page
    assert 'data-time-zone="Asia/Shanghai"' in page
    signed_out = client_for(alpha.host).get("/accounts/login/").content.decode()
    assert 'id="field-status"' not in signed_out and "field.js" not in signed_out  # nothing opens the store


def test_logout_tells_the_browser_to_wipe_what_it_keeps(alpha):
    response = logged_in(alpha).post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
