"""Rendering through a real Celery worker: the request commits, the task is queued on commit, the worker renders
in the unit's schema and stores the file. The worker sees only committed rows, so the run is committed in another
thread and removed afterwards, audit rows included."""

import io
import time

import pytest
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from care.reports import tasks
from care.reports.models import ReportKind, ReportRun, RunStatus
from care.reports.services import runs
from care.reports.services.runs import request_report
from carehub.celery import app, route_by_app

from .test_programme_workers import in_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed_runs(django_db_setup, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield django_db_setup["alpha"]

    def purge():
        ids = [str(pk) for pk in ReportRun.objects.values_list("pk", flat=True)]
        ReportRun.objects.all().delete()
        with connection.cursor() as cursor:  # the audit trail refuses deletes through the ORM, by design
            cursor.execute("DELETE FROM audit_auditevent WHERE object_type = 'report' AND object_id = ANY(%s)", [ids])

    in_thread(purge)


def wait_for(run_id, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = in_thread(lambda: ReportRun.objects.get(pk=run_id))
        if run.status in (RunStatus.DONE, RunStatus.FAILED):
            return run
        time.sleep(0.5)
    pytest.fail("the report was not rendered in time")


def test_render_tasks_go_to_the_reports_queue_with_time_limits():
    route = route_by_app(tasks.render_report.name, (), {}, {})
    assert route == {"queue": app.conf.carehub_queues["reports"]}
    assert tasks.render_report.name.startswith("care.reports.")
    assert 0 < tasks.render_report.soft_time_limit < tasks.render_report.time_limit


def test_the_render_task_is_sent_once_the_request_commits_to_its_unit(in_alpha, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    """The services send the task they define (care.reports.tasks only names it for the worker's discovery)."""
    assert tasks.render_report is runs.render_report
    sent = []
    monkeypatch.setattr(runs.render_report, "apply_async", lambda args, kwargs, **options: sent.append(
        (args, options["headers"]["_schema_name"])))
    with django_capture_on_commit_callbacks() as callbacks:
        run = request_report(in_alpha.admin, kind=ReportKind.COVERAGE, period="year", year=timezone.localdate().year)
        assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [((run.pk,), "alpha")]


def test_a_request_is_rendered_by_the_worker_in_its_unit(worker, committed_runs):
    alpha = committed_runs
    year = timezone.localdate().year
    run = in_thread(lambda: request_report(alpha.admin, kind=ReportKind.COVERAGE, period="year", year=year))
    run = wait_for(run.pk)
    assert run.status == RunStatus.DONE, run.error
    assert run.pages >= 2 and run.attempts == 1 and set(run.timings) >= {"data", "html", "pdf", "xlsx"}
    with open(run.pdf.path, "rb") as fh:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(fh.read())).pages)
    assert "Alpha 区委" in text
    assert in_thread(lambda: ReportRun.objects.count(), "beta") == 0
    # A redelivered message (acks_late) finds the run done and renders nothing again.
    again = in_thread(lambda: tasks.render_report.apply(args=[run.pk]).get())
    assert again == {"unit": "alpha", "run": run.pk, "status": None}
    assert in_thread(lambda: ReportRun.objects.get(pk=run.pk)).sha256 == run.sha256
