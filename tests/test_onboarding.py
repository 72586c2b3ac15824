import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from django_tenants.utils import schema_context, schema_exists

from carehub.accounts.models import Invitation, Role, User
from tenants import presets
from tenants.models import Domain, Unit, UnitEvent, UnitStatus
from tenants.services.onboarding import base_url, change_status, onboard_unit

from .conftest import client_for


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the product's default language is Simplified Chinese."""
    with translation.override("en"):
        yield


def test_errors_default_to_simplified_chinese(db):
    translation.deactivate()  # as in a request that activated nothing, or a command
    with pytest.raises(ValidationError) as excinfo:
        onboard(slug="public")
    assert excinfo.value.message_dict["slug"] == ["“public”为保留标识，不能使用。"]


def onboard(**overrides):
    values = {"slug": "newunit", "name": "新单位党委", "kind": "school", "admin_email": "first@new.test"}
    return onboard_unit(None, **{**values, **overrides})


def invitation_path(result):
    return result.invitation_url.removeprefix(base_url("newunit.localhost"))


def tables_in(schema):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [schema])
        return cursor.fetchone()[0]


def test_onboarding_creates_schema_domain_and_invited_admin(db):
    result = onboard()
    unit = result.unit
    assert unit.schema_name == "newunit" and unit.status == UnitStatus.ACTIVE
    assert result.url == base_url("newunit.localhost") + "/"
    assert result.invitation_url.startswith(base_url("newunit.localhost") + "/accounts/invite/")
    assert Domain.objects.get(tenant=unit).domain == "newunit.localhost"
    assert tables_in("newunit") == tables_in("_template") > 5
    with schema_context("newunit"):
        admin = User.objects.get()
        assert admin.email == "first@new.test" and admin.role == Role.ADMIN
        assert not admin.is_active and not admin.has_usable_password()
        token = result.invitation_url.rstrip("/").rsplit("/", 1)[1]
        assert token not in Invitation.objects.get().token_hash  # only the hash is stored
    assert UnitEvent.objects.get(unit=unit).action == UnitEvent.Action.CREATED


def test_admin_phone_is_stored_as_e164(db):
    result = onboard(admin_phone="139 1234 5678")
    with schema_context(result.unit.schema_name):
        assert User.objects.get().phone == "+8613912345678"


