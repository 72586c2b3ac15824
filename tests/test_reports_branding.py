"""The unit's logo on report covers: admins only, PNG/JPEG up to 200 KB, only when the plan includes it; the same
feature rule guards sending through a unit's own Twilio account."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation
from django_tenants.utils import schema_context
from pypdf import PdfReader

from care.reports.models import ReportKind, ReportRun
from care.reports.services import branding
from care.reports.services.runs import render_run, request_report
from carehub.audit.models import AuditEvent
from carehub.uploads import LOGO
from notifications.services.settings import set_own_account

from .billing_data import subscribed
from .conftest import logged_in

# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
SID = "AC" + "a" * 32


def upload(data=PNG, name="logo.png"):
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_admin_sets_a_logo_that_the_report_cover_prints(in_alpha):
    branding.set_logo(in_alpha.admin, upload())
    assert branding.logo_uri().startswith("data:image/png;base64,")
    assert AuditEvent.objects.filter(action="reports.branding.logo_set").exists()
    run = request_report(in_alpha.admin, kind=ReportKind.VISITS, period="year", year=2026)
    render_run(run.pk)
    run = ReportRun.objects.get(pk=run.pk)
    cover = PdfReader(io.BytesIO(run.pdf.read())).pages[0]
    assert len(cover.images) == 1
    branding.clear_logo(in_alpha.admin)
    assert branding.logo_uri() == ""


@pytest.mark.parametrize("data, message", [(b"GIF89a" + PNG, "Only PNG, JPEG files are accepted"),
                                           (PNG + b"\0" * LOGO.max_bytes, "larger than 200 KB")])
def test_other_files_are_refused_and_nothing_is_stored(in_alpha, data, message):
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        branding.set_logo(in_alpha.admin, upload(data))
    assert branding.logo_uri() == ""


def test_only_admins_change_the_logo(in_alpha):
    for user in (in_alpha.secretary, in_alpha.viewer):
        with pytest.raises(PermissionDenied):
            branding.set_logo(user, upload())


def test_plans_without_the_feature_refuse_the_logo_and_an_own_twilio_account(alpha):
    subscribed(alpha.unit, features=[])
    with schema_context("alpha"), translation.override("en"):
        with pytest.raises(ValidationError, match="plan"):
            branding.set_logo(alpha.admin, upload())
        with pytest.raises(ValidationError, match="plan"):
            set_own_account(alpha.admin, SID, "token")
    connection.set_schema_to_public()
    subscribed(alpha.unit, code="pro", features=["report_logo", "own_twilio"])
    with schema_context("alpha"):
        branding.set_logo(alpha.admin, upload())
        assert set_own_account(alpha.admin, SID, "token").account_sid == SID


def test_portal_upload_for_admins_and_nothing_for_others(alpha, beta):
    response = logged_in(alpha).post("/reports/logo/", {"logo": upload()}, follow=True)
    assert response.status_code == 200 and "data:image/png;base64," in response.content.decode()
    assert logged_in(alpha, alpha.secretary).post("/reports/logo/", {"logo": upload()}).status_code == 403
    with schema_context("beta"):
        assert branding.logo_uri() == ""
    assert 'id="report-logo"' not in logged_in(alpha, alpha.viewer).get("/reports/").content.decode()
