"""Tenant isolation by portal: a user, a session or a URL of unit A gets nothing of unit B."""

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from care.registers.models import Member
from tenants.models import UnitEvent
from tenants.services.onboarding import change_status

from .conftest import PASSWORD, client_for, logged_in

CONSOLE = settings.CAREHUB_BASE_DOMAIN


def test_unit_admin_sees_own_unit_name(alpha):
    response = logged_in(alpha).get("/")
    assert response.status_code == 200
    assert "Alpha 区委" in response.content.decode()


def test_dashboard_counts_only_own_members(alpha, beta):
    with schema_context("alpha"):
        Member.objects.create(node=alpha.nodes["east1"], name="王建国", sex="m", uses_smartphone=False)
    with schema_context("beta"):
        Member.objects.bulk_create([Member(node=beta.nodes["west1"], name=f"李{i}", sex="f") for i in range(3)])
    connection.set_schema_to_public()
    alpha_counts = logged_in(alpha).get("/").context["counts"]
    beta_counts = logged_in(beta).get("/").context["counts"]
    assert alpha_counts == {"members": 1, "without_smartphone": 1}
    assert beta_counts == {"members": 3, "without_smartphone": 0}


def test_session_of_unit_a_is_worthless_at_unit_b(alpha, beta):
    client = logged_in(alpha)
    client.defaults["HTTP_HOST"] = beta.host  # the same cookie jar, sent to B
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_credentials_of_unit_a_do_not_exist_at_unit_b(alpha, beta):
    client = client_for(beta.host)
    response = client.post("/accounts/login/", {"username": alpha.admin.email, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert response.context["form"].errors
    assert client.get("/").status_code == 302


def test_login_form_signs_in_at_own_unit(alpha):
    client = client_for(alpha.host)
    response = client.post("/accounts/login/", {"username": alpha.admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_unknown_host_gets_404(db):
    assert client_for(f"nosuchunit.{CONSOLE}").get("/").status_code == 404


def test_anonymous_gets_login_redirect(alpha):
    response = client_for(alpha.host).get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unit_staff_cannot_use_the_console(alpha):
    client = client_for(CONSOLE)
    response = client.post("/accounts/login/", {"username": alpha.admin.email, "password": PASSWORD})
    assert response.context["form"].errors
    assert client.get("/").status_code == 302


def test_unit_session_cookie_is_worthless_on_the_console(alpha):
    client = logged_in(alpha)
    client.defaults["HTTP_HOST"] = CONSOLE
    assert client.get("/").status_code == 302


def test_operator_sees_units_in_console(alpha, beta):
    client = client_for(CONSOLE)
    assert client.login(email="operator@carehub.test", password=PASSWORD)
    body = client.get("/").content.decode()
    assert "Alpha 区委" in body and "Beta 学校党委" in body


def test_operator_session_is_worthless_in_a_unit(alpha):
    client = client_for(CONSOLE)
    assert client.login(email="operator@carehub.test", password=PASSWORD)
    client.defaults["HTTP_HOST"] = alpha.host
    assert client.get("/").status_code == 302


def test_operator_onboards_and_suspends_from_console(db, alpha):
    client = client_for(CONSOLE)
    client.login(email="operator@carehub.test", password=PASSWORD)
    response = client.post("/units/new/", {
        "name": "红旗街道党工委", "slug": "hongqi", "kind": "street", "admin_email": "a@hongqi.test",
        "admin_name": "王建华", "admin_phone": "", "time_zone": "Asia/Shanghai", "language": "zh-hans",
    })
    assert response.status_code == 200
    assert "/accounts/invite/" in response.content.decode()
    bad = client.post("/units/new/", {"name": "x", "slug": "hongqi", "kind": "street", "admin_email": "a@b.cn",
                                      "admin_name": "x", "time_zone": "Asia/Shanghai", "language": "zh-hans"})
    assert "hongqi" in str(bad.context["form"].errors["slug"])
    bad_phone = client.post("/units/new/", {"name": "x", "slug": "other", "kind": "street", "admin_email": "a@b.cn",
                                            "admin_name": "x", "admin_phone": "12345", "time_zone": "Asia/Shanghai",
                                            "language": "zh-hans"})
    assert bad_phone.context["form"].errors["admin_phone"]
    client.post(f"/units/{alpha.unit.slug}/suspended/", {"note": "checking"})
    event = UnitEvent.objects.filter(unit=alpha.unit).latest("at")
    assert (event.action, event.source, event.actor.email) == ("suspended", "console", "operator@carehub.test")


class TestSuspendedUnit:
    @pytest.fixture
    def suspended(self, alpha):
        change_status(None, alpha.unit, UnitEvent.Action.SUSPENDED)
        return alpha

    def test_reads_work_with_a_banner(self, suspended):
        response = logged_in(suspended).get("/")
        assert response.status_code == 200
        assert 'id="read-only-banner"' in response.content.decode()

    def test_writes_are_refused(self, suspended):
        client = logged_in(suspended)
        response = client.post("/accounts/password-reset/", {"email": suspended.admin.email})
        assert response.status_code == 403

    def test_login_and_language_switch_still_work(self, suspended):
        client = client_for(suspended.host)
        response = client.post("/accounts/login/", {"username": suspended.admin.email, "password": PASSWORD})
        assert response.status_code == 302
        assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302


def test_archived_unit_answers_404_everywhere(alpha):
    client = logged_in(alpha)
    change_status(None, alpha.unit, UnitEvent.Action.ARCHIVED)
    assert client.get("/").status_code == 404
    assert client_for(alpha.host).get("/accounts/login/").status_code == 404


def test_invitation_link_of_unit_a_is_unknown_at_unit_b(db, beta):
    from tenants.services.onboarding import base_url, onboard_unit

    result = onboard_unit(None, slug="gamma", name="Gamma", kind="other", admin_email="first@gamma.test")
    path = result.invitation_url.removeprefix(base_url("gamma.localhost"))
    assert client_for(beta.host).get(path).status_code == 404
    assert client_for(CONSOLE).get(path).status_code == 404
    assert client_for("gamma.localhost").get(path).status_code == 200


def test_console_actions_need_an_operator(alpha):
    anonymous = client_for(CONSOLE)
    assert anonymous.post(f"/units/{alpha.unit.slug}/suspended/").status_code == 302
    assert anonymous.get("/units/new/").status_code == 302
    # A unit's own host has no console at all.
    assert logged_in(alpha).post(f"/units/{alpha.unit.slug}/suspended/").status_code == 404
    alpha.unit.refresh_from_db()
    assert alpha.unit.status == "active"


def test_a_public_account_that_is_not_an_operator_is_refused(db):
    from carehub.accounts.models import User

    User.objects.create_user("someone@carehub.test", PASSWORD)
    client = client_for(CONSOLE)
    assert client.login(email="someone@carehub.test", password=PASSWORD)
    assert client.get("/").status_code == 403
    assert client.post("/units/new/", {}).status_code == 403
