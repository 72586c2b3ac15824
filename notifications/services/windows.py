"""Sending windows ("quiet hours" are the time outside them) in the unit's time zone.

A window is [start, end) in local time; start > end means it runs across midnight (21:00-07:00 is valid). A
member's own window (SendWindow) replaces the unit's. A message due outside its window waits for the next
start."""

import datetime
import zoneinfo

from care.programme.calendar import unit_time_zone

from ..models import SendWindow

Window = tuple[datetime.time, datetime.time]


def zone() -> zoneinfo.ZoneInfo:
    return unit_time_zone()


def contains(window: Window, moment: datetime.time) -> bool:
    start, end = window
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def next_open(window: Window, moment: datetime.datetime, tz) -> datetime.datetime:
    """The first instant at or after `moment` inside the window."""
    local = moment.astimezone(tz)
    if contains(window, local.time()):
        return moment
    start = datetime.datetime.combine(local.date(), window[0], tzinfo=tz)
    if start < local:
        start = datetime.datetime.combine(local.date() + datetime.timedelta(days=1), window[0], tzinfo=tz)
    return start.astimezone(datetime.UTC)


def day_start(moment: datetime.datetime, tz) -> datetime.datetime:
    """Local midnight of `moment`'s day, as UTC (daily caps count per local day)."""
    local = moment.astimezone(tz)
    return datetime.datetime.combine(local.date(), datetime.time(), tzinfo=tz).astimezone(datetime.UTC)


def member_windows(member_ids) -> dict[int, Window]:
    ids = {pk for pk in member_ids if pk}
    if not ids:
        return {}
    rows = SendWindow.objects.filter(member_id__in=ids).values_list("member_id", "send_from", "send_until")
    return {pk: (start, end) for pk, start, end in rows}
