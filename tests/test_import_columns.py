"""Real spreadsheets: units' own rosters with their own headers. Known headers are read at once, the others are
asked about in the column step (or left out, and listed), the choices are remembered for the unit and audited, a
missing required column is asked for instead of refusing the file; the words in the cells (是/否, 男/女, 离退休,
亡故, ...) are read or reported per row; and the sample files import as they stand."""

import datetime
import io
import json

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django_tenants.utils import schema_context

from care.imports.services.imports import choose_columns, commit_import, preview_import, stage_import
from care.registers.models import ColumnMapping, ExtraField, ImportBatch, Member, MemberStatus, Sex
from care.registers.services import members
from carehub.audit.models import AuditEvent

from .conftest import logged_in as logged_in_any_language


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def xlsx_file(header, rows, title="2024年党员花名册") -> bytes:
    workbook = openpyxl.Workbook()
    if title:
        workbook.active.append([title])
    for row in [header, *rows]:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# A roster as a street's branches keep it: a title, a serial number, their own headers, an ID number and remarks.
ROSTER_HEADER = ["序号", "姓名", "性别", "出生年月日", "所在党支部", "人员状态", "会用智能手机", "联系电话", "现住址",
                 "身份证号", "备注", "去世日期"]
ROSTER = [
    [1, "王建国", "男性", datetime.date(1950, 3, 2), "东一支部", "离退休", "会", "139 1234 5678", "幸福小区3-2-101",
     "210211195003020011", "党小组长", None],
    [2, "李秀英", "女", datetime.date(1948, 5, 6), "东二支部", "在职", "不会", "", "幸福小区5-1-302",
     "210211194805060022", "", None],
    [3, "张伟", "男", datetime.date(1940, 1, 15), "东一支部", "已故", "×", "", "", "", "", datetime.date(2023, 4, 1)],
]


def columns_of(report) -> dict:
    """{header: (field, how)}"""
    return {column["column"]: (column["field"], column["how"]) for column in report.columns}


class TestRecognised:
    def test_a_real_roster_is_read_and_its_unknown_columns_are_listed(self, in_alpha):
        report = preview_import(in_alpha.admin, xlsx_file(ROSTER_HEADER, ROSTER), "members")
        assert report.ok, report.as_dict()
        columns = columns_of(report)
        assert columns["所在党支部"] == ("node", "recognised")
        assert columns["人员状态"] == ("status", "recognised")
        assert columns["会用智能手机"] == ("uses_smartphone", "recognised")
        assert columns["联系电话"] == ("phone", "recognised") and columns["现住址"] == ("address", "recognised")
        assert columns["序号"] == (None, "recognised")  # never imported, and not asked about
        assert columns["身份证号"] == (None, "unknown") and columns["备注"] == (None, "unknown")
        assert report.ignored_columns == ["序号", "身份证号", "备注"] and report.needs_choices
        assert report.columns[1]["examples"] == ["王建国", "李秀英", "张伟"]

        assert commit_import(in_alpha.admin, xlsx_file(ROSTER_HEADER, ROSTER), "members").created == 3
        wang, li, zhang = (Member.objects.get(name=name) for name in ("王建国", "李秀英", "张伟"))
        assert (wang.sex, wang.status, wang.uses_smartphone, wang.node) == (
            Sex.MALE, MemberStatus.RETIRED, True, in_alpha.nodes["east1"])
        assert (li.status, li.uses_smartphone, li.address) == (MemberStatus.ACTIVE, False, "幸福小区5-1-302")
        assert (zhang.status, zhang.died_on, zhang.uses_smartphone) == (
            MemberStatus.DECEASED, datetime.date(2023, 4, 1), False)


