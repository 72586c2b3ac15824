"""A member's greetings and SMS for their profile's timeline (a source of care.registers.timeline, registered in
notifications.apps). Three queries whatever the length of the history.

- Each greeting the programme planned for the member up to today, by its name (never its template key), with
  what became of it: the SMS that carried it and its delivery, or pending, or cancelled. A greeting and its SMS are
  one item: the outbox key "greeting:<template>:<date>:<phone>[:<member>]" says which greeting an SMS carried.
- Every other SMS sent to the member (notices), with its delivery and sending time in the unit's zone.

Only messages the user may see (notifications.access.visible_messages): an SMS shared by members of another
subtree stays out, and its greeting reads "handed to SMS". Greeting texts are never shown (on a shared phone
they name the other members); a notice's text is shown, as the outbox shows it, unless its audience was chosen
by a sensitive hardship category the user may not see.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.programme.models import Greeting, GreetingStatus
from care.registers.access import can_see_sensitive
from care.registers.models import SENSITIVE_CATEGORIES
from carehub.clock import unit_now, unit_today
from notifications.access import visible_messages
from notifications.models import Category, Channel, Status
from notifications.services.templates import name_of, own_names
from notifications.services.voice import outcome_words

# What became of a greeting whose SMS the user does not see (or that has none): (by SMS, not by SMS).
GREETING_WORDS = {
    GreetingStatus.PENDING: (gettext_lazy("Waiting to be sent by SMS"),
                             gettext_lazy("Not by SMS: the member uses a smartphone")),
    GreetingStatus.SENT: (gettext_lazy("Handed to SMS"), gettext_lazy("Sent")),
    GreetingStatus.CANCELLED: (gettext_lazy("Cancelled"), gettext_lazy("Cancelled")),
}


def _greeting_of(key: str) -> tuple[str, str] | None:
    """(template, date) of a greeting's outbox key."""
    parts = key.split(":")
    return (parts[1], parts[2]) if len(parts) >= 4 and parts[0] == "greeting" else None


def _delivery(message) -> str:
    """"SMS: Delivered, sent 2026-05-01 09:03", in the unit's zone; why it was not sent when it was not."""
    status = message.get_status_display()
    if message.sent_at:
        words = _("SMS: %(status)s, sent %(time)s") % {"status": status,
                                                        "time": f"{unit_now(message.sent_at):%Y-%m-%d %H:%M}"}
    elif message.status == Status.CANCELLED:
        words = _("SMS: %(status)s") % {"status": status}
    else:
        words = _("SMS: %(status)s, not before %(time)s") % {
            "status": status, "time": f"{unit_now(message.not_before):%Y-%m-%d %H:%M}"}
    if message.status == Status.CANCELLED and message.error_message:
        words += f" ({message.error_message})"  # our own reason in words: opted out, no phone, ...
    return words


def _call_words(message) -> str:
    """"Voice call: Delivered and heard, 1 of 3 calls: Answered; pressed 1: asked for a visit"."""
    return _("Voice call: %(status)s") % {"status": message.get_status_display()} + ", " + outcome_words(message)


def _hidden(notice, user) -> bool:
    """A notice to members chosen by a sensitive category says of each recipient that they have it."""
    chosen = set((notice.filters or {}).get("hardship") or []) if notice else set()
    return bool(chosen & set(SENSITIVE_CATEGORIES)) and not can_see_sensitive(user)


def items_for(member, user) -> list[dict]:
    """`user` may see the member (the profile checked it)."""
    greetings = list(Greeting.objects.filter(member=member, send_on__lte=unit_today()).order_by("send_on", "pk"))
    phone = member.proxy_phone or member.phone or "none"
    keys = {f"greeting:{greeting.template}:{greeting.send_on}:{phone}{suffix}"
            for greeting in greetings if greeting.via_sms for suffix in ("", f":{member.pk}")}
    messages = (visible_messages(user).filter(Q(member=member) | Q(idempotency_key__in=keys))
                .select_related("notice__created_by").prefetch_related("calls").order_by("created_at", "pk"))
    carried, others = {}, []
    for message in messages:
        greeting = _greeting_of(message.idempotency_key) if message.category == Category.GREETING else None
        if greeting:
            carried[greeting] = message
        else:
            others.append(message)
    names = own_names()
    items = []
    for greeting in greetings:
        message = carried.pop((greeting.template, str(greeting.send_on)), None)
        note = _delivery(message) if message else str(GREETING_WORDS[greeting.status][0 if greeting.via_sms else 1])
        items.append({"day": greeting.send_on, "at": message.created_at if message else greeting.created_at,
                      "kind": "greeting", "title": _("Greeting: %(name)s") % {
                          "name": name_of(greeting.template, names)}, "note": note})
    for message in [*carried.values(), *others]:  # greeting SMS whose greeting is gone count as plain SMS
        notice = message.notice
        text = "" if _hidden(notice, user) or message.category == Category.GREETING else \
            Truncator(message.body).chars(80)
        purpose = name_of(notice.template_key, names) if notice and notice.template_key else \
            message.get_category_display()
        url = reverse("sms:outbox") + "?" + urlencode({"notice": notice.pk}) if notice else ""
        at = message.sent_at or message.created_at
        if message.channel == Channel.VOICE:  # a call read the text: its tries, outcome and the key pressed
            kind, title, words = "voice", _("Voice call: %(name)s") % {"name": purpose}, _call_words(message)
        else:
            kind, title, words = "sms", _("SMS: %(name)s") % {"name": purpose}, _delivery(message)
        items.append({"day": unit_today(at), "at": at, "kind": kind, "title": title,
                      "note": "\n".join(part for part in (text, words) if part),
                      "by": notice.created_by.get_full_name() if notice and notice.created_by else "", "url": url})
    return items
