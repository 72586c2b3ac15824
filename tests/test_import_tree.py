"""The organisation tree from a file: by path or by name and parent, the dry run (what will be added, what is
there already, errors per row), the all-or-nothing commit through the register's node service, who may add
what, the API and the portal pages.

alpha's tree (tests/conftest.py): Alpha 区委 ─┬─ 东区总支 ─┬─ 东一支部
                                              │           └─ 东二支部
                                              └─ 西区总支 ─── 西一支部
"""

import csv
import io

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import translation
from django_tenants.utils import schema_context

from care.imports.services.imports import commit_import, preview_import
from care.registers.models import ImportBatch, Node, NodeKind
from care.registers.services import nodes
from carehub.audit.models import AuditEvent

from .conftest import logged_in as logged_in_any_language


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def csv_file(header, rows) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows([header, *rows])
    return text.getvalue().encode("utf-8-sig")


def xlsx_file(header, rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in [header, *rows]:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def outcomes(report) -> dict:
    """{row: (result, errors)}"""
    return {row["row"]: (row["result"], {error["column"]: error["message"] for error in row["errors"]})
            for row in report.as_dict()["rows"]}


def node(*chain) -> Node:
    """The node at the end of `chain`, found from the top."""
    found = Node.objects.get(name=chain[0], parent=None)
    for name in chain[1:]:
        found = found.children.get(name=name)
    return found


PATHS = ["组织路径", "类型", "书记", "联系电话"]


class TestByPath:
    def test_dry_run_then_commit(self, in_alpha):
        rows = [["Alpha 区委/东区总支/东三支部", "", "赵书记", "13800138000"],
                ["Alpha 区委 > 北区总支 > 北一支部", "党支部", "", ""],  # 北区总支 is added with it
                ["Alpha 区委/东区总支/东一支部", "", "", ""],  # already there
                ["东区总支／东三支部／老干部小组", "其他", "", ""],  # below a node this file adds, by its last names
                ["Alpha 区委－北区总支－北二支部", "", "", ""]]
        content = xlsx_file(PATHS, rows)
        before = Node.objects.count()
        report = preview_import(in_alpha.admin, content, "tree")
        assert report.ok, report.as_dict()
        assert Node.objects.count() == before  # a dry run writes nothing
        assert {row: result for row, (result, _errors) in outcomes(report).items()} == {
            2: "create", 3: "create", 4: "exists", 5: "create", 6: "create"}
        assert report.planned == 5  # 东三支部, 北区总支, 北一支部, 老干部小组, 北二支部
        notes = {row.row: row.note for row in report.rows}
        assert notes[3] == "Branch · also adds 北区总支" and notes[2] == "Branch"
        assert notes[4] == "Already in the register; left as it is."

        report = commit_import(in_alpha.admin, content, "tree", filename="tree.xlsx")
        assert report.committed and report.created == 5
        east3 = node("Alpha 区委", "东区总支", "东三支部")
        assert (east3.kind, east3.secretary, east3.contact) == (NodeKind.BRANCH, "赵书记", "13800138000")
        assert east3.path == f"{in_alpha.nodes['east'].path}{east3.pk}/" and east3.depth == 2
        north = node("Alpha 区委", "北区总支")
        assert north.kind == NodeKind.GENERAL_BRANCH and north.parent == in_alpha.nodes["root"]
        assert node("Alpha 区委", "北区总支", "北二支部").parent == north
        group = node("Alpha 区委", "东区总支", "东三支部", "老干部小组")
        assert (group.kind, group.depth) == (NodeKind.OTHER, 3)
        created = AuditEvent.objects.filter(action="registers.node.created", source="import")
        assert created.count() == 5
        batch = ImportBatch.objects.get(pk=report.batch)
        assert (batch.kind, batch.created) == ("tree", 5)
        assert AuditEvent.objects.get(action="imports.batch.imported").object_id == str(batch.pk)

    def test_a_later_row_says_what_an_implied_organisation_is(self, in_alpha):
        rows = [["Alpha 区委/南区总支/南一支部", "", "", ""], ["Alpha 区委/南区总支", "党委", "钱书记", ""]]
        report = commit_import(in_alpha.admin, csv_file(PATHS, rows), "tree")
        assert report.committed and report.created == 2
        south = node("Alpha 区委", "南区总支")
        assert (south.kind, south.secretary) == (NodeKind.COMMITTEE, "钱书记")

    def test_a_new_top_level_organisation(self, in_alpha):
        report = commit_import(in_alpha.admin, csv_file(PATHS, [["新区党委/第一党支部", "", "", ""]]), "tree")
        assert report.committed and node("新区党委").kind == NodeKind.COMMITTEE
        assert node("新区党委", "第一党支部").depth == 1


NAMES = ["组织名称", "上级组织", "组织类型", "书记"]


class TestByParent:
    def test_parents_may_come_later_in_the_file(self, in_alpha):
        rows = [["北一支部", "北区总支", "支部", "孙书记"],
                ["北区总支", "Alpha 区委", "党总支", ""],
                ["红旗社区", "东区总支", "", ""],
                ["新区街道", "", "", ""]]
        report = preview_import(in_alpha.admin, csv_file(NAMES, rows), "tree")
        assert report.ok and report.planned == 4, report.as_dict()
        assert commit_import(in_alpha.admin, csv_file(NAMES, rows), "tree").created == 4
        north1 = node("Alpha 区委", "北区总支", "北一支部")
        assert (north1.kind, north1.secretary) == (NodeKind.BRANCH, "孙书记")
        assert node("Alpha 区委", "东区总支", "红旗社区").kind == NodeKind.COMMUNITY
        assert node("新区街道").kind == NodeKind.STREET

    def test_row_errors_and_nothing_is_added(self, in_alpha):
        nodes.create_node(in_alpha.admin, parent=in_alpha.nodes["west"], name="东一支部")  # a twin name
        rows = [["小组甲", "东一支部", "", ""],  # two organisations have this name
                ["小组乙", "北区总支", "", ""],  # nowhere
                ["东三支部", "东区总支", "", ""],
                ["东三支部", "东区总支", "", ""],  # the same again
                ["东四支部", "东区总支", "总部", ""],  # no such kind
                ["", "东区总支", "", ""],
                ["长" * 101, "东区总支", "", ""],
                ["东二支部", "东区总支", "", ""]]  # there already: not an error
        before = Node.objects.count()
        report = commit_import(in_alpha.admin, csv_file(NAMES, rows), "tree")
        assert not report.committed and Node.objects.count() == before
        errors = {row: errors for row, (_result, errors) in outcomes(report).items() if errors}
        assert errors[2]["上级组织"].startswith("“东一支部” names 2 organisations; write its path, such as Alpha 区委/")
        assert errors[3] == {"上级组织": "No organisation “北区总支”, in the register or in this file."}
        assert errors[5] == {"组织名称": "Same organisation as row 4."}
        assert errors[6]["组织类型"].startswith("“总部” is not one of: Committee, General branch, Branch")
        assert "党支部" in errors[6]["组织类型"] and "社区" in errors[6]["组织类型"]
        assert errors[7] == {"组织名称": "This column is required, and the cell is empty."}
        assert errors[8] == {"组织名称": "At most 100 characters."}
        assert set(errors) == {2, 3, 5, 6, 7, 8}
        assert outcomes(report)[9][0] == "exists"

    def test_path_errors(self, in_alpha):
        rows = [["Alpha 区委//东三支部", "", "", ""]]
        report = preview_import(in_alpha.admin, csv_file(PATHS, rows), "tree")
        assert outcomes(report)[2][1] == {
            "组织路径": "“Alpha 区委//东三支部” has an empty name between two separators."}

    @pytest.mark.parametrize("header,problem", [
        (["组织路径", "组织名称"], "either its path, or its name and its parent, not both"),
        (["类型", "书记"], "Columns missing: Path or Organisation name"),
    ])
    def test_columns_that_do_not_go_together(self, in_alpha, header, problem):
        report = preview_import(in_alpha.admin, csv_file(header, [["东三支部", "党支部"]]), "tree")
        assert problem in " ".join(report.problems) and not report.rows


class TestWhoMayAddWhat:
    def test_a_secretary_adds_only_below_their_organisations(self, in_alpha):
        rows = [["东区总支/东三支部", "", "", ""], ["西区总支/西二支部", "", "", ""], ["新区党委", "", "", ""]]
        report = commit_import(in_alpha.secretary, csv_file(PATHS, rows), "tree")
        assert not report.committed
        assert {row: errors for row, (_result, errors) in outcomes(report).items()} == {
            2: {}, 3: {"组织路径": "“西区总支” is outside the organisations you manage."},
            4: {"组织路径": "Only the unit's administrators may add a top-level organisation."}}
        report = commit_import(in_alpha.secretary, csv_file(PATHS, rows[:1]), "tree")
        assert report.committed and node("Alpha 区委", "东区总支", "东三支部")
        assert AuditEvent.objects.get(action="registers.node.created", source="import").actor == in_alpha.secretary

    def test_the_sibling_secretary_cannot_add_in_the_east(self, in_alpha):
        report = preview_import(in_alpha.sibling, csv_file(PATHS, [["东区总支/东三支部", "", "", ""]]), "tree")
        assert outcomes(report)[2][1] == {"组织路径": "“东区总支” is outside the organisations you manage."}

    def test_read_only_roles_cannot_import(self, in_alpha):
        for user in (in_alpha.viewer, in_alpha.sensitive_viewer):
            with pytest.raises(PermissionDenied):
                preview_import(user, csv_file(PATHS, [["东区总支/东三支部", "", "", ""]]), "tree")


def logged_in(staff, user=None):
    client = logged_in_any_language(staff, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def named(content: bytes, name="tree.csv") -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


class TestApi:
    def test_preview_and_commit(self, alpha):
        client = logged_in(alpha)
        content = csv_file(PATHS, [["东区总支/东三支部", "", "", ""], ["东区总支/东一支部", "", "", ""]])
        preview = client.post("/api/v1/imports/preview/", {"kind": "tree", "file": named(content)})
        assert preview.status_code == 200
        body = preview.json()
        assert (body["planned"], body["invalid"]) == (1, 0)
        assert [(row["result"], row["note"]) for row in body["rows"]] == [
            ("create", "Branch"), ("exists", "Already in the register; left as it is.")]
        committed = client.post("/api/v1/imports/commit/", {"kind": "tree", "file": named(content)})
        assert committed.status_code == 201 and committed.json()["created"] == 1
        with schema_context("alpha"):
            assert node("Alpha 区委", "东区总支", "东三支部")

    def test_errors_and_access(self, alpha, beta):
        content = csv_file(PATHS, [["西区总支/西二支部", "", "", ""]])
        response = logged_in(alpha, alpha.secretary).post("/api/v1/imports/commit/",
                                                          {"kind": "tree", "file": named(content)})
        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {
            "rows.2.组织路径": ["“西区总支” is outside the organisations you manage."]}
        viewer = logged_in(alpha, alpha.viewer).post("/api/v1/imports/preview/",
                                                     {"kind": "tree", "file": named(content)})
        assert viewer.status_code == 403
        committed = logged_in(alpha).post("/api/v1/imports/commit/", {"kind": "tree", "file": named(content)})
        assert committed.status_code == 201
        connection.set_schema_to_public()
        assert logged_in(beta).get(f"/api/v1/imports/{committed.json()['batch']}/").status_code == 404
        with schema_context("beta"):
            assert not Node.objects.filter(name="西二支部").exists()


class TestPortal:
    def test_upload_preview_commit(self, alpha):
        client = logged_in(alpha)
        page = client.get("/imports/tree/").content.decode()
        assert 'id="upload-form"' in page and "/imports/sample/tree.xlsx" in page
        assert "/imports/tree/" in client.get("/imports/").content.decode()
        assert "/imports/tree/" in client.get("/registers/tree/").content.decode()
        content = csv_file(NAMES, [["北一支部", "北区总支", "", ""], ["北区总支", "Alpha 区委", "", ""]])
        response = client.post("/imports/tree/", {"file": named(content)})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "2 organisations will be added." in page and "Add 2 organisations" in page
        assert 'action="/imports/tree/"' in page  # a corrected file goes back to the tree's import
        with schema_context("alpha"):
            batch = ImportBatch.objects.get()
            assert batch.kind == "tree" and not Node.objects.filter(name="北区总支").exists()
        page = client.get(client.post(f"/imports/{batch.pk}/commit/")["Location"]).content.decode()
        assert "2 organisations were added." in page and 'href="/registers/tree/"' in page
        with schema_context("alpha"):
            assert node("Alpha 区委", "北区总支", "北一支部")

    def test_nothing_to_add(self, alpha):
        client = logged_in(alpha)
        response = client.post("/imports/tree/", {"file": named(csv_file(PATHS, [["东区总支/东一支部", "", "", ""]]))})
        page = client.get(response["Location"]).content.decode()
        assert "already in the register: there is nothing to add" in page and 'id="commit-form"' not in page

    def test_read_only_roles(self, alpha):
        client = logged_in(alpha, alpha.viewer)
        assert 'id="upload-form"' not in client.get("/imports/tree/").content.decode()
        content = csv_file(PATHS, [["东区总支/东三支部", "", "", ""]])
        assert client.post("/imports/tree/", {"file": named(content)}).status_code == 403
        assert "/imports/tree/" not in client.get("/registers/tree/").content.decode()
