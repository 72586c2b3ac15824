"""The console and the platform API: for operators only; counts, never members' personal data."""

import datetime

import pytest
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from billing.services.usage import record_usage
from care.programme.models import CareTask, Rule, TaskKind
from care.registers.services import members
from tenants.models import Unit
from tenants.services import tokens
from tenants.services.health import unit_health

from .billing_data import subscribed
from .conftest import client_for, logged_in
from .platform_data import CONSOLE, console_client, operator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_unit_list_shows_plan_members_sms_and_no_personal_data(alpha, beta):
    with schema_context("alpha"):
        members.create_member(alpha.admin, node=alpha.nodes["east1"], name="王秘密", sex="m", phone="13912345678")
    subscribed(alpha.unit, code="standard")
    today = timezone.localdate()
    record_usage(alpha.unit, "active_members", 37, source_key="day:x", day=today)
    record_usage(alpha.unit, "sms_segments", 5, source_key="m1", day=today)
    record_usage(alpha.unit, "sms_segments", 2, source_key="m2", day=today)
    record_usage(alpha.unit, "sms_segments", 9, source_key="old", day=today - datetime.timedelta(days=40))
    response = console_client().get("/")
    assert response.status_code == 200
    row = response.content.decode().split('id="unit-alpha"')[1].split("</tr>")[0]
    assert "Standard" in row and ">37<" in row and ">7<" in row and "District" in row
    assert "王秘密" not in response.content.decode() and "13912345678" not in response.content.decode()
    detail = console_client().get("/units/alpha/")
    assert detail.status_code == 200 and b"Overdue care tasks" in detail.content
    assert "王秘密" not in detail.content.decode()


def test_overdue_tasks_are_counted_by_the_units_own_date(alpha, monkeypatch):
    # 02:00 UTC on Jan 11 is still Jan 10 in Los Angeles, but already Jan 11 on the platform (Shanghai).
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2027, 1, 11, 2, 0, tzinfo=datetime.UTC))
    Unit.objects.filter(pk=alpha.unit.pk).update(time_zone="America/Los_Angeles")
    with schema_context("alpha"):
        CareTask.objects.all().delete()
        member = members.create_member(alpha.admin, node=alpha.nodes["east1"], name="王期", sex="m")
        rule = Rule.objects.first()
        for due_on in (datetime.date(2027, 1, 9), datetime.date(2027, 1, 10)):  # late; due today in the unit
            CareTask.objects.create(rule=rule, version=rule.current, member=member, kind=TaskKind.VISIT,
                                    occurs_on=due_on, opens_on=due_on, due_on=due_on)
    assert unit_health(Unit.objects.get(pk=alpha.unit.pk)).overdue_tasks == 1


def test_unit_staff_get_nothing_from_the_console_or_the_platform_api(alpha):
    unit_admin = logged_in(alpha)
    unit_admin.defaults["HTTP_HOST"] = CONSOLE  # the unit's session cookie, sent to the console
    assert unit_admin.get("/")["Location"].startswith("/accounts/login/")
    assert unit_admin.get("/billing/invoices/").status_code == 302
    assert unit_admin.get("/api/v1/platform/units/").status_code in {401, 403}
    with schema_context("alpha"):
        from rest_framework.authtoken.models import Token

        key = Token.objects.create(user=alpha.admin).key
    api = client_for(CONSOLE)
    assert api.get("/api/v1/platform/units/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    # And the console's pages do not exist at a unit's host.
    assert logged_in(alpha).get("/units/alpha/").status_code == 404
    assert logged_in(alpha).get("/api/v1/platform/units/").status_code == 404


def api_client():
    _token, key = tokens.create_token(operator(), "tests")
    return client_for(CONSOLE), {"HTTP_AUTHORIZATION": f"Token {key}"}


def test_platform_api_units_and_usage(alpha, beta):
    client, auth = api_client()
    listed = client.get("/api/v1/platform/units/", **auth).json()
    assert {"alpha", "beta"} <= {unit["slug"] for unit in listed}
    created = client.post("/api/v1/platform/units/", {"slug": "api-unit", "name": "API 单位", "kind": "school",
                                                      "admin_email": "head@api-unit.test",
                                                      "admin_name": "Head Teacher"},
                          content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    assert created.json()["unit"]["status"] == "active" and "/accounts/invite/" in created.json()["invitation_url"]
    duplicate = client.post("/api/v1/platform/units/", {"slug": "api-unit", "name": "x", "kind": "school",
                                                        "admin_email": "x@y.test", "admin_name": "x"},
                            content_type="application/json", **auth)
    assert duplicate.status_code == 400 and "slug" in duplicate.json()["error"]["fields"]
    def act(action):
        return client.post(f"/api/v1/platform/units/api-unit/{action}/", {}, content_type="application/json",
                           **auth)

    assert act("suspend").json()["status"] == "suspended"
    assert act("resume").json()["status"] == "active"
    assert act("archive").json()["status"] == "archived"
    refused = act("resume")
    assert refused.status_code == 400 and refused.json()["error"]["code"]
    record_usage(alpha.unit, "sms_segments", 4, source_key="api", day=datetime.date(2026, 3, 2))
    usage = client.get("/api/v1/platform/units/alpha/usage/", **auth).json()
    assert {"month": "2026-03-01", "sms": 4, "members": 0} in usage
    assert client.get("/api/v1/platform/usage/", **auth).status_code == 200
    assert client.get("/api/v1/platform/units/nosuch/usage/", **auth).status_code == 404
    assert Unit.objects.get(slug="api-unit").events.filter(source="api").count() == 4  # created + 3 changes


def test_revoked_token_and_schema(db):
    client, auth = api_client()
    schema = client.get("/api/v1/platform/schema/", **auth)
    assert schema.status_code == 200 and b"/api/v1/platform/units/{slug}/suspend/" in schema.content
    assert client.get("/api/v1/platform/schema/").status_code == 401
    token = operator().operator_tokens.get(name="tests")
    tokens.revoke_token(operator(), token)
    assert client.get("/api/v1/platform/units/", **auth).status_code == 401


def test_console_token_page_shows_a_new_key_once(db):
    client = console_client()
    page = client.post("/tokens/", {"name": "监控"})
    assert b'id="new-key">chp_' in page.content
    assert b"chp_" not in client.get("/tokens/").content.replace(b"<code>chp_", b"")
