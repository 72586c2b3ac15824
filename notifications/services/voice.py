"""Voice messages: a call that reads a text to a member in Mandarin, for those who cannot read an SMS.

Greetings and notices call through the ladder of channels (notifications.services.ladder); `call_member` queues
one call outside any ladder: an outbox row of channel "voice" in the caller's transaction, under the key
"voice:<occasion>:<phone>", so one occasion calls a phone once however many members share it. The relay places
the call like it sends an SMS (windows, daily caps, opt-outs and deaths checked when queuing and again when
calling; the plan's allowance reserved); notifications.services.calls takes it from there. What the call says is
`answer` (read the text, read it again, ask for one key) and `after_key`, served to Twilio by the voice webhooks.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from care.registers.models import Member
from carehub.audit.services import record
from carehub.phones import normalise_phone
from notifications.actions import CALL_QUEUED
from notifications.models import Category, Channel, Message
from notifications.providers.twilio_voice import read_and_ask, say_and_hang_up
from notifications.services import calls
from notifications.services.outbox import Queued, Row, queue_many

# What the call says around the text, in Mandarin (the voice is Mandarin whatever the portal's language).
AGAIN = "我再说一遍："
QUESTION = "如果您需要有人上门看望您，请按1；如果您已经听清楚了，请按2。"
GOODBYE = "谢谢您接听，再见。"
AFTER_KEY = {calls.VISIT: "好的，我们会尽快安排人上门看望您。再见。", calls.RECEIVED: "好的，谢谢您，再见。"}


def occasion_key(occasion) -> str:
    """An occasion's part of the outbox key: a text of the caller's ("notice:12", "double_ninth:2026-10-18") or an
    outbox row this call follows up (an SMS nobody could read: its own key)."""
    return occasion.idempotency_key if isinstance(occasion, Message) else str(occasion)


def phone_of(member: Member) -> str:
    """The phone a member is called on: their own, else their proxy's."""
    return member.phone or member.proxy_phone


def _same_phone(raw: str) -> str:
    """The phone as the outbox keeps it (E.164), so that one phone written two ways is still one key."""
    try:
        return normalise_phone(raw) or raw
    except ValidationError:
        return raw


def call_members(actor, members, *, text: str, occasion, category: str = Category.NOTICE, notice=None,
                 due_at=None) -> Queued:
    """Queue a voice call reading `text` to each of `members` (inside the caller's transaction), one per phone and
    occasion; refused ones (opt-out, death, no phone) are written as "not sent" with the reason, as an SMS is."""
    base = f"voice:{occasion_key(occasion)}"
    rows = [Row(key=f"{base}:{_same_phone(phone_of(member)) or member.pk}"[:120], category=category,
                to=phone_of(member), body=text, member_id=member.pk, notice_id=getattr(notice, "pk", None),
                due_at=due_at, channel=Channel.VOICE) for member in members]
    queued = queue_many(actor, rows)
    if queued.created:
        record(actor, CALL_QUEUED, Message.objects.get(pk=queued.created[0]),
               {"calls": [None, len(queued.created)], "occasion": [None, occasion_key(occasion)]},
               object_type="message")
    return queued


def call_member(actor, member: Member, *, text: str, occasion, category: str = Category.NOTICE,
                due_at=None) -> Message | None:
    """Queue one voice call reading `text` to `member` for `occasion`; None when that phone was already queued a
    call for it (a shared phone, or the same occasion again). `actor` None: the system."""
    created = call_members(actor, [member], text=text, occasion=occasion, category=category, due_at=due_at).created
    return Message.objects.get(pk=created[0]) if created else None


def answer(message_id: str, call_sid: str, *, machine: bool, gather_url: str) -> str:
    """The TwiML a call is answered with: the message read twice, then one key asked for. Nothing is said to an
    answering machine (the try counts as unanswered) nor in a call that is not one of this unit's messages."""
    message = Message.objects.filter(pk=int(message_id), channel=Channel.VOICE).first() \
        if message_id.isdigit() else None
    if machine or message is None or not calls.is_current(message_id, call_sid):
        return say_and_hang_up()
    return read_and_ask(message.body, again=AGAIN, question=QUESTION, goodbye=GOODBYE, action=gather_url)


def after_key(digit: str | None) -> str:
    """What the call says once a key was pressed (None: a key that means nothing: goodbye)."""
    return say_and_hang_up(AFTER_KEY.get(digit or "", GOODBYE))


def outcome_words(message: Message) -> str:
    """A voice message's tries and outcome in words, for the outbox and the member's timeline."""
    tries = list(message.calls.all())
    keys = [call.digit for call in tries if call.digit]
    words = _("%(count)d of %(tries)d calls") % {"count": len(tries), "tries": calls.VOICE_TRIES}
    ended = [call.get_outcome_display() for call in tries if call.outcome]
    if ended:
        words += ": " + ", ".join(ended)
    if calls.VISIT in keys:
        words += "; " + _("pressed 1: asked for a visit")
    elif calls.RECEIVED in keys:
        words += "; " + _("pressed 2: received")
    return words
