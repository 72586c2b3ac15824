"""The operator names a new unit's first admin (issue 15): the console, the platform API and `carehub tenants
create` require the name, checked as a staff invitation's; it is stored on the account, shown with the
invitation and in the unit's staff list, so nobody reads the admin as an email address."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation
from django_tenants.utils import schema_context, schema_exists

from carehub.accounts.models import User
from carehub.accounts.services import invite_user
from tenants.models import Unit
from tenants.services import tokens
from tenants.services.onboarding import base_url, onboard_unit

from .conftest import client_for
from .platform_data import CONSOLE, console_client, operator

pytestmark = pytest.mark.django_db
FORM = {"name": "红旗街道党工委", "slug": "hongqi", "kind": "street", "admin_email": "head@hongqi.test",
        "admin_name": "王建华", "admin_phone": "", "time_zone": "Asia/Shanghai", "language": "zh-hans"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def admin_of(slug: str) -> User:
    with schema_context(slug):
        return User.objects.get()


def test_the_service_stores_the_name_tidied_and_returns_it():
    result = onboard_unit(None, slug="hongqi", name="红旗", kind="street", admin_email="Head@Hongqi.test",
                          admin_name="  王  建华 ")
    assert (result.admin_name, result.admin_email) == ("王 建华", "head@hongqi.test")
    assert admin_of("hongqi").full_name == "王 建华"


def test_a_too_long_name_is_refused_before_anything_is_made():
    with pytest.raises(ValidationError) as excinfo:
        onboard_unit(None, slug="hongqi", name="红旗", kind="street", admin_email="a@hongqi.test",
                     admin_name="王" * 101)
    assert excinfo.value.message_dict["full_name"] == ["A name has at most 100 characters."]
    assert not Unit.objects.filter(slug="hongqi").exists() and not schema_exists("hongqi")


def test_staff_invitations_check_names_the_same_way(alpha):
    with schema_context("alpha"), pytest.raises(ValidationError) as excinfo:
        invite_user(alpha.admin, email="long@alpha.test", full_name="x" * 101)
    assert "full_name" in excinfo.value.message_dict


class TestConsole:
    def test_the_form_requires_the_name_and_creates_nothing_without_it(self):
        client = console_client()
        assert 'name="admin_name"' in client.get("/units/new/").content.decode()
        for blank in ("", "   "):
            response = client.post("/units/new/", {**FORM, "admin_name": blank})
            assert response.status_code == 200
            assert set(response.context["form"].errors) == {"admin_name"}
        assert not Unit.objects.filter(slug="hongqi").exists()

    def test_the_result_names_the_admin_and_the_unit_lists_them_by_name(self):
        response = console_client().post("/units/new/", FORM)
        body = response.content.decode()
        assert 'id="first-admin">First admin: 王建华 (head@hongqi.test)</p>' in body
        assert "Send this one-time invitation link to 王建华 only." in body
        admin = admin_of("hongqi")
        assert (admin.full_name, admin.email, admin.role) == ("王建华", "head@hongqi.test", "admin")

        # The admin accepts the invitation and finds themselves by name in the unit's staff list.
        client = client_for("hongqi.localhost")
        path = response.context["result"].invitation_url.removeprefix(base_url("hongqi.localhost"))
        client.post(path, {"new_password1": "Chosen-password-77", "new_password2": "Chosen-password-77"})
        client.cookies["django_language"] = "en"
        staff = client.get("/registers/settings/").content.decode().split('id="staff-table"')[1]
        assert "王建华</a><br><small class=\"muted\">head@hongqi.test</small>" in staff


class TestApi:
    @pytest.fixture
    def api(self):
        _token, key = tokens.create_token(operator(), "tests")
        client = client_for(CONSOLE)
        return lambda data: client.post("/api/v1/platform/units/", data, content_type="application/json",
                                        HTTP_AUTHORIZATION=f"Token {key}")

    def test_the_name_is_required(self, api):
        body = {key: FORM[key] for key in ("name", "slug", "kind", "admin_email")}
        refused = api(body)
        assert refused.status_code == 400 and "admin_name" in refused.json()["error"]["fields"]
        assert api({**body, "admin_name": "  "}).status_code == 400
        assert not Unit.objects.filter(slug="hongqi").exists()

    def test_the_answer_names_the_admin(self, api):
        created = api({key: FORM[key] for key in ("name", "slug", "kind", "admin_email", "admin_name")})
        assert created.status_code == 201, created.content
        assert created.json()["admin"] == {"full_name": "王建华", "email": "head@hongqi.test"}
        assert admin_of("hongqi").full_name == "王建华"


class TestCommand:
    ARGS = ["tenants", "create", "--slug", "cmdunit", "--name", "甘井子区委", "--kind", "district",
            "--admin-email", "a@b.cn"]

    def test_the_name_is_required(self):
        with pytest.raises(CommandError, match="--admin-name"):
            call_command(*self.ARGS)
        with pytest.raises(CommandError, match="Enter the person's name."):
            call_command(*self.ARGS, "--admin-name", " ")
        assert not Unit.objects.filter(slug="cmdunit").exists()

    def test_the_name_is_stored_and_printed(self, capsys):
        call_command(*self.ARGS, "--admin-name", "王建华", "--json")
        assert json.loads(capsys.readouterr().out)["admin"] == {"full_name": "王建华", "email": "a@b.cn"}
        assert admin_of("cmdunit").full_name == "王建华"
        call_command(*[*self.ARGS[:3], "cmdunit2", *self.ARGS[4:]], "--admin-name", "李红")
        assert "Admin:      李红 <a@b.cn>" in capsys.readouterr().out
