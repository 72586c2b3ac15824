"""Replies from phones to the unit's sender: STOP (退订/TD/T) opts the phone out of everything, START (恢复/订阅)
ends that, HELP explains. Each gets an answer in the unit's language where the provider can send one (Twilio,
in its reply to the webhook; Alibaba Cloud sends only approved templates, so there it gets none); anything else
gets none."""

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from carehub.clock import current_unit
from carehub.phones import normalise_phone
from notifications.models import OptOut, OptOutChannel, OptOutScope, OptOutSource
from notifications.services.optouts import end_opt_out, record_opt_out

# TD and T are the unsubscribe replies Chinese carriers and SMS vendors name; R is Alibaba Cloud's ("拒收请回复R",
# required at the end of its promotional messages, greetings among them).
STOP = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "TD", "T", "R", "退订", "退订短信", "拒收"}
START = {"START", "UNSTOP", "YES", "恢复", "订阅"}  # never a STOP word (退订)
HELP = {"HELP", "INFO", "帮助"}


def reply(sender: str, text: str) -> str:
    """Act on the reply `text` from the phone `sender`; returns the answer to send back ("" for none)."""
    unit = current_unit()
    word = (text or "").strip().upper()
    try:
        phone = normalise_phone(sender)
    except ValidationError:  # a sender id we cannot parse: nothing to record
        phone = ""
    with translation.override(unit.language):
        if phone and word in STOP:
            # A reply refuses texts; calls (for members who cannot read them) stay unless refused too.
            record_opt_out(None, phone=phone, scope=OptOutScope.ALL, source=OptOutSource.REPLY,
                           channel=OptOutChannel.SMS, note=_("Replied “%(word)s”.") % {"word": word[:20]})
            return _("%(unit)s: you will receive no more text messages. Reply START to receive them again.") % {
                "unit": unit.name}
        if phone and word in START:
            for opt_out in OptOut.objects.filter(phone=phone, ended_at__isnull=True):
                end_opt_out(None, opt_out)
            return _("%(unit)s: you will receive our messages again. Reply STOP to stop them.") % {"unit": unit.name}
        if word in HELP:
            return _("%(unit)s care messages. Reply STOP to stop them, START to receive them again.") % {
                "unit": unit.name}
    return ""
