"""`carehub tenants`: the console's lifecycle from the command line, through the same services (their rules, their
events with source "cli")."""

from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from django_tenants.utils import schema_context, schema_exists

from carehub.accounts.models import Invitation
from tenants.models import Domain, Unit, UnitEvent, UnitExport
from tenants.tasks import export_unit

from .conftest import client_for
from .platform_data import gamma_fixture  # noqa: F401 (the gamma fixture)

pytestmark = pytest.mark.django_db
A = UnitEvent.Action


def tenants(*args) -> str:
    out = StringIO()
    with translation.override("en"):  # the messages below are matched in English
        call_command("tenants", *args, stdout=out)
    return out.getvalue()


def last_event(slug="gamma") -> tuple:
    return UnitEvent.objects.filter(unit__slug=slug).order_by("-at", "-pk").values_list("action", "source",
                                                                                          "note").first()


def test_status_changes_including_restore(gamma):
    assert "gamma: suspended" in tenants("suspend", "gamma", "--note", "unpaid")
    assert last_event() == (A.SUSPENDED, "cli", "unpaid")
    with pytest.raises(CommandError, match="cannot be"):
        tenants("suspend", "gamma")
    tenants("archive", "gamma")
    assert client_for("gamma.localhost").get("/accounts/login/").status_code == 404
    assert "gamma: suspended" in tenants("restore", "gamma")  # back, read-only
    assert last_event()[:2] == (A.RESTORED, "cli")
    assert client_for("gamma.localhost").get("/accounts/login/").status_code == 200
    with pytest.raises(CommandError, match="cannot be"):
        tenants("restore", "gamma")


def test_rename_and_change_address(gamma):
    assert "renamed to 甘井子区委" in tenants("rename", "gamma", "甘井子区委")
    assert Unit.objects.get(pk=gamma.pk).name == "甘井子区委" and last_event()[:2] == (A.RENAMED, "cli")
    with pytest.raises(CommandError, match="name"):
        tenants("rename", "gamma", "  ")
    out = tenants("change-address", "gamma", "gamma-two")
    assert "gamma-two.localhost" in out
    assert list(Domain.objects.filter(tenant=gamma).values_list("domain", flat=True)) == ["gamma-two.localhost"]
    assert Unit.objects.get(pk=gamma.pk).schema_name == "gamma"  # the data did not move
    with pytest.raises(CommandError, match="already exists"):
        tenants("change-address", "gamma-two", "alpha")
    with pytest.raises(CommandError, match="No unit"):
        tenants("rename", "gamma", "x")  # the old slug is gone


def test_resend_invitation_prints_a_working_link(gamma):
    link = tenants("resend-invitation", "gamma").splitlines()[-1]
    assert urlsplit(link).hostname == "gamma.localhost" and "/accounts/invite/" in link
    assert client_for("gamma.localhost").get(urlsplit(link).path).status_code == 200
    with schema_context("gamma"):
        assert Invitation.objects.filter(expires_at__gt=timezone.now()).count() == 1  # the first link ended
    assert last_event()[:2] == (A.INVITATION_RESENT, "cli")


def test_export_is_queued_after_commit_and_listed(gamma, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks() as callbacks:
        out = tenants("export", "gamma")
    export = UnitExport.objects.get(unit=gamma)
    assert len(callbacks) == 1 and f"Export {export.pk} of gamma queued" in out and "/support/" in out
    assert "pending" in tenants("exports", "gamma")
    export_unit.apply(args=[export.pk])
    listed = tenants("exports", "gamma")
    assert "done" in listed and "exports/gamma/gamma-" in listed


def test_deletion_request_cancel_and_confirm(gamma):
    with pytest.raises(CommandError, match="Archive"):
        tenants("request-deletion", "gamma")
    tenants("archive", "gamma")
    with pytest.raises(CommandError, match="Request"):
        tenants("delete", "gamma", "--confirm", "gamma")
    assert "Confirm it after" in tenants("request-deletion", "gamma")
    with pytest.raises(CommandError, match="after"):
        tenants("delete", "gamma", "--confirm", "gamma")  # the grace period has not passed
    tenants("cancel-deletion", "gamma")
    assert Unit.objects.get(pk=gamma.pk).delete_after is None
    tenants("request-deletion", "gamma")
    Unit.objects.filter(pk=gamma.pk).update(delete_after=timezone.now() - timedelta(minutes=1))
    with pytest.raises(CommandError, match="slug"):
        tenants("delete", "gamma", "--confirm", "gamm")
    assert schema_exists("gamma")
    assert "schema gamma dropped" in tenants("delete", "gamma", "--confirm", "gamma")
    assert not schema_exists("gamma") and Unit.objects.get(pk=gamma.pk).status == "deleted"
    actions = list(gamma.events.order_by("at", "pk").values_list("action", "source"))
    assert actions[-3:] == [(A.DELETION_CANCELLED, "cli"), (A.DELETION_REQUESTED, "cli"), (A.DELETED, "cli")]
    with pytest.raises(CommandError, match="No unit"):
        tenants("restore", "gamma")  # a deleted unit is gone for the command line too


def test_other_units_are_untouched(gamma, alpha, beta):
    tenants("suspend", "gamma")
    tenants("rename", "gamma", "Gamma 2")
    assert {Unit.objects.get(pk=alpha.unit.pk).status, Unit.objects.get(pk=beta.unit.pk).status} == {"active"}
    assert Unit.objects.get(pk=alpha.unit.pk).name == alpha.unit.name
    assert not alpha.unit.events.exclude(action=A.CREATED).exists()
