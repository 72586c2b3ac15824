"""Simplified Chinese by default, English on request; times shown in the unit's time zone."""

import pytest
from django.test import override_settings
from django.utils import timezone

from tenants.models import Unit

from .conftest import client_for


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


@override_settings(ROOT_URLCONF="tests.urls_probe")
def test_requests_use_the_units_time_zone_and_leave_none_behind(alpha):
    Unit.objects.filter(pk=alpha.unit.pk).update(time_zone="Asia/Urumqi")
    assert client_for(alpha.host).get("/zone/").json() == {"time_zone": "Asia/Urumqi", "language": "zh-hans"}
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"  # deactivated after the response


def test_console_lists_creation_time_in_shanghai_time(alpha):
    client = client_for("localhost")
    client.login(email="operator@carehub.test", password="Sufficiently-long-2026")
    body = client.get("/").content.decode()
    local = timezone.localtime(alpha.unit.created_at, timezone=__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M") in body


def test_every_message_has_a_chinese_translation():
    from pathlib import Path

    po = Path(__file__).resolve().parent.parent / "platform/carehub/locale/zh_Hans/LC_MESSAGES/django.po"
    entries = po.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [entry for entry in entries if 'msgstr ""\n' in entry + "\n" and "msgstr \"\"\n\"" not in entry]
    fuzzy = [entry for entry in entries if "#, fuzzy" in entry]
    assert not untranslated and not fuzzy


def test_djangos_own_password_messages_speak_chinese():
    """Django 5.2's minimum-length message lost its Chinese translation (a changed msgid); ours replaces it."""
    import re

    from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        validate_password("1234")
    with translation.override("zh-hans"):
        texts = [*refused.value.messages, *password_validators_help_texts()]
    assert texts and not [text for text in texts if re.search(r"[A-Za-z]{3,}", text)]
