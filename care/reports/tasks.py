"""The rendering worker. Task names starting with "care.reports." go to the "reports" queue (carehub.celery), so
report workers can be sized and recycled on their own.

Limits: a render gets SOFT_TIME_LIMIT seconds (then the run is marked failed with a reason) and is killed at
TIME_LIMIT. WeasyPrint's memory grows with the document and Python rarely returns it to the system, so run
report workers with a memory ceiling after which the process is replaced between tasks:

    celery -A carehub worker -Q reports --concurrency 1 --max-memory-per-child 700000 --max-tasks-per-child 50

(--max-memory-per-child is in KiB: about 700 MB, a little above the peak of the largest benchmark report; see
bench/reports.py.)"""

from django.db import connection

from care.reports.services.runs import RENDER_TIME_LIMIT, render_run
from carehub.audit.models import Source
from carehub.audit.services import source
from carehub.celery import app
from carehub.pdf import PdfError
from carehub.tasks import UnitTask

TIME_LIMIT = int(RENDER_TIME_LIMIT.total_seconds())
SOFT_TIME_LIMIT = TIME_LIMIT - 60
RETRIES = 2


@app.task(base=UnitTask, bind=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT, max_retries=RETRIES)
def render_report(self, run_id: int):
    try:
        with source(Source.TASK):
            status = render_run(run_id, may_retry=self.request.retries < RETRIES)
    except PdfError as exc:  # retryable, and tries are left
        raise self.retry(exc=exc, countdown=30 * (self.request.retries + 1)) from exc
    return {"unit": connection.schema_name, "run": run_id, "status": status}
