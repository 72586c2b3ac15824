"""Reports through the API and the portal: asking, following the status, downloading; scoping by role (a
secretary sees her subtree only, viewers read, sensitive runs only for those allowed) and by unit (beta and
outsiders get 404/401, never data)."""

import io

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from care.reports.models import ReportKind, ReportRun, RunStatus
from care.reports.services.runs import render_run, request_report
from carehub.audit.models import AuditEvent

from .api_data import V1, anonymous_api, assert_error, session_api, token_api, token_for
from .conftest import logged_in
from .fund_data import make_books_for_requests

R = f"{V1}/reports/runs"
YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def report_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def books(alpha):
    return make_books_for_requests(alpha)


def ask(client, **body):
    return client.post(f"{R}/", {"kind": "fund", "period": "year", "year": YEAR, **body})


def rendered(staff, run_id):
    with schema_context(staff.unit.schema_name):
        assert render_run(run_id) == RunStatus.DONE
    connection.set_schema_to_public()


def test_ask_follow_and_download_through_the_api(books):
    staff = books.staff
    api = session_api(staff)
    response = ask(api)
    assert response.status_code == 202, response.content
    run = response.json()
    assert run["status"] == "queued" and run["downloads"] == {} and run["requested_by"] == staff.admin.full_name
    assert run["period"] == {"kind": "year", "starts_on": f"{YEAR}-01-01", "ends_on": f"{YEAR}-12-31",
                             "label": f"Year {YEAR}"}
    assert api.get(f"{R}/{run['id']}/download/pdf/").status_code == 404  # not rendered yet
    rendered(staff, run["id"])
    detail = api.get(f"{R}/{run['id']}/").json()
    assert detail["status"] == "done" and detail["pages"] >= 2 and detail["totals"]["income"] == "3000.00"
    pdf = api.get(detail["downloads"]["pdf"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = api.get(detail["downloads"]["xlsx"])
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert any(name.startswith("Ledger") for name in book.sheetnames)
    with schema_context("alpha"):
        assert AuditEvent.objects.filter(object_type="report", action="reports.run.requested").exists()
        assert AuditEvent.objects.filter(object_type="report", action="reports.run.downloaded").count() == 2


def test_bad_requests_use_the_error_format(books):
    api = session_api(books.staff)
    assert_error(ask(api, kind="gossip"), 400, "invalid")
    error = assert_error(ask(api, period="month", number=13), 400)
    assert "number" in error["fields"]
    error = assert_error(ask(api, period="custom", starts_on="2025-05-01", ends_on="2025-04-01"), 400)
    assert "ends_on" in error["fields"]
    assert_error(ask(api, year=YEAR + 1), 400)  # a period that has not begun


def test_secretary_sees_only_her_subtree(books):
    staff = books.staff
    secretary = session_api(staff, staff.secretary)
    east = ask(secretary).json()
    assert east["node"]["id"] == staff.nodes["east"].pk  # default: her scope, not the whole unit
    # Another organisation's id reads as "does not exist".
    error = assert_error(ask(secretary, node=staff.nodes["west"].pk), 400)
    assert "node" in error["fields"]
    admin_run = ask(session_api(staff)).json()  # the whole unit
    sibling = session_api(staff, staff.sibling)
    assert [run["id"] for run in secretary.get(f"{R}/").json()["results"]] == [east["id"]]
    assert sibling.get(f"{R}/").json()["results"] == []
    assert_error(sibling.get(f"{R}/{east['id']}/"), 404)
    assert_error(secretary.get(f"{R}/{admin_run['id']}/"), 404)
    rendered(staff, east["id"])
    assert sibling.get(f"{R}/{east['id']}/download/pdf/").status_code == 404


def test_viewers_read_and_sensitive_runs_stay_with_those_allowed(books):
    staff = books.staff
    with schema_context("alpha"):
        sensitive = request_report(staff.admin, kind=ReportKind.LEDGER, period="year", year=YEAR)
        plain = request_report(staff.admin, kind=ReportKind.VISITS, period="year", year=YEAR)
    connection.set_schema_to_public()
    assert sensitive.sensitive and not plain.sensitive
    rendered(staff, plain.pk)
    viewer = session_api(staff, staff.viewer)
    assert [run["id"] for run in viewer.get(f"{R}/").json()["results"]] == [plain.pk]
    assert viewer.get(f"{R}/{plain.pk}/download/pdf/").status_code == 200
    assert_error(viewer.get(f"{R}/{sensitive.pk}/"), 404)
    allowed = session_api(staff, staff.sensitive_viewer)
    assert {run["id"] for run in allowed.get(f"{R}/").json()["results"]} == {plain.pk, sensitive.pk}
    # Viewers may ask for reports too: printing is reading.
    assert ask(viewer, kind="visits").status_code == 202


def test_another_unit_and_outsiders_get_nothing(books, beta):
    staff = books.staff
    run = ask(session_api(staff)).json()
    rendered(staff, run["id"])
    outsider = session_api(beta)
    assert_error(outsider.get(f"{R}/{run['id']}/"), 404)
    assert outsider.get(f"{R}/{run['id']}/download/pdf/").status_code == 404
    assert outsider.get(f"{R}/").json()["results"] == []
    # alpha's token at beta's host means nothing there.
    assert_error(token_api(staff, token_for(staff, staff.admin), host=beta.host).get(f"{R}/"), 401)
    assert_error(anonymous_api(staff).get(f"{R}/{run['id']}/"), 401)
    assert anonymous_api(staff).client.get(f"/reports/{run['id']}/pdf/").status_code == 302  # to the login


def test_portal_page_asks_polls_and_downloads(books):
    staff = books.staff
    client = logged_in(staff, staff.secretary)
    page = client.get("/reports/")
    assert page.status_code == 200 and b"report-form" in page.content
    response = client.post("/reports/", {"kind": "visits", "node": staff.nodes["east"].pk, "period": "quarter",
                                         "year": YEAR, "number": 1})
    assert response.status_code == 302
    with schema_context("alpha"):
        run = ReportRun.objects.get()
    connection.set_schema_to_public()
    row = client.get(f"/reports/{run.pk}/")
    assert b'hx-trigger="every 2s"' in row.content  # still queued: the row keeps polling
    rendered(staff, run.pk)
    row = client.get(f"/reports/{run.pk}/")
    assert b"hx-trigger" not in row.content and b"download-pdf" in row.content
    assert client.get(f"/reports/{run.pk}/pdf/")["Content-Type"] == "application/pdf"
    assert client.get(f"/reports/{run.pk}/exe/").status_code == 404
    listing = client.get("/reports/").content.decode()
    assert "secretary" in listing  # who asked
    # Out of scope: the west organisation is not even offered, and a forged id is refused.
    assert client.post("/reports/", {"kind": "visits", "node": staff.nodes["west"].pk, "period": "year",
                                     "year": YEAR}).status_code == 200
    assert logged_in(staff, staff.sibling).get(f"/reports/{run.pk}/").status_code == 404


def test_dashboard_draws_its_charts(books):
    page = logged_in(books.staff).get("/").content.decode()
    assert 'id="tile-visits-chart"' in page and 'id="tile-balance-chart"' in page
    assert page.count("<svg") >= 2
