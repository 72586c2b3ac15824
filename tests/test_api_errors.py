"""Every error under /api/ has the API's JSON error shape, also those Django answers rather than a DRF view: a
body too large (413), a malformed JSON body (a translated message), unknown URLs of the units' and the operators'
API (404), a method an endpoint does not offer (405), an archived unit (404) and an unhandled exception (500)."""

import json

import pytest
from django.test import Client, override_settings
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from carehub.urls_tenant import urlpatterns as unit_urlpatterns
from tenants.models import UnitEvent
from tenants.services.onboarding import change_status

from .api_data import V1, anonymous_api, assert_error, session_api
from .platform_data import CONSOLE


class FailingView(APIView):
    """Stands for any bug: an exception no handler turns into an answer."""

    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("a bug")


def failing_function(request):
    raise RuntimeError("a bug outside DRF")


# The unit's URLs plus two that fail, for this module's tests only.
urlpatterns = [path("api/v1/failing/", FailingView.as_view()), path("api/v1/failing-plain/", failing_function),
               *unit_urlpatterns]


def quiet(client: Client) -> Client:
    client.raise_request_exception = False  # answer as in production instead of re-raising in the test
    return client


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize("url", [f"{V1}/failing/", f"{V1}/failing-plain/"])
def test_an_unhandled_exception_is_a_json_500(alpha, url):
    error = assert_error(quiet(anonymous_api(alpha).client).get(url), 500, "server_error")
    assert error["message"] == "A server error occurred."
    response = quiet(session_api(alpha, language="zh-hans").client).get(url)
    assert assert_error(response, 500)["message"] == "服务器出现了错误。"


def test_a_body_too_large_is_413(alpha, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = session_api(alpha).post(f"{V1}/members/", {"name": "王" * 1000})
    error = assert_error(response, 413, "request_too_large")
    assert error["message"] == "The request body is too large."


@pytest.mark.parametrize("language,message", [
    ("en", "The body is not valid JSON: error at line 1, column 2."),
    ("zh-hans", "请求内容不是有效的 JSON：第 1 行第 2 列有误。"),
])
def test_malformed_json_is_a_translated_parse_error(alpha, language, message):
    response = session_api(alpha, language=language).client.post(f"{V1}/members/", "{name:",
                                                                   content_type="application/json")
    assert assert_error(response, 400, "parse_error")["message"] == message


def test_json_constants_and_bad_encodings_are_parse_errors(alpha):
    client = session_api(alpha).client
    for body in (b'{"name": NaN}', b'{"name": "\xff"}'):
        response = client.post(f"{V1}/members/", body, content_type="application/json")
        assert assert_error(response, 400, "parse_error")["message"] == "The body is not valid JSON."


def test_unknown_urls_of_the_operators_api_are_json_404(db):
    client = Client(HTTP_HOST=CONSOLE)
    for url in ("/api/v1/platform/nothing/", "/api/v1/members/", "/api/"):
        assert_error(client.get(url), 404, "not_found")


def test_a_method_not_offered_is_405(alpha):
    api = session_api(alpha)
    error = assert_error(api.client.put(f"{V1}/nodes/", "{}", content_type="application/json"), 405,
                         "method_not_allowed")
    assert error["message"] == 'Method "PUT" not allowed.'
    assert_error(api.post(f"{V1}/audit-events/", {"action": "x"}), 405, "method_not_allowed")


def test_an_archived_unit_is_a_json_404(alpha):
    change_status(None, alpha.unit, UnitEvent.Action.ARCHIVED)
    assert_error(anonymous_api(alpha).get(f"{V1}/members/"), 404, "not_found")


def test_the_portal_keeps_its_html_pages(alpha):
    response = session_api(alpha).get("/registers/nothing/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_json_error_answers_keep_their_headers(alpha):
    response = session_api(alpha).get(f"{V1}/nothing/")
    assert response["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in response
    assert json.loads(response.content)["error"]["code"] == "not_found"
