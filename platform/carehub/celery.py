"""The Celery app: shared workers for every unit, Redis broker, the unit carried in message headers.

tenant-schemas-celery adds the current schema to each message's headers when it is sent and switches the
worker's database connection to that schema before the task runs.
"""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehub.settings")

app = CeleryApp("carehub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    # A task is acknowledged only after it finished, so a worker that dies mid-task (OOM, deploy, node loss)
    # leaves it on the queue for another worker. Tasks must therefore be idempotent.
    task_acks_late=True,
    # With acks_late, a task whose worker process was killed is requeued rather than marked failed.
    task_reject_on_worker_lost=True,
    # One message at a time per process: long report or SMS batches must not hold others hostage.
    worker_prefetch_multiplier=1,
    broker_transport_options={
        # Redis redelivers an unacknowledged message after this long. It must exceed the longest task run
        # and the longest countdown/ETA we use, or a slow task would run twice. One hour covers both.
        "visibility_timeout": 3600,
    },
    # The tenant model rarely changes; cache the schema lookup for a minute per worker.
    task_tenant_cache_seconds=60,
    worker_hijack_root_logger=False,
)
app.autodiscover_tasks()

# Task name prefix -> kind of queue. SMS and report rendering get workers of their own; the rest goes to the
# default queue. `carehub_queues` maps each kind to a queue name (tests point them all at a private queue).
QUEUE_KINDS = {"notifications.": "sms", "care.reports.": "reports", "billing.services.documents.": "reports"}
app.conf.carehub_queues = {"sms": "sms", "reports": "reports"}


def route_by_app(name, args, kwargs, options, task=None, **kw):
    for prefix, kind in QUEUE_KINDS.items():
        if name.startswith(prefix):
            return {"queue": app.conf.carehub_queues[kind]}
    return None