class TestColumnStep:
    def test_choices_are_kept_remembered_and_audited(self, in_alpha):
        ExtraField.objects.create(key="remark", label="说明", kind="text")
        batch = stage_import(in_alpha.secretary, xlsx_file(ROSTER_HEADER, ROSTER), "members")
        choices = {column["column"]: column["field"] or "" for column in batch.report["columns"]}
        report = choose_columns(in_alpha.secretary, batch, {**choices, "备注": "extra.remark"})
        assert report.ok and columns_of(report)["备注"] == ("extra.remark", "chosen")
        assert report.ignored_columns == ["序号", "身份证号"] and not report.needs_choices
        batch.refresh_from_db()
        assert batch.report["ignored_columns"] == ["序号", "身份证号"]
        # Remembered by header: the unknown 身份证号 as "not imported" too, so that it is not asked again.
        assert dict(ColumnMapping.objects.values_list("header", "target")) == {"备注": "extra.remark", "身份证号": ""}
        event = AuditEvent.objects.get(action="imports.columns.chosen")
        assert (event.actor, event.object_type, event.object_id) == (in_alpha.secretary, "importbatch", str(batch.pk))
        assert event.changes == {"备注": [None, "说明"], "身份证号": [None, "Not imported"]}

        again = preview_import(in_alpha.admin, xlsx_file(ROSTER_HEADER, ROSTER[:1]), "members")
        assert columns_of(again)["备注"] == ("extra.remark", "remembered") and not again.needs_choices
        assert commit_import(in_alpha.admin, xlsx_file(ROSTER_HEADER, ROSTER[:1]), "members").committed
        assert Member.objects.get(name="王建国").extra == {"remark": "党小组长"}

    def test_a_recognised_column_may_be_left_out_and_going_back_forgets_the_choice(self, in_alpha):
        header = ["姓名", "性别", "电话", "手机", "所属组织"]  # two phone columns
        rows = [["王建国", "男", "0411-1234", "13912345678", "东一支部"]]
        batch = stage_import(in_alpha.admin, xlsx_file(header, rows), "members")
        assert batch.report["needs_choices"] and columns_of_dict(batch.report)["手机"] == (None, "duplicate")
        assert "Two columns hold the same field" in batch.report["problems"][0]
        report = choose_columns(in_alpha.admin, batch, {"姓名": "name", "性别": "sex", "电话": "", "手机": "phone",
                                                        "所属组织": "node"})
        assert report.ok and ColumnMapping.objects.get().header == "电话"
        choose_columns(in_alpha.admin, batch, {"姓名": "name", "性别": "sex", "电话": "phone", "手机": "",
                                               "所属组织": "node"})
        assert dict(ColumnMapping.objects.values_list("header", "target")) == {"手机": ""}  # 电话 means phone anyway

    def test_a_missing_required_column_is_asked_for(self, in_alpha):
        header = ["姓名", "性别", "单位"]
        batch = stage_import(in_alpha.admin, xlsx_file(header, [["王建国", "男", "东一支部"]]), "members")
        assert batch.report["missing"] == ["Organisation"] and batch.report["needs_choices"]
        assert batch.report["rows"] == [] and columns_of_dict(batch.report)["单位"] == (None, "unknown")
        assert batch.report["columns"][2]["examples"] == ["东一支部"]
        with pytest.raises(Exception, match="Choose the column that holds: Organisation"):
            choose_columns(in_alpha.admin, batch, {"姓名": "name", "性别": "sex", "单位": ""})
        with pytest.raises(Exception, match="already holds Name"):
            choose_columns(in_alpha.admin, batch, {"姓名": "name", "性别": "sex", "单位": "name"})
        report = choose_columns(in_alpha.admin, batch, {"姓名": "name", "性别": "sex", "单位": "node"})
        assert report.ok and report.planned == 1


def columns_of_dict(report: dict) -> dict:
    return {column["column"]: (column["field"], column["how"]) for column in report["columns"]}


