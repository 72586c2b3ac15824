"""Import of members and hardship entries: encodings and formats, each kind of row error with its row, column and
reason, duplicates, all-or-nothing commits, scope, the audit trail, the portal wizard and the API."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from care.imports.services.columns import MEMBER_COLUMNS
from care.imports.services.imports import (
    ImportReport,
    RowOutcome,
    commit_batch,
    commit_import,
    preview_import,
    stage_import,
)
from care.registers.models import (
    ExtraField,
    HardshipCategory,
    HardshipEntry,
    ImportBatch,
    Member,
    MemberStatus,
    StatusChange,
)
from care.registers.services import hardship, members, nodes
from carehub.audit.models import AuditEvent

from .conftest import logged_in as logged_in_any_language

HEADER = ["姓名", "性别", "出生日期", "入党日期", "手机", "所属组织"]
ROWS = [
    ["王建国", "男", "1950-03-02", "1975-07-01", "139 1234 5678", "东一支部"],
    ["李秀英", "女", "1948/5/6", "1970年7月1日", "13912345678", "东区总支/东二支部"],
    ["张伟", "男", "1980.1.15", "2005-07-01", "", "东一支部"],
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def csv_file(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows([header, *rows])
    return text.getvalue().encode(encoding)


def xlsx_file(rows, header=HEADER, title=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    for row in [header, *rows]:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def errors_of(report) -> dict:
    """{row: {column: message}} of a report's bad rows."""
    return {row.row: row.errors for row in report.error_rows}


def one_error(staff, rows, header=HEADER, user=None) -> tuple[int, str, str]:
    report = preview_import(user or staff.admin, csv_file(rows, header), "members")
    assert not report.problems, report.problems
    [(row, errors)] = errors_of(report).items()
    [(column, message)] = errors.items()
    return row, column, message


