"""Twilio's webhooks at each unit's own host: delivery status callbacks and inbound replies (STOP/START/HELP).

Both verify X-Twilio-Signature with the token of the account named in the request (the unit's own subaccount
or the platform's; any other account is refused) against the public URL Twilio called. Forged, unsigned or
foreign requests get 403 and change nothing. A callback only touches a message of THIS unit's schema with that
sid (or, for a message whose answer was lost, the id in the callback URL and no sid yet): one posted to another
unit's host finds nothing there and changes nothing.
"""

from xml.sax.saxutils import escape

from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from carehub.phones import normalise_phone
from notifications.models import Message, OptOut, OptOutScope, OptOutSource, Status
from notifications.services import delivery
from notifications.services.optouts import end_opt_out, record_opt_out
from notifications.services.settings import current_unit, token_for
from notifications.signatures import is_valid_twilio_request

STOP = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "TD", "退订", "退订短信"}
START = {"START", "UNSTOP", "YES", "恢复", "订阅"}  # never a STOP word (退订)
HELP = {"HELP", "INFO", "帮助"}


def _verified(request) -> bool:
    token = token_for(request.POST.get("AccountSid", ""))
    return bool(token) and is_valid_twilio_request(request, token)


def _message(request):
    """The message this callback is about, in this unit: by sid, else by our id for a message with no sid (its
    answer was lost; or a lookup missed it and it waits to be sent again, which this callback then prevents)."""
    sid, account = request.POST.get("MessageSid", ""), request.POST.get("AccountSid", "")
    found = Message.objects.filter(sid=sid, account_sid=account).first() if sid else None
    pk = request.GET.get("m", "")
    if found is None and pk.isdigit():
        found = Message.objects.filter(pk=int(pk), sid__isnull=True,
                                       status__in=[Status.PENDING, Status.SENDING, Status.UNKNOWN]).first()
    return found


@csrf_exempt
@require_POST
def status_callback(request):
    if not _verified(request):
        return HttpResponseForbidden()
    message = _message(request)
    outcome = message and delivery.reported(
        message.pk, request.POST.get("MessageStatus", ""), sid=request.POST.get("MessageSid") or None,
        account_sid=request.POST.get("AccountSid", ""), error_code=request.POST.get("ErrorCode", ""),
        error_message=request.POST.get("ErrorMessage", ""))
    if outcome:
        delivery.apply_outcomes(current_unit(), [outcome])
    return HttpResponse(status=204)


def _twiml(text: str) -> HttpResponse:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(text)}</Message></Response>'
    return HttpResponse(body, content_type="text/xml")


@csrf_exempt
@require_POST
def inbound(request):
    """A reply from a phone: STOP (退订/TD) opts it out of everything, START (恢复/订阅) ends that, HELP explains."""
    if not _verified(request):
        return HttpResponseForbidden()
    unit = current_unit()
    word = (request.POST.get("Body") or "").strip().upper()
    try:
        phone = normalise_phone(request.POST.get("From", ""))
    except ValidationError:  # a sender id we cannot parse: nothing to record
        phone = ""
    with translation.override(unit.language):
        if phone and word in STOP:
            record_opt_out(None, phone=phone, scope=OptOutScope.ALL, source=OptOutSource.REPLY,
                           note=_("Replied “%(word)s”.") % {"word": word[:20]})
            return _twiml(_("%(unit)s: you will receive no more messages. Reply START to receive them again.")
                          % {"unit": unit.name})
        if phone and word in START:
            for opt_out in OptOut.objects.filter(phone=phone, ended_at__isnull=True):
                end_opt_out(None, opt_out)
            return _twiml(_("%(unit)s: you will receive our messages again. Reply STOP to stop them.")
                          % {"unit": unit.name})
        if word in HELP:
            return _twiml(_("%(unit)s care messages. Reply STOP to stop them, START to receive them again.")
                          % {"unit": unit.name})
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response/>', content_type="text/xml")
