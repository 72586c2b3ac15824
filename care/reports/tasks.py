"""The rendering worker's task, `render_report`, defined with what it runs in care.reports.services.runs (which
sends it) and named here for Celery's discovery of each app's tasks. Task names starting with "care.reports." go
to the "reports" queue (carehub.celery), so report workers can be sized and recycled on their own.

Limits (SOFT_TIME_LIMIT and TIME_LIMIT there): a render gets the soft limit's seconds (then the run is marked
failed with a reason) and is killed at the hard one. WeasyPrint's memory grows with the document and Python
rarely returns it to the system, so run report workers with a memory ceiling after which the process is replaced
between tasks:

    celery -A carehub worker -Q reports --concurrency 1 --max-memory-per-child 700000 --max-tasks-per-child 50

(--max-memory-per-child is in KiB: about 700 MB, a little above the peak of the largest benchmark report; see
bench/reports.py.)"""

from care.reports.services.runs import render_report

__all__ = ["render_report"]
