"""Tasks through the real Redis broker and a real worker: each runs in the unit it was sent from."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from carehub.accounts import tasks as account_tasks
from carehub.accounts.models import User
from carehub.tasks import PublicSchemaError, for_each_active_unit
from tenants.models import UnitEvent
from tenants.services.onboarding import change_status

from . import tasks


def run_in(schema, task, *args):
    with schema_context(schema):
        return task.delay(*args).get(timeout=20)


def test_task_runs_in_the_unit_it_was_sent_from(worker, alpha, beta):
    alpha_run, beta_run = run_in("alpha", tasks.whoami), run_in("beta", tasks.whoami)
    assert alpha_run["schema"] == "alpha" and beta_run["schema"] == "beta"
    assert all(email.endswith("@alpha.test") for email in alpha_run["emails"])
    assert all(email.endswith("@beta.test") for email in beta_run["emails"])
    assert "admin@alpha.test" in alpha_run["emails"] and "admin@beta.test" in beta_run["emails"]


def test_task_refuses_to_run_in_the_public_schema(worker, db):
    connection.set_schema_to_public()
    with pytest.raises(PublicSchemaError):
        tasks.whoami.delay().get(timeout=20)


def test_ids_are_resolved_in_the_sending_unit_only(worker, alpha, beta):
    with schema_context("alpha"):
        alpha_admin_id = User.objects.get(email="admin@alpha.test").pk
    assert run_in("alpha", tasks.fetch_user, alpha_admin_id) == "admin@alpha.test"
    # The same number sent from beta means beta's row (or nothing), never alpha's.
    assert not (run_in("beta", tasks.fetch_user, alpha_admin_id) or "").endswith("@alpha.test")
    assert run_in("beta", tasks.fetch_user, 10**9) is None


def test_fan_out_reaches_each_active_unit_once(worker, alpha, beta):
    results = [result.get(timeout=20) for result in for_each_active_unit(tasks.whoami)]
    assert sorted(r["schema"] for r in results) == ["alpha", "beta"]


def test_fan_out_skips_suspended_units(worker, alpha, beta):
    change_status(None, beta.unit, UnitEvent.Action.SUSPENDED)
    results = [result.get(timeout=20) for result in for_each_active_unit(tasks.whoami)]
    assert [r["schema"] for r in results] == ["alpha"]


def test_housekeeping_purges_only_its_own_unit(alpha, beta):
    past = timezone.now() - timedelta(days=1)
    for schema in ("alpha", "beta"):
        with schema_context(schema):
            store = SessionStore()
            store.create()
            Session.objects.filter(session_key=store.session_key).update(expire_date=past)
    with schema_context("alpha"):
        outcome = account_tasks.purge_expired.apply().get()
        assert outcome["sessions"] == 1
        assert not Session.objects.filter(expire_date__lt=timezone.now()).exists()
    with schema_context("beta"):
        assert Session.objects.filter(expire_date__lt=timezone.now()).count() == 1


def test_unit_tasks_run_in_the_units_zone_and_language_as_a_task(alpha):
    # Run in this process (the unit's new zone is not committed for a worker to see), through the same __call__.
    type(alpha.unit).objects.filter(pk=alpha.unit.pk).update(time_zone="Asia/Urumqi", language="en")
    with schema_context("alpha"):
        seen = tasks.surroundings.apply().get()
    assert seen == {"zone": "Asia/Urumqi", "language": "en", "source": "task"}


def test_delay_on_commit_sends_to_the_unit_of_the_moment_of_asking(worker, alpha, beta, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    sent = []
    original = tasks.whoami.apply_async
    monkeypatch.setattr(tasks.whoami, "apply_async", lambda *a, **kw: sent.append(original(*a, **kw)))
    with django_capture_on_commit_callbacks(execute=True):
        with schema_context("beta"):
            tasks.whoami.delay_on_commit()  # asked for inside beta...
        assert sent == []  # ...nothing leaves before the commit...
    # ...and the commit, outside beta's schema, still sends it to beta.
    assert [result.get(timeout=20)["schema"] for result in sent] == ["beta"]
