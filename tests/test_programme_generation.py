"""Generating care tasks and greetings: presets, occurrences, audiences, assignees, idempotency enforced by the
database, rule versioning, life events, escalation, and a query count that does not grow with the register."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from care.programme.calendar import lunar_to_solar
from care.programme.models import CareTask, Greeting, ProgrammeSettings, Rule, TaskStatus
from care.programme.presets import preset_rules
from care.programme.services import events, pairing, records, rules, runs
from care.programme.services.tasks import in_state
from care.programme.signals import greetings_due, tasks_assigned
from carehub.audit.models import AuditEvent

from .programme_data import add, make_programme

D = datetime.date


@pytest.fixture
def programme(in_alpha):
    return make_programme(in_alpha)


def run(today, horizon=60, **kwargs):
    return runs.generate(None, today=today, horizon=horizon, **kwargs)


def test_presets_follow_the_kind_of_unit(alpha, beta):
    with schema_context("alpha"):
        keys = set(Rule.objects.values_list("key", flat=True))
        assert keys == set(preset_rules("district"))
        assert {"visit-spring-festival-hardship", "talk-yearly", "review-hardship", "greet-birthday",
                "greet-political-birthday", "death-care", "visit-double-ninth-elderly"} <= keys
    with schema_context("beta"):
        keys = set(Rule.objects.values_list("key", flat=True))
        assert {"visit-teachers-day-retired", "visit-double-ninth-retired", "talk-semester"} <= keys
        assert "talk-yearly" not in keys
        assert Rule.objects.get(key="visit-double-ninth-retired").current.audience == {"statuses": ["retired"]}


def test_spring_festival_visits_reach_hardship_members_on_the_lunar_date(programme):
    run(D(2026, 1, 10))
    rule = programme.rule("visit-spring-festival-hardship")
    tasks = CareTask.objects.filter(rule=rule)
    assert {task.member.name for task in tasks} == {"王老", "吴西"}  # not the deceased nor the moved-out
    task = tasks.get(member=programme.old)
    assert (task.occurs_on, task.opens_on, task.due_on) == (D(2026, 2, 17), D(2026, 1, 27), D(2026, 2, 17))
    assert task.version_id == rule.current_id and task.kind == "visit"


def test_deceased_and_moved_out_members_are_never_in_an_audience(programme):
    run(D(2026, 1, 1), horizon=365)
    gone = [programme.deceased, programme.moved]
    assert not CareTask.objects.filter(member__in=gone).exists()
    assert not Greeting.objects.filter(member__in=gone).exists()
    assert CareTask.objects.filter(member=programme.old).count() > 3


def test_death_care_is_the_exception_and_the_rest_is_cancelled(programme, django_capture_on_commit_callbacks):
    run(D(2026, 1, 1), horizon=365)
    assert CareTask.objects.filter(member=programme.old, status=TaskStatus.OPEN).exists()
    with django_capture_on_commit_callbacks(execute=True):
        events.record_life_event(programme.staff.admin, programme.old, kind="death", occurred_on=D(2026, 1, 1))
    programme.old.refresh_from_db()
    assert programme.old.status == "deceased" and programme.old.died_on == D(2026, 1, 1)
    open_tasks = CareTask.objects.filter(member=programme.old, status=TaskStatus.OPEN)
    assert [task.kind for task in open_tasks] == ["death_care"]
    assert open_tasks[0].due_on == D(2026, 1, 4)
    assert not Greeting.objects.filter(member=programme.old, status="pending").exists()


def test_rerunning_creates_nothing_more(programme):
    first = run(D(2026, 1, 1), horizon=365)
    assert first.tasks > 0 and first.greetings > 0
    assert (first.tasks, first.greetings) == (CareTask.objects.count(), Greeting.objects.count())
    again = run(D(2026, 1, 1), horizon=365)
    assert (again.tasks, again.greetings) == (0, 0)
    later = run(D(2026, 1, 2), horizon=365)  # the daily run adds only what entered the window
    assert later.tasks + later.greetings == CareTask.objects.count() + Greeting.objects.count() - first.tasks \
        - first.greetings


def test_the_database_refuses_a_second_copy(programme):
    run(D(2026, 1, 10))
    task = CareTask.objects.filter(event__isnull=True).first()
    greeting = Greeting.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        CareTask.objects.create(rule=task.rule, version=task.version, member=task.member, kind=task.kind,
                                occurs_on=task.occurs_on, opens_on=task.opens_on, due_on=task.due_on)
    with pytest.raises(IntegrityError), transaction.atomic():
        Greeting.objects.create(rule=greeting.rule, version=greeting.version, member=greeting.member,
                                send_on=greeting.send_on, template=greeting.template)


def test_feb_29_birthdays_fall_on_feb_28_in_common_years(programme):
    run(D(2027, 2, 1), horizon=60)
    greeting = Greeting.objects.get(member=programme.leap_day, template="birthday")
    assert greeting.send_on == D(2027, 2, 28)
    Greeting.objects.all().delete()
    run(D(2028, 2, 1), horizon=60)
    assert Greeting.objects.get(member=programme.leap_day, template="birthday").send_on == D(2028, 2, 29)


def test_lunar_birthdays_are_greeted_on_their_solar_date(programme):
    run(D(2026, 1, 1), horizon=60)
    greeting = Greeting.objects.get(member=programme.lunar, template="birthday")
    assert greeting.send_on == lunar_to_solar(2025, 12, 3) == D(2026, 1, 21)
    assert Greeting.objects.get(member=programme.old, template="birthday").send_on == D(2026, 3, 2)


def test_round_political_birthdays(programme):
    run(D(2026, 6, 1), horizon=60)
    rule = programme.rule("visit-political-birthday-50")
    task = CareTask.objects.get(rule=rule)
    assert task.member == programme.golden and task.occurs_on == D(2026, 7, 1) and task.opens_on == D(2026, 6, 17)
    greeting = Greeting.objects.get(rule=rule)
    assert greeting.template == "political_birthday_round"
    # 王老 joined 1965-07-02: 61 years, not a round one; his ordinary political birthday is greeted.
    assert Greeting.objects.filter(member=programme.old, template="political_birthday", send_on=D(2026, 7, 2))


def test_members_without_a_smartphone_are_flagged_for_sms(programme):
    run(D(2026, 1, 1), horizon=365)
    assert set(Greeting.objects.filter(member=programme.old).values_list("via_sms", flat=True)) == {True}
    assert set(Greeting.objects.filter(member=programme.young).values_list("via_sms", flat=True)) == {False}


def test_cadence_tasks_cover_their_period(programme):
    run(D(2026, 3, 1))
    talk = CareTask.objects.get(rule=programme.rule("talk-yearly"), member=programme.young)
    assert (talk.occurs_on, talk.opens_on, talk.due_on) == (D(2026, 1, 1), D(2026, 1, 1), D(2026, 12, 31))
    reviews = CareTask.objects.filter(rule=programme.rule("review-hardship"))
    assert {(task.member.name, task.due_on) for task in reviews} == {("王老", D(2026, 6, 30)),
                                                                      ("吴西", D(2026, 6, 30))}


def test_assignee_is_the_partner_else_the_secretary_above(programme):
    staff = programme.staff
    pairing.assign_partner(staff.admin, programme.golden, staff.viewer)
    run(D(2026, 3, 1))
    talks = {task.member.name: task.assignee for task in CareTask.objects.filter(rule__key="talk-yearly")}
    assert talks["王老"] == staff.secretary  # east1 has no secretary of its own: east's
    assert talks["李青"] == staff.secretary
    assert talks["吴西"] == staff.sibling
    assert talks["郑金"] == staff.viewer
    # A new partner takes over the member's open tasks; ending the pairing gives them back to the secretary.
    pairing.assign_partner(staff.admin, programme.old, staff.viewer)
    assert set(CareTask.objects.filter(member=programme.old).values_list("assignee", flat=True)) == {staff.viewer.pk}
    pairing.end_pairing(staff.admin, programme.old)
    assert set(CareTask.objects.filter(member=programme.old).values_list("assignee", flat=True)) == {
        staff.secretary.pk}
    assert programme.old.pairings.count() == 1 and programme.old.pairings.get().ended_on is not None


def test_a_rule_edit_is_a_new_version_replacing_only_future_open_items(programme):
    staff = programme.staff
    rule = programme.rule("visit-spring-festival-hardship")
    run(D(2026, 1, 20))
    tasks = {task.member.name: task for task in CareTask.objects.filter(rule=rule)}
    records.record_visit(staff.admin, programme.old, visited_on=D(2026, 1, 20), occasion="春节走访",
                         visitors=[staff.secretary], tasks=[tasks["王老"]])
    old_version = rule.current
    rules.update_rule(staff.admin, rule, {"audience": {"hardship": ["any"], "node": staff.nodes["east"].pk}},
                      today=D(2026, 1, 20))
    rule.refresh_from_db()
    assert rule.current.number == 2 and rule.current.audience["node"] == staff.nodes["east"].pk
    done = CareTask.objects.get(pk=tasks["王老"].pk)
    assert done.status == TaskStatus.DONE and done.version == old_version  # the past keeps its version
    assert not CareTask.objects.filter(pk=tasks["吴西"].pk).exists()  # future, open: replaced
    assert CareTask.objects.filter(rule=rule).count() == 1  # west is out of the new audience; 王老 done once
    assert AuditEvent.objects.filter(action="programme.rule.updated", object_type="rule",
                                     object_id=str(rule.pk)).exists()
    # Editing nothing makes no version.
    rules.update_rule(staff.admin, rule, {"name": rule.current.name})
    assert rule.versions.count() == 2


def test_life_events_create_their_tasks_at_once(programme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = events.record_life_event(programme.staff.secretary, programme.young, kind="hospitalised",
                                         occurred_on=D(2026, 3, 1), note="阑尾炎手术")
    task = CareTask.objects.get(event=event)
    assert (task.kind, task.occurs_on, task.due_on) == ("visit", D(2026, 3, 1), D(2026, 3, 4))
    assert task.assignee == programme.staff.secretary
    assert task.rule not in run(D(2026, 3, 2)).by_rule  # the daily run finds it made already


def test_the_programme_signals_what_notifications_sends(programme, django_capture_on_commit_callbacks):
    """The programme sends no SMS itself (notifications is above it): it signals, inside its transaction."""
    heard = []

    def listen(sender, **kwargs):
        heard.append((sender, kwargs))

    tasks_assigned.connect(listen)
    greetings_due.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = events.record_life_event(programme.staff.secretary, programme.young, kind="hospitalised",
                                             occurred_on=D(2026, 3, 1))
        ((sender, sent),) = heard
        assert sender is CareTask and list(sent["tasks"]) == list(CareTask.objects.filter(event=event))
        heard.clear()
        pairing.assign_partner(programme.staff.admin, programme.young, programme.staff.viewer)
        assert [list(sent["tasks"]) for _sender, sent in heard] == [list(CareTask.objects.filter(event=event))]
        heard.clear()
        runs.run_daily(D(2026, 3, 2))
        assert [(sender, sent["actor"], sent["today"]) for sender, sent in heard] == [(Greeting, None, D(2026, 3, 2))]
    finally:
        tasks_assigned.disconnect(listen)
        greetings_due.disconnect(listen)


def test_overdue_tasks_escalate_to_the_secretary_above_after_the_delay(programme):
    staff = programme.staff
    pairing.assign_partner(staff.admin, programme.young, staff.viewer)
    run(D(2026, 3, 1))
    settings = ProgrammeSettings.load()
    settings.escalate_after_days = 10
    settings.save()
    talks = CareTask.objects.filter(rule__key="talk-yearly")
    reviews = runs.escalate_overdue(None, D(2027, 1, 10))  # the half-yearly reviews were due 2026-06-30
    assert reviews == 2 and not talks.filter(escalated_at__isnull=False).exists()  # due 2026-12-31: 9 days late
    escalated = runs.escalate_overdue(None, D(2027, 1, 11))
    assert escalated + reviews == in_state(CareTask.objects.all(), "overdue", D(2027, 1, 11)).count()
    targets = {task.member.name: task.escalated_to for task in talks}
    assert targets["李青"] == staff.secretary  # partner late: east2's node above is east
    assert targets["王老"] == staff.admin  # east's secretary late: nobody above but the unit admin
    assert runs.escalate_overdue(None, D(2027, 1, 12)) == 0
    assert AuditEvent.objects.filter(action="programme.task.escalated").count() == escalated + reviews


def test_preview_counts_what_generation_creates_within_scope(programme):
    staff = programme.staff
    spec = {"name": "重阳节走访", "trigger": "occasion", "occasion": "double_ninth", "task_kind": "visit",
            "lead_days": 14, "audience": {"age_min": 70}}
    preview = rules.preview(staff.admin, spec, today=D(2026, 9, 1))
    assert preview.tasks == 4 and preview.horizon == 60  # 王老, 吴西, 孙农, 郑金 (76 on 2026-10-18)
    assert [row.day for row in preview.rows] == [D(2026, 10, 18)] * 4
    assert rules.preview(staff.sibling, spec, today=D(2026, 9, 1)).tasks == 1  # only west
    rule = rules.create_rule(staff.admin, spec)
    run(D(2026, 9, 1), rules=[rule])
    assert CareTask.objects.filter(rule=rule).count() == 4


def test_query_count_does_not_grow_with_the_register(in_alpha):
    def queries(today):
        with CaptureQueriesContext(connection) as captured:
            run(today, horizon=365)
        return len(captured)

    for index in range(5):
        add(in_alpha, "east1", f"成员{index}", birth_date=f"19{50 + index}-0{index + 1}-10", joined_on="2020-01-01")
    few = queries(D(2026, 1, 1))
    for index in range(40):
        add(in_alpha, "east2", f"新成员{index}", birth_date=f"19{50 + index}-0{index % 9 + 1}-11",
            joined_on="2020-01-01")
    assert queries(D(2027, 1, 1)) == few
