"""The API matches its OpenAPI schema, checked by schemathesis on every operation: the units' API (/api/schema/)
as a unit admin and as the secretary of a sibling subtree, and the operators' API (/api/v1/platform/schema/) as an
operator. No answer may be a server error, and every status code and every body must be one the schema declares
(`not_a_server_error`, `status_code_conformance`, `response_schema_conformance`).

The requests go in process through Django's WSGI application, inside the test's transaction: whatever the
generated writes create is rolled back with the test. The unit holds a register, a care programme, funds and SMS
records, and every operation on an object is also tried on one that exists, so the answers checked include real
objects and not only 404s. Deterministic (derandomized) and bounded (a few examples per operation, no
shrinking), so the run belongs in the suite.
"""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass

import hypothesis
import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from care.fund.models import ApplicationStatus
from care.fund.services import disclosure, funds
from care.imports.services import imports
from care.programme.services import pairing
from care.reports.services.runs import request_report
from notifications.services import notices, optouts, templates, windows
from tenants.services.tokens import create_token

from .api_data import make_registers, media_fixture  # noqa: F401 (a fixture `world` needs)
from .fund_data import advance, make_books
from .platform_data import CONSOLE, operator
from .programme_data import world_fixture  # noqa: F401 (the fixture `world`)

IMPORT = "姓名,性别,出生日期,入党日期,手机,所属组织\n李明,男,1960-01-02,1985-07-01,13912340000,东一支部\n"
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Per operation, caller and kind of case (see `strategies`). Bounded so the whole run
# stays within a minute or two; derandomized, so every run sends the same requests.
SETTINGS = hypothesis.settings(max_examples=3, derandomize=True, database=None, deadline=None,
                               phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                               suppress_health_check=list(hypothesis.HealthCheck))


@dataclass
class Caller:
    """Where the requests go (in process, to Django's WSGI application) and whose token they carry."""

    host: str
    token: str

    def call_and_validate(self, case):
        case.call_and_validate(base_url=f"http://{self.host}", headers={"Authorization": f"Token {self.token}"},
                               checks=CHECKS)


def loaded(raw: dict):
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = WSGIHandler()
    return schema


@contextmanager
def inside_the_test_transaction():
    """Around each request Django closes connections that are not in autocommit mode, which would end the test's
    transaction; its test client keeps them open the same way (and reconnects the handlers after each request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def strategies(operation, ids: dict, key: str):
    """Valid requests, the same addressing an existing object where the path names one, and invalid requests
    (which must be refused with a declared 4xx, never a 5xx)."""
    collection = operation.path.split("{")[0]
    if f"{{{key}}}" in operation.path and collection in ids:
        yield "an existing object", operation.as_strategy(path_parameters={key: ids[collection]})
    yield "generated", operation.as_strategy()
    yield "invalid", operation.as_strategy(GenerationMode.NEGATIVE)


def failures_of(schema, caller: Caller, ids: dict, key: str = "id", before_each=lambda: None) -> list[str]:
    """Every operation run on its own, so one failure does not hide the next: the failures found, by operation."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for kind, cases in strategies(operation, ids, key):

            @SETTINGS
            @hypothesis.given(case=cases)
            def check(case):
                before_each()
                caller.call_and_validate(case)

            try:
                with inside_the_test_transaction():
                    check()
            except hypothesis.errors.Unsatisfiable:
                assert kind == "invalid", operation.label  # an operation without inputs has no invalid request
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, then all are reported
                failures.append(f"{operation.label} ({kind}): {exc}")
    return failures


