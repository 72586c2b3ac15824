"""What the sandbox knows about Twilio's Messages resource: segments, errors, and the message JSON."""

import re
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime

from notifications import segments

API_VERSION = "2010-04-01"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")

# Twilio error codes the sandbox answers with: (HTTP status, message).
ERRORS = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
    20503: (503, "Service Unavailable"),
    21205: (400, "Url parameter is required."),
    21211: (400, "The 'To' number is not a valid phone number."),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number or MessagingServiceSid is required."),
    21604: (400, "A 'To' phone number is required."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}
# Delivery failures reported in status callbacks: error code -> final status.
DELIVERY_ERRORS = {30003: "undelivered", 30005: "undelivered", 30006: "failed"}


def num_segments(body: str) -> int:
    """Segments Twilio bills (GSM-7 160/153, else UCS-2 70/67), counted as the platform counts them."""
    return max(segments.count(body).segments, 1)


def error_body(code: int, status: int | None = None) -> tuple[int, dict]:
    status = status or ERRORS[code][0]
    return status, {"code": code, "message": ERRORS[code][1], "status": status,
                    "more_info": f"https://www.twilio.com/docs/errors/{code}"}


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def twilio_date(moment=None) -> str:
    """Twilio's RFC 2822 dates: "Thu, 30 Jul 2015 20:12:31 +0000"."""
    return format_datetime(moment or datetime.now(UTC).replace(microsecond=0))


def new_message(account_sid: str, to: str, body: str, from_: str, service_sid: str, callback: str) -> dict:
    """A message as Twilio returns it from create (status "accepted" when a Messaging Service picks the
    sender, else "queued")."""
    sid, now = new_sid(), twilio_date()
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"
    return {
        "account_sid": account_sid, "api_version": API_VERSION, "body": body, "date_created": now,
        "date_sent": None, "date_updated": now, "direction": "outbound-api", "error_code": None,
        "error_message": None, "from": from_ or None, "messaging_service_sid": service_sid or None,
        "num_media": "0", "num_segments": str(num_segments(body)), "price": None, "price_unit": "USD",
        "sid": sid, "status": "accepted" if service_sid and not from_ else "queued", "to": to, "uri": uri,
        "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
        "status_callback": callback or None,  # not in Twilio's JSON; the control endpoints show it
    }


def public_view(message: dict) -> dict:
    return {key: value for key, value in message.items() if key != "status_callback"}
