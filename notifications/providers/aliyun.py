"""Alibaba Cloud SMS (阿里云短信, Dysmsapi 2017-05-25) through the official SDK, pointed at
settings.ALIYUN_SMS_ENDPOINT (the sandbox gateway locally: `Config(endpoint=..., protocol="http")`).

Alibaba Cloud sends only what it approved: a registered signature (SignName, shown as 【signature】 before the
text) and a template of its own (TemplateCode) whose variables we fill (TemplateParam, a JSON object of strings,
keyed by our variable names, which the unit's templates at Alibaba Cloud use as ${member_name}, ...). Our id for
the message travels as OutId and comes back in every delivery report, so a report finds its message even when
the answer to SendSms was lost. Reports and replies are pushed to the unit's push URLs (SmsReport, SmsUp:
`report_of`, `reply_of`); QuerySendDetails looks a message up (`fetch`, `recent_messages`).

Alibaba Cloud's codes are known here and nowhere else: every answer, lookup and push leaves this module in the
neutral words of notifications.providers.base.
"""

import datetime
import functools
import json
import math
import zoneinfo
from urllib.parse import urlsplit

import requests
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import QuerySendDetailsRequest, SendSmsRequest
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import ResponseException, UnretryableException
from darabonba.runtime import RuntimeOptions
from django.conf import settings

from notifications.providers.base import (
    Account,
    Delivery,
    Failure,
    ProviderError,
    ProviderMessage,
    Sender,
    SendResult,
    VendorTemplate,
    network_error,
)

NAME = "aliyun"
POOL_SIZE = 32  # connections kept per provider, as for Twilio: the relay sends from many threads at once
CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")  # the vendor's dates (SendDate, send_time) are Beijing time
MAX_VARIABLE = 35  # characters of one variable's value (短信模板规范: "单个变量的长度限制为1~35个字符")
SINGLE, MULTI = 70, 67  # characters of one message, and of each part of a longer one, signature included
PAGE = 50  # QuerySendDetails' largest page

# Codes of a refused SendSms or QuerySendDetails (API错误码, help.aliyun.com "短信服务 > 错误码"). A business
# refusal comes as HTTP 200 with this Code instead of "OK"; the API gateway's own ones with HTTP 4xx/5xx.
# Any other code is permanent, unless the HTTP status or an "isp." (the vendor's side) says otherwise.
MEANINGS = {
    # The number: reach the member another way.
    "isv.MOBILE_NUMBER_ILLEGAL": Failure.UNREACHABLE,  # not a valid mobile number
    # Flow control and the vendor's own faults: the same request may succeed later.
    "isv.BUSINESS_LIMIT_CONTROL": Failure.RETRYABLE,  # the cap per phone (see `wait_for_cap`)
    "isv.DAY_LIMIT_CONTROL": Failure.RETRYABLE,  # the account's daily volume, set in the console, is reached
    "Throttling.User": Failure.RETRYABLE,  # the API's flow control (requests per second)
    "isp.SYSTEM_ERROR": Failure.RETRYABLE,  # the vendor's system failed
    "isp.GATEWAY_ERROR": Failure.RETRYABLE,  # the vendor's gateway failed
    # The template or the signature: nothing goes until someone fixes it in the console or the settings.
    "isv.SMS_TEMPLATE_ILLEGAL": Failure.PERMANENT,  # no such approved template under this account
    "isv.SMS_SIGNATURE_ILLEGAL": Failure.PERMANENT,  # no such approved signature under this account
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": Failure.PERMANENT,  # signature and template approved for different uses
    "isv.TEMPLATE_MISSING_PARAMETERS": Failure.PERMANENT,  # a variable of the template got no value
    "isv.INVALID_PARAMETERS": Failure.PERMANENT,  # a malformed request
    "isv.INVALID_JSON_PARAM": Failure.PERMANENT,  # TemplateParam is not a JSON object of strings
    "isv.PARAM_LENGTH_LIMIT": Failure.PERMANENT,  # a variable's value is longer than its type allows
    "isv.PARAM_NOT_SUPPORT_URL": Failure.PERMANENT,  # a variable's value holds a link
    "isv.BLACK_KEY_CONTROL_LIMIT": Failure.PERMANENT,  # a variable's value holds a blacklisted word
    # The account: the unit (or whoever pays Alibaba Cloud) must act first.
    "isv.AMOUNT_NOT_ENOUGH": Failure.PERMANENT,  # the balance is used up: top it up, then send again
    "isv.OUT_OF_SERVICE": Failure.PERMANENT,  # the account is suspended (in arrears)
    "isv.PRODUCT_UN_SUBSCRIPT": Failure.PERMANENT,  # the account has not enabled SMS
    "isv.ACCOUNT_NOT_EXISTS": Failure.PERMANENT,  # no such account
    "isv.ACCOUNT_ABNORMAL": Failure.PERMANENT,  # the account is blocked
    "isp.RAM_PERMISSION_DENY": Failure.PERMANENT,  # the AccessKey's RAM user may not send SMS
    "InvalidAccessKeyId.NotFound": Failure.PERMANENT,  # no such AccessKey ID
    "SignatureDoesNotMatch": Failure.PERMANENT,  # the AccessKey secret is wrong
}
# The cap per phone (短信发送频率限制): for notifications 50 a day per signature and template, counted over the
# last 24 hours; the minute and hour caps (1 a minute, 5 an hour, 10 a day) are verification codes' only. The
# refusal's text says which cap was hit ("触发天级流控Permits:50"): the request may succeed once it has passed.
CAP_WAITS = (("天级", 24 * 3600), ("小时级", 3600), ("分钟级", 60), ("day", 24 * 3600), ("hour", 3600),
             ("minute", 60))

