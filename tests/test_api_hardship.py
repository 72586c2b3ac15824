"""The hardship ledger through the API: opening entries, the half-yearly review, the due list, what changed
since the last review, and evidence files that are only ever streamed after the access check."""

import datetime

import pytest
from django.utils import timezone

from care.registers.models import HardshipEntry
from care.registers.services import hardship
from carehub.audit.models import AuditEvent

from .api_data import V1, assert_error, media_fixture, new_member, session_api, upload  # noqa: F401

HARDSHIP = f"{V1}/hardship/"


@pytest.fixture
def member(in_alpha):
    return new_member(in_alpha)


@pytest.fixture
def entry(in_alpha, member):
    return hardship.open_entry(in_alpha.admin, member, category="low_income", reason="低保", opened_on="2026-01-10")


class TestOpen:
    def test_opens_with_a_review_due_in_six_months(self, alpha, member):
        response = session_api(alpha, alpha.secretary).post(
            HARDSHIP, {"member": member.pk, "category": "elderly", "level": 2, "reason": "高龄独居",
                       "opened_on": "2026-02-28"})
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["review_due_on"], body["level"], body["is_open"]) == ("2026-08-28", 2, True)
        assert body["member"]["id"] == member.pk and body["evidence"] == [] and body["reviews"] == []
        event = AuditEvent.objects.get(object_type="hardshipentry", object_id=str(body["id"]))
        assert (event.action, event.source) == ("registers.hardship.created", "api")

    @pytest.mark.parametrize("data,field", [
        ({"category": "bored"}, "category"),
        ({"level": 7}, "level"),
        ({"reason": ""}, "reason"),
        ({"opened_on": "2026-13-01"}, "opened_on"),
        ({"opened_on": "2999-01-01"}, "opened_on"),
        ({"member": 999999}, "member"),
    ])
    def test_bad_values_name_their_field(self, alpha, member, data, field):
        body = {"member": member.pk, "category": "elderly", "reason": "高龄", **data}
        error = assert_error(session_api(alpha).post(HARDSHIP, body), 400, "invalid")
        assert list(error["fields"]) == [field]
        assert not HardshipEntry.objects.exists()

    def test_filters_and_ordering(self, alpha, entry, member):
        hardship.open_entry(alpha.admin, member, category="illness", level=3, reason="住院", opened_on="2026-03-01")
        api = session_api(alpha)
        assert api.get(HARDSHIP, {"category": "illness"}).json()["count"] == 1
        assert api.get(HARDSHIP, {"member": member.pk, "level": 3}).json()["count"] == 1
        assert api.get(HARDSHIP, {"node": alpha.nodes["west"].pk}).json()["count"] == 0
        assert api.get(HARDSHIP, {"q": "wjg", "is_open": "true"}).json()["count"] == 2
        levels = [e["level"] for e in api.get(HARDSHIP, {"ordering": "-level"}).json()["results"]]
        assert levels == [3, 1]