class TestReading:
    def test_gbk_csv(self, in_alpha):
        report = commit_import(in_alpha.admin, csv_file(ROWS, encoding="gbk"), "members", filename="党员.csv")
        assert report.committed and report.created == 3
        wang = Member.objects.get(name="王建国")
        assert (wang.phone, wang.node, wang.name_initials) == ("+8613912345678", in_alpha.nodes["east1"], "wjg")
        assert Member.objects.get(name="李秀英").joined_on == datetime.date(1970, 7, 1)
        assert Member.objects.get(name="张伟").birth_date == datetime.date(1980, 1, 15)

    def test_utf8_csv_with_and_without_bom(self, in_alpha):
        assert preview_import(in_alpha.admin, csv_file(ROWS, encoding="utf-8-sig"), "members").ok
        assert preview_import(in_alpha.admin, csv_file(ROWS, encoding="utf-8"), "members").ok

    def test_xlsx_with_excel_cells_english_headers_and_a_title_row(self, in_alpha):
        ExtraField.objects.create(key="rank", label="职务", kind="text")
        header = ["Name", "sex", "birth_date", "Date joined", "phone", "node", "状态", "uses_smartphone", "职务",
                  "序号"]
        rows = [["王建国", "m", datetime.datetime(1950, 3, 2), datetime.date(1975, 7, 1), 13912345678,
                 "Alpha 区委/东区总支/东一支部", "离退休", "否", "支部书记", 1]]
        report = commit_import(in_alpha.admin, xlsx_file(rows, header, title="2024年党员花名册"), "members")
        assert report.committed, report.as_dict()
        assert report.ignored_columns == ["序号"]
        wang = Member.objects.get()
        assert (wang.birth_date, wang.joined_on) == (datetime.date(1950, 3, 2), datetime.date(1975, 7, 1))
        assert (wang.phone, wang.status, wang.uses_smartphone) == ("+8613912345678", MemberStatus.RETIRED, False)
        assert wang.extra == {"rank": "支部书记"}
        assert report.rows[0].row == 3  # the title is row 1, the header row 2

    @pytest.mark.parametrize("content,problem", [
        (b"", "No header row"),
        ("名字,年龄\n王,1\n".encode(), "No header row"),
        (csv_file([["王建国", "男"]], header=["姓名", "性别"]), "Columns missing: Organisation"),
        (csv_file([], header=HEADER), "no rows"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Old .xls"),
        (b"PK\x03\x04 broken", "not a readable .xlsx"),
        (csv_file(ROWS, header=["姓名", "性别", "电话", "入党日期", "手机", "所属组织"]), "Two columns"),
    ])
    def test_problems_of_the_whole_file(self, in_alpha, content, problem):
        report = preview_import(in_alpha.admin, content, "members")
        assert not report.ok and problem in report.problems[0] and not report.rows
        assert not commit_import(in_alpha.admin, content, "members").committed

    def test_blank_rows_are_skipped_and_rows_keep_their_numbers(self, in_alpha):
        report = preview_import(in_alpha.admin, csv_file([ROWS[0], ["", "", "", "", "", ""], ROWS[1]]), "members")
        assert [row.row for row in report.rows] == [2, 4]


class TestRowErrors:
    @pytest.mark.parametrize("index,value,column,reason", [
        (4, "12345", "手机", "not a valid phone number"),
        (5, "北区支部", "所属组织", "No organisation “北区支部”"),
        (2, "1950-02-30", "出生日期", "not a real date"),
        (2, "1950年2月30日", "出生日期", "not a real date"),
        (3, "2999-01-01", "入党日期", "in the future"),
        (3, "1955-07-01", "入党日期", "join at 18 or older"),
        (0, "", "姓名", "required"),
        (1, "", "性别", "required"),
        (1, "不详", "性别", "not one of: Male, Female"),
        (5, "", "所属组织", "required"),
        (0, "王" * 61, "姓名", "At most 50 characters."),
        (2, "0001-01-01", "出生日期", "0001-01-01 is before 1900-01-01"),
        (3, "1899-12-31", "入党日期", "before 1900-01-01"),
    ])
    def test_each_error_names_row_column_and_reason(self, in_alpha, index, value, column, reason):
        rows = [list(row) for row in ROWS]
        rows[1][index] = value
        row, got_column, message = one_error(in_alpha, rows)
        assert (row, got_column) == (3, column)
        assert reason in message

    @pytest.mark.parametrize("column", [column for column in MEMBER_COLUMNS if column.imported and not column.choices
                                        and not column.words and column.key not in ("node", "phone", "proxy_phone")
                                        and not isinstance(Member._meta.get_field(column.key), models.DateField)])
    def test_every_text_is_checked_against_its_column_in_the_preview(self, in_alpha, column):
        """The limits are the model's: a preview that says "create" must not fail at commit (DataError)."""
        limit = Member._meta.get_field(column.key).max_length
        header = ["性别", "所属组织", *(["姓名"] if column.key != "name" else []), column.key]

        def file(text):
            return csv_file([["男", "东一支部", *(["王建国"] if column.key != "name" else []), text]], header)

        report = preview_import(in_alpha.admin, file("长" * (limit + 1)), "members")
        assert list(errors_of(report)[2].items()) == [(column.key, f"At most {limit} characters.")]
        assert not commit_import(in_alpha.admin, file("长" * (limit + 1)), "members").committed
        assert commit_import(in_alpha.admin, file("长" * limit), "members").created == 1

    def test_node_outside_the_importers_scope(self, in_alpha):
        rows = [ROWS[0], ["赵六", "男", "1960-01-01", "", "", "西一支部"]]
        assert one_error(in_alpha, rows, user=in_alpha.secretary)[1:] == (
            "所属组织", "“西一支部” is outside the organisations you manage.")
        assert preview_import(in_alpha.sibling, csv_file([rows[1]]), "members").ok

    def test_ambiguous_node_names_need_a_path(self, in_alpha):
        nodes.create_node(in_alpha.admin, parent=in_alpha.nodes["west"], name="东一支部")
        row, column, message = one_error(in_alpha, [ROWS[0], ["赵六", "男", "1960-01-01", "", "", "西区总支/东一支部"]])
        assert (row, column) == (2, "所属组织")
        assert "names 2 organisations; write its path, such as Alpha 区委/" in message

    def test_extra_fields_are_validated_by_their_definitions(self, in_alpha):
        ExtraField.objects.create(key="years", label="党龄", kind="number")
        ExtraField.objects.create(key="unit", label="工作单位", kind="text", required=True)
        report = preview_import(in_alpha.admin, csv_file([["王建国", "男", "", "", "", "东一支部", "abc", ""]],
                                                         header=[*HEADER, "党龄", "unit"]), "members")
        assert errors_of(report) == {2: {"党龄": "“abc” is not a number.", "unit": "工作单位 is required."}}

    def test_a_required_extra_field_without_a_column(self, in_alpha):
        ExtraField.objects.create(key="unit", label="工作单位", kind="text", required=True)
        assert one_error(in_alpha, [ROWS[0]])[1:] == ("工作单位", "工作单位 is required.")

    def test_deceased_members_need_a_date_of_death(self, in_alpha):
        header = [*HEADER, "状态", "亡故日期"]
        assert one_error(in_alpha, [[*ROWS[0], "亡故", ""]], header)[1:] == ("亡故日期", "Give the date of death.")
        assert one_error(in_alpha, [[*ROWS[0], "正常", "2020-01-01"]], header)[1] == "亡故日期"
        commit_import(in_alpha.admin, csv_file([[*ROWS[0], "亡故", "2020-01-01"]], header), "members")
        change = StatusChange.objects.get()
        assert (change.to_status, change.effective_on) == (MemberStatus.DECEASED, datetime.date(2020, 1, 1))


class TestDuplicates:
    """Duplicate: same name and birth date, or same name and phone (a family may share a phone)."""

    def test_within_the_file(self, in_alpha):
        rows = [ROWS[0], ["王建国", "男", "1950-03-02", "", "", "东二支部"], ["王建国", "男", "", "", "13912345678",
                                                                       "东二支部"],
                ["王秀兰", "女", "", "", "13912345678", "东一支部"]]
        assert errors_of(preview_import(in_alpha.admin, csv_file(rows), "members")) == {
            3: {"姓名": "Same name and birth date as row 2."}, 4: {"姓名": "Same name and phone as row 2."}}

    def test_against_the_register_even_outside_the_importers_scope(self, in_alpha):
        members.create_member(in_alpha.admin, node=in_alpha.nodes["west1"], name="王建国", sex="m",
                              birth_date="1950-03-02")
        row, column, message = one_error(in_alpha, ROWS, user=in_alpha.secretary)
        assert (row, column) == (2, "姓名")
        assert message == "A member with the same name and birth date is already registered."


class TestCommit:
    def test_all_or_nothing(self, in_alpha):
        events = AuditEvent.objects.count()
        rows = [*ROWS, ["赵六", "男", "1960-01-01", "", "12345", "东一支部"]]
        report = commit_import(in_alpha.admin, csv_file(rows), "members")
        assert not report.committed and report.created == 0
        assert errors_of(report) == {5: {"手机": "“12345” is not a valid phone number."}}
        assert not Member.objects.exists() and not StatusChange.objects.exists()
        assert AuditEvent.objects.count() == events and not ImportBatch.objects.exists()

    def test_audited_as_import_with_one_event_per_member_and_one_for_the_file(self, in_alpha):
        report = commit_import(in_alpha.secretary, csv_file(ROWS), "members", filename="east.csv")
        created = AuditEvent.objects.filter(action="registers.member.created", object_type="member")
        assert created.count() == 3 and set(created.values_list("source", flat=True)) == {"import"}
        wang = Member.objects.get(name="王建国")
        event = created.get(object_id=str(wang.pk))
        assert event.actor == in_alpha.secretary and event.changes["phone"] == [None, "+8613912345678"]
        batch = ImportBatch.objects.get(pk=report.batch)
        assert (batch.status, batch.created, batch.filename, batch.created_by) == ("committed", 3, "east.csv",
                                                                                   in_alpha.secretary)
        summary = AuditEvent.objects.get(action="imports.batch.imported")
        assert (summary.source, summary.object_id, summary.changes["created"]) == ("import", str(batch.pk),
                                                                                   [None, 3])
        assert StatusChange.objects.filter(note="Imported", by=in_alpha.secretary).count() == 3

    def test_read_only_roles_cannot_import(self, in_alpha):
        with pytest.raises(PermissionDenied):
            preview_import(in_alpha.viewer, csv_file(ROWS), "members")
        with pytest.raises(PermissionDenied):
            commit_import(in_alpha.sensitive_viewer, csv_file(ROWS), "members")

    def test_a_staged_batch_commits_once_and_replaces_the_previous_one(self, in_alpha):
        first = stage_import(in_alpha.admin, csv_file(ROWS[:1]), "members")
        batch = stage_import(in_alpha.admin, csv_file(ROWS), "members")
        assert not ImportBatch.objects.filter(pk=first.pk).exists()
        assert (batch.report["total"], batch.report["invalid"]) == (3, 0)
        assert commit_batch(in_alpha.admin, batch).created == 3
        batch.refresh_from_db()
        assert batch.status == "committed" and bytes(batch.content) == b""
        with pytest.raises(ValidationError, match="already been imported"):
            commit_batch(in_alpha.admin, batch)


def test_a_kept_report_lists_rows_with_errors_first():
    rows = [RowOutcome(number, "王", "", {"手机": "bad"} if number == 900 else {}) for number in range(2, 1000)]
    kept = ImportReport("members", rows=rows).as_dict(limit=3)
    assert (kept["total"], kept["invalid"]) == (998, 1)
    assert [(row["row"], row["result"]) for row in kept["rows"]] == [(2, "create"), (3, "create"), (900, "error")]


HARDSHIP = ["姓名", "手机", "出生日期", "类别", "级别", "原因", "建档日期"]


class TestHardship:
    @pytest.fixture
    def people(self, in_alpha):
        def add(name, node="east1", **data):
            return members.create_member(in_alpha.admin, node=in_alpha.nodes[node], name=name, sex="m", **data)
        return {"wang": add("王建国", phone="13912345678", birth_date="1950-03-02"),
                "wang2": add("王建国", phone="13912345678", birth_date="1952-01-01"),  # family phone, same name
                "li": add("李秀英", phone="13800001111"),
                "zhao": add("赵六", node="west1", phone="13700002222")}

    def test_members_are_found_by_name_and_phone_or_birth_date(self, in_alpha, people):
        rows = [["王建国", "", "1950-03-02", "低保", "较重", "退休金低", "2024/7/1"],
                ["李秀英", "138 0000 1111", "", "Elderly", "", "高龄独居", ""]]
        report = commit_import(in_alpha.secretary, csv_file(rows, HARDSHIP), "hardship")
        assert report.committed, report.as_dict()
        wang = HardshipEntry.objects.get(member=people["wang"])
        assert (wang.category, wang.level, wang.opened_on, wang.review_due_on) == (
            HardshipCategory.LOW_INCOME, 2, datetime.date(2024, 7, 1), datetime.date(2025, 1, 1))
        assert HardshipEntry.objects.get(member=people["li"]).created_by == in_alpha.secretary
        assert AuditEvent.objects.filter(object_type="hardshipentry", source="import",
                                         action="registers.hardship.created").count() == 2

    @pytest.mark.parametrize("row,column,reason", [
        (["王建国", "13912345678", "", "低保", "", "x", ""], "姓名", "Several members “王建国” match"),
        (["王建国", "", "", "低保", "", "x", ""], "手机", "Give the member's phone or birth date"),
        (["孙七", "13912345678", "", "低保", "", "x", ""], "姓名", "No member “孙七”"),
        (["赵六", "13700002222", "", "低保", "", "x", ""], "姓名", "No member “赵六”"),  # west: not the secretary's
        (["李秀英", "13800001111", "", "贫困", "", "x", ""], "类别", "not one of"),
        (["李秀英", "13800001111", "", "低保", "9", "x", ""], "级别", "not one of"),
        (["李秀英", "13800001111", "", "低保", "", "", ""], "原因", "required"),
        (["李秀英", "13800001111", "", "低保", "", "x", "2024-13-01"], "建档日期", "not a real date"),
        (["李秀英", "13800001111", "", "大病", "", "住院", ""], "类别", "may not record or see sensitive"),
    ])
    def test_row_errors(self, in_alpha, people, row, column, reason):
        report = preview_import(in_alpha.secretary, csv_file([row], HARDSHIP), "hardship")
        [(number, errors)] = errors_of(report).items()
        assert number == 2 and column in errors and reason in errors[column], errors

    def test_sensitive_categories_for_those_allowed(self, in_alpha, people):
        rows = [["李秀英", "13800001111", "", "大病", "", "住院", ""]]
        assert commit_import(in_alpha.admin, csv_file(rows, HARDSHIP), "hardship").committed

    def test_duplicates_of_open_entries(self, in_alpha, people):
        hardship.open_entry(in_alpha.admin, people["li"], category="low_income", reason="低保")
        rows = [["李秀英", "13800001111", "", "低保", "", "x", ""], ["王建国", "", "1950-03-02", "老龄", "", "x", ""],
                ["王建国", "", "1950-03-02", "高龄", "", "y", ""]]
        assert errors_of(preview_import(in_alpha.admin, csv_file(rows, HARDSHIP), "hardship")) == {
            2: {"类别": "This member already has an open entry in this category."},
            4: {"类别": "Same member and category as row 3."}}


def logged_in(staff, user=None):
    client = logged_in_any_language(staff, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def named(content: bytes, name="members.csv") -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def upload(client, content, kind="members", path="/imports/"):
    return client.post(path, {"kind": kind, "file": named(content)})


class TestPortal:
    def test_preview_then_fix_then_commit(self, alpha):
        client = logged_in(alpha)
        bad = [*ROWS[:2], ["赵六", "男", "1960-01-01", "", "12345", "东一支部"]]
        response = upload(client, csv_file(bad))
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert 'class="row-error" data-row="4"' in page and "“12345” is not a valid phone number." in page
        assert 'id="commit-form"' not in page

        response = upload(client, csv_file(ROWS))
        page = client.get(response["Location"]).content.decode()
        assert 'id="commit-form"' in page and 'class="row-error"' not in page
        with schema_context("alpha"):
            batch = ImportBatch.objects.get()  # the first file was replaced
        response = client.post(f"/imports/{batch.pk}/commit/")
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "3 records were imported." in page
        with schema_context("alpha"):
            assert Member.objects.count() == 3

    def test_batches_belong_to_their_uploader_and_their_unit(self, alpha, beta):
        response = upload(logged_in(alpha), csv_file(ROWS))
        connection.set_schema_to_public()
        location = response["Location"]
        assert logged_in(alpha, alpha.secretary).get(location).status_code == 404
        assert logged_in(beta).get(location).status_code == 404
        assert logged_in(beta).post(location + "commit/").status_code == 404

    def test_read_only_roles_see_no_upload_form_and_cannot_post(self, alpha):
        client = logged_in(alpha, alpha.viewer)
        page = client.get("/imports/").content.decode()
        assert 'id="upload-form"' not in page and "/imports/export/members.xlsx" in page
        assert upload(client, csv_file(ROWS)).status_code == 403


class TestApi:
    def test_preview_and_commit(self, alpha):
        client = logged_in(alpha)
        preview = upload(client, csv_file(ROWS), path="/api/v1/imports/preview/")
        assert preview.status_code == 200
        body = preview.json()
        assert (body["total"], body["invalid"], body["committed"]) == (3, 0, False)
        assert body["rows"][0] == {"row": 2, "name": "王建国", "detail": "东一支部", "result": "create", "note": "",
                                   "errors": []}
        with schema_context("alpha"):
            assert not Member.objects.exists()
        committed = upload(client, csv_file(ROWS), path="/api/v1/imports/commit/")
        assert committed.status_code == 201 and committed.json()["created"] == 3
        batch = committed.json()["batch"]
        assert client.get(f"/api/v1/imports/{batch}/").json()["created"] == 3
        assert logged_in(alpha, alpha.secretary).get(f"/api/v1/imports/{batch}/").status_code == 404

    def test_a_bad_row_answers_in_the_error_format_and_writes_nothing(self, alpha):
        response = upload(logged_in(alpha), csv_file([*ROWS, ["赵六", "男", "1960-01-01", "", "12345", "北区"]]),
                          path="/api/v1/imports/commit/")
        assert response.status_code == 400
        assert response.json() == {"error": {
            "code": "invalid_rows", "message": "Nothing was imported: 1 row has errors.",
            "fields": {"rows.5.手机": ["“12345” is not a valid phone number."],
                       "rows.5.所属组织": ["No organisation “北区”."]}}}
        with schema_context("alpha"):
            assert not Member.objects.exists()

    def test_token_authentication(self, alpha):
        with schema_context("alpha"):
            token = Token.objects.create(user=alpha.secretary).key
        client = Client(HTTP_HOST=alpha.host, HTTP_AUTHORIZATION=f"Token {token}")
        response = upload(client, csv_file(ROWS), path="/api/v1/imports/commit/")
        assert response.status_code == 201, response.content
        with schema_context("alpha"):
            assert AuditEvent.objects.get(action="imports.batch.imported").actor == alpha.secretary

    def test_access(self, alpha, beta):
        viewer = upload(logged_in(alpha, alpha.viewer), csv_file(ROWS), path="/api/v1/imports/preview/")
        assert viewer.status_code == 403 and viewer.json()["error"]["code"] == "permission_denied"
        missing = logged_in(alpha).post("/api/v1/imports/preview/", {"kind": "people"})
        assert missing.status_code == 400 and set(missing.json()["error"]["fields"]) == {"kind", "file"}
        response = upload(logged_in(alpha), csv_file(ROWS), path="/api/v1/imports/commit/")
        connection.set_schema_to_public()
        assert logged_in(beta).get(f"/api/v1/imports/{response.json()['batch']}/").status_code == 404