DELIVERED = "DELIVERED"  # a delivery report's err_code when the phone received the message
# A delivery report's err_code when it did not (短信回执错误码: the carriers' gateway codes, passed on).
RECEIPTS = {
    "MBBLACK": Failure.OPTED_OUT,  # on the carrier's blacklist for this sender: the phone replied 退订 or complained
    "DBBLACK": Failure.OPTED_OUT,  # on the carrier gateway's blacklist (unsubscribed, complaints)
    "DB:0144": Failure.OPTED_OUT,  # China Mobile: the gateway's blacklist
    "MK:0001": Failure.UNREACHABLE,  # no such subscriber (空号)
    "MK:0005": Failure.UNREACHABLE,  # the line is suspended (停机)
    "MK:0013": Failure.UNREACHABLE,  # the line is suspended (停机)
    "MK:0010": Failure.UNREACHABLE,  # off or out of coverage longer than the carrier keeps a message
    "MK:0023": Failure.UNREACHABLE,  # the phone is switched off (关机)
    "DB:0101": Failure.UNREACHABLE,  # China Mobile: wrong number
    "DB:0102": Failure.UNREACHABLE,  # China Mobile: the line is suspended
    "EXPIRED": Failure.UNREACHABLE,  # not delivered in time: off for long, or out of coverage
    "UNDELIV": Failure.UNREACHABLE,  # the line's state does not allow SMS (suspended, barred)
    "MK:0115": Failure.PERMANENT,  # blocked by the carrier as spam: the text, not the phone
    "REJECTD": Failure.PERMANENT,  # refused by the carrier, for a reason it does not say
}
# Other codes of the carriers' handset states (MK:, MN:, MI: China Mobile; LT: China Unicom): a number that is
# empty, suspended or off.
UNREACHABLE_PREFIXES = ("MK:", "MN:", "MI:", "LT:")
# QuerySendDetails' SendStatus: 1 waiting for the carrier's report, 2 failed, 3 delivered.
SEND_STATUSES = {1: Delivery.SENT, 2: Delivery.UNDELIVERED, 3: Delivery.DELIVERED}


