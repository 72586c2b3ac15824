"""Isolation through the API. Every list and detail endpoint is tried by an anonymous caller, by another unit,
by a secretary of a sibling subtree, by read-only roles, and by roles that may not see sensitive categories."""

import pytest
from django_tenants.utils import schema_context

from care.registers.models import ExtraField, HardshipEntry, Member, Node
from carehub.accounts.models import User
from carehub.audit.models import AuditEvent

from .api_data import (  # noqa: F401 (fixtures)
    V1,
    anonymous_api,
    assert_error,
    media_fixture,
    registers_fixture,
    session_api,
    upload,
)

DETAILS = {
    "node": (Node, lambda r: r.node.pk, "/nodes/{}/"),
    "member": (Member, lambda r: r.member.pk, "/members/{}/"),
    "entry": (HardshipEntry, lambda r: r.entry.pk, "/hardship/{}/"),
    "changes": (HardshipEntry, lambda r: r.entry.pk, "/hardship/{}/changes/"),
    "evidence": (HardshipEntry, lambda r: r.entry.pk, "/hardship/{}/evidence/%s/"),
    "extra_field": (ExtraField, lambda r: r.field.pk, "/extra-fields/{}/"),
    "audit_event": (AuditEvent, lambda r: r.event.pk, "/audit-events/{}/"),
    "staff": (User, lambda r: r.invited.pk, "/staff/{}/"),
}
# Each list with a field and value that only the test's own alpha objects have.
LISTS = {
    "/nodes/": ("name", "东三支部"),
    "/members/": ("name", "王建国"),
    "/hardship/": ("category", "low_income"),
    "/hardship/due/?on=2099-01-01": ("category", "low_income"),
    "/extra-fields/": ("key", "rank"),
    "/audit-events/": ("object_label", "王建国"),
    "/staff/": ("email", "new@example.test"),
}
SENSITIVE_VIEWED = "registers.hardship.sensitive_viewed"
ADMIN_ONLY = {"/audit-events/", "/staff/", "audit_event", "staff"}


def detail_path(name, r) -> str:
    _model, pk, template = DETAILS[name]
    path = template.format(pk(r))
    return V1 + (path % r.evidence.pk if "%s" in path else path)


def holds_marker(response, list_path) -> bool:
    field, value = LISTS[list_path]
    assert response.status_code == 200, response.content[:300]
    return any(item[field] == value for item in response.json()["results"])


def writes(r):
    """Every write endpoint, with a body that would be valid for a unit admin."""
    member, entry, node = f"{V1}/members/{r.member.pk}", f"{V1}/hardship/{r.entry.pk}", f"{V1}/nodes/{r.node.pk}"
    east1 = r.member.node_id
    return [
        ("post", f"{V1}/nodes/", {"parent": east1, "name": "新支部"}),
        ("patch", f"{node}/", {"name": "改名"}),
        ("post", f"{node}/move/", {"parent": east1}),
        ("delete", f"{node}/", None),
        ("post", f"{V1}/members/", {"node": east1, "name": "李四", "sex": "f"}),
        ("patch", f"{member}/", {"address": "红旗街道"}),
        ("post", f"{member}/status/", {"status": "retired"}),
        ("post", f"{member}/transfer/", {"node": r.node.pk}),
        ("post", f"{V1}/hardship/", {"member": r.member.pk, "category": "elderly", "reason": "高龄"}),
        ("post", f"{entry}/review/", {"outcome": "unchanged"}),
        ("upload", f"{entry}/evidence/", {"file": upload("proof.pdf")}),
        ("post", f"{V1}/extra-fields/", {"key": "title", "label": "职务", "kind": "text"}),
        ("patch", f"{V1}/extra-fields/{r.field.pk}/", {"label": "级别"}),
        ("post", f"{V1}/staff/", {"email": "x@example.test", "role": "viewer"}),
        ("patch", f"{V1}/staff/{r.invited.pk}/", {"role": "secretary", "node": east1}),
    ]


def send(api, method, path, body):
    return api.delete(path) if method == "delete" else getattr(api, method)(path, body)  # upload: multipart


class TestAnonymous:
    @pytest.mark.parametrize("name", DETAILS)
    def test_details_answer_401(self, alpha, registers, name):
        response = anonymous_api(alpha).get(detail_path(name, registers))
        assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"

    @pytest.mark.parametrize("path", [*LISTS, "/me/"])
    def test_lists_answer_401(self, alpha, path):
        assert_error(anonymous_api(alpha).get(V1 + path), 401, "not_authenticated")

    def test_writes_answer_401_and_change_nothing(self, alpha, registers):
        for method, path, body in writes(registers):
            assert_error(send(anonymous_api(alpha), method, path, body), 401, "not_authenticated")
        with schema_context("alpha"):
            assert Member.objects.count() == 2


class TestAnotherUnit:
    @pytest.mark.parametrize("name", DETAILS)
    def test_alpha_ids_are_404_at_beta(self, alpha, beta, registers, name):
        model, pk, _template = DETAILS[name]
        with schema_context("beta"):
            assert not model.objects.filter(pk=pk(registers)).exists(), "the id must be unknown to beta"
        assert_error(session_api(beta).get(detail_path(name, registers)), 404, "not_found")

    @pytest.mark.parametrize("path", LISTS)
    def test_beta_lists_hold_nothing_of_alpha(self, alpha, beta, registers, path):
        assert holds_marker(session_api(alpha).get(V1 + path), path)
        assert not holds_marker(session_api(beta).get(V1 + path), path)

    def test_writes_to_alpha_ids_at_beta_are_404(self, alpha, beta, registers):
        api = session_api(beta)
        for method, path, body in writes(registers):
            if any(part.isdigit() for part in path.split("/")):  # creations name no alpha id in the URL
                assert_error(send(api, method, path, body), 404, "not_found")

    def test_alpha_session_is_worthless_at_beta(self, alpha, beta):
        api = session_api(alpha)
        api.client.defaults["HTTP_HOST"] = beta.host
        assert_error(api.get(f"{V1}/members/"), 401)


