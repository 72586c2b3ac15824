"""Sending windows ("quiet hours" are the time outside them) in the unit's time zone.

A window is [start, end) in local time; start > end means it runs across midnight (21:00-07:00 is valid). A
member's own window (SendWindow, set by staff who may change the member) replaces the unit's. A message due
outside its window waits for the next start; the relay checks the window again when it sends."""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.registers import access
from care.registers.models import Member
from carehub.audit.services import diff, record, snapshot
from carehub.clock import unit_zone
from notifications.models import SendWindow, SmsSettings
from notifications.services.settings import parse_time

FIELDS = ["send_from", "send_until"]

Window = tuple[datetime.time, datetime.time]


def zone() -> zoneinfo.ZoneInfo:
    return unit_zone()


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


def _replanned(member, changes: dict) -> dict:
    """`changes` with the number of the member's queued messages that the new window moved, if any."""
    from notifications.services.outbox import (
        replan,  # the outbox plans with windows (a module-level import would be a cycle)
    )

    moved = replan([member.pk])
    return {**changes, "replanned": [None, moved]} if moved else changes


def set_window(actor, member, *, send_from, send_until) -> SendWindow:
    """Give the member a sending window of their own (replacing any), e.g. a night-shift worker's afternoon;
    their queued messages are planned again for it."""
    access.require_write(actor, member.node)
    errors = {}
    start, end = parse_time(send_from, "send_from", errors), parse_time(send_until, "send_until", errors)
    if not errors and start == end:
        errors["send_until"] = _("The sending window must not be empty: choose a different end time.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Member.objects.select_for_update().get(pk=member.pk)  # two first windows at once: the second waits
        window = SendWindow.objects.filter(member=member).first() or SendWindow(member=member)
        before = snapshot(window, FIELDS) if window.pk else {}
        window.send_from, window.send_until = start, end
        window.save()
        record(actor, "update" if before else "create", window,
               _replanned(member, diff(before, snapshot(window, FIELDS))))
    return window


def clear_window(actor, member) -> None:
    """Back to the unit's sending window (the member's queued messages are planned again for it)."""
    access.require_write(actor, member.node)
    with transaction.atomic():
        window = SendWindow.objects.select_for_update().filter(member=member).first()
        if window:
            SendWindow.objects.filter(pk=window.pk).delete()  # unlike window.delete(), keeps window.pk for the record
            record(actor, "delete", window, _replanned(member, diff(snapshot(window, FIELDS), {})))