class TestWords:
    """Each cell is read, or its row reports the column, the word and the words accepted."""

    HEADER = ["姓名", "性别", "所属组织", "状态", "使用智能手机", "亡故日期"]

    @pytest.mark.parametrize("sex,status,smartphone,expected", [
        ("男性", "退休", "是", (Sex.MALE, MemberStatus.RETIRED, True)),
        ("女性", "离休", "否", (Sex.FEMALE, MemberStatus.RETIRED, False)),
        ("女", "在职", "有", (Sex.FEMALE, MemberStatus.ACTIVE, True)),
        ("男", "流动", "无", (Sex.MALE, MemberStatus.FLOWING, False)),
        ("男", "流动党员", "√", (Sex.MALE, MemberStatus.FLOWING, True)),
        ("男", "正常", "会", (Sex.MALE, MemberStatus.ACTIVE, True)),
        ("男", "已转出", "不会", (Sex.MALE, MemberStatus.MOVED_OUT, False)),
        ("Female", "Retired", "yes", (Sex.FEMALE, MemberStatus.RETIRED, True)),
    ])
    def test_words_are_read(self, in_alpha, sex, status, smartphone, expected):
        report = commit_import(in_alpha.admin, xlsx_file(self.HEADER, [["王建国", sex, "东一支部", status,
                                                                        smartphone, None]]), "members")
        assert report.committed, report.as_dict()
        member = Member.objects.get()
        assert (member.sex, member.status, member.uses_smartphone) == expected

    @pytest.mark.parametrize("word", ["亡故", "去世", "已故", "病故"])
    def test_death_words(self, in_alpha, word):
        report = commit_import(in_alpha.admin, xlsx_file(self.HEADER, [["王建国", "男", "东一支部", word, "",
                                                                        "2023-04-01"]]), "members")
        assert report.committed and Member.objects.get().status == MemberStatus.DECEASED

    def test_unknown_words_are_reported_per_row_and_nothing_is_written(self, in_alpha):
        rows = [["王建国", "男", "东一支部", "离退休", "是", None],
                ["李秀英", "不详", "东一支部", "失联", "可能", None],
                ["张伟", "男", "东一支部", "在职", "否", None]]
        report = commit_import(in_alpha.admin, xlsx_file(self.HEADER, rows), "members")
        assert not report.committed and not Member.objects.exists()
        [row] = report.error_rows
        assert row.row == 4  # the title is row 1, the header row 2
        assert row.errors["性别"] == "“不详” is not one of: Male, Female, 男, 女, 男性, 女性."
        assert row.errors["状态"].startswith("“失联” is not one of: Active, Retired, Away from home, Moved out, "
                                             "Deceased, 在职")
        assert "离退休" in row.errors["状态"] and "亡故" in row.errors["状态"]
        assert row.errors["使用智能手机"].startswith("“可能” is not one of: 是, 有, 会")


