"""Opt-outs by phone number: recorded by staff (given by phone or in person), by an SMS reply (STOP/退订) or
reported by the carrier (the provider refused a message because the phone opted out). A phone has at most one
current opt-out; ending one keeps it as history. What an opt-out covers, and the check that honours it, are
notifications.services.refusals.

Scope (notifications.access.visible_opt_outs): staff see and change the opt-outs of their subtree's members and
the phone-only ones on their members' phones. Staff of a subtree record opt-outs only on phones their members or
their proxies use, always for a member (so their note never shows in another subtree sharing the phone); a phone
whose opt-out in force belongs elsewhere is refused without telling whose it is."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from care.registers import access
from carehub.audit.services import changing, record
from carehub.phones import normalise_phone
from notifications.access import visible_opt_outs
from notifications.actions import OPTOUT_CREATED, OPTOUT_ENDED
from notifications.models import Category, Channel, Message, OptOut, OptOutChannel, OptOutScope, OptOutSource
from notifications.services.refusals import covers, refuse


def member_opt_out(member) -> OptOut | None:
    """The opt-out in force on the phone the member's messages go to first (their own, else their proxy's), else
    one recorded for the member on another phone."""
    phone = member.phone or member.proxy_phone
    current = OptOut.objects.filter(Q(member=member) | Q(phone=phone) if phone else Q(member=member),
                                    ended_at__isnull=True)
    return min(current, key=lambda opt_out: opt_out.phone != phone, default=None)


def cancel_covered(opt_out: OptOut) -> int:
    """Refuse the messages to the phone still waiting that the opt-out covers (the relay re-checks anyway)."""
    covered = Q(pk__in=[])
    for category in Category.values:
        for channel in Channel.values:
            if covers(opt_out.scope, opt_out.source, opt_out.channel, category, channel):
                covered |= Q(category=category, channel=channel)
    return refuse(Message.objects.filter(covered, to=opt_out.phone), "opted-out")


def record_opt_out(actor, *, phone: str, scope: str, source: str, member=None, note: str = "",
                   channel: str = OptOutChannel.ALL) -> OptOut:
    """Record that `phone` declines `scope` by `channel` (SMS, calls or both); replaces the phone's current opt-out
    when either differs. A reply or a carrier's block refuses the channel it came by on top of what the current
    one refuses (an SMS reply to a phone that refused calls: both)."""
    if source == OptOutSource.STAFF:
        access.require_write(actor, member.node if member else None)
    if scope not in OptOutScope.values:
        raise ValidationError({"scope": _("Choose what the recipient declines.")})
    if channel not in OptOutChannel.values:
        raise ValidationError({"channel": _("Choose SMS, calls, or both.")})
    phone = normalise_phone(phone)
    if not phone:
        raise ValidationError({"phone": _("Enter the phone number that opts out.")})
    if source == OptOutSource.STAFF:
        member = _member_of_record(actor, phone, member)
    with transaction.atomic():
        current = OptOut.objects.select_for_update().filter(phone=phone, ended_at__isnull=True).first()
        if current and source == OptOutSource.STAFF and not _may_see(actor, current):
            raise ValidationError({"phone": _("An opt-out recorded elsewhere in the unit is in force on this "
                                              "phone; a unit admin can change it.")})
        if current and source != OptOutSource.STAFF and current.channel != channel:
            channel = OptOutChannel.ALL
        if current and current.scope == scope and current.channel == channel:
            return current
        if current:
            _end(actor, current)
        opt_out = OptOut.objects.create(phone=phone, scope=scope, source=source, member=member, note=note[:200],
                                        channel=channel, created_by=actor if getattr(actor, "pk", None) else None)
        cancelled = cancel_covered(opt_out)
        record(actor, OPTOUT_CREATED, opt_out, {"phone": [None, phone], "scope": [None, scope],
                                                "channel": [None, channel], "source": [None, source],
                                                "cancelled_messages": [None, cancelled]})
    return opt_out


def _member_of_record(actor, phone: str, member):
    """The member a staff opt-out is recorded for. Unit-wide staff may record any phone, with or without a member;
    staff of a subtree only a phone that one of their members or their proxy uses, for that member if none is
    named."""
    if access.root_path(actor) == "":
        return member
    users = access.visible_members(actor).filter(Q(phone=phone) | Q(proxy_phone=phone)).order_by("pk")
    if member is None:
        member = users.first()
    if member is None or not users.exists():
        raise ValidationError({"phone": _("Enter the phone of a member you manage or of their proxy recipient.")})
    return member


def _may_see(actor, opt_out: OptOut) -> bool:
    return visible_opt_outs(actor).filter(pk=opt_out.pk).exists()


def _end(actor, opt_out: OptOut) -> OptOut:
    """End the opt-out if it is still in force (its row locked meanwhile); recorded only when it was."""
    with changing(actor, OPTOUT_ENDED, opt_out, ["ended_at"]) as change:
        if change.instance.ended_at is None:
            change.instance.ended_at = timezone.now()
            change.instance.save(update_fields=["ended_at"])
    return change.instance


def end_opt_out(actor, opt_out: OptOut) -> OptOut:
    """The recipient accepts messages again (from now on: cancelled messages stay cancelled)."""
    if actor is not None:
        access.require_write(actor, opt_out.member.node if opt_out.member else None)
        if not _may_see(actor, opt_out):
            raise PermissionDenied(_("You may not change records there."))
    return _end(actor, opt_out)