class AliyunProvider:
    uses_templates = True  # a message goes as an approved template and its variables (`VendorTemplate`)

    def __init__(self, account: Account, *, endpoint: str | None = None, timeout: float | None = None):
        endpoint = endpoint or settings.ALIYUN_SMS_ENDPOINT
        url = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        milliseconds = int((timeout or settings.ALIYUN_TIMEOUT_SECONDS) * 1000)
        self.account = account
        self.client = Client(Config(
            access_key_id=account.sid, access_key_secret=account.token, type="access_key", endpoint=url.netloc,
            protocol=url.scheme, connect_timeout=milliseconds, read_timeout=milliseconds, max_idle_conns=POOL_SIZE))
        # One request per call: retrying is the relay's decision, made on the neutral failure.
        self.runtime = RuntimeOptions(autoretry=False, max_idle_conns=POOL_SIZE)

    def send(self, to: str, body: str, sender: Sender, status_callback: str | None = None, *, reference: str = "",
             template: VendorTemplate | None = None) -> SendResult:
        """SendSms: the template `template.code` with its variables, under the signature `sender.sign_name`,
        `reference` (our id) as OutId. The text (`body`) only counts the parts billed; reports come by push, not
        to a `status_callback`. Raises ProviderError; `ambiguous` means it may have been sent anyway."""
        if template is None or not template.code:
            raise ProviderError("template", "Alibaba Cloud sends only its approved templates; this message has none.")
        request = SendSmsRequest(phone_numbers=vendor_phone(to), sign_name=sender.sign_name,
                                 template_code=template.code, template_param=template_param(template.variables),
                                 out_id=reference or None)
        answer = self._call(lambda: self.client.send_sms_with_options(request, self.runtime)).body
        if answer.code != "OK":
            raise refusal(answer.code, answer.message)
        return SendResult(sid=answer.biz_id, status=Delivery.QUEUED, segments=billed_parts(sender.sign_name, body))

    def fetch(self, sid: str, *, to: str = "", sent_at: datetime.datetime | None = None) -> ProviderMessage:
        """QuerySendDetails for the message `sid` (BizId) to `to`, sent on the day of `sent_at`: the vendor finds
        a message only by phone and day. Raises ProviderError ("not-found" when the vendor has none)."""
        found = self._details(to, _china_day(sent_at), biz_id=sid)
        if not found:
            raise ProviderError("not-found", f"Alibaba Cloud has no message {sid} to this phone that day.")
        return _detail(found[0], sid=sid)

    def recent_messages(self, to: str, *, since: datetime.datetime | None = None,
                        limit: int = 100) -> list[ProviderMessage]:
        """The account's messages to `to` on each day from `since` (else today) to today, newest first, at most
        `limit`; with `since`, only those sent then or later. The vendor gives no message id in a listing: a
        message is known by our id in it (`reference`, its OutId)."""
        today = _china_day(None)
        day = _china_day(since) if since else today
        found = []
        while day <= today and len(found) < limit:
            found += [_detail(item) for item in self._details(to, day)]
            day += datetime.timedelta(days=1)
        found.sort(key=lambda message: message.date_created or datetime.datetime.min.replace(tzinfo=CHINA),
                   reverse=True)
        return [message for message in found[:limit]
                if since is None or message.date_created is None or message.date_created >= since]

    def _details(self, to: str, day: datetime.date, *, biz_id: str | None = None) -> list:
        request = QuerySendDetailsRequest(phone_number=vendor_phone(to), send_date=f"{day:%Y%m%d}", biz_id=biz_id,
                                          page_size=PAGE, current_page=1)
        answer = self._call(lambda: self.client.query_send_details_with_options(request, self.runtime)).body
        if answer.code != "OK":
            raise refusal(answer.code, answer.message)
        details = answer.sms_send_detail_dtos
        return list(details.sms_send_detail_dto or []) if details else []

    @staticmethod
    def _call(call):
        try:
            return call()
        except ResponseException as exc:  # an HTTP error answer: ClientException, ServerException, Throttling...
            data = exc.data if isinstance(exc.data, dict) else {}
            raise refusal(exc.code, data.get("Message") or exc.message, status=exc.status_code) from exc
        except UnretryableException as exc:  # no answer: the SDK keeps the requests error it wrapped
            cause = exc.inner_exception.__context__ if exc.inner_exception else None
            if isinstance(cause, requests.exceptions.RequestException):
                raise network_error(cause) from exc
            raise ProviderError("network", str(exc), failure=Failure.AMBIGUOUS) from exc


def refusal(code, message: str, *, status: int | None = None) -> ProviderError:
    """A refused request in our words: the vendor's code when it gave one, else the HTTP status."""
    code = str(code or "") if code not in (None, "", "None") else f"http-{status}"
    failure = MEANINGS.get(code)
    if failure is None:
        retryable = code.startswith("isp.") or (status or 0) >= 500 or status == 429
        failure = Failure.RETRYABLE if retryable else Failure.PERMANENT
    wait = wait_for_cap(message) if code == "isv.BUSINESS_LIMIT_CONTROL" else None
    return ProviderError(code, message or "", failure=failure, retry_after=wait)


def wait_for_cap(message: str) -> float | None:
    """Seconds until the cap per phone that refused the message has passed, from the refusal's text."""
    text = (message or "").lower()
    return next((float(seconds) for word, seconds in CAP_WAITS if word in text), None)


