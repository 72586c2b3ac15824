"""Twilio's webhooks at each unit's own host: delivery status callbacks and inbound replies (STOP/START/HELP).

Each view verifies X-Twilio-Signature with the token of the account named in the request (the unit's own
subaccount or the platform's; any other account is refused) against the public URL Twilio called, reads
Twilio's fields, calls the service and answers. Forged, unsigned or foreign requests get 403 and change nothing.
What they change is recorded in the audit trail as coming from the message gateway (Source.WEBHOOK).
"""

from xml.sax.saxutils import escape

from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from carehub.audit.models import Source
from carehub.audit.services import source
from notifications.providers.twilio import callback_report
from notifications.services import delivery, replies
from notifications.services.config import token_for
from notifications.signatures import is_valid_twilio_request


def _verified(request) -> bool:
    token = token_for(request.POST.get("AccountSid", ""))
    return bool(token) and is_valid_twilio_request(request, token)


@csrf_exempt
@require_POST
def status_callback(request):
    """A message's new status. The URL carries our id for the message (`m`), so that a message whose answer was
    lost (no sid yet) is found too."""
    if not _verified(request):
        return HttpResponseForbidden()
    with source(Source.WEBHOOK):
        delivery.status_reported(callback_report(request.POST), account_sid=request.POST.get("AccountSid", ""),
                                 message_id=request.GET.get("m", ""))
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def inbound(request):
    """A reply from a phone, answered in TwiML (an empty answer sends nothing back)."""
    if not _verified(request):
        return HttpResponseForbidden()
    with source(Source.WEBHOOK):
        answer = replies.reply(request.POST.get("From", ""), request.POST.get("Body", ""))
    twiml = f"<Response><Message>{escape(answer)}</Message></Response>" if answer else "<Response/>"
    return HttpResponse(f'<?xml version="1.0" encoding="UTF-8"?>{twiml}', content_type="text/xml")
