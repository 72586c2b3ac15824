"""Opt-outs by phone number: recorded by staff (given by phone or in person), by an SMS reply (STOP/退订) or
reported by the carrier (Twilio 21610). A phone has at most one current opt-out; ending one keeps it as history.

What an opt-out covers: "greetings" only greetings; "all" greetings and notices. Reminders to staff are not
covered by a member's opt-out recorded by staff (a staff phone may be a member's proxy phone too), but a STOP
reply or a carrier block covers everything sent to that phone: the person asked the channel itself.

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
from carehub.audit.services import record
from carehub.phones import normalise_phone
from notifications import access as queries
from notifications.models import Category, Message, OptOut, OptOutScope, OptOutSource, Status

CHANNEL_SOURCES = {OptOutSource.REPLY, OptOutSource.PROVIDER}


def covers(scope: str, source: str, category: str) -> bool:
    if category == Category.STAFF:
        return scope == OptOutScope.ALL and source in CHANNEL_SOURCES
    return scope == OptOutScope.ALL or category == Category.GREETING


def current_opt_outs(phones) -> dict[str, tuple[str, str]]:
    """phone -> (scope, source) of the current opt-outs among `phones`."""
    rows = OptOut.objects.filter(phone__in=set(phones), ended_at__isnull=True).values_list("phone", "scope", "source")
    return {phone: (scope, source) for phone, scope, source in rows}


def member_opt_out(member) -> OptOut | None:
    """The opt-out in force on the phone the member's messages go to (their proxy's, else their own), else one
    recorded for the member on another phone."""
    phone = member.proxy_phone or member.phone
    current = OptOut.objects.filter(Q(member=member) | Q(phone=phone) if phone else Q(member=member),
                                    ended_at__isnull=True)
    return min(current, key=lambda opt_out: opt_out.phone != phone, default=None)


def is_opted_out(phone: str, category: str) -> bool:
    current = current_opt_outs([phone]).get(phone)
    return bool(current) and covers(*current, category)


def cancel_covered(opt_out: OptOut) -> int:
    """Cancel the messages to the phone still waiting that the opt-out covers (the relay re-checks anyway)."""
    categories = [category for category in Category.values if covers(opt_out.scope, opt_out.source, category)]
    return Message.objects.filter(to=opt_out.phone, status=Status.PENDING, category__in=categories).update(
        status=Status.CANCELLED, error_code="opted-out", error_message=_("The recipient opted out."),
        status_changed_at=timezone.now())


def record_opt_out(actor, *, phone: str, scope: str, source: str, member=None, note: str = "") -> OptOut:
    """Record that `phone` declines `scope`; replaces the phone's current opt-out when the scope differs."""
    if source == OptOutSource.STAFF:
        access.require_write(actor, member.node if member else None)
    if scope not in OptOutScope.values:
        raise ValidationError({"scope": _("Choose what the recipient declines.")})
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
        if current and current.scope == scope:
            return current
        if current:
            _end(actor, current)
        opt_out = OptOut.objects.create(phone=phone, scope=scope, source=source, member=member, note=note[:200],
                                        created_by=actor if getattr(actor, "pk", None) else None)
        cancelled = cancel_covered(opt_out)
        record(actor, "create", opt_out, {"phone": [None, phone], "scope": [None, scope], "source": [None, source],
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
    return queries.visible_opt_outs(actor).filter(pk=opt_out.pk).exists()


def _end(actor, opt_out: OptOut) -> None:
    opt_out.ended_at = timezone.now()
    opt_out.save(update_fields=["ended_at"])
    record(actor, "end", opt_out, {"ended_at": [None, str(opt_out.ended_at)]})


def end_opt_out(actor, opt_out: OptOut) -> OptOut:
    """The recipient accepts messages again (from now on: cancelled messages stay cancelled)."""
    if actor is not None:
        access.require_write(actor, opt_out.member.node if opt_out.member else None)
        if not _may_see(actor, opt_out):
            raise PermissionDenied(_("You may not change records there."))
    with transaction.atomic():
        opt_out = OptOut.objects.select_for_update().get(pk=opt_out.pk)
        if opt_out.ended_at is None:
            _end(actor, opt_out)
    return opt_out
