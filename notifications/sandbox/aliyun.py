"""The sandbox's Alibaba Cloud SMS (Dysmsapi 2017-05-25), on the same server as its Twilio side: the official SDK's
requests (RPC style: POST / with the parameters in the query string, the action in x-acs-action) checked against
each AccessKey's secret with the SDK's own signature (ACS3-HMAC-SHA256 over the canonical request), SendSms and
QuerySendDetails with the vendor's JSON and codes, and the vendor's pushes: delivery reports (SmsReport) and
replies (SmsUp), a JSON array each, to the push URLs configured for the AccessKey, as in its console.

Behaviours (the gateway's Config: `next`, `numbers`, `rates`, as on the Twilio side), at SendSms:
invalid, not_mobile, landline (isv.MOBILE_NUMBER_ILLEGAL), rate_limited (HTTP 400 Throttling.User), server_error
(isp.SYSTEM_ERROR), phone_cap (isv.BUSINESS_LIMIT_CONTROL, the day's cap per phone), no_balance
(isv.AMOUNT_NOT_ENOUGH), bad_template (isv.SMS_TEMPLATE_ILLEGAL), bad_signature (isv.SMS_SIGNATURE_ILLEGAL);
timeout: sent, then the connection held past the client's patience. In the report: undeliverable (EXPIRED),
unknown (MK:0001, no such subscriber), opted_out (MBBLACK, the carrier's blacklist); no_report: never reported.
`lost_callbacks` loses reports as it loses Twilio's callbacks. A push not taken (no answer, or an answer whose
code is not 0) is pushed again after `push_retries` seconds, as the vendor retries (1, 5 and 10 minutes).
"""

import hashlib
import hmac
import json
import random
import re
import secrets
import threading
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from notifications.sandbox.callbacks import Webhook

CHINA = timezone(timedelta(hours=8))
AUTHORIZATION = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$")
MOBILE = re.compile(r"^1\d{10}$")
# Vendor codes of a refused SendSms, answered with HTTP 200 as the vendor does (Throttling.User: HTTP 400).
REFUSED = {"invalid": "isv.MOBILE_NUMBER_ILLEGAL", "not_mobile": "isv.MOBILE_NUMBER_ILLEGAL",
           "landline": "isv.MOBILE_NUMBER_ILLEGAL", "server_error": "isp.SYSTEM_ERROR",
           "phone_cap": "isv.BUSINESS_LIMIT_CONTROL", "no_balance": "isv.AMOUNT_NOT_ENOUGH",
           "bad_template": "isv.SMS_TEMPLATE_ILLEGAL", "bad_signature": "isv.SMS_SIGNATURE_ILLEGAL"}
MESSAGES = {"isv.MOBILE_NUMBER_ILLEGAL": "非法手机号", "isp.SYSTEM_ERROR": "系统错误",
            "isv.BUSINESS_LIMIT_CONTROL": "触发天级流控Permits:50", "isv.AMOUNT_NOT_ENOUGH": "账户余额不足",
            "isv.SMS_TEMPLATE_ILLEGAL": "该账号下找不到对应模板", "isv.SMS_SIGNATURE_ILLEGAL": "该账号下找不到对应签名"}
RECEIPTS = {"undeliverable": ("EXPIRED", "超时未送达"), "unknown": ("MK:0001", "空号"),
            "opted_out": ("MBBLACK", "黑名单")}
BEHAVIOURS = {*REFUSED, *RECEIPTS, "rate_limited", "timeout", "no_report"}


class AliyunError(Exception):
    """An answer in the vendor's error format, with its HTTP status."""

    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict:
        return {"Code": self.code, "Message": self.message, "RequestId": _request_id()}


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def _now() -> datetime:
    return datetime.now(CHINA).replace(microsecond=0)


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def e164(phone: str) -> str:
    return f"+86{phone}" if MOBILE.match(phone) else f"+{phone.lstrip('+')}"


def canonical_request(method: str, path: str, query: dict, headers: dict, signed: str, payload_hash: str) -> str:
    """The SDK's canonical request (alibabacloud_tea_openapi Utils.get_authorization), from what arrived."""
    query_string = "&".join(f"{key}={quote(query[key], safe='~')}" for key in sorted(query))
    header_lines = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed.split(";"))
    return f"{method}\n{path or '/'}\n{query_string}\n{header_lines}\n{signed}\n{payload_hash}"


