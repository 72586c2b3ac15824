"""Input is checked, never guessed at: filters of ages and years are bounded wherever the member filter is used
(API list, exports, SMS notices, the portal's list), `extra.<key>` filters are typed like their field, and what
an operation does not declare (a query parameter, a body field, a read-only field) is refused by name."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver
from django_tenants.utils import schema_context
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from care.registers.services import extra_fields
from carehub.api.base import DeclaredInputMixin
from notifications.services import optouts
from tenants.services.tokens import create_token

from .api_data import V1, assert_error, new_member, session_api, token_api, token_for
from .platform_data import CONSOLE, operator
from .test_portal_access import portal

MEMBERS = f"{V1}/members/"
TOO_FAR = [{"age_min": 2026}, {"age_max": 100000}, {"years_min": 151}, {"years_max": 1000}, {"years_min": -1},
           {"age_min": "1.5"}]


@pytest.fixture
def people(in_alpha):
    extra_fields.save_extra_field(in_alpha.admin, key="rank", label="职级", kind="number")
    extra_fields.save_extra_field(in_alpha.admin, key="title", label="职务", kind="text")
    extra_fields.save_extra_field(in_alpha.admin, key="since", label="任职日期", kind="date")
    return {"old": new_member(in_alpha, birth_date="1940-01-01", joined_on="1960-07-01", extra={"rank": 3}),
            "young": new_member(in_alpha, name="李青", birth_date="1990-01-01", joined_on="2015-07-01",
                                extra={"rank": 5, "title": "委员", "since": "2020-01-01"})}


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {member["name"] for member in response.json()["results"]}


class TestYearsAreBounded:
    @pytest.mark.parametrize("params", TOO_FAR)
    def test_api_list_export_and_notice(self, alpha, people, params):
        api = session_api(alpha)
        (name,) = params
        assert list(assert_error(api.get(MEMBERS, params), 400, "invalid")["fields"]) == [name]
        export = api.get(f"{V1}/imports/export/members/", {"format": "csv", **params})
        assert list(assert_error(export, 400, "invalid")["fields"]) == [name]
        notice = api.post(f"{V1}/sms/notices/prepare/", {"body": "开会", "filters": params})
        assert list(assert_error(notice, 400, "invalid")["fields"]) == [f"filters.{name}"]

    @pytest.mark.parametrize("params", TOO_FAR)
    def test_portal_list_shows_the_error(self, alpha, people, params):
        response = portal(alpha).get("/registers/members/", params)
        assert response.status_code == 200
        assert list(response.context["filter"].errors) == list(params)

    def test_bounds_still_filter(self, alpha, people):
        api = session_api(alpha)
        assert names(api.get(MEMBERS, {"age_min": 80})) == {"王建国"}
        assert names(api.get(MEMBERS, {"age_max": 150, "years_min": 0})) == {"王建国", "李青"}
        assert names(api.get(MEMBERS, {"years_max": 20})) == {"李青"}


class TestExtraFilters:
    def test_typed_like_their_field(self, alpha, people):
        api = session_api(alpha)
        assert names(api.get(MEMBERS, {"extra.rank__gte": "4"})) == {"李青"}
        assert names(api.get(MEMBERS, {"extra.since__lte": "2021-01-01"})) == {"李青"}
        assert names(api.get(MEMBERS, {"extra.title": "委员"})) == {"李青"}

    @pytest.mark.parametrize("name,value,message", [
        ("extra.rank__gte", "abc", "Enter a number."),
        ("extra.since__gte", "yesterday", "Enter a valid date."),
        ("extra.title__gte", "x", "Only numbers and dates can be compared."),
        ("extra.nothing", "1", "There is no extra field “nothing”."),
    ])
    def test_bad_ones_are_refused_by_name(self, alpha, people, name, value, message):
        error = assert_error(session_api(alpha).get(MEMBERS, {name: value}), 400, "invalid")
        assert error["fields"] == {name: [message]}
        export = session_api(alpha).get(f"{V1}/imports/export/members/", {name: value})
        assert assert_error(export, 400)["fields"] == {name: [message]}


def test_nodes_can_be_searched_by_name(alpha):
    found = session_api(alpha).get(f"{V1}/nodes/", {"search": "东"}).json()["results"]
    assert {node["name"] for node in found} == {"东区总支", "东一支部", "东二支部"}


class TestUndeclaredInput:
    @pytest.mark.parametrize("path", [MEMBERS, f"{V1}/fund/entries/", f"{V1}/sms/messages/", f"{V1}/me/",
                                      f"{V1}/programme/occasions/"])
    def test_unknown_query_parameters(self, alpha, path):
        error = assert_error(session_api(alpha).get(path, {"sort": "name", "page": 1}), 400, "invalid")
        assert "sort" in error["fields"] and error["fields"]["sort"] == ["Unknown parameter."]

    def test_list_parameters_are_for_lists(self, alpha):
        api = session_api(alpha)
        node = f"{V1}/nodes/{alpha.nodes['east'].pk}/"
        assert api.get(node, {"format": "json"}).status_code == 200
        assert assert_error(api.get(node, {"page": 2}), 400)["fields"] == {"page": ["Unknown parameter."]}
        listed = api.get(f"{V1}/nodes/", {"page": 1, "page_size": 5, "ordering": "-name", "kind": "branch"})
        assert listed.status_code == 200

    def test_declared_parameters_of_actions_and_views(self, alpha):
        api = session_api(alpha)
        assert api.get(f"{V1}/hardship/due/", {"on": "2030-01-01", "category": "illness", "page": 1}).status_code == 200
        assert api.get(f"{V1}/sms/templates/", {"language": "en"}).status_code == 200

    def test_unknown_and_read_only_body_fields(self, alpha, people):
        api = session_api(alpha)
        error = assert_error(api.post(f"{V1}/nodes/", {"name": "东四支部", "parent": alpha.nodes["east"].pk,
                                                       "colour": "red"}), 400, "invalid")
        assert error["fields"] == {"colour": ["Unknown field."]}
        field = api.get(f"{V1}/extra-fields/").json()["results"][0]
        error = assert_error(api.patch(f"{V1}/extra-fields/{field['id']}/", {"key": "renamed"}), 400)
        assert error["fields"] == {"key": ["This field cannot be changed."]}

    def test_unknown_notice_filters(self, alpha):
        notice = {"body": "开会", "filters": {"agemin": 60, "status": ["active"]}}
        error = assert_error(session_api(alpha).post(f"{V1}/sms/notices/prepare/", notice), 400, "invalid")
        assert error["fields"] == {"filters.agemin": ["Unknown filter."]}

    def test_nested_body_fields(self, alpha):
        rule = {"name": "七一走访", "trigger": "occasion", "occasion": "party_day", "task_kind": "visit",
                "audience": {"age_min": 70, "ages_max": 80}}
        error = assert_error(session_api(alpha).post(f"{V1}/programme/rules/preview/", rule), 400, "invalid")
        assert error["fields"] == {"audience.ages_max": ["Unknown field."]}

    def test_multipart_uploads(self, alpha, people, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        api = session_api(alpha)
        entry = api.post(f"{V1}/hardship/", {"member": people["old"].pk, "category": "low_income",
                                             "reason": "低保"}).json()
        upload = SimpleUploadedFile("proof.pdf", b"%PDF-1.4\nproof", content_type="application/pdf")
        response = api.upload(f"{V1}/hardship/{entry['id']}/evidence/", {"file": upload, "folder": "x"})
        assert assert_error(response, 400)["fields"] == {"folder": ["Unknown field."]}

    def test_bodies_of_operations_that_take_none(self, alpha):
        api = session_api(alpha)
        with schema_context("alpha"):
            opt_out = optouts.record_opt_out(alpha.admin, phone="+8613900000077", scope="all", source="staff")
        error = assert_error(api.post(f"{V1}/sms/opt-outs/{opt_out.pk}/end/", {"why": "asked"}), 400)
        assert error["fields"] == {"why": ["Unknown field."]}

    def test_operator_api_too(self, alpha):
        _token, key = create_token(operator(), "tests")
        client = Client(HTTP_HOST=CONSOLE, HTTP_AUTHORIZATION=f"Token {key}")
        error = assert_error(client.get("/api/v1/platform/usage/", {"months": 3, "unit": "alpha"}), 400)
        assert list(error["fields"]) == ["unit"]
        response = client.post("/api/v1/platform/units/alpha/suspend/", {"note": "x", "reason": "y"},
                               content_type="application/json")
        assert list(assert_error(response, 400)["fields"]) == ["reason"]
        assert client.get("/api/v1/platform/usage/", {"months": 3}).status_code == 200

    def test_token_auth_is_unaffected(self, alpha):
        api = token_api(alpha, token_for(alpha, alpha.admin))
        assert api.get(MEMBERS, {"page_size": 10}).status_code == 200


def api_views(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from api_views(pattern.url_patterns, route)
        elif route.lstrip("^").startswith("api/"):
            yield route, getattr(pattern.callback, "cls", None)


@pytest.mark.parametrize("urlconf", ["carehub.urls_tenant", "carehub.urls_public"])
def test_every_api_view_checks_its_input(urlconf):
    """Built from the URL conf, so a view added later is covered without anyone remembering it."""
    views = list(api_views(get_resolver(urlconf).url_patterns))
    checked = DeclaredInputMixin | SpectacularAPIView | SpectacularSwaggerSplitView  # the schema and its docs
    unchecked = [route for route, view in views if not (view and issubclass(view, checked))]
    assert views and not unchecked
