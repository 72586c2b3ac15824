"""A real Celery worker for tests: a thread consuming a queue of its own, so parallel test processes never take
each other's tasks. Import the `worker` fixture into a test module to use it."""

import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from carehub.celery import app


def use_result_backend(url):
    """Switch the result backend. Celery caches the backend object (per thread, or app-wide when thread-safe),
    so a module that ran before with results disabled would otherwise leave it disabled."""
    app.conf.update(result_backend=url, task_ignore_result=url is None)
    app._backend_cache = None
    vars(app._local).pop("backend", None)
    # A task copies task_ignore_result when it is first bound, so one bound earlier in this process keeps
    # the old value: set it on every task of ours.
    for name, task in app.tasks.items():
        if not name.startswith("celery."):
            task.ignore_result = url is None


def private_queues(queue):
    """Send every kind of task (default, sms, reports) to `queue`; returns a function that undoes it."""
    kinds = dict(app.conf.carehub_queues)
    app.conf.update(task_default_queue=queue, carehub_queues={kind: queue for kind in kinds})

    def restore():
        app.conf.update(task_default_queue="celery", carehub_queues=kinds)

    return restore


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    restore = private_queues(queue)
    use_result_backend(settings.REDIS_URL)
    with django_db_blocker.unblock(), start_worker(app, queues=[queue], perform_ping_check=False,
                                                   concurrency=1, pool="solo", loglevel="WARNING"):
        yield queue
    restore()
    use_result_backend(None)
