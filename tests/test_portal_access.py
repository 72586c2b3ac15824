"""Who reaches which register page: anonymous visitors, another unit's staff, a secretary of a sibling
subtree, read-only viewers and staff without the sensitive permission. The shared `register` fixture lives
here and the other portal tests import it."""

import datetime
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context

from care.registers.models import Evidence, ExtraField, HardshipCategory, HardshipEntry, Member, Node, StaffScope
from care.registers.services import extra_fields, hardship, members, nodes, staff
from carehub.accounts.models import Role, User
from carehub.audit.models import AuditEvent

from .conftest import PASSWORD, Staff, logged_in


@dataclass
class Register:
    """A little of everything in one unit: created by the test, so its ids exist in no other unit."""

    staff: Staff
    member: Member  # in east1 (the secretary's subtree)
    west_member: Member  # in west1 (the sibling's)
    entry: HardshipEntry  # elderly, due for review
    sensitive: HardshipEntry  # serious illness
    evidence: Evidence
    field: ExtraField
    node: Node  # a new branch below east1
    invited: User


def make_register(staff_: Staff) -> Register:
    admin, east1 = staff_.admin, staff_.nodes["east1"]
    with schema_context(staff_.unit.schema_name):
        member = members.create_member(admin, node=east1, name="王建国", sex="m", birth_date="1950-03-02",
                                       joined_on="1975-07-01", phone="13912345678")
        west_member = members.create_member(admin, node=staff_.nodes["west1"], name="李秀兰", sex="f",
                                            phone="13812345678")
        long_ago = datetime.date.today() - datetime.timedelta(days=200)
        entry = hardship.open_entry(admin, member, category=HardshipCategory.ELDERLY, level=1,
                                    reason="独居，行动不便", opened_on=long_ago)
        sensitive = hardship.open_entry(admin, member, category=HardshipCategory.ILLNESS, level=2,
                                        reason="住院治疗")
        evidence = hardship.attach_evidence(admin, entry, SimpleUploadedFile("证明.pdf", "%PDF-1.4 低保证明".encode()),
                                            "社区证明")
        field = extra_fields.save_extra_field(admin, key="post", label="职务", kind="choice", choices=["书记", "委员"])
        node = nodes.create_node(admin, parent=east1, name="东一第二小组")
        invited = staff.invite_staff(admin, email="new@example.test", role=Role.VIEWER).invitation.user
    connection.set_schema_to_public()
    return Register(staff_, member, west_member, entry, sensitive, evidence, field, node, invited)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def register(alpha, media) -> Register:
    return make_register(alpha)


