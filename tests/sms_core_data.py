"""Shared helpers of the SMS engine tests: members with phones, unit-local times, a unit ready to send."""

import datetime
import zoneinfo

from care.registers.models import Member
from care.registers.services import members
from notifications.models import SmsSettings

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
SERVICE = "MG" + "a" * 32
DAY = datetime.date(2026, 10, 18)  # Double Ninth 2026


def at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    """A moment in the unit's local time (Asia/Shanghai)."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def add_member(staff, name: str, phone: str = "", node: str = "east1", **data) -> Member:
    values = {"sex": "f", "birth_date": "1950-05-05", "joined_on": "1975-05-05", "phone": phone, **data}
    return members.create_member(staff.admin, node=staff.nodes[node], name=name, **values)


def ready_to_send(**fields) -> SmsSettings:
    """The unit's settings with a sender (inside the unit's schema)."""
    sms = SmsSettings.objects.get_or_create(pk=1)[0]
    for name, value in {"messaging_service_sid": SERVICE, **fields}.items():
        setattr(sms, name, value)
    sms.save()
    return sms