def receipt_failure(code: str) -> Failure:
    """What a delivery report's error code means (RECEIPTS, else the carriers' handset codes, else permanent)."""
    if code in RECEIPTS:
        return RECEIPTS[code]
    return Failure.UNREACHABLE if code.startswith(UNREACHABLE_PREFIXES) else Failure.PERMANENT


def report_of(item: dict) -> ProviderMessage:
    """One delivery report of an SmsReport push ({"phone_number", "success", "err_code", "err_msg", "biz_id",
    "out_id", ...}) as a report on the message."""
    delivered = item.get("success") in (True, "true", "True")
    code = "" if delivered else str(item.get("err_code") or "")
    return ProviderMessage(
        str(item.get("biz_id") or ""), e164(item.get("phone_number")), "",
        Delivery.DELIVERED if delivered else Delivery.UNDELIVERED, _china_time(item.get("send_time")), code,
        "" if delivered else str(item.get("err_msg") or ""), failure=None if delivered else receipt_failure(code),
        reference=str(item.get("out_id") or ""))


def reply_of(item: dict) -> tuple[str, str]:
    """(phone, text) of one reply of an SmsUp push ({"phone_number", "content", "sign_name", ...})."""
    return e164(item.get("phone_number")), str(item.get("content") or "")


def _detail(item, sid: str = "") -> ProviderMessage:
    """A QuerySendDetails record (SmsSendDetailDTO) as a message: its text without the 【signature】."""
    status = SEND_STATUSES.get(int(item.send_status or 0))
    failed = status == Delivery.UNDELIVERED
    code = str(item.err_code or "") if failed else ""
    body = str(item.content or "")
    if body.startswith("【") and "】" in body:
        body = body.split("】", 1)[1]
    return ProviderMessage(sid, e164(item.phone_num), body, status, _china_time(item.send_date), code, "",
                           failure=receipt_failure(code) if failed else None, reference=str(item.out_id or ""))


def template_param(variables: dict) -> str | None:
    """TemplateParam: the variables as a JSON object of strings, each at most the vendor's MAX_VARIABLE
    characters (a longer one, such as a list of tasks, is cut and ends with an ellipsis)."""
    if not variables:
        return None
    clipped = {name: value if len(value) <= MAX_VARIABLE else value[:MAX_VARIABLE - 1] + "…"
               for name, value in ((name, str(value)) for name, value in variables.items())}
    return json.dumps(clipped, ensure_ascii=False)


def billed_parts(sign_name: str, body: str) -> int:
    """Messages Alibaba Cloud bills for `body` under `sign_name`: every character counts one, the 【signature】
    included; up to 70 is one message, a longer one is billed in parts of 67 (短信发送规则)."""
    length = len(body) + len(sign_name) + 2
    return 1 if length <= SINGLE else math.ceil(length / MULTI)


def vendor_phone(phone: str) -> str:
    """A mainland number as the vendor writes it (11 digits), another with its country code and no "+"."""
    return phone[3:] if phone.startswith("+86") else phone.lstrip("+")


def e164(phone) -> str:
    """The vendor's number (11 digits for the mainland) as E.164."""
    digits = str(phone or "").strip().lstrip("+")
    if len(digits) == 11 and digits.startswith("1"):
        return f"+86{digits}"
    return f"+{digits}" if digits else ""


def _china_day(moment: datetime.datetime | None) -> datetime.date:
    return (moment or datetime.datetime.now(CHINA)).astimezone(CHINA).date()


def _china_time(value) -> datetime.datetime | None:
    """"2026-10-18 10:00:00" (Beijing time) as an aware datetime, or None."""
    try:
        return datetime.datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except (TypeError, ValueError):
        return None


def provider_for(account: Account) -> AliyunProvider:
    """The process's provider for this AccessKey (one client and connection pool each), for the current
    settings."""
    return _cached_provider(account, settings.ALIYUN_SMS_ENDPOINT, settings.ALIYUN_TIMEOUT_SECONDS)


@functools.lru_cache(maxsize=256)
def _cached_provider(account: Account, endpoint: str, timeout: float) -> AliyunProvider:
    # Keyed by the whole AccessKey, so a new secret gets a new client; by endpoint and timeout for tests.
    return AliyunProvider(account, endpoint=endpoint, timeout=timeout)
