"""Members' own sending windows (a night-shift worker, a member who sleeps in the afternoon), set by staff who may
change the member; without one the unit's window applies. Setting or removing one plans the member's queued
messages again. The window arithmetic itself is notifications.services.hours."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.registers import access
from care.registers.models import Member
from carehub.audit.services import changing, created, diff, record, snapshot
from notifications.actions import WINDOW_CLEARED, WINDOW_SET
from notifications.models import SendWindow
from notifications.services.hours import parse_time
from notifications.services.outbox import replan

FIELDS = ["send_from", "send_until"]


def _replanned(member) -> dict:
    """What the audit record adds: the number of the member's queued messages their new window moved, if any."""
    moved = replan([member.pk])
    return {"replanned": [None, moved]} if moved else {}


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
        window = SendWindow.objects.filter(member=member).first()
        if window is None:
            window = SendWindow.objects.create(member=member, send_from=start, send_until=end)
            created(actor, WINDOW_SET, window, FIELDS, extra=_replanned(member))
            return window
        with changing(actor, WINDOW_SET, window, FIELDS) as change:
            window = change.instance
            window.send_from, window.send_until = start, end
            window.save()
            change.extra.update(_replanned(member))
    return window


def clear_window(actor, member) -> None:
    """Back to the unit's sending window (the member's queued messages are planned again for it)."""
    access.require_write(actor, member.node)
    with transaction.atomic():
        window = SendWindow.objects.select_for_update().filter(member=member).first()
        if window:
            SendWindow.objects.filter(pk=window.pk).delete()  # unlike window.delete(), keeps window.pk for the record
            record(actor, WINDOW_CLEARED, window, {**diff(snapshot(window, FIELDS), {}), **_replanned(member)})
