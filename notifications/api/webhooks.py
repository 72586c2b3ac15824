"""The providers' webhooks at each unit's own host: Twilio's delivery status callbacks and inbound replies
(STOP/START/HELP), Twilio's voice hooks (the TwiML of an answered call, the key pressed, the call's end), and
Alibaba Cloud's pushes of delivery reports (SmsReport) and replies (SmsUp).

Twilio: each view verifies X-Twilio-Signature with the token of the account named in the request (the unit's own
subaccount or the platform's; any other account is refused) against the public URL Twilio called, reads
Twilio's fields, calls the service and answers. Forged, unsigned or foreign requests get 403 and change nothing.

Alibaba Cloud signs nothing it pushes: its URLs carry a random secret of the unit (`/hooks/aliyun/<secret>/...`,
compared in constant time). A wrong or missing secret, or a unit not sending through Alibaba Cloud, is 404 and
nothing is read. With the right one the answer is always the vendor's JSON (code 0: taken; any other: the vendor
pushes again later), never an HTTP error, so that no error log line carries the secret; `PushSecretFilter` keeps
it out of Django's request log lines too.

What they change is recorded in the audit trail as coming from the message gateway (Source.WEBHOOK).
"""

import json
import logging
import re
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import escape

from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from carehub.audit.models import Source
from carehub.audit.services import source
from notifications.providers.aliyun import reply_of, report_of
from notifications.providers.twilio import callback_report
from notifications.providers.twilio_voice import call_report, is_machine
from notifications.services import calls, delivery, replies, voice
from notifications.services.config import get_settings, is_push_secret, token_for
from notifications.signatures import is_valid_twilio_request, public_url

PUSH_PATH = re.compile(r"(/hooks/aliyun/)[^/\s]+")
TAKEN = {"code": 0, "msg": "成功"}  # what Alibaba Cloud expects of a push it need not repeat


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


def _twiml(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="text/xml")


def _gather_url(request) -> str:
    """The gather action's URL: this hook's public URL (the one Twilio called and signed) with its path."""
    url = urlsplit(public_url(request))
    return urlunsplit(url._replace(path=url.path.rstrip("/") + "/gather/"))


@csrf_exempt
@require_POST
def voice_answer(request):
    """Twilio asks what an answered call should say (CallStatus in-progress, AnsweredBy with machine detection):
    the message read twice and one key asked for. The URL carries our id for the message (`m`)."""
    if not _verified(request):
        return HttpResponseForbidden()
    return _twiml(voice.answer(request.GET.get("m", ""), request.POST.get("CallSid", ""),
                               gather_url=_gather_url(request), machine=is_machine(request.POST.get("AnsweredBy", ""))))


@csrf_exempt
@require_POST
def voice_gather(request):
    """The key the member pressed (Digits): 1 asks for a visit, 2 says the message was heard."""
    if not _verified(request):
        return HttpResponseForbidden()
    with source(Source.WEBHOOK):
        digit = calls.key_pressed(request.POST.get("Digits", "")[:1], message_id=request.GET.get("m", ""),
                                  call_sid=request.POST.get("CallSid", ""),
                                  account_sid=request.POST.get("AccountSid", ""))
    return _twiml(voice.after_key(digit))


@csrf_exempt
@require_POST
def voice_status(request):
    """A call's end (completed, busy, no-answer, failed, canceled; answered by a machine): the try's outcome."""
    if not _verified(request):
        return HttpResponseForbidden()
    with source(Source.WEBHOOK):
        calls.call_ended(call_report(request.POST), message_id=request.GET.get("m", ""),
                         account_sid=request.POST.get("AccountSid", ""))
    return HttpResponse(status=204)


class PushSecretFilter(logging.Filter):
    """Masks the secret of Alibaba Cloud's push URLs in log records (Django's request log lines name the path)."""

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(PUSH_PATH.sub(r"\1…", arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = PUSH_PATH.sub(r"\1…", record.msg)
        return True


def _pushed(request, secret: str) -> list[dict] | None:
    """The items of a push to this unit's URL with its secret (404 otherwise); None when the body is not the
    vendor's JSON array of objects."""
    sms = get_settings()
    if not is_push_secret(secret, sms):
        raise Http404
    try:
        items = json.loads(request.body) if request.method == "POST" else None
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(items, dict):
        items = [items]
    return items if isinstance(items, list) and all(isinstance(item, dict) for item in items) else None


def _refused(reason: str) -> JsonResponse:
    return JsonResponse({"code": 1, "msg": reason}, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
def aliyun_report(request, secret: str):
    """SmsReport: delivery reports (a JSON array), each settling its message as a Twilio status callback would,
    found by BizId and the unit's AccessKey, else by our id (OutId)."""
    items = _pushed(request, secret)
    if items is None:
        return _refused("expected a JSON array of reports")
    account_sid = get_settings().aliyun_access_key_id
    with source(Source.WEBHOOK):
        for item in items:
            report = report_of(item)
            delivery.status_reported(report, account_sid=account_sid, message_id=report.reference)
    return JsonResponse(TAKEN, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
def aliyun_reply(request, secret: str):
    """SmsUp: replies from phones (a JSON array), handled as Twilio's inbound messages are: 退订/TD/T opts the
    phone out, 恢复 opts it in again. No answer is sent back: Alibaba Cloud sends only approved templates."""
    items = _pushed(request, secret)
    if items is None:
        return _refused("expected a JSON array of replies")
    with source(Source.WEBHOOK):
        for item in items:
            replies.reply(*reply_of(item))
    return JsonResponse(TAKEN, json_dumps_params={"ensure_ascii": False})
