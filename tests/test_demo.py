"""`carehub demo`: idempotent, and registers that look real and that the register's own rules accept."""

import datetime
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django_tenants.utils import schema_context

from care.fund.models import AssistanceApplication, ClosedPeriod, Fund
from care.fund.services import disclosure, ledger
from care.registers import access
from care.registers.demo import generate_records
from care.registers.demo_trees import GANJINGZI_STREETS, tree_for
from care.registers.models import (
    ExtraField,
    HardshipEntry,
    HardshipReview,
    Member,
    MemberStatus,
    Node,
    NodeKind,
    ReviewOutcome,
    StaffScope,
    StatusChange,
)
from care.registers.services.extra_fields import clean_extra
from care.registers.services.hardship import REVIEW_MONTHS, add_months
from care.registers.services.members import AUDITED, clean_member
from carehub.accounts.models import Role, User
from tenants.models import Unit

TODAY = datetime.date(2026, 3, 15)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, run twice, and the output of each run. It lives in a transaction that is rolled back after the
    module (PostgreSQL's DDL is transactional, so the units' schemas go too); each test adds a savepoint."""
    outputs = []
    with django_db_blocker.unblock(), transaction.atomic():
        for _ in range(2):
            out = StringIO()
            call_command("demo", members=300, stdout=out)
            outputs.append(out.getvalue())
        yield outputs
        transaction.set_rollback(True)
        connection.set_schema_to_public()


def test_running_it_again_changes_nothing(demo, db):
    first, second = demo
    assert second == first
    assert set(Unit.objects.units().values_list("slug", flat=True)) >= {"ganjingzi", "dlsz", "dlyy", "xinxing"}
    assert User.objects.filter(email="operator@carehub.local", is_staff=True).exists()
    assert "http://" in first or "https://" in first
    assert "110 branches" in first and "15 streets" in first and "159 communities (47 of them villages)" in first
    assert "members: 300 (" in first


def test_ganjingzi_tree_has_the_source_figures(demo, db):
    with schema_context("ganjingzi"):
        kinds = dict(Node.objects.values_list("kind").annotate(Count("pk")))
        assert kinds == {NodeKind.DISTRICT: 1, NodeKind.STREET: 15, NodeKind.COMMUNITY: 159, NodeKind.BRANCH: 110}
        streets = set(Node.objects.filter(kind=NodeKind.STREET).values_list("name", flat=True))
        assert streets == {street for street, *_rest in GANJINGZI_STREETS}
        assert {"红旗街道", "甘井子街道", "周水子街道", "七贤岭街道", "杨家街道"} <= streets
        villages = Node.objects.filter(kind=NodeKind.COMMUNITY, name__endswith="村")
        assert villages.count() == 47 and Node.objects.filter(kind=NodeKind.COMMUNITY).count() - 47 == 112
        root = Node.objects.get(depth=0)
        assert root.name == "甘井子区委" and all(node.secretary and node.contact for node in Node.objects.all())
        # Members sit on branches, or on a community or village that has no branch of its own.
        holders = Node.objects.filter(members__isnull=False).distinct()
        assert not holders.filter(kind=NodeKind.COMMUNITY, children__isnull=False).exists()
        assert not holders.exclude(kind__in=[NodeKind.BRANCH, NodeKind.COMMUNITY]).exists()
        # Addresses are those of the member's community.
        for member in Member.objects.select_related("node")[:50]:
            community = member.node if member.node.kind == NodeKind.COMMUNITY else member.node.parent
            assert f"{community.parent.name}{community.name}" in member.address


def test_organisation_trees(demo, db):
    with schema_context("dlsz"):
        names = set(Node.objects.values_list("name", flat=True))
        assert {"语文组党支部", "数学组党支部", "英语组党支部", "理化生党支部", "政史地党支部", "体艺党支部",
                "行政后勤党支部", "离退休教职工党支部"} <= names
        assert Node.objects.filter(kind=NodeKind.GENERAL_BRANCH).count() == 3
        retired_branch = Node.objects.get(name="离退休教职工党支部")
        assert set(retired_branch.members.values_list("status", flat=True)) <= {MemberStatus.RETIRED,
                                                                                MemberStatus.DECEASED}
        assert not Member.objects.filter(status=MemberStatus.RETIRED).exclude(node=retired_branch).exists()
    with schema_context("dlyy"):
        generals = set(Node.objects.filter(kind=NodeKind.GENERAL_BRANCH).values_list("name", flat=True))
        assert generals == {"内科党总支", "外科党总支", "医技党总支", "行政后勤党总支", "离退休党总支"}
        assert {"心内科党支部", "呼吸科党支部", "普外科党支部", "骨科党支部", "检验科党支部", "影像科党支部",
                "护理部党支部"} <= set(Node.objects.values_list("name", flat=True))
    with schema_context("xinxing"):
        assert set(Node.objects.filter(kind=NodeKind.BRANCH).values_list("name", flat=True)) == {
            "生产党支部", "销售党支部", "机关党支部"}
        assert Member.objects.count() == 60


@pytest.mark.parametrize("slug", ["ganjingzi", "dlsz", "dlyy", "xinxing"])
def test_staff_scopes_allow_trying_isolation(demo, db, slug):
    with schema_context(slug):
        users = {user.email.split("@")[0]: user for user in User.objects.all()}
        assert set(users) == {"admin", "secretary", "secretary2", "treasurer", "viewer"}
        assert all(user.is_active and user.has_usable_password() for user in users.values())
        assert not StaffScope.objects.filter(user=users["admin"]).exists()
        for local in ("treasurer", "viewer"):
            assert users[local].scope.node is None and not users[local].scope.can_view_sensitive
        first, second = users["secretary"].scope, users["secretary2"].scope
        assert users["secretary"].role == users["secretary2"].role == Role.SECRETARY
        assert first.node.parent_id == second.node.parent_id and first.node != second.node  # siblings
        assert first.can_view_sensitive and not second.can_view_sensitive
        mine = set(access.visible_members(users["secretary"]).values_list("pk", flat=True))
        theirs = set(access.visible_members(users["secretary2"]).values_list("pk", flat=True))
        assert mine and theirs and not mine & theirs
        assert access.visible_members(users["viewer"]).count() == Member.objects.count()
        assert first.node.secretary == users["secretary"].full_name
    with schema_context("ganjingzi"):
        assert User.objects.get(email="secretary@ganjingzi.demo").scope.node.name == "红旗街道"


@pytest.mark.parametrize("slug", ["ganjingzi", "dlsz", "dlyy", "xinxing"])
def test_members_pass_the_registers_own_validation(demo, db, slug):
    with schema_context(slug):
        fields = list(ExtraField.objects.all())
        assert len(fields) == 3
        for member in Member.objects.all():
            data = {name: getattr(member, name) for name in AUDITED if name not in ("node", "status")}
            clean_member(data, extra_fields=fields)
            assert clean_extra(member.extra, fields) == member.extra
            assert member.name_initials and member.name_initials.isascii()
            assert (member.died_on is not None) == (member.status == MemberStatus.DECEASED)
        filled = Counter(key for extra in Member.objects.values_list("extra", flat=True) for key in extra)
        assert filled["education"] > 0.8 * Member.objects.count()


def test_status_history_matches_the_status(demo, db):
    with schema_context("ganjingzi"):
        for member in Member.objects.exclude(status=MemberStatus.ACTIVE).prefetch_related("status_changes"):
            changes = sorted(member.status_changes.all(), key=lambda change: change.effective_on)
            assert changes and changes[-1].to_status == member.status, member
            assert changes[0].from_status == MemberStatus.ACTIVE
            assert all(a.to_status == b.from_status for a, b in zip(changes, changes[1:], strict=False))
            assert all(member.joined_on <= change.effective_on <= timezone.localdate() for change in changes)
            if member.status == MemberStatus.DECEASED:
                assert changes[-1].effective_on == member.died_on
        assert not StatusChange.objects.filter(member__status=MemberStatus.ACTIVE).exists()


def test_hardship_ledger_is_consistent(demo, db):
    with schema_context("ganjingzi"):
        entries = HardshipEntry.objects.select_related("member").prefetch_related("reviews")
        assert 5 <= entries.values("member").distinct().count() <= 40  # about 5% of 300
        for entry in entries:
            reviews = sorted(entry.reviews.all(), key=lambda review: review.reviewed_on)
            assert entry.reason and entry.member.joined_on <= entry.opened_on
            assert all(entry.opened_on < review.reviewed_on for review in reviews)
            if entry.closed_on:
                assert reviews[-1].outcome == ReviewOutcome.CLOSED and reviews[-1].reviewed_on == entry.closed_on
            else:
                last = reviews[-1].reviewed_on if reviews else entry.opened_on
                assert entry.review_due_on == add_months(last, REVIEW_MONTHS)
                assert entry.member.status not in (MemberStatus.DECEASED, MemberStatus.MOVED_OUT)
            assert all(review.reviewed_by for review in reviews) and entry.created_by
        assert HardshipReview.objects.filter(outcome=ReviewOutcome.UNCHANGED).exists()


def test_generator_is_deterministic_and_prefix_stable():
    def keys(records):
        return [(r.member.name, r.member.birth_date, r.member.phone, r.member.address, r.member.status,
                 r.member.extra, r.node.names, [(e.category, e.reason, e.review_due_on) for e in r.entries])
                for r in records]

    longer = keys(generate_records("district", 400, seed="s", today=TODAY))
    assert keys(generate_records("district", 250, seed="s", today=TODAY)) == longer[:250]
    assert keys(generate_records("district", 400, seed="s", today=TODAY)) == longer
    assert keys(generate_records("district", 400, seed="t", today=TODAY)) != longer


def test_generated_district_has_the_source_shares():
    records = list(generate_records("district", 10000, seed="carehub-demo:ganjingzi", today=TODAY))
    aged = sum(1 for r in records if r.member.birth_date <= TODAY.replace(year=TODAY.year - 60))
    assert aged == int(10000 * 14213 / 38169)  # 37.2%, spread evenly
    # One person per name and birth date, and per name and phone, as the register's import requires.
    assert len({(r.member.name, r.member.birth_date) for r in records}) == len(records)
    phones = [(r.member.name, r.member.phone) for r in records if r.member.phone]
    assert len(set(phones)) == len(phones)
    in_ledger = [r for r in records if r.entries]
    assert 0.035 <= len(in_ledger) / len(records) <= 0.07
    old_share = sum(1 for r in in_ledger if r.member.birth_date <= TODAY.replace(year=TODAY.year - 60)) / aged
    assert old_share > 1.5 * (len(in_ledger) - old_share * aged) / (len(records) - aged)  # more among the old
    entries = [e for r in records for e in r.entries]
    open_entries = [e for e in entries if e.closed_on is None]
    due = [e for e in open_entries if e.review_due_on <= TODAY]
    assert 0.05 <= len(due) / len(open_entries) <= 0.25
    assert len({e.category for e in entries}) >= 9
    assert all("\u4e00" <= e.reason[0] <= "\u9fff" or e.reason[0].isdigit() for e in entries)
    places = Counter(r.node.names[0] for r in records)
    assert places["周水子街道"] > 2 * places["杨家街道"]  # old urban streets are the big ones
    assert len(tree_for("district").holders) == 184


@pytest.mark.parametrize("slug", ["ganjingzi", "dlsz", "dlyy", "xinxing"])
def test_care_funds_keep_consistent_books(demo, db, slug):
    with schema_context(slug):
        funds = list(Fund.objects.all())
        assert funds and all(ledger.verify(fund) and ledger.balance(fund) >= 0 for fund in funds)
        assert ClosedPeriod.objects.filter(kind="year").count() == len(funds)  # last year is closed
        paid = AssistanceApplication.objects.filter(status="paid").prefetch_related("entries", "steps")
        assert paid and AssistanceApplication.objects.filter(status="approved").exists()
        for application in paid:
            assert -sum(entry.amount for entry in application.entries.all()) == application.amount_paid
            assert [step.action for step in application.steps.all()] == [
                "created", "submitted", "verified", "approved", "paid"]
            shares = sorted(-entry.amount for entry in application.entries.all())
            if slug in ("dlsz", "dlyy"):  # the bureau's 30/70 between general branch and committee
                assert len(shares) == 2 and shares[0] * 7 == shares[1] * 3
            else:
                assert len(shares) == 1


def test_hongqi_fund_has_the_source_figures(demo, db):
    """About 600,000 yuan a year for about 680 person-visits."""
    with schema_context("ganjingzi"):
        hongqi = Fund.objects.get(node__name="红旗街道")
        year = disclosure.build(hongqi, timezone.localdate().year - 1)
        assert 600_000 <= year.total_income <= 700_000 and 500_000 <= year.total_spending <= 700_000
        visits = sum(int(purpose.split(" 人次")[0].rsplit(" ", 1)[1])
                     for purpose in hongqi.entries.filter(booked_on__year=year.starts_on.year, amount__lt=0)
                     .values_list("purpose", flat=True) if "人次" in purpose)
        assert visits == 680
    with schema_context("xinxing"):
        (fund,) = Fund.objects.all()
        assert disclosure.build(fund, timezone.localdate().year - 1).total_income == 9000


def test_demo_units_run_their_care_programme(demo, db):
    from care.programme.models import CareTask, Greeting, Pairing, Rule, Talk, Visit
    from care.programme.presets import preset_rules

    assert "care programme: 22 rules" in demo[0]
    for slug, kind in (("ganjingzi", "district"), ("dlsz", "school")):
        with schema_context(slug):
            assert set(Rule.objects.values_list("key", flat=True)) == set(preset_rules(kind))
            assert CareTask.objects.filter(status="open").exists() and Greeting.objects.exists()
            assert Visit.objects.exists() and Talk.objects.exists()
            paired = Pairing.objects.filter(ended_on__isnull=True)
            in_ledger = HardshipEntry.objects.filter(closed_on__isnull=True).values("member").distinct().count()
            assert 0 < paired.count() < in_ledger  # most are paired; the coverage view shows the rest
            # Every partner may see the member they look after.
            assert all(access.visible_members(pairing.partner).filter(pk=pairing.member_id).exists()
                       for pairing in paired.select_related("partner"))


def test_operator_login_and_billing(demo, db):
    from billing.models import Invoice, Plan, Subscription, UsageRecord

    assert "Two-factor login" in demo[0] and "pyotp.TOTP('<key>').now()" in demo[0]
    plans = list(Plan.objects.filter(code__in=["basic", "standard", "professional"]).order_by("monthly_price"))
    assert [(plan.name, plan.monthly_price) for plan in plans] == [
        ("基础版", Decimal("980.00")), ("标准版", Decimal("2980.00")), ("专业版", Decimal("8800.00"))]
    assert "基础版 (basic): ¥980.00 a month, 300 members, 2,000 SMS segments, then SMS stop\n" in demo[0]
    subscriptions = dict(Subscription.objects.values_list("unit__slug", "status"))
    assert subscriptions == {"ganjingzi": "active", "dlsz": "active", "dlyy": "past_due", "xinxing": "trial"}
    assert set(Unit.objects.units().values_list("status", flat=True)) == {"active"}  # past due is only a banner
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    hospital = list(Invoice.objects.filter(unit__slug="dlyy").order_by("period"))
    assert [(invoice.status, bool(invoice.number)) for invoice in hospital] == [("issued", True), ("draft", False)]
    assert hospital[1].period == last_month and hospital[1].total == Decimal("3035.80")  # 1,240 × ¥0.045 over
    assert list(Invoice.objects.filter(unit__slug="ganjingzi").values_list("status", flat=True)
                .order_by("period")) == ["paid", "draft"]
    assert not Invoice.objects.filter(unit__slug="xinxing").exists()  # a trial is not billed
    sms = UsageRecord.objects.filter(unit__slug="dlyy", metric="sms_segments", day__gte=last_month,
                                     day__lt=timezone.localdate().replace(day=1))
    assert sum(sms.values_list("quantity", flat=True)) == 11240
    assert UsageRecord.objects.filter(unit__slug="dlsz", metric="active_members").exists()
    assert "billing: 标准版 (past due); SMS segments this month:" in demo[0]


def test_about_one_member_in_ten_is_called_instead_of_texted(demo, db):
    from notifications.models import ContactPlan, Preferred
    from notifications.services import ladder

    assert "contact plans: " in demo[0] and " cannot read an SMS (called instead), " in demo[0]
    with schema_context("ganjingzi"):
        with_phone = Member.objects.exclude(phone="").exclude(status=MemberStatus.DECEASED).count()
        plans = Counter(ContactPlan.objects.values_list("preferred", "reads_sms"))
        assert set(plans) == {(Preferred.VOICE, False), (Preferred.BOTH, True)}
        assert 0.06 <= plans[Preferred.VOICE, False] / with_phone <= 0.14
        assert 0 < plans[Preferred.BOTH, True] < plans[Preferred.VOICE, False]
        assert not ContactPlan.objects.filter(member__phone="").exists()
        plan = ContactPlan.objects.filter(reads_sms=False).select_related("member").first()
        steps = ladder.steps(plan.member, ladder.Plan(plan.preferred, plan.reads_sms), "task")
        assert steps[0] == ["voice"] and ["sms"] not in steps  # a call first, never an SMS they cannot read