class AliyunSide:
    """The vendor's state inside the sandbox gateway: AccessKeys, their push URLs, messages sent."""

    def __init__(self, gateway, keys: dict[str, str]):
        self.gateway = gateway
        self.initial = dict(keys)
        self.keys = dict(keys)  # AccessKey ID -> secret
        self.push = {}  # AccessKey ID -> {"report": url, "reply": url}
        self._messages: list[dict] = []
        self._lock = threading.Lock()

    def reset(self):
        with self._lock:
            self.keys, self.push = dict(self.initial), {}
            self._messages.clear()

    def register(self, access_key_id: str, secret: str, report_url: str = "", reply_url: str = "") -> dict:
        """An AccessKey and its push URLs, as one creates and configures them in the vendor's console."""
        if not access_key_id or not secret:
            raise ValueError("access_key_id and access_key_secret are needed")
        with self._lock:
            self.keys[access_key_id] = secret
            self.push[access_key_id] = {"report": report_url, "reply": reply_url}
        return {"access_key_id": access_key_id, "report_url": report_url, "reply_url": reply_url}

    # --- the API ---------------------------------------------------------------------------------------------

    def authenticate(self, method: str, path: str, query: dict, headers: dict, body: bytes) -> str:
        """The AccessKey ID of a request signed with its secret; AliyunError otherwise."""
        match = AUTHORIZATION.match(headers.get("authorization", ""))
        if not match:
            raise AliyunError(400, "IncompleteSignature", "The request signature does not conform to standards.")
        access_key_id, signed, signature = match.groups()
        secret = self.keys.get(access_key_id)
        if secret is None:
            raise AliyunError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        payload_hash = hashlib.sha256(body).hexdigest()
        if headers.get("x-acs-content-sha256") != payload_hash:
            raise AliyunError(400, "SignatureDoesNotMatch", "The payload's hash does not match.")
        string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(
            canonical_request(method, path, query, headers, signed, payload_hash).encode()).hexdigest()
        expected = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise AliyunError(400, "SignatureDoesNotMatch", "Specified signature does not match our calculation.")
        return access_key_id

    def call(self, action: str, access_key_id: str, query: dict) -> dict:
        if action == "SendSms":
            return self.send(access_key_id, query)
        if action == "QuerySendDetails":
            return self.details(access_key_id, query)
        raise AliyunError(404, "InvalidAction.NotFound", f"Specified api is not found: {action}")

    def send(self, access_key_id: str, query: dict) -> dict:
        phone, sign_name = query.get("PhoneNumbers", ""), query.get("SignName", "")
        template_code, raw_param = query.get("TemplateCode", ""), query.get("TemplateParam", "")
        if not phone or not sign_name or not template_code:
            return _refusal("isv.INVALID_PARAMETERS", "参数异常")
        try:
            param = _json_object(raw_param)
        except ValueError:
            return _refusal("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        behaviour = self.gateway.behaviour(e164(phone)) if MOBILE.match(phone) else "invalid"
        if behaviour == "rate_limited":
            raise AliyunError(400, "Throttling.User", "Request was denied due to user flow control.")
        if behaviour in REFUSED:
            return _refusal(REFUSED[behaviour], MESSAGES[REFUSED[behaviour]])
        text = self.gateway.config.templates.get(template_code)
        filled = re.sub(r"\$\{(\w+)\}", lambda m: param.get(m.group(1), ""), text) if text else \
            f"({template_code}) " + "; ".join(f"{name}={value}" for name, value in param.items())
        content = f"【{sign_name}】{filled}"
        message = {"biz_id": f"{random.randrange(10 ** 17, 10 ** 18)}^0", "access_key_id": access_key_id,
                   "phone_number": phone, "to": e164(phone), "sign_name": sign_name, "template_code": template_code,
                   "template_param": param, "out_id": query.get("OutId", ""), "content": content, "send_status": 1,
                   "err_code": "", "send_date": _date(_now()), "receive_date": ""}
        with self._lock:
            self._messages.append(message)
        silent = behaviour == "no_report" or random.random() < self.gateway.config.lost_callbacks
        if self.gateway.config.callbacks != "off":
            self.gateway.dispatcher.schedule(lambda: self._deliver(message, behaviour, silent),
                                             self.gateway.config.callback_delay_ms / 1000)
        answer = {"Code": "OK", "Message": "OK", "BizId": message["biz_id"], "RequestId": _request_id()}
        if behaviour == "timeout":
            raise AliyunHold(answer)
        return answer

    def details(self, access_key_id: str, query: dict) -> dict:
        phone, day, biz_id = query.get("PhoneNumber", ""), query.get("SendDate", ""), query.get("BizId")
        page, size = int(query.get("CurrentPage") or 1), int(query.get("PageSize") or 10)
        if not phone or not re.match(r"^\d{8}$", day) or not 1 <= size <= 50:
            return _refusal("isv.INVALID_PARAMETERS", "参数异常")
        with self._lock:
            found = [dict(m) for m in self._messages if m["access_key_id"] == access_key_id
                     and m["phone_number"] == phone and m["send_date"][:10].replace("-", "") == day
                     and (not biz_id or m["biz_id"] == biz_id)]
        shown = found[(page - 1) * size:page * size]
        return {"Code": "OK", "Message": "OK", "RequestId": _request_id(), "TotalCount": len(found),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": [{
                    "PhoneNum": m["phone_number"], "SendStatus": m["send_status"], "ErrCode": m["err_code"],
                    "TemplateCode": m["template_code"], "Content": m["content"], "SendDate": m["send_date"],
                    "ReceiveDate": m["receive_date"], "OutId": m["out_id"]} for m in shown]}}

    def messages(self, access_key_id: str | None = None, to: str | None = None) -> list[dict]:
        """Messages sent, oldest first (the vendor's fields, plus "to" in E.164)."""
        with self._lock:
            return [dict(m) for m in self._messages
                    if (access_key_id is None or m["access_key_id"] == access_key_id) and (to is None or m["to"] == to)]

    # --- pushes ----------------------------------------------------------------------------------------------

    def _deliver(self, message: dict, behaviour: str, silent: bool):
        code, text = RECEIPTS.get(behaviour, ("DELIVERED", "用户接收成功"))
        with self._lock:
            message.update(send_status=3 if code == "DELIVERED" else 2, err_code=code, receive_date=_date(_now()))
            report = {"phone_number": message["phone_number"], "send_time": message["send_date"],
                      "report_time": message["receive_date"], "success": code == "DELIVERED", "err_code": code,
                      "err_msg": text, "sms_size": "1", "biz_id": message["biz_id"], "out_id": message["out_id"]}
            url = self.push.get(message["access_key_id"], {}).get("report", "")
        if url and not silent:
            self._push(url, [report], list(self.gateway.config.push_retries))

    def reply(self, access_key_id: str, phone: str, content: str, *, sign_name: str = "") -> Webhook:
        """A member's reply (SmsUp), pushed (or recorded) now to the AccessKey's reply URL."""
        url = self.push.get(access_key_id, {}).get("reply", "")
        if not url:
            raise ValueError(f"no reply URL configured for {access_key_id}")
        item = {"phone_number": phone.removeprefix("+86"), "send_time": _date(_now()), "content": content,
                "sign_name": sign_name, "dest_code": "".join(secrets.choice("0123456789") for _ in range(4)),
                "sequence_id": random.randrange(10 ** 9)}
        return self._push(url, [item], list(self.gateway.config.push_retries))

    def _push(self, url: str, items: list, retries: list) -> Webhook:
        hook = self.gateway.dispatcher.deliver(Webhook(url, {}, "", body=items))
        taken = hook.response_status == 200 and isinstance(hook.response_json, dict) \
            and hook.response_json.get("code") == 0
        if self.gateway.dispatcher.mode == "post" and not taken and retries:
            self.gateway.dispatcher.schedule(lambda: self._push(url, items, retries[1:]), retries[0])
        return hook


class AliyunHold(Exception):
    """Sent, but answer only after the client has given up."""

    def __init__(self, answer: dict):
        self.answer = answer


def _refusal(code: str, message: str) -> dict:
    return {"Code": code, "Message": message, "RequestId": _request_id()}


def _json_object(raw: str) -> dict:
    if not raw:
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise ValueError("not an object of strings")
    return value
