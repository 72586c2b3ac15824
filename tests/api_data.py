"""Helpers of the API tests (tests/test_api_*.py): clients that speak JSON, a small register in a unit, and the
error-format check every failing answer must pass."""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from care.registers.models import Evidence, ExtraField, HardshipCategory, HardshipEntry, Member, Node
from care.registers.services import extra_fields, hardship, members, nodes
from care.registers.services.staff import invite_staff
from carehub.accounts.models import User
from carehub.audit.models import AuditEvent

from .conftest import Staff, client_for, logged_in

V1 = "/api/v1"


class ApiClient:
    """A test client bound to a unit's host that sends JSON bodies; English messages unless told otherwise."""

    def __init__(self, client: Client, language: str | None = "en"):
        self.client = client
        if language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    def get(self, path, params=None):
        return self.client.get(path, params or {})

    def post(self, path, data=None):
        return self.client.post(path, data or {}, content_type="application/json")

    def patch(self, path, data=None):
        return self.client.patch(path, data or {}, content_type="application/json")

    def delete(self, path):
        return self.client.delete(path)

    def upload(self, path, data):
        return self.client.post(path, data)  # multipart


def session_api(staff: Staff, user: User | None = None, language: str | None = "en") -> ApiClient:
    return ApiClient(logged_in(staff, user), language)


def anonymous_api(staff: Staff) -> ApiClient:
    return ApiClient(client_for(staff.host))


def token_for(staff: Staff, user: User) -> str:
    with schema_context(staff.unit.schema_name):
        return Token.objects.get_or_create(user=user)[0].key


def token_api(staff: Staff, token: str, host: str | None = None) -> ApiClient:
    return ApiClient(Client(HTTP_HOST=host or staff.host, HTTP_AUTHORIZATION=f"Token {token}"))


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The common error format; returns the `error` object for further checks."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"] and isinstance(error["fields"], dict)
    if code:
        assert error["code"] == code
    return error


@dataclass
class Registers:
    """One member in east1 with a plain and a sensitive hardship entry (each with evidence), one member in
    west1, an extra field, a node and a staff account created for the test (so their ids are new to beta)."""

    member: Member
    west_member: Member
    entry: HardshipEntry
    sensitive: HardshipEntry
    evidence: Evidence
    sensitive_evidence: Evidence
    field: ExtraField
    node: Node
    invited: User
    event: AuditEvent


def new_member(staff: Staff, node: str = "east1", **data) -> Member:
    values = {"name": "王建国", "sex": "m", "birth_date": "1950-03-02", "joined_on": "1975-07-01",
              "phone": "13912345678", **data}
    return members.create_member(staff.admin, node=staff.nodes[node], **values)


def make_registers(staff: Staff) -> Registers:
    with schema_context(staff.unit.schema_name):
        member = new_member(staff)
        entry = hardship.open_entry(staff.admin, member, category=HardshipCategory.LOW_INCOME, reason="低保")
        sensitive = hardship.open_entry(staff.admin, member, category=HardshipCategory.ILLNESS, reason="住院")
        return Registers(
            member=member,
            west_member=new_member(staff, node="west1", name="赵六"),
            entry=entry,
            sensitive=sensitive,
            evidence=hardship.attach_evidence(staff.admin, entry, upload("proof.pdf")),
            sensitive_evidence=hardship.attach_evidence(staff.admin, sensitive, upload("diagnosis.pdf")),
            field=extra_fields.save_extra_field(staff.admin, key="rank", label="职级", kind="text"),
            node=nodes.create_node(staff.admin, parent=staff.nodes["east"], name="东三支部"),
            invited=invite_staff(staff.admin, email="new@example.test", role="viewer").invitation.user,
            event=AuditEvent.objects.latest("pk"),
        )


def upload(name: str, content: bytes = b"evidence") -> SimpleUploadedFile:
    """A PDF (uploads are judged on their bytes: carehub.uploads) holding `content`."""
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + content, content_type="application/pdf")


# Fixtures for the API test modules, which import them by these function names (the fixture names differ so
# that test arguments do not shadow the imports).
@pytest.fixture(name="media")
def media_fixture(settings, tmp_path):
    """Uploaded evidence goes to a temporary folder, not the developer's media root."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(name="registers")
def registers_fixture(alpha, media) -> Registers:
    return make_registers(alpha)
