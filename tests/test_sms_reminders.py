"""Reminders to staff by SMS: the morning digest of due and overdue care tasks (content, once a day, the daily
cap, digest time) and the immediate SMS when a life-event task is assigned, queued in the same transaction."""

import datetime
import importlib
import json
import pkgutil
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import notifications
from care.programme.models import CareTask, TaskStatus
from care.programme.services import events, pairing, runs, tasks
from care.registers.services import members
from carehub.celery import app
from carehub.clock import unit_today, unit_zone
from notifications.models import Category, Message, Status
from notifications.services import outbox, reminders
from notifications.services.settings import update_settings

from .conftest import Staff

PHONE = "+8613900000001"
PARTNER_PHONE = "+8613900000002"
TODAY = datetime.date.today()


def days(n: int) -> datetime.date:
    return unit_today() + datetime.timedelta(days=n)


def hospitalised(staff: Staff, name: str, ago: int, node: str = "east1") -> CareTask:
    """A member in hospital since `ago` days: the preset's visit is due 3 days after (overdue when ago > 3)."""
    member = members.create_member(staff.admin, node=staff.nodes[node], name=name, sex="m",
                                   birth_date="1950-01-01", phone="+8613700000000")
    event = events.record_life_event(staff.admin, member, kind="hospitalised", occurred_on=days(-ago))
    runs.generate_for_event(event.pk)  # no surrounding commit in a test: run what on_commit would
    return CareTask.objects.get(event=event)


def give_phone(user, phone=PHONE):
    user.phone = phone
    user.save(update_fields=["phone"])


def staff_messages(key_prefix: str):
    return Message.objects.filter(category=Category.STAFF, idempotency_key__startswith=key_prefix)


class TestDigest:
    def test_count_and_the_three_most_urgent(self, in_alpha):
        for name, ago in [("甲", 1), ("乙", 9), ("丙", 5), ("丁", 0)]:
            hospitalised(in_alpha, name, ago)
        give_phone(in_alpha.secretary)
        assert reminders.queue_digests() == 1
        message = Message.objects.get(idempotency_key=f"digest:{in_alpha.secretary.pk}:{unit_today()}")
        assert (message.category, message.to, message.user, message.status) == (
            Category.STAFF, PHONE, in_alpha.secretary, Status.PENDING)
        assert "4" in message.body and in_alpha.unit.name in message.body
        # Most urgent first: the most overdue (乙, due 6 days ago), then 丙, then 甲; 丁 is due last.
        positions = [message.body.index(name) for name in ("乙", "丙", "甲")]
        assert positions == sorted(positions) and "丁" not in message.body
        assert f"{days(-6):%m-%d}" in message.body

    def test_once_a_day_whatever_the_runs(self, in_alpha):
        hospitalised(in_alpha, "甲", 1)
        give_phone(in_alpha.secretary)
        assert reminders.queue_digests() == 1
        assert reminders.queue_digests() == 0
        assert staff_messages("digest:").count() == 1
        assert reminders.queue_digests(today=unit_today() + datetime.timedelta(days=1)) == 1  # the next day

    def test_only_actionable_tasks_of_staff_with_a_phone(self, in_alpha):
        first, snoozed, cancelled = (hospitalised(in_alpha, name, 1) for name in ("甲", "乙", "丙"))
        hospitalised(in_alpha, "丁", 1, node="west1")  # the sibling's: no phone
        tasks.snooze(in_alpha.admin, snoozed, until=days(5), reason="家属要求")
        tasks.cancel(in_alpha.admin, cancelled, reason="已出院")
        give_phone(in_alpha.secretary)
        reminders.queue_digests()
        [message] = staff_messages("digest:")
        assert "甲" in message.body and "乙" not in message.body and "丙" not in message.body
        assert message.user == in_alpha.secretary

    def test_escalated_tasks_reach_the_one_they_were_escalated_to(self, in_alpha):
        task = hospitalised(in_alpha, "甲", 9)
        CareTask.objects.filter(pk=task.pk).update(escalated_to=in_alpha.admin, escalated_at=timezone.now())
        give_phone(in_alpha.admin, PARTNER_PHONE)
        reminders.queue_digests()
        assert staff_messages(f"digest:{in_alpha.admin.pk}:").get().to == PARTNER_PHONE
        assert not staff_messages(f"digest:{in_alpha.secretary.pk}:").exists()  # no phone

    def test_inactive_staff_and_invalid_phones_are_skipped(self, in_alpha):
        hospitalised(in_alpha, "甲", 1)
        hospitalised(in_alpha, "乙", 1, node="west1")
        give_phone(in_alpha.secretary, "12345")  # not a phone: the digest is recorded as refused, not lost
        give_phone(in_alpha.sibling)
        in_alpha.sibling.is_active = False
        in_alpha.sibling.save(update_fields=["is_active"])
        reminders.queue_digests()
        [refused] = staff_messages("digest:")
        assert (refused.user, refused.status, refused.error_code) == (in_alpha.secretary, Status.CANCELLED,
                                                                      "invalid-number")

    def test_the_daily_cap_moves_the_digest_to_the_next_day(self, in_alpha):
        hospitalised(in_alpha, "甲", 1)
        give_phone(in_alpha.secretary)
        update_settings(in_alpha.admin, send_from="00:00", send_until="23:59", daily_cap_per_recipient=1)
        outbox.queue(None, key="other:1", category=Category.STAFF, to=PHONE, body="x")
        reminders.queue_digests()
        message = staff_messages("digest:").get()
        assert message.not_before.astimezone(unit_zone()).date() == unit_today() + datetime.timedelta(days=1)

    def test_text_in_the_units_language_from_its_own_template(self, in_alpha):
        from notifications.services.templates import save_template

        hospitalised(in_alpha, "甲", 1)
        give_phone(in_alpha.secretary)
        save_template(in_alpha.admin, key="staff_digest", language=in_alpha.unit.language, category="staff",
                      body="待办{count}项：{tasks}")
        reminders.queue_digests()
        assert staff_messages("digest:").get().body.startswith("待办1项：甲")