class TestSiblingSubtree:
    @pytest.mark.parametrize("name", DETAILS)
    def test_details_of_another_subtree_are_404(self, alpha, registers, name):
        response = session_api(alpha, alpha.sibling).get(detail_path(name, registers))
        if name in ADMIN_ONLY:
            assert_error(response, 403, "permission_denied")
        elif name == "extra_field":  # definitions are unit-wide: every scope reads them
            assert response.status_code == 200
        else:
            assert_error(response, 404, "not_found")

    @pytest.mark.parametrize("path", LISTS)
    def test_lists_hold_nothing_of_another_subtree(self, alpha, registers, path):
        response = session_api(alpha, alpha.sibling).get(V1 + path)
        if path in ADMIN_ONLY:
            assert_error(response, 403, "permission_denied")
        elif path == "/extra-fields/":
            assert holds_marker(response, path)
        else:
            assert not holds_marker(response, path)
            assert holds_marker(session_api(alpha, alpha.secretary).get(V1 + path), path)

    def test_sees_own_subtree(self, alpha, registers):
        body = session_api(alpha, alpha.sibling).get(f"{V1}/members/").json()
        assert [member["name"] for member in body["results"]] == ["赵六"]
        nodes = session_api(alpha, alpha.sibling).get(f"{V1}/nodes/").json()["results"]
        assert {node["name"] for node in nodes} == {"西区总支", "西一支部"}

    def test_writes_to_another_subtree_are_404(self, alpha, registers):
        api = session_api(alpha, alpha.sibling)
        for method, path, body in writes(registers):
            response = send(api, method, path, body)
            if "/staff/" in path or "/extra-fields/" in path:
                assert_error(response, 403, "permission_denied")
            elif path.endswith(("/nodes/", "/members/", "/hardship/")):  # creating: the ids it names are unknown
                assert_error(response, 400, "invalid")
            else:
                assert_error(response, 404, "not_found")
        with schema_context("alpha"):
            assert Member.objects.get(pk=registers.member.pk).address == ""


@pytest.mark.parametrize("role", ["viewer", "sensitive_viewer"])
def test_read_only_roles_get_403_on_every_write(alpha, registers, role):
    api = session_api(alpha, getattr(alpha, role))
    for method, path, body in writes(registers):
        assert_error(send(api, method, path, body), 403, "permission_denied")
    with schema_context("alpha"):
        assert AuditEvent.objects.filter(source="api").count() == 0


def test_audit_trail_refuses_writes_even_to_admins(alpha, registers):
    api = session_api(alpha)
    assert_error(api.post(f"{V1}/audit-events/", {"action": "x"}), 405, "method_not_allowed")
    assert_error(api.delete(f"{V1}/audit-events/{registers.event.pk}/"), 405, "method_not_allowed")


class TestSensitiveCategories:
    def sensitive_paths(self, r):
        entry = f"{V1}/hardship/{r.sensitive.pk}"
        return [f"{entry}/", f"{entry}/changes/", f"{entry}/evidence/{r.sensitive_evidence.pk}/"]

    @pytest.mark.parametrize("role", ["viewer", "secretary"])
    def test_hidden_from_roles_without_the_permission(self, alpha, registers, role):
        api = session_api(alpha, getattr(alpha, role))
        for path in ("/hardship/", "/hardship/due/?on=2099-01-01"):
            categories = [entry["category"] for entry in api.get(V1 + path).json()["results"]]
            assert categories == ["low_income"]
        assert api.get(f"{V1}/hardship/", {"category": "illness"}).json()["count"] == 0
        for path in self.sensitive_paths(registers):
            assert_error(api.get(path), 404, "not_found")
        assert_error(api.post(f"{V1}/hardship/{registers.sensitive.pk}/review/", {"outcome": "unchanged"}),
                     404 if role == "secretary" else 403)

    def test_secretary_cannot_record_a_sensitive_category(self, alpha, registers):
        response = session_api(alpha, alpha.secretary).post(
            f"{V1}/hardship/", {"member": registers.member.pk, "category": "distress", "reason": "x"})
        assert_error(response, 403, "permission_denied")

    def test_member_filter_by_sensitive_category_reveals_nothing(self, alpha, registers):
        api = session_api(alpha, alpha.viewer)
        everyone = api.get(f"{V1}/members/").json()["count"]
        assert api.get(f"{V1}/members/", {"hardship": "illness"}).json()["count"] == everyone == 2
        assert session_api(alpha).get(f"{V1}/members/", {"hardship": "illness"}).json()["count"] == 1

    def test_allowed_roles_see_it_and_each_viewing_is_audited_as_api(self, alpha, registers):
        api = session_api(alpha, alpha.sensitive_viewer)
        assert {e["category"] for e in api.get(f"{V1}/hardship/").json()["results"]} == {"low_income", "illness"}
        for path in self.sensitive_paths(registers):
            assert api.get(path).status_code == 200
        with schema_context("alpha"):
            events = AuditEvent.objects.filter(action=SENSITIVE_VIEWED, object_id=str(registers.sensitive.pk))
            assert [(e.actor_id, e.source) for e in events] == [(alpha.sensitive_viewer.pk, "api")] * 3
            assert not AuditEvent.objects.filter(action=SENSITIVE_VIEWED, object_id=str(registers.entry.pk)).exists()
