"""The platform core's shared pieces: the date parser, the unit's clock, and the audit trail's vocabulary and
helpers."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from care.registers.models import Node
from carehub.audit.actions import Action, declared, label_of
from carehub.audit.models import AuditEvent
from carehub.audit.services import changing, record_many
from carehub.clock import current_unit, unit_today, unit_zone
from carehub.dates import parse_day, read_day


@pytest.mark.parametrize("written", ["2024-07-01", "2024/7/1", "2024.7.1", "2024年7月1日", " 2024 - 07 - 01 ",
                                     datetime.date(2024, 7, 1), datetime.datetime(2024, 7, 1, 9, 30)])
def test_dates_are_read_as_people_write_them(written):
    assert parse_day(written, "on") == datetime.date(2024, 7, 1)


@pytest.mark.parametrize("written", ["2024-02-30", "01/07/2024", "七月一日", "2024-13-01"])
def test_impossible_or_unknown_dates_name_their_field(written):
    assert read_day(written) is None
    with pytest.raises(ValidationError) as raised:
        parse_day(written, "opened_on")
    assert list(raised.value.message_dict) == ["opened_on"]


def test_empty_dates_take_the_default_and_the_future_can_be_refused(in_alpha):
    assert parse_day("", "on") is None
    assert parse_day(None, "on", default=unit_today) == unit_today()
    tomorrow = unit_today() + datetime.timedelta(days=1)
    assert parse_day(tomorrow, "on") == tomorrow
    with pytest.raises(ValidationError):
        parse_day(tomorrow, "on", not_future=True)


def test_today_is_the_units_date_in_its_own_zone(alpha, settings):
    moment = datetime.datetime(2026, 12, 31, 20, 0, tzinfo=datetime.UTC)  # already 1 January east of UTC+4
    type(alpha.unit).objects.filter(pk=alpha.unit.pk).update(time_zone="Pacific/Kiritimati")
    connection.set_schema_to_public()
    assert current_unit() is None and str(unit_zone()) == settings.TIME_ZONE
    with schema_context("alpha"):
        unit = current_unit()
        assert unit.pk == alpha.unit.pk and str(unit_zone()) == "Pacific/Kiritimati"
        assert unit_today(moment) == datetime.date(2027, 1, 1)
    assert unit_today(moment) == timezone.localtime(moment, unit_zone()).date() == datetime.date(2027, 1, 1)


def test_audit_actions_are_unique_labelled_and_namespaced():
    assert declared(), "the apps declare their actions at import"
    for name, action in declared().items():
        assert name.count(".") >= 2 and str(action.label)
    with pytest.raises(ValueError):
        Action(next(iter(declared())), "twice")
    with pytest.raises(ValueError):
        Action("approved", "not namespaced")
    assert label_of("no.such.action") == "no.such.action"


RENAMED = Action("tests.node.renamed", "Renamed (test)")


def test_changing_records_what_changed_and_nothing_else(in_alpha):
    node = in_alpha.nodes["root"]
    with changing(in_alpha.admin, RENAMED, node, ["name", "kind"]) as change:
        change.instance.name = "改过的名字"
        change.instance.save()
    assert change.changes == {"name": [node.name, "改过的名字"]}
    event = AuditEvent.objects.get(action=RENAMED)
    assert event.changes == change.changes and event.object_id == str(node.pk)
    with changing(in_alpha.admin, RENAMED, node, ["name"]) as change:
        change.instance.save()  # saved, but nothing changed: nothing to record
    assert AuditEvent.objects.filter(action=RENAMED).count() == 1


def test_changing_that_fails_changes_and_records_nothing(in_alpha):
    node = in_alpha.nodes["root"]
    with pytest.raises(ValidationError), changing(in_alpha.admin, RENAMED, node, ["name"]) as change:
        change.instance.name = "不该留下"
        change.instance.save()
        raise ValidationError("refused")
    assert Node.objects.get(pk=node.pk).name == node.name
    assert not AuditEvent.objects.filter(action=RENAMED).exists()


def test_set_based_changes_are_recorded_in_one_statement(in_alpha, django_assert_num_queries):
    rows = [(pk, f"node {pk}", {"x": [None, pk]}) for pk in range(1, 301)]
    AuditEvent.objects.exists()  # the connection's search path is set by its first query in the schema
    with django_assert_num_queries(1):
        assert record_many(in_alpha.admin, RENAMED, "node", rows) == 300
    assert AuditEvent.objects.filter(action=RENAMED, actor=in_alpha.admin, source="portal").count() == 300


def test_stored_actions_are_renamed_to_the_vocabulary(in_alpha):
    """The data migration 0003: old free-string actions become declared names, ambiguous ones by their changes."""
    import importlib

    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("carehub.audit.migrations.0003_namespaced_actions")
    state_apps = MigrationLoader(connection).project_state(("audit", "0003_namespaced_actions")).apps
    old = [("application", "approved", {}), ("greeting", "cancel", {"greetings": [0, 3]}),
           ("greeting", "cancel", {"status": ["pending", "cancelled"]}), ("caretask", "create", {"message": [None, 1]}),
           ("optout", "create", {"source": [None, "reply"]}), ("hardshipentry", "review:closed", {})]
    AuditEvent.objects.bulk_create([AuditEvent(source="portal", action=action, object_type=object_type,
                                               object_id="1", changes=changes) for object_type, action, changes in old])
    migration.forwards(state_apps, None)
    renamed = list(AuditEvent.objects.order_by("pk").values_list("action", "source"))[-len(old):]
    assert renamed == [("fund.application.approved", "portal"), ("sms.greeting.cancelled", "portal"),
                       ("programme.greeting.cancelled", "portal"), ("sms.reach_task.created", "portal"),
                       ("sms.optout.created", "webhook"), ("registers.hardship.reviewed_closed", "portal")]
    assert all(action in declared() for action, _source in renamed)
    assert {new for _type, _old, new in migration.RENAMES} <= set(declared())


@pytest.mark.parametrize(("stored", "shown"), [("+8613800138000", "138 0013 8000"), ("+85291234567", "+852 9123 4567")])
def test_phones_are_shown_as_people_write_them_and_dial_when_tapped(stored, shown):
    from carehub.phones import shown_phone
    from carehub.templatetags.phones import phone_link

    assert shown_phone(stored) == shown
    assert phone_link(stored) == f'<a href="tel:{stored}" class="phone">{shown}</a>' and phone_link("") == "—"
