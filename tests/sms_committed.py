"""Fixtures for SMS tests whose rows must be committed (real workers, concurrent relays): import them into the
test module. `committed` makes alpha ready to send at any hour and removes what the test wrote afterwards."""

import datetime

import pytest
from django.db import connection

from billing.models import UsageRecord
from care.registers.models import Member
from carehub.audit.models import AuditEvent
from notifications.models import Message, Notice, SmsSettings

from .sms_core_data import at, ready_to_send
from .test_programme_workers import in_thread

PREFIX = "中继测试"  # names of members such tests create, so that they can be removed


@pytest.fixture
def short_timeout(settings):
    settings.TWILIO_TIMEOUT_SECONDS = 0.3


@pytest.fixture
def committed(django_db_setup, gateway, settings):
    """Queuing dispatches no relay task unless a test asks for it."""
    settings.SMS_RELAY_PARALLEL = 0

    def setup():
        now = datetime.datetime.now(datetime.UTC).astimezone(at(0).tzinfo)
        ready_to_send(send_from=(now - datetime.timedelta(hours=1)).time(),
                      send_until=(now + datetime.timedelta(hours=2)).time(), rate_per_second=1000)
        return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    first_event = in_thread(setup)
    yield
    in_thread(lambda: purge(first_event))


def purge(first_event: int) -> None:
    Message.objects.all().delete()
    Notice.objects.all().delete()
    SmsSettings.objects.all().delete()
    Member.objects.filter(name__startswith=PREFIX).delete()
    UsageRecord.objects.filter(source_key__startswith="sms:alpha:").delete()
    with connection.cursor() as cursor:  # the audit trail refuses deletes through the ORM, by design
        cursor.execute("DELETE FROM audit_auditevent WHERE id > %s", [first_event])
