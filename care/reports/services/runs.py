"""Asking for reports and rendering them. Requests run in one transaction with their audit record, and the
rendering task (`render_report`, below) is sent only once it committed; it calls `render_run`.

The task is defined here, next to what it runs, as pretix defines its tasks in its services: this module sends
it, and care.reports.tasks (which Celery's worker discovers) only names it, so neither imports the other.

Anyone with a scope may ask for a report of an organisation within it (a report shows nothing its reader could
not already see); who sees a run afterwards: care.reports.access."""

import datetime
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from care.registers import access
from care.reports.actions import RUN_DOWNLOADED, RUN_REQUESTED
from care.reports.models import ReportKind, ReportRun, RunStatus
from care.reports.services import periods
from care.reports.services.render import render
from carehub.audit.services import record
from carehub.celery import app
from carehub.clock import unit_today, unit_zone
from carehub.pdf import PdfError
from carehub.tasks import UnitTask

logger = logging.getLogger(__name__)

# Kinds whose figures depend on the sensitive hardship categories (the categories are listed or counted).
SENSITIVE_KINDS = {ReportKind.FUND, ReportKind.COVERAGE, ReportKind.LEDGER}
MAX_WAITING_PER_USER = 5
# A run marked "rendering" for longer than this was abandoned by a worker that died; another may take it over.
RENDER_TIME_LIMIT = datetime.timedelta(minutes=6)

# Worker limits of `render_report` (see care.reports.tasks for sizing the workers).
TIME_LIMIT = int(RENDER_TIME_LIMIT.total_seconds())
SOFT_TIME_LIMIT = TIME_LIMIT - 60
RETRIES = 2


def _node_for(actor, node):
    path = access.root_path(actor)
    if path is None:
        raise PermissionDenied(_("You may not see any organisation."))
    if node is None:
        return access.scope_of(actor).node if path else None
    if not node.path.startswith(path):
        raise ValidationError({"node": _("Choose an organisation within yours.")})
    return node


def request_report(actor, *, kind: str, period: str, year=None, number=None, starts_on=None, ends_on=None,
                   node=None) -> ReportRun:
    """Queue a report of `node`'s subtree (default: the actor's whole scope) for a period."""
    node = _node_for(actor, node)
    if kind not in ReportKind.values:
        raise ValidationError({"kind": _("Choose a report.")})
    chosen = periods.parse(period, year=year, number=number, starts_on=starts_on, ends_on=ends_on)
    if chosen.starts_on > unit_today():
        raise ValidationError({"period": _("This period has not begun.")})
    waiting = ReportRun.objects.filter(requested_by=actor, status__in=[RunStatus.QUEUED, RunStatus.RENDERING])
    if waiting.count() >= MAX_WAITING_PER_USER:
        raise ValidationError(_("You already have %(count)s reports on the way; wait for them to finish.")
                              % {"count": MAX_WAITING_PER_USER})
    params = {"period": chosen.kind, "starts_on": chosen.starts_on.isoformat(), "ends_on": chosen.ends_on.isoformat(),
              "label": chosen.label, "language": translation.get_language(), "time_zone": unit_zone().key}
    with transaction.atomic():
        run = ReportRun.objects.create(kind=kind, node=node, params=params, requested_by=actor,
                                       sensitive=kind in SENSITIVE_KINDS and access.can_see_sensitive(actor))
        record(actor, RUN_REQUESTED, run, {"report": [None, f"{kind} {params['starts_on']}..{params['ends_on']}"]},
               object_type="report")
        render_report.delay_on_commit(run.pk)
    return run


def _claim(run_id: int) -> ReportRun | None:
    """Mark the run as rendering, unless it is done or another worker is rendering it right now."""
    with transaction.atomic():
        run = (ReportRun.objects.select_for_update(of=("self",)).select_related("node", "requested_by")
               .filter(pk=run_id).first())
        if run is None or run.status == RunStatus.DONE:
            return None
        now = timezone.now()
        if run.status == RunStatus.RENDERING and run.started_at and now - run.started_at < RENDER_TIME_LIMIT:
            return None
        run.status, run.started_at, run.error = RunStatus.RENDERING, now, ""
        run.attempts += 1
        run.save(update_fields=["status", "started_at", "error", "attempts"])
    return run


def _finish(run: ReportRun, status: str, **fields) -> None:
    fields.update(status=status, finished_at=timezone.now())
    ReportRun.objects.filter(pk=run.pk).update(**fields)


def fail(run: ReportRun, message: str) -> None:
    _finish(run, RunStatus.FAILED, error=message)


def render_run(run_id: int, *, may_retry: bool = False) -> str | None:
    """Render a queued run; returns its new status (None: nothing to do). A retryable failure with `may_retry`
    puts the run back in the queue and raises, so the task tries again later."""
    run = _claim(run_id)
    if run is None:
        return None
    try:
        fields = render(run)
    except SoftTimeLimitExceeded:
        fail(run, _("Rendering took too long. Choose a shorter period or a smaller organisation."))
        return RunStatus.FAILED
    except PdfError as exc:
        if exc.retryable and may_retry:
            ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
            raise
        fail(run, str(exc))
        return RunStatus.FAILED
    except Exception as exc:
        logger.exception("report %s failed", run.pk)
        fail(run, _("Rendering failed (%(error)s).") % {"error": type(exc).__name__})
        return RunStatus.FAILED
    totals = {key: str(value) for key, value in fields.pop("totals").items()}
    _finish(run, RunStatus.DONE, totals=totals, **fields)
    return RunStatus.DONE


# Named as before it moved here, so that messages queued by the previous release still find it; the "care.reports."
# prefix sends it to the reports queue (carehub.celery).
@app.task(base=UnitTask, bind=True, name="care.reports.tasks.render_report", soft_time_limit=SOFT_TIME_LIMIT,
          time_limit=TIME_LIMIT, max_retries=RETRIES)
def render_report(self, run_id: int):
    try:
        status = render_run(run_id, may_retry=self.request.retries < RETRIES)
    except PdfError as exc:  # retryable, and tries are left
        raise self.retry(exc=exc, countdown=30 * (self.request.retries + 1)) from exc
    return {"unit": connection.schema_name, "run": run_id, "status": status}


FORMATS = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def open_file(actor, run: ReportRun, fmt: str):
    """The stored PDF or workbook of a finished run, for `actor` who may see the run; the download is audited
    (reports may hold sensitive details). Returns (file handle, file name), or None when there is no file."""
    field = getattr(run, fmt, None) if fmt in FORMATS else None
    if run.status != RunStatus.DONE or not field:
        return None
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        return None
    record(actor, RUN_DOWNLOADED, run, {"format": [None, fmt]}, object_type="report")
    return handle, field.name.rsplit("/", 1)[-1]