class TestReview:
    def review(self, alpha, entry, **data):
        return session_api(alpha, alpha.secretary).post(f"{HARDSHIP}{entry.pk}/review/", data)

    def test_changed_review_updates_the_entry_and_schedules_the_next(self, alpha, entry):
        response = self.review(alpha, entry, outcome="changed", level=2, note="病情加重", reviewed_on="2026-07-01")
        assert response.status_code == 201, response.content
        assert response.json()["changes"]["level"] == [1, 2]
        entry.refresh_from_db()
        assert entry.level == 2 and entry.review_due_on == datetime.date(2027, 1, 1)
        assert AuditEvent.objects.get(action="registers.hardship.reviewed_changed").source == "api"

    @pytest.mark.parametrize("data,field", [
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "changed", "note": "x"}, "outcome"),  # but nothing changed
        ({"outcome": "closed"}, "note"),
        ({"outcome": "unchanged", "reviewed_on": "soon"}, "reviewed_on"),
    ])
    def test_bad_reviews_name_their_field(self, alpha, entry, data, field):
        error = assert_error(self.review(alpha, entry, **data), 400, "invalid")
        assert list(error["fields"]) == [field]

    def test_a_closed_entry_cannot_be_reviewed(self, alpha, entry):
        assert self.review(alpha, entry, outcome="closed", note="已脱困").status_code == 201
        error = assert_error(self.review(alpha, entry, outcome="unchanged"), 400, "invalid")
        assert (error["message"], error["fields"]) == ("This entry is closed.", {})

    def test_due_list(self, alpha, entry):
        api = session_api(alpha, alpha.secretary)
        assert api.get(f"{HARDSHIP}due/", {"on": "2026-07-09"}).json()["count"] == 0
        due = api.get(f"{HARDSHIP}due/", {"on": "2026-07-10"}).json()
        assert [e["id"] for e in due["results"]] == [entry.pk]
        assert api.get(f"{HARDSHIP}due/", {"on": "2026-07-10", "category": "elderly"}).json()["count"] == 0
        assert_error(api.get(f"{HARDSHIP}due/", {"on": "July"}), 400, "invalid")
        if timezone.localdate() >= datetime.date(2026, 7, 10):  # without `on`: due today
            assert api.get(f"{HARDSHIP}due/").json()["count"] == 1

    def test_changes_since_last_review(self, alpha, entry):
        api = session_api(alpha, alpha.secretary)
        assert api.get(f"{HARDSHIP}{entry.pk}/changes/").json()["changes"]["reason"] == [None, "低保"]
        self.review(alpha, entry, outcome="unchanged")
        assert api.get(f"{HARDSHIP}{entry.pk}/changes/").json() == {"changes": {}}


class TestEvidence:
    def test_upload_then_download_through_the_access_check(self, alpha, entry, media):
        api = session_api(alpha, alpha.secretary)
        response = api.upload(f"{HARDSHIP}{entry.pk}/evidence/",
                              {"file": upload("低保证明.pdf", b"certificate"), "description": "民政局证明"})
        assert response.status_code == 201, response.content
        evidence = response.json()
        assert (evidence["file_name"], evidence["description"]) == ("低保证明.pdf", "民政局证明")
        assert evidence["download_url"].endswith(f"/api/v1/hardship/{entry.pk}/evidence/{evidence['id']}/")
        download = api.get(evidence["download_url"])
        assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4\ncertificate"
        assert download["Content-Disposition"].startswith("attachment")
        assert download["Cache-Control"] == "private, no-store"
        assert AuditEvent.objects.get(action="registers.hardship.evidence_added").source == "api"
        detail = api.get(f"{HARDSHIP}{entry.pk}/").json()
        assert [e["id"] for e in detail["evidence"]] == [evidence["id"]]
        assert list(media.rglob("*.pdf")), "stored under the media root, never served from it"

    def test_upload_needs_a_file_and_multipart(self, alpha, entry, media):
        api = session_api(alpha)
        error = assert_error(api.upload(f"{HARDSHIP}{entry.pk}/evidence/", {"description": "x"}), 400, "invalid")
        assert list(error["fields"]) == ["file"]
        assert_error(api.post(f"{HARDSHIP}{entry.pk}/evidence/", {"description": "x"}), 415,
                     "unsupported_media_type")

    def test_evidence_of_another_entry_is_404(self, alpha, entry, member, media):
        other = hardship.open_entry(alpha.admin, member, category="elderly", reason="高龄")
        evidence = hardship.attach_evidence(alpha.admin, other, upload("a.pdf"))
        assert_error(session_api(alpha).get(f"{HARDSHIP}{entry.pk}/evidence/{evidence.pk}/"), 404, "not_found")

    def test_a_file_missing_on_disk_is_404(self, alpha, entry, media):
        evidence = hardship.attach_evidence(alpha.admin, entry, upload("gone.pdf"))
        evidence.file.delete(save=False)
        assert_error(session_api(alpha).get(f"{HARDSHIP}{entry.pk}/evidence/{evidence.pk}/"), 404, "not_found")