def test_invitation_link_works_once_and_logs_in(db):
    result = onboard()
    client = client_for("newunit.localhost")
    path = invitation_path(result)
    page = client.get(path)
    assert page.status_code == 200
    response = client.post(path, {"new_password1": "Chosen-password-77", "new_password2": "Chosen-password-77"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client_for("newunit.localhost").get(path).status_code == 404  # spent
    with schema_context("newunit"):
        assert User.objects.get().check_password("Chosen-password-77")


def test_invitation_rejects_weak_password_and_stays_usable(db):
    result = onboard()
    path = invitation_path(result)
    client = client_for("newunit.localhost")
    response = client.post(path, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200 and response.context["form"].errors
    assert client.get(path).status_code == 200


def test_presets_for_the_units_kind_are_applied_in_its_schema(db):
    seen = []

    @presets.register("school")
    def school_days(unit):
        seen.append((unit.slug, connection.schema_name))

    try:
        result = onboard()
        onboard(slug="otherkind", kind="hospital", admin_email="x@other.test")
    finally:
        presets.unregister(school_days)
    assert seen == [("newunit", "newunit")]
    assert result.presets == ["care_programme", "school_days"]  # care_programme: every kind's (care.programme)


@pytest.mark.parametrize("slug,message", [
    ("ab", "3 to 32"),
    ("a" * 33, "3 to 32"),
    ("Upper", "lowercase"),
    ("1abc", "lowercase"),
    ("bad_slug", "lowercase"),
    ("trailing-", "lowercase"),
    ("public", "reserved"),
    ("www", "reserved"),
    ("api", "reserved"),
    ("admin", "reserved"),
    ("static", "reserved"),
    ("alpha", "already exists"),
])
def test_bad_slugs_are_refused_with_a_clear_message(alpha, slug, message):
    with pytest.raises(ValidationError) as excinfo:
        onboard(slug=slug)
    assert message in " ".join(excinfo.value.message_dict["slug"])


@pytest.mark.parametrize("field,overrides", [
    ("name", {"name": "  "}),
    ("kind", {"kind": "castle"}),
    ("time_zone", {"time_zone": "Mars/Olympus"}),
    ("language", {"language": "fr"}),
    ("email", {"admin_email": "not-an-email"}),
    ("phone", {"admin_phone": "12345"}),
])
def test_bad_details_are_refused_and_leave_nothing(db, field, overrides):
    with pytest.raises(ValidationError) as excinfo:
        onboard(**overrides)
    assert field in excinfo.value.message_dict
    assert not Unit.objects.filter(slug="newunit").exists()
    assert not schema_exists("newunit")


def test_a_failure_at_the_last_step_leaves_no_schema_row_or_domain(db):
    @presets.register("school")
    def broken(unit):
        raise RuntimeError("preset failed")

    try:
        with pytest.raises(RuntimeError):
            onboard()
    finally:
        presets.unregister(broken)
    assert not schema_exists("newunit")
    assert not Unit.objects.filter(slug="newunit").exists()
    assert not Domain.objects.filter(domain="newunit.localhost").exists()
    assert not UnitEvent.objects.filter(unit__slug="newunit").exists()
    onboard()  # and the slug is free again


def test_duplicate_domain_is_refused(db):
    Domain.objects.create(domain="newunit.localhost", tenant=Unit.objects.get(schema_name="public"), is_primary=False)
    with pytest.raises(ValidationError, match="already in use"):
        onboard()


def test_lifecycle_transitions_and_audit(alpha):
    unit = change_status(None, alpha.unit, UnitEvent.Action.SUSPENDED, note="unpaid")
    assert unit.status == UnitStatus.SUSPENDED
    with pytest.raises(ValidationError):
        change_status(None, unit, UnitEvent.Action.SUSPENDED)
    unit = change_status(None, unit, UnitEvent.Action.RESUMED)
    unit = change_status(None, unit, UnitEvent.Action.ARCHIVED)
    with pytest.raises(ValidationError):
        change_status(None, unit, UnitEvent.Action.RESUMED)
    actions = list(UnitEvent.objects.filter(unit=unit).order_by("at", "pk").values_list("action", "note"))
    assert actions[-3:] == [("suspended", "unpaid"), ("resumed", ""), ("archived", "")]


def test_command_create_json_list_and_status(db, capsys):
    call_command("tenants", "create", "--slug", "cmdunit", "--name", "甘井子区委", "--kind", "district",
                 "--admin-email", "a@b.cn", "--admin-name", "王建华", "--admin-phone", "+8613800000000", "--json")
    created = json.loads(capsys.readouterr().out)
    assert created["url"] == base_url("cmdunit.localhost") + "/"
    assert "/accounts/invite/" in created["invitation_url"]
    call_command("tenants", "list", "--json")
    listed = {row["slug"]: row for row in json.loads(capsys.readouterr().out)}
    assert listed["cmdunit"]["status"] == "active" and "public" not in listed
    call_command("tenants", "suspend", "cmdunit")
    call_command("tenants", "resume", "cmdunit")
    call_command("tenants", "archive", "cmdunit")
    assert Unit.objects.get(slug="cmdunit").status == "archived"


def test_command_reports_bad_input_without_traceback(db):
    with pytest.raises(CommandError, match="reserved"):
        call_command("tenants", "create", "--slug", "admin", "--name", "x", "--kind", "district",
                     "--admin-email", "a@b.cn", "--admin-name", "王建华")
    with pytest.raises(CommandError, match="No unit"):
        call_command("tenants", "suspend", "nosuchunit")


def test_printed_output_holds_no_password(db, capsys):
    call_command("tenants", "create", "--slug", "cmdunit", "--name", "x", "--kind", "district",
                 "--admin-email", "a@b.cn", "--admin-name", "王建华")
    out = capsys.readouterr().out
    assert f"Invitation: {base_url('cmdunit.localhost')}/accounts/invite/" in out
    assert "password" not in out.lower()