class TestDigestTime:
    @pytest.mark.parametrize("local, due", [("08:59", False), ("09:00", True), ("11:30", True), ("12:00", False),
                                            ("21:00", False)])
    def test_the_first_hours_of_the_sending_window(self, in_alpha, local, due):
        moment = datetime.datetime.combine(TODAY, datetime.time.fromisoformat(local), tzinfo=unit_zone())
        assert reminders.digest_due_now(moment) is due

    def test_the_unit_task_queues_at_digest_time_only(self, in_alpha):
        hospitalised(in_alpha, "甲", 1)
        give_phone(in_alpha.secretary)
        local = timezone.now().astimezone(unit_zone())
        later = (local + datetime.timedelta(hours=4)).time().replace(second=0, microsecond=0)
        update_settings(in_alpha.admin, send_from=later, send_until=local.time().replace(second=0, microsecond=0))
        assert reminders.daily_digests.apply().get()["queued"] == 0
        start = local.time().replace(second=0, microsecond=0)
        update_settings(in_alpha.admin, send_from=start, send_until=later)
        assert reminders.daily_digests.apply().get() == {"unit": "alpha", "queued": 1}

    def test_scheduled_hourly_on_the_sms_queue(self):
        entry = settings.CELERY_BEAT_SCHEDULE["sms-staff-digests"]
        assert entry["task"] == reminders.fan_out_digests.name == "notifications.services.reminders.fan_out_digests"
        from carehub.celery import route_by_app

        assert route_by_app(reminders.daily_digests.name, (), {}, {}) == {"queue": "sms"}


