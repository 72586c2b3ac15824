"""Admins' pages: the audit trail with its filters, extra field definitions, and staff (invitations, roles)."""

import datetime
import zoneinfo

from django.db import connection
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from care.fund.services import funds, ledger
from care.registers.models import ExtraField
from care.registers.services import members
from carehub.accounts.models import Invitation, User
from carehub.audit.models import AuditEvent
from carehub.audit.services import source
from tenants.models import Unit

from . import test_portal_access as shared
from .test_portal_access import portal

# Fixtures shared by the portal tests.
media, register = shared.media, shared.register
TRANSFERRED, SENSITIVE_VIEWED = "registers.member.transferred", "registers.hardship.sensitive_viewed"


def events(response) -> list[tuple[str, str]]:
    return [(event.action, event.object_type) for event in response.context["page"]]


class TestAuditTrail:
    def test_filters_and_before_after(self, register):
        with schema_context("alpha"), source("api"):
            members.transfer_member(register.staff.secretary, register.member, register.staff.nodes["east2"])
        connection.set_schema_to_public()
        client = portal(register.staff)
        response = client.get("/registers/audit/", {"action": TRANSFERRED})
        assert events(response) == [(TRANSFERRED, "member")]
        body = response.content.decode()
        assert "Organisation: <del>东一支部</del> → <ins>东二支部</ins>" in body and "Member transferred" in body
        assert events(client.get("/registers/audit/", {"source": "api"})) == [(TRANSFERRED, "member")]
        by_secretary = client.get("/registers/audit/", {"actor": register.staff.secretary.pk})
        assert events(by_secretary) == [(TRANSFERRED, "member")]
        assert {kind for _action, kind in events(client.get("/registers/audit/", {"object_type": "node"}))} == {"node"}

    def test_every_apps_records_read_in_words(self, register):
        """Object types by their names, related ids by what they name, choices spelt out, people by name."""
        admin = register.staff.admin
        with schema_context("alpha"):
            fund = funds.create_fund(admin, register.staff.nodes["east"], name="东区测试基金")
            entry = ledger.post_entry(admin, fund, kind="dues", amount="88.00", purpose="党费划拨")
        connection.set_schema_to_public()
        response = portal(register.staff).get("/registers/audit/", {"object_type": "ledgerentry"})
        body = response.content.decode()
        assert f"Ledger entry #{entry.pk}" in body
        assert "Fund: <del>—</del> → <ins>东区测试基金</ins>" in body and "Kind: <del>—</del> → <ins>Party dues" in body
        assert f'data-label="Who">{admin.get_full_name()}</td>' in body
        assert "ledgerentry" not in body.split("<tbody>")[1]
        options = dict(response.context["filter"].form.fields["object_type"].choices)
        with translation.override("en"):  # labels stay lazy: the page shows them in the reader's language
            assert options["ledgerentry"] == "Ledger entry" and options["fund"] == "Fund"

    def test_date_range_in_the_units_days(self, register):
        client = portal(register.staff)
        today = timezone.localdate()
        assert client.get("/registers/audit/", {"date_from": today.isoformat()}).context["page"].paginator.count > 5
        yesterday = today - datetime.timedelta(days=1)
        assert not client.get("/registers/audit/", {"date_to": yesterday.isoformat()}).context["page"].object_list

    def test_times_are_shown_in_the_units_time_zone(self, register):
        Unit.objects.filter(pk=register.staff.unit.pk).update(time_zone="America/New_York")
        response = portal(register.staff).get("/registers/audit/")
        first = response.context["page"][0]
        local = timezone.localtime(first.at, zoneinfo.ZoneInfo("America/New_York"))
        assert f'<td class="nowrap" data-label="When">{local:%Y-%m-%d %H:%M}</td>' in response.content.decode()

    def test_viewing_sensitive_details_is_listed(self, register):
        client = portal(register.staff)
        client.get(f"/registers/hardship/{register.sensitive.pk}/")
        response = client.get("/registers/audit/", {"action": SENSITIVE_VIEWED})
        assert events(response) == [(SENSITIVE_VIEWED, "hardshipentry")]
        assert "Sensitive details viewed" in response.content.decode()

    def test_pages_of_fifty(self, register):
        with schema_context("alpha"):
            for index in range(45):
                members.update_member(register.staff.admin, register.member, address=f"地址{index}")
            total = AuditEvent.objects.count()
        connection.set_schema_to_public()
        page = portal(register.staff).get("/registers/audit/").context["page"]
        assert len(page) == 50 and page.paginator.count == total


