"""Unit lifecycle: status transitions, deletion after a grace period and a second confirmation, renaming and
moving without touching other units' sessions, resending the first invitation, and the whole-unit export."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django_tenants.utils import schema_context, schema_exists

from care.registers.services import members
from tenants.models import Domain, Unit, UnitEvent, UnitExport
from tenants.services import lifecycle
from tenants.services.onboarding import change_status
from tenants.tasks import export_unit, request_export

from .conftest import client_for, logged_in
from .platform_data import console_client, gamma_fixture, operator  # noqa: F401 (the gamma fixture)

pytestmark = pytest.mark.django_db
A = UnitEvent.Action


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_status_transitions(gamma):
    gamma = change_status(None, gamma, A.SUSPENDED)
    with pytest.raises(ValidationError):
        change_status(None, gamma, A.SUSPENDED)
    gamma = change_status(None, gamma, A.ARCHIVED)
    with pytest.raises(ValidationError):
        change_status(None, gamma, A.RESUMED)
    gamma = change_status(None, gamma, A.RESTORED)
    assert gamma.status == "suspended" and gamma.is_read_only  # back, read-only
    assert client_for("gamma.localhost").get("/accounts/login/").status_code == 200


def test_deletion_needs_archive_grace_period_and_the_slug_typed_again(gamma):
    with pytest.raises(ValidationError, match="Archive"):
        lifecycle.request_deletion(operator(), gamma)
    change_status(None, gamma, A.ARCHIVED)
    with pytest.raises(ValidationError, match="Request"):
        lifecycle.delete_unit(operator(), gamma, confirm_slug="gamma")
    gamma = lifecycle.request_deletion(operator(), gamma)
    with pytest.raises(ValidationError, match="after"):
        lifecycle.delete_unit(operator(), gamma, confirm_slug="gamma")
    later = gamma.delete_after + timedelta(minutes=1)
    with pytest.raises(ValidationError):
        lifecycle.delete_unit(operator(), gamma, confirm_slug="gamm", now=later)
    assert schema_exists("gamma")
    gamma = lifecycle.delete_unit(operator(), gamma, confirm_slug="gamma", now=later)
    assert gamma.status == "deleted" and not schema_exists("gamma")
    assert not Domain.objects.filter(tenant=gamma).exists()
    actions = list(gamma.events.order_by("at", "pk").values_list("action", "actor"))
    assert actions[-2:] == [(A.DELETION_REQUESTED, operator().pk), (A.DELETED, operator().pk)]


def test_deletion_can_be_cancelled_from_the_console(gamma):
    change_status(None, gamma, A.ARCHIVED)
    client = console_client()
    client.post("/units/gamma/deletion/request/")
    assert Unit.objects.get(slug="gamma").delete_after is not None
    client.post("/units/gamma/deletion/confirm/", {"confirm_slug": "gamma"})  # too early: refused
    assert schema_exists("gamma")
    client.post("/units/gamma/deletion/cancel/")
    assert Unit.objects.get(slug="gamma").delete_after is None


def test_rename_and_move_keep_other_units_sessions(alpha, beta):
    beta_client = logged_in(beta)
    alpha_client = logged_in(alpha)
    lifecycle.rename(operator(), alpha.unit, "Alpha 新名")
    unit = lifecycle.change_address(operator(), alpha.unit, "alpha-new")
    assert Unit.objects.get(pk=unit.pk).name == "Alpha 新名"
    assert beta_client.get("/").status_code == 200  # beta's session untouched
    assert alpha_client.get("/").status_code == 404  # the old address is gone
    moved = client_for("alpha-new.localhost")
    moved.cookies = alpha_client.cookies  # same session store (the schema did not move)
    assert moved.get("/").status_code == 200
    with pytest.raises(ValidationError):
        lifecycle.change_address(operator(), unit, "beta")


def test_resend_invitation(gamma):
    link = lifecycle.resend_invitation(operator(), gamma)
    assert "/accounts/invite/" in link
    client = client_for("gamma.localhost")
    assert client.get(link.split("8000", 1)[-1].split("localhost", 1)[-1]).status_code == 200
    with schema_context("gamma"):
        from carehub.accounts.models import Invitation

        assert Invitation.objects.filter(expires_at__gt=timezone.now()).count() == 1  # the old link ended
    assert gamma.events.filter(action=A.INVITATION_RESENT).exists()


def _archive(export) -> zipfile.ZipFile:
    export_unit.apply(args=[export.pk])
    export.refresh_from_db()
    assert export.status == UnitExport.Status.DONE and export.size > 0
    with default_storage.open(export.file) as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_export_contains_every_entity_attachments_and_no_secrets(alpha, beta, settings, tmp_path):
    from care.registers.models import Evidence, HardshipEntry

    settings.MEDIA_ROOT = tmp_path
    with schema_context("alpha"):
        member = members.create_member(alpha.admin, node=alpha.nodes["east1"], name="导出测试", sex="f")
        entry = HardshipEntry.objects.create(member=member, category="illness", level=1, reason="住院",
                                             opened_on=timezone.localdate(), review_due_on=timezone.localdate())
        name = default_storage.save("alpha/hardship/proof.txt", ContentFile(b"alpha evidence"))
        Evidence.objects.create(entry=entry, file=name)
    archive = _archive(request_export(operator(), alpha.unit))
    names = set(archive.namelist())
    assert {"manifest.json", "data/registers.member.csv", "data/registers.member.json",
            "data/registers.node.json", "data/accounts.user.json", "data/audit.auditevent.json"} <= names
    rows = json.loads(archive.read("data/registers.member.json"))
    assert any(row["name"] == "导出测试" and row["id"] == member.pk for row in rows)
    users = json.loads(archive.read("data/accounts.user.json"))
    assert users and all("password" not in row for row in users)
    assert not any(name.startswith(("data/sessions.", "data/authtoken.", "data/accounts.invitation"))
                   for name in names)
    assert archive.read("data/registers.member.csv").decode("utf-8-sig").startswith("id,")
    assert archive.read(f"attachments/{name}") == b"alpha evidence"
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["rows"]["registers.member"] == len(rows) and manifest["attachments"] == 1
    assert alpha.unit.events.filter(action=A.EXPORTED).exists()
    beta_archive = _archive(request_export(operator(), beta.unit))
    assert f"attachments/{name}" not in beta_archive.namelist()
    assert "导出测试".encode() not in beta_archive.read("data/registers.member.json")


def test_export_download_is_for_the_units_admins_only(alpha, beta, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    export = request_export(operator(), alpha.unit)
    _archive(export)
    page = logged_in(alpha).get("/support/")
    assert f"/support/exports/{export.pk}/".encode() in page.content
    download = logged_in(alpha).get(f"/support/exports/{export.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"
    assert logged_in(alpha, alpha.viewer).get(f"/support/exports/{export.pk}/").status_code == 403
    assert logged_in(beta).get(f"/support/exports/{export.pk}/").status_code == 404
    assert console_client().get(f"/support/exports/{export.pk}/").status_code == 404


def test_console_queues_the_export_after_commit(alpha, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        console_client().post(f"/units/{alpha.unit.slug}/export/")
    assert len(callbacks) == 1 and UnitExport.objects.filter(unit=alpha.unit, status="pending").exists()
