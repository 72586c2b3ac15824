"""The register services: validation, scope, history and the audit trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from care.registers import access
from care.registers.models import HardshipCategory, Member, MemberStatus, Node, ReviewOutcome
from care.registers.services import extra_fields, hardship, members, nodes
from carehub.audit.models import AuditEvent
from carehub.audit.services import source


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def new_member(staff, node="east1", **data):
    values = {"name": "王建国", "sex": "m", "birth_date": "1950-03-02", "joined_on": "1975-07-01",
              "phone": "13912345678"}
    return members.create_member(staff.admin, node=staff.nodes[node], **{**values, **data})


class TestTree:
    def test_subtree_is_one_prefix_query(self, in_alpha):
        east = in_alpha.nodes["east"]
        with CaptureQueriesContext(connection) as queries:
            names = sorted(east.subtree().values_list("name", flat=True))
        selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
        assert len(selects) == 1 and "LIKE" in selects[0]
        assert names == ["东一支部", "东二支部", "东区总支"]

    def test_moving_a_node_moves_its_subtree(self, in_alpha):
        east, west = in_alpha.nodes["east"], in_alpha.nodes["west"]
        nodes.move_node(in_alpha.admin, east, west)
        east1 = Node.objects.get(pk=in_alpha.nodes["east1"].pk)
        assert east1.path.startswith(Node.objects.get(pk=west.pk).path)
        assert east1.depth == 3
        assert set(Node.objects.get(pk=west.pk).subtree().values_list("name", flat=True)) >= {"东一支部", "东二支部"}
        assert AuditEvent.objects.filter(action="registers.node.moved", object_id=str(east.pk)).exists()

    def test_a_node_cannot_move_below_itself(self, in_alpha):
        with pytest.raises(ValidationError):
            nodes.move_node(in_alpha.admin, in_alpha.nodes["east"], in_alpha.nodes["east1"])

    def test_secretary_cannot_touch_a_sibling_subtree(self, in_alpha):
        with pytest.raises(PermissionDenied):
            nodes.create_node(in_alpha.secretary, parent=in_alpha.nodes["west"], name="x")
        nodes.create_node(in_alpha.secretary, parent=in_alpha.nodes["east"], name="东三支部")

    def test_siblings_have_different_names(self, in_alpha):
        """Created, renamed or moved: two organisations under one parent (or two roots) never share a name."""
        east, west = in_alpha.nodes["east"], in_alpha.nodes["west"]
        with translation.override("en"):
            with pytest.raises(ValidationError) as raised:
                nodes.create_node(in_alpha.admin, parent=east, name=" 东一支部 ")
            assert raised.value.message_dict == {"name": ["“东区总支” already has an organisation named “东一支部”."]}
            with pytest.raises(ValidationError) as raised:
                nodes.create_node(in_alpha.admin, parent=None, name="Alpha 区委")
            assert raised.value.message_dict == {"name": ["There is already a top-level organisation named "
                                                          "“Alpha 区委”."]}
            twin = nodes.create_node(in_alpha.admin, parent=west, name="东一支部")  # under another parent: fine
            with pytest.raises(ValidationError) as raised:
                nodes.move_node(in_alpha.admin, twin, east)
            assert list(raised.value.message_dict) == ["parent"]
            with pytest.raises(ValidationError):
                nodes.update_node(in_alpha.admin, in_alpha.nodes["east2"], name="东一支部")
        nodes.update_node(in_alpha.admin, in_alpha.nodes["east1"], name="东一支部", secretary="张三")  # itself
        assert Node.objects.filter(name="东一支部").count() == 2

    def test_the_database_refuses_twins_too(self, in_alpha):
        for parent, name in ((in_alpha.nodes["east"], "东一支部"), (None, "Alpha 区委")):
            with pytest.raises(IntegrityError), transaction.atomic():
                Node.objects.create(parent=parent, name=name, path=f"/twin-{name}/")

    def test_only_empty_leaves_are_deleted(self, in_alpha):
        with pytest.raises(ValidationError):
            nodes.delete_node(in_alpha.admin, in_alpha.nodes["east"])
        nodes.delete_node(in_alpha.admin, in_alpha.nodes["east2"])
        assert not Node.objects.filter(pk=in_alpha.nodes["east2"].pk).exists()


class TestMembers:
    def test_create_normalises_and_audits(self, in_alpha):
        with source("api"):
            member = new_member(in_alpha, phone="139-1234-5678")
        assert member.phone == "+8613912345678" and member.name_initials == "wjg"
        event = AuditEvent.objects.get(object_type="member", object_id=str(member.pk))
        assert (event.action, event.source, event.actor_id) == ("registers.member.created", "api", in_alpha.admin.pk)
        assert event.changes["phone"] == [None, "+8613912345678"]
        assert member.status_changes.count() == 1

    @pytest.mark.parametrize("data,field", [
        ({"name": " "}, "name"),
        ({"sex": "x"}, "sex"),
        ({"phone": "12345"}, "phone"),
        ({"birth_date": "1950-02-30"}, "birth_date"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"joined_on": "1960-01-01"}, "joined_on"),  # aged 9
        ({"lunar_birth_month": 13}, "lunar_birth_month"),
        ({"proxy_phone": "abc"}, "proxy_phone"),
    ])
    def test_bad_values_name_their_field(self, in_alpha, data, field):
        with pytest.raises(ValidationError) as excinfo:
            new_member(in_alpha, **data)
        assert field in excinfo.value.message_dict
        assert not Member.objects.exists()

    def test_family_phone_may_be_shared(self, in_alpha):
        new_member(in_alpha)
        new_member(in_alpha, name="李秀英", sex="f")
        assert Member.objects.filter(phone="+8613912345678").count() == 2

    def test_update_records_before_and_after(self, in_alpha):
        member = new_member(in_alpha)
        members.update_member(in_alpha.secretary, member, address="甘井子区红旗街道")
        event = AuditEvent.objects.filter(object_id=str(member.pk), action="registers.member.updated").get()
        assert event.changes == {"address": ["", "甘井子区红旗街道"]}
        assert event.actor_id == in_alpha.secretary.pk

    def test_status_history_and_death(self, in_alpha):
        member = new_member(in_alpha)
        with pytest.raises(ValidationError):
            members.change_status(in_alpha.admin, member, MemberStatus.DECEASED)
        members.change_status(in_alpha.admin, member, MemberStatus.RETIRED, effective_on="2020-01-01")
        members.change_status(in_alpha.admin, member, MemberStatus.DECEASED, died_on="2026-01-05")
        member.refresh_from_db()
        assert member.died_on == datetime.date(2026, 1, 5)
        assert list(member.status_changes.order_by("at").values_list("to_status", flat=True)) == [
            "active", "retired", "deceased"]

    def test_transfer_keeps_history_and_needs_both_ends_in_scope(self, in_alpha):
        member = new_member(in_alpha)
        members.transfer_member(in_alpha.secretary, member, in_alpha.nodes["east2"])
        assert member.transfers.get().from_node == in_alpha.nodes["east1"]
        with pytest.raises(PermissionDenied):
            members.transfer_member(in_alpha.secretary, member, in_alpha.nodes["west1"])

    def test_read_only_roles_cannot_write(self, in_alpha):
        with pytest.raises(PermissionDenied):
            members.create_member(in_alpha.viewer, node=in_alpha.nodes["east1"], name="x", sex="m")

    def test_scope_filters_what_is_visible(self, in_alpha):
        east_member = new_member(in_alpha)
        west_member = new_member(in_alpha, node="west1", name="赵六")
        assert list(access.visible_members(in_alpha.secretary)) == [east_member]
        assert list(access.visible_members(in_alpha.sibling)) == [west_member]
        assert access.visible_members(in_alpha.viewer).count() == 2


class TestHardship:
    def test_sensitive_categories_are_hidden_and_refused(self, in_alpha):
        member = new_member(in_alpha)
        hardship.open_entry(in_alpha.admin, member, category=HardshipCategory.ILLNESS, reason="住院")
        hardship.open_entry(in_alpha.admin, member, category=HardshipCategory.LOW_INCOME, reason="低保")
        assert access.visible_hardship(in_alpha.viewer).count() == 1
        assert access.visible_hardship(in_alpha.sensitive_viewer).count() == 2
        with pytest.raises(PermissionDenied):
            hardship.open_entry(in_alpha.secretary, member, category=HardshipCategory.DISTRESS, reason="x")

    def test_viewing_a_sensitive_entry_is_audited(self, in_alpha):
        entry = hardship.open_entry(in_alpha.admin, new_member(in_alpha), category=HardshipCategory.ILLNESS,
                                    reason="住院")
        hardship.view_entry(in_alpha.sensitive_viewer, entry)
        assert AuditEvent.objects.filter(action="registers.hardship.sensitive_viewed",
                                          actor=in_alpha.sensitive_viewer).count() == 1
        with pytest.raises(PermissionDenied):
            hardship.view_entry(in_alpha.viewer, entry)

    def test_half_yearly_review_cycle(self, in_alpha):
        entry = hardship.open_entry(in_alpha.admin, new_member(in_alpha), category=HardshipCategory.LOW_INCOME,
                                    reason="低保", opened_on="2026-02-28")
        assert entry.review_due_on == datetime.date(2026, 8, 28)
        assert list(hardship.due_for_review(in_alpha.secretary, on=datetime.date(2026, 9, 1))) == [entry]
        assert list(hardship.due_for_review(in_alpha.sibling, on=datetime.date(2026, 9, 1))) == []
        hardship.review_entry(in_alpha.secretary, entry, outcome=ReviewOutcome.CHANGED, note="病情加重",
                              level=2, reviewed_on=datetime.date(2026, 8, 30))
        entry.refresh_from_db()
        assert entry.level == 2 and entry.review_due_on == datetime.date(2027, 2, 28)
        assert entry.reviews.get().changes["level"] == [1, 2]
        hardship.review_entry(in_alpha.secretary, entry, outcome=ReviewOutcome.CLOSED, note="已脱困",
                              reviewed_on=datetime.date(2027, 2, 1))
        entry.refresh_from_db()
        assert entry.closed_on == datetime.date(2027, 2, 1)
        assert not hardship.due_for_review(in_alpha.admin, on=datetime.date(2030, 1, 1)).exists()

    def test_review_needs_an_outcome_and_a_note_for_changes(self, in_alpha):
        entry = hardship.open_entry(in_alpha.admin, new_member(in_alpha), category=HardshipCategory.ELDERLY,
                                    reason="高龄")
        with pytest.raises(ValidationError):
            hardship.review_entry(in_alpha.admin, entry, outcome="maybe")
        with pytest.raises(ValidationError):
            hardship.review_entry(in_alpha.admin, entry, outcome=ReviewOutcome.CLOSED)
        with pytest.raises(ValidationError):
            hardship.review_entry(in_alpha.admin, entry, outcome=ReviewOutcome.CHANGED, note="x")

    def test_changes_since_last_review(self, in_alpha):
        entry = hardship.open_entry(in_alpha.admin, new_member(in_alpha), category=HardshipCategory.ELDERLY,
                                    reason="高龄", opened_on="2026-01-10")
        hardship.review_entry(in_alpha.admin, entry, outcome=ReviewOutcome.UNCHANGED)
        assert hardship.changes_since_last_review(entry) == {}

    def test_each_review_outcome_is_an_action_of_its_own(self, in_alpha):
        entry = hardship.open_entry(in_alpha.admin, new_member(in_alpha), category=HardshipCategory.ELDERLY,
                                    reason="高龄", opened_on="2026-01-10")
        hardship.review_entry(in_alpha.admin, entry, outcome=ReviewOutcome.UNCHANGED, reviewed_on=datetime.date(
            2026, 7, 1))
        # A review that changes nothing is recorded all the same: the next changes are counted from it.
        hardship.review_entry(in_alpha.admin, entry, outcome=ReviewOutcome.UNCHANGED, reviewed_on=datetime.date(
            2026, 7, 1))
        hardship.review_entry(in_alpha.admin, entry, outcome=ReviewOutcome.CHANGED, note="加重", level=2)
        hardship.review_entry(in_alpha.admin, entry, outcome=ReviewOutcome.CLOSED, note="已脱困")
        events = AuditEvent.objects.filter(object_type="hardshipentry", object_id=str(entry.pk)).order_by("pk")
        assert list(events.values_list("action", flat=True)) == [
            "registers.hardship.created", "registers.hardship.reviewed_unchanged",
            "registers.hardship.reviewed_unchanged", "registers.hardship.reviewed_changed",
            "registers.hardship.reviewed_closed"]
        assert events[2].changes == {} and events[3].changes["level"] == [1, 2]


class TestDates:
    """The registers read dates with carehub.dates: the ways people write them, and their own messages."""

    def test_members_dates_as_written(self, in_alpha):
        member = new_member(in_alpha, birth_date="1950年3月2日", joined_on="1975/7/1")
        assert (member.birth_date, member.joined_on) == (datetime.date(1950, 3, 2), datetime.date(1975, 7, 1))
        members.change_status(in_alpha.admin, member, MemberStatus.DECEASED, died_on="2026.1.5",
                              effective_on=datetime.datetime(2026, 1, 6, 8, 30))
        assert member.status_changes.order_by("at").last().effective_on == datetime.date(2026, 1, 6)
        with pytest.raises(ValidationError) as excinfo:
            members.transfer_member(in_alpha.admin, member, in_alpha.nodes["east2"], effective_on="soon")
        assert excinfo.value.message_dict == {"effective_on": ["“soon” is not a real date (YYYY-MM-DD)."]}

    def test_hardship_opening_date(self, in_alpha):
        member = new_member(in_alpha)
        entry = hardship.open_entry(in_alpha.admin, member, category=HardshipCategory.ELDERLY, reason="高龄",
                                    opened_on="2026/2/28")
        assert entry.opened_on == datetime.date(2026, 2, 28)
        for written, message in (("2026-02-30", "“2026-02-30” is not a real date (YYYY-MM-DD)."),
                                 ("2999-01-01", "The date is in the future.")):
            with pytest.raises(ValidationError) as excinfo:
                hardship.open_entry(in_alpha.admin, member, category=HardshipCategory.LOW_INCOME, reason="低保",
                                    opened_on=written)
            assert excinfo.value.message_dict == {"opened_on": [message]}

    def test_extra_date_fields(self, in_alpha):
        extra_fields.save_extra_field(in_alpha.admin, key="since", label="任职日期", kind="date")
        assert new_member(in_alpha, extra={"since": "2020年5月4日"}).extra == {"since": "2020-05-04"}
        with pytest.raises(ValidationError) as excinfo:
            new_member(in_alpha, name="李秀英", extra={"since": "May"})
        assert excinfo.value.message_dict == {"extra.since": ["“May” is not a date (YYYY-MM-DD)."]}


class TestAuditedChanges:
    def test_a_change_to_nothing_records_nothing(self, in_alpha):
        member = new_member(in_alpha)
        field = extra_fields.save_extra_field(in_alpha.admin, key="rank", label="职级", kind="text")
        nodes.update_node(in_alpha.admin, in_alpha.nodes["east1"], name=in_alpha.nodes["east1"].name)
        members.update_member(in_alpha.admin, member, address="")
        extra_fields.save_extra_field(in_alpha.admin, field, label="职级")
        assert not AuditEvent.objects.filter(action__in=["registers.node.updated", "registers.member.updated",
                                                         "registers.extra_field.updated"]).exists()
        extra_fields.save_extra_field(in_alpha.admin, field, label="级别")
        event = AuditEvent.objects.get(action="registers.extra_field.updated")
        assert event.changes == {"label": ["职级", "级别"]}

    def test_a_transfer_records_the_move(self, in_alpha):
        member = new_member(in_alpha)
        members.transfer_member(in_alpha.admin, member, in_alpha.nodes["east2"])
        event = AuditEvent.objects.get(action="registers.member.transferred")
        assert event.changes == {"node": [in_alpha.nodes["east1"].pk, in_alpha.nodes["east2"].pk]}


def test_audit_trail_is_append_only(in_alpha):
    member = new_member(in_alpha)
    event = AuditEvent.objects.filter(object_id=str(member.pk)).first()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(action="x")