def portal(staff_: Staff, user: User | None = None):
    """A logged-in client that reads the portal in English (the source language of the messages)."""
    client = logged_in(staff_, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def object_pages(r: Register) -> list[str]:
    m, e, n = r.member.pk, r.entry.pk, r.node.pk
    return [f"/registers/tree/{n}/", f"/registers/tree/{n}/add/", f"/registers/members/{m}/",
            f"/registers/members/{m}/edit/", f"/registers/members/{m}/status/", f"/registers/members/{m}/transfer/",
            f"/registers/members/{m}/hardship/new/", f"/registers/hardship/{e}/",
            f"/registers/hardship/evidence/{r.evidence.pk}/", f"/registers/settings/fields/{r.field.pk}/",
            f"/registers/settings/staff/{r.invited.pk}/"]


def object_posts(r: Register) -> list[str]:
    m, e, n = r.member.pk, r.entry.pk, r.node.pk
    return [f"/registers/tree/{n}/", f"/registers/tree/{n}/move/", f"/registers/tree/{n}/delete/",
            f"/registers/members/{m}/edit/", f"/registers/members/{m}/validate/", f"/registers/members/{m}/status/",
            f"/registers/members/{m}/transfer/", f"/registers/members/{m}/hardship/new/",
            f"/registers/hardship/{e}/review/", f"/registers/hardship/{e}/evidence/"]


LIST_PAGES = ["/", "/registers/tree/", "/registers/members/", "/registers/hardship/", "/registers/hardship/due/",
              "/registers/audit/", "/registers/settings/", "/registers/members/new/", "/registers/tree/add/",
              "/registers/settings/fields/new/", "/registers/settings/staff/invite/"]


def test_anonymous_visitors_are_sent_to_log_in(register):
    client = portal(register.staff)
    client.logout()
    for url in LIST_PAGES + object_pages(register):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    for url in object_posts(register):
        response = client.post(url, {})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("owner,other", [("alpha", "beta"), ("beta", "alpha")])
def test_another_units_admin_gets_404_for_every_object(owner, other, request, media):
    r = make_register(request.getfixturevalue(owner))
    outsider = request.getfixturevalue(other)
    with schema_context(outsider.unit.schema_name):  # the ids really are unknown there
        assert not Node.objects.filter(pk=r.node.pk).exists()
        assert not User.objects.filter(pk=r.invited.pk).exists()
    client = portal(outsider)
    for url in object_pages(r):
        assert client.get(url).status_code == 404, url
    for url in object_posts(r):
        assert client.post(url, {}).status_code == 404, url
    assert not client.get("/registers/members/?q=王建国").context["page"].object_list


def test_sibling_secretary_sees_nothing_of_the_east(register):
    client = portal(register.staff, register.staff.sibling)
    for url in object_pages(register)[:9]:  # settings pages are admins' only: 403 below
        assert client.get(url).status_code == 404, url
    for url in object_posts(register):
        assert client.post(url, {}).status_code == 404, url
    members_page = client.get("/registers/members/").content.decode()
    assert "王建国" not in members_page and "李秀兰" in members_page
    assert "东一支部" not in client.get("/registers/tree/").content.decode()
    for url in ("/registers/hardship/", "/registers/hardship/due/"):
        assert "王建国" not in client.get(url).content.decode(), url
    assert client.get("/").context["ledger"] == {"open": 0, "reviews_due": 0}
    # The east's nodes are not even offered as filter choices.
    assert "东一支部" not in members_page


def test_secretary_sees_and_edits_own_subtree(register):
    client = portal(register.staff, register.staff.secretary)
    assert client.get(f"/registers/members/{register.member.pk}/edit/").status_code == 200
    body = client.get("/registers/members/").content.decode()
    assert "王建国" in body and "李秀兰" not in body
    assert client.get("/").context["ledger"] == {"open": 1, "reviews_due": 1}  # illness: not theirs to see


@pytest.mark.parametrize("page", ["/registers/audit/", "/registers/settings/", "/registers/settings/fields/new/",
                                  "/registers/settings/staff/invite/"])
@pytest.mark.parametrize("who", ["secretary", "viewer", "sensitive_viewer"])
def test_admin_pages_are_forbidden_to_others(register, page, who):
    client = portal(register.staff, getattr(register.staff, who))
    assert client.get(page).status_code == 403
    assert client.post(page, {"label": "x", "kind": "text", "email": "a@b.test", "role": "admin"}).status_code == 403


def test_viewer_reads_without_edit_buttons(register):
    client = portal(register.staff, register.staff.viewer)
    for url, marker in [("/registers/members/", "add-member"), (f"/registers/members/{register.member.pk}/",
                                                                "member-actions"),
                        (f"/registers/hardship/{register.entry.pk}/", "review-form"),
                        (f"/registers/hardship/{register.entry.pk}/", "evidence-form"),
                        ("/registers/tree/", "Sub-organisation"),
                        (f"/registers/tree/{register.node.pk}/", "node-form")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert marker not in response.content.decode(), url
    for url in ("/registers/members/new/", f"/registers/members/{register.member.pk}/edit/",
                f"/registers/members/{register.member.pk}/status/", f"/registers/tree/{register.node.pk}/add/"):
        assert client.get(url).status_code == 403, url


def read_only(register, role):
    if role == Role.VIEWER:
        return register.staff.viewer
    with schema_context("alpha"):
        treasurer = User.objects.create_user("treasurer@alpha.test", PASSWORD, role=Role.TREASURER)
        StaffScope.objects.create(user=treasurer)
    connection.set_schema_to_public()
    return treasurer


@pytest.mark.parametrize("role", [Role.VIEWER, Role.TREASURER])
def test_read_only_posts_are_refused(register, role):
    client = portal(register.staff, read_only(register, role))
    m, e, n = register.member.pk, register.entry.pk, register.node.pk
    valid = {
        "/registers/members/new/": {"node": register.staff.nodes["east1"].pk, "name": "张三", "sex": "m"},
        f"/registers/members/{m}/edit/": {"name": "王建国", "sex": "m"},
        f"/registers/members/{m}/validate/": {"name": "王建国"},
        f"/registers/members/{m}/status/": {"status": "retired"},
        f"/registers/members/{m}/transfer/": {"node": register.staff.nodes["east2"].pk},
        f"/registers/members/{m}/hardship/new/": {"category": "elderly", "level": 1, "reason": "x"},
        f"/registers/hardship/{e}/review/": {"outcome": "unchanged", "category": "elderly", "level": 1},
        f"/registers/hardship/{e}/evidence/": {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")},
        f"/registers/tree/{n}/": {"name": "改名", "kind": "branch"},
        f"/registers/tree/{n}/move/": {"parent": register.staff.nodes["west"].pk},
        f"/registers/tree/{n}/delete/": {},
        f"/registers/tree/{n}/add/": {"name": "新支部", "kind": "branch"},
    }
    for url, data in valid.items():
        assert client.post(url, data).status_code == 403, url
    with schema_context("alpha"):
        assert Member.objects.get(pk=m).status == "active"
        assert Node.objects.filter(pk=n).exists()


def test_sensitive_entries_only_for_those_allowed(register):
    viewer = portal(register.staff, register.staff.viewer)
    url = f"/registers/hardship/{register.sensitive.pk}/"
    assert viewer.get(url).status_code == 404
    ledger = viewer.get("/registers/hardship/").content.decode()
    assert "Serious illness" not in ledger and "Elderly" in ledger
    profile = viewer.get(f"/registers/members/{register.member.pk}/").content.decode()
    assert "Serious illness" not in profile and "住院治疗" not in profile
    # Nor can the filters be used to find out who is in a sensitive category.
    assert "Serious illness" not in viewer.get("/registers/hardship/?category=illness").content.decode()
    assert "illness" not in viewer.get("/registers/members/").content.decode()

    allowed = portal(register.staff, register.staff.sensitive_viewer)
    assert "住院治疗" in allowed.get(url).content.decode()
    with schema_context("alpha"):
        event = AuditEvent.objects.get(action="registers.hardship.sensitive_viewed",
                                       object_id=str(register.sensitive.pk))
        assert event.actor_id == register.staff.sensitive_viewer.pk


def test_evidence_of_a_sensitive_entry_is_hidden_too(register):
    with schema_context("alpha"):
        evidence = hardship.attach_evidence(register.staff.admin, register.sensitive,
                                            SimpleUploadedFile("诊断.pdf", b"%PDF-1.4 diagnosis"))
    connection.set_schema_to_public()
    assert portal(register.staff, register.staff.viewer).get(
        f"/registers/hardship/evidence/{evidence.pk}/").status_code == 404
    response = portal(register.staff, register.staff.sensitive_viewer).get(
        f"/registers/hardship/evidence/{evidence.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 diagnosis"


def test_staff_without_a_scope_see_nothing(register):
    with schema_context("alpha"):
        loner = User.objects.create_user("loner@alpha.test", "Sufficiently-long-2026", role=Role.SECRETARY)
        assert not StaffScope.objects.filter(user=loner).exists()
    client = portal(register.staff, loner)
    assert "王建国" not in client.get("/registers/members/").content.decode()
    assert client.get(f"/registers/members/{register.member.pk}/").status_code == 404
