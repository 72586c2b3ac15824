"""Compose a notice to a branch in a real browser and watch its delivery statuses arrive in the outbox: a real
server process, a real Celery worker relaying through the sandbox gateway, and the gateway posting signed status
callbacks to the server, which the outbox page picks up as it refreshes itself.

Data the browser needs is committed from another connection (see test_browser_registers.committed) and removed
afterwards with everything the flow created, audit and usage rows included."""

import datetime
import os
from unittest import mock

import pytest
from django.db import connection
from playwright.sync_api import expect

from billing.models import UsageRecord
from care.programme.models import CareTask, Rule, RuleVersion
from care.registers.models import Member
from care.registers.services import members
from carehub.audit.models import AuditEvent
from carehub.clock import unit_zone
from carehub.portal.widgets import NodeSelect
from notifications.models import Message, Notice, SmsSettings
from notifications.services.followups import RULE_KEY
from notifications.tasks import relay_unit

from . import sms_gateway as sms
from .test_browser import browser, server  # noqa: F401 (fixtures)
from .test_browser_registers import committed, sign_in

gateway, sms_gateway = sms.gateway, sms.sms_gateway  # fixtures
pytestmark = [pytest.mark.browser, pytest.mark.django_db]
PREFIX = "浏览器短信"
PHONES = {"一": "+8613800001001", "二": "+8613800001002", "三": "+8613800001003"}
UNREACHABLE = PHONES["三"]


@pytest.fixture(scope="module")
def sms_env(sms_gateway):
    """The server process verifies the gateway's signatures with the platform token: give it the gateway's."""
    with mock.patch.dict(os.environ, {"TWILIO_ACCOUNT_SID": sms.ACCOUNT.sid, "TWILIO_AUTH_TOKEN": sms.ACCOUNT.token,
                                      "TWILIO_API_BASE_URL": sms_gateway.url}):
        yield


def purge(first_event: int) -> None:
    doomed = Member.objects.filter(name__startswith=PREFIX)
    Message.objects.filter(to__in=PHONES.values()).delete()
    Notice.objects.all().delete()
    rules = Rule.objects.filter(key=RULE_KEY)  # "reach the member another way", made on the first failure
    CareTask.objects.filter(rule__in=rules).delete()
    Rule.objects.filter(pk__in=rules).update(current=None)
    RuleVersion.objects.filter(rule__in=rules).delete()
    rules.delete()
    doomed.delete()
    SmsSettings.objects.all().delete()
    UsageRecord.objects.filter(source_key__startswith="sms:alpha:").delete()
    with connection.cursor() as cursor:  # the audit trail refuses deletes through the ORM, by design
        cursor.execute("DELETE FROM audit_auditevent WHERE id > %s", [first_event])


@pytest.fixture
def branch(django_db_setup, gateway, settings):
    """Three members of east1 with phones, and alpha ready to send now, whatever the hour."""
    alpha = django_db_setup["alpha"]

    def create():
        first_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for name, phone in PHONES.items():
            members.create_member(alpha.admin, node=alpha.nodes["east1"], name=PREFIX + name, sex="m",
                                  birth_date="1945-09-09", phone=phone, uses_smartphone=False)
        now = datetime.datetime.now(unit_zone())
        SmsSettings.objects.update_or_create(pk=1, defaults={
            "messaging_service_sid": "MG" + "b" * 32, "rate_per_second": 100,
            "send_from": (now - datetime.timedelta(hours=1)).time(),
            "send_until": (now + datetime.timedelta(hours=2)).time()})
        return first_event

    first_event = committed(create)
    yield alpha
    committed(lambda: purge(first_event))


def test_compose_a_notice_to_a_branch_and_watch_it_delivered(sms_env, server, browser, worker, branch,  # noqa: F811
                                                             gateway, settings):
    # The worker builds status callback URLs from these: the server's port, plain http.
    settings.CAREHUB_PUBLIC_PORT, settings.CAREHUB_PUBLIC_SCHEME = server, "http"
    gateway.configure(callbacks="post", callback_delay_ms=300, numbers={UNREACHABLE: "undeliverable"})
    page = sign_in(browser, server)
    page.click("#sections >> text=SMS")
    page.click("#compose-notice")
    page.select_option("#id_node", label=NodeSelect.INDENT * 2 + "东一支部")  # two levels below the top
    page.fill("#id_body", "{member_name}同志：本周五下午三点在党员活动室召开支部党员大会，请准时参加。")
    page.locator("#preview-encoding", has_text="UCS-2").wait_for()
    page.click("#prepare-notice")
    summary = page.locator("#audience-summary")
    summary.wait_for()
    assert "3 messages" in summary.inner_text() and "3 segments" in summary.inner_text()
    assert f"{PREFIX}一同志" in page.inner_text("#audience-sample")
    page.click("#send-notice")
    page.wait_for_url("**/sms/?notice=*")
    assert "3 messages" in page.inner_text("#message-count")
    assert page.locator("#outbox-table .status-pending").count() == 3

    # The on-commit dispatch went to the server's own queue; here a real worker of this test relays instead.
    relay_unit.apply_async(headers={"_schema_name": "alpha"})
    delivered = page.locator("#outbox-table .status-delivered")
    undelivered = page.locator("#outbox-table .status-undelivered")
    expect(delivered).to_have_count(2, timeout=30000)
    expect(undelivered).to_have_count(1, timeout=30000)
    assert "30003" in undelivered.inner_text()
    assert page.locator("#outbox-rows[hx-trigger]").count() == 0  # nothing in flight: refreshing stopped
    assert sorted(message["to"] for message in gateway.messages()) == sorted(PHONES.values())
    page.context.close()
