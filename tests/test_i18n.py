"""Simplified Chinese by default, English on request; times shown in the unit's time zone."""

from django.utils import timezone

from tenants.models import Unit

from .conftest import client_for, logged_in


def test_portal_speaks_chinese_by_default(alpha):
    body = client_for(alpha.host).get("/accounts/login/").content.decode()
    assert "登录" in body and 'lang="zh-hans"' in body


def test_language_switch_to_english_sticks(alpha):
    client = client_for(alpha.host)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    body = client.get("/accounts/login/").content.decode()
    assert "Log in" in body and 'lang="en"' in body


def test_unit_language_is_the_default_for_its_portal(alpha):
    Unit.objects.filter(pk=alpha.unit.pk).update(language="en")
    body = client_for(alpha.host).get("/accounts/login/").content.decode()
    assert 'lang="en"' in body


def test_requests_use_the_units_time_zone(alpha):
    Unit.objects.filter(pk=alpha.unit.pk).update(time_zone="Asia/Urumqi")
    response = logged_in(alpha).get("/")
    assert response.status_code == 200
    assert str(timezone.get_current_timezone()) == "Asia/Urumqi"


def test_console_lists_creation_time_in_shanghai_time(alpha):
    client = client_for("localhost")
    client.login(email="operator@carehub.test", password="Sufficiently-long-2026")
    body = client.get("/").content.decode()
    local = timezone.localtime(alpha.unit.created_at, timezone=__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M") in body