def logged_in(staff, user=None):
    client = logged_in_any_language(staff, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def named(content: bytes, name="roster.xlsx") -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


class TestPortal:
    def test_the_column_step_then_the_preview_then_the_commit(self, alpha):
        client = logged_in(alpha, alpha.secretary)
        response = client.post("/imports/", {"kind": "members", "file": named(xlsx_file(ROSTER_HEADER, ROSTER))})
        with schema_context("alpha"):
            batch = ImportBatch.objects.get()
        assert response["Location"] == f"/imports/{batch.pk}/columns/"
        page = client.get(response["Location"]).content.decode()
        fields = {column["column"]: f"column_{index}" for index, column in enumerate(batch.report["columns"])}
        to_check = page.split('id="columns-to-check"')[1].split("</fieldset>")[0]
        assert "身份证号" in to_check and "备注" in to_check and "所在党支部" not in to_check
        assert "For example: 210211195003020011" in page  # the cells help to decide
        assert '<option value="node" selected>Organisation (required)</option>' in page

        choices = {fields[column["column"]]: column["field"] or "" for column in batch.report["columns"]}
        wrong = client.post(response["Location"], {**choices, fields["备注"]: "name"})
        assert wrong.status_code == 200 and "“姓名” already holds Name." in wrong.content.decode()
        done = client.post(response["Location"], choices)
        assert done["Location"] == f"/imports/{batch.pk}/"
        page = client.get(done["Location"]).content.decode()
        assert "All 3 rows are ready to import." in page
        assert "These columns are not imported:</strong> 序号、身份证号、备注" in page
        assert f'href="/imports/{batch.pk}/columns/"' in page
        page = client.get(client.post(f"/imports/{batch.pk}/commit/")["Location"]).content.decode()
        assert "3 records were imported." in page
        assert client.get(f"/imports/{batch.pk}/columns/")["Location"] == f"/imports/{batch.pk}/"  # done: no step

        # The next file with the same headers goes straight to its preview.
        rows = [[1, "赵六", "男", None, "东二支部", "在职", "是", "", "", "", "", None]]
        response = client.post("/imports/", {"kind": "members", "file": named(xlsx_file(ROSTER_HEADER, rows))})
        assert response["Location"].endswith("/") and not response["Location"].endswith("/columns/")

    def test_a_missing_column_is_asked_for_not_refused(self, alpha):
        client = logged_in(alpha)
        content = xlsx_file(["姓名", "性别", "单位"], [["王建国", "男", "东一支部"]])
        location = client.post("/imports/", {"kind": "members", "file": named(content)})["Location"]
        assert location.endswith("/columns/")
        page = client.get(location).content.decode()
        assert 'id="missing-columns"' in page and "Still needed: Organisation." in page
        response = client.post(location, {"column_0": "name", "column_1": "sex", "column_2": ""})
        assert "Choose the column that holds: Organisation." in response.content.decode()
        response = client.post(location, {"column_0": "name", "column_1": "sex", "column_2": "node"})
        assert "1 row is ready to import." in client.get(response["Location"]).content.decode()

    def test_sample_files(self, alpha):
        client = logged_in(alpha)
        assert "/imports/sample/members.xlsx" in client.get("/imports/").content.decode()
        for kind, headers in (("members", ["姓名", "性别", "出生日期", "入党日期", "手机", "使用智能手机", "住址",
                                           "所属组织", "状态", "亡故日期", "代收人", "代收电话"]),
                              ("hardship", ["姓名", "手机", "出生日期", "类别", "级别", "原因", "建档日期"]),
                              ("tree", ["组织路径", "类型", "书记", "联系电话"])):
            response = client.get(f"/imports/sample/{kind}.xlsx")
            assert response.status_code == 200 and response["Content-Type"].startswith(
                "application/vnd.openxmlformats")
            sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
            assert [cell.value for cell in sheet[1]] == headers
            assert sheet.max_row == (4 if kind == "tree" else 3)
        assert client.get("/imports/sample/people.xlsx").status_code == 404

    def test_the_samples_import_as_they_stand(self, alpha):
        client = logged_in(alpha)
        with schema_context("alpha"):
            members = preview_import(alpha.admin, client.get("/imports/sample/members.xlsx").content, "members")
            assert members.ok and not members.needs_choices, members.as_dict()
            tree = preview_import(alpha.admin, client.get("/imports/sample/tree.xlsx").content, "tree")
            assert tree.ok and tree.planned == 3, tree.as_dict()
            commit_import(alpha.admin, client.get("/imports/sample/members.xlsx").content, "members")
            hardship = preview_import(alpha.admin, client.get("/imports/sample/hardship.xlsx").content, "hardship")
            assert hardship.ok, hardship.as_dict()

    def test_only_the_uploader_reaches_the_column_step(self, alpha, beta):
        response = logged_in(alpha).post("/imports/", {"kind": "members",
                                                       "file": named(xlsx_file(ROSTER_HEADER, ROSTER))})
        location = response["Location"]
        assert logged_in(alpha, alpha.secretary).get(location).status_code == 404
        assert logged_in(alpha, alpha.viewer).post(location, {}).status_code == 404
        assert logged_in(beta).get(location).status_code == 404


class TestApi:
    def test_columns_for_one_request_then_remembered_at_commit(self, alpha):
        client = logged_in(alpha)
        with schema_context("alpha"):
            ExtraField.objects.create(key="remark", label="说明", kind="text")
        content = xlsx_file(ROSTER_HEADER, ROSTER)
        columns = json.dumps({"备注": "extra.remark", "身份证号": ""})
        preview = client.post("/api/v1/imports/preview/", {"kind": "members", "file": named(content),
                                                            "columns": columns})
        assert preview.status_code == 200, preview.content
        body = preview.json()
        assert {column["column"]: column["how"] for column in body["columns"]}["备注"] == "chosen"
        assert body["ignored_columns"] == ["序号", "身份证号"] and body["needs_choices"] is False
        with schema_context("alpha"):
            assert not ColumnMapping.objects.exists()  # a preview writes nothing
        committed = client.post("/api/v1/imports/commit/", {"kind": "members", "file": named(content),
                                                             "columns": columns})
        assert committed.status_code == 201
        with schema_context("alpha"):
            assert dict(ColumnMapping.objects.values_list("header", "target")) == {"备注": "extra.remark",
                                                                                  "身份证号": ""}
            assert AuditEvent.objects.get(action="imports.columns.chosen").source == "import"
        plain = client.post("/api/v1/imports/preview/", {"kind": "members", "file": named(content)}).json()
        assert {column["column"]: column["how"] for column in plain["columns"]}["备注"] == "remembered"

    @pytest.mark.parametrize("columns,field", [
        ("not json", "columns"), ('["备注"]', "columns"), ('{"备注": "shoe_size"}', "columns")])
    def test_bad_columns(self, alpha, columns, field):
        response = logged_in(alpha).post("/api/v1/imports/preview/", {
            "kind": "members", "file": named(xlsx_file(ROSTER_HEADER, ROSTER)), "columns": columns})
        assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {field}

    def test_a_missing_column_in_the_api(self, alpha):
        content = xlsx_file(["姓名", "性别", "单位"], [["王建国", "男", "东一支部"]])
        body = logged_in(alpha).post("/api/v1/imports/preview/", {"kind": "members", "file": named(content)}).json()
        assert body["missing"] == ["Organisation"] and body["problems"] == ["Columns missing: Organisation."]
        body = logged_in(alpha).post("/api/v1/imports/preview/", {
            "kind": "members", "file": named(content), "columns": json.dumps({"单位": "node"})}).json()
        assert body["invalid"] == 0 and body["total"] == 1 and body["missing"] == []


class TestMonthOnlyDates:
    """Rosters give 出生年月 and 入党时间 to the month (1948.05): the month's first day, said to be only that."""

    HEADER = ["姓名", "性别", "出生年月", "入党时间", "所在党支部"]

    def test_a_month_is_its_first_day_flagged_and_shown_and_exported_as_a_month(self, in_alpha):
        rows = [["王建国", "男", "1948.05", "1972年7月", "东一支部"],
                ["李秀英", "女", "1952-03-15", "1975.06", "东二支部"]]
        report = commit_import(in_alpha.admin, xlsx_file(self.HEADER, rows), "members")
        assert report.created == 2, report.as_dict()
        wang, li = Member.objects.get(name="王建国"), Member.objects.get(name="李秀英")
        assert (wang.birth_date, wang.birth_month_only) == (datetime.date(1948, 5, 1), True)
        assert (wang.joined_on, wang.joined_month_only) == (datetime.date(1972, 7, 1), True)
        assert (li.birth_date, li.birth_month_only, li.joined_month_only) == (datetime.date(1952, 3, 15), False, True)
        client = logged_in(in_alpha)
        page = client.get(f"/registers/members/{wang.pk}/").content.decode()
        assert '1948-05 <small class="muted">(day not known)</small>' in page and "1948-05-01" not in page
        exported = client.get("/imports/export/members.csv").content.decode("utf-8-sig")
        assert ",1948-05,1972-07," in exported and ",1952-03-15,1975-06," in exported

    def test_a_month_that_may_be_january_or_october_is_asked_about(self, in_alpha):
        rows = [["王建国", "男", 1948.1, "", "东一支部"]]  # 1948.10 typed into a number cell
        report = preview_import(in_alpha.admin, xlsx_file(self.HEADER, rows), "members")
        assert not report.ok
        assert "may be January or October: write 1948-01 or 1948-10" in json.dumps(report.as_dict(),
                                                                                     ensure_ascii=False)

    def test_the_member_form_keeps_the_flag_until_a_whole_date_is_given(self, in_alpha):
        member = Member.objects.create(node=in_alpha.nodes["east1"], name="王建国", sex="m",
                                       birth_date=datetime.date(1948, 5, 1), birth_month_only=True)
        members.update_member(in_alpha.admin, member, address="幸福路1号", birth_date="1948-05-01",
                              birth_month_only=True)
        member.refresh_from_db()
        assert member.birth_month_only and member.address == "幸福路1号"
        members.update_member(in_alpha.admin, member, birth_date="1948-05-17")
        member.refresh_from_db()
        assert (member.birth_date, member.birth_month_only) == (datetime.date(1948, 5, 17), False)


class TestOneOrganisationForTheFile:
    """A branch's own roster names no organisation: the column step offers one for every row."""

    ROSTER = xlsx_file(["姓名", "性别", "联系电话"], [["王建国", "男", "13912345678"], ["李秀英", "女", ""]])

    def test_every_row_goes_to_the_chosen_organisation(self, alpha):
        client = logged_in(alpha, alpha.secretary)
        location = client.post("/imports/", {"kind": "members", "file": named(self.ROSTER)})["Location"]
        page = client.get(location).content.decode()
        every_row = page.split('id="columns-every-row"')[1].split("</fieldset>")[0]
        assert "Every row belongs to" in every_row and "东一支部" in every_row
        assert "西一支部" not in every_row  # only the secretary's own organisations
        east1 = alpha.nodes["east1"]
        choices = {"column_0": "name", "column_1": "sex", "column_2": "phone"}
        response = client.post(location, {**choices, "node": east1.pk})
        page = client.get(response["Location"]).content.decode()
        assert "All 2 rows are ready to import." in page and "Every row belongs to:</strong> 东一支部" in page
        client.post(location.replace("columns/", "commit/"))
        with schema_context("alpha"):
            imported = Member.objects.filter(name__in=["王建国", "李秀英"])
            assert set(imported.values_list("node", flat=True)) == {east1.pk}

    def test_outside_the_secretarys_organisations_or_beside_a_column_it_is_refused(self, in_alpha):
        batch = stage_import(in_alpha.secretary, self.ROSTER, "members")
        choices = {"姓名": "name", "性别": "sex", "联系电话": "phone"}
        with pytest.raises(PermissionDenied):
            choose_columns(in_alpha.secretary, batch, choices, node=in_alpha.nodes["west1"])
        with_column = stage_import(in_alpha.admin, xlsx_file(["姓名", "性别", "支部"], [["王建国", "男", "东一支部"]]),
                                   "members")
        with pytest.raises(ValidationError) as refused:
            choose_columns(in_alpha.admin, with_column, {"姓名": "name", "性别": "sex", "支部": "node"},
                           node=in_alpha.nodes["east1"])
        assert "支部" in refused.value.message_dict
        with pytest.raises(ValidationError):
            preview_import(in_alpha.admin, self.ROSTER, "hardship", node=in_alpha.nodes["east1"])


def test_a_remembered_column_can_be_forgotten(alpha):
    with schema_context("alpha"):
        ExtraField.objects.create(key="remark", label="说明", kind="text")
        batch = stage_import(alpha.admin, xlsx_file(ROSTER_HEADER, ROSTER), "members")
        choices = {column["column"]: column["field"] or "" for column in batch.report["columns"]}
        choose_columns(alpha.admin, batch, {**choices, "备注": "extra.remark"})
        mapping = ColumnMapping.objects.get(header="备注")
    secretary = logged_in(alpha, alpha.secretary)
    listed = secretary.get("/imports/").content.decode().split('id="remembered-columns"')[1].split("</section>")[0]
    assert f'id="remembered-{mapping.pk}"' in listed and "备注" in listed and "说明" in listed
    assert "身份证号" in listed and "Not imported" in listed and "Forget" not in listed  # the unit's admins do
    assert secretary.post(f"/imports/remembered/{mapping.pk}/forget/").status_code == 403
    client = logged_in(alpha)
    response = client.post(f"/imports/remembered/{mapping.pk}/forget/")
    assert response["Location"] == "/imports/#remembered-columns"
    with schema_context("alpha"):
        assert not ColumnMapping.objects.filter(pk=mapping.pk).exists()
        event = AuditEvent.objects.get(action="imports.column.forgotten")
        assert event.actor == alpha.admin and event.changes == {"header": ["备注", None], "field": ["说明", None]}
        again = preview_import(alpha.admin, xlsx_file(ROSTER_HEADER, ROSTER), "members")
        assert columns_of(again)["备注"] == (None, "unknown")
    assert logged_in(alpha, alpha.viewer).get("/imports/").content.decode().count('id="remembered-') == 0
