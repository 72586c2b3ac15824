"""Unit administration through the API: extra field definitions, staff accounts and invitations, the audit trail,
and `me`."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from care.registers.models import ExtraField, StaffScope
from carehub.accounts.models import User
from carehub.audit.models import AuditEvent

from .api_data import V1, assert_error, new_member, session_api
from .conftest import client_for

FIELDS = f"{V1}/extra-fields/"
STAFF = f"{V1}/staff/"
AUDIT = f"{V1}/audit-events/"
CREATED, UPDATED = "registers.member.created", "registers.member.updated"


class TestExtraFields:
    def test_admin_defines_everyone_reads(self, alpha):
        response = session_api(alpha).post(FIELDS, {"key": "rank", "label": "职级", "kind": "choice",
                                                    "choices": ["正科", "副科"], "required": False})
        assert response.status_code == 201, response.content
        assert response.json()["choices"] == ["正科", "副科"]
        listed = session_api(alpha, alpha.viewer).get(FIELDS).json()["results"]
        assert [field["key"] for field in listed] == ["rank"]
        with schema_context("alpha"):
            assert AuditEvent.objects.get(object_type="extrafield").source == "api"

    @pytest.mark.parametrize("data,field", [
        ({"kind": "choice"}, "choices"),
        ({"kind": "colour"}, "kind"),
        ({"key": "两个字"}, "key"),
        ({"label": ""}, "label"),
        ({"kind": "choice", "choices": ["正科", "长" * 61]}, "choices.1"),  # nested errors are dotted
    ])
    def test_bad_definitions_name_their_field(self, alpha, data, field):
        body = {"key": "rank", "label": "职级", "kind": "text", **data}
        assert list(assert_error(session_api(alpha).post(FIELDS, body), 400, "invalid")["fields"]) == [field]

    def test_keys_are_unique_and_fixed(self, in_alpha):
        api = session_api(in_alpha)
        created = api.post(FIELDS, {"key": "rank", "label": "职级", "kind": "text"}).json()
        error = assert_error(api.post(FIELDS, {"key": "rank", "label": "级别", "kind": "text"}), 400)
        assert list(error["fields"]) == ["key"]
        error = assert_error(api.patch(f"{FIELDS}{created['id']}/", {"key": "renamed", "label": "级别"}), 400)
        assert error["fields"] == {"key": ["This field cannot be changed."]}
        response = api.patch(f"{FIELDS}{created['id']}/", {"label": "级别", "position": 2})
        assert (response.json()["key"], response.json()["label"]) == ("rank", "级别")
        assert ExtraField.objects.get().key == "rank"

    def test_staff_without_a_scope_read_nothing(self, in_alpha):
        ExtraField.objects.create(key="rank", label="职级", kind="text")
        StaffScope.objects.filter(user=in_alpha.viewer).delete()
        assert session_api(in_alpha, in_alpha.viewer).get(FIELDS).json()["count"] == 0


class TestStaff:
    def test_list_shows_role_and_scope(self, alpha):
        staff = {user["email"]: user for user in session_api(alpha).get(STAFF, {"page_size": 50}).json()["results"]}
        assert (staff["secretary@alpha.test"]["role"], staff["secretary@alpha.test"]["node"]) == (
            "secretary", alpha.nodes["east"].pk)
        assert staff["sensitive@alpha.test"]["can_view_sensitive"] is True
        assert staff["viewer@alpha.test"]["can_view_sensitive"] is False
        assert "invitation_url" not in staff["viewer@alpha.test"]

    def test_invitation_link_is_shown_once_and_works(self, alpha):
        api = session_api(alpha)
        response = api.post(STAFF, {"email": "New@Example.test", "role": "secretary", "node": alpha.nodes["west1"].pk,
                                    "full_name": "新书记"})
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["email"], body["is_active"], body["node"]) == ("new@example.test", False, alpha.nodes["west1"].pk)
        url = body["invitation_url"]
        assert urlsplit(url).hostname == alpha.host and "/accounts/invite/" in url
        assert "invitation_url" not in api.get(f"{STAFF}{body['id']}/").json()
        assert client_for(alpha.host).get(urlsplit(url).path).status_code == 200  # the accept-invitation page
        with schema_context("alpha"):
            event = AuditEvent.objects.get(action="registers.staff.invited")
        assert (event.source, event.changes["role"]) == ("api", [None, "secretary"])

    @pytest.mark.parametrize("data,field", [
        ({"role": "secretary"}, "node"),  # a secretary needs a subtree
        ({"email": "admin@alpha.test"}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"role": "king"}, "role"),
        ({"phone": "12345"}, "phone"),
    ])
    def test_bad_invitations_name_their_field(self, alpha, data, field):
        body = {"email": "new@example.test", "role": "viewer", **data}
        assert list(assert_error(session_api(alpha).post(STAFF, body), 400, "invalid")["fields"]) == [field]

    def test_update_keeps_the_scope_unless_asked(self, in_alpha):
        api = session_api(in_alpha)
        secretary = in_alpha.secretary
        body = api.patch(f"{STAFF}{secretary.pk}/", {"can_view_sensitive": True}).json()
        assert (body["node"], body["can_view_sensitive"]) == (in_alpha.nodes["east"].pk, True)
        body = api.patch(f"{STAFF}{secretary.pk}/", {"role": "viewer", "node": None}).json()
        assert (body["role"], body["node"]) == ("viewer", None)
        body = api.patch(f"{STAFF}{secretary.pk}/", {"is_active": False}).json()
        assert body["is_active"] is False and not User.objects.get(pk=secretary.pk).is_active
        changes = [e.changes for e in AuditEvent.objects.filter(object_type="staff", action="registers.staff.updated",
                                                            source="api")]
        assert changes == [{"is_active": [True, False]}, {"role": ["secretary", "viewer"],
                                                          "node": [in_alpha.nodes["east"].pk, None]},
                           {"can_view_sensitive": [False, True]}]

    def test_admins_cannot_demote_themselves(self, alpha):
        error = assert_error(session_api(alpha).patch(f"{STAFF}{alpha.admin.pk}/", {"role": "viewer"}), 400)
        assert error["message"] == "You cannot demote or deactivate yourself." and not error["fields"]


class TestAuditTrail:
    @pytest.fixture
    def events(self, in_alpha):
        member = new_member(in_alpha)
        session_api(in_alpha, in_alpha.secretary).patch(f"{V1}/members/{member.pk}/", {"address": "红旗街道"})
        return member

    def test_filters(self, alpha, events):
        api = session_api(alpha)

        def actions(**params):
            response = api.get(AUDIT, {"object_type": "member", **params})
            assert response.status_code == 200, response.content
            return [event["action"] for event in response.json()["results"]]

        assert actions() == [UPDATED, CREATED]  # newest first
        assert actions(source="api") == [UPDATED]
        assert actions(actor=alpha.secretary.pk) == [UPDATED]
        assert actions(action=CREATED, object_id=str(events.pk)) == [CREATED]
        today = timezone.localdate()
        assert actions(at_after=today.isoformat(), at_before=today.isoformat()) == [UPDATED, CREATED]
        assert actions(at_before=(today - datetime.timedelta(days=1)).isoformat()) == []

    def test_bad_filters_are_400(self, alpha):
        error = assert_error(session_api(alpha).get(AUDIT, {"source": "fax", "at_after": "someday"}), 400)
        assert set(error["fields"]) == {"source", "at"}

    def test_events_show_before_and_after(self, alpha, events):
        event = session_api(alpha).get(AUDIT, {"action": UPDATED}).json()["results"][0]
        detail = session_api(alpha).get(f"{AUDIT}{event['id']}/").json()
        assert detail["changes"] == {"address": ["", "红旗街道"]}
        assert (detail["actor"], detail["actor_label"]) == (alpha.secretary.pk, "secretary@alpha.test")


@pytest.mark.parametrize("role,node,can_write,sensitive", [
    ("admin", None, True, True),
    ("secretary", "east", True, False),
    ("viewer", None, False, False),
    ("sensitive_viewer", None, False, True),
])
def test_me(alpha, role, node, can_write, sensitive):
    body = session_api(alpha, getattr(alpha, role)).get(f"{V1}/me/").json()
    assert body["node"] == ({"id": alpha.nodes[node].pk, "name": alpha.nodes[node].name} if node else None)
    assert (body["can_write"], body["can_see_sensitive"], body["unit"]) == (can_write, sensitive, "Alpha 区委")
