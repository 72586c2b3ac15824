"""The member's care history on their profile (issue 15): the summary panel (last visit and talk, greetings and
assistance this year, open tasks), greetings by name with what became of their SMS, the other SMS sent to the
member, filter chips that work without JavaScript, a query count that does not grow with the history, and who sees
what (a sibling subtree's secretary: 404; a viewer: the history, no actions)."""

import datetime
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from care.fund.models import ApplicationStatus
from care.fund.services import ledger
from care.programme.models import Greeting, GreetingStatus, Rule, TaskStatus
from care.programme.services import records
from care.registers.models import Member
from care.registers.portal.timeline import KINDS
from carehub.clock import unit_today
from notifications.models import Category, Message, Notice, Status
from notifications.services.templates import name_of

from .conftest import Staff, logged_in
from .fund_data import Books, advance, make_books

with translation.override("en"):
    WAITING = str(Status.PENDING.label)
SENT_AT = datetime.datetime(2026, 11, 2, 1, 30, tzinfo=datetime.UTC)  # 09:30 in Shanghai, the unit's zone


@dataclass
class History:
    staff: Staff
    books: Books
    member: Member

    def page(self, user=None, **params):
        client = logged_in(self.staff, user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client.get(f"/registers/members/{self.member.pk}/", params)


def message(member, key, category, *, status=Status.DELIVERED, sent_at=SENT_AT, notice=None, body="text",
            to=None) -> Message:
    return Message.objects.create(idempotency_key=key, category=category, member=member, to=to or member.phone,
                                  body=body, status=status, not_before=sent_at or timezone.now(), sent_at=sent_at,
                                  notice=notice)


def greeting(member, rule_key, send_on, status=GreetingStatus.SENT, via_sms=True) -> Greeting:
    rule = Rule.objects.select_related("current").get(key=rule_key)
    return Greeting.objects.create(rule=rule, version=rule.current, member=member, send_on=send_on,
                                   template=rule.current.greeting_template, via_sms=via_sms, status=status)


def add_care(staff: Staff, member: Member, day: datetime.date, books: Books, notices: int = 2) -> None:
    """One of everything: a visit, a talk, a greeting with its SMS, a notice, a visit gift."""
    records.record_visit(staff.admin, member, visited_on=day, occasion="走访", visitors=[staff.secretary])
    records.record_talk(staff.admin, member, held_on=day, topic="谈心", participants=[staff.admin],
                        confidential_notes="家庭矛盾")
    greeting(member, "greet-political-birthday", day)
    message(member, f"greeting:political_birthday:{day}:{member.phone}:{member.pk}", Category.GREETING)
    for _notice in range(notices):
        notice = Notice.objects.create(template_key="visit_notice", body="周五上门看望", created_by=staff.secretary)
        message(member, f"notice:{notice.pk}:{member.phone}", Category.NOTICE, notice=notice, body="周五上门看望")
    ledger.post_entry(staff.admin, books.east, kind="visit_gift", amount="10.00", member=member, booked_on=day)


@pytest.fixture(name="history")
def history_fixture(alpha):
    """张三明 (east1): visited today by the secretary, a talk yesterday, paid ¥1,200 of assistance by the
    committee fund and given a ¥100 gift from the west fund (which east's secretary does not see), greetings of
    every state, a notice, a notice chosen by a sensitive category, and a greeting SMS shared with 李秀兰 (west1)."""
    with schema_context("alpha"), translation.override("en"):
        books = make_books(alpha, income="5000.00")
        member, west = books.member, books.west_member
        Member.objects.filter(pk=west.pk).update(phone=member.phone)  # a family phone, shared across subtrees
        today = unit_today()
        records.record_visit(alpha.admin, member, visited_on=today, occasion="春节走访",
                             visitors=[alpha.secretary])
        records.record_talk(alpha.admin, member, held_on=today - datetime.timedelta(days=1), topic="年度谈心",
                            participants=[alpha.admin], confidential_notes="家庭矛盾")
        advance(books, ApplicationStatus.PAID, amount="1200.00")
        ledger.post_entry(alpha.admin, books.west, kind="visit_gift", amount="100.00", member=member)
        birthday = greeting(member, "greet-birthday", today)
        message(member, f"greeting:birthday:{today}:{member.phone}:{member.pk}", Category.GREETING,
                body="张三明同志：生日快乐")
        greeting(member, "greet-political-birthday", today - datetime.timedelta(days=1), GreetingStatus.CANCELLED)
        greeting(member, "greet-spring-festival", today - datetime.timedelta(days=2))
        message(west, f"greeting:spring_festival:{today - datetime.timedelta(days=2)}:{member.phone}",
                Category.GREETING, body="张三明、李秀兰同志：新春快乐")
        greeting(member, "greet-birthday", today + datetime.timedelta(days=3), GreetingStatus.PENDING)  # future
        notice = Notice.objects.create(template_key="visit_notice", body="周五上门看望", created_by=alpha.secretary)
        message(member, f"notice:{notice.pk}:{member.phone}", Category.NOTICE, notice=notice, body="周五上门看望")
        secret = Notice.objects.create(body="住院党员慰问会", filters={"hardship": ["illness"]},
                                       created_by=alpha.admin)
        message(member, f"notice:{secret.pk}:{member.phone}", Category.NOTICE, notice=secret, body="住院党员慰问会",
                status=Status.PENDING, sent_at=None)
        assert birthday.send_on.year == today.year
    connection.set_schema_to_public()
    return History(alpha, books, member)


def facts(response) -> dict:
    return {fact.key: fact for fact in response.context["summary"]}


def titles(response) -> list[str]:
    return [item.title for item in response.context["timeline"]]


def item(response, title: str):
    return next(item for item in response.context["timeline"] if item.title == title)


class TestSummary:
    def test_the_panel_tells_the_care_at_a_glance_with_links(self, history):
        response = history.page()
        today = unit_today()
        shown = facts(response)
        assert list(shown) == ["last-visit", "last-talk", "greetings", "assistance", "open-tasks"]
        assert (shown["last-visit"].value, shown["last-visit"].note) == (today.isoformat(), "by secretary")
        assert shown["last-visit"].url.startswith("/programme/visits/")
        assert shown["last-talk"].value == (today - datetime.timedelta(days=1)).isoformat()
        assert shown["last-talk"].note == "by Alpha 区委 admin"
        assert shown["greetings"].value == "2"  # today's and the spring festival's; not the cancelled or future
        assert shown["greetings"].url == f"/registers/members/{history.member.pk}/?history=greeting#history"
        assert shown["assistance"].value == '<span class="money">¥1,300.00</span>'
        with schema_context("alpha"):
            open_tasks = history.member.care_tasks.filter(status=TaskStatus.OPEN).count()
        assert shown["open-tasks"].value == str(open_tasks) and shown["open-tasks"].url == "#member-programme"
        body = response.content.decode()
        panel = body.split('id="care-history"')[1].split("</section>")[0]
        assert '<a href="#member-programme">' in panel and '<span class="money">¥1,300.00</span>' in panel
        assert body.index('id="care-history"') < body.index('id="member-facts"')  # at the top of the profile

    def test_a_member_without_care_yet(self, alpha):
        with schema_context("alpha"):
            member = Member.objects.create(node=alpha.nodes["east2"], name="新党员", sex="f")
        shown = facts(History(alpha, None, member).page())
        assert shown["last-visit"].value == "None yet" and not shown["last-visit"].url
        assert (shown["greetings"].value, shown["assistance"].value) == ("0", '<span class="money">¥0.00</span>')

    def test_assistance_counts_what_the_user_sees(self, history):
        """East's secretary sees the paid application (whichever fund paid) but not the west fund's gift."""
        shown = facts(history.page(history.staff.secretary))
        assert shown["assistance"].value == '<span class="money">¥1,200.00</span>'


class TestGreetingsAndSms:
    def test_greetings_by_name_with_what_became_of_their_sms(self, history):
        response = history.page()
        with translation.override("en"):
            birthday, spring = f"Greeting: {name_of('birthday')}", f"Greeting: {name_of('spring_festival')}"
            political = f"Greeting: {name_of('political_birthday')}"
        listed = titles(response)
        assert listed.count(birthday) == 1  # today's; the one in three days is not history yet
        assert item(response, birthday).note == "SMS: Delivered, sent 2026-11-02 09:30"
        assert item(response, political).note == "Cancelled"
        assert item(response, spring).note == "SMS: Delivered, sent 2026-11-02 09:30"  # the shared message
        body = response.content.decode()
        for hidden in ("greeting:", "political_birthday", "spring_festival", "生日快乐", "新春快乐", "李秀兰"):
            assert hidden not in body, hidden  # neither keys nor greeting texts (which name other members)

    def test_other_sms_with_their_text_delivery_and_author(self, history):
        response = history.page()
        with translation.override("en"):
            notice = item(response, f"SMS: {name_of('visit_notice')}")
        assert notice.note == "周五上门看望\nSMS: Delivered, sent 2026-11-02 09:30"
        assert notice.by == "secretary" and notice.url.startswith("/sms/?notice=")
        assert notice.day == datetime.date(2026, 11, 2)
        secret = item(response, "SMS: Notice")
        assert secret.note.startswith(f"住院党员慰问会\nSMS: {WAITING}, not before ")

    def test_a_notice_chosen_by_a_sensitive_category_keeps_its_text_from_who_may_not_see_it(self, history):
        secret = item(history.page(history.staff.viewer), "SMS: Notice")
        assert secret.note.startswith(f"SMS: {WAITING}") and "住院" not in secret.note
        assert "住院党员慰问会" in item(history.page(history.staff.sensitive_viewer), "SMS: Notice").note

    def test_an_sms_of_another_subtrees_member_stays_out(self, history):
        """The spring festival SMS belongs to 李秀兰 (west1): east's secretary learns only that it was handed over."""
        response = history.page(history.staff.secretary)
        with translation.override("en"):
            spring = f"Greeting: {name_of('spring_festival')}"
        assert item(response, spring).note == "Handed to SMS"


class TestChips:
    def test_chips_filter_the_timeline_by_query_string(self, history):
        everything = history.page()
        assert {item.kind for item in everything.context["timeline"]} >= {"visit", "talk", "greeting",
                                                                           "assistance", "sms", "status"}
        for kind in KINDS:
            shown = history.page(history=kind)
            assert shown.context["timeline"] and {item.kind for item in shown.context["timeline"]} == {kind}
            assert f'href="/registers/members/{history.member.pk}/?history={kind}#history" aria-current="true"' in \
                shown.content.decode()
        assert len(history.page(history=" visit'").context["timeline"]) == len(everything.context["timeline"])
        body = everything.content.decode()
        assert f'href="/registers/members/{history.member.pk}/#history" aria-current="true">All</a>' in body

    def test_an_empty_kind_says_so(self, alpha):
        with schema_context("alpha"):
            member = Member.objects.create(node=alpha.nodes["east2"], name="新党员", sex="f")
        body = History(alpha, None, member).page(history="talk").content.decode()
        assert "Nothing of this kind yet." in body


def test_queries_do_not_grow_with_the_history(history):
    client = logged_in(history.staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/registers/members/{history.member.pk}/").status_code == 200
        return len(captured)

    queries()
    few = queries()
    with schema_context("alpha"):
        for days in range(3, 15):
            add_care(history.staff, history.member, unit_today() - datetime.timedelta(days=days), history.books)
    connection.set_schema_to_public()
    assert queries() == few


class TestWhoSeesWhat:
    def test_a_sibling_subtrees_secretary_gets_404(self, history):
        for params in ({}, {"history": "visit"}, {"history": "greeting"}):
            assert history.page(history.staff.sibling, **params).status_code == 404

    def test_a_viewer_sees_the_history_but_no_actions(self, history):
        response = history.page(history.staff.viewer)
        body = response.content.decode()
        assert response.status_code == 200 and 'id="care-history"' in body and 'id="history-chips"' in body
        assert set(facts(response)) == {"last-visit", "last-talk", "greetings", "assistance", "open-tasks"}
        assert "Visit: 春节走访" in titles(response) and "家庭矛盾" not in body
        for action in ('id="member-actions"', 'id="programme-actions"', 'id="apply-assistance"',
                       'id="record-sms-opt-out"'):
            assert action not in body, action
