"""Authentication (session and per-unit tokens), the one error format for every kind of failure, suspended
units, and the OpenAPI schema and its docs."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.throttling import ScopedRateThrottle

from carehub.audit.models import AuditEvent
from tenants.models import UnitEvent
from tenants.services.onboarding import change_status

from .api_data import V1, ApiClient, anonymous_api, assert_error, session_api, token_api, token_for
from .conftest import PASSWORD, logged_in

TOKEN = f"{V1}/auth/token/"


@pytest.fixture(autouse=True)
def local_cache(settings):
    """Throttling counts in the cache: an empty private one per test, so no other test's or run's attempts count."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "api-tests"}}
    cache.clear()


class TestTokens:
    def test_email_and_password_give_a_token_that_works(self, alpha):
        response = anonymous_api(alpha).post(TOKEN, {"email": "Secretary@Alpha.test", "password": PASSWORD})
        assert response.status_code == 200, response.content
        api = token_api(alpha, response.json()["token"])
        assert api.get(f"{V1}/me/").json()["email"] == "secretary@alpha.test"
        created = api.post(f"{V1}/members/", {"node": alpha.nodes["east1"].pk, "name": "李四", "sex": "f"})
        assert created.status_code == 201  # no CSRF token needed with a token
        with schema_context("alpha"):
            event = AuditEvent.objects.get(object_type="member")
        assert (event.source, event.actor_id) == ("api", alpha.secretary.pk)

    def test_same_token_is_returned_until_revoked(self, alpha):
        first = anonymous_api(alpha).post(TOKEN, {"email": alpha.viewer.email, "password": PASSWORD}).json()
        again = anonymous_api(alpha).post(TOKEN, {"email": alpha.viewer.email, "password": PASSWORD}).json()
        assert first == again
        api = token_api(alpha, first["token"])
        assert api.delete(TOKEN).status_code == 204
        assert_error(api.get(f"{V1}/me/"), 401, "authentication_failed")

    @pytest.mark.parametrize("body,fields", [
        ({"email": "admin@alpha.test", "password": "wrong-password"}, set()),
        ({"email": "nobody@alpha.test", "password": PASSWORD}, set()),
        ({"email": "admin@beta.test", "password": PASSWORD}, set()),  # beta's account does not exist at alpha
        ({}, {"email", "password"}),
    ])
    def test_bad_credentials(self, alpha, body, fields):
        error = assert_error(anonymous_api(alpha).post(TOKEN, body), 400, "invalid")
        assert set(error["fields"]) == fields
        if not fields:
            assert error["message"] == "Unable to log in with provided credentials."

    def test_inactive_accounts_get_no_token(self, alpha):
        with schema_context("alpha"):
            alpha.viewer.is_active = False
            alpha.viewer.save()
        assert_error(anonymous_api(alpha).post(TOKEN, {"email": alpha.viewer.email, "password": PASSWORD}), 400)

    def test_token_of_alpha_is_unknown_at_beta(self, alpha, beta):
        token = token_for(alpha, alpha.admin)
        assert token_api(alpha, token).get(f"{V1}/members/").status_code == 200
        error = assert_error(token_api(alpha, token, host=beta.host).get(f"{V1}/members/"), 401,
                             "authentication_failed")
        assert error["message"] == "Invalid token."

    def test_malformed_authorization_header(self, alpha):
        assert_error(token_api(alpha, "not a token").get(f"{V1}/me/"), 401, "authentication_failed")

    def test_password_guessing_is_throttled(self, alpha, monkeypatch):
        monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "token", "2/minute")
        api = anonymous_api(alpha)
        for _attempt in range(2):
            assert api.post(TOKEN, {"email": "admin@alpha.test", "password": "guess"}).status_code == 400
        response = api.post(TOKEN, {"email": "admin@alpha.test", "password": PASSWORD})
        assert_error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0


class TestErrorFormat:
    def test_unknown_api_urls_are_json_404(self, alpha):
        api = session_api(alpha)
        for path in (f"{V1}/nothing/", "/api/", "/api/v2/members/", f"{V1}/members/abc/"):
            assert_error(api.get(path), 404, "not_found")
        assert_error(anonymous_api(alpha).post(f"{V1}/nothing/"), 404, "not_found")

    def test_malformed_json_is_a_parse_error(self, alpha):
        response = session_api(alpha).client.post(f"{V1}/members/", "{name:", content_type="application/json")
        assert_error(response, 400, "parse_error")

    def test_form_bodies_are_unsupported(self, alpha):
        response = session_api(alpha).client.post(f"{V1}/members/", {"name": "李四"})
        assert_error(response, 415, "unsupported_media_type")

    def test_session_writes_need_the_csrf_token(self, alpha):
        client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
        client.cookies = logged_in(alpha).cookies
        error = assert_error(ApiClient(client).post(f"{V1}/members/", {}), 403, "permission_denied")
        assert "CSRF" in error["message"]

    def test_messages_are_in_the_units_language(self, alpha):
        error = assert_error(session_api(alpha, language=None).get(f"{V1}/members/999999/"), 404)
        assert error["message"] == "未找到。"
        assert assert_error(anonymous_api(alpha).get(f"{V1}/members/"), 401)["message"] == (
            "Authentication credentials were not provided.")


class TestSuspendedUnit:
    @pytest.fixture
    def suspended(self, alpha):
        change_status(None, alpha.unit, UnitEvent.Action.SUSPENDED)
        return alpha

    def test_writes_are_refused_in_the_api_format(self, suspended):
        api = session_api(suspended)
        assert_error(api.post(f"{V1}/members/", {"name": "李四"}), 403, "unit_read_only")
        assert api.get(f"{V1}/members/").status_code == 200

    def test_tokens_can_still_be_obtained_for_reading(self, suspended):
        response = anonymous_api(suspended).post(TOKEN, {"email": suspended.admin.email, "password": PASSWORD})
        assert response.status_code == 200
        assert token_api(suspended, response.json()["token"]).get(f"{V1}/me/").status_code == 200


class TestSchema:
    def test_generates_without_warnings_or_errors(self, tmp_path):
        # Raises SchemaGenerationError on any warning; --validate checks it against the OpenAPI 3 meta-schema.
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
        assert "/api/v1/members/{id}/transfer/" in (tmp_path / "schema.yaml").read_text()

    def test_served_at_each_unit(self, alpha):
        response = anonymous_api(alpha).get("/api/schema/", {"format": "json"})
        assert response.status_code == 200
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
        create = schema["paths"]["/api/v1/members/"]["post"]
        assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("MemberCreateRequest")
        assert {"201", "400", "401", "403"} <= set(create["responses"])
        error = schema["components"]["schemas"]["ErrorDetail"]["properties"]
        assert set(error) == {"code", "message", "fields"}

    def test_docs_use_bundled_swagger_ui(self, alpha):
        response = anonymous_api(alpha).get("/api/docs/")
        body = response.content.decode()
        assert response.status_code == 200 and "drf_spectacular_sidecar/swagger-ui-dist" in body
        assert "cdn.jsdelivr" not in body and "unpkg.com" not in body