class TestAssignment:
    def test_a_life_event_task_is_announced_at_once(self, in_alpha):
        give_phone(in_alpha.secretary)
        task = hospitalised(in_alpha, "甲", 0)
        message = Message.objects.get(idempotency_key=f"assigned:{task.pk}:{in_alpha.secretary.pk}")
        assert (message.to, message.category, message.user) == (PHONE, Category.STAFF, in_alpha.secretary)
        assert "甲" in message.body and f"{task.due_on:%m-%d}" in message.body
        runs.generate_for_event(task.event_id)  # a rerun announces nothing twice
        assert staff_messages("assigned:").count() == 1

    def test_a_rolled_back_event_queues_nothing(self, in_alpha):
        give_phone(in_alpha.secretary)
        with pytest.raises(RuntimeError), transaction.atomic():
            hospitalised(in_alpha, "甲", 0)
            assert staff_messages("assigned:").count() == 1  # queued inside the transaction...
            raise RuntimeError("the assignment fails")
        assert not staff_messages("assigned:").exists()  # ...and gone with it
        assert not CareTask.objects.filter(member__name="甲").exists()

    def test_reassigning_to_a_partner_tells_the_partner(self, in_alpha):
        task = hospitalised(in_alpha, "甲", 0)
        give_phone(in_alpha.admin, PARTNER_PHONE)
        pairing.assign_partner(in_alpha.admin, task.member, in_alpha.admin)
        message = staff_messages(f"assigned:{task.pk}:{in_alpha.admin.pk}").get()
        assert message.to == PARTNER_PHONE

    def test_a_rolled_back_reassignment_queues_nothing(self, in_alpha):
        task = hospitalised(in_alpha, "甲", 0)
        give_phone(in_alpha.admin, PARTNER_PHONE)
        with pytest.raises(RuntimeError), transaction.atomic():
            pairing.assign_partner(in_alpha.admin, task.member, in_alpha.admin)
            raise RuntimeError("rolled back")
        assert not staff_messages("assigned:").exists()

    def test_the_nightly_catch_up_announces_what_it_creates_once(self, in_alpha):
        """The event's own run was lost (its on-commit hook never ran): the daily run creates the task and
        announces it in its transaction; later runs and a late event run announce nothing more."""
        give_phone(in_alpha.secretary)
        member = members.create_member(in_alpha.admin, node=in_alpha.nodes["east1"], name="甲", sex="m",
                                       birth_date="1950-01-01")
        event = events.record_life_event(in_alpha.admin, member, kind="hospitalised", occurred_on=days(-1))
        assert not CareTask.objects.filter(event=event).exists()  # on commit, which a test never reaches
        with pytest.raises(RuntimeError), transaction.atomic():
            runs.run_daily()
            assert staff_messages("assigned:").count() == 1
            raise RuntimeError("the nightly run fails later")
        assert not staff_messages("assigned:").exists()  # the same transaction as the task
        runs.run_daily()
        task = CareTask.objects.get(event=event)
        assert staff_messages("assigned:").get().idempotency_key == f"assigned:{task.pk}:{in_alpha.secretary.pk}"
        runs.run_daily()
        runs.generate_for_event(event.pk)
        assert staff_messages("assigned:").count() == 1

    def test_bulk_rules_announce_nothing_and_do_no_per_task_work(self, in_alpha):
        give_phone(in_alpha.secretary)
        for index in range(3):
            members.create_member(in_alpha.admin, node=in_alpha.nodes["east1"], name=f"成员{index}", sex="f",
                                  birth_date="1950-01-01", joined_on="2000-01-01")
        with CaptureQueriesContext(connection) as captured:
            outcome = runs.generate(None, horizon=366)
        assert outcome.tasks > 0 and outcome.event_tasks == []
        assert not staff_messages("assigned:").exists()
        assert not [query for query in captured if Message._meta.db_table in query["sql"]]

    def test_only_open_life_event_tasks_are_announced(self, in_alpha):
        task = hospitalised(in_alpha, "甲", 0)
        tasks.cancel(in_alpha.admin, task, reason="已出院")
        give_phone(in_alpha.admin, PARTNER_PHONE)
        pairing.assign_partner(in_alpha.admin, task.member, in_alpha.admin)
        assert not staff_messages("assigned:").exists()
        assert CareTask.objects.get(pk=task.pk).status == TaskStatus.CANCELLED


def test_a_fresh_worker_registers_every_sms_task():
    """What `celery -A carehub inspect registered` shows of a worker that just started: every notifications.*
    task, found by autodiscovery alone (a fresh process; here every module of the package is imported)."""
    for module in pkgutil.walk_packages(notifications.__path__, "notifications."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    defined = sorted(name for name in app.tasks if name.startswith("notifications."))
    assert {"notifications.services.reminders.daily_digests", "notifications.services.relay.relay_unit",
            "notifications.tasks.greet_and_relay"} <= set(defined)
    script = ("import json; from carehub.celery import app; import django; django.setup(); "
              "app.loader.import_default_modules(); "  # what a worker does at start: autodiscovery
              "print(json.dumps(sorted(name for name in app.tasks if name.startswith('notifications.'))))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == defined
