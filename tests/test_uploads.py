"""Uploads are judged on their bytes and their size, at every entry point of the API and the portal: a renamed
executable, a file of another kind and a file over the limit are refused with the same translated message
(carehub.uploads), and nothing is stored."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django_tenants.utils import schema_context

from care.fund.models import Attachment
from care.programme.models import VisitPhoto
from care.registers.models import Evidence, ImportBatch
from care.reports.services import branding
from carehub import uploads
from carehub.uploads import DOCUMENT, LOGO, PHOTO, SPREADSHEET, check_upload

from .api_data import assert_error, media_fixture, session_api  # noqa: F401 (fixture)
from .billing_data import subscribed
from .conftest import logged_in
from .programme_data import PNG
from .test_route_isolation import PDF, make_world

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 48 + b"This program cannot be run in DOS mode."
ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 60


def xlsx() -> bytes:
    import openpyxl

    output = io.BytesIO()
    openpyxl.Workbook().save(output)
    return output.getvalue()


def oversized(head: bytes, accept: uploads.Accept) -> bytes:
    return head + b"\0" * (accept.max_bytes + 1 - len(head))


class TestCheck:
    """The helper itself: what each kind of upload takes."""

    @pytest.mark.parametrize("accept,content", [
        (DOCUMENT, PDF), (DOCUMENT, PNG), (DOCUMENT, b"\xff\xd8\xff\xe0 jpeg"), (DOCUMENT, b"RIFF\0\0\0\0WEBPVP8 "),
        (PHOTO, PNG), (LOGO, PNG), (SPREADSHEET, "姓名,性别\n王建国,男\n".encode()),
        (SPREADSHEET, "姓名,性别\n王建国,男\n".encode("gbk")), (SPREADSHEET, b""),
    ])
    def test_accepted(self, accept, content):
        assert check_upload(content, accept) in accept.kinds

    def test_a_workbook_is_a_zip_with_content_types(self):
        assert check_upload(xlsx(), SPREADSHEET) == uploads.XLSX
        other = io.BytesIO()
        with zipfile.ZipFile(other, "w") as archive:
            archive.writestr("setup.exe", EXE)
        with pytest.raises(ValidationError, match=r"\.xlsx"):
            check_upload(other.getvalue(), SPREADSHEET)

    @pytest.mark.parametrize("accept,content", [
        (DOCUMENT, EXE), (DOCUMENT, ELF), (DOCUMENT, b"plain text"), (DOCUMENT, b"GIF89a"), (PHOTO, PDF),
        (LOGO, b"RIFF\0\0\0\0WEBPVP8 "), (SPREADSHEET, EXE), (SPREADSHEET, PDF + b"\0"),
    ])
    def test_refused_by_content_whatever_the_name(self, accept, content):
        with translation.override("en"), pytest.raises(ValidationError) as refused:
            check_upload(SimpleUploadedFile("innocent.pdf", content, content_type="application/pdf"), accept)
        labels = ", ".join(kind.label for kind in accept.kinds)
        assert refused.value.message_dict == {"file": [
            f"Only {labels} files are accepted, judged by their content; this file is none of them."]}

    def test_the_size_limit_and_the_chinese_message(self):
        with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
            check_upload(oversized(PDF, DOCUMENT), DOCUMENT, field=None)
        assert refused.value.messages == ["文件大于 10 MB。"]
        assert check_upload(PDF + b"\0" * (DOCUMENT.max_bytes - len(PDF)), DOCUMENT) == uploads.PDF


# Every entry point, API and portal -----------------------------------------------------------------------------

@pytest.fixture(name="world")
def world_fixture(alpha, media):
    subscribed(alpha.unit, code="pro", features=["report_logo"])
    return make_world(alpha)


def api_entry_points(world):
    """(path, extra form data, what the endpoint accepts, the model whose rows must not grow)."""
    return [
        (f"/api/v1/hardship/{world.id('entry')}/evidence/", {}, DOCUMENT, Evidence),
        (f"/api/v1/programme/visits/{world.id('visit')}/photos/", {}, PHOTO, VisitPhoto),
        (f"/api/v1/fund/entries/{world.id('ledger_entry')}/attachments/", {}, DOCUMENT, Attachment),
        (f"/api/v1/fund/applications/{world.id('application')}/evidence/", {}, DOCUMENT, Attachment),
        ("/api/v1/imports/preview/", {"kind": "members"}, SPREADSHEET, ImportBatch),
    ]


def rows(model) -> int:
    with schema_context("alpha"):
        return model.objects.count()


@pytest.mark.parametrize("case", ["renamed executable", "oversized"])
def test_the_api_refuses_in_its_error_shape(world, alpha, case):
    api = session_api(alpha)
    for path, data, accept, model in api_entry_points(world):
        content = EXE if case == "renamed executable" else oversized(PNG, accept)  # the size is judged first
        before = rows(model)
        error = assert_error(api.upload(path, {**data, "file": SimpleUploadedFile("photo.png", content)}), 400,
                             "invalid")
        assert list(error["fields"]) == ["file"], path
        if case == "oversized":
            assert error["fields"]["file"] == [f"The file is larger than {accept.size_label}."], path
        elif accept is not PHOTO:  # a photo is also checked as an image (Pillow) first
            assert error["fields"]["file"][0].startswith("Only "), path
        assert rows(model) == before, path


def portal_entry_points(world, alpha):
    """(path, form data, the upload's field, where the form is in the page's context, accept, model)."""
    visit = {"visited_on": "2026-01-05", "occasion": "走访", "visitors": [alpha.secretary.pk]}
    application = {"category": "disaster", "amount_requested": "100", "reason": "房屋受损"}
    return [
        (f"/registers/hardship/{world.id('entry')}/evidence/", {}, "file", "evidence_form", DOCUMENT, Evidence),
        (f"/programme/members/{world.id('member')}/visit/", visit, "photo", "form", PHOTO, VisitPhoto),
        (f"/fund/{world.id('fund')}/income/", {"kind": "dues", "amount": "5"}, "attachment", "form", DOCUMENT,
         Attachment),
        (f"/fund/entries/{world.id('ledger_entry')}/attach/", {}, "file", "upload_form", DOCUMENT, Attachment),
        (f"/fund/applications/new/?member={world.id('member')}", application, "evidence", "form", DOCUMENT,
         Attachment),
        (f"/fund/applications/{world.id('application')}/evidence/", {}, "attach-file", "upload_form", DOCUMENT,
         Attachment),
        ("/imports/", {"kind": "members"}, "file", "form", SPREADSHEET, ImportBatch),
    ]


@pytest.mark.parametrize("case", ["renamed executable", "oversized"])
def test_the_portal_refuses_next_to_the_field(world, alpha, case):
    client = logged_in(alpha)
    client.cookies["django_language"] = "en"
    for path, data, field, where, accept, model in portal_entry_points(world, alpha):
        content = EXE if case == "renamed executable" else oversized(PNG, accept)
        before = rows(model)
        response = client.post(path, {**data, field: SimpleUploadedFile("scan.pdf", content)})
        assert response.status_code == 200, (path, response.status_code)
        errors = response.context[where].errors[field.removeprefix("attach-")]
        expected = (f"The file is larger than {accept.size_label}." if case == "oversized" else
                    "Only " + ", ".join(kind.label for kind in accept.kinds) + " files are accepted, judged by "
                    "their content; this file is none of them.")
        assert errors == [expected], path
        assert rows(model) == before, path


@pytest.mark.parametrize("content,message", [(EXE, "Only PNG, JPEG files"), (oversized(PNG, LOGO), "200 KB")])
def test_the_report_logo_is_refused_with_a_message(world, alpha, content, message):
    client = logged_in(alpha)
    client.cookies["django_language"] = "en"
    response = client.post("/reports/logo/", {"logo": SimpleUploadedFile("logo.png", content)}, follow=True)
    assert message in response.content.decode()
    with schema_context("alpha"):
        assert branding.logo_uri() == ""
