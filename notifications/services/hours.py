"""Sending hours: the window a message may go out in ("quiet hours" are the time outside it), in the unit's time
zone (carehub.clock.unit_zone).

A window is [start, end) in local time; start > end means it runs across midnight (21:00-07:00 is valid). A
member's own window (SendWindow, set through notifications.services.windows) replaces the unit's. A message due
outside its window waits for the next start; the relay checks the window again when it sends."""

import datetime

from django.utils.translation import gettext as _

from notifications.models import SendWindow, SmsSettings

Window = tuple[datetime.time, datetime.time]


def parse_time(value, field: str, errors: dict) -> datetime.time | None:
    """A window's start or end from "09:00" (or a time); on a bad value, an error for `field` in `errors`."""
    if isinstance(value, datetime.time):
        return value
    try:
        return datetime.time.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = _("Enter a time such as 09:00.")
        return None


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


def window_of(member) -> tuple[Window, SendWindow | None]:
    """The window the member's messages go out in, and their own SendWindow (None: the unit's window)."""
    own = SendWindow.objects.filter(member=member).first()
    if own:
        return (own.send_from, own.send_until), own
    sms = SmsSettings.objects.filter(pk=1).first() or SmsSettings()  # reading a page creates nothing
    return (sms.send_from, sms.send_until), None
