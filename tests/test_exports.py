"""Exports of the member list and the hardship ledger: the list's filters, the user's scope, no sensitive
categories for those who may not see them, files Excel reads, the audit trail, the portal and the API."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import translation
from django_tenants.utils import schema_context

from care.imports.services.exports import export_hardship, export_members
from care.imports.services.imports import preview_import
from care.registers.models import ExtraField, HardshipCategory, MemberStatus
from care.registers.services import hardship, members
from carehub.audit.models import AuditEvent

from .conftest import logged_in


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def add(staff, name, node="east1", **data):
    values = {"sex": "m", "birth_date": "1950-03-02", "phone": "13912345678", **data}
    return members.create_member(staff.admin, node=staff.nodes[node], name=name, **values)


@pytest.fixture
def register(in_alpha):
    ExtraField.objects.create(key="rank", label="职务", kind="text")
    wang = add(in_alpha, "王建国", joined_on="1975-07-01", extra={"rank": "书记"})
    li = add(in_alpha, "李秀英", node="east2", sex="f", uses_smartphone=False)
    members.change_status(in_alpha.admin, li, MemberStatus.RETIRED)
    zhao = add(in_alpha, "赵六", node="west1", phone="")
    hardship.open_entry(in_alpha.admin, wang, category=HardshipCategory.LOW_INCOME, reason="低保")
    hardship.open_entry(in_alpha.admin, li, category=HardshipCategory.ILLNESS, reason="住院")
    hardship.open_entry(in_alpha.admin, zhao, category=HardshipCategory.ELDERLY, reason="高龄")
    return in_alpha


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def names(rows) -> list[str]:
    return [row[0] for row in rows[1:]]


class TestMembers:
    def test_csv_holds_the_register_as_it_imports(self, register):
        filename, content = export_members(register.admin, {}, "csv")
        rows = read_csv(content)
        assert filename.startswith("members-") and filename.endswith(".csv")
        assert rows[0] == ["Name", "Sex", "Birth date", "Date joined", "Phone", "Uses a smartphone", "Address",
                           "Organisation", "Status", "Date of death", "Proxy recipient", "Proxy phone", "职务"]
        assert rows[1] == ["李秀英", "Female", "1950-03-02", "", "139 1234 5678", "No", "",
                           "Alpha 区委/东区总支/东二支部", "Retired", "", "", "", ""]
        assert rows[2][:5] == ["王建国", "Male", "1950-03-02", "1975-07-01", "139 1234 5678"]
        assert rows[2][-1] == "书记"

    def test_an_export_imports_again(self, register):
        """Read back by the importer, every exported member is recognised as already registered."""
        _filename, content = export_members(register.admin, {}, "xlsx")
        report = preview_import(register.admin, content, "members")
        assert len(report.rows) == 3
        assert {message for row in report.rows for message in row.errors.values()} == {
            "A member with the same name and birth date is already registered."}

    def test_xlsx_has_real_dates(self, register):
        rows = read_xlsx(export_members(register.admin, {"q": "王"}, "xlsx")[1])
        assert names(rows) == ["王建国"]
        assert rows[1][2] == datetime.datetime(1950, 3, 2)

    def test_filters_are_the_lists(self, register):
        params = QueryDict(f"status=retired&status=active&node={register.nodes['east'].pk}")
        assert names(read_csv(export_members(register.admin, params, "csv")[1])) == ["李秀英", "王建国"]
        assert names(read_csv(export_members(register.admin, {"status": "retired"}, "csv")[1])) == ["李秀英"]
        assert names(read_csv(export_members(register.admin, {"hardship": "low_income"}, "csv")[1])) == ["王建国"]
        with pytest.raises(ValidationError):
            export_members(register.admin, {"status": "lost"}, "csv")

    def test_scope(self, register):
        assert names(read_csv(export_members(register.secretary, {}, "csv")[1])) == ["李秀英", "王建国"]
        assert names(read_csv(export_members(register.sibling, {}, "csv")[1])) == ["赵六"]
        west = {"node": register.nodes["west"].pk}
        assert names(read_csv(export_members(register.secretary, west, "csv")[1])) == []

    def test_filtering_by_a_sensitive_category_is_ignored_for_those_who_may_not_see_it(self, register):
        assert names(read_csv(export_members(register.viewer, {"hardship": "illness"}, "csv")[1])) == [
            "李秀英", "王建国", "赵六"]
        assert names(read_csv(export_members(register.sensitive_viewer, {"hardship": "illness"}, "csv")[1])) == [
            "李秀英"]

    def test_audited(self, register):
        export_members(register.viewer, QueryDict("status=retired&q=李"), "xlsx")
        event = AuditEvent.objects.get(action="imports.records.exported")
        assert (event.actor, event.object_type, event.source) == (register.viewer, "member", "portal")
        assert event.changes == {"format": [None, "xlsx"], "rows": [None, 1],
                                 "filters": [None, {"status": ["retired"], "q": ["李"]}]}

    def test_text_never_becomes_a_formula(self, register):
        add(register, "=HYPERLINK(\"http://x\")", address="-1+2")
        csv_rows = read_csv(export_members(register.admin, {"q": "HYPERLINK"}, "csv")[1])
        assert csv_rows[1][0] == "'=HYPERLINK(\"http://x\")" and csv_rows[1][6] == "'-1+2"
        workbook = openpyxl.load_workbook(io.BytesIO(export_members(register.admin, {"q": "HYPERLINK"}, "xlsx")[1]))
        cell = workbook.worksheets[0]["A2"]
        assert (cell.value, cell.data_type) == ("=HYPERLINK(\"http://x\")", "s")

    def test_unknown_format(self, register):
        with pytest.raises(ValidationError):
            export_members(register.admin, {}, "pdf")


class TestHardship:
    def test_sensitive_categories_only_for_those_allowed(self, register):
        header, *rows = read_csv(export_hardship(register.viewer, {}, "csv")[1])
        assert header[:5] == ["Name", "Phone", "Birth date", "Organisation", "Category"]
        assert sorted(row[4] for row in rows) == ["Elderly", "Low income"]
        rows = read_csv(export_hardship(register.sensitive_viewer, {}, "csv")[1])[1:]
        assert "Serious illness or hospitalised" in [row[4] for row in rows]
        event = AuditEvent.objects.get(action="imports.records.exported", actor=register.sensitive_viewer)
        assert event.changes["sensitive"] == [None, 1]

    def test_filters_and_scope(self, register):
        assert names(read_csv(export_hardship(register.admin, {"category": "elderly"}, "csv")[1])) == ["赵六"]
        assert names(read_csv(export_hardship(register.secretary, {}, "csv")[1])) == ["王建国"]  # 李秀英's: sensitive
        assert names(read_csv(export_hardship(register.admin, {"node": register.nodes["east"].pk}, "csv")[1])) == [
            "王建国", "李秀英"]
        assert names(read_csv(export_hardship(register.sibling, {"category": "low_income"}, "csv")[1])) == []

    def test_xlsx(self, register):
        rows = read_xlsx(export_hardship(register.admin, {"q": "王"}, "xlsx")[1])
        assert rows[1][:2] == ("王建国", "139 1234 5678") and rows[1][4:7] == ("Low income", "General", "低保")


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


class TestDownloads:
    def test_portal_link_takes_the_lists_query(self, register):
        client = in_english(logged_in(register, register.viewer))
        response = client.get("/imports/export/members.csv?status=retired")
        assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="members-')
        assert names(read_csv(response.content)) == ["李秀英"]
        assert client.get("/imports/export/members.pdf").status_code == 400
        assert client.get("/imports/export/people.csv").status_code == 404

    def test_api_with_format_and_filters(self, register):
        client = in_english(logged_in(register, register.secretary))
        response = client.get("/api/v1/imports/export/hardship/", {"format": "xlsx", "is_open": "true"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert names(read_xlsx(response.content)) == ["王建国"]  # 李秀英's entry is sensitive
        with schema_context("alpha"):
            assert AuditEvent.objects.get(action="imports.records.exported").source == "api"
        bad = client.get("/api/v1/imports/export/members/", {"format": "pdf"})
        assert bad.status_code == 400 and bad.json()["error"]["fields"] == {"format": ["Choose xlsx or csv."]}
        assert client.get("/api/v1/imports/export/members/", {"node": 999999}).json()["error"]["fields"]["node"]

    def test_another_unit_sees_nothing(self, register, beta):
        assert names(read_csv(logged_in(beta).get("/imports/export/members.csv").content)) == []
        alpha_session = logged_in(register)
        alpha_session.defaults["HTTP_HOST"] = beta.host
        assert alpha_session.get("/imports/export/members.csv").status_code == 302  # to beta's sign-in
        assert alpha_session.get("/api/v1/imports/export/members/").status_code in (401, 403)
