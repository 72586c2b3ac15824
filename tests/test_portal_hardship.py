"""Hardship ledger pages: the filtered list, the review due list, an entry with evidence, reviews and what
changed since the last review, and the forms with the services' errors inline."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from care.registers.models import HardshipEntry
from care.registers.services import hardship

from . import test_portal_access as shared
from .test_portal_access import portal

# Fixtures shared by the portal tests.
media, register = shared.media, shared.register


def entries(response) -> list[int]:
    return [entry.pk for entry in response.context["page"]]


def test_ledger_filters(register):
    client = portal(register.staff)
    assert set(entries(client.get("/registers/hardship/"))) == {register.entry.pk, register.sensitive.pk}
    assert entries(client.get("/registers/hardship/", {"category": "illness"})) == [register.sensitive.pk]
    assert entries(client.get("/registers/hardship/", {"level": "2"})) == [register.sensitive.pk]
    assert entries(client.get("/registers/hardship/", {"node": register.staff.nodes["west"].pk})) == []
    body = client.get("/registers/hardship/", {"category": "elderly"}).content.decode()
    assert 'href="/imports/export/hardship.xlsx?category=elderly"' in body


def test_due_list_holds_entries_due_with_review_buttons(register):
    client = portal(register.staff)
    response = client.get("/registers/hardship/due/")
    assert entries(response) == [register.entry.pk]  # opened 200 days ago; the other one today
    assert f'href="/registers/hardship/{register.entry.pk}/#review" role="button"' in response.content.decode()
    later = client.get("/registers/hardship/due/", {"within": "90"})
    assert entries(later) == [register.entry.pk]
    viewer = portal(register.staff, register.staff.viewer).get("/registers/hardship/due/")
    assert entries(viewer) == [register.entry.pk] and 'role="button"' not in viewer.content.decode()


def test_open_an_entry_with_an_inline_error_first(register):
    client = portal(register.staff, register.staff.secretary)
    url = f"/registers/members/{register.member.pk}/hardship/new/"
    form = client.get(url).context["form"]
    assert "illness" not in dict(form.fields["category"].choices)  # no sensitive permission
    response = client.post(url, {"category": "low_income", "level": "1", "reason": " "})
    assert response.context["form"].errors["reason"] == ["Give the reason."]
    response = client.post(url, {"category": "low_income", "level": "1", "reason": "低保户"})
    with schema_context("alpha"):
        entry = HardshipEntry.objects.get(reason="低保户")
    assert response["Location"] == f"/registers/hardship/{entry.pk}/"
    assert entry.review_due_on == hardship.add_months(timezone.localdate(), 6)


def test_review_changed_needs_a_note_then_schedules_the_next(register):
    client = portal(register.staff)
    url = f"/registers/hardship/{register.entry.pk}/review/"
    data = {"outcome": "changed", "category": "elderly", "level": "3", "reason": "独居，行动不便"}
    response = client.post(url, data)
    assert response.context["review_form"].errors["note"] == ["Explain the change in a note."]
    assert 'id="err-note" role="alert"><p>Explain the change in a note.</p>' in response.content.decode()
    assert client.post(url, {**data, "note": "摔伤后卧床"}).status_code == 302
    page = client.get(f"/registers/hardship/{register.entry.pk}/")
    body = page.content.decode()
    next_due = hardship.add_months(timezone.localdate(), 6)
    assert f'id="review-due">{next_due:%Y-%m-%d}</dd>' in body
    assert "摔伤后卧床" in body and "General</del> → <ins>Severe" in body
    assert page.context["since_last_review"] == []  # the review itself is the new baseline


def test_changed_without_a_change_is_refused(register):
    response = portal(register.staff).post(f"/registers/hardship/{register.entry.pk}/review/", {
        "outcome": "changed", "category": "elderly", "level": "1", "reason": "独居，行动不便", "note": "看过了"})
    assert response.context["review_form"].errors["outcome"] == ["Say what changed, or choose “unchanged”."]


def test_closing_removes_the_review_form(register):
    client = portal(register.staff)
    client.post(f"/registers/hardship/{register.entry.pk}/review/", {
        "outcome": "closed", "category": "elderly", "level": "1", "note": "已搬去女儿家"})
    body = client.get(f"/registers/hardship/{register.entry.pk}/").content.decode()
    assert 'id="review-form"' not in body and "Closed" in body


def test_changes_since_the_last_review(register):
    with schema_context("alpha"):
        hardship.review_entry(register.staff.admin, register.entry, outcome="unchanged")
        hardship.attach_evidence(register.staff.admin, register.entry, SimpleUploadedFile("新证明.pdf", b"%PDF-1.4"))
    connection.set_schema_to_public()
    rows = portal(register.staff).get(f"/registers/hardship/{register.entry.pk}/").context["since_last_review"]
    assert [(row.label, row.before) for row in rows] == [("Evidence", "—")] and "新证明" in rows[0].after


def test_a_new_entry_shows_no_changes_but_evidence_added_since(register):
    rows = portal(register.staff).get(f"/registers/hardship/{register.entry.pk}/").context["since_last_review"]
    assert [row.label for row in rows] == ["Evidence"]  # the opening values themselves are no change


def test_evidence_upload_and_download(register):
    client = portal(register.staff)
    url = f"/registers/hardship/{register.entry.pk}/evidence/"
    assert client.post(url, {"file": SimpleUploadedFile("住院单.pdf", b"%PDF-1.4"), "description": "住院单"}
                       ).status_code == 302
    page = client.get(f"/registers/hardship/{register.entry.pk}/")
    item = next(item for item in page.context["evidence"] if item.description == "住院单")
    response = client.get(f"/registers/hardship/evidence/{item.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4"
    assert response["Content-Disposition"].startswith("attachment")
    assert client.get(f"/media/{item.file.name}").status_code == 404  # never as public media


def test_evidence_over_ten_megabytes_is_refused_inline(register):
    big = SimpleUploadedFile("big.bin", b"0" * (10 * 1024 * 1024 + 1))
    response = portal(register.staff).post(f"/registers/hardship/{register.entry.pk}/evidence/", {"file": big})
    assert response.context["evidence_form"].errors["file"] == ["The file is larger than 10 MB."]


def test_overdue_entries_are_marked(register):
    with schema_context("alpha"):
        HardshipEntry.objects.filter(pk=register.entry.pk).update(
            review_due_on=timezone.localdate() - datetime.timedelta(days=3))
    connection.set_schema_to_public()
    body = portal(register.staff).get(f"/registers/hardship/{register.entry.pk}/").content.decode()
    assert 'id="review-due" class="overdue"' in body