class TestExtraFields:
    def test_choice_field_needs_choices_then_saves(self, register):
        client = portal(register.staff)
        data = {"label": "所在单位", "kind": "choice", "choices": "", "position": "1"}
        response = client.post("/registers/settings/fields/new/", data)
        assert response.context["form"].errors["choices"] == ["A choice field needs at least one choice."]
        response = client.post("/registers/settings/fields/new/", {**data, "choices": "机关\n 学校 \n\n"})
        assert response.status_code == 302
        with schema_context("alpha"):
            field = ExtraField.objects.get(label="所在单位")
        assert field.choices == ["机关", "学校"] and field.key == "field-1"  # made from the label, never asked
        page = client.get("/registers/settings/").content.decode()
        assert "所在单位" in page and "field-1" not in page

    def test_a_latin_label_gives_its_slug_when_free(self, register):
        client = portal(register.staff)
        for label in ("Post", "Shoe size"):
            client.post("/registers/settings/fields/new/", {"label": label, "kind": "text", "position": "0"})
        with schema_context("alpha"):
            keys = dict(ExtraField.objects.values_list("label", "key"))
        assert (keys["Post"], keys["Shoe size"]) == ("field-1", "shoe-size")  # "post" is the register's own

    def test_edit_keeps_the_key(self, register):
        client = portal(register.staff)
        url = f"/registers/settings/fields/{register.field.pk}/"
        assert "key" not in client.get(url).context["form"].fields
        client.post(url, {"label": "党内职务", "kind": "choice", "choices": "书记\n委员\n组织委员", "position": "2"})
        with schema_context("alpha"):
            field = ExtraField.objects.get(pk=register.field.pk)
        assert (field.key, field.label, field.choices[-1]) == ("post", "党内职务", "组织委员")


class TestStaff:
    def test_invitation_link_is_shown_once(self, register):
        client = portal(register.staff)
        response = client.post("/registers/settings/staff/invite/", {
            "email": "Liu@Alpha.test", "full_name": "刘书记", "role": "secretary",
            "node": register.staff.nodes["west1"].pk, "can_view_sensitive": "on"})
        body = response.content.decode()
        assert response.status_code == 200 and 'id="invitation-url">http://alpha.' in body
        assert 'id="copy-invitation"' in body and 'id="invitation-expiry"' in body
        assert "/accounts/invite/" in body
        with schema_context("alpha"):
            person = User.objects.get(email="liu@alpha.test")
            assert not person.is_active and Invitation.objects.filter(user=person).count() == 1
            assert (person.scope.node_id, person.scope.can_view_sensitive) == (register.staff.nodes["west1"].pk, True)
        assert "/accounts/invite/" not in client.get("/registers/settings/").content.decode()

    def test_invitation_errors_are_inline(self, register):
        client = portal(register.staff)
        response = client.post("/registers/settings/staff/invite/", {"email": "x@alpha.test", "role": "viewer"})
        assert "full_name" in response.context["form"].errors  # a name is asked for, not optional
        response = client.post("/registers/settings/staff/invite/", {"email": "x@alpha.test", "role": "secretary",
                                                                     "full_name": "小徐"})
        assert response.context["form"].errors["node"] == ["A secretary needs an organisation."]
        response = client.post("/registers/settings/staff/invite/", {"email": register.staff.viewer.email,
                                                                     "role": "viewer", "full_name": "重名"})
        assert response.context["form"].errors["email"] == ["An account with this email already exists."]

    def test_change_role_scope_and_activity(self, register):
        client = portal(register.staff)
        viewer = register.staff.viewer
        url = f"/registers/settings/staff/{viewer.pk}/"
        response = client.post(url, {"role": "secretary"})
        assert response.context["form"].errors["node"] == ["A secretary needs an organisation."]
        assert client.post(url, {"role": "secretary", "node": register.staff.nodes["east"].pk,
                                 "is_active": "on"}).status_code == 302
        with schema_context("alpha"):
            viewer = User.objects.get(pk=viewer.pk)  # a copy: the fixture's account is shared with later tests
            assert (viewer.role, viewer.scope.node_id) == ("secretary", register.staff.nodes["east"].pk)
            assert AuditEvent.objects.filter(object_type="staff", object_id=str(viewer.pk)).exists()

    def test_admins_cannot_demote_themselves(self, register):
        admin = register.staff.admin
        response = portal(register.staff).post(f"/registers/settings/staff/{admin.pk}/", {"role": "viewer",
                                                                                         "is_active": "on"})
        assert response.context["form"].non_field_errors() == ["You cannot demote or deactivate yourself."]
