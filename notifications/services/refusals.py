"""Who must not get a message, and why: the one refusal check, and marking refused messages "not sent".

The outbox checks when a message is queued (and writes a refused one as not sent, with its reason), the relay
checks again when it claims messages to send (a member may have died or a phone opted out in between), and
recording an opt-out refuses at once the waiting messages it covers. All three use `refusals` and `refuse`.

What an opt-out covers: "greetings" only greetings; "all" greetings and notices. Reminders to staff are not
covered by a member's opt-out recorded by staff (a staff phone may be a member's proxy phone too), but a STOP
reply or a carrier block covers everything sent to that phone: the person asked the channel itself.

A unit sending through a provider of approved templates (Alibaba Cloud) sends only the texts of its templates
that the vendor approved and that keep its rules (notifications.services.compliance); any other message is
refused, saying which of those it is not."""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from care.registers.models import Member, MemberStatus
from notifications import leases
from notifications.models import Category, Channel, OptOut, OptOutChannel, OptOutScope, OptOutSource, Status
from notifications.services import compliance
from notifications.services.config import uses_aliyun

CHANNEL_SOURCES = {OptOutSource.REPLY, OptOutSource.PROVIDER}


def reasons() -> dict[str, str]:
    """Why a message is not sent: reason code -> the text the outbox shows."""
    return {"no-phone": _("The recipient has no phone number."),
            "invalid-number": _("The phone number is not valid."),
            "deceased": _("The member has died."),
            "opted-out": _("The recipient opted out."),
            compliance.NO_TEMPLATE: _("Alibaba Cloud sends only the unit's approved templates, and this text is "
                                      "not one of them unchanged."),
            compliance.NOT_APPROVED: _("Alibaba Cloud has not approved this template, or its template code is "
                                       "missing: see Message templates."),
            compliance.NOT_COMPLIANT: _("The template breaks Alibaba Cloud's rules: its problems are shown on "
                                        "Message templates.")}


def covers(scope: str, source: str, channel: str, category: str, sent_as: str = Channel.SMS) -> bool:
    """Does an opt-out (its scope, source and channel) refuse a message of `category` sent as `sent_as`?"""
    if channel not in (OptOutChannel.ALL, sent_as):
        return False
    if category == Category.STAFF:
        return scope == OptOutScope.ALL and source in CHANNEL_SOURCES
    return scope == OptOutScope.ALL or category == Category.GREETING


def current_opt_outs(phones) -> dict[str, tuple[str, str, str]]:
    """phone -> (scope, source, channel) of the current opt-outs among `phones`."""
    rows = (OptOut.objects.filter(phone__in=set(phones), ended_at__isnull=True)
            .values_list("phone", "scope", "source", "channel"))
    return {phone: (scope, source, channel) for phone, scope, source, channel in rows}


def refusals(candidates: Iterable[tuple]) -> dict:
    """The messages among `candidates` ((key, member id or None, phone, category, (template, language), channel)
    each) that must not go out: key -> reason code. "deceased" when the member died, "opted-out" when an opt-out
    in force on the phone covers the message's category and channel; at Alibaba Cloud, an SMS template it may not
    send (see compliance.template_refusals; calls go through Twilio). A few queries, whatever the number of
    candidates."""
    candidates = list(candidates)
    member_ids = {row[1] for row in candidates if row[1]}
    deceased = set(Member.objects.filter(pk__in=member_ids, status=MemberStatus.DECEASED).values_list("pk", flat=True))
    opt_outs = current_opt_outs(row[2] for row in candidates)
    texts = {row[4] for row in candidates if row[5] == Channel.SMS}
    blocked = compliance.template_refusals(texts) if texts and uses_aliyun() else {}
    refused = {}
    for key, member_id, phone, category, template, channel in candidates:
        if member_id in deceased:
            refused[key] = "deceased"
        elif phone in opt_outs and covers(*opt_outs[phone], category, channel):
            refused[key] = "opted-out"
        elif channel == Channel.SMS and template in blocked:
            refused[key] = blocked[template]
    return refused


def refuse(messages, reason: str, now=None) -> int:
    """Mark the messages of the queryset `messages` that still wait to be sent as not sent, for `reason` (a key
    of `reasons`). Returns how many."""
    refused = messages.filter(status=Status.PENDING).update(
        status=Status.CANCELLED, error_code=reason, error_message=reasons()[reason],
        status_changed_at=now or timezone.now())
    if refused:
        leases.wake_soon()  # a ladder may climb past a refused channel
    return refused