def seed_unit(world) -> dict[str, int]:
    """Objects of every kind the API shows, in the unit's schema (the care programme is `world`'s); returns the
    ids of those no list shows."""
    staff, today = world.staff, datetime.date.today()
    registers = make_registers(staff)
    with schema_context(staff.unit.schema_name):
        admin = staff.admin
        books = make_books(staff)
        advance(books, ApplicationStatus.PAID)
        advance(books, ApplicationStatus.SUBMITTED, amount="80.00")
        funds.save_rule(admin, legs=[{"level": "general_branch", "percent": "30"},
                                     {"level": "committee", "percent": "70"}])
        funds.link_member(admin, books.east_treasurer, books.west_member)
        disclosure.create_link(admin, books.east, year=today.year)
        pairing.assign_partner(admin, world.old, staff.secretary)
        optouts.record_opt_out(admin, phone="+8613900000077", scope="all", source="staff", note="不需要")
        windows.set_window(admin, registers.member, send_from=datetime.time(9), send_until=datetime.time(18))
        templates.save_template(admin, key="meeting", language="zh-hans", category="notice",
                                body="{member_name}同志：本周五下午开支部大会。")
        body = "{member_name}同志：本周五下午开支部大会。"
        notices.send_notice(admin, filters={}, body=body, expected=notices.prepare(admin, filters={}, body=body)
                            .recipients)
        request_report(admin, kind="visits", period="year", year=today.year)
        batch = imports.stage_import(admin, SimpleUploadedFile("members.csv", IMPORT.encode(), "text/csv"), "members")
    return {"/api/v1/imports/": batch.pk}


def existing_ids(client: Client, raw: dict) -> dict[str, int]:
    """For each collection with objects (`/api/v1/members/`), the id of the last one the admin lists."""
    ids = {}
    for path in raw["paths"]:
        collection = path.split("{")[0]
        if path.startswith(f"{collection}{{id}}") and "get" in raw["paths"].get(collection, {}):
            response = client.get(collection)
            body = response.json() if response.status_code == 200 else {}
            rows = [row for row in (body.get("results", []) if isinstance(body, dict) else body)
                    if isinstance(row, dict) and row.get("id") is not None]
            if rows:
                ids[collection] = rows[-1]["id"]
    return ids


@pytest.mark.parametrize("caller", ["admin", "sibling"])
def test_units_api_matches_its_schema(alpha, world, caller):
    unlisted = seed_unit(world)
    user = getattr(alpha, caller)
    with schema_context("alpha"):
        admin_key = Token.objects.get_or_create(user=alpha.admin)[0].key
        key = Token.objects.get_or_create(user=user)[0].key
    admin = Client(HTTP_HOST=alpha.host, HTTP_AUTHORIZATION=f"Token {admin_key}")
    raw = admin.get("/api/schema/", {"format": "json"}).json()
    ids = {**existing_ids(admin, raw), **unlisted}
    ids["/api/v1/staff/"] = alpha.viewer.pk  # not a caller: a generated PATCH may deactivate the account

    def keep_token():  # a generated DELETE /api/v1/auth/token/ revokes it
        with schema_context("alpha"):
            Token.objects.get_or_create(user=user, defaults={"key": key})

    failures = failures_of(loaded(raw), Caller(alpha.host, key), ids, before_each=keep_token)
    assert not failures, f"{len(failures)} operations do not match the schema:\n\n" + "\n\n".join(failures)


def test_platform_api_matches_its_schema(beta):
    _token, key = create_token(operator(), "schemathesis")
    raw = Client(HTTP_HOST=CONSOLE, HTTP_AUTHORIZATION=f"Token {key}").get(
        "/api/v1/platform/schema/", {"format": "json"}).json()
    failures = failures_of(loaded(raw), Caller(CONSOLE, key), {"/api/v1/platform/units/": beta.unit.slug}, key="slug")
    assert not failures, f"{len(failures)} operations do not match the schema:\n\n" + "\n\n".join(failures)


def test_the_operators_schema_generates_without_warnings(tmp_path):
    # The units' schema has the same check in test_api_auth; --fail-on-warn turns any warning into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--urlconf", "tenants.platform_schema_urls",
                 "--file", str(tmp_path / "platform.yaml"))
    assert "/api/v1/platform/units/{slug}/suspend/" in (tmp_path / "platform.yaml").read_text()
